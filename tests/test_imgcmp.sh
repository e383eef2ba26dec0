#!/usr/bin/env bash
# Checks the image comparison tool the decode tests rely on: identical
# images pass, different ones fail against a threshold, bit depths are
# normalised, and mismatched sizes or unreadable files are errors (exit 2)
# that say what is wrong.
#
# usage: test_imgcmp.sh IMGCMP DATA_DIR
set -euo pipefail

imgcmp="${1:?usage: test_imgcmp.sh IMGCMP DATA_DIR}"
data="${2:?}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
# expect WANT_STATUS PATTERN ARGS...: runs imgcmp, checks status and output.
expect() {
  local want="$1" pattern="$2"
  shift 2
  local rc=0 out
  out="$("$imgcmp" "$@" 2>&1)" || rc=$?
  if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -q -E -- "$pattern"; then
    passed=$((passed + 1))
    printf 'ok   imgcmp %s -> %s: %s\n' "$*" "$rc" "$out"
  else
    failed=$((failed + 1))
    printf 'FAIL imgcmp %s -> %s (wanted %s matching /%s/): %s\n' "$*" "$rc" "$want" "$pattern" "$out"
  fi
}

ref="$data/ref"
# PNG
expect 0 '^PSNR inf dB' "$ref/RGBA_8__128x128.png" "$ref/RGBA_8__128x128.png"
expect 0 '^PSNR inf dB' "$ref/RGB_10__29x100.png" "$ref/RGB_10__29x100.png" 45
# different pictures of the same size (and 8 vs 16 bits)
expect 1 '^PSNR [0-9.]+ dB' "$ref/L_8__29x100.png" "$ref/RGB_10__29x100.png" 45
expect 0 '^PSNR [0-9.]+ dB' "$ref/L_8__29x100.png" "$ref/RGB_10__29x100.png" 1
expect 1 '^PSNR [0-9.]+ dB' "$ref/L_8__29x100.png" "$ref/RGB_10__29x100.png"
# errors
expect 2 'size mismatch: .* is 128x128, .* is 29x100' "$ref/RGBA_8__128x128.png" "$ref/RGB_10__29x100.png" 45
expect 2 'No such file' "$tmp/missing.png" "$ref/RGB_10__29x100.png"
printf 'not an image\n' >"$tmp/text.png"
expect 2 'neither PNG nor Y4M' "$tmp/text.png" "$ref/RGB_10__29x100.png"
: >"$tmp/empty.png"
expect 2 'empty file' "$tmp/empty.png" "$ref/RGB_10__29x100.png"
expect 2 'bad threshold' "$ref/L_8__29x100.png" "$ref/L_8__29x100.png" abc
expect 2 'usage' "$ref/L_8__29x100.png"

# Y4M: a 2x2 4:2:0 frame is 4 luma + 1 Cb + 1 Cr samples.
y4m8() { # FILE HEADER_EXTRA BYTES(octal escapes)
  printf 'YUV4MPEG2 W2 H2 F25:1 Ip A1:1%s\nFRAME\n' "$2" >"$1"
  printf "$3" >>"$1"
}
y4m8 "$tmp/a.y4m" " C420jpeg" '\000\377\020\200\100\300'
y4m8 "$tmp/b.y4m" "" '\000\377\020\200\100\300'
y4m8 "$tmp/c.y4m" "" '\001\377\020\200\100\300'
expect 0 '^PSNR inf dB' "$tmp/a.y4m" "$tmp/b.y4m"
# one sample off by one step of 255 among 6: 10*log10(6 * 255^2) = 55.91 dB
expect 1 '^PSNR 55\.91 dB' "$tmp/a.y4m" "$tmp/c.y4m" 60
expect 0 '^PSNR 55\.91 dB' "$tmp/a.y4m" "$tmp/c.y4m" 50
# 10-bit little-endian samples 0 and 1023 equal 8-bit 0 and 255
printf 'YUV4MPEG2 W2 H2 C420p10\nFRAME\n' >"$tmp/d.y4m"
printf '\000\000\377\003\000\000\377\003\000\000\377\003' >>"$tmp/d.y4m"
y4m8 "$tmp/e.y4m" "" '\000\377\000\377\000\377'
expect 0 '^PSNR inf dB' "$tmp/d.y4m" "$tmp/e.y4m"
y4m8 "$tmp/f.y4m" " C444" '\000\377\020\200\100\300\000\377\020\200\100\300'
expect 2 'chroma format differs' "$tmp/a.y4m" "$tmp/f.y4m"
expect 2 'different formats' "$tmp/a.y4m" "$ref/L_8__29x100.png"
head -c "$(($(wc -c <"$tmp/a.y4m") - 2))" "$tmp/a.y4m" >"$tmp/short.y4m"
expect 2 'truncated' "$tmp/short.y4m" "$tmp/a.y4m"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
