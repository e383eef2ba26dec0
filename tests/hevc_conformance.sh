#!/usr/bin/env bash
# Conformance check of libheic's HEVC encoder against two independent decoders.
#
# For every stream: ffmpeg's decode must equal hevc-enc's --recon byte for byte,
# and libde265-dec265 -c must decode it with the MD5 SEI matching (and the SEI
# must be present: a stream without one would pass -c trivially).
#
# Every stream is also encoded with HEIC_NO_SIMD=1 (C kernels only) and
# another thread count, and must come out byte-identical: the SIMD kernels
# and the threads (wavefront rows) may change speed, never output.
#
# usage: hevc_conformance.sh [--ci|--full] [--jobs N] [--threads N] [--enc PATH] [--keep]
#                            [--no-simd-check]
#   --threads N  threads of the checked encodes (default 2); the C-kernel
#           encode uses 1 (or 2 when N is 1)
#   --ci    representative subset (default; what ctest's hevc_conformance_ci
#           runs): 238 streams, 30 s alone on 2 cores (50 s under ASan).
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
#   --full  every content x size x depth x QP (0 1 12 22 27 32 37 45 51), the
#           corpus Y4Ms at 8 and 10 bits, and every tool variant on every
#           picture up to 130x260 and on 1000x750 8-bit: 5,226 streams, about
#           half an hour on 2 cores (5,080 streams before --preset veryslow
#           joined the variants: 1,588 s at --threads 5, 2026-12-07).  Run
#           it after changing the encoder:
#             tests/hevc_conformance.sh --full --enc build-ci/hevc-enc
#           Apart from the 200x120 pictures the --ci list is a subset of it.
# Needs: ffmpeg, libde265-dec265 (Debian libde265-examples), python3.
# Exit status: 0 all streams conform, 1 at least one mismatch, 2 setup problem.
set -u
mode=ci
simd_check=1
jobs=$(nproc 2>/dev/null || echo 2)
threads=2
here=$(cd "$(dirname "$0")" && pwd)
enc="$here/../build-hevc/hevc-enc"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci ;;
    --full) mode=full ;;
    --jobs) jobs=$2; shift ;;
    --threads) threads=$2; shift ;;
    --enc) enc=$2; shift ;;
    --keep) keep=1 ;;
    --no-simd-check) simd_check=0 ;;
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

