#!/usr/bin/env bash
# Builds the seed directory of one fuzz target, at run time, so that no
# corpus file is copied into the repository.
#
#   make_seeds.sh TARGET CORPUS_DIR DATA_DIR OUT_DIR [MAX_BYTES]
#
# TARGET is decode, encode, imageio or parse.  OUT_DIR is emptied and refilled.
#  decode, parse:
#           every file under CORPUS_DIR/heif of at most MAX_BYTES (default
#           102400: bigger files slow the fuzzer's mutations down and add
#           little structure), else DATA_DIR's HEIF/AVIF samples; and when
#           HEIC_FUZZ_HEIC_ENC names a heic-enc binary (and python3 is
#           there), the hostile files of tests/tools/make_hostile.py of at
#           most MAX_BYTES, made from a donor that heic-enc writes;
#  imageio: the small PNG and JPEG files of CORPUS_DIR/inputs (at most
#           MAX_BYTES, default 65536) - else DATA_DIR/ref's PNGs - plus
#           small Y4M files made here (the corpus's are megabytes);
#  encode:  hand-made parameter blobs (see fuzz_encode.c for the layout).
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 decode|encode|imageio|parse CORPUS_DIR DATA_DIR OUT_DIR [MAX_BYTES]" >&2
  exit 2
fi
target="$1" corpus="$2" data="$3" out="$4" max="${5:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mkdir -p "$out"
find "$out" -mindepth 1 -maxdepth 1 -type f -delete

# copy_small DIR MAX: regular files of DIR (recursively) up to MAX bytes;
# the name keeps its parent directory so files of different sets that share
# a name do not overwrite each other.
copy_small() {
  local dir="$1" limit="$2" f base
  [ -d "$dir" ] || return 0
  while IFS= read -r -d '' f; do
    base="$(basename "$(dirname "$f")")_$(basename "$f")"
    cat "$f" >"$out/$base" # not cp: the corpus is read-only, the copies need not be
  done < <(find "$dir" -type f -size -"$((limit + 1))"c -print0 | sort -z)
}

# y4m NAME W H COLOURSPACE BYTES_PER_SAMPLE [EXTRA_TOKEN]: one frame whose
# samples are a simple ramp (deterministic, and not all alike).
y4m() {
  local name="$1" w="$2" h="$3" cs="$4" bps="$5" extra="${6:-}"
  local n=$(( (w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2)) * bps ))
  local header i chunk=""
  header="$(printf 'YUV4MPEG2 W%d H%d F25:1 Ip A1:1 %s%s' "$w" "$h" "$cs" "${extra:+ $extra}")"
  # bytes 0x00..0x7f repeating: as 16-bit samples these exceed 10 bits, so
  # the reader meets out-of-range values too.
  for ((i = 0; i < 128; i++)); do chunk+="\\x$(printf '%02x' "$i")"; done
  {
    printf '%s\nFRAME\n' "$header"
    for ((i = 0; i <= n / 128; i++)); do printf '%b' "$chunk"; done
  } >"$out/$name"
  truncate -s $(( ${#header} + 7 + n )) "$out/$name"
}

# blob NAME HEXBYTES...: a file of the given bytes (header of fuzz_encode).
blob() {
  local name="$1" b s=""
  shift
  for b in "$@"; do s+="\\x$b"; done
  printf '%b' "$s" >"$out/$name"
}

# hostile MAX: the generated hostile files up to MAX bytes, named
# hostile_<case>.heic.  Skipped (with a note) without heic-enc or python3:
# the seeds are a start for the fuzzer, not a test of their own.
hostile() {
  local limit="$1" enc="${HEIC_FUZZ_HEIC_ENC:-}" tmp f
  if [ -z "$enc" ] || [ ! -x "$enc" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "make_seeds: no heic-enc (HEIC_FUZZ_HEIC_ENC) or python3: no hostile seeds" >&2
    return 0
  fi
  tmp="$(mktemp -d)"
  if "$enc" --quiet -q 50 --tile 64 --thumb 48 "$data/wesaturate_tmshre_alpha_500x500.png" \
       -o "$tmp/donor.heic" &&
     python3 "$here/../tools/make_hostile.py" --max-bytes "$limit" "$tmp/donor.heic" "$tmp/gen" >/dev/null; then
    for f in "$tmp"/gen/*.heic; do
      cat "$f" >"$out/hostile_$(basename "$f")"
    done
  else
    echo "make_seeds: the hostile files could not be made" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
}

case "$target" in
  decode | parse)
    if [ -d "$corpus/heif" ]; then
      copy_small "$corpus/heif" "${max:-102400}"
    else
      for f in "$data"/*.heic "$data"/*.heif "$data"/*.avif; do
        [ -f "$f" ] && cat "$f" >"$out/$(basename "$f")"
      done
    fi
    hostile "${max:-102400}"
    ;;
  imageio)
    if [ -d "$corpus/inputs" ]; then
      copy_small "$corpus/inputs/png" "${max:-65536}"
      copy_small "$corpus/inputs/jpeg" "${max:-65536}"
    else
      copy_small "$data/ref" "${max:-65536}"
    fi
    y4m y4m_16x16_420jpeg.y4m 16 16 C420jpeg 1
    y4m y4m_7x5_420.y4m 7 5 C420 1
    y4m y4m_9x3_420p10.y4m 9 3 C420p10 2
    y4m y4m_8x8_full.y4m 8 8 C420mpeg2 1 XCOLORRANGE=FULL
    ;;
  encode)
    # w-1 h-1 flags quality tile thumb orientation matrix encoder, then pixels
    blob enc_rgb8_16x16      0f 0f 00 32 00 00 00 00 00 10 80 f0 20 40 60 80 a0
    blob enc_rgb8_alpha_grid 3f 2f 02 4b 10 20 01 00 00 ff 00 00 00 ff 00 00 00 ff 80 80 80
    blob enc_rgb10_odd       06 04 01 5a 00 00 06 02 03 ff 03 00 02 00 01 34 12
    blob enc_ycbcr420_8      1f 1f 04 28 30 00 03 03 0c 10 20 30 40 50 60 70 80 90
    blob enc_ycbcr10_alpha   20 10 47 64 70 00 08 04 30 ff 03 ff 03 00 00 00 02
    blob enc_tiny_1x1        00 00 00 00 00 00 00 00 00
    blob enc_meta_thumb      7f 5f 82 32 60 10 05 01 04 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff
    blob enc_nogrid_noalpha  80 40 1a 46 00 40 02 00 f0 5a a5
    ;;
  *)
    echo "$0: unknown target '$target'" >&2
    exit 2
    ;;
esac
echo "$(find "$out" -maxdepth 1 -type f | wc -l) seeds for $target in $out"
