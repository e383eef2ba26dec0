#!/usr/bin/env bash
# Decodes the samples the project carries (tests/data) with heic-dec and
# compares them with libheif's decodes committed in tests/data/ref (PSNR >=
# 45 dB); the malformed and AVIF samples must fail cleanly (exit 1 with a
# message); heic-info must describe every sample that heic-dec decodes.
# Needs nothing outside the repository.
#
# usage: test_samples.sh HEIC_DEC HEIC_INFO IMGCMP DATA_DIR
set -euo pipefail

dec="${1:?usage: test_samples.sh HEIC_DEC HEIC_INFO IMGCMP DATA_DIR}"
info="${2:?}"
imgcmp="${3:?}"
data="${4:?}"
min_psnr=45

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Sanitizer reports must never look like a clean error, whatever exit code
# they end in.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}exitcode=86"

# libheif 1.15 brings subsampled chroma to full size by repeating each
# sample; compare like with like when heic-dec lets us choose.
dec_compat=()
if "$dec" --help 2>&1 | grep -q -- '--upsampling'; then
  dec_compat=(--upsampling nearest)
fi
echo "heic-dec options for the comparison with libheif: ${dec_compat[*]:-(none)}"

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  printf 'ok   %s\n' "$*"
}
fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$*"
}

# run NAME CMD...: runs CMD with its stderr in $tmp/NAME.err; sets rc.
# A sanitizer report or a signal turns rc into 99.
rc=0
run() {
  local name="$1"
  shift
  rc=0
  timeout 300 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  if grep -q -E 'Sanitizer|runtime error:' "$tmp/$name.err"; then
    echo "  sanitizer report:"
    sed 's/^/    /' "$tmp/$name.err" | head -40
    rc=99
  elif [ "$rc" -ge 124 ]; then
    echo "  killed (status $rc: timeout or signal)"
    rc=99
  fi
}

# Width and height of a PNG from its IHDR chunk.
png_size() {
  local w h
  read -r w h < <(od -An -tu4 --endian=big -j16 -N8 "$1")
  printf '%sx%s' "$w" "$h"
}

# decode_and_compare SAMPLE REF [heic-dec options...]
decode_and_compare() {
  local sample="$1" ref="$2"
  shift 2
  local label="$sample${*:+ $*}"
  local out="$tmp/$(basename "$ref")"
  run dec "$dec" "${dec_compat[@]}" "$@" "$data/$sample" "$out"
  if [ "$rc" -ne 0 ]; then
    fail "$label: heic-dec exit $rc: $(head -c 300 "$tmp/dec.err")"
    return
  fi
  run cmp "$imgcmp" "$out" "$data/ref/$ref" "$min_psnr"
  local result
  result="$(cat "$tmp/cmp.out" "$tmp/cmp.err")"
  if [ "$rc" -eq 0 ]; then
    pass "$label vs ref/$ref: $result"
  else
    fail "$label vs ref/$ref: $result"
  fi
}

# expect_clean_error SAMPLE [heic-dec options...]
expect_clean_error() {
  local sample="$1"
  shift
  local out="$tmp/should-not-exist.png"
  rm -f "$out"
  run dec "$dec" "$@" "$data/$sample" "$out"
  local msg
  msg="$(head -c 200 "$tmp/dec.err" | tr '\n' ' ')"
  if [ "$rc" -eq 1 ] && [ -n "$msg" ] && [ ! -e "$out" ]; then
    pass "$sample: clean error: $msg"
  elif [ "$rc" -eq 1 ] && [ -e "$out" ]; then
    fail "$sample: exit 1 but an output file was left behind"
  elif [ "$rc" -eq 1 ]; then
    fail "$sample: exit 1 without a message"
  else
    fail "$sample: expected exit 1 with a message, got exit $rc: $msg"
  fi
}

echo "== decodes against libheif 1.15 references (PSNR >= $min_psnr dB)"
decode_and_compare RGBA_8__128x128.heif RGBA_8__128x128.png
decode_and_compare RGB_10__29x100.heif RGB_10__29x100.png
decode_and_compare L_8__29x100.heif L_8__29x100.png
decode_and_compare RGB_8_chroma444.heif RGB_8_chroma444.png
decode_and_compare blue_grid_alpha.heic blue_grid_alpha.png
decode_and_compare L_exif_xmp_iptc.heic L_exif_xmp_iptc.png
decode_and_compare zPug_3.heic zPug_3.png
decode_and_compare zPug_3.heic zPug_3.item1.png --item 1
decode_and_compare zPug_3.heic zPug_3.item9.png --item 9
decode_and_compare blue_grid_alpha.heic blue_grid_alpha.png --threads 1
decode_and_compare blue_grid_alpha.heic blue_grid_alpha.png --threads 3

