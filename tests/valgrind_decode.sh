#!/usr/bin/env bash
# Runs heic-dec under valgrind (memcheck, --leak-check=full
# --errors-for-leak-kinds=all: every leak kind, still-reachable included,
# is an error) over the corpus: every file under CORPUS/heif of at most
# MAX_BYTES (default 1 MB), plus one big grid photo and the thumbnail of
# the Sony 10-bit 4:2:2 .HIF.  heic-dec may succeed or fail cleanly (exit 0
# or 1); any valgrind error, leak, signal or other exit status fails the
# test.  The one suppression is libde265's own defect on 10-bit 4:2:2
# streams (tests/valgrind_libde265.supp, reproduced with libde265 alone by
# tests/valgrind_thirdparty.sh).  Two files run at a time.  Exit 77
# (skipped) without valgrind or corpus.
#
# usage: valgrind_decode.sh HEIC_DEC CORPUS_DIR [MAX_BYTES]
set -euo pipefail

dec="${1:?usage: valgrind_decode.sh HEIC_DEC CORPUS_DIR [MAX_BYTES]}"
corpus="${2:?}"
max_bytes="${3:-1048576}"
big="iphone/iphone8plus_arrow_3024x4032.heic"
# Bigger than MAX_BYTES, decoded for its 10-bit 4:2:2 thumbnail (--thumb).
thumb_of="camera/sony_a7s3_10bit_4240x2832.hif"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jobs=2

if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind not installed"
  exit 77
fi
if [ ! -d "$corpus/heif" ]; then
  echo "SKIP: corpus not found at $corpus/heif"
  exit 77
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

files=()
while IFS= read -r -d '' f; do
  files+=("$f")
done < <(find "$corpus/heif" -type f -size -"$((max_bytes + 1))"c -print0 | sort -z)
if [ -f "$corpus/heif/$big" ]; then
  already=0
  for f in "${files[@]}"; do
    [ "$f" = "$corpus/heif/$big" ] && already=1
  done
  [ "$already" -eq 1 ] || files+=("$corpus/heif/$big")
fi
# An entry "FILE|--thumb" decodes the file's first thumbnail.
if [ -f "$corpus/heif/$thumb_of" ]; then
  files+=("$corpus/heif/$thumb_of|--thumb")
fi

# One file: writes $tmp/N.result with "ok|FAIL<TAB>line".
check_one() {
  local n="$1" file="${2%%|*}" opts=""
  [ "$2" = "$file" ] || opts="${2#*|}"
  local rel="${file#"$corpus"/heif/}${opts:+ $opts}"
  local log="$tmp/$n.vg" out="$tmp/$n.png"
  local rc=0 start end
  start="$(date +%s)"
  # valgrind's status 99 marks its errors (heic-dec's own are 1..4)
  # shellcheck disable=SC2086 # opts is a list of options
  timeout 1200 valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=all \
    --error-exitcode=99 --suppressions="$here/valgrind_libde265.supp" \
    --log-file="$log" \
    "$dec" --quiet $opts "$file" "$out" >"$tmp/$n.out" 2>&1 || rc=$?
  end="$(date +%s)"
  local verdict="ok" why="" judged
  judged="$(python3 "$here/valgrind_log.py" "$log")" || true
  if [ "${judged%% *}" != "ok" ]; then
    verdict="FAIL"
    why="valgrind: ${judged#FAIL }"
  elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    # exit 1 is a clean "cannot decode"; valgrind reports itself above
    verdict="FAIL"
    why="heic-dec exit $rc"
  fi
  local what="decoded"
  [ "$rc" -eq 1 ] && what="clean error"
  printf '%s\t%-60s %-12s %4ss %s\n' "$verdict" "$rel" "$what" "$((end - start))" "$why" \
    >"$tmp/$n.result"
  if [ "$verdict" != "ok" ]; then
    {
      echo "---- valgrind log for $rel"
      grep -v '^==[0-9]*== *$' "$log" | head -n 80
      echo "---- heic-dec output"
      head -n 20 "$tmp/$n.out"
    } >>"$tmp/$n.result"
  fi
}

echo "valgrind $(valgrind --version) over ${#files[@]} files (<= $max_bytes bytes, plus $big" \
  "and $thumb_of --thumb), $jobs at a time"
running=0
for i in "${!files[@]}"; do
  check_one "$i" "${files[$i]}" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

passed=0
failed=0
for i in "${!files[@]}"; do
  if [ ! -f "$tmp/$i.result" ]; then
    echo "FAIL ${files[$i]%%|*}: no result"
    failed=$((failed + 1))
    continue
  fi
  head -n1 "$tmp/$i.result" | cut -f2-
  if [ "$(head -n1 "$tmp/$i.result" | cut -f1)" = "ok" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    tail -n +2 "$tmp/$i.result"
  fi
done
echo
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
