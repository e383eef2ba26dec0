#!/bin/bash
# SIGINT, SIGTERM and --timeout in heic-dec, heic-info and heic-enc (issue 12).
# SPDX-License-Identifier: BSD-2-Clause
#
#   signals.sh [--budget SECONDS] HEIC-ENC HEIC-DEC HEIC-INFO DATA-DIR [CORPUS-DIR]
#
# The rule (tools/cli.h, README): an output complete when the stop came is
# kept, an output in progress is never created, and the status is 130
# (SIGINT/SIGTERM) or 124 (--timeout) when the stop left an output
# unwritten, 0 when it came after the last one was complete.
#
# The stops are placed with strace, so that each lands where it is meant to
# whatever the machine's speed: a signal injected at the close of the input
# (the decode or encode is next), at the second write of the output (the
# writer is half-way), at the directory fsync that completes an output or at
# a call made after it; a delay injected at the close of the input makes the
# deadline pass before the decode starts (checked by the decode and the
# writers, well before the backstop), and a longer one lets the backstop
# (deadline + 2 s) fire.  With the shared corpus present, a real-time
# SIGINT and a --timeout also stop a large decode (a 48-tile 12 MP photo).
#
# Needs strace (scripts/install-deps.sh installs it); skips (77) without
# it.  Stops itself, cleaning up, past --budget seconds (default 500).
set -u
budget=500
if [ "${1:-}" = "--budget" ]; then
  budget=$2
  shift 2
fi
enc=$1 dec=$2 info=$3 data=$4 corpus=${5:-}

# shellcheck source-path=SCRIPTDIR source=lib/trace.sh
. "$(dirname "$0")/lib/trace.sh"
trace_setup signals
ok() { echo "ok   $*"; }

TRACE_SET=execve,openat,close,write,fsync,newfstatat,linkat,renameat,renameat2

# trace_index QUERY ARGS... -- CMD...: runs CMD traced (in $W as prepared
# by the caller) and prints what trace_query QUERY finds in the main
# thread's trace (close-of PATH, last SYSCALL SUBSTRING, count SYSCALL).
trace_index() {
  local args=()
  while [ "$1" != "--" ]; do
    args+=("$1")
    shift
  done
  shift
  rm -f "$T/tr".*
  traced -ff -o "$T/tr" -e trace=$TRACE_SET -- "$@" > /dev/null 2>&1
  trace_query "${args[0]}" "$(main_trace "$T/tr")" "${args[@]:1}"
}

