#!/bin/bash
# Outputs are never seen partial, even after SIGKILL (issue 12).
# SPDX-License-Identifier: BSD-2-Clause
#
#   files_on_disk.sh [--budget SECONDS] HEIC-ENC HEIC-DEC DATA-DIR
#
# Every file the tools write goes through src/core/safe_file (see its
# header for the promise).  For heic-enc (the library's
# heic_context_write_file) and heic-dec's PNG and Y4M writers
# (imageio/outfile.c), each to a new destination and over an existing one,
# strace kills the tool with SIGKILL:
#  - at every write(2), at the fsync of the file and at each linkat: the
#    directory then holds the old destination (or nothing) and nothing else;
#  - at the rename that replaces an existing destination: the old file and
#    the one hidden temporary safe_file.h documents for that window, which
#    the next run must remove;
#  - at the fsync of the directory: the complete new file, byte-identical
#    to a reference run;
#  - at random instants while every write is slowed down (the same checks);
# and in the fallback mode (strace makes the O_TMPFILE openat fail with
# EOPNOTSUPP, as some file systems do), at every write, the fsync and the
# rename: a hidden temporary may remain there, and the next run must remove
# it.  Traces of normal and fallback runs must show the file's data fsync'd
# before the link or rename that makes it visible, and the directory
# fsync'd after.
#
# Needs strace (scripts/install-deps.sh installs it) and a kernel that lets
# it trace; skips (77) otherwise.  Stops itself, cleaning up, past --budget
# seconds (default 800), before ctest's own timeout would kill it.
set -u
budget=800
if [ "${1:-}" = "--budget" ]; then
  budget=$2
  shift 2
fi
enc=$1 dec=$2 data=$3

# shellcheck source-path=SCRIPTDIR source=lib/trace.sh
. "$(dirname "$0")/lib/trace.sh"
trace_setup disk

# Inputs: a 500x500 RGBA photo for heic-enc (several items: primary, alpha),
# its HEIC for heic-dec; and an "old destination" to be replaced.
cp "$data/wesaturate_tmshre_alpha_500x500.png" "$T/in.png"
"$enc" --quiet --threads 1 -q 40 "$T/in.png" -o "$T/in.heic" || { echo "cannot make the test HEIC"; exit 1; }
head -c 150000 /dev/urandom > "$T/old"

W=$T/w
TRACE_SET=execve,openat,write,fsync,linkat,renameat,renameat2,rename,close

# prepare STATE: an empty W, or W holding the old destination.
prepare() {
  rm -rf "$W"
  mkdir "$W"
  [ "$1" = replace ] && cp "$T/old" "$W/$OUT"
  return 0
}

# listing: W's entries on one line.
listing() { find "$W" -mindepth 1 -printf '%f ' | sed 's/ $//'; }

# check LABEL STATE EXPECT ALLOW_TMP: W holds only $OUT (the old file, or
# nothing when STATE is new; or the complete new file) and, when ALLOW_TMP
# is 1, at most one hidden temporary of $OUT.  EXPECT: old (the old file or
# nothing), new, or any.  Sets TMPS to the number of hidden temporaries.
check() {
  local label=$1 state=$2 expect=$3 allow_tmp=$4
  local e kind others="" re
  re="^\.${OUT//./\\.}\.tmp-[0-9]+-[0-9]+\$"
  TMPS=0
  shopt -s nullglob dotglob
  for e in "$W"/*; do
    e=${e##*/}
    if [ "$e" = "$OUT" ]; then
      continue
    elif [[ $e =~ $re ]]; then
      TMPS=$((TMPS + 1))
    else
      others="$others $e"
    fi
  done
  shopt -u nullglob dotglob
  if [ -e "$W/$OUT" ]; then
    if cmp -s "$W/$OUT" "$REF"; then
      kind=new
    elif [ "$state" = replace ] && cmp -s "$W/$OUT" "$T/old"; then
      kind=old
    else
      fail "$label: $OUT ($(stat -c %s "$W/$OUT") bytes) is neither the old file nor the complete new one"
      return
    fi
  else
    kind=none
    [ "$state" = replace ] && fail "$label: the old $OUT is gone and no new one is there"
  fi
  [ -n "$others" ] && fail "$label: unexpected files left:$others"
  if [ "$TMPS" -gt 0 ] && [ "$allow_tmp" -eq 0 ]; then
    fail "$label: a hidden temporary was left: $(listing)"
  elif [ "$TMPS" -gt 1 ]; then
    fail "$label: $TMPS hidden temporaries left: $(listing)"
  fi
  KIND=$kind
  case $expect in
    old) [ "$kind" = new ] && fail "$label: the new file appeared although the run was killed before it was complete" ;;
    new) [ "$kind" = new ] || fail "$label: expected the complete new file, found ${kind}" ;;
  esac
  return 0
}

