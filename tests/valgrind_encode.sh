#!/usr/bin/env bash
# Runs heic-enc (builtin encoder) under valgrind (memcheck, full leak check)
# on three corpus photos, each exercising a different part of the encoder:
#
#   png/odd_1001x667_flower.png          --tile 256: a 4x3 grid of tiles,
#                                        encoded in parallel (--threads 2)
#   png/wesaturate_tmshre_alpha_500x500.png   alpha auxiliary image, ICC
#   jpeg/paris_exif_orientation_5.jpg    JPEG reader, Exif, irot/imir
#
# Any valgrind error or leak, or a heic-enc status other than 0 (4 would be
# outstanding allocator bytes), fails the test; the output must be read by
# heic-info afterwards.  x265 under valgrind is left out (libx265's own
# reports are known and tracked separately).  Two photos run at a time.
# Exit 77 (skipped) without valgrind or the corpus.
#
# usage: valgrind_encode.sh HEIC_ENC HEIC_INFO CORPUS_DIR
set -euo pipefail

enc="${1:?usage: valgrind_encode.sh HEIC_ENC HEIC_INFO CORPUS_DIR}"
info="${2:?}"
corpus="${3:?}"
jobs=2

# name|input (under CORPUS/inputs)|extra heic-enc options
cases=(
  "grid|png/odd_1001x667_flower.png|--tile 256 --threads 2"
  "alpha|png/wesaturate_tmshre_alpha_500x500.png|"
  "exif|jpeg/paris_exif_orientation_5.jpg|"
)

if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind not installed"
  exit 77
fi
if [ ! -d "$corpus/inputs" ]; then
  echo "SKIP: corpus not found at $corpus/inputs"
  exit 77
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One case: writes $tmp/N.result with "ok|FAIL<TAB>line", then details.
check_one() {
  local n="$1" spec="$2"
  local name rel opts
  IFS='|' read -r name rel opts <<<"$spec"
  local input="$corpus/inputs/$rel"
  local log="$tmp/$n.vg" out="$tmp/$n.heic"
  if [ ! -f "$input" ]; then
    printf 'FAIL\t%-6s %-44s not in the corpus\n' "$name" "$rel" >"$tmp/$n.result"
    return
  fi
  local rc=0 start end
  start="$(date +%s)"
  # shellcheck disable=SC2086 # opts is a list of options
  timeout 1200 valgrind --tool=memcheck --leak-check=full --error-exitcode=1 \
    --log-file="$log" \
    "$enc" --quiet -q 75 $opts "$input" -o "$out" >"$tmp/$n.out" 2>&1 || rc=$?
  end="$(date +%s)"
  local errors leaked
  errors="$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n1)"
  leaked="$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n1)"
  local verdict="ok" why=""
  if [ -z "$errors" ]; then
    verdict="FAIL"
    why="no valgrind summary (killed? status $rc)"
  elif [ "$errors" -ne 0 ]; then
    verdict="FAIL"
    why="$errors valgrind errors"
  elif [ "$rc" -ne 0 ]; then
    verdict="FAIL"
    why="heic-enc exit $rc"
  elif ! "$info" "$out" >"$tmp/$n.info" 2>&1; then
    verdict="FAIL"
    why="heic-info cannot read the output"
  fi
  local bytes=0
  [ -f "$out" ] && bytes="$(wc -c <"$out" | tr -d ' ')"
  printf '%s\t%-6s %-44s %-24s %8s B  %4ss  definitely lost: %s bytes %s\n' \
    "$verdict" "$name" "$rel" "${opts:-(defaults)}" "$bytes" "$((end - start))" \
    "${leaked:-0}" "$why" >"$tmp/$n.result"
  if [ "$verdict" != "ok" ]; then
    {
      echo "---- valgrind log for $rel"
      grep -v '^==[0-9]*== *$' "$log" | head -n 80
      echo "---- heic-enc output"
      head -n 20 "$tmp/$n.out"
      [ -f "$tmp/$n.info" ] && head -n 20 "$tmp/$n.info"
    } >>"$tmp/$n.result"
  fi
}

echo "valgrind $(valgrind --version): heic-enc -q 75 on ${#cases[@]} photos, $jobs at a time"
running=0
for i in "${!cases[@]}"; do
  check_one "$i" "${cases[$i]}" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

passed=0
failed=0
for i in "${!cases[@]}"; do
  if [ ! -f "$tmp/$i.result" ]; then
    echo "FAIL ${cases[$i]}: no result"
    failed=$((failed + 1))
    continue
  fi
  verdict="$(head -n1 "$tmp/$i.result" | cut -f1)"
  printf '%-4s %s\n' "$verdict" "$(head -n1 "$tmp/$i.result" | cut -f2-)"
  if [ "$verdict" = "ok" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    tail -n +2 "$tmp/$i.result"
  fi
done
echo
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
