#!/usr/bin/env bash
# The encoder's output does not depend on the thread count: hevc-enc at 1,
# 2, 3, 8 and 64 threads (wavefront rows, tests of rows.c) and heic-enc at
# 1, 2 and 5 threads (one pool for grid tiles and rows) write the same bytes,
# with WPP and without; every hevc-enc stream is also decoded by ffmpeg to
# the encoder's own reconstruction.
#
# usage: hevc_threads.sh HEVC_ENC HEIC_ENC
# Needs: python3 (test pictures), ffmpeg.  Exit: 0 same bytes everywhere,
# 1 a difference or a failed encode, 2 setup problem.
set -u
hevc_enc=${1:?usage: hevc_threads.sh HEVC_ENC HEIC_ENC}
heic_enc=${2:?usage: hevc_threads.sh HEVC_ENC HEIC_ENC}
here=$(cd "$(dirname "$0")" && pwd)
for tool in python3 ffmpeg; do
  command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
work=$(mktemp -d /tmp/hevc_threads.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
# Pictures: one CTU wide, two CTUs wide, wide and short, and a photo-like
# one with enough rows for several lanes at once.
python3 "$here/hevc_gen_y4m.py" mixed 40 300 8 "$work/a.y4m" || exit 2
python3 "$here/hevc_gen_y4m.py" noise 130 260 10 "$work/b.y4m" || exit 2
python3 "$here/hevc_gen_y4m.py" edges 1000 130 8 "$work/c.y4m" || exit 2
python3 "$here/hevc_gen_y4m.py" mixed 1000 750 8 "$work/d.y4m" || exit 2
check_hevc() { # input, options...
  local in=$1; shift
  local ref="" n
  for n in 1 2 3 8 64; do
    local out="$work/t$n.hevc"
    if ! "$hevc_enc" --threads $n "$@" --recon "$work/t$n.y4m" "$in" -o "$out" 2> "$work/err"; then
      echo "FAIL encode $(basename "$in") --threads $n $*: $(head -c 300 "$work/err")"; fail=1; return
    fi
    if [ -z "$ref" ]; then
      ref="$work/ref.hevc"; cp "$out" "$ref"; cp "$work/t$n.y4m" "$work/ref.y4m"
    elif ! cmp -s "$ref" "$out"; then
      echo "FAIL $(basename "$in") $*: --threads $n differs from --threads 1"; fail=1
    elif ! cmp -s "$work/ref.y4m" "$work/t$n.y4m"; then
      echo "FAIL $(basename "$in") $*: --threads $n reconstruction differs"; fail=1
    fi
  done
  # the stream decodes to the reconstruction (ffmpeg)
  local pf=yuv420p hdr
  head -c 100 "$work/ref.y4m" | grep -q C420p10 && pf=yuv420p10le
  ffmpeg -v error -y -i "$ref" -f rawvideo -pix_fmt $pf "$work/dec.yuv" || { echo "FAIL ffmpeg $(basename "$in") $*"; fail=1; return; }
  hdr=$(head -c 200 "$work/ref.y4m" | grep -a -b -o FRAME | head -1 | cut -d: -f1)
  tail -c +$((hdr + 7)) "$work/ref.y4m" | cmp -s - "$work/dec.yuv" ||
    { echo "FAIL ffmpeg-mismatch $(basename "$in") $*"; fail=1; return; }
  echo "ok $(basename "$in") $* ($(stat -c %s "$ref") bytes, same at 1 2 3 8 64 threads)"
}
for f in a b c d; do
  check_hevc "$work/$f.y4m"
  check_hevc "$work/$f.y4m" --wpp 0
done
check_hevc "$work/d.y4m" --qp-jitter 6 --preset fast
check_hevc "$work/b.y4m" --ctu 32 --preset slow --qp 32
# heic-enc: a single image and a grid of 256 tiles (tiles and rows at once)
ffmpeg -v error -y -i "$work/d.y4m" "$work/d.png" || exit 2
for opts in "" "--tile 256"; do
  ref=""
  for n in 1 2 5; do
    # shellcheck disable=SC2086
    if ! "$heic_enc" --quiet --threads $n $opts "$work/d.png" -o "$work/h$n.heic" 2> "$work/err"; then
      echo "FAIL heic-enc --threads $n $opts: $(head -c 300 "$work/err")"; fail=1; continue
    fi
    if [ -z "$ref" ]; then ref="$work/h$n.heic"
    elif ! cmp -s "$ref" "$work/h$n.heic"; then echo "FAIL heic-enc $opts: --threads $n differs"; fail=1; fi
  done
  echo "ok heic-enc $opts: same file at 1 2 5 threads"
done
[ $fail = 0 ] && echo "hevc_threads: all outputs independent of the thread count"
exit $fail
