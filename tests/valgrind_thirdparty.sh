#!/usr/bin/env bash
# Minimal reproducers of the third-party defects that the valgrind runs of
# heic-enc and heic-dec suppress, run with the third-party library alone
# (nothing of libheic in the process), each without and with its
# suppression file:
#
#  libx265 3.5  test_encoder_plugins --x265-simd-repro (libx265's API only):
#               - with libx265's C kernels (cpuid 0) the one report is the
#                 1,168-byte leak in x265_encoder_open (8-bit build, and
#                 x265_10bit:: for 10 bits); tests/valgrind_x265.supp
#                 leaves nothing;
#               - with its SIMD kernels (the default) memcheck reports errors
#                 inside libx265 and a write(2) of coded bytes made from
#                 libx265's uninitialised values; with the suppressions only
#                 that write remains, and tests/valgrind_log.py
#                 --allow-x265-origin accepts it by its libx265 origin.
#  libde265     Debian's libde265-dec265 on the HEVC stream of the Sony
#               10-bit 4:2:2 .HIF's thumbnail (extracted by
#               tests/tools/heif_item_hevc.py): uninitialised conditional
#               jumps inside libde265; none with tests/valgrind_libde265.supp.
#
# If a reproducer stops reproducing (a fixed library), this test fails so
# that the suppression is removed.  Parts whose tool is missing are skipped;
# exit 77 when everything was skipped.
#
# usage: valgrind_thirdparty.sh TEST_ENCODER_PLUGINS CORPUS_DIR
set -euo pipefail

plugins="${1:?usage: valgrind_thirdparty.sh TEST_ENCODER_PLUGINS CORPUS_DIR}"
corpus="${2:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
judge="$here/valgrind_log.py"
sony="$corpus/heif/camera/sony_a7s3_10bit_4240x2832.hif"

if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind not installed"
  exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=all --track-origins=yes)
failed=0
ran=0

expect() { # expect ok|FAIL NAME LOG [judge options]: the judge's verdict must be as said
  local want="$1" name="$2" log="$3"
  shift 3
  local line
  line="$(python3 "$judge" "$@" "$log" || true)"
  if [ "${line%% *}" = "$want" ]; then
    echo "ok    $name: $line"
  else
    echo "FAIL  $name: expected $want, got: $line"
    grep -v '^==[0-9]*== *$' "$log" | head -n 40
    failed=$((failed + 1))
  fi
}

# ---- libx265
rc=0
"$plugins" --x265-simd-repro "$tmp/probe.hevc" --c-only >/dev/null 2>&1 || rc=$?
if [ "$rc" -eq 77 ]; then
  echo "skip  libx265: test_encoder_plugins built without x265"
else
  ran=1
  "${vg[@]}" --log-file="$tmp/x265-c.vg" "$plugins" --x265-simd-repro "$tmp/c.hevc" --c-only
  if grep -q '1,168 bytes in 1 blocks are definitely lost' "$tmp/x265-c.vg"; then
    echo "ok    libx265 C kernels, no suppressions: the 1,168-byte leak in x265_encoder_open"
  else
    echo "FAIL  libx265 C kernels: the 1,168-byte leak did not show (fixed libx265? drop the suppression)"
    failed=$((failed + 1))
  fi
  expect FAIL "libx265 C kernels, no suppressions" "$tmp/x265-c.vg"
  "${vg[@]}" --suppressions="$here/valgrind_x265.supp" --log-file="$tmp/x265-cs.vg" \
    "$plugins" --x265-simd-repro "$tmp/cs.hevc" --c-only
  expect ok "libx265 C kernels, valgrind_x265.supp" "$tmp/x265-cs.vg"
  "${vg[@]}" --log-file="$tmp/x265-10.vg" "$plugins" --x265-simd-repro "$tmp/10.hevc" --c-only --10bit
  if grep -q 'x265_10bit::x265_encoder_open_199' "$tmp/x265-10.vg"; then
    echo "ok    libx265 10-bit build, no suppressions: the same leak in x265_10bit::x265_encoder_open"
  else
    echo "FAIL  libx265 10-bit build: the 1,168-byte leak did not show"
    failed=$((failed + 1))
  fi
  "${vg[@]}" --suppressions="$here/valgrind_x265.supp" --log-file="$tmp/x265-10s.vg" \
    "$plugins" --x265-simd-repro "$tmp/10s.hevc" --c-only --10bit
  expect ok "libx265 10-bit build, valgrind_x265.supp" "$tmp/x265-10s.vg"

  "${vg[@]}" --log-file="$tmp/x265-simd.vg" "$plugins" --x265-simd-repro "$tmp/s.hevc"
  expect FAIL "libx265 SIMD kernels, no suppressions" "$tmp/x265-simd.vg"
  "${vg[@]}" --suppressions="$here/valgrind_x265.supp" --log-file="$tmp/x265-simds.vg" \
    "$plugins" --x265-simd-repro "$tmp/ss.hevc"
  expect FAIL "libx265 SIMD kernels, valgrind_x265.supp (the write of libx265's bytes remains)" \
    "$tmp/x265-simds.vg"
  expect ok "libx265 SIMD kernels, valgrind_x265.supp + --allow-x265-origin" \
    "$tmp/x265-simds.vg" --allow-x265-origin
  echo "      ($(sed -n 's/.*ERROR SUMMARY: \(.*\)/\1/p' "$tmp/x265-simd.vg" | tail -n1) without suppressions)"
fi

# ---- libde265
if ! command -v libde265-dec265 >/dev/null 2>&1; then
  echo "skip  libde265: libde265-dec265 not installed"
elif [ ! -f "$sony" ]; then
  echo "skip  libde265: $sony not in the corpus"
else
  ran=1
  python3 "$here/tools/heif_item_hevc.py" "$sony" 6 "$tmp/sony-thumb.hevc"
  "${vg[@]}" --log-file="$tmp/de265.vg" libde265-dec265 -q "$tmp/sony-thumb.hevc" >/dev/null 2>&1 || true
  expect FAIL "libde265 10-bit 4:2:2 thumbnail, no suppressions" "$tmp/de265.vg"
  "${vg[@]}" --suppressions="$here/valgrind_libde265.supp" --log-file="$tmp/de265s.vg" \
    libde265-dec265 -q "$tmp/sony-thumb.hevc" >/dev/null 2>&1 || true
  expect ok "libde265 10-bit 4:2:2 thumbnail, valgrind_libde265.supp" "$tmp/de265s.vg"
fi

[ "$ran" -eq 1 ] || exit 77
echo
echo "$failed failed"
[ "$failed" -eq 0 ]
