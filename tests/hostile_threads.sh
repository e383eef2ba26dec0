#!/usr/bin/env bash
# A valid grid of grids decodes to the same pixels on any number of threads,
# every time (issue 12: the thread pool's nested use gave "tile 3 is 0x0" at
# two threads and hung at four or eight).
#
#   hostile_threads.sh HEIC_ENC HEIC_DEC IMGCMP WORK_DIR [RUNS]
#
# The file is make_hostile.py's grid_of_grids (the donor's 8x8 tiles as a
# 2x2 grid of 4x4 grids, its alpha the same way).  heic-dec --threads 1
# must give exactly the pixels of the flat grid (ref_donor); then RUNS
# decodes (default 100) at each of 1, 2, 4 and 8 threads, each under its
# own timeout, must all write the same PNG (md5).  A thread count stops at
# its first bad run, so that a hang costs one timeout, not RUNS of them.
set -euo pipefail

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
  echo "usage: $0 HEIC_ENC HEIC_DEC IMGCMP WORK_DIR [RUNS]" >&2
  exit 2
fi
enc="$1" dec="$2" imgcmp="$3" work="$4" runs="${5:-100}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
timeout_s=60

rm -rf "$work"
mkdir -p "$work"
"$enc" --quiet -q 50 --tile 64 --thumb 48 "$here/data/wesaturate_tmshre_alpha_500x500.png" \
  -o "$work/donor.heic"
python3 "$here/tools/make_hostile.py" "$work/donor.heic" "$work/gen" >/dev/null
file="$work/gen/grid_of_grids.heic"

"$dec" --quiet --threads 1 "$work/gen/ref_donor.heic" "$work/ref.png"
if ! timeout "$timeout_s" "$dec" --quiet --threads 1 "$file" "$work/first.png"; then
  echo "FAIL: grid_of_grids does not decode on one thread"
  exit 1
fi
if ! why="$("$imgcmp" "$work/ref.png" "$work/first.png" 2>&1)"; then
  echo "FAIL: grid_of_grids on one thread differs from the flat grid: $why"
  exit 1
fi
want="$(md5sum <"$work/first.png" | cut -d' ' -f1)"
echo "grid_of_grids: the flat grid's pixels on one thread (PNG md5 $want); $runs runs per thread count"

failed=0
for t in 1 2 4 8; do
  bad=""
  start="$(date +%s)"
  for ((r = 1; r <= runs; r++)); do
    rm -f "$work/out.png"
    rc=0
    timeout -k 5 "$timeout_s" "$dec" --quiet --threads "$t" "$file" "$work/out.png" \
      >"$work/out.log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ]; then
      bad="run $r: hang (no result after ${timeout_s}s)"
    elif [ "$rc" -ne 0 ]; then
      bad="run $r: exit $rc: $(tail -n1 "$work/out.log" || true)"
    elif [ "$(md5sum <"$work/out.png" | cut -d' ' -f1)" != "$want" ]; then
      bad="run $r: different pixels: $("$imgcmp" "$work/first.png" "$work/out.png" 2>&1 || true)"
    fi
    [ -z "$bad" ] || break
  done
  if [ -n "$bad" ]; then
    echo "FAIL threads $t: $bad"
    failed=$((failed + 1))
  else
    echo "ok   threads $t: $runs runs, all identical ($(($(date +%s) - start)) s)"
  fi
done
echo
echo "$((4 - failed)) passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
