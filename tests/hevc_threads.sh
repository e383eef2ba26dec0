#!/usr/bin/env bash
# The encoder's output does not depend on the thread count: hevc-enc at 1,
# 2, 3, 8 and 64 threads (wavefront rows, tests of rows.c) and heic-enc at
# 1, 2 and 5 threads (one pool for grid tiles and rows) write the same bytes,
# with WPP and without, also with schedules shuffled by random pauses
# (HEIC_TEST_SCHEDULE_JITTER); every hevc-enc stream is also decoded by
# ffmpeg to the encoder's own reconstruction.
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
work=$(mktemp -d "${TMPDIR:-/tmp}/hevc_threads.XXXXXX")
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
# Shuffled schedules: HEIC_TEST_SCHEDULE_JITTER=1 makes every lane and tail
# step pause at random, so rows run at the skews a busy machine gives (a
# ring slot reused too early showed here 1 time in 6, and almost never
# without the jitter).
jit_ref="$work/jit_ref.hevc"
"$hevc_enc" --threads 1 --preset fast "$work/d.y4m" -o "$jit_ref" || { echo "FAIL jitter reference encode"; fail=1; }
jit_bad=0
for i in 1 2 3 4; do
  for n in 3 4 8; do
    if ! HEIC_TEST_SCHEDULE_JITTER=1 "$hevc_enc" --threads $n --preset fast "$work/d.y4m" -o "$work/jit.hevc" 2> "$work/err" ||
       ! cmp -s "$jit_ref" "$work/jit.hevc"; then
      echo "FAIL d.y4m --preset fast --threads $n with shuffled schedules (run $i): differs or failed"
      jit_bad=1
    fi
  done
done
[ $jit_bad = 0 ] && echo "ok d.y4m --preset fast: same bytes in 12 runs at 3, 4, 8 threads with shuffled schedules"
[ $jit_bad = 0 ] || fail=1
# heic-enc: a single image and a grid of 256 tiles (tiles and rows at once)
ffmpeg -v error -y -i "$work/d.y4m" "$work/d.png" || exit 2
for opts in "" "--tile 256"; do
  ref=""
  for n in 1 2 5; do
    # shellcheck disable=SC2086
    if ! HEIC_TEST_SCHEDULE_JITTER=1 "$heic_enc" --quiet --threads $n $opts "$work/d.png" -o "$work/h$n.heic" 2> "$work/err"; then
      echo "FAIL heic-enc --threads $n $opts: $(head -c 300 "$work/err")"; fail=1; continue
    fi
    if [ -z "$ref" ]; then ref="$work/h$n.heic"
    elif ! cmp -s "$ref" "$work/h$n.heic"; then echo "FAIL heic-enc $opts: --threads $n differs"; fail=1; fi
  done
  echo "ok heic-enc $opts: same file at 1 2 5 threads"
done
[ $fail = 0 ] && echo "hevc_threads: all outputs independent of the thread count"
exit $fail
