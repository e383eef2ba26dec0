#!/usr/bin/env bash
# The main job of libheic: PNG (or JPEG, Y4M) -> HEIC -> back.
# Installs what is missing, builds the tools (build-demo/), encodes a photo
# the project carries (tests/data, CC0) with heic-enc, describes the HEIC
# with heic-info, decodes it back to PNG with heic-dec, and prints the input
# size, the HEIC size, bits per pixel and the PSNR of the round trip.
#
#   bash scripts/demo.sh [IMAGE.png|IMAGE.jpg|IMAGE.y4m]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=install-deps.sh
source "$root/scripts/install-deps.sh"

input="${1:-$root/tests/data/wesaturate_tmshre_alpha_500x500.png}"
quality="${HEIC_DEMO_QUALITY:-75}"
build="${HEIC_DEMO_BUILD_DIR:-$root/build-demo}"
out="$build/demo-out"

if [ ! -f "$input" ]; then
  echo "demo: no such file: $input" >&2
  exit 2
fi

echo "== dependencies"
heic_install_deps build

echo
echo "== build (${build#"$root"/}/)"
# The tests' tree is configured too, for imgcmp (the comparison tool the
# tests use); only the tools and imgcmp are built.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" --target heic-enc heic-info heic-dec hevc-enc imgcmp

rm -rf "$out"
mkdir -p "$out"
size_of() { wc -c <"$1" | tr -d ' '; }
stem="$(basename "${input%.*}")"
heic="$out/$stem.heic"
# (the NUL bytes of a PNG signature dropped: bash cannot hold them)
case "$(head -c 10 "$input" | tr -d '\0')" in
  "YUV4MPEG2 "*) back="$out/$stem.y4m" ;;  # compare the coded YCbCr
  *) back="$out/$stem.png" ;;
esac

echo
echo "== heic-enc -q $quality --thumb 160 $(basename "$input") -o ${heic#"$root"/}"
"$build/heic-enc" -q "$quality" --thumb 160 "$input" -o "$heic" | tee "$out/enc.txt"

echo
echo "== heic-info ${heic#"$root"/}"
"$build/heic-info" "$heic" | tee "$out/info.txt"

echo
echo "== heic-dec ${heic#"$root"/} ${back#"$root"/}"
"$build/heic-dec" "$heic" "$back"

# The picture's size, from heic-enc's summary ("  WxH PNG RGB 8-bit, ...").
dims="$(sed -n 's/^  \([0-9]*x[0-9]*\) .*/\1/p' "$out/enc.txt" | head -n1)"
w="${dims%x*}"
h="${dims#*x}"
bpp="$(awk -v b="$(size_of "$heic")" -v p="$((w * h))" 'BEGIN { printf "%.3f", b * 8 / p }')"

# imgcmp reads PNG and Y4M; a JPEG input is compared as ImageMagick decodes
# it, when ImageMagick is there.
ref="$input"
psnr="(not measured)"
if [ "$(head -c 2 "$input" | od -An -tx1 | tr -d ' ')" = "ffd8" ]; then
  ref=""
  if command -v identify >/dev/null 2>&1 && command -v convert >/dev/null 2>&1; then
    ref="$out/$stem.reference.png"
    convert "$input" -auto-orient +repage "$ref" 2>/dev/null || ref=""
  fi
fi
if [ -n "$ref" ]; then
  # exit 1 only says the pictures differ, which a lossy round trip does
  psnr="$("$build/tests/imgcmp" "$back" "$ref" 0 || true)"
fi

echo
echo "== round trip"
printf '  input    %9s bytes  %s\n' "$(size_of "$input")" "${input#"$root"/}"
printf '  HEIC     %9s bytes  %s  (%s, %s bits per pixel)\n' "$(size_of "$heic")" \
  "${heic#"$root"/}" "$dims" "$bpp"
printf '  decoded  %9s bytes  %s\n' "$(size_of "$back")" "${back#"$root"/}"
printf '  %s\n' "$psnr"

echo
echo "Done: ${heic#"$root"/} is the HEIC, ${back#"$root"/} what heic-dec reads back."
echo "Try your own: bash scripts/demo.sh photo.jpg  (or ${build#"$root"/}/heic-enc --help)"
