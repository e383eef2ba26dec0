#!/usr/bin/env bash
# heic-dec writes its output band by band (issue 17): the same bytes as the
# whole-image path, memory that follows the picture's width, and nothing
# left behind when it stops or fails half way.
#
#  1. Every file under CORPUS/heif to PNG, JPEG and Y4M with heic-dec and
#     with dec_whole (tests/tools/dec_whole.c: heic_context_decode_item,
#     then imageio's whole-image writers, the path heic-dec had before):
#     where heic-dec writes an output, dec_whole must write the same bytes;
#     where it fails, dec_whole must fail too and no output may be left.
#  2. Peak RSS (GNU time's %M, the child's getrusage) of heic-dec
#     --threads 2 on the 12 MP iPhone grid (8x6 tiles of 512x512) under
#     MAX_RSS_KB to PNG and to Y4M, to a file and to standard output (the
#     same bytes).  (JPEG is not bounded here: libjpeg
#     keeps every DCT coefficient for its optimised Huffman tables, 36 MB
#     at 12 MP; see imageio/jpeg_write.h.)
#  3. Stops and failures after bands were written leave nothing: --timeout
#     at several points of the grid's decode (status 124, or 0 with the
#     whole output), a grid whose last tile is damaged (status 1), and the
#     same to standard output (empty); no temporary file left in the
#     output's directory or in TMPDIR (the Y4M chroma spool).
#
# Part 1 writes every file as Y4M, and as PNG and JPEG those up to 1 MB
# (the band logic is the decoder's, the same for every format; the PNG and
# JPEG row writers are checked band by band by imageio_rows, and part 2
# writes the 12 MP grid as PNG); --full: every file in every format.  --quick (sanitizer builds): corpus files up to 300 KB
# in part 1, no part 2.
# Exit 77 (skipped) when the corpus is absent.
#
# usage: dec_stream.sh [--quick|--full] HEIC_DEC DEC_WHOLE CORPUS_DIR
set -euo pipefail

quick=0 full=0
case "${1:-}" in
  --quick) quick=1; shift ;;
  --full) full=1; shift ;;
esac
dec="${1:?usage: dec_stream.sh [--quick|--full] HEIC_DEC DEC_WHOLE CORPUS_DIR}"
whole="${2:?}"
corpus="${3:?}"
# Issue 17: "The 12 MP iPhone grid -> PNG peaks under 40 MB".
max_rss_kb=40960
grid="$corpus/heif/iphone/iphone13promax_4032x3024.heic"

if [ ! -d "$corpus/heif" ]; then
  echo "SKIP: corpus not found at $corpus/heif (it lives in ../shared beside the project)"
  exit 77
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}exitcode=86"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# heic-dec's own TMPDIR (where the Y4M spool goes), checked empty after
# every run; the outputs go to out/, checked to hold only what is expected.
spool="$tmp/spool"
out="$tmp/out"
mkdir -p "$spool" "$out"

failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

# leftovers WHAT EXPECTED...: fails unless out/ holds exactly EXPECTED (file
# names) and the spool directory nothing.
leftovers() {
  local what="$1"
  shift
  local want have
  want="$(printf '%s\n' "$@" | sed '/^$/d' | sort)"
  have="$(cd "$out" && find . -mindepth 1 -printf '%P\n' | sort)"
  [ "$have" = "$want" ] || fail "$what: left in the output directory: ${have:-nothing} (expected: ${want:-nothing})"
  [ -z "$(ls -A "$spool")" ] || fail "$what: left in TMPDIR: $(ls -A "$spool")"
}

run_dec() { TMPDIR="$spool" "$dec" "$@"; }

# ---- 1. the same bytes as the whole-image path -------------------------
same=0 refused=0
while IFS= read -r -d '' f; do
  name="${f#"$corpus"/heif/}"
  bytes=$(stat -c %s "$f")
  if [ "$quick" = 1 ] && [ "$bytes" -gt 307200 ]; then continue; fi
  formats="png jpg y4m"
  if [ "$full" = 0 ] && [ "$bytes" -gt 1048576 ]; then formats="y4m"; fi
  for fmt in $formats; do
    rm -rf "$out" && mkdir -p "$out"
    set +e
    # (--no-metadata: dec_whole writes pixels only; cli_heic_dec checks
    # the metadata heic-dec copies)
    run_dec --quiet --no-metadata "$f" "$out/a.$fmt" >"$tmp/dec.err" 2>&1
    drc=$?
    "$whole" "$f" "$tmp/ref.$fmt" "$fmt" no-metadata >"$tmp/ref.err" 2>&1
    wrc=$?
    set -e
    if [ "$drc" -ge 4 ] || [ "$wrc" -ge 4 ]; then
      fail "$name -> $fmt: heic-dec status $drc, dec_whole status $wrc"
      sed 's/^/    /' "$tmp/dec.err" "$tmp/ref.err" | head -20
    elif [ "$drc" = 0 ]; then
      if [ "$wrc" != 0 ]; then
        fail "$name -> $fmt: heic-dec wrote it, the whole-image path did not: $(head -c 300 "$tmp/ref.err")"
      elif ! cmp -s "$out/a.$fmt" "$tmp/ref.$fmt"; then
        fail "$name -> $fmt: heic-dec's output differs from the whole-image path's ($(cmp "$out/a.$fmt" "$tmp/ref.$fmt" 2>&1 | head -c 200))"
      else
        same=$((same + 1))
      fi
      leftovers "$name -> $fmt" "a.$fmt"
    else
      [ "$wrc" != 0 ] || fail "$name -> $fmt: heic-dec failed ($drc: $(head -c 300 "$tmp/dec.err")), the whole-image path did not"
      refused=$((refused + 1))
      leftovers "$name -> $fmt (status $drc)"
    fi
    rm -f "$tmp/ref.$fmt"
  done
