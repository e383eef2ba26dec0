#!/bin/bash
# heic-info tells the truth about item data that cannot be read (issues 12
# and 18).
# SPDX-License-Identifier: BSD-2-Clause
#
#   info_unreadable.sh HEIC-INFO DATA-DIR [CORPUS-DIR]
#
# tests/data/truncated.heic has an item whose extent lies past the end of
# the file (and, when the shared corpus is present, an iPhone photo cut at
# 60 % has many).  heic-info --verbose must not describe such an item as
# "0 bytes of data" and exit 0: it names the unreadable data in the item's
# line and on stderr, and exits 1 (a file that could not be entirely read).
# The summary (heic-info without --verbose) must exit 1 as well, name the
# first unreadable item on stderr and say in the image's paragraph why it
# cannot be decoded: for those files, for a photo whose primary item's
# extent lies past the end (a sample cut short), for one whose primary item
# has an iloc entry giving 0 bytes (an extent "to the end" starting at the
# end), and for a 12 MP iPhone photo cut in half (its grid tiles past the
# end).  An intact file still exits 0 with no such line, in both forms.
set -u
info=$1 data=$2 corpus=${3:-}
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-info-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# unreadable FILE MIN-ITEMS: with --verbose, exit 1, at least MIN-ITEMS item
# lines saying "data cannot be read: <reason>", the same on stderr, no
# "0 bytes of data".
unreadable() {
  local f=$1 min=$2 rc n
  "$info" --verbose "$f" > "$T/out" 2> "$T/err"
  rc=$?
  n=$(grep -cE '^  item [0-9]+: .*, data cannot be read: .+' "$T/out")
  if [ $rc -ne 1 ]; then
    fail "$(basename "$f") --verbose: exit status $rc, expected 1"
  elif [ "$n" -lt "$min" ]; then
    fail "$(basename "$f") --verbose: $n item(s) say their data cannot be read, expected at least $min: $(grep '^  item' "$T/out" | head -n 5)"
  elif grep -q ', 0 bytes of data$' "$T/out"; then
    fail "$(basename "$f") --verbose: an item still claims '0 bytes of data': $(grep ', 0 bytes of data$' "$T/out" | head -n 2)"
  elif ! grep -qE 'item [0-9]+: data cannot be read: .+' "$T/err"; then
    fail "$(basename "$f") --verbose: stderr does not name the unreadable data: $(head -c 300 "$T/err")"
  else
    echo "ok   $(basename "$f") --verbose: exit 1; $(grep -m1 'data cannot be read' "$T/out" | sed 's/^ *//')"
  fi
}

# summary FILE WORDS: without --verbose, exit 1, stderr naming an item whose
# data cannot be read (with WORDS, an extended regular expression, in the
# reason), and some image's paragraph saying why it cannot be decoded.
summary() {
  local f=$1 words=$2 rc
  "$info" "$f" > "$T/out" 2> "$T/err"
  rc=$?
  if [ $rc -ne 1 ]; then
    fail "$(basename "$f"): exit status $rc, expected 1: $(head -c 300 "$T/err")"
  elif ! grep -qE "^heic-info: .*: item [0-9]+: data cannot be read: .*($words)" "$T/err"; then
    fail "$(basename "$f"): stderr does not name the item and the missing data ('$words'): $(head -c 300 "$T/err")"
  elif ! grep -qE "^  cannot be decoded: .*($words)" "$T/out"; then
    fail "$(basename "$f"): no image says why it cannot be decoded: $(head -n 12 "$T/out")"
  else
    echo "ok   $(basename "$f"): exit 1; $(head -n1 "$T/err")"
  fi
}

unreadable "$data/truncated.heic" 1
summary "$data/truncated.heic" "past the end"

# The primary item's extent past the end: a one-image sample cut short.
size=$(wc -c < "$data/L_8__29x100.heif")
head -c $((size - 100)) "$data/L_8__29x100.heif" > "$T/primary_cut.heif"
unreadable "$T/primary_cut.heif" 1
summary "$T/primary_cut.heif" "extent of item 1 lies past the end"
grep -q '^image 1 (primary): ' "$T/out" || fail "primary_cut.heif: the primary image is not described"

# The primary item's iloc entry gives 0 bytes: its one extent, "to the end
# of the file" (length 0), starts at the end.  The iloc entry is rewritten
# here, by a reader of its own (ISO/IEC 14496-12 iloc, versions 0-2).
if command -v python3 > /dev/null; then
  python3 - "$data/L_8__29x100.heif" "$T/primary_empty.heif" << 'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())

