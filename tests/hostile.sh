#!/usr/bin/env bash
# Hostile HEIF structures (issue 12): every file of tests/tools/make_hostile.py
# through heic-dec and heic-info, which must give the expected image or a
# clean error naming what was refused, in bounded time and memory.
#
#   hostile.sh [--sanitizer|--full] HEIC_ENC HEIC_DEC HEIC_INFO IMGCMP WORK_DIR
#
#  1. heic-enc writes the donor (tests/data's 500x500 RGBA photo as a grid of
#     64x64 tiles with an alpha grid and a 48x48 thumbnail); make_hostile.py
#     builds the cases from its coded pictures, with a manifest of what each
#     must give, and a few valid reference files.
#  2. The references are decoded with heic-dec --threads 1 (and checked
#     against libheif's heif-convert, PSNR >= 45 dB, when it is installed).
#  3. Each case: heic-dec to PNG at --threads 1, 2, 4 and 8, heic-info
#     --verbose (the manifest's expectation) and heic-info's summary (the
#     same exit status).
#     Every run: no crash (exit status < 128, no sanitizer report), no hang
#     (a wall-clock timeout), no leak (heic-dec/heic-info's exit status 4);
#     the outcome the manifest gives: exit 0 and exactly the pixels of the
#     reference (tests/tools/imgcmp), or exit 1 with a message matching the
#     expected words; in the plain build at most 5 s of CPU and 300 MB of
#     peak RSS (GNU time; `ulimit -t` stops a run that loops), under the
#     sanitizers (--sanitizer) at most 30 s of CPU.
#  4. Plain build only: heic-dec at --threads 2 (the pool: grid tiles on
#     worker threads, and the same parsing and checks as at one thread) and
#     heic-info under valgrind (memcheck, every leak kind an error) over
#     every case that passed step 3 (one that failed there is already
#     reported).  --full also runs heic-dec --threads 1 under valgrind on
#     each case (110 s alone on 2 cores instead of 80; valgrind's start is
#     most of each run).
#
# Two cases run at a time.  Exit status 0 when everything passed.
set -euo pipefail

sanitizer=0
full=0
case "${1:-}" in
  --sanitizer) sanitizer=1; shift ;;
  --full) full=1; shift ;;
