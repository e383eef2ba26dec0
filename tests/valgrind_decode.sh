#!/usr/bin/env bash
# Runs heic-dec under valgrind (memcheck, --leak-check=full
# --errors-for-leak-kinds=all: every leak kind, still-reachable included,
# is an error) over the corpus: every file under CORPUS/heif of at most
# MAX_BYTES, and of each bigger file its first thumbnail (--thumb), when it
# has one that heic-dec decodes (the phone and camera photos: iPhone grids,
# the Sony 10-bit 4:2:2 .HIF, the truncated iPhone file, libheif's example).
# MAX_BYTES is 200 KB by default (ctest's valgrind_decode: the conformance
# files up to 200 KB, Nokia's small ones, the variants, the fuzz and
# malformed files, a small grid and the iPhone XS edit) and 1 MB with
# --full, which adds the 224-300 KB conformance and Nokia files (C008, C013,
# stereo, autumn) and the full-size decodes of the big grids - the 12 MP iPhone 8
# Plus photo (48 tiles; decoded in full even if a bigger corpus file), the
# Xiaomi photo (24 tiles, 192 KB of Exif), C007 (2x2 of 720p), libheif's
# example.heic - 105 s alone on 2 cores (their primary images are decoded
# under ASan by corpus_decode in the sanitizer tree).
#
# heic-dec may succeed or fail cleanly (exit 0 or 1); any valgrind error,
# leak, signal or other exit status fails the test.  The one suppression is
# libde265's own defect on 10-bit 4:2:2 streams
# (tests/valgrind_libde265.supp, reproduced with libde265 alone by
# tests/valgrind_thirdparty.sh).  Two files run at a time.  Exit 77
# (skipped) without valgrind or corpus.
#
# usage: valgrind_decode.sh [--full] HEIC_DEC CORPUS_DIR [MAX_BYTES]
set -euo pipefail

full=0
if [ "${1:-}" = "--full" ]; then
  full=1
  shift
fi
dec="${1:?usage: valgrind_decode.sh [--full] HEIC_DEC CORPUS_DIR [MAX_BYTES]}"
corpus="${2:?}"
if [ "$full" -eq 1 ]; then
  max_bytes="${3:-1048576}"
else
  max_bytes="${3:-204800}"
fi
# --full decodes this one in full whatever its size.
big="iphone/iphone8plus_arrow_3024x4032.heic"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/jobs.sh
source "$here/lib/jobs.sh"
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
if [ "$full" -eq 1 ] && [ -f "$corpus/heif/$big" ]; then
  already=0
  for f in "${files[@]}"; do
    [ "$f" = "$corpus/heif/$big" ] && already=1
  done
  [ "$already" -eq 1 ] || files+=("$corpus/heif/$big")
fi
# An entry "FILE|--thumb" decodes the file's first thumbnail: one for each
# bigger file that has one, i.e. whose thumbnail heic-dec, tried without
# valgrind, does not refuse with a clean error (exit 1): a crash or a leak
# there is kept, for the valgrind run to report.
n_thumbs=0
while IFS= read -r -d '' f; do
  rc=0
  "$dec" --quiet --thumb "$f" "$tmp/thumb-probe.png" >/dev/null 2>&1 || rc=$?
  if [ "$rc" -ne 1 ]; then
    files+=("$f|--thumb")
    n_thumbs=$((n_thumbs + 1))
  fi
  rm -f "$tmp/thumb-probe.png"
done < <(find "$corpus/heif" -type f -size +"$max_bytes"c -print0 | sort -z)

# One file: writes $tmp/N.result with "ok|FAIL<TAB>line".
check_one() {
  local n="$1" spec="${files[$1]}"
  local file="${spec%%|*}" opts=""
  [ "$spec" = "$file" ] || opts="${spec#*|}"
  local rel="${file#"$corpus"/heif/}${opts:+ $opts}"
  # PNG and Y4M in turn (--full: PNG): both writers run under valgrind,
  # and zlib's deflate - over half of a PNG run there: C006 takes 4.0 s to
  # PNG, 1.8 s to Y4M - only every other time
  local ext=png
  [ $((n % 2)) -eq 1 ] && [ "$full" -eq 0 ] && ext=y4m
  local log="$tmp/$n.vg" out="$tmp/$n.$ext"
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

echo "valgrind $(valgrind --version) over ${#files[@]} files (<= $max_bytes bytes$([ "$full" -eq 0 ] || echo ", $big"); the" \
  "thumbnails of $n_thumbs bigger ones), $jobs at a time"
run_jobs "$jobs" "$tmp" check_one "${!files[@]}"
tally_results "$tmp" "" "${!files[@]}"
passed="$TALLY_PASSED"
failed="$TALLY_FAILED"
echo
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
