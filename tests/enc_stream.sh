#!/usr/bin/env bash
# heic-enc reads and encodes a PNG or JPEG band by band (issue 17): the same file
# as the whole-image path, memory that follows the picture's width, and
# nothing left behind when it is stopped or the input fails half way.
#
#  1. Corpus PNGs and JPEGs up to 2 MB (colour, grey, 16-bit, alpha, odd sizes, Exif orientation) at default
#     settings and as a grid of partial 256x256 tiles with a thumbnail:
#     heic-enc (streaming) and heic-enc --no-stream (the whole image read
#     first) must write the same bytes.
#  2. An 8192x8192 PNG made from the 12 MP iPhone photo (tiled, so it has
#     a photo's detail everywhere): heic-enc at default settings and
#     --threads 2 (a grid of 8x8 tiles of 1024) peaks under MAX_RSS_KB
#     (GNU time's %M, the child's getrusage), and --no-stream makes the
#     same file.  That file decoded by heic-dec --threads 2 (a row of tiles
#     at a time) peaks under DEC_RSS_KB and gives the same Y4M as dec_whole
#     (tests/tools/dec_whole.c, the whole-image decode).  --quick
#     (sanitizer builds): a 1024x768 crop instead, with --tile 256, and no
#     RSS bound.
#  3. SIGINT while the big picture is being coded: exit 130, no output,
#     no temporary file; a PNG cut short inside its pixels and a JPEG cut
#     inside its scan: exit 1 (the file is truncated), no output.
# Needs vips (libvips-tools) to make the big PNG; exit 77 (skipped)
# without it or without the corpus.
#
# usage: enc_stream.sh [--quick] HEIC_ENC CORPUS_DIR HEIC_DEC DEC_WHOLE
set -euo pipefail

quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
enc="${1:?usage: enc_stream.sh [--quick] HEIC_ENC CORPUS_DIR HEIC_DEC DEC_WHOLE}"
corpus="${2:?}"
dec="${3:?}"
whole="${4:?}"
# Issue 17 asks 200 MP under 80 MB, encode and decode (12240 wide: 67 and
# 36 MB measured); 8192 wide takes 48 and 29 MB (the decode holds 8-bit
# strips: 43 MB when they were 16-bit).
max_rss_kb=$((64 * 1024))
dec_rss_kb=$((40 * 1024))
photo="$corpus/inputs/png/iphone13promax_4032x3024.png"

if [ ! -f "$photo" ]; then
  echo "SKIP: corpus not found at $corpus/inputs/png"
  exit 77
