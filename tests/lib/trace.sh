# shellcheck shell=bash
# Shared by the tests that drive the tools under strace (files_on_disk.sh,
# signals.sh): a kill, a signal or a delay injected at a chosen system call
# lands where it is meant to whatever the machine's speed.  Sourced, not run.

# trace_setup NAME: exits 77 (skip) unless strace can trace here and
# python3 is installed (scripts/install-deps.sh test installs both); then
# makes the temporary directory $T, removed on exit (also after SIGINT,
# SIGTERM, SIGHUP, and when out_of_time stops the script), and sets fails=0.
trace_setup() {
  if ! command -v strace > /dev/null 2>&1; then
    echo "skip: strace is not installed (bash scripts/install-deps.sh test installs it)"
    exit 77
  fi
  if ! strace -f -o /dev/null true > /dev/null 2>&1; then
    echo "skip: strace cannot trace here (ptrace is not permitted)"
    exit 77
  fi
  if ! command -v python3 > /dev/null 2>&1; then
    echo "skip: python3 is not installed"
    exit 77
  fi
  T=$(mktemp -d "${TMPDIR:-/tmp}/heic-$1-XXXXXX") || exit 1
  trap 'rm -rf "$T"' EXIT
  trap 'exit 1' INT TERM HUP
  fails=0
}

# traced ARGS...: strace ARGS.  LeakSanitizer cannot work under ptrace, so
# in a sanitizer build the traced runs keep ASan and UBSan but not LSan
# (the tools' own leak canary, exit status 4, still checks every libheic
# allocation).
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }

# main_trace PREFIX: the main thread's file among those of strace -ff -o
# PREFIX (the one that starts with the execve).
main_trace() { grep -l '^execve(' "$1".* 2> /dev/null | head -n1; }

# trace_query COMMAND TRACE ARGS...: what a trace says (see trace_query.py).
TRACE_QUERY_PY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/trace_query.py"
trace_query() { python3 "$TRACE_QUERY_PY" "$@"; }

# fail MESSAGE: reports a failure and counts it in $fails.
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# out_of_time: once $budget seconds have passed, reports it and exits (the
# caller's EXIT trap cleans up): better than being killed by ctest's timeout
# with the temporary directory left behind.
out_of_time() {
  if [ "$SECONDS" -ge "${budget:?}" ]; then
    fail "out of time: ${budget}s budget used up (the machine is too slow, or something hangs)"
    exit 1
  fi
}
