#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds a plain tree
# (build-ci: RelWithDebInfo, warnings are errors) and a sanitizer tree
# (build-ci-asan: ASan+UBSan+LSan), and runs ctest in both; then fuzzes
# with libFuzzer (build-fuzz-libfuzzer, clang, built in the background
# meanwhile).  valgrind runs in the plain tree only.  Both trees build the
# optional x265 encoder plugin (-DHEIC_WITH_X265=ON: libx265 is GPL; the
# tests check it beside the builtin encoder).  Exits non-zero if anything
# fails; the last lines give the time of each part.
#
#   bash scripts/test.sh
#
# About 25 minutes on the project's 2-core machine, idle (1,495 s on
# 2026-12-07, the budget's edge; about 35 with two CPU-bound processes
# beside it).
# The long sweeps are left out of it and run by hand, each with --full (see
# README.md, "Tests"): tests/hevc_conformance.sh, tests/encode_corpus.sh,
# tests/valgrind_encode.sh, tests/valgrind_decode.sh, tests/hostile.sh,
# tests/libheif_plugin.sh.
#
# Tests that need ../shared/corpus report themselves skipped without it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=install-deps.sh
source "$root/scripts/install-deps.sh"

jobs="${HEIC_TEST_JOBS:-2}"
# Multiplies every test's TIMEOUT (an integer): the timeouts leave room for
# this project's 2-core machine with two other CPU-bound processes beside
# the run; a slower or busier machine sets HEIC_TEST_TIMEOUT_SCALE=2 or more.
timeout_scale="${HEIC_TEST_TIMEOUT_SCALE:-1}"
# Build trees (relative to the source root); overridable for side-by-side runs.
plain_dir="${HEIC_CI_PLAIN_DIR:-build-ci}"
asan_dir="${HEIC_CI_ASAN_DIR:-build-ci-asan}"
start="$(date +%s)"

echo "== dependencies"
heic_install_deps test

if [ -d "$root/../shared/corpus" ]; then
  echo "corpus: $(cd "$root/../shared/corpus" && pwd) (corpus tests run)"
else
  echo "corpus: ../shared/corpus not found (corpus tests will be skipped)"
fi

# The libFuzzer tree needs nothing from the other two, and its build is
# mostly one long compile (clang's ASan+UBSan on the AVX2 transforms, over
# four minutes of one core): it builds in the background at a lower
# priority, in its own process group, while the other trees build and
# test, and the fuzzing at the end waits for it.
# (Its log goes into the plain tree, like every other file the run writes:
# nothing of a run is ever left in /tmp, even when it is killed.)
mkdir -p "$root/$plain_dir"
fuzz_build_log="$root/$plain_dir/fuzz-build.log"
fuzz_build_pid=""
cleanup() {
  if [ -n "$fuzz_build_pid" ] && kill -0 "$fuzz_build_pid" 2>/dev/null; then
    kill -- "-$fuzz_build_pid" 2>/dev/null || true
  fi
  rm -f "$fuzz_build_log"
}
trap cleanup EXIT
echo
echo "== libFuzzer tree: building in the background (log shown if it fails)"
HEIC_FUZZ_BUILD_JOBS="${HEIC_FUZZ_BUILD_JOBS:-2}" setsid -w nice -n 10 \
  bash "$root/tests/fuzz/run.sh" --build-only >"$fuzz_build_log" 2>&1 &
fuzz_build_pid=$!

# Wall-clock seconds of each part, for the closing lines.
times=()
since() { echo $(($(date +%s) - $1)); }

configure_and_build() {
  local dir="$1"
  shift
  echo "+ cmake -S . -B $dir -G Ninja $*"
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@"
  echo "+ cmake --build $dir"
  cmake --build "$root/$dir"
}

# Totals over both trees for the closing line.
total_passed=0
total_failed=0
total_skipped=0
status=0