esac
if [ $# -ne 5 ]; then
  echo "usage: $0 [--sanitizer|--full] HEIC_ENC HEIC_DEC HEIC_INFO IMGCMP WORK_DIR" >&2
  exit 2
fi
vg_threads=(2)
[ "$full" -eq 0 ] || vg_threads=(1 2)
enc="$1" dec="$2" info="$3" imgcmp="$4" work="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/jobs.sh
source "$here/lib/jobs.sh"
jobs=2
threads=(1 2 4 8)

if [ "$sanitizer" -eq 1 ]; then
  cpu_bound=30 cpu_kill=60 wall=180 rss_bound_kb=0
else
  # A run over its bound has failed already: it is stopped soon after
  # rather than left to run for minutes (grids of 4.3e9 tiles).
  cpu_bound=5 cpu_kill=8 wall=40 rss_bound_kb=$((300 * 1024))
fi

for tool in python3 /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is needed (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

rm -rf "$work"
mkdir -p "$work/ref" "$work/out" "$work/res" "$work/vg"
gen="$work/gen"

echo "== donor and cases"
"$enc" --quiet -q 50 --tile 64 --thumb 48 "$here/data/wesaturate_tmshre_alpha_500x500.png" \
  -o "$work/donor.heic"
python3 "$here/tools/make_hostile.py" "$work/donor.heic" "$gen"

# ---- references ------------------------------------------------------------
fail_setup=0
while IFS=$'\t' read -r name file; do
  if ! "$dec" --quiet --threads 1 "$gen/$file" "$work/ref/$name.png" >"$work/ref/$name.log" 2>&1; then
    echo "FAIL: reference $name does not decode:"
    cat "$work/ref/$name.log"
    fail_setup=1
    continue
  fi
  # libheif's reading of the same file keeps the references honest (the
  # generator and heic-dec could otherwise agree on a mistake).
  if command -v heif-convert >/dev/null 2>&1; then
    if heif-convert --quiet "$gen/$file" "$work/ref/$name.libheif.png" >/dev/null 2>&1; then
      if ! psnr="$("$imgcmp" "$work/ref/$name.png" "$work/ref/$name.libheif.png" 45)"; then
        echo "FAIL: reference $name: heic-dec and heif-convert differ: $psnr"
        fail_setup=1
      fi
    else
      echo "FAIL: reference $name: heif-convert cannot decode it"
      fail_setup=1
    fi
  fi
done <"$gen/refs.tsv"
[ "$fail_setup" -eq 0 ] || exit 1

# ---- one run ---------------------------------------------------------------
# run_tool TAG -- CMD...: runs CMD with the CPU and wall-clock limits, its
# stdout and stderr in $work/out/TAG.txt, GNU time's "user sys maxrss" in
# $work/out/TAG.time; sets RUN_RC, RUN_CPU (seconds) and RUN_RSS (KB).
run_tool() {
  local tag="$1"
  shift 2
  local tf="$work/out/$tag.time"
  RUN_RC=0
  (
    ulimit -t "$cpu_kill"
    # ASan reserves terabytes of address space; elsewhere a bound on it keeps
    # a runaway allocation from taking the machine down with the test.
    [ "$sanitizer" -eq 1 ] || ulimit -v $((4 * 1024 * 1024))
    exec /usr/bin/time -f '%U %S %M' -o "$tf" timeout -k 5 "$wall" "$@"
  ) >"$work/out/$tag.txt" 2>&1 || RUN_RC=$?
  local last
  last="$(tail -n1 "$tf" 2>/dev/null || true)"
  RUN_CPU="$(printf '%s\n' "$last" | awk 'NF == 3 { printf "%.2f", $1 + $2 }')"
  RUN_RSS="$(printf '%s\n' "$last" | awk 'NF == 3 { print $3 }')"
  [ -n "$RUN_CPU" ] || RUN_CPU="?"
  [ -n "$RUN_RSS" ] || RUN_RSS="?"
}

# The last line a tool printed that is not indented (its message), for
# failure reports; never fails.
last_words() {
  grep -v '^ ' "$1" 2>/dev/null | tail -n1 | cut -c1-200 || true
}

# judge_run KIND EXPECT TAG PNG: appends to $problems what is wrong with
# the run just made (KIND dec or info); PNG is heic-dec's output.
judge_run() {
  local kind="$1" expect="$2" tag="$3" png="$4"
  local txt="$work/out/$tag.txt" what="${expect%%:*}" arg="${expect#*:}"
  local bad=()
  # timeout(1) exits 124 when the wall clock ran out and passes on the
  # signal that ended the tool (ulimit -t's SIGKILL included) as 128 + N.
  if [ "$RUN_RC" -eq 124 ]; then
    bad+=("hang: still running after ${wall}s (${RUN_CPU}s CPU)")
  elif [ "$RUN_RC" -ge 128 ]; then
    local sig=$((RUN_RC - 128))
    if [ "$sig" -eq 9 ] || [ "$sig" -eq 24 ]; then
      bad+=("stopped at the CPU limit of ${cpu_kill}s (signal $sig)")
    else
      bad+=("crashed: signal $sig$(grep -m1 -o 'Sanitizer: [A-Za-z-]*' "$txt" | sed 's/^/, /' || true)")
    fi
  fi
  if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$txt"; then
    bad+=("sanitizer report: $(grep -m1 -E 'SUMMARY|runtime error' "$txt" || true)")
  fi
  [ "$RUN_RC" -eq 4 ] && bad+=("exit 4: libheic leaked memory")
  if [ "$RUN_CPU" = "?" ] ||
    awk -v c="$RUN_CPU" -v b="$cpu_bound" 'BEGIN { exit !(c > b) }'; then
    bad+=("CPU ${RUN_CPU}s (bound ${cpu_bound}s)")
  fi
  if [ "$rss_bound_kb" -gt 0 ] && { [ "$RUN_RSS" = "?" ] || [ "$RUN_RSS" -gt "$rss_bound_kb" ]; }; then
    bad+=("peak RSS ${RUN_RSS} KB (bound $rss_bound_kb KB)")
  fi
  if [ "$RUN_RC" -lt 124 ] && [ "$RUN_RC" -ne 4 ]; then
    case "$what" in
      image)
        if [ "$RUN_RC" -ne 0 ]; then
          bad+=("expected an image, got exit $RUN_RC: $(last_words "$txt")")
        elif [ "$arg" = "*" ]; then
          "$imgcmp" "$png" "$png" >/dev/null 2>&1 || bad+=("the PNG written is not readable")
        elif ! cmp_out="$("$imgcmp" "$work/ref/$arg.png" "$png" 2>&1)"; then
          bad+=("pixels differ from $arg: $cmp_out")
        fi
        ;;
      ok | error)
        local want=0
        [ "$what" = error ] && want=1
        if [ "$RUN_RC" -ne "$want" ]; then
          bad+=("expected exit $want ($what matching '$arg'), got $RUN_RC: $(last_words "$txt")")
        elif ! grep -Eiq -- "$arg" "$txt"; then
          bad+=("exit $RUN_RC but the output does not match '$arg': $(last_words "$txt")")
        fi
        ;;
      any)
        [ "$RUN_RC" -le 1 ] || bad+=("exit $RUN_RC (0 or 1 expected)")
        ;;
      *) bad+=("manifest: unknown expectation '$expect'") ;;
    esac
  fi
  local line
  line="$kind ${RUN_CPU}s ${RUN_RSS}KB exit $RUN_RC"
  if [ ${#bad[@]} -gt 0 ]; then
    problems+=("$line: $(IFS=';'; echo "${bad[*]}")")
  fi
}

# ---- the cases -------------------------------------------------------------
names=() files=() opts=() decs=() infos=() whats=()
while IFS=$'\t' read -r name file opt dexp iexp what; do
  names+=("$name") files+=("$file") opts+=("$opt") decs+=("$dexp") infos+=("$iexp") whats+=("$what")
done <"$gen/manifest.tsv"

check_case() {
  local i="$1" name="${names[$1]}" file="$gen/${files[$1]}" t
  local -a extra=()
  [ "${opts[$i]}" = "-" ] || read -r -a extra <<<"${opts[$i]}"
  local tag="${name//#/_}" worst_cpu=0 worst_rss=0
  problems=()
  for t in "${threads[@]}"; do
    local png="$work/out/$tag.t$t.png"
    rm -f "$png"
    run_tool "$tag.dec$t" -- "$dec" --quiet --threads "$t" "${extra[@]}" "$file" "$png"
    local before=${#problems[@]}
    judge_run "heic-dec --threads $t" "${decs[$i]}" "$tag.dec$t" "$png"
    [ ${#problems[@]} -eq "$before" ] && rm -f "$png"
    worst_cpu="$(awk -v a="$worst_cpu" -v b="$RUN_CPU" 'BEGIN { print (b != "?" && b + 0 > a + 0) ? b : a }')"
    [ "$RUN_RSS" = "?" ] || [ "$RUN_RSS" -le "$worst_rss" ] || worst_rss="$RUN_RSS"
  done
  # heic-info has no threads: once per file (the #variants share the file).
  # The manifest's expectation is about the box-level view (--verbose); the
  # summary must give the same exit status, within the same bounds.
  if [ "$name" = "${name%%#*}" ]; then
    local sexp="${infos[$i]%%:*}"
    [ "$sexp" = any ] || sexp="$sexp:."
    run_tool "$tag.info" -- "$info" --verbose "$file"
    judge_run "heic-info --verbose" "${infos[$i]}" "$tag.info" ""
    worst_cpu="$(awk -v a="$worst_cpu" -v b="$RUN_CPU" 'BEGIN { print (b != "?" && b + 0 > a + 0) ? b : a }')"
    [ "$RUN_RSS" = "?" ] || [ "$RUN_RSS" -le "$worst_rss" ] || worst_rss="$RUN_RSS"
    run_tool "$tag.summary" -- "$info" "$file"
    judge_run "heic-info" "$sexp" "$tag.summary" ""
    worst_cpu="$(awk -v a="$worst_cpu" -v b="$RUN_CPU" 'BEGIN { print (b != "?" && b + 0 > a + 0) ? b : a }')"
    [ "$RUN_RSS" = "?" ] || [ "$RUN_RSS" -le "$worst_rss" ] || worst_rss="$RUN_RSS"
  fi
  local verdict=ok
  [ ${#problems[@]} -eq 0 ] || verdict=FAIL
  {
    printf '%s\t%-28s %-52s max %5ss %6s KB\n' "$verdict" "$name" "${decs[$i]:0:52}" "$worst_cpu" "$worst_rss"
    if [ "$verdict" != ok ]; then
      echo "    ${whats[$i]}"
      printf '    %s\n' "${problems[@]}"
    fi
  } >"$work/res/$i.result"
}

echo
echo "== ${#names[@]} cases: heic-dec at --threads ${threads[*]}, heic-info" \
  "(CPU <= ${cpu_bound}s$([ "$rss_bound_kb" -gt 0 ] && echo ", peak RSS <= $((rss_bound_kb / 1024)) MB"))"
ids=("${!names[@]}")
run_jobs "$jobs" "$work/res" check_case "${ids[@]}"
tally_results "$work/res" "" "${ids[@]}"
passed="$TALLY_PASSED" failed="$TALLY_FAILED"

# ---- valgrind --------------------------------------------------------------
vg_passed=0 vg_failed=0 vg_skipped=0
if [ "$sanitizer" -eq 0 ]; then
  if ! command -v valgrind >/dev/null 2>&1; then
    echo "FAIL: valgrind is needed (scripts/install-deps.sh installs it)"
    vg_failed=1
  else
    vg_ids=()
    for i in "${ids[@]}"; do
      if [ "$(head -n1 "$work/res/$i.result" | cut -f1)" = ok ]; then
        vg_ids+=("$i")
      else
        vg_skipped=$((vg_skipped + 1))
      fi
    done
    vg_case() {
      local i="$1" name="${names[$1]}" file="$gen/${files[$1]}" run rc judged
      local -a extra=()
      [ "${opts[$i]}" = "-" ] || read -r -a extra <<<"${opts[$i]}"
      local tag="${name//#/_}" bad=()
      local -a runs=()
      local t
      for t in "${vg_threads[@]}"; do runs+=("dec$t"); done
      [ "$name" = "${name%%#*}" ] && runs+=("info")
      for run in "${runs[@]}"; do
        local log="$work/vg/$tag.$run.log"
        local -a cmd=()
        case "$run" in
          dec*) cmd=("$dec" --quiet --threads "${run#dec}" "${extra[@]}" "$file" "$work/vg/$tag.$run.png") ;;
          info) cmd=("$info" --verbose "$file") ;;
        esac
        rc=0
        (ulimit -t 300; exec timeout -k 5 600 valgrind --tool=memcheck --leak-check=full \
          --errors-for-leak-kinds=all --error-exitcode=99 \
          --suppressions="$here/valgrind_libde265.supp" --log-file="$log" "${cmd[@]}") \
          >"$work/vg/$tag.$run.out" 2>&1 || rc=$?
        judged="$(python3 "$here/valgrind_log.py" "$log" 2>&1)" || true
        if [ "${judged%% *}" != ok ]; then
          bad+=("$run: valgrind: ${judged#FAIL }")
        elif [ "$rc" -gt 1 ]; then
          bad+=("$run: exit $rc under valgrind")
        fi
        rm -f "$work/vg/$tag.$run.png"
      done
      if [ ${#bad[@]} -eq 0 ]; then
        printf 'ok\tvalgrind %s\n' "$name" >"$work/vg/$i.result"
      else
        {
          printf 'FAIL\tvalgrind %s\n' "$name"
          printf '    %s\n' "${bad[@]}"
          for run in "${runs[@]}"; do
            grep -v '^==[0-9]*== *$' "$work/vg/$tag.$run.log" | head -n 40 | sed 's/^/      /'
          done
        } >"$work/vg/$i.result"
      fi
    }
    echo
    echo "== valgrind $(valgrind --version): heic-dec --threads ${vg_threads[*]}, heic-info, over the" \
      "${#vg_ids[@]} cases that passed ($vg_skipped failed cases left out)"
    if [ ${#vg_ids[@]} -gt 0 ]; then
      run_jobs "$jobs" "$work/vg" vg_case "${vg_ids[@]}"
      # Only the failures: the passes are the cases listed above.
      tally_results "$work/vg" "" "${vg_ids[@]}" >"$work/vg/tally.txt"
      grep -v '^ok ' "$work/vg/tally.txt" || true
      vg_passed="$TALLY_PASSED" vg_failed="$TALLY_FAILED"
    fi
    echo "valgrind: $vg_passed passed, $vg_failed failed"
  fi
fi

echo
echo "$((passed + vg_passed)) passed, $((failed + vg_failed)) failed, $vg_skipped skipped"
[ "$failed" -eq 0 ] && [ "$vg_failed" -eq 0 ]
