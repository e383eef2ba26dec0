#!/usr/bin/env bash
# The main job of libheic today: inspect and decode a HEIC file.
# Installs what is missing, builds the tools (build-demo/), then runs
# heic-info and heic-dec on a sample the project carries (tests/data) and
# prints the sizes of what went in and came out.  Writing HEIC (the HEVC
# encoder) comes in a later release.
#
#   bash scripts/demo.sh [FILE.heic]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=install-deps.sh
source "$root/scripts/install-deps.sh"

input="${1:-$root/tests/data/zPug_3.heic}"
build="${HEIC_DEMO_BUILD_DIR:-$root/build-demo}"
out="$build/demo-out"

echo "== dependencies"
heic_install_deps build

echo
echo "== build (build-demo/)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target heic-info heic-dec

rm -rf "$out"
mkdir -p "$out"
size_of() { wc -c <"$1" | tr -d ' '; }
stem="$(basename "${input%.*}")"

echo
echo "== heic-info $(basename "$input")"
"$build/heic-info" "$input"

echo
echo "== heic-dec: the primary image, every top-level image, a thumbnail, YCbCr"
"$build/heic-dec" "$input" "$out/$stem.png"
"$build/heic-dec" --all "$input" "$out/$stem-all.png"
if ! "$build/heic-dec" --thumb "$input" "$out/$stem-thumb.png"; then
  echo "(no thumbnail to decode)"
fi
"$build/heic-dec" "$input" "$out/$stem.y4m"

echo
echo "== sizes"
printf '  in   %8s bytes  %s\n' "$(size_of "$input")" "$input"
for f in "$out"/*; do
  printf '  out  %8s bytes  %s\n' "$(size_of "$f")" "${f#"$root"/}"
done

echo
echo "Done: the PNG files in ${out#"$root"/}/ are the decoded images."
echo "Try your own: bash scripts/demo.sh photo.heic  (or build-demo/heic-dec --help)"