echo "== --all writes every top-level image, the primary first"
run dec "$dec" "${dec_compat[@]}" --all "$data/zPug_3.heic" "$tmp/all.png"
if [ "$rc" -ne 0 ]; then
  fail "zPug_3.heic --all: heic-dec exit $rc: $(head -c 300 "$tmp/dec.err")"
else
  n_out=0
  for f in "$tmp"/all-*.png; do
    [ -e "$f" ] && n_out=$((n_out + 1))
  done
  if [ "$n_out" -ne 3 ]; then
    fail "zPug_3.heic --all: expected 3 images (all-1.png ...), found $n_out"
  fi
  run cmp "$imgcmp" "$tmp/all-1.png" "$data/ref/zPug_3.png" "$min_psnr"
  if [ "$rc" -eq 0 ]; then
    pass "zPug_3.heic --all: all-1.png is the primary image"
  else
    fail "zPug_3.heic --all: all-1.png is not the primary image: $(cat "$tmp/cmp.out" "$tmp/cmp.err")"
  fi
  for f in "$tmp/all-2.png" "$tmp/all-3.png"; do
    matched=""
    for ref in zPug_3.item1.png zPug_3.item9.png; do
      if [ -e "$f" ] && "$imgcmp" "$f" "$data/ref/$ref" "$min_psnr" >/dev/null 2>&1; then
        matched="$ref"
      fi
    done
    if [ -n "$matched" ]; then
      pass "zPug_3.heic --all: $(basename "$f") matches ref/$matched"
    else
      fail "zPug_3.heic --all: $(basename "$f") matches no reference"
    fi
  done
fi

echo "== thumbnails"
run dec "$dec" --thumb "$data/zPug_3.heic" "$tmp/thumb.png"
if [ "$rc" -eq 0 ] && [ "$(png_size "$tmp/thumb.png")" = "32x32" ]; then
  pass "zPug_3.heic --thumb: 32x32 thumbnail of the primary image"
else
  fail "zPug_3.heic --thumb: exit $rc, $( [ -e "$tmp/thumb.png" ] && png_size "$tmp/thumb.png"): $(head -c 300 "$tmp/dec.err")"
fi
run dec "$dec" --thumb --item 1 "$data/zPug_3.heic" "$tmp/thumb1.png"
if [ "$rc" -eq 0 ] && [ -s "$tmp/thumb1.png" ]; then
  pass "zPug_3.heic --thumb --item 1: $(png_size "$tmp/thumb1.png")"
else
  fail "zPug_3.heic --thumb --item 1: exit $rc: $(head -c 300 "$tmp/dec.err")"
fi
run dec "$dec" --thumb "$data/RGBA_8__128x128.heif" "$tmp/nothumb.png"
if [ "$rc" -eq 1 ] && [ -s "$tmp/dec.err" ]; then
  pass "RGBA_8__128x128.heif --thumb: clean error (no thumbnail)"
else
  fail "RGBA_8__128x128.heif --thumb: expected exit 1 with a message, got $rc"
fi

echo "== Y4M output and options"
run dec "$dec" "$data/RGB_10__29x100.heif" "$tmp/ten.y4m"
if [ "$rc" -eq 0 ] && head -c 64 "$tmp/ten.y4m" | grep -q -a '^YUV4MPEG2 W29 H100 .*C4[0-9]*p10'; then
  pass "RGB_10__29x100.heif -> Y4M: $(head -n1 "$tmp/ten.y4m")"
else
  fail "RGB_10__29x100.heif -> Y4M: exit $rc, header '$(head -c 64 "$tmp/ten.y4m" 2>/dev/null | head -n1)'"
fi
run dec "$dec" "$data/L_8__29x100.heif" "$tmp/mono.y4m"
if [ "$rc" -eq 0 ] && head -n1 "$tmp/mono.y4m" | grep -q 'Cmono'; then
  pass "L_8__29x100.heif -> Y4M mono: $(head -n1 "$tmp/mono.y4m")"
