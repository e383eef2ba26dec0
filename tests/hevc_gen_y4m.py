#!/usr/bin/env python3
"""Writes a synthetic one-frame Y4M for the HEVC conformance test.

usage: hevc_gen_y4m.py KIND WIDTH HEIGHT BITDEPTH OUT.y4m [mono|444|422]
KIND: noise | flat | gradient | edges | mixed
BITDEPTH: 8, 10 or 12; mono: monochrome (Cmono*), 444 / 422: 4:4:4 /
4:2:2 (C444*, C422*), else 4:2:0.
Deterministic (fixed seed) so that failures reproduce.
"""
import random
import struct
import sys


def plane(kind, w, h, maxv, seed):
    rnd = random.Random(seed)
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
