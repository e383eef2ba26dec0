#!/usr/bin/env bash
# Compares libheic's HEVC encoder with x265 on single pictures: bytes, PSNR
# (Y and YUV = (6Y + U + V) / 8), CPU time, and the BD-rate of log10(rate)
# against PSNR-YUV over the QPs (piecewise cubic Hermite interpolation with
# Fritsch-Carlson slopes, integrated over the overlapping PSNR range).
#
# usage: hevc_bench_x265.sh [options] [Y4M...]   (default: the corpus Y4Ms)
#   --enc PATH          hevc-enc to test (default ../build-hevc/hevc-enc)
#   --opts "ARGS"       extra hevc-enc arguments, e.g. "--preset slow"
#   --x265-preset P     x265 preset of the anchor (default medium)
#   --qps "Q..."        QPs (default "22 27 32 37")
#   --runs N            time each of our encodes N times, keep the minimum
#                       (x265 anchors are timed once per cache entry, min of 3)
#   --cache DIR         where x265 anchors are kept between runs
#                       (default /tmp/hevc_bench_cache; x265 is re-run when
#                       the input or the preset changes)
#   --quiet             only the per-file and average summary lines
# Times are user+system CPU seconds of one single-threaded process each.
# Needs x265, ffmpeg, python3 (numpy speeds PSNR up when present).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
enc="$here/../build-hevc/hevc-enc"
opts=""
xpreset=medium
qps="22 27 32 37"
runs=1
cache=/tmp/hevc_bench_cache
quiet=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --enc) enc=$2; shift ;;
    --opts) opts=$2; shift ;;
    --x265-preset) xpreset=$2; shift ;;
    --qps) qps=$2; shift ;;
    --runs) runs=$2; shift ;;
    --cache) cache=$2; shift ;;
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ ${#files[@]} -gt 0 ] || files=("$here"/../../shared/corpus/inputs/y4m/*.y4m)
py=python3
/usr/bin/python3 -c 'import numpy' 2>/dev/null && py=/usr/bin/python3
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/hevc_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# cpu_time OUTFILE cmd...: runs cmd, appends "user+sys" seconds to OUTFILE
cpu_time() {
  local out=$1; shift
  /usr/bin/time -f "%U %S" -o "$work/t" "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  awk '{printf "%.3f\n", $1 + $2}' "$work/t" >> "$out"
}
min_of() { sort -g "$1" | head -1; }

psnr() { # src.y4m dec.yuv -> "psnr_y psnr_yuv"
  "$py" - "$1" "$2" <<'PY'
import math, sys
src = open(sys.argv[1], 'rb').read()
hdr = src.split(b'\n', 1)[0].split()
w = int([t for t in hdr if t.startswith(b'W')][0][1:]); h = int([t for t in hdr if t.startswith(b'H')][0][1:])
hi = b'p10' in src[:200]
bps = 2 if hi else 1
off = src.index(b'FRAME') + 6
dec = open(sys.argv[2], 'rb').read()
W, H = w + (w & 1), h + (h & 1)   # the decoder outputs even sizes
cw, ch, CW = (w + 1) // 2, (h + 1) // 2, W // 2
maxv = 1023 if hi else 255
try:
    import numpy as np
    dt = np.uint16 if hi else np.uint8
    def plane(buf, o, pw, ph, stride):
        a = np.frombuffer(buf, dtype=dt, count=stride * ph, offset=o).reshape(ph, stride)
        return a[:, :pw].astype(np.int64)
    def sse(a, b):
        d = a - b
        return int((d * d).sum())
except ImportError:
    def plane(buf, o, pw, ph, stride):
        rows = []
        for y in range(ph):
            r = buf[o + y * stride * bps:o + (y * stride + pw) * bps]
            rows.append(list(r) if bps == 1 else [r[i] | r[i + 1] << 8 for i in range(0, len(r), 2)])
        return rows
    def sse(a, b):
        return sum((x - y) ** 2 for ra, rb in zip(a, b) for x, y in zip(ra, rb))
res = []
so, do = off, 0
for (pw, ph, dw, dh) in ((w, h, W, H), (cw, ch, CW, H // 2), (cw, ch, CW, H // 2)):
    e = sse(plane(src, so, pw, ph, pw), plane(dec, do, pw, ph, dw))
    mse = e / (pw * ph)
    res.append(10 * math.log10(maxv * maxv / mse) if mse else 99.0)
    so += pw * ph * bps; do += dw * dh * bps
print("%.4f %.4f" % (res[0], (6 * res[0] + res[1] + res[2]) / 8))
PY
}

bdrate() { # file with lines "rate_ref psnr_ref rate_test psnr_test" -> percent
  "$py" - "$1" <<'PY'
import math, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
def pchip(xs, ys):
    n = len(xs)
    h = [xs[i + 1] - xs[i] for i in range(n - 1)]
    dl = [(ys[i + 1] - ys[i]) / h[i] for i in range(n - 1)]
    d = [0.0] * n
    for k in range(1, n - 1):
        if dl[k - 1] * dl[k] > 0:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / dl[k - 1] + w2 / dl[k])
    def end(h0, h1, d0, d1):
        v = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
        if v * d0 <= 0: return 0.0
        if d0 * d1 <= 0 and abs(v) > 3 * abs(d0): return 3 * d0
        return v
    if n > 2:
        d[0] = end(h[0], h[1], dl[0], dl[1])
        d[-1] = end(h[-1], h[-2], dl[-1], dl[-2])
    else:
        d[0] = d[-1] = dl[0]
    def f(x):
        k = 0
        while k < n - 2 and x > xs[k + 1]: k += 1
        t = (x - xs[k]) / h[k]
        h00 = (1 + 2 * t) * (1 - t) ** 2; h10 = t * (1 - t) ** 2
        h01 = t * t * (3 - 2 * t); h11 = t * t * (t - 1)
        return h00 * ys[k] + h10 * h[k] * d[k] + h01 * ys[k + 1] + h11 * h[k] * d[k + 1]
    return f
def curve(pairs):
    pairs = sorted(pairs, key=lambda p: p[1])
    return [p[1] for p in pairs], [math.log10(p[0]) for p in pairs]
xr, yr = curve([(r[0], r[1]) for r in rows])
xt, yt = curve([(r[2], r[3]) for r in rows])
lo, hi = max(xr[0], xt[0]), min(xr[-1], xt[-1])
if hi <= lo:
    print("nan"); sys.exit()
fr, ft = pchip(xr, yr), pchip(xt, yt)
N = 2000  # Simpson's rule on an even number of intervals
def integ(f):
    s = f(lo) + f(hi)
    for i in range(1, N):
        s += (4 if i & 1 else 2) * f(lo + (hi - lo) * i / N)
    return s * (hi - lo) / N / 3
diff = (integ(ft) - integ(fr)) / (hi - lo)
print("%.2f" % ((10 ** diff - 1) * 100))
PY
}

[ $quiet = 1 ] || printf "%-24s %3s | %9s %8s %8s %7s | %9s %8s %8s %7s\n" file qp ours_B psnrY psnrYUV cpu_s x265_B psnrY psnrYUV cpu_s
summary="$work/summary.txt"
: > "$summary"
for f in "${files[@]}"; do
  b=$(basename "$f" .y4m)
  head -c 100 "$f" | grep -q p10 && pf=yuv420p10le || pf=yuv420p
  key="$b.$(stat -c %s.%Y "$f").$xpreset"
  : > "$work/bd.txt"
  ot=0; xt=0
  for q in $qps; do
    # anchor (cached)
    xc="$cache/$key.qp$q"
    if [ ! -f "$xc.txt" ]; then
      : > "$work/xt"
      for r in 1 2 3; do
        cpu_time "$work/xt" x265 --input "$f" --preset "$xpreset" --qp $q --frames 1 --ipratio 1 \
          --no-info --pools 1 --frame-threads 1 --lookahead-threads 0 -o "$work/x.hevc"
      done
      ffmpeg -v error -y -i "$work/x.hevc" -f rawvideo -pix_fmt $pf "$work/x.yuv"
      echo "$(stat -c %s "$work/x.hevc") $(psnr "$f" "$work/x.yuv") $(min_of "$work/xt")" > "$xc.txt"
    fi
    read -r xb xy xyuv xs < "$xc.txt"
    : > "$work/ot"
    for ((r = 0; r < runs; r++)); do
      # shellcheck disable=SC2086
      cpu_time "$work/ot" "$enc" --qp $q $opts "$f" -o "$work/o.hevc"
    done
    os=$(min_of "$work/ot")
    ffmpeg -v error -y -i "$work/o.hevc" -f rawvideo -pix_fmt $pf "$work/o.yuv"
    ob=$(stat -c %s "$work/o.hevc")
    read -r oy oyuv <<< "$(psnr "$f" "$work/o.yuv")"
    [ $quiet = 1 ] || printf "%-24s %3d | %9d %8s %8s %7s | %9d %8s %8s %7s\n" "$b" $q "$ob" "$oy" "$oyuv" "$os" "$xb" "$xy" "$xyuv" "$xs"
    echo "$xb $xyuv $ob $oyuv" >> "$work/bd.txt"
    ot=$(echo "$ot + $os" | bc -l); xt=$(echo "$xt + $xs" | bc -l)
  done
  bd=$(bdrate "$work/bd.txt")
  tr=$(echo "$ot / $xt" | bc -l)
  printf "%-24s BD-rate %7s %%  time %7.2f s vs x265 %6.2f s = %5.2fx\n" "$b" "$bd" "$ot" "$xt" "$tr"
  echo "$bd $ot $xt" >> "$summary"
done
awk '{bd += $1; o += $2; x += $3; n++} END {if (n) printf "%-24s BD-rate %7.2f %%  time %7.2f s vs x265 %6.2f s = %5.2fx\n", "AVERAGE(" n ")", bd / n, o, x, o / x}' "$summary"