else
  fail "L_8__29x100.heif -> Y4M mono: exit $rc: $(head -c 300 "$tmp/dec.err")"
fi
run dec "$dec" --no-alpha "$data/RGBA_8__128x128.heif" "$tmp/noalpha.png"
if [ "$rc" -eq 0 ] && [ "$(od -An -tu1 -j25 -N1 "$tmp/noalpha.png" | tr -d ' ')" = "2" ]; then
  pass "RGBA_8__128x128.heif --no-alpha: RGB PNG"
else
  fail "RGBA_8__128x128.heif --no-alpha: exit $rc or PNG still has alpha"
fi

echo "== clean errors"
expect_clean_error corrupted.heic
# truncated.heic: the primary image's data is complete, the second image's
# runs past the end.  libheif rejects the whole file; libheic reads coded
# data at decode time, so the primary may decode but item 2 must not.
run dec "$dec" "$data/truncated.heic" "$tmp/trunc.png"
if [ "$rc" -eq 0 ] && "$imgcmp" "$tmp/trunc.png" "$tmp/trunc.png" >/dev/null 2>&1; then
  pass "truncated.heic: primary image decodes ($(png_size "$tmp/trunc.png")), its data is complete"
elif [ "$rc" -eq 1 ] && [ -s "$tmp/dec.err" ]; then
  pass "truncated.heic: clean error: $(head -n1 "$tmp/dec.err")"
else
  fail "truncated.heic: exit $rc: $(head -c 300 "$tmp/dec.err")"
fi
expect_clean_error truncated.heic --item 2
expect_clean_error hvcc_nal_zero_length.heic
expect_clean_error paris_icc_exif_xmp.avif
expect_clean_error RGBA_8__128x128.heif --item 999
run dec "$dec" "$data/does-not-exist.heic" "$tmp/x.png"
if [ "$rc" -eq 1 ] && [ -s "$tmp/dec.err" ]; then
  pass "missing input: exit 1 ($(head -n1 "$tmp/dec.err"))"
else
  fail "missing input: expected exit 1 with a message, got $rc"
fi
run dec "$dec"
if [ "$rc" -eq 2 ]; then pass "no arguments: usage error (exit 2)"; else fail "no arguments: exit $rc, expected 2"; fi
run dec "$dec" --bogus-option "$data/zPug_3.heic" "$tmp/x.png"
if [ "$rc" -eq 2 ]; then pass "unknown option: usage error (exit 2)"; else fail "unknown option: exit $rc, expected 2"; fi
run dec "$dec" "$data/zPug_3.heic" "$tmp/no-such-dir/x.png"
if [ "$rc" -eq 3 ]; then pass "unwritable output: exit 3"; else fail "unwritable output: exit $rc, expected 3"; fi

echo "== heic-info"
for sample in RGBA_8__128x128.heif RGB_10__29x100.heif L_8__29x100.heif RGB_8_chroma444.heif \
  blue_grid_alpha.heic L_exif_xmp_iptc.heic zPug_3.heic; do
  run info "$info" "$data/$sample"
  if [ "$rc" -eq 0 ] && [ -s "$tmp/info.out" ]; then
    pass "heic-info $sample ($(wc -l <"$tmp/info.out") lines)"
  else
    fail "heic-info $sample: exit $rc: $(head -c 300 "$tmp/info.err")"
  fi
done
for sample in corrupted.heic; do
  run info "$info" "$data/$sample"
  if [ "$rc" -eq 1 ] && [ -s "$tmp/info.err" ]; then
    pass "heic-info $sample: clean error: $(head -n1 "$tmp/info.err")"
  else
    fail "heic-info $sample: expected exit 1 with a message, got $rc"
  fi
done
run info "$info" "$data/zPug_3.heic"
if grep -q -i 'thumbnail' "$tmp/info.out" && grep -q -i 'primary' "$tmp/info.out"; then
  pass "heic-info zPug_3.heic mentions the primary image and thumbnails"
else
  fail "heic-info zPug_3.heic: no primary/thumbnail in its output"
fi
run info "$info" "$data/L_exif_xmp_iptc.heic"
if grep -q 'Exif' "$tmp/info.out"; then
  pass "heic-info L_exif_xmp_iptc.heic lists the Exif block"
else
  fail "heic-info L_exif_xmp_iptc.heic: no Exif in its output"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
