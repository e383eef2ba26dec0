# shellcheck shell=bash
# Shared by the corpus scripts that run one check per item in parallel
# (encode_corpus.sh, valgrind_decode.sh, valgrind_encode.sh).  Sourced, not
# run.
#
# A check writes its verdict to a result file whose first line is
# "ok|FAIL<TAB>summary" and whose further lines (failures only) say why.

# run_jobs JOBS RESULT_DIR FUNC ID...: runs `FUNC ID` in the background
# for each ID, at most JOBS at a time, and waits for all of them.  FUNC
# writes RESULT_DIR/ID.result; a check that dies before writing it leaves
# the "no result" failure written here in its place.
run_jobs() {
  local jobs="$1" dir="$2" func="$3"
  shift 3
  local running=0 id
  for id in "$@"; do
    printf 'FAIL\t%s: no result (the check died)\n' "$id" >"$dir/$id.result"
    "$func" "$id" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n || true
      running=$((running - 1))
    fi
  done
  wait
}

# tally_results RESULT_DIR INDENT ID...: prints each result's summary line
# as "verdict summary", the details of failures indented by INDENT, and
# sets TALLY_PASSED and TALLY_FAILED.
tally_results() {
  local dir="$1" indent="$2"
  shift 2
  TALLY_PASSED=0
  TALLY_FAILED=0
  local id r verdict
  for id in "$@"; do
    r="$dir/$id.result"
    verdict="$(head -n1 "$r" | cut -f1)"
    printf '%-4s %s\n' "$verdict" "$(head -n1 "$r" | cut -f2-)"
    if [ "$verdict" = ok ]; then
      TALLY_PASSED=$((TALLY_PASSED + 1))
    else
      TALLY_FAILED=$((TALLY_FAILED + 1))
      tail -n +2 "$r" | sed "s/^/$indent/"
    fi
  done
}