fi
if ! command -v vips > /dev/null 2>&1; then
  echo "SKIP: vips (libvips-tools) is needed to make the large PNG"
  exit 77
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}exitcode=86"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
mkdir -p "$out"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. same bytes, streamed or whole
for f in "$corpus"/inputs/png/*.png "$corpus"/inputs/jpeg/*.jpg; do
  # files up to 2 MB (every kind: grey, alpha, 16-bit, odd, 1x1;
  # sanitizer trees: up to 400 KB), the big picture follows
  [ "$(stat -c %s "$f")" -gt $((quick ? 400000 : 2000000)) ] && continue
  for opts in "" "--tile 256 -t 64"; do
    # shellcheck disable=SC2086
    "$enc" --quiet $opts "$f" -o "$out/s.heic" || { bad "$(basename "$f") [$opts]: streamed encode failed"; continue; }
    # shellcheck disable=SC2086
    "$enc" --quiet --no-stream $opts "$f" -o "$out/w.heic" || { bad "$(basename "$f") [$opts]: whole encode failed"; continue; }
    if cmp -s "$out/s.heic" "$out/w.heic"; then
      ok "$(basename "$f") [$opts]: same $(stat -c %s "$out/s.heic") bytes"
    else
      bad "$(basename "$f") [$opts]: streamed and whole files differ"
    fi
  done
done
rm -f "$out"/*.heic

# 2. the big picture
if [ "$quick" = 1 ]; then
  big="$tmp/big_1024x768.png"
  vips crop "$photo" "$big[compression=1]" 1000 900 1024 768
  big_opts="--tile 256"
else
  big="$tmp/big_8192x8192.png"
  vips arrayjoin "$photo $photo $photo $photo $photo $photo $photo $photo $photo" "$tmp/join.v" --across 3
  vips crop "$tmp/join.v" "$big[compression=1]" 0 0 8192 8192
  rm -f "$tmp/join.v"
  big_opts=""
fi
# shellcheck disable=SC2086
/usr/bin/time -f "%M %e %U %S" -o "$tmp/time" "$enc" --quiet --threads 2 $big_opts "$big" -o "$out/big.heic" ||
  bad "$(basename "$big"): streamed encode failed"
read -r rss wall user sys < "$tmp/time"
echo "$(basename "$big") streamed: peak RSS $((rss / 1024)) MB, ${wall} s, CPU $user + $sys s, $(stat -c %s "$out/big.heic") bytes"
if [ "$quick" = 0 ]; then
  if [ "$rss" -le "$max_rss_kb" ]; then
    ok "peak RSS $rss KB <= $max_rss_kb KB"
  else
    bad "peak RSS $rss KB > $max_rss_kb KB"
  fi
fi
# shellcheck disable=SC2086
/usr/bin/time -f "%M %e" -o "$tmp/time" "$enc" --quiet --threads 2 --no-stream $big_opts "$big" -o "$out/big_whole.heic" ||
  bad "$(basename "$big"): whole encode failed"
read -r rss_w wall_w < "$tmp/time"
echo "$(basename "$big") whole: peak RSS $((rss_w / 1024)) MB, ${wall_w} s"
if cmp -s "$out/big.heic" "$out/big_whole.heic"; then
  ok "$(basename "$big"): streamed and whole files are the same"
else
  bad "$(basename "$big"): streamed and whole files differ"
fi
# ... and back, a row of tiles at a time: the whole-image decode's pixels
/usr/bin/time -f "%M %e" -o "$tmp/time" "$dec" --quiet --threads 2 "$out/big.heic" "$out/big.y4m" ||
  bad "$(basename "$big"): heic-dec failed"
read -r rss_d wall_d < "$tmp/time"
echo "$(basename "$big") decoded by heic-dec to Y4M: peak RSS $((rss_d / 1024)) MB, ${wall_d} s"
if [ "$quick" = 0 ]; then
  if [ "$rss_d" -le "$dec_rss_kb" ]; then
    ok "decode peak RSS $rss_d KB <= $dec_rss_kb KB"
  else
    bad "decode peak RSS $rss_d KB > $dec_rss_kb KB"
  fi
fi
"$whole" "$out/big.heic" "$out/big_whole.y4m" y4m || bad "$(basename "$big"): dec_whole failed"
if cmp -s "$out/big.y4m" "$out/big_whole.y4m"; then
  ok "$(basename "$big"): heic-dec and the whole-image decode give the same Y4M"
else
  bad "$(basename "$big"): heic-dec and the whole-image decode differ"
fi
rm -f "$out"/*.heic "$out"/*.y4m

# 3. stopped half way, and an input cut short
if [ "$quick" = 0 ]; then
  # shellcheck disable=SC2086
  "$enc" --quiet --threads 2 $big_opts "$big" -o "$out/stopped.heic" 2> "$tmp/err" &
  pid=$!
  sleep 3
  kill -INT "$pid" 2> /dev/null || true
  rc=0
  wait "$pid" || rc=$?
  if [ "$rc" -eq 130 ] && [ -z "$(ls -A "$out")" ]; then
    ok "SIGINT after 3 s of the big encode: exit 130, nothing left"
  else
    bad "SIGINT after 3 s: exit $rc, left: $(ls -A "$out")"
    cat "$tmp/err"
  fi
fi
size=$(stat -c %s "$big")
head -c $((size * 2 / 3)) "$big" > "$tmp/cut.png"
rc=0
"$enc" --quiet --threads 2 "$tmp/cut.png" -o "$out/cut.heic" 2> "$tmp/err" || rc=$?
if [ "$rc" -eq 1 ] && [ -z "$(ls -A "$out")" ] && grep -q truncated "$tmp/err"; then
  ok "a PNG cut inside its pixels: exit 1 ($(head -1 "$tmp/err")), nothing left"
else
  bad "a PNG cut inside its pixels: exit $rc, left: $(ls -A "$out")"
  cat "$tmp/err"
fi

jpeg="$corpus/inputs/jpeg/kite_2560x1600_olympus.jpg"
if [ -f "$jpeg" ]; then
  head -c 200000 "$jpeg" > "$tmp/cut.jpg"
  rc=0
  "$enc" --quiet --threads 2 "$tmp/cut.jpg" -o "$out/cut.heic" 2> "$tmp/err" || rc=$?
  if [ "$rc" -eq 1 ] && [ -z "$(ls -A "$out")" ] && grep -q truncated "$tmp/err"; then
    ok "a JPEG cut inside its scan: exit 1 ($(head -1 "$tmp/err")), nothing left"
  else
    bad "a JPEG cut inside its scan: exit $rc, left: $(ls -A "$out")"
    cat "$tmp/err"
  fi
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all passed"