done < <(find "$corpus/heif" -type f -print0 | sort -z)
echo "same bytes as the whole-image path: $same outputs; refused by both: $refused"

if [ ! -f "$grid" ]; then
  echo "SKIP: $grid not in the corpus: no memory or cancellation checks"
  [ "$failures" = 0 ] || exit 1
  exit 0
fi

# ---- 2. peak RSS -------------------------------------------------------
if [ "$quick" = 0 ]; then
  [ -x /usr/bin/time ] || { echo "FAIL: /usr/bin/time (GNU time) is needed to measure peak RSS"; exit 1; }
  for fmt in png y4m; do
    rm -rf "$out" && mkdir -p "$out"
    if ! TMPDIR="$spool" /usr/bin/time -f %M -o "$tmp/rss" "$dec" --quiet --threads 2 "$grid" "$out/a.$fmt"; then
      fail "12 MP grid -> $fmt: heic-dec failed"
      continue
    fi
    kb="$(tail -n1 "$tmp/rss")"
    echo "12 MP grid -> $fmt at 2 threads: peak RSS $((kb / 1024)) MB (limit $((max_rss_kb / 1024)) MB)"
    [ "$kb" -lt "$max_rss_kb" ] || fail "12 MP grid -> $fmt: peak RSS $kb KB, over $max_rss_kb KB"
    # Standard output holds the file until complete: past 4 MiB in the
    # spool, not in memory (imageio/outfile.h).
    if ! TMPDIR="$spool" /usr/bin/time -f %M -o "$tmp/rss" "$dec" --quiet --threads 2 -f "$fmt" "$grid" - >"$tmp/stdout.$fmt"; then
      fail "12 MP grid -> $fmt on standard output: heic-dec failed"
      continue
    fi
    kb="$(tail -n1 "$tmp/rss")"
    echo "12 MP grid -> $fmt on standard output: peak RSS $((kb / 1024)) MB"
    [ "$kb" -lt "$max_rss_kb" ] || fail "12 MP grid -> $fmt on standard output: peak RSS $kb KB, over $max_rss_kb KB"
    cmp -s "$tmp/stdout.$fmt" "$out/a.$fmt" || fail "12 MP grid -> $fmt: standard output differs from the file"
    leftovers "12 MP grid -> $fmt on standard output" "a.$fmt"
    rm -f "$tmp/stdout.$fmt"
  done
fi

# ---- 3. stops and failures after bands were written --------------------
"$whole" "$grid" "$tmp/grid.png" png
for t in 0.3 1 2 3.5; do
  for fmt in png y4m; do
    rm -rf "$out" && mkdir -p "$out"
    set +e
    run_dec --quiet --timeout "$t" "$grid" "$out/a.$fmt" 2>"$tmp/dec.err"
    rc=$?
    set -e
    if [ "$rc" = 124 ]; then
      echo "--timeout $t -> $fmt: stopped (124), nothing left"
      leftovers "--timeout $t -> $fmt"
    elif [ "$rc" = 0 ]; then
      echo "--timeout $t -> $fmt: finished before the deadline"
      # Finished before the deadline (a fast machine): then whole.
      [ "$fmt" != png ] || cmp -s "$out/a.png" "$tmp/grid.png" || fail "--timeout $t -> png: finished, but not the same bytes"
      leftovers "--timeout $t -> $fmt (finished)" "a.$fmt"
    else
      fail "--timeout $t -> $fmt: status $rc, expected 124: $(head -c 300 "$tmp/dec.err")"
    fi
  done
done

# The grid with its last tile's first NAL length made absurd: the decode
# fails on the last row of tiles, after the bands above it were written.
python3 - "$grid" "$tmp/damaged.heic" "$(dirname "$0")/tools" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from heif_boxes import boxes, parse_iloc

def child(d, s, e, kind):
    for k, cs, ce in boxes(d, s, e):
        if k == kind:
            return cs, ce
    raise ValueError("no %s box" % kind)

d = bytearray(open(sys.argv[1], "rb").read())
ms, me = child(d, 0, len(d), "meta")
ms += 4  # full box header
method, ext = parse_iloc(d, *child(d, ms, me, "iloc"))[48]  # the grid's last tile
assert method == 0
off = ext[0][0]
d[off:off + 4] = b"\xff\xff\xff\xf0"
open(sys.argv[2], "wb").write(d)
PY
for fmt in png jpg y4m; do
  rm -rf "$out" && mkdir -p "$out"
  set +e
  run_dec --threads 1 "$tmp/damaged.heic" "$out/a.$fmt" >/dev/null 2>"$tmp/dec.err"
  rc=$?
  run_dec --quiet --threads 1 -f "$fmt" "$tmp/damaged.heic" - >"$tmp/stdout.$fmt" 2>/dev/null
  src=$?
  set -e
  [ "$rc" = 1 ] || fail "damaged last tile -> $fmt: status $rc, expected 1: $(head -c 300 "$tmp/dec.err")"
  grep -q "item 49" "$tmp/dec.err" || fail "damaged last tile -> $fmt: no message about item 49: $(head -c 300 "$tmp/dec.err")"
  leftovers "damaged last tile -> $fmt"
  [ "$src" = 1 ] && [ ! -s "$tmp/stdout.$fmt" ] ||
    fail "damaged last tile -> $fmt on standard output: status $src, $(stat -c %s "$tmp/stdout.$fmt") bytes written (expected 1, none)"
done

if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed"
