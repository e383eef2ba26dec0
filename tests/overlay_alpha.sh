#!/bin/bash
# Overlay (iovl) layers with alpha are blended onto the canvas (issue 16),
# as ISO/IEC 23008-12 and libheif do, instead of covering what is below.
# SPDX-License-Identifier: BSD-2-Clause
#
#   overlay_alpha.sh HEIC-ENC HEIC-DEC IMGCMP DATA-DIR
#
# tests/tools/make_overlay_alpha.py writes a 112x96 overlay of two 64x64
# layers - an opaque one at (0, 0) and one with an alpha plane at (40, 24),
# overlapping it and the black canvas - and each layer as an image of its
# own.  Checked:
#  1. heic-dec's overlay equals, sample for sample, the blend computed here
#     (in Python, from heic-dec's PNGs of the two layers): canvas =
#     (layer * a + canvas * (255 - a)) / 255 in integers where the layer
#     has alpha;
#  2. the layer's alpha really varies there (the blend is not a copy);
#  3. libheif's heif-convert gives the same pixels (when installed).
set -u
enc=$1 dec=$2 imgcmp=$3 data=$4
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-ovl-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

"$enc" --quiet -q 50 --tile 64 --thumb 48 "$data/wesaturate_tmshre_alpha_500x500.png" -o "$T/donor.heic" ||
  { echo "FAIL: cannot make the donor"; exit 1; }
python3 "$here/tools/make_overlay_alpha.py" "$T/donor.heic" "$T" || { echo "FAIL: cannot write the overlays"; exit 1; }
for f in overlay top bottom; do
  "$dec" --quiet "$T/$f.heic" -o "$T/$f.png" || fail "heic-dec $f.heic: status $?"
done
python3 - "$T" << 'EOF2' && ok "the overlay is the blend of its layers by the top layer's alpha, sample for sample" || fail "the overlay is not the blend"
import struct, sys, zlib
def read_png(path):
    d = open(path, 'rb').read()
    pos, idat = 8, b''
    while pos < len(d):
        n, kind = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and interlace == 0 and ctype in (2, 6), (path, depth, ctype)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = 4 if ctype == 6 else 3
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp + 1
    for y in range(h):
        f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows
t = sys.argv[1]
ow, oh, obpp, ov = read_png(t + '/overlay.png')
bw, bh, bbpp, bot = read_png(t + '/bottom.png')
tw, th, tbpp, top = read_png(t + '/top.png')
assert (ow, oh, obpp, bbpp, tbpp) == (112, 96, 3, 3, 4), (ow, oh, obpp, bbpp, tbpp)
canvas = [[[0, 0, 0] for _ in range(ow)] for _ in range(oh)]
for (lw, lh, bpp, rows, ox, oy) in ((bw, bh, bbpp, bot, 0, 0), (tw, th, tbpp, top, 40, 24)):
    for y in range(lh):
        for x in range(lw):
            cx, cy = ox + x, oy + y
            if cx >= ow or cy >= oh:
                continue
            px = rows[y][x * bpp:(x + 1) * bpp]
            for c in range(3):
                if bpp == 4:
                    a = px[3]
                    canvas[cy][cx][c] = (px[c] * a + canvas[cy][cx][c] * (255 - a)) // 255
                else:
                    canvas[cy][cx][c] = px[c]
bad = sum(1 for y in range(oh) for x in range(ow) for c in range(3) if canvas[y][x][c] != ov[y][x * 3 + c])
alphas = {top[y][x * 4 + 3] for y in range(th) for x in range(tw)}
partial = sum(1 for a in alphas if 0 < a < 255)
print("overlay: %d samples differ from the blend; the top layer has %d distinct alpha values, %d partial"
      % (bad, len(alphas), partial))
sys.exit(0 if bad == 0 and partial >= 8 else 1)
EOF2
if command -v heif-convert > /dev/null; then
  heif-convert "$T/overlay.heic" "$T/overlay_lh.png" > /dev/null 2>&1 || fail "heif-convert overlay.heic failed"
  "$imgcmp" "$T/overlay.png" "$T/overlay_lh.png" > "$T/cmp.txt" 2>&1 &&
    ok "heif-convert gives the same pixels ($(head -n1 "$T/cmp.txt"))" ||
    fail "heif-convert's overlay differs: $(cat "$T/cmp.txt")"
fi
if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