# killed LABEL STATE EXPECT ALLOW_TMP INJECT...: runs the command under
# strace with the given -e inject options, expecting it to be killed.
killed() {
  local label=$1 state=$2 expect=$3 allow_tmp=$4
  shift 4
  local inject=() rc
  for x in "$@"; do inject+=(-e "inject=$x"); done
  out_of_time
  prepare "$state"
  # (the braces keep bash's "Killed" job message out of the log)
  { traced -f -o /dev/null -e trace=$TRACE_SET "${inject[@]}" -- "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1
    rc=$?; } 2> /dev/null
  [ $rc -eq 137 ] || fail "$label: exit status $rc, expected 137 (killed by the injected SIGKILL)"
  check "$label" "$state" "$expect" "$allow_tmp"
}

# cleaned LABEL STATE [INJECT...]: after a kill, a normal run (in the same
# mode) must succeed, leave exactly the new file and remove any temporary.
cleaned() {
  local label=$1 state=$2
  shift 2
  local inject=() had=$TMPS
  for x in "$@"; do inject+=(-e "inject=$x"); done
  if [ ${#inject[@]} -gt 0 ]; then
    traced -f -o /dev/null -e trace=$TRACE_SET "${inject[@]}" -- "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1
  else
    "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1
  fi || fail "$label, next run: failed"
  check "$label, next run" "$state" new 0
  [ "$had" -gt 0 ] && [ "$TMPS" -eq 0 ] && echo "ok   $label: the next run removed the hidden temporary"
  return 0
}

# variant NAME OUT CMD...: every check for one writer; the destination is
# appended to CMD.
variant() {
  local name=$1
  OUT=$2
  shift 2
  CMD=("$@")
  local f0=$fails state n w k tr
  REF=$T/ref-$OUT
  echo "== $name"
  # The reference, and proof that it is reproducible (else "byte-identical
  # to a reference run" would mean nothing).
  prepare new
  if ! "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1 || ! cp "$W/$OUT" "$REF"; then
    fail "$name: the reference run failed"
    return
  fi
  prepare new
  if ! "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1 || ! cmp -s "$W/$OUT" "$REF"; then
    fail "$name: two runs differ"
    return
  fi

  # Traces of normal runs: the order of the calls, the number of writes
  # and which openat is the O_TMPFILE one.
  for state in new replace; do
    prepare "$state"
    rm -f "$T/tr".*
    traced -ff -o "$T/tr" -e trace=$TRACE_SET -- "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1 || fail "$name: traced run failed"
    tr=$(main_trace "$T/tr")
    if ! trace_query order "$tr" unnamed "$OUT" > "$T/order.txt"; then
      fail "$name ($state): order of system calls: $(tail -n +2 "$T/order.txt" | tr '\n' ';')"
    else
      echo "ok   $name ($state): data fsync'd before the link/rename, directory fsync'd after"
    fi
    w=$(sed -n 's/^writes=\([0-9]*\).*/\1/p' "$T/order.txt")
    k=$(sed -n 's/.*tmpfile_openat=\([0-9]*\).*/\1/p' "$T/order.txt")
  done
  if [ -z "$w" ] || [ "$w" -lt 1 ]; then
    fail "$name: no write in the trace"
    return
  fi
  echo "     $w write(s); the O_TMPFILE file is openat #${k:-?}"
  local f1=$fails

  for state in new replace; do
    for n in $(seq 1 "$w"); do
      killed "$name ($state) killed at write $n" "$state" old 0 "write:signal=SIGKILL:when=$n"
    done
    killed "$name ($state) killed at the file's fsync" "$state" old 0 "fsync:signal=SIGKILL:when=1"
    killed "$name ($state) killed at the first linkat" "$state" old 0 "linkat:signal=SIGKILL:when=1"
    if [ "$state" = replace ]; then
      killed "$name (replace) killed at the link to the hidden name" replace old 0 "linkat:signal=SIGKILL:when=2"
      killed "$name (replace) killed at the rename" replace old 1 "renameat,renameat2,rename:signal=SIGKILL:when=1"
      [ "$TMPS" -eq 1 ] || fail "$name: killed at the rename, the hidden temporary was expected (the documented window)"
      cleaned "$name (replace) killed at the rename" replace
    fi
    killed "$name ($state) killed at the directory's fsync" "$state" new 0 "fsync:signal=SIGKILL:when=2"
  done
  [ $fails -eq $f1 ] &&
    echo "ok   $name: killed at every write, fsync, link and rename: old file or nothing, or the complete new one"

  # The fallback: O_TMPFILE refused.
  local fb="openat:error=EOPNOTSUPP:when=$k" states="new replace"
  if [ -z "$k" ] || [ "$k" -lt 1 ]; then
    fail "$name: no O_TMPFILE open in the trace: the fallback cannot be tested"
    states=""
  fi
  for state in $states; do
    prepare "$state"
    rm -f "$T/tr".*
    traced -ff -o "$T/tr" -e trace=$TRACE_SET -e "inject=$fb" -- "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1 ||
      fail "$name: fallback run failed"
    if ! trace_query order "$(main_trace "$T/tr")" named "$OUT" > "$T/order.txt"; then
      fail "$name ($state, fallback): $(tail -n +2 "$T/order.txt" | tr '\n' ';')"
    else
      echo "ok   $name ($state, fallback): hidden temporary fsync'd, closed, renamed, directory fsync'd"
    fi
    check "$name ($state, fallback)" "$state" new 0
    for n in $(seq 1 "$w"); do
      killed "$name ($state, fallback) killed at write $n" "$state" old 1 "$fb" "write:signal=SIGKILL:when=$n"
      cleaned "$name ($state, fallback) killed at write $n" "$state" "$fb"
    done
    killed "$name ($state, fallback) killed at the fsync" "$state" old 1 "$fb" "fsync:signal=SIGKILL:when=1"
    cleaned "$name ($state, fallback) killed at the fsync" "$state" "$fb"
    killed "$name ($state, fallback) killed at the rename" "$state" old 1 "$fb" "renameat,renameat2,rename:signal=SIGKILL:when=1"
    [ "$TMPS" -eq 1 ] || fail "$name ($state, fallback) killed at the rename: the hidden temporary was expected"
    # The next run in the normal mode removes the fallback's leftovers too.
    cleaned "$name ($state, fallback) killed at the rename" "$state"
  done

  # Random instants while every write takes 30 ms.
  local start full pidf tracee delay
  pidf=$T/pid
  prepare new
  start=$(date +%s%N)
  traced -f -o /dev/null -e trace=write -e inject=write:delay_enter=30ms -- "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1
  full=$((($(date +%s%N) - start) / 1000000))
  echo "     slowed run: ${full} ms; killing at random instants (RANDOM seed $SEED)"
  local before=0 after=0
  for state in new replace; do
    for _ in 1 2 3 4 5 6; do
      out_of_time
      prepare "$state"
      rm -f "$pidf"
      # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
      traced -f -o /dev/null -e trace=write -e inject=write:delay_enter=30ms -- \
        sh -c 'echo $$ > "$0"; exec "$@"' "$pidf" "${CMD[@]}" "$W/$OUT" > /dev/null 2>&1 &
      local spid=$!
      delay=$((RANDOM % (full + 1)))
      sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
      tracee=$(cat "$pidf" 2> /dev/null)
      [ -n "$tracee" ] && kill -KILL "$tracee" 2> /dev/null
      { wait "$spid"; } 2> /dev/null
      check "$name ($state) killed after ${delay} ms" "$state" any "$([ "$state" = replace ] && echo 1 || echo 0)"
      if [ "$KIND" = new ]; then after=$((after + 1)); else before=$((before + 1)); fi
      [ "$TMPS" -gt 0 ] && cleaned "$name ($state) killed after ${delay} ms" "$state"
    done
  done
  echo "     random kills: $before before the file was complete (old file or nothing), $after after"
  [ $fails -eq $f0 ] && echo "ok   $name: every check"
}

SEED=${HEIC_TEST_SEED:-$$}
RANDOM=$SEED
variant "heic-enc (library write_file)" out.heic "$enc" --quiet --threads 1 -q 40 "$T/in.png" -o
variant "heic-dec PNG" out.png "$dec" -q --threads 1 "$T/in.heic"
variant "heic-dec Y4M" out.y4m "$dec" -q --threads 1 "$T/in.heic"

echo "files_on_disk.sh: $fails failure(s) in ${SECONDS}s"
[ $fails -eq 0 ]
