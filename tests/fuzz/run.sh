#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in their own tree and
# fuzzes each for a bounded time.
#
#   bash tests/fuzz/run.sh [SECONDS] [TARGET[:SECONDS]...]
#   bash tests/fuzz/run.sh --build-only
#
# --build-only builds every target (and heic-enc) and fuzzes nothing:
# scripts/test.sh builds the tree that way in the background while the
# other trees' tests run, then calls this script again to fuzz.
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
# HEIC_CORPUS_DIR (default ../shared/corpus beside the source root),
# HEIC_FUZZ_PARALLEL (targets fuzzed at once, default 1).  Each fuzzing
# process uses one core: give HEIC_FUZZ_PARALLEL no more than the cores
# that are free, so that every target still has a core to itself for its
# time (on the 2-vCPU machine two at once still cost each target 10-50 % of
# its executions, so scripts/test.sh fuzzes one at a time).  The working
# corpus (BUILD/corpus/TARGET) is kept between runs, so later runs start
# further on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${HEIC_FUZZ_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
  shift
fi
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
# Warnings are errors here too: this clang tree is what shows that the
# project builds warning-free with clang as well as GCC (README).
CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHEIC_FUZZ=ON -DHEIC_SANITIZE=ON -DHEIC_WERROR=ON -DHEIC_CORPUS_DIR="$corpus_dir" >/dev/null
# heic-enc writes the donor of the hostile seeds (make_seeds.sh).
bins=(heic-enc)
for t in "${targets[@]}"; do bins+=("fuzz_$t"); done
if ! cmake --build "$build" --target "${bins[@]}" -- -j"$jobs"; then
  echo "fuzz: build failed (does tests/CMakeLists.txt include fuzz.cmake?)" >&2
  exit 2
fi
[ "$build_only" -eq 0 ] || exit 0

# ---- fuzz -----------------------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export HEIC_FUZZ_HEIC_ENC="$build/heic-enc"
parallel="${HEIC_FUZZ_PARALLEL:-1}"
case "$parallel" in '' | *[!0-9]* | 0) echo "HEIC_FUZZ_PARALLEL must be a positive number" >&2; exit 2 ;; esac

# fuzz_one I: fuzzes targets[I]; its messages go to BUILD/fuzz-TARGET.out,
# its verdict to BUILD/fuzz-TARGET.result ("ok|FAIL<TAB>summary line").
fuzz_one() {
  local t="${targets[$1]}" secs="${target_secs[$1]}"
  local seeds="$build/seeds/$t" work="$build/corpus/$t" art="$build/artifacts/$t"
  local log="$build/fuzz-$t.log" res="$build/fuzz-$t.result" max_len rc=0 execs rate=""
  mkdir -p "$work" "$art"
  bash "$here/make_seeds.sh" "$t" "$corpus_dir" "$root/tests/data" "$seeds"
  # Inputs longer than these add nothing the target reads (encode: header +
  # pixels of a small image; imageio: small PNG/JPEG/Y4M) and slow mutation.
  case "$t" in
    decode | parse) max_len=131072 ;;
    encode) max_len=4096 ;;
    *) max_len=65536 ;;
  esac
  echo "== fuzz_$t for ${secs}s (log: $log)"
  # In-process, one worker: exactly one core.  New inputs go to $work (the
  # first directory); the seeds are read only.  -timeout catches hangs.
  "$build/tests/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$art/" \
    "$work" "$seeds" "$here/regressions/$t" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  [ -n "$execs" ] || execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)"
  [ -n "$execs" ] || execs="?"
  case "$execs" in '' | *[!0-9]*) ;; *) [ "$secs" -gt 0 ] && rate=" ($((execs / secs))/s over ${secs}s)" ;; esac
  if [ "$rc" -ne 0 ]; then
    echo "fuzz_$t: FAILED (exit $rc) after $execs executions"
    grep -E 'ERROR: |SUMMARY: |check failed|Test unit written to' "$log" | head -n 20 || true
    printf 'FAIL\tfuzz_%s: %s executions%s, FAILED (see %s, inputs in %s)\n' "$t" "$execs" "$rate" "$log" "$art" >"$res"
  else
    echo "fuzz_$t: $execs executions$rate, no crash"
    printf 'ok\tfuzz_%s: %s executions%s, no crash\n' "$t" "$execs" "$rate" >"$res"
  fi
}

ids=()
for i in "${!targets[@]}"; do
  # libFuzzer takes -max_total_time=0 as "no limit": 0 s means skip.
  [ "${target_secs[$i]}" -gt 0 ] || continue
  ids+=("$i")
  t="${targets[$i]}"
  rm -f "$build/fuzz-$t.out"
  printf 'FAIL\tfuzz_%s: no result (the fuzzing script died)\n' "$t" >"$build/fuzz-$t.result"
done
if [ "$parallel" -le 1 ]; then
  for i in "${ids[@]}"; do
    fuzz_one "$i" 2>&1 | tee "$build/fuzz-${targets[$i]}.out"
  done
else
  # Longest first, so that the lanes end together.
  mapfile -t ids < <(for i in "${ids[@]}"; do echo "${target_secs[$i]} $i"; done | sort -k1,1nr -k2,2n | cut -d' ' -f2)
  echo "== fuzzing $parallel targets at a time"
  running=0
  for i in "${ids[@]}"; do
    fuzz_one "$i" >"$build/fuzz-${targets[$i]}.out" 2>&1 &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
      wait -n || true
      running=$((running - 1))
    fi
  done
  wait
  for i in "${ids[@]}"; do cat "$build/fuzz-${targets[$i]}.out"; done
fi
status=0
summary=()
for i in "${ids[@]}"; do
  r="$build/fuzz-${targets[$i]}.result"
  [ "$(head -n1 "$r" | cut -f1)" = ok ] || status=1
  summary+=("$(head -n1 "$r" | cut -f2-)")
done

echo
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit "$status"
