#!/bin/bash
# The README's first command, as a newcomer runs it (issue 18): scripts/demo.sh
# in a build tree of its own.  It must exit 0 and print nothing that looks
# like a problem (bash's "ignored null byte" from a PNG signature was one),
# build every tool the README lists (hevc-enc among them), and print the
# round trip: the input, HEIC and decoded sizes, bits per pixel and a PSNR
# of a photo quality; and its tree is removed afterwards, leaving nothing.
# SPDX-License-Identifier: BSD-2-Clause
#
#   demo.sh SOURCE-DIR
set -u
src=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-demo-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

HEIC_DEMO_BUILD_DIR="$T/build" bash "$src/scripts/demo.sh" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
cat "$T/out.txt"
[ "$rc" -eq 0 ] || fail "scripts/demo.sh exited $rc: $(tail -n 5 "$T/err.txt")"
# The build's own progress goes to stdout; stderr must hold no warning.
if grep -i -E 'warning|error|ignored' "$T/err.txt"; then
  fail "scripts/demo.sh printed the lines above on stderr"
fi
grep -q -i 'warning: command substitution' "$T/out.txt" && fail "bash warned about a command substitution"
for tool in heic-enc heic-dec heic-info hevc-enc; do
  [ -x "$T/build/$tool" ] || fail "the demo did not build $tool (the README lists it)"
done
grep -q -E '^  input +[0-9]+ bytes' "$T/out.txt" || fail "no input size line"
grep -q -E '^  HEIC +[0-9]+ bytes .*[0-9]+x[0-9]+, [0-9.]+ bits per pixel' "$T/out.txt" ||
  fail "no HEIC size / bits per pixel line"
grep -q -E '^  decoded +[0-9]+ bytes' "$T/out.txt" || fail "no decoded size line"
psnr=$(sed -n 's/^  PSNR \([0-9.]*\) dB.*/\1/p' "$T/out.txt" | head -n1)
if [ -z "$psnr" ]; then
  fail "no PSNR line"
elif ! awk -v p="$psnr" 'BEGIN { exit !(p >= 30) }'; then
  fail "round-trip PSNR $psnr dB is below 30 dB at -q 75"
fi

if [ "$fails" -ne 0 ]; then
  echo "demo: $fails failure(s)"
  exit 1
fi
echo "demo: the README's demo command works (PSNR $psnr dB)"
