#!/bin/bash
# heic-enc and heic-dec when the output cannot be written.
# SPDX-License-Identifier: BSD-2-Clause
#
#   io_failure.sh HEIC-ENC HEIC-DEC DATA-DIR
#
# For a full device, a path below a regular file (ENOTDIR) and a path below
# a missing directory, each tool must exit with 3, name the output in its
# message, and leave the directory as it was (no partial file, no
# temporary, the device still a device).  As root a temporary could be made
# in /dev and renamed over /dev/full, so a private node with /dev/full's
# device numbers stands in for it there; unprivileged, /dev/full itself is
# used (heic-dec needs a .png name, so it is tested with the private node
# only).
set -u
enc=$1 dec=$2 data=$3
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-io-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
W=$T/work
mkdir "$W"

# A 64x48 4:2:0 Y4M frame for heic-enc; a bundled HEIC for heic-dec.
{
  printf 'YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\nFRAME\n'
  head -c $((64 * 48)) /dev/zero | tr '\0' '\200'
  head -c $((2 * 32 * 24)) /dev/zero | tr '\0' '\200'
} > "$T/in.y4m"
heic=$data/blue_grid_alpha.heic
[ -f "$heic" ] || heic=$data/zPug_3.heic

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect NAME TARGET CMD...: exit status 3, TARGET named on stderr, $W unchanged.
expect() {
  local name=$1 target=$2
  shift 2
  local before after rc
  before=$(ls -A "$W")
  "$@" > "$T/out.txt" 2> "$T/err.txt"
  rc=$?
  after=$(ls -A "$W")
  if [ $rc -ne 3 ]; then
    fail "$name: exit status $rc, expected 3 ($(head -c 300 "$T/err.txt"))"
  elif ! grep -qF -- "$target" "$T/err.txt"; then
    fail "$name: the message does not name $target: $(head -c 300 "$T/err.txt")"
  else
    echo "ok   $name: exit 3: $(head -n 1 "$T/err.txt")"
  fi
  [ "$before" = "$after" ] || fail "$name: $W changed: [$before] -> [$after]"
}

devfull_node() { # PATH: a private node with /dev/full's numbers
  local majmin
  majmin=$(stat -c '%t %T' /dev/full 2>/dev/null) || return 1
  set -- "$1" $majmin
  mknod "$1" c $((16#$2)) $((16#$3)) 2> /dev/null
}

is_devfull() {
  [ -c "$1" ] && [ "$(stat -c '%t %T' "$1")" = "$(stat -c '%t %T' /dev/full)" ]
}

# ---- a full device ----
if [ "$(id -u)" -eq 0 ]; then
  if devfull_node "$W/full.heic" && devfull_node "$W/full.png"; then
    expect "heic-enc to a full device" "$W/full.heic" "$enc" "$T/in.y4m" -o "$W/full.heic"
    is_devfull "$W/full.heic" || fail "heic-enc replaced the device $W/full.heic with a file"
    expect "heic-dec to a full device" "$W/full.png" "$dec" -q "$heic" "$W/full.png"
    is_devfull "$W/full.png" || fail "heic-dec replaced the device $W/full.png with a file"
    rm -f "$W/full.heic" "$W/full.png"
  else
    echo "skip full device: mknod is not permitted here"
  fi
elif [ -c /dev/full ]; then
  before=$(ls -A /dev | grep -c 'full.*tmp')
  expect "heic-enc to /dev/full" "/dev/full" "$enc" "$T/in.y4m" -o /dev/full
  [ "$(ls -A /dev | grep -c 'full.*tmp')" = "$before" ] || fail "a temporary was left in /dev"
fi

# ---- a regular file where a directory is expected ----
echo "a regular file" > "$W/notadir"
expect "heic-enc below a regular file" "$W/notadir/x.heic" "$enc" "$T/in.y4m" -o "$W/notadir/x.heic"
expect "heic-dec below a regular file" "$W/notadir/x.png" "$dec" -q "$heic" "$W/notadir/x.png"
[ "$(cat "$W/notadir")" = "a regular file" ] || fail "$W/notadir was changed"
rm -f "$W/notadir"

# ---- a directory without write permission (only meaningful unprivileged) ----
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$W/ro" && chmod 555 "$W/ro"
  expect "heic-enc into a read-only directory" "$W/ro/x.heic" "$enc" "$T/in.y4m" -o "$W/ro/x.heic"
  expect "heic-dec into a read-only directory" "$W/ro/x.png" "$dec" -q "$heic" "$W/ro/x.png"
  [ -z "$(ls -A "$W/ro")" ] || fail "files left in $W/ro"
  chmod 755 "$W/ro" && rmdir "$W/ro"
else
  echo "skip read-only directory: running as root (permissions are not enforced); ENOTDIR covers the path"
fi

# ---- a directory that does not exist ----
expect "heic-enc below a missing directory" "$W/missing/x.heic" "$enc" "$T/in.y4m" -o "$W/missing/x.heic"
expect "heic-dec below a missing directory" "$W/missing/x.png" "$dec" -q "$heic" "$W/missing/x.png"
[ -e "$W/missing" ] && fail "$W/missing was created"

# ---- and both tools do write when the path is good ----
"$enc" --quiet "$T/in.y4m" -o "$W/good.heic" || fail "heic-enc cannot write $W/good.heic"
"$dec" -q "$heic" "$W/good.png" || fail "heic-dec cannot write $W/good.png"
rm -f "$W/good.heic" "$W/good.png"
left=$(ls -A "$W")
[ -z "$left" ] || fail "left behind in $W: $left"

echo "io_failure.sh: $fails failure(s)"
[ $fails -eq 0 ]
