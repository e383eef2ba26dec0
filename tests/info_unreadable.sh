#!/bin/bash
# heic-info tells the truth about item data that cannot be read (issue 12).
# SPDX-License-Identifier: BSD-2-Clause
#
#   info_unreadable.sh HEIC-INFO DATA-DIR [CORPUS-DIR]
#
# tests/data/truncated.heic has an item whose extent lies past the end of
# the file (and, when the shared corpus is present, an iPhone photo cut at
# 60 % has many).  heic-info must not describe such an item as "0 bytes of
# data" and exit 0: it names the unreadable data in the item's line and on
# stderr, and exits 1 (a file that could not be entirely read).  An intact
# file still exits 0 with no such line.
set -u
info=$1 data=$2 corpus=${3:-}
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-info-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# unreadable FILE MIN-ITEMS: exit 1, at least MIN-ITEMS item lines saying
# "data cannot be read: <reason>", the same on stderr, no "0 bytes of data".
unreadable() {
  local f=$1 min=$2 rc n
  "$info" "$f" > "$T/out" 2> "$T/err"
  rc=$?
  n=$(grep -cE '^  item [0-9]+: .*, data cannot be read: .+' "$T/out")
  if [ $rc -ne 1 ]; then
    fail "$(basename "$f"): exit status $rc, expected 1"
  elif [ "$n" -lt "$min" ]; then
    fail "$(basename "$f"): $n item(s) say their data cannot be read, expected at least $min: $(grep '^  item' "$T/out" | head -n 5)"
  elif grep -q ', 0 bytes of data$' "$T/out"; then
    fail "$(basename "$f"): an item still claims '0 bytes of data': $(grep ', 0 bytes of data$' "$T/out" | head -n 2)"
  elif ! grep -qE 'item [0-9]+: data cannot be read: .+' "$T/err"; then
    fail "$(basename "$f"): stderr does not name the unreadable data: $(head -c 300 "$T/err")"
  else
    echo "ok   $(basename "$f"): exit 1; $(grep -m1 'data cannot be read' "$T/out" | sed 's/^ *//')"
  fi
}

unreadable "$data/truncated.heic" 1

big=""
[ -n "$corpus" ] && big=$(find "$corpus/heif" -name 'iphone13promax_truncated_60pct.heic' 2> /dev/null | head -n1)
if [ -n "$big" ]; then
  unreadable "$big" 2
else
  echo "skip iphone13promax_truncated_60pct.heic: not under ${corpus:-(no corpus)}/heif"
fi

# An intact file: exit 0, sizes given, nothing unreadable.
"$info" "$data/zPug_3.heic" > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -ne 0 ] || grep -q 'cannot be read' "$T/out" || ! grep -q 'bytes of data' "$T/out"; then
  fail "zPug_3.heic: exit $rc or an item reported unreadable: $(grep 'cannot be read' "$T/out" | head -n 2)"
else
  echo "ok   zPug_3.heic: exit 0, every item's data size given"
fi

echo "info_unreadable.sh: $fails failure(s)"
[ $fails -eq 0 ]