# ---- inputs ---------------------------------------------------------------
inputs=()
add_gen() { # kind w h bd
  local f="$work/in_$1_$2x$3_$4.y4m"
  [ -f "$f" ] || python3 "$gen" "$1" "$2" "$3" "$4" "$f" || exit 2
  inputs+=("$f")
}
if [ $mode = full ]; then
  for bd in 8 10; do
    for kind in noise flat gradient edges mixed; do
      for size in 1x1 8x8 17x9 64x64 65x67 40x300 130x260 1000x750 1920x1080; do
        add_gen $kind ${size%x*} ${size#*x} $bd
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
fi
if [ -d "$corpus" ]; then
  for f in "$corpus"/*.y4m; do
    [ -f "$f" ] || continue
    inputs+=("$f")
    if [ $mode = full ]; then
      t="$work/$(basename "${f%.y4m}")_p10.y4m"
      ffmpeg -v error -y -i "$f" -pix_fmt yuv420p10le -strict -1 -f yuv4mpegpipe "$t" && inputs+=("$t")
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
  for q in $q_here; do echo "$f|$q|" >> "$list"; done
done
variants=("--ctu 32" "--no-sao" "--no-deblock" "--no-sign-hiding" "--no-nxn" "--qp-jitter 6" "--qp-jitter 30 --ctu 32" "--rd 35"
          "--preset fast" "--preset slow" "--chroma-qp-offset 0" "--chroma-qp-offset 7 --qp-jitter 9"
          "--tu-depth 1" "--tu-depth 4 --rd 2" "--tu-depth 3 --ctu 32 --no-nxn" "--tu-depth 2 --early-exit 0"
          "--rate-est 0" "--rdoq 0" "--early-exit 2 --rd 3"
          "--transform-skip 1" "--transform-skip 1 --preset slow --qp-jitter 4" "--transform-skip 1 --preset fast --tu-depth 2" "--tu-depth 2 --tu-cand 4" "--preset fast --qp-jitter 3" "--preset fast --ctu 32 --qp-jitter 4" "--preset slow --qp-jitter 5"
          "--wpp 0" "--wpp 0 --qp-jitter 5" "--qp-jitter 7 --ctu 32" "--preset veryslow"
          "--preset ultrafast" "--cu-sizes 32-64 --qp-jitter 4" "--cu-sizes 16-16 --ctu 32" "--cu-sizes 8-8 --preset slow")
if [ $mode = full ]; then
  for f in "${inputs[@]}"; do
    case "$f" in *1920x1080*|*1000x750*|"$corpus"/*) [[ "$f" != *mixed_1000x750_8* ]] && continue ;; esac
    for v in "${variants[@]}"; do
      for q in 12 37; do echo "$f|$q|$v" >> "$list"; done
    done
  done
else
  # Variant i on var8[i % 3] and var10[i % 5]: every variant at both depths
  # and on at least one picture that ends in a partial CTU.
  var8=("$work/in_mixed_65x67_8.y4m" "$work/in_edges_200x120_8.y4m" "$work/in_noise_65x67_8.y4m")
  var10=("$work/in_noise_130x260_10.y4m" "$work/in_mixed_65x67_10.y4m" "$work/in_edges_200x120_10.y4m"
         "$work/in_noise_65x67_10.y4m" "$work/in_mixed_64x64_10.y4m")
  for i in "${!variants[@]}"; do
    for f in "${var8[$((i % ${#var8[@]}))]}" "${var10[$((i % ${#var10[@]}))]}"; do
      [ -f "$f" ] || { echo "missing variant input $f" >&2; exit 2; }
      for q in 12 37; do echo "$f|$q|${variants[$i]}" >> "$list"; done
    done
  done
fi

# small pictures first: a run cut short still covers every tool and size
{ grep -v -E '1920x1080|1000x750|/y4m/' "$list"; grep -E '1920x1080|1000x750|/y4m/' "$list"; } > "$list.sorted"
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
  local pf=yuv420p
  head -c 100 "$r" | grep -q C420p10 && pf=yuv420p10le
  if ! ffmpeg -v error -y -i "$s" -f rawvideo -pix_fmt $pf "$d" 2> "$work/$id.ff"; then
    echo "FAIL ffmpeg: $desc: $(head -c 300 "$work/$id.ff")"; return
  fi
  # strip the Y4M stream and frame headers of the reconstruction
  local hdr
  hdr=$(head -c 200 "$r" | grep -a -b -o FRAME | head -1 | cut -d: -f1)
  tail -c +$((hdr + 7)) "$r" > "$ry"
  if ! cmp -s "$d" "$ry"; then echo "FAIL ffmpeg-mismatch: $desc"; return; fi
  if ! LC_ALL=C grep -q -a -P '\x00\x00\x01\x50\x01\x84' "$s"; then echo "FAIL no-md5-sei: $desc"; return; fi
  if ! libde265-dec265 -q -c "$s" > "$work/$id.de" 2>&1; then
    echo "FAIL libde265: $desc: $(head -c 300 "$work/$id.de")"; return
  fi
  echo "ok $desc $(stat -c %s "$s")"
  [ "${KEEP:-0}" = 1 ] || rm -f "$s" "$r" "$d" "$ry" "$work/$id".*
}
export -f run_one
export enc work
export KEEP=$keep
export SIMD_CHECK=$simd_check
export THREADS=$threads
if [ "$threads" = 1 ]; then export THREADS_C=2; else export THREADS_C=1; fi

n=$(wc -l < "$list")
echo "hevc conformance ($mode): $n streams, $jobs jobs, $threads threads each (C check: $THREADS_C), work dir $work"
start=$(date +%s)
tr '\n' '\0' < "$list" | xargs -0 -P "$jobs" -I{} bash -c 'run_one "$1"' _ {} > "$work/results.txt"
fails=$(grep -c '^FAIL' "$work/results.txt")
oks=$(grep -c '^ok' "$work/results.txt")
grep '^FAIL' "$work/results.txt" | head -50
echo "streams: $((oks + fails)) ok: $oks mismatches/failures: $fails time: $(( $(date +%s) - start )) s"
[ "$fails" = 0 ] && [ $((oks + fails)) = "$n" ]
