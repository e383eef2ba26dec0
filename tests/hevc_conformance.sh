#!/usr/bin/env bash
# Conformance check of libheic's HEVC encoder against two independent decoders.
#
# For every stream: ffmpeg's decode must equal hevc-enc's --recon byte for byte,
# and libde265-dec265 -c must decode it with the MD5 SEI matching (and the SEI
# must be present: a stream without one would pass -c trivially).  Both
# decoders take every format the encoder writes: 4:2:0, 4:2:2, 4:4:4 and
# 4:0:0 at 8, 10 and 12 bits (libde265 1.0.11 checks the MD5 of 4:0:0,
# 4:2:2, 4:4:4 and 12-bit pictures too: a corrupted hash fails, checked
# 2026-12-07 on 4:4:4 12-bit and 4:2:2 10-bit streams).  --lossless streams must also reconstruct
# the input exactly (hevc_y4m_same.py).  FFmpeg (5.1) has two 12-bit bugs
# worked around here: its x86 luma deblocking overflows 16-bit lanes (9 (q0 -
# p0) passes 32767: a full-range step is filtered where the spec, its own C
# code, libde265 and this encoder leave it), so 12-bit streams are decoded
# with -cpuflags 0; and it dequantises Qp' 74 and 75 - 12-bit QpY 50 and 51 -
# wrongly (its rem6/div6 tables, in its master of 2026 too, have 76 entries
# but only 74 initialised, so those QPs scale by levelScale[0] << 0), so a
# 12-bit stream that may use them - in luma or, through the chroma QP
# offset (+6 by default in 4:4:4), in chroma - is checked by libde265's MD5
# alone ("ok ... ffmpeg skipped").
#
# Every stream is also encoded with HEIC_NO_SIMD=1 (C kernels only) and
# another thread count, and must come out byte-identical: the SIMD kernels
# and the threads (wavefront rows) may change speed, never output.
#
# usage: hevc_conformance.sh [--ci|--full] [--formats LIST] [--jobs N] [--threads N]
#                            [--enc PATH] [--keep] [--no-simd-check] [--sample K]
#                            [--match REGEX]
#   --match REGEX  only the streams whose line (input path|QP|options)
#           matches the extended regular expression, e.g. 'ccp' after a
#           change to one tool
#   --sample K  every K-th stream of the chosen set only (ctest's
#           hevc_conformance_ci in the sanitizer tree: K = 4, where the
#           encoder runs three times slower)
#   --formats LIST  --full only: the generated pictures' formats, comma-separated
#           of 8, 10, 12 (4:2:0), 8m, 10m, 12m (4:0:0), 8-444, 10-444, 12-444
#           (4:4:4) and 8-422, 10-422, 12-422 (4:2:2); default all twelve
#           (the corpus Y4Ms come with 8 or 10 in the list)
#   --threads N  threads of the checked encodes (default 2); the C-kernel
#           encode uses 1 (or 2 when N is 1)
#   --ci    representative subset (default; what ctest's hevc_conformance_ci
#           runs): 496 streams, 49 s on 2 cores beside a load of 2.6 (254
#           streams and 24 s before 12-bit, 4:0:0 and lossless joined;
#           86 s of CPU time against 40, 2026-12-07).
#           Every tool variant below (each preset - fast, slow, veryslow,
#           and medium, the default, everywhere else -, CTU 32 and 64, WPP on
#           and off, QP jitter, ...) at QP 12 and 37 on two pictures: one 8-bit
#           and one 10-bit, taken in turn from the odd-sized and
#           one-/two-CTU-wide ones, so that each variant meets both depths
#           and a partial CTU.  The small pictures (1x1 to 200x120, both
#           depths, every content kind) at QP 0, 22, 37, 51; the one- and
#           two-CTU-wide wavefront corner cases (40x300, 130x260) too; the
#           big ones at fewer QPs: 1000x750 8-bit at 1, 27, 45, 1920x1080
#           10-bit at 27, each corpus Y4M at one of 27, 1, 45 in turn.
#           Monochrome at 8, 10 and 12 bits and 4:2:0 at 12 bits: small
#           pictures (17x9, 65x67 - partial CTUs -, 200x120, 130x260 for the
#           wavefront with 2 threads) at the four QPs, every tool variant
#           on one 12-bit 4:2:0 and one monochrome picture in turn, and
#           lossless coding (every preset, CTU 32, WPP off, QP jitter) on
#           4:2:0 8/10/12 and 4:0:0 8/10/12, odd sizes included, and on a
#           corpus photo made grey.  4:4:4 and 4:2:2 at 8, 10 and 12 bits
#           likewise: small and odd pictures (1x1, 17x9, 65x67, 200x120,
#           130x260) at the four QPs, every tool variant and every lossless
#           variant on one picture of each in turn, plain --lossless on three
#           of each (792 streams in all, 2026-12-07).  Lossless 4:4:4 uses
#           implicit RDPCM (the encoder leaves out the luma modes 10 and 26
#           below 32x32 there, whose edge filter FFmpeg applies against
#           8.4.4.2.6, so that ffmpeg and libde265 agree) and cross-component
#           prediction: pictures of correlated planes (corr: 65x67 at 8, 10,
#           12 bits, 130x260 at 8) take every lossless variant in turn (817
#           streams with them).  Lossy cross-component prediction (--ccp 1,
#           what GBR 4:4:4 is coded with): four variants on a correlated and
#           another 4:4:4 picture each, QP 12 and 37 (833 streams).
#   --full  every content x size x depth x QP (0 1 12 22 27 32 37 45 51) for
#           4:2:0, 4:2:2, 4:4:4 and 4:0:0 at 8, 10, 12 bits, the
#           corpus Y4Ms at 8 and 10 bits (and grey, 12-bit), every tool
#           variant on every picture up to 130x260 and on 1000x750 8-bit,
#           the lossy --ccp 1 variants on every 4:4:4 one, and the
#           lossless variants on every picture up to 130x260: the
#           8/10-bit 4:2:0 part alone was 5,226 streams, about
#           half an hour on 2 cores (5,080 streams before --preset veryslow
#           joined the variants: 1,588 s at --threads 5, 2026-12-07).  Run
#           it after changing the encoder:
#             tests/hevc_conformance.sh --full --enc build-ci/hevc-enc
#           Apart from the 200x120 pictures the --ci list is a subset of it.
# Needs: ffmpeg, libde265-dec265 (Debian libde265-examples), python3.
# Exit status: 0 all streams conform, 1 at least one mismatch, 2 setup problem.
set -u
mode=ci
formats="8 10 12 8m 10m 12m 8-444 10-444 12-444 8-422 10-422 12-422"
simd_check=1
sample=1
match=
jobs=$(nproc 2>/dev/null || echo 2)
threads=2
here=$(cd "$(dirname "$0")" && pwd)
enc="$here/../build-hevc/hevc-enc"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci ;;
    --full) mode=full ;;
    --formats) formats=${2//,/ }; shift ;;
    --jobs) jobs=$2; shift ;;
    --threads) threads=$2; shift ;;
    --enc) enc=$2; shift ;;
    --keep) keep=1 ;;
    --no-simd-check) simd_check=0 ;;
    --sample) sample=$2; shift ;;
    --match) match=$2; shift ;;
    -h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in ffmpeg libde265-dec265 python3; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y ffmpeg libde265-examples python3)" >&2; exit 2; }
