#!/usr/bin/env python3
"""Writes a synthetic one-frame Y4M for the HEVC conformance test.

usage: hevc_gen_y4m.py KIND WIDTH HEIGHT BITDEPTH OUT.y4m [mono|444|422]
KIND: noise | flat | gradient | edges | mixed | corr
(corr: the planes are one texture, each at its own gain - the third
inverted - plus a little noise, as R, G and B of a photo are: what
cross-component prediction predicts from.)
BITDEPTH: 8, 10 or 12; mono: monochrome (Cmono*), 444 / 422: 4:4:4 /
4:2:2 (C444*, C422*), else 4:2:0.
Deterministic (fixed seed) so that failures reproduce.
"""
import random
import struct
import sys


def plane(kind, w, h, maxv, seed):
    rnd = random.Random(seed)
    shared = random.Random(0)  # corr: the texture common to every plane
    out = []
    for y in range(h):
        row = []
        for x in range(w):
            if kind == "noise":
                v = rnd.randint(0, maxv)
            elif kind == "flat":
                v = (maxv * 3) // 7
            elif kind == "gradient":
                v = ((x * 3 + y * 2) * maxv) // max(1, 3 * w + 2 * h)
            elif kind == "edges":
                v = maxv if ((x // 5) + (y // 7)) % 2 else 0
                if (x * x + y * y) % 97 < 20:
                    v = maxv // 2
            elif kind == "corr":
                t = ((x * 5 + y * 3) * maxv) // max(1, 5 * w + 3 * h)
                if (x // 6 + y // 4) % 3 == 0:
                    t = (t + shared.randint(0, maxv)) // 2
                gain = (4, 7, -5)[(seed - 1) % 3]
                v = maxv // 2 + (gain * (t - maxv // 2)) // 6 + rnd.randint(-maxv // 64, maxv // 64)
                v = min(maxv, max(0, v))
            else:  # mixed: gradient, a noisy stripe and a hard edge
                v = ((x + y) * maxv) // max(1, w + h)
                if (y // 8) % 3 == 1:
                    v = rnd.randint(0, maxv)
                if x > w // 2 and y > h // 2:
                    v = maxv - v // 3
            row.append(v)
        out.append(row)
    return out


def main():
    kind, w, h, bd, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    fmt = sys.argv[6] if len(sys.argv) > 6 else "420"
    mono = fmt == "mono"
    maxv = (1 << bd) - 1
    cw = w if fmt == "444" else (w + 1) // 2
    ch = (h + 1) // 2 if fmt == "420" else h
    planes = [plane(kind, w, h, maxv, 1)]
    if not mono:
        planes += [plane(kind, cw, ch, maxv, 2), plane(kind, cw, ch, maxv, 3)]
    if mono:
        cs = "Cmono" if bd == 8 else "Cmono%d" % bd
    elif fmt in ("444", "422"):
        cs = "C" + fmt if bd == 8 else "C%sp%d" % (fmt, bd)
    else:
        cs = "C420jpeg" if bd == 8 else "C420p%d" % bd
    with open(path, "wb") as f:
        f.write(("YUV4MPEG2 W%d H%d F25:1 Ip A0:0 %s\nFRAME\n" % (w, h, cs)).encode())
        for p in planes:
            for row in p:
                if bd == 8:
                    f.write(bytes(row))
                else:
                    f.write(struct.pack("<%dH" % len(row), *row))


if __name__ == "__main__":
    main()