def boxes(s, e):
    while s + 8 <= e:
        size, kind = struct.unpack(">I4s", d[s:s + 8])
        yield kind, s + 8, s + size
        s += size

def uint(p, n):
    return int.from_bytes(d[p:p + n], "big")

done = False
for kind, s, e in boxes(0, len(d)):
    if kind != b"meta":
        continue
    for kind2, s2, e2 in boxes(s + 4, e):
        if kind2 != b"iloc":
            continue
        v, q = d[s2], s2 + 4
        osz, lsz, bsz = d[q] >> 4, d[q] & 15, d[q + 1] >> 4
        isz = d[q + 1] & 15 if v in (1, 2) else 0
        idsz = 2 if v < 2 else 4
        q += 2 + idsz  # sizes, item count; the first entry is item 1's
        q += idsz + (2 if v in (1, 2) else 0) + 2
        base = uint(q, bsz)
        q += bsz
        assert uint(q, 2) == 1, "one extent expected"
        q += 2 + isz
        d[q:q + osz] = (len(d) - base).to_bytes(osz, "big")
        d[q + osz:q + osz + lsz] = bytes(lsz)
        done = True
assert done, "no iloc box"
open(sys.argv[2], "wb").write(d)
PY
  if [ -s "$T/primary_empty.heif" ]; then
    "$info" --verbose "$T/primary_empty.heif" > "$T/out" 2> "$T/err"
    rc=$?
    if [ $rc -ne 1 ] || ! grep -q '^  item 1: .*data cannot be read: item 1 has no data' "$T/out"; then
      fail "primary_empty.heif --verbose: exit $rc, expected 1 and item 1 saying it has no data: $(grep '^  item 1' "$T/out")"
    else
      echo "ok   primary_empty.heif --verbose: exit 1; $(grep -m1 '^  item 1' "$T/out" | sed 's/^ *//')"
    fi
    summary "$T/primary_empty.heif" "item 1 has no data"
  else
    fail "could not rewrite the iloc entry of L_8__29x100.heif"
  fi
else
  echo "skip a primary item of 0 bytes: no python3"
fi

big=""
[ -n "$corpus" ] && big=$(find "$corpus/heif" -name 'iphone13promax_truncated_60pct.heic' 2> /dev/null | head -n1)
if [ -n "$big" ]; then
  unreadable "$big" 2
  summary "$big" "past the end"
  grep -q 'the data of [0-9]* items cannot be read in all' "$T/err" ||
    fail "iphone13promax_truncated_60pct.heic: stderr does not count the unreadable items: $(cat "$T/err")"
else
  echo "skip iphone13promax_truncated_60pct.heic: not under ${corpus:-(no corpus)}/heif"
fi

# An iPhone photo cut in half: the primary grid's later tiles lie past the
# end.
photo=""
[ -n "$corpus" ] && photo=$(find "$corpus/heif" -name 'iphone13promax_4032x3024.heic' 2> /dev/null | head -n1)
if [ -n "$photo" ]; then
  size=$(wc -c < "$photo")
  head -c $((size / 2)) "$photo" > "$T/iphone_half.heic"
  unreadable "$T/iphone_half.heic" 2
  summary "$T/iphone_half.heic" "past the end"
else
  echo "skip an iPhone photo cut in half: no iphone13promax_4032x3024.heic under ${corpus:-(no corpus)}/heif"
fi

# An intact file: exit 0, sizes given, nothing unreadable, in both forms.
"$info" --verbose "$data/zPug_3.heic" > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -ne 0 ] || grep -q 'cannot be read' "$T/out" || ! grep -q 'bytes of data' "$T/out"; then
  fail "zPug_3.heic --verbose: exit $rc or an item reported unreadable: $(grep 'cannot be read' "$T/out" | head -n 2)"
else
  echo "ok   zPug_3.heic --verbose: exit 0, every item's data size given"
fi
"$info" "$data/zPug_3.heic" > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -ne 0 ] || [ -s "$T/err" ] || grep -q 'cannot be' "$T/out"; then
  fail "zPug_3.heic: exit $rc, or something unreadable or undecodable: $(head -c 300 "$T/err")"
else
  echo "ok   zPug_3.heic: exit 0, nothing on stderr"
fi

echo "info_unreadable.sh: $fails failure(s)"
[ $fails -eq 0 ]