W=$T/w
reset_w() {
  rm -rf "$W"
  mkdir "$W"
}
# listing: the entries of W, one line.
listing() { find "$W" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'; }

# stopped LABEL RC EXPECTED-LISTING STDERR-PATTERN INJECT... -- CMD...:
# runs CMD under strace with the injections; checks the status, W's
# entries and stderr.  Leaves the trace in $T/tr.* and stderr in $T/err.
stopped() {
  local label=$1 want_rc=$2 want_ls=$3 pattern=$4
  shift 4
  local inject=()
  while [ "$1" != "--" ]; do
    inject+=(-e "inject=$1")
    shift
  done
  shift
  out_of_time
  rm -f "$T/tr".*
  local t0 rc
  t0=$(date +%s%N)
  traced -ff -o "$T/tr" -e trace=$TRACE_SET "${inject[@]}" -- "$@" > "$T/out" 2> "$T/err"
  rc=$?
  ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
  local bad=0
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$label: exit status $rc, expected $want_rc: $(head -c 400 "$T/err")"
    bad=1
  fi
  if [ "$(listing)" != "$want_ls" ]; then
    fail "$label: the directory holds [$(listing)], expected [$want_ls]"
    bad=1
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$T/err"; then
    fail "$label: stderr does not match '$pattern': $(head -c 400 "$T/err")"
    bad=1
  fi
  [ $bad -eq 0 ] && ok "$label: exit $rc, [${want_ls}] in ${ELAPSED_MS} ms: $(grep -E -- "$pattern" "$T/err" | head -n1)"
  return 0
}

# ---- inputs ----
cp "$data/wesaturate_tmshre_alpha_500x500.png" "$T/in.png"
"$enc" --quiet --threads 1 -q 40 "$T/in.png" -o "$T/pic.heic" || { echo "cannot make pic.heic"; exit 1; }
# A grid (64 tiles of 64x64): the decoder reports progress per tile.
"$enc" --quiet --threads 1 -q 40 --tile 64 "$T/in.png" -o "$T/grid.heic" || { echo "cannot make grid.heic"; exit 1; }
multi=$data/zPug_3.heic # three top-level images: three outputs with --all
head -c 50000 /dev/urandom > "$T/old"
for f in "$T/pic.heic" "$T/grid.heic"; do
  "$dec" -q --threads 1 "$f" "$T/ref-$(basename "$f" .heic).png" || { echo "cannot decode $f"; exit 1; }
done

# ==== heic-dec ====
echo "== heic-dec"
reset_w
c=$(trace_index close-of "$T/grid.heic" -- "$dec" -q --threads 1 "$T/grid.heic" "$W/out.png")
reset_w
if [ -z "$c" ]; then
  fail "heic-dec: cannot find the close of the input in a trace"
else
  stopped "heic-dec SIGINT before the decode of a grid" 130 "" "out.png: not written: interrupted by SIGINT" \
    "close:signal=SIGINT:when=$c" -- "$dec" -q --threads 1 "$T/grid.heic" "$W/out.png"
  # The library itself stopped (progress callback): no output file was
  # even started.
  grep -q O_TMPFILE "$(main_trace "$T/tr")" &&
    fail "heic-dec SIGINT before the decode: the decode was not cancelled (an output file was opened)"
  reset_w
  stopped "heic-dec SIGTERM before the decode, Y4M" 130 "" "out.y4m: not written: interrupted by SIGTERM" \
    "close:signal=SIGTERM:when=$c" -- "$dec" -q --threads 1 "$T/grid.heic" "$W/out.y4m"
  reset_w
  stopped "heic-dec --timeout 0.3, the deadline passing before the decode" 124 "" \
    "out.png: not written: the --timeout of 0.3 s passed" \
    "close:delay_enter=1s:when=$c" -- "$dec" -q --threads 1 --timeout 0.3 "$T/grid.heic" "$W/out.png"
  grep -q "did not stop within" "$T/err" && fail "heic-dec --timeout 0.3: stopped by the backstop, not by the checks"
  reset_w
  stopped "heic-dec --timeout 0.2, a step longer than the deadline + 2 s (the backstop)" 124 "" \
    "did not stop within 2 s" \
    "close:delay_enter=3s:when=$c" -- "$dec" -q --threads 1 --timeout 0.2 "$T/grid.heic" "$W/out.png"
fi

# The writers, stopped half-way (the second write of the output).
reset_w
cp "$T/old" "$W/out.png"
stopped "heic-dec SIGINT while writing a PNG over an old one" 130 "out.png" "not written: interrupted by SIGINT" \
  "write:signal=SIGINT:when=2" -- "$dec" -q --threads 1 "$T/pic.heic" "$W/out.png"
cmp -s "$W/out.png" "$T/old" || fail "heic-dec SIGINT while writing: the old out.png was changed"
reset_w
stopped "heic-dec SIGTERM while writing a Y4M" 130 "" "not written: interrupted by SIGTERM" \
  "write:signal=SIGTERM:when=2" -- "$dec" -q --threads 1 "$T/pic.heic" "$W/out.y4m"

# After the output was complete: the directory fsync is the last step.
reset_w
stopped "heic-dec SIGINT after the output was complete" 0 "out.png" "" \
  "fsync:signal=SIGINT:when=2" -- "$dec" -q --threads 1 "$T/pic.heic" "$W/out.png"
cmp -s "$W/out.png" "$T/ref-pic.png" || fail "heic-dec SIGINT after the output: out.png is not the complete image"
# --all: a stop after the first of three outputs keeps it and writes no other.
reset_w
"$dec" -q --all "$multi" "$W/ref.png" || fail "heic-dec --all $multi failed"
mv "$W/ref-1.png" "$T/ref-multi-1.png"
reset_w
stopped "heic-dec --all, SIGINT once the first of three outputs is complete" 130 "all-1.png" \
  "all-2.png: not written: interrupted by SIGINT" \
  "fsync:signal=SIGINT:when=2" -- "$dec" -q --threads 1 --all "$multi" "$W/all.png"
cmp -s "$W/all-1.png" "$T/ref-multi-1.png" 2> /dev/null || fail "heic-dec --all: all-1.png is not complete"

# --timeout values.
for v in 0 -1 abc 1e3 1..2 ""; do
  "$dec" -q --timeout "$v" "$T/pic.heic" "$W/x.png" > /dev/null 2>&1
  rc=$?
  [ $rc -eq 2 ] || fail "heic-dec --timeout '$v': exit status $rc, expected 2"
  "$info" --timeout "$v" "$T/pic.heic" > /dev/null 2>&1
  rc=$?
  [ $rc -eq 2 ] || fail "heic-info --timeout '$v': exit status $rc, expected 2"
done
"$dec" -q --timeout=30 "$T/pic.heic" "$W/x.png" || fail "heic-dec --timeout=30 on a quick decode failed"
rm -f "$W/x.png"

# A large real photo, stopped in real time (the shared corpus, if present).
big=""
[ -n "$corpus" ] && big=$(find "$corpus/heif" -name 'iphone13promax_4032x3024.heic' 2> /dev/null | head -n1)
if [ -n "$big" ]; then
  reset_w
  t0=$(date +%s%N)
  "$dec" -q "$big" "$W/big.png" 2> "$T/err" &
  pid=$!
  sleep 0.5
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  if [ $rc -ne 130 ] || [ -n "$(listing)" ]; then
    fail "heic-dec SIGINT after 0.5 s of a 12 MP decode: exit $rc, left [$(listing)] ($(head -c 300 "$T/err"))"
  else
    ok "heic-dec SIGINT after 0.5 s of a 12 MP decode: exit 130 after ${ms} ms, nothing left"
  fi
  reset_w
  t0=$(date +%s%N)
  "$dec" -q --timeout 0.5 "$big" "$W/big.png" 2> "$T/err"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  if [ $rc -ne 124 ] || [ -n "$(listing)" ]; then
    fail "heic-dec --timeout 0.5 on a 12 MP decode: exit $rc, left [$(listing)] ($(head -c 300 "$T/err"))"
  else
    how="by the decode and writer checks"
    grep -q "did not stop within" "$T/err" && how="by the backstop (a step without checks ran past deadline + 2 s)"
    ok "heic-dec --timeout 0.5 on a 12 MP decode: exit 124 after ${ms} ms, nothing left, stopped $how"
  fi
else
  echo "skip the 12 MP real-time variants: no iphone13promax_4032x3024.heic under ${corpus:-(no corpus)}/heif"
fi

# ==== heic-info ====
echo "== heic-info"
reset_w
"$info" --verbose "$multi" > "$T/info-full.txt" || fail "heic-info $multi failed"
c=$(trace_index close-of "$multi" -- "$info" --verbose "$multi")
w=$(trace_index count write -- "$info" --verbose "$multi")
if [ -z "$c" ] || [ -z "$w" ]; then
  fail "heic-info: cannot find the close of the input or the writes in a trace"
else
  stopped "heic-info SIGINT once the file is read" 130 "" "description cut short: interrupted by SIGINT" \
    "close:signal=SIGINT:when=$c" -- "$info" --verbose "$multi"
  grep -q "^default decode" "$T/out" && fail "heic-info SIGINT: the description was not cut short"
  stopped "heic-info --timeout 0.3, the deadline passing while the file is read" 124 "" \
    "description cut short: the --timeout of 0.3 s passed" \
    "close:delay_enter=1s:when=$c" -- "$info" --verbose --timeout 0.3 "$multi"
  grep -q "did not stop within" "$T/err" && fail "heic-info --timeout 0.3: stopped by the backstop, not by the checks"
  stopped "heic-info --timeout=0.2, a step longer than the deadline + 2 s (the backstop)" 124 "" \
    "did not stop within 2 s" "close:delay_enter=3s:when=$c" -- "$info" --verbose --timeout=0.2 "$multi"
  # The last write is the final flush of stdout: the description is complete.
  stopped "heic-info SIGINT after the last file was described" 0 "" "" \
    "write:signal=SIGINT:when=$w" -- "$info" --verbose "$multi"
  cmp -s "$T/out" "$T/info-full.txt" || fail "heic-info SIGINT after the description: the output differs"
  # Two files, stopped while the second is read: the first is complete.
  cp "$multi" "$T/second.heic"
  c2=$(trace_index close-of "$T/second.heic" -- "$info" --verbose "$multi" "$T/second.heic")
  stopped "heic-info SIGTERM during the second of two files" 130 "" "second.heic: description cut short: interrupted by SIGTERM" \
    "close:signal=SIGTERM:when=$c2" -- "$info" --verbose "$multi" "$T/second.heic"
  head -n "$(wc -l < "$T/info-full.txt")" "$T/out" | cmp -s - "$T/info-full.txt" ||
    fail "heic-info SIGTERM during the second file: the first file's description is not complete"
fi

# ==== heic-enc ====
echo "== heic-enc"
reset_w
"$enc" --quiet --threads 1 -q 40 "$T/in.png" -o "$W/out.heic" && mv "$W/out.heic" "$T/ref.heic"
cp "$T/in.png" "$T/in2.png"
reset_w
c=$(trace_index close-of "$T/in.png" -- "$enc" --threads 1 -q 40 "$T/in.png" -o "$W/out.heic")
reset_w
s=$(trace_index last newfstatat "$W/out.heic" -- "$enc" --threads 1 -q 40 "$T/in.png" -o "$W/out.heic")
reset_w
s1=$(trace_index last newfstatat "$W/a.heic" -- "$enc" --threads 1 -q 40 "$T/in.png" "$T/in2.png" -o "$W/a.heic" -o "$W/b.heic")
reset_w
if [ -z "$c" ] || [ -z "$s" ] || [ -z "$s1" ]; then
  fail "heic-enc: cannot find the close of the input or the stat of the output in a trace"
else
  cp "$T/old" "$W/out.heic"
  stopped "heic-enc SIGINT once the input is read, over an old output" 130 "out.heic" \
    "out.heic: not written: interrupted by SIGINT" \
    "close:signal=SIGINT:when=$c" -- "$enc" --threads 1 -q 40 "$T/in.png" -o "$W/out.heic"
  cmp -s "$W/out.heic" "$T/old" || fail "heic-enc SIGINT: the old out.heic was changed"
  reset_w
  stopped "heic-enc SIGTERM once the input is read" 130 "" "out.heic: not written: interrupted by SIGTERM" \
    "close:signal=SIGTERM:when=$c" -- "$enc" --threads 1 -q 40 "$T/in.png" -o "$W/out.heic"
  # The summary stats the finished output: a signal there came after it.
  reset_w
  stopped "heic-enc SIGINT after the output was complete" 0 "out.heic" "" \
    "newfstatat:signal=SIGINT:when=$s" -- "$enc" --threads 1 -q 40 "$T/in.png" -o "$W/out.heic"
  cmp -s "$W/out.heic" "$T/ref.heic" || fail "heic-enc SIGINT after the output: out.heic is not complete"
  reset_w
  stopped "heic-enc two inputs, SIGINT once the first output is complete" 130 "a.heic" \
    "b.heic: not written: interrupted by SIGINT" \
    "newfstatat:signal=SIGINT:when=$s1" -- "$enc" --threads 1 -q 40 "$T/in.png" "$T/in2.png" -o "$W/a.heic" -o "$W/b.heic"
  cmp -s "$W/a.heic" "$T/ref.heic" || fail "heic-enc two inputs: a.heic is not complete"
fi

echo "signals.sh: $fails failure(s) in ${SECONDS}s"
[ $fails -eq 0 ]
