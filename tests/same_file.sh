#!/bin/bash
# heic-enc and heic-dec refuse outputs that are their input under another
# name (issue 12: "never a lost input").
# SPDX-License-Identifier: BSD-2-Clause
#
#   same_file.sh HEIC-ENC HEIC-DEC DATA-DIR
#
# The input is named differently ("./a.png", "sub/../a.png", the absolute
# path), reached through a symbolic link or a hard link; with several
# inputs, an output is another input or two outputs are one file.  Each
# must be a usage error (exit 2) whose message names both paths, found
# before any work, with the input byte-identical afterwards (cmp against a
# copy) and nothing new in the directory.  The same for heic-dec, whose
# input is a HEIC file given a .png name so that an output can be it, and
# for the numbered outputs of --all.  Then the legitimate neighbours must
# still work: an output that is a symbolic link to another file is
# replaced (the link, not its target), /dev/null twice is fine.
set -u
enc=$1 dec=$2 data=$3
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-samefile-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

W=$T/w
mkdir -p "$W/sub"
cp "$data/wesaturate_tmshre_alpha_500x500.png" "$W/a.png"
cp "$W/a.png" "$T/a.orig"
cp "$W/a.png" "$W/b.png"
# heic-dec chooses its output format by extension, so its input gets a
# .png name: only then can an output be the input.
"$enc" --quiet --threads 1 -q 30 "$W/a.png" -o "$T/pic.heic" || { echo "cannot make a HEIC"; exit 1; }
cp "$T/pic.heic" "$W/pic.png"
cp "$T/pic.heic" "$T/pic.orig"
ln -s a.png "$W/alink.png"
ln "$W/a.png" "$W/ahard.png"
ln -s pic.png "$W/piclink.png"
ln "$W/pic.png" "$W/pichard.png"

# Every entry of W with its size, link count and inode: a replaced file
# shows as a new inode.
listing() { (cd "$W" && find . -printf '%p %s %n %i %l\n' | sort); }

# refused NAME ORIG INPUT-IN-W PATTERN... -- CMD...: exit 2, every PATTERN in
# the message, INPUT still equal to ORIG, no new file in W.
refused() {
  local name=$1 orig=$2 input=$3
  shift 3
  local patterns=()
  while [ "$1" != "--" ]; do
    patterns+=("$1")
    shift
  done
  shift
  local before after rc p
  before=$(listing)
  (cd "$W" && "$@") > "$T/out.txt" 2> "$T/err.txt"
  rc=$?
  after=$(listing)
  if [ $rc -ne 2 ]; then
    fail "$name: exit status $rc, expected 2: $(head -c 300 "$T/err.txt")"
  else
    local ok=1
    for p in "${patterns[@]}"; do
      grep -qF -- "$p" "$T/err.txt" || { fail "$name: the message does not name '$p': $(head -n1 "$T/err.txt")"; ok=0; }
    done
    [ $ok -eq 1 ] && echo "ok   $name: $(head -n1 "$T/err.txt")"
  fi
  cmp -s "$W/$input" "$orig" || fail "$name: the input $input was changed"
  [ "$before" = "$after" ] || fail "$name: the directory changed:
$before
--- after ---
$after"
}

# ---- heic-enc: one input ----
refused "heic-enc -o ./a.png" "$T/a.orig" a.png ./a.png a.png -- "$enc" --quiet a.png -o ./a.png
refused "heic-enc -o sub/../a.png" "$T/a.orig" a.png sub/../a.png a.png -- "$enc" --quiet a.png -o sub/../a.png
refused "heic-enc -o <absolute path>" "$T/a.orig" a.png "$W/a.png" -- "$enc" --quiet a.png -o "$W/a.png"
refused "heic-enc -o symlink to the input" "$T/a.orig" a.png alink.png a.png -- "$enc" --quiet a.png -o alink.png
refused "heic-enc -o hard link to the input" "$T/a.orig" a.png ahard.png a.png -- "$enc" --quiet a.png -o ahard.png
refused "heic-enc input through a symlink, -o the target" "$T/a.orig" a.png a.png alink.png -- "$enc" --quiet alink.png -o a.png
# ---- heic-enc: several inputs ----
refused "heic-enc output of one is another input" "$T/a.orig" b.png ./b.png -- "$enc" --quiet a.png b.png -o ./b.png -o x.heic
refused "heic-enc two outputs, one file" "$T/a.orig" a.png x.heic sub/../x.heic -- "$enc" --quiet a.png b.png -o x.heic -o sub/../x.heic
refused "heic-enc two outputs, a link and its target" "$T/a.orig" a.png alink.png ahard.png -- "$enc" --quiet b.png pic.png -o alink.png -o ahard.png

# ---- heic-dec ----
refused "heic-dec OUT = ./FILE" "$T/pic.orig" pic.png ./pic.png pic.png -- "$dec" -q pic.png ./pic.png
refused "heic-dec OUT = sub/../FILE" "$T/pic.orig" pic.png sub/../pic.png pic.png -- "$dec" -q pic.png sub/../pic.png
refused "heic-dec OUT = symlink to FILE" "$T/pic.orig" pic.png piclink.png pic.png -- "$dec" -q pic.png piclink.png
refused "heic-dec OUT = hard link to FILE" "$T/pic.orig" pic.png pichard.png pic.png -- "$dec" -q pic.png pichard.png
refused "heic-dec OUT = FILE (absolute)" "$T/pic.orig" pic.png "$W/pic.png" -- "$dec" -q pic.png "$W/pic.png"
# --all: OUT-1.png is the first numbered output.
ln -s pic.png "$W/all-1.png"
refused "heic-dec --all, OUT-1 is FILE" "$T/pic.orig" pic.png all-1.png pic.png -- "$dec" -q --all pic.png all.png
rm -f "$W/all-1.png"

# ---- what must still work ----
# An output that is a symbolic link to some other file replaces the link.
echo "precious" > "$W/other.txt"
ln -s other.txt "$W/olink.heic"
if (cd "$W" && "$enc" --quiet a.png -o olink.heic); then
  [ -L "$W/olink.heic" ] && fail "heic-enc: the symlink output olink.heic was written through, not replaced"
  [ "$(cat "$W/other.txt")" = precious ] || fail "heic-enc wrote through the symlink into other.txt"
  echo "ok   heic-enc to a symlink to another file: the link is replaced, its target kept"
else
  fail "heic-enc a.png -o olink.heic (a symlink to another file) failed"
fi
rm -f "$W/olink.heic" "$W/other.txt"
# Devices are never "the same file" as anything.
if (cd "$W" && "$enc" --quiet a.png b.png -o /dev/null -o /dev/null); then
  echo "ok   heic-enc two outputs to /dev/null"
else
  fail "heic-enc a.png b.png -o /dev/null -o /dev/null was refused"
fi
if (cd "$W" && "$dec" -q pic.png out.png) && [ -s "$W/out.png" ]; then
  echo "ok   heic-dec to an ordinary new file"
else
  fail "heic-dec pic.png out.png failed"
fi
rm -f "$W/out.png"

cmp -s "$W/a.png" "$T/a.orig" || fail "a.png changed"
cmp -s "$W/pic.png" "$T/pic.orig" || fail "pic.png changed"
echo "same_file.sh: $fails failure(s)"
[ $fails -eq 0 ]
