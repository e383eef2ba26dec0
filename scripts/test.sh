#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds a plain tree
# (build-ci: RelWithDebInfo, warnings are errors) and a sanitizer tree
# (build-ci-asan: ASan+UBSan+LSan), and runs ctest in both.  valgrind runs
# in the plain tree only.  Both trees build the optional x265 encoder plugin
# (-DHEIC_WITH_X265=ON: libx265 is GPL; the tests check it beside the
# builtin encoder).  Exits non-zero if anything fails.
#
#   bash scripts/test.sh
#
# Tests that need ../shared/corpus report themselves skipped without it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=install-deps.sh
source "$root/scripts/install-deps.sh"

jobs="${HEIC_TEST_JOBS:-2}"
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
  echo "+ (cd $dir && ctest --output-on-failure -j$jobs)"
  (cd "$root/$dir" && ctest --output-on-failure -j"$jobs") 2>&1 | tee "$log" || rc=$?
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
configure_and_build "$plain_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEIC_WERROR=ON -DHEIC_SANITIZE=OFF \
  -DHEIC_WITH_X265=ON

echo
echo "== sanitizer build ($asan_dir)"
configure_and_build "$asan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEIC_SANITIZE=ON \
  -DHEIC_WERROR=ON -DHEIC_WITH_X265=ON

export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo
echo "== tests: plain build"
run_ctest "$plain_dir"

echo
echo "== tests: sanitizer build (ASan+UBSan+LSan)"
run_ctest "$asan_dir"

# Coverage-guided fuzzing for a bounded time (the replay of the seeds and
# regressions already ran as ctest tests in both trees).  The time of three
# targets of HEIC_FUZZ_SECONDS each is shared by the four: decode, the
# slowest per input and the widest, keeps its full share; parse (over a
# thousand inputs a second), encode and imageio get two thirds each.
fuzz_secs="${HEIC_FUZZ_SECONDS:-30}"
fuzz_share=$((fuzz_secs * 2 / 3))
[ "$fuzz_secs" -eq 0 ] || [ "$fuzz_share" -gt 0 ] || fuzz_share=1
echo
echo "== fuzzing (libFuzzer, $((fuzz_secs + 3 * fuzz_share)) s: decode ${fuzz_secs} s, parse, encode and imageio ${fuzz_share} s each)"
if HEIC_FUZZ_BUILD_JOBS="${HEIC_FUZZ_BUILD_JOBS:-2}" bash "$root/tests/fuzz/run.sh" "$fuzz_secs" \
  decode "parse:$fuzz_share" "encode:$fuzz_share" "imageio:$fuzz_share"; then
  total_passed=$((total_passed + 1))
else
  total_failed=$((total_failed + 1))
  status=1
fi

echo
echo "== done in $(($(date +%s) - start)) s"
if [ "$status" -ne 0 ]; then
  echo "some tests failed (see above)"
fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
