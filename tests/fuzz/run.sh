#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in their own tree and
# fuzzes each for a bounded time.
#
#   bash tests/fuzz/run.sh [SECONDS] [TARGET[:SECONDS]...]
#
# SECONDS per target (default 60, libFuzzer's -max_total_time); TARGETs are
# decode, encode, imageio, parse (default: all four); TARGET:SECONDS gives
# one target its own time.  Prints the executions of each target (from
# libFuzzer's final stats) and the rate, and exits non-zero when any
# target found a crash, leak, timeout or out-of-memory; the input is in
# BUILD/artifacts/TARGET/ - copy it to tests/fuzz/regressions/TARGET/ so the
# replay tests keep covering it once it is fixed.
#
# Environment: HEIC_FUZZ_BUILD_DIR (default build-fuzz-libfuzzer, under the
# source root), HEIC_FUZZ_BUILD_JOBS (ninja -j, default: number of CPUs),
# HEIC_CORPUS_DIR (default ../shared/corpus beside the source root).
# One fuzzing process at a time: each run uses one core.  The working corpus
# (BUILD/corpus/TARGET) is kept between runs, so later runs start further on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${HEIC_FUZZ_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
secs="${1:-60}"
[ $# -gt 0 ] && shift
specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=(decode encode imageio parse)
usage() { echo "usage: $0 [SECONDS] [decode|encode|imageio|parse[:SECONDS] ...]" >&2; exit 2; }
case "$secs" in '' | *[!0-9]*) usage ;; esac
# targets[i] runs for target_secs[i] seconds.
targets=() target_secs=()
for spec in "${specs[@]}"; do
  t="${spec%%:*}" s="$secs"
  [ "$t" = "$spec" ] || s="${spec#*:}"
  case "$t" in decode | encode | imageio | parse) ;; *) usage ;; esac
  case "$s" in '' | *[!0-9]*) usage ;; esac
  targets+=("$t")
  target_secs+=("$s")
done

build="${HEIC_FUZZ_BUILD_DIR:-$root/build-fuzz-libfuzzer}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
corpus_dir="${HEIC_CORPUS_DIR:-$root/../shared/corpus}"
jobs="${HEIC_FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# ---- clang with the libFuzzer runtime ----------------------------------
have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
    clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1
}
if ! have_libfuzzer; then
  # Debian: clang, and the runtime (libclang_rt.fuzzer) in libclang-rt-NN-dev.
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "fuzz: installing clang and libclang-rt-14-dev"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y --no-install-recommends clang libclang-rt-14-dev
  have_libfuzzer || { echo "fuzz: clang cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi

# ---- build ----------------------------------------------------------------
echo "== build ($build)"
CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHEIC_FUZZ=ON -DHEIC_SANITIZE=ON -DHEIC_CORPUS_DIR="$corpus_dir" >/dev/null
# heic-enc writes the donor of the hostile seeds (make_seeds.sh).
bins=(heic-enc)
for t in "${targets[@]}"; do bins+=("fuzz_$t"); done
if ! cmake --build "$build" --target "${bins[@]}" -- -j"$jobs"; then
  echo "fuzz: build failed (does tests/CMakeLists.txt include fuzz.cmake?)" >&2
  exit 2
fi

# ---- fuzz -----------------------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export HEIC_FUZZ_HEIC_ENC="$build/heic-enc"
status=0
summary=()
for i in "${!targets[@]}"; do
  t="${targets[$i]}" secs="${target_secs[$i]}"
  # libFuzzer takes -max_total_time=0 as "no limit": 0 s means skip.
  [ "$secs" -gt 0 ] || continue
  seeds="$build/seeds/$t" work="$build/corpus/$t" art="$build/artifacts/$t"
  mkdir -p "$work" "$art"
  bash "$here/make_seeds.sh" "$t" "$corpus_dir" "$root/tests/data" "$seeds"
  # Inputs longer than these add nothing the target reads (encode: header +
  # pixels of a small image; imageio: small PNG/JPEG/Y4M) and slow mutation.
  case "$t" in
    decode | parse) max_len=131072 ;;
    encode) max_len=4096 ;;
    *) max_len=65536 ;;
  esac
  log="$build/fuzz-$t.log"
  echo "== fuzz_$t for ${secs}s (log: $log)"
  rc=0
  # In-process, one worker: exactly one core.  New inputs go to $work (the
  # first directory); the seeds are read only.  -timeout catches hangs.
  "$build/tests/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$art/" \
    "$work" "$seeds" "$here/regressions/$t" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  [ -n "$execs" ] || execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)"
  [ -n "$execs" ] || execs="?"
  rate=""
  case "$execs" in '' | *[!0-9]*) ;; *) [ "$secs" -gt 0 ] && rate=" ($((execs / secs))/s over ${secs}s)" ;; esac
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz_$t: FAILED (exit $rc) after $execs executions"
    grep -E 'ERROR: |SUMMARY: |check failed|Test unit written to' "$log" | head -n 20 || true
    summary+=("fuzz_$t: $execs executions$rate, FAILED (see $log, inputs in $art)")
  else
    summary+=("fuzz_$t: $execs executions$rate, no crash")
    echo "fuzz_$t: $execs executions$rate, no crash"
  fi
done

echo
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit "$status"