done
[ -x "$enc" ] || { echo "encoder not found: $enc" >&2; exit 2; }
enc=$(cd "$(dirname "$enc")" && pwd)/$(basename "$enc")
work=$(mktemp -d "${TMPDIR:-/tmp}/hevc_conf.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
corpus="$here/../../shared/corpus/inputs/y4m"
gen="$here/hevc_gen_y4m.py"
same="$here/hevc_y4m_same.py"

# ---- inputs ---------------------------------------------------------------
inputs=()
add_gen() { # kind w h bd [m|444|422]
  local f="$work/in_$1_$2x$3_$4${5:-}.y4m" fmt=
  case "${5:-}" in m) fmt=mono ;; 444|422) fmt=$5 ;; esac
  [ -f "$f" ] || python3 "$gen" "$1" "$2" "$3" "$4" "$f" $fmt || exit 2
  inputs+=("$f")
}
# a format token of --formats: 8, 10, 12 (4:2:0), 8m... (4:0:0), 8-444...
fmt_bd() { echo "${1%%[m-]*}"; }
fmt_sub() { case "$1" in *m) echo m ;; *-444) echo 444 ;; *-422) echo 422 ;; esac; }
if [ $mode = full ]; then
  for fmt in $formats; do
    bd=$(fmt_bd "$fmt")
    mono=$(fmt_sub "$fmt")
    kinds="noise flat gradient edges mixed"
    [ "$mono" = 444 ] && kinds="$kinds corr"
    for kind in $kinds; do
      for size in 1x1 8x8 17x9 64x64 65x67 40x300 130x260 1000x750 1920x1080; do
        add_gen $kind ${size%x*} ${size#*x} $bd $mono
      done
    done
  done
else
  for bd in 8 10; do
    for kind in noise mixed; do
      for size in 1x1 8x8 17x9 64x64 65x67; do add_gen $kind ${size%x*} ${size#*x} $bd; done
    done
    add_gen gradient 65 67 $bd
    add_gen edges 200 120 $bd
    add_gen flat 17 9 $bd
  done
  add_gen mixed 1000 750 8
  add_gen edges 1920 1080 10
  # wavefront corner cases: one CTU column (no CTU to sync from), two
  add_gen mixed 40 300 8
  add_gen noise 130 260 10
  # 12 bits and 4:0:0: small pictures, partial CTUs, two CTU columns
  for fmt in 8m 10m 12m 12; do
    bd=${fmt%m}
    mono=${fmt#$bd}
    for kind in noise mixed; do
      for size in 17x9 65x67; do add_gen $kind ${size%x*} ${size#*x} $bd $mono; done
    done
  done
  add_gen edges 200 120 8 m
  add_gen edges 200 120 12
  add_gen gradient 64 64 10 m
  add_gen mixed 130 260 12 m
  add_gen noise 130 260 12
  # 4:4:4 at 8, 10 and 12 bits: small pictures (odd, partial CTUs), two
  # CTU columns, a wider one
  for bd in 8 10 12; do
    for kind in noise mixed; do
      for size in 17x9 65x67; do add_gen $kind ${size%x*} ${size#*x} $bd 444; done
    done
  done
  add_gen flat 1 1 8 444
  add_gen edges 200 120 8 444
  add_gen gradient 64 64 10 444
  add_gen noise 130 260 10 444
  add_gen mixed 130 260 12 444
  # correlated planes, as in RGB: lossless 4:4:4 codes them with
  # cross-component prediction
  for bd in 8 10 12; do add_gen corr 65 67 $bd 444; done
  add_gen corr 130 260 8 444
  # 4:2:2 likewise
  for bd in 8 10 12; do
    for kind in noise mixed; do
      for size in 17x9 65x67; do add_gen $kind ${size%x*} ${size#*x} $bd 422; done
    done
  done
  add_gen flat 1 1 10 422
  add_gen edges 200 120 10 422
  add_gen gradient 64 64 8 422
  add_gen noise 130 260 12 422
  add_gen mixed 130 260 8 422
fi
grey_corpus=
with_corpus=1
[ $mode = full ] && [[ " $formats " != *" 8 "* && " $formats " != *" 10 "* ]] && with_corpus=0
if [ -d "$corpus" ] && [ $with_corpus = 1 ]; then
  for f in "$corpus"/*.y4m; do
    [ -f "$f" ] || continue
    inputs+=("$f")
    if [ $mode = full ]; then
      t="$work/$(basename "${f%.y4m}")_p10.y4m"
      ffmpeg -v error -y -i "$f" -pix_fmt yuv420p10le -strict -1 -f yuv4mpegpipe "$t" && inputs+=("$t")
      t="$work/$(basename "${f%.y4m}")_gray12.y4m"
      ffmpeg -v error -y -i "$f" -pix_fmt gray12le -strict -1 -f yuv4mpegpipe "$t" && inputs+=("$t")
    fi
    # the luma of the first corpus photo as a grey picture, for lossless
    if [ -z "$grey_corpus" ]; then
      t="$work/$(basename "${f%.y4m}")_gray.y4m"
      ffmpeg -v error -y -i "$f" -pix_fmt gray -strict -1 -f yuv4mpegpipe "$t" && grey_corpus=$t
    fi
  done
fi

# ---- the job list: input|qp|options ---------------------------------------
list="$work/jobs.txt"
: > "$list"
if [ $mode = full ]; then qps="0 1 12 22 27 32 37 45 51"; else qps="0 22 37 51"; fi
big_qps=(27 1 45)  # --ci: the corpus Y4Ms take one each, in turn
n_corpus=0
for f in "${inputs[@]}"; do
  q_here=$qps
  if [ $mode != full ]; then
    case "$f" in
      *1000x750*) q_here="1 27 45" ;;
      *1920x1080*) q_here="27" ;;
      "$corpus"/*) q_here=${big_qps[$((n_corpus % 3))]}; n_corpus=$((n_corpus + 1)) ;;
    esac
  fi
  case "$f" in *_gray12.y4m) q_here="1 27 45" ;; esac
  for q in $q_here; do echo "$f|$q|" >> "$list"; done
done
variants=("--ctu 32" "--no-sao" "--no-deblock" "--no-sign-hiding" "--no-nxn" "--qp-jitter 6" "--qp-jitter 30 --ctu 32" "--rd 35"
          "--preset fast" "--preset slow" "--chroma-qp-offset 0" "--chroma-qp-offset 7 --qp-jitter 9"
          "--tu-depth 1" "--tu-depth 4 --rd 2" "--tu-depth 3 --ctu 32 --no-nxn" "--tu-depth 2 --early-exit 0"
          "--rate-est 0" "--rdoq 0" "--early-exit 2 --rd 3"
          "--transform-skip 1" "--transform-skip 1 --preset slow --qp-jitter 4" "--transform-skip 1 --preset fast --tu-depth 2" "--tu-depth 2 --tu-cand 4" "--preset fast --qp-jitter 3" "--preset fast --ctu 32 --qp-jitter 4" "--preset slow --qp-jitter 5"
          "--wpp 0" "--wpp 0 --qp-jitter 5" "--qp-jitter 7 --ctu 32" "--preset veryslow"
          "--preset ultrafast" "--cu-sizes 32-64 --qp-jitter 4" "--cu-sizes 16-16 --ctu 32" "--cu-sizes 8-8 --preset slow")
# lossless: every preset, CTU 32, WPP off, QP jitter (cu_qp_delta coded for
# nothing), the search's other settings (moot: no RDOQ, transform skip...)
lossless=("--lossless" "--lossless --preset ultrafast" "--lossless --preset fast" "--lossless --preset slow"
          "--lossless --preset veryslow" "--lossless --ctu 32 --wpp 0" "--lossless --qp-jitter 4 --ctu 32"
          "--lossless --tu-depth 2 --early-exit 0 --rd 3" "--lossless --transform-skip 1 --no-sign-hiding --cu-sizes 16-32")
# lossy 4:4:4 with cross-component prediction (what GBR is coded with)
ccp=("--ccp 1" "--ccp 1 --transform-skip 1 --qp-jitter 4" "--ccp 1 --preset slow --ctu 32" "--ccp 1 --preset ultrafast --wpp 0")
if [ $mode = full ]; then
  for f in "${inputs[@]}"; do
    case "$f" in *1920x1080*|*1000x750*|*/y4m/*|*_p10.y4m|*_gray*.y4m) [[ "$f" != *mixed_1000x750_8.y4m ]] && continue ;; esac
    for v in "${variants[@]}"; do
      for q in 12 37; do echo "$f|$q|$v" >> "$list"; done
    done
    for v in "${lossless[@]}"; do echo "$f|27|$v" >> "$list"; done
    # lossy cross-component prediction (4:4:4 only: elsewhere it is off)
    case "$f" in *444.y4m)
      for v in "${ccp[@]}"; do for q in 12 37; do echo "$f|$q|$v" >> "$list"; done; done ;;
    esac
  done
  [ -n "$grey_corpus" ] && echo "$grey_corpus|27|--lossless" >> "$list"
else
  # Variant i on var8[i % 3] and var10[i % 5]: every variant at both depths
  # and on at least one picture that ends in a partial CTU.
  var8=("$work/in_mixed_65x67_8.y4m" "$work/in_edges_200x120_8.y4m" "$work/in_noise_65x67_8.y4m")
  var10=("$work/in_noise_130x260_10.y4m" "$work/in_mixed_65x67_10.y4m" "$work/in_edges_200x120_10.y4m"
         "$work/in_noise_65x67_10.y4m" "$work/in_mixed_64x64_10.y4m")
  # ... and on a 12-bit 4:2:0 and a 4:0:0 picture (8, 10, 12 bits in turn)
  var12=("$work/in_mixed_65x67_12.y4m" "$work/in_noise_130x260_12.y4m" "$work/in_edges_200x120_12.y4m"
         "$work/in_noise_65x67_12.y4m")
  varm=("$work/in_mixed_65x67_8m.y4m" "$work/in_mixed_130x260_12m.y4m" "$work/in_gradient_64x64_10m.y4m"
        "$work/in_noise_65x67_12m.y4m" "$work/in_edges_200x120_8m.y4m" "$work/in_noise_17x9_10m.y4m")
  # ... and on a 4:4:4 picture (8, 10, 12 bits in turn)
  var444=("$work/in_mixed_65x67_8444.y4m" "$work/in_noise_130x260_10444.y4m" "$work/in_mixed_130x260_12444.y4m"
          "$work/in_edges_200x120_8444.y4m" "$work/in_gradient_64x64_10444.y4m" "$work/in_noise_65x67_12444.y4m"
          "$work/in_noise_17x9_8444.y4m")
  var422=("$work/in_mixed_65x67_10422.y4m" "$work/in_noise_130x260_12422.y4m" "$work/in_mixed_130x260_8422.y4m"
          "$work/in_edges_200x120_10422.y4m" "$work/in_gradient_64x64_8422.y4m" "$work/in_noise_65x67_12422.y4m"
          "$work/in_noise_17x9_8422.y4m")
  for i in "${!variants[@]}"; do
    for f in "${var8[$((i % ${#var8[@]}))]}" "${var10[$((i % ${#var10[@]}))]}" \
             "${var12[$((i % ${#var12[@]}))]}" "${varm[$((i % ${#varm[@]}))]}" \
             "${var444[$((i % ${#var444[@]}))]}" "${var422[$((i % ${#var422[@]}))]}"; do
      [ -f "$f" ] || { echo "missing variant input $f" >&2; exit 2; }
      for q in 12 37; do echo "$f|$q|${variants[$i]}" >> "$list"; done
    done
  done
  # lossless: each variant on two pictures in turn (odd sizes and two CTU
  # columns among them), plain --lossless on every format
  varl=("$work/in_mixed_65x67_8.y4m" "$work/in_noise_65x67_12m.y4m" "$work/in_noise_130x260_10.y4m"
        "$work/in_mixed_65x67_12.y4m" "$work/in_mixed_130x260_12m.y4m" "$work/in_edges_200x120_8m.y4m"
        "$work/in_noise_17x9_10m.y4m" "$work/in_edges_200x120_12.y4m")
  for i in "${!lossless[@]}"; do
    for f in "${varl[$((2 * i % ${#varl[@]}))]}" "${varl[$(((2 * i + 1) % ${#varl[@]}))]}" \
             "${var444[$((i % ${#var444[@]}))]}" "${var422[$((i % ${#var422[@]}))]}"; do
      [ -f "$f" ] || { echo "missing variant input $f" >&2; exit 2; }
      echo "$f|27|${lossless[$i]}" >> "$list"
    done
  done
  # lossless 4:4:4 with cross-component prediction: each lossless variant
  # on a correlated picture in turn
  varc=("$work/in_corr_65x67_8444.y4m" "$work/in_corr_130x260_8444.y4m" "$work/in_corr_65x67_10444.y4m"
        "$work/in_corr_65x67_12444.y4m")
  for i in "${!lossless[@]}"; do echo "${varc[$((i % ${#varc[@]}))]}|27|${lossless[$i]}" >> "$list"; done
  # lossy cross-component prediction: each variant on a correlated and
  # another 4:4:4 picture in turn, at a fine and a coarse QP
  for i in "${!ccp[@]}"; do
    for f in "${varc[$((i % ${#varc[@]}))]}" "${var444[$((i % ${#var444[@]}))]}"; do
      for q in 12 37; do echo "$f|$q|${ccp[$i]}" >> "$list"; done
    done
  done
  for f in "$work/in_edges_200x120_10.y4m" "$work/in_mixed_65x67_8m.y4m" "$work/in_mixed_65x67_10m.y4m" \
           "$work/in_mixed_65x67_10444.y4m" "$work/in_noise_17x9_12444.y4m" "$work/in_flat_1x1_8444.y4m" \
           "$work/in_mixed_65x67_8422.y4m" "$work/in_noise_17x9_12422.y4m" "$work/in_flat_1x1_10422.y4m"; do
    echo "$f|27|--lossless" >> "$list"
  done
  [ -n "$grey_corpus" ] && echo "$grey_corpus|27|--lossless" >> "$list"
fi

# small pictures first: a run cut short still covers every tool and size
{ grep -v -E '1920x1080|1000x750|/y4m/|_gray' "$list"; grep -E '1920x1080|1000x750|/y4m/|_gray' "$list"; } > "$list.sorted"
mv "$list.sorted" "$list"

# ---- one job ----------------------------------------------------------------
run_one() {
  IFS='|' read -r f q opts <<< "$1"
  local id
  id=$(echo "$1" | md5sum | cut -c1-10)
  local s="$work/$id.hevc" r="$work/$id.rec.y4m" d="$work/$id.dec.yuv" ry="$work/$id.rec.yuv"
  local desc="$(basename "$f") qp=$q $opts"
  # shellcheck disable=SC2086
  if ! "$enc" --threads "$THREADS" --qp "$q" $opts --recon "$r" "$f" -o "$s" 2> "$work/$id.err"; then
    echo "FAIL encode: $desc: $(head -c 300 "$work/$id.err")"; return
  fi
  if [ "$SIMD_CHECK" = 1 ]; then
    # shellcheck disable=SC2086
    if ! HEIC_NO_SIMD=1 "$enc" --threads "$THREADS_C" --qp "$q" $opts "$f" -o "$s.c.hevc" 2> "$work/$id.err"; then
      echo "FAIL encode (HEIC_NO_SIMD=1): $desc: $(head -c 300 "$work/$id.err")"; return
    fi
    if ! cmp -s "$s" "$s.c.hevc"; then echo "FAIL simd-vs-c or threads $THREADS vs $THREADS_C: $desc"; return; fi
    rm -f "$s.c.hevc"
  fi
  local pf cs
  cs=$(head -c 100 "$r" | head -1 | grep -a -o ' C[a-z0-9]*' | cut -c3-)
  case "$cs" in
    420p10) pf=yuv420p10le ;; 420p12) pf=yuv420p12le ;;
    444) pf=yuv444p ;; 444p10) pf=yuv444p10le ;; 444p12) pf=yuv444p12le ;;
    422) pf=yuv422p ;; 422p10) pf=yuv422p10le ;; 422p12) pf=yuv422p12le ;;
    mono) pf=gray ;; mono10) pf=gray10le ;; mono12) pf=gray12le ;;
    *) pf=yuv420p ;;
  esac
  local lossless=0 jitter=0 note=
  case " $opts " in *" --lossless "*) lossless=1 ;; esac
  [[ " $opts " =~ --qp-jitter\ ([0-9]+) ]] && jitter=${BASH_REMATCH[1]}
  # The highest QP of any component: chroma's is luma's plus the offset,
  # +6 by default in 4:4:4 (Min(qPi, 51) outside 4:2:0, and the encoder
  # keeps QpY + offset at or below 51 there), so 4:4:4 reaches Qp' 74/75
  # from QP 44 on.
  local cqp_off=0
  [[ "$pf" == yuv444* ]] && cqp_off=6
  [[ " $opts " =~ --chroma-qp-offset\ (-?[0-9]+) ]] && cqp_off=${BASH_REMATCH[1]}
  [ "$cqp_off" -lt 0 ] && cqp_off=0
  if [ $lossless = 0 ] && [ $((q + jitter + cqp_off)) -ge 50 ] && [[ "$pf" == *12le ]]; then
    note=" (ffmpeg skipped: Qp' 74/75)"
  else
    local cpu=()
    [[ "$pf" == *12le ]] && cpu=(-cpuflags 0)
    if ! ffmpeg -v error "${cpu[@]}" -y -i "$s" -f rawvideo -pix_fmt $pf "$d" 2> "$work/$id.ff"; then
      echo "FAIL ffmpeg: $desc: $(head -c 300 "$work/$id.ff")"; return
    fi
    # strip the Y4M stream and frame headers of the reconstruction
    local hdr
    hdr=$(head -c 200 "$r" | grep -a -b -o FRAME | head -1 | cut -d: -f1)
    tail -c +$((hdr + 7)) "$r" > "$ry"
    if ! cmp -s "$d" "$ry"; then echo "FAIL ffmpeg-mismatch: $desc"; return; fi
  fi
  if [ $lossless = 1 ] && ! python3 "$SAME" "$f" "$r" > "$work/$id.same" 2>&1; then
    echo "FAIL lossless: $desc: $(head -c 200 "$work/$id.same")"; return
  fi
  if ! LC_ALL=C grep -q -a -P '\x00\x00\x01\x50\x01\x84' "$s"; then echo "FAIL no-md5-sei: $desc"; return; fi
  # libde265 (1.0.11) takes 4:2:2 chroma planes as half the coded height
  # when it applies the conformance window: a bottom crop larger than that
  # (coded height 8, 1 to 3 lines shown) is refused as "coded parameter out
  # of range", so such pictures are checked by ffmpeg alone
  local h
  h=$(head -c 100 "$r" | head -1 | grep -a -o ' H[0-9]*' | cut -c3-)
  if [[ "$cs" == 422* ]] && [ $(( ( ((h + 7) / 8 * 8) + 1) / 2 - ((h + 7) / 8 * 8 - h) )) -le 0 ]; then
    echo "ok $desc $(stat -c %s "$s")$note (libde265 skipped: 4:2:2 crop)"
    [ "${KEEP:-0}" = 1 ] || rm -f "$s" "$r" "$d" "$ry" "$work/$id".*
    return
  fi
  if ! libde265-dec265 -q -c "$s" > "$work/$id.de" 2>&1; then
    echo "FAIL libde265: $desc: $(head -c 300 "$work/$id.de")"; return
  fi
  echo "ok $desc $(stat -c %s "$s")$note"
  [ "${KEEP:-0}" = 1 ] || rm -f "$s" "$r" "$d" "$ry" "$work/$id".*
}
export -f run_one
export enc work
export SAME=$same
export KEEP=$keep
export SIMD_CHECK=$simd_check
export THREADS=$threads
if [ "$threads" = 1 ]; then export THREADS_C=2; else export THREADS_C=1; fi

if [ -n "$match" ]; then
  grep -E -e "$match" "$list" > "$list.match" || true
  mv "$list.match" "$list"
fi
if [ "$sample" -gt 1 ]; then
  # every sample-th stream of the list, which runs through the variants,
  # sizes and formats in turn, so that a sample still meets each of them
  awk -v k="$sample" '(NR - 1) % k == 0' "$list" > "$list.sample"
  mv "$list.sample" "$list"
fi
n=$(wc -l < "$list")
echo "hevc conformance ($mode): $n streams, $jobs jobs, $threads threads each (C check: $THREADS_C), work dir $work"
start=$(date +%s)
tr '\n' '\0' < "$list" | xargs -0 -P "$jobs" -I{} bash -c 'run_one "$1"' _ {} > "$work/results.txt"
fails=$(grep -c '^FAIL' "$work/results.txt")
oks=$(grep -c '^ok' "$work/results.txt")
grep '^FAIL' "$work/results.txt" | head -50
echo "streams: $((oks + fails)) ok: $oks mismatches/failures: $fails time: $(( $(date +%s) - start )) s"
[ "$fails" = 0 ] && [ $((oks + fails)) = "$n" ]
