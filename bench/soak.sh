#!/usr/bin/env bash
# The soak benchmark: one process encodes and decodes 2,000 images (corpus
# photos cycled, quality 30..90, grid on/off, alpha on/off, thumbnails on
# every third) with a fresh context per image on one shared allocator.  It
# aborts the moment the allocator has a byte outstanding after an image, and
# fails when the process's RSS after the last image exceeds its RSS after
# image 100 by more than 2% (see bench/soak.c).
#
#   bash bench/soak.sh [HEIC-SOAK OPTIONS...]     e.g. --images 500 --seed 7
#
# Builds build-bench/ (RelWithDebInfo, no sanitizers: RSS is what is
# measured) and runs bench/soak.c against ../shared/corpus/inputs (synthetic
# images when it is absent).  Runs at low priority (nice).  Environment:
# HEIC_SOAK_IMAGES (default 2000), HEIC_CORPUS_DIR (default ../shared/corpus),
# HEIC_BENCH_DIR (default build-bench), HEIC_BUILD_JOBS (default 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/${HEIC_BENCH_DIR:-build-bench}"
images="${HEIC_SOAK_IMAGES:-2000}"
corpus="${HEIC_CORPUS_DIR:-$root/../shared/corpus}"
jobs="${HEIC_BUILD_JOBS:-1}"

echo "== build ($dir)"
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEIC_WERROR=ON \
  -DHEIC_SANITIZE=OFF >/dev/null
soak="$dir/tests/heic-soak"
if ninja -C "$dir" -t targets all 2>/dev/null | grep -q '^heic-soak:'; then
  nice cmake --build "$dir" --target heic-soak -- -j"$jobs"
else
  # tests/soak.cmake is not included by tests/CMakeLists.txt in this tree:
  # build the libraries with CMake and compile the soak beside them.
  echo "(tests/soak.cmake not included by tests/CMakeLists.txt: compiling bench/soak.c directly)"
  nice cmake --build "$dir" --target heic heic_imageio -- -j"$jobs"
  soak="$dir/heic-soak"
  # shellcheck disable=SC2046
  nice cc -std=c11 -O2 -g -Wall -Wextra -Wvla -Werror -D_POSIX_C_SOURCE=200809L \
    -I"$root/include" -I"$root/imageio" "$root/bench/soak.c" -o "$soak" \
    "$dir/libheic_imageio.a" -L"$dir" -Wl,-rpath,"$dir" -lheic \
    $(pkg-config --libs libpng libjpeg)
fi

echo
echo "== soak: $images images"
start="$(date +%s)"
rc=0
nice "$soak" --images "$images" --corpus "$corpus/inputs" --corpus-optional --progress 100 "$@" || rc=$?
echo "== soak exit status $rc, $(($(date +%s) - start)) s wall clock"
exit "$rc"