run_ctest() {
  local dir="$1"
  local log="$root/$dir/ctest-summary.log"
  local rc=0
  # Every test's TMPDIR is $dir/test-tmp (tests/CMakeLists.txt): emptied
  # first, so that what a killed test of an earlier run left is not
  # counted against this one, and it must be empty again at the end.
  local scratch="$root/$dir/test-tmp"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  echo "+ (cd $dir && ctest --output-on-failure -j$jobs)"
  (cd "$root/$dir" && ctest --output-on-failure -j"$jobs") 2>&1 | tee "$log" || rc=$?
  if [ -n "$(ls -A "$scratch")" ]; then
    echo "$dir: tests left files in their TMPDIR ($dir/test-tmp), counted as a failure:" >&2
    ls -A "$scratch" | head -n 20 >&2
    rm -rf "${scratch:?}"/* "${scratch:?}"/.[!.]* 2>/dev/null || true
    total_failed=$((total_failed + 1))
    status=1
  fi
  # "NN% tests passed, F tests failed out of T"; skipped tests are listed
  # under "The following tests did not run:".
  local line total failed skipped
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)"
  if [ -z "$line" ]; then
    echo "$dir: ctest printed no summary" >&2
    total_failed=$((total_failed + 1))
    status=1
    return
  fi
  total="$(printf '%s\n' "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')"
  failed="$(printf '%s\n' "$line" | sed -E 's/.*, ([0-9]+) tests? failed.*/\1/')"
  skipped="$(sed -n '/The following tests did not run:/,/^$/p' "$log" | grep -c -E '^[[:space:]]+[0-9]+ - ' || true)"
  total_passed=$((total_passed + total - failed - skipped))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    status=1
  fi
}

echo
echo "== plain build ($plain_dir)"
t0="$(date +%s)"
configure_and_build "$plain_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEIC_WERROR=ON -DHEIC_SANITIZE=OFF \
  -DHEIC_WITH_X265=ON -DHEIC_TEST_TIMEOUT_SCALE="$timeout_scale"
times+=("plain build $(since "$t0") s")

echo
echo "== sanitizer build ($asan_dir)"
t0="$(date +%s)"
configure_and_build "$asan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEIC_SANITIZE=ON \
  -DHEIC_WERROR=ON -DHEIC_WITH_X265=ON -DHEIC_TEST_TIMEOUT_SCALE="$timeout_scale"
times+=("sanitizer build $(since "$t0") s")

export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo
echo "== tests: plain build"
t0="$(date +%s)"
run_ctest "$plain_dir"
times+=("plain tests $(since "$t0") s")

echo
echo "== tests: sanitizer build (ASan+UBSan+LSan)"
t0="$(date +%s)"
run_ctest "$asan_dir"
times+=("sanitizer tests $(since "$t0") s")

# Coverage-guided fuzzing for a bounded time (the replay of the seeds and
# regressions already ran as ctest tests in both trees).  The time of three
# targets of HEIC_FUZZ_SECONDS each is shared by the four: decode, the
# slowest per input and the widest, keeps its full share; parse (over a
# thousand inputs a second), encode and imageio get two thirds each.  One
# target at a time: two at once on the 2-core machine saved 40 s but cost
# each target 10-50 % of its executions (HEIC_FUZZ_PARALLEL=2 does it).
fuzz_secs="${HEIC_FUZZ_SECONDS:-30}"
fuzz_share=$((fuzz_secs * 2 / 3))
[ "$fuzz_secs" -eq 0 ] || [ "$fuzz_share" -gt 0 ] || fuzz_share=1
echo
echo "== fuzzing (libFuzzer, $((fuzz_secs + 3 * fuzz_share)) s of fuzzing: decode ${fuzz_secs} s, parse, encode and imageio ${fuzz_share} s each)"
t0="$(date +%s)"
fuzz_build_rc=0
wait "$fuzz_build_pid" || fuzz_build_rc=$?
times+=("libFuzzer build waited for $(since "$t0") s")
if [ "$fuzz_build_rc" -ne 0 ]; then
  echo "the libFuzzer tree did not build (exit $fuzz_build_rc):"
  tail -n 60 "$fuzz_build_log"
  total_failed=$((total_failed + 1))
  status=1
else
  t0="$(date +%s)"
  if TMPDIR="$root/$plain_dir/test-tmp" HEIC_FUZZ_BUILD_JOBS="${HEIC_FUZZ_BUILD_JOBS:-2}" HEIC_FUZZ_PARALLEL="${HEIC_FUZZ_PARALLEL:-1}" \
    bash "$root/tests/fuzz/run.sh" "$fuzz_secs" \
    decode "parse:$fuzz_share" "encode:$fuzz_share" "imageio:$fuzz_share"; then
    total_passed=$((total_passed + 1))
  else
    total_failed=$((total_failed + 1))
    status=1
  fi
  times+=("fuzzing $(since "$t0") s")
fi

echo
echo "== done in $(($(date +%s) - start)) s ($(IFS=,; echo "${times[*]}" | sed 's/,/, /g'))"
if [ "$status" -ne 0 ]; then
  echo "some tests failed (see above)"
fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
