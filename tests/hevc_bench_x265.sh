#!/usr/bin/env bash
# Compares libheic's HEVC encoder with x265 --preset ultrafast on single
# pictures: bits per pixel and PSNR (Y and YUV = (6Y + U + V) / 8) at QPs
# 22 27 32 37.  usage: hevc_bench_x265.sh [--enc PATH] [Y4M...]
# (default inputs: the corpus Y4Ms).  Needs x265, ffmpeg, python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
enc="$here/../build-hevc/hevc-enc"
if [ "${1:-}" = --enc ]; then enc=$2; shift 2; fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/../../shared/corpus/inputs/y4m/*.y4m)
work=$(mktemp -d /tmp/hevc_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
psnr() { # src.y4m dec.yuv -> "psnr_y psnr_yuv"
  python3 - "$1" "$2" <<'PY'
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
def plane(buf, o, pw, ph, stride):
    return [buf[o + (y * stride) * bps:o + (y * stride + pw) * bps] for y in range(ph)]
res = []
maxv = 1023 if hi else 255
so, do = off, 0
for (pw, ph, dw, dh) in ((w, h, W, H), (cw, ch, CW, H // 2), (cw, ch, CW, H // 2)):
    a = plane(src, so, pw, ph, pw); b = plane(dec, do, pw, ph, dw)
    se = 0
    for ra, rb in zip(a, b):
        if bps == 1:
            se += sum((x - y) ** 2 for x, y in zip(ra, rb))
        else:
            xa = [ra[i] | ra[i + 1] << 8 for i in range(0, len(ra), 2)]
            xb = [rb[i] | rb[i + 1] << 8 for i in range(0, len(rb), 2)]
            se += sum((x - y) ** 2 for x, y in zip(xa, xb))
    mse = se / (pw * ph)
    res.append(10 * math.log10(maxv * maxv / mse) if mse else 99.0)
    so += pw * ph * bps; do += dw * dh * bps
print("%.3f %.3f" % (res[0], (6 * res[0] + res[1] + res[2]) / 8))
PY
}
printf "%-28s %3s | %8s %7s %7s | %8s %7s %7s | %6s\n" file qp ours_bpp psnrY psnrYUV x265_bpp psnrY psnrYUV ratio
for f in "${files[@]}"; do
  b=$(basename "$f" .y4m)
  head -c 100 "$f" | grep -q p10 && pf=yuv420p10le || pf=yuv420p
  wh=$(head -1 "$f" | tr ' ' '\n' | grep -E '^[WH]' | tr -d 'WH' | paste -sd' ')
  pixels=$(( ${wh% *} * ${wh#* } ))
  for q in 22 27 32 37; do
    "$enc" --qp $q "$f" -o "$work/o.hevc"
    ffmpeg -v error -y -i "$work/o.hevc" -f rawvideo -pix_fmt $pf "$work/o.yuv"
    x265 --input "$f" --preset ultrafast --qp $q --frames 1 --ipratio 1 --no-info \
      --pools 1 --frame-threads 1 --lookahead-threads 0 -o "$work/x.hevc" 2>/dev/null
    ffmpeg -v error -y -i "$work/x.hevc" -f rawvideo -pix_fmt $pf "$work/x.yuv"
    ob=$(stat -c %s "$work/o.hevc"); xb=$(stat -c %s "$work/x.hevc")
    read -r oy oyuv <<< "$(psnr "$f" "$work/o.yuv")"
    read -r xy xyuv <<< "$(psnr "$f" "$work/x.yuv")"
    printf "%-28s %3d | %8.4f %7s %7s | %8.4f %7s %7s | %6.3f\n" "$b" $q \
      "$(echo "$ob * 8 / $pixels" | bc -l)" "$oy" "$oyuv" "$(echo "$xb * 8 / $pixels" | bc -l)" "$xy" "$xyuv" \
      "$(echo "$ob / $xb" | bc -l)"
  done
done
