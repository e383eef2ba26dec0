#!/usr/bin/env python3
"""Lossless check for the HEVC conformance test: every sample of IN.y4m
equals the sample at the same position of REC.y4m (the encoder's
reconstruction, which may be larger: 4:2:0 pictures of odd size are coded
padded to even).  Takes Cmono*, C420*, C422* and C444*.  Exit 0 when they match, 1 with the first difference.

usage: hevc_y4m_same.py IN.y4m REC.y4m
"""
import re
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    head = data[:nl].split()
    w = h = 0
    cs = b"420jpeg"
    for t in head[1:]:
        if t[:1] == b"W":
            w = int(t[1:])
        elif t[:1] == b"H":
            h = int(t[1:])
        elif t[:1] == b"C":
            cs = t[1:]
    frame = data.index(b"FRAME\n", nl) + 6
    mono = cs.startswith(b"mono")
    m = re.match(rb"mono(\d*)$", cs) if mono else re.match(rb"(42[02]|444)(?:p(\d+))?", cs)
    depth = int(m.group(m.lastindex)) if m and m.lastindex and m.group(m.lastindex) and (mono or m.lastindex == 2) else 8
    bps = 2 if depth > 8 else 1
    sub = m.group(1) if m and not mono else b"420"
    cw = w if sub == b"444" else (w + 1) // 2
    ch = (h + 1) // 2 if sub == b"420" else h
    dims = [(w, h)] if mono else [(w, h), (cw, ch), (cw, ch)]
    planes, pos = [], frame
    for pw, ph in dims:
        n = pw * ph * bps
        planes.append((pw, ph, data[pos:pos + n]))
        pos += n
    return mono, depth, bps, planes


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    if a[0] != b[0] or a[1] != b[1]:
        print("format differs: %s vs %s" % (a[:2], b[:2]))
        return 1
    bps = a[2]
    for c, (pa, pb) in enumerate(zip(a[3], b[3])):
        (wa, ha, da), (wb, hb, db) = pa, pb
        if wb < wa or hb < ha:
            print("plane %d: reconstruction %dx%d smaller than the input %dx%d" % (c, wb, hb, wa, ha))
            return 1
        for y in range(ha):
            ra = da[y * wa * bps:(y + 1) * wa * bps]
            rb = db[y * wb * bps:y * wb * bps + wa * bps]
            if ra != rb:
                x = next(i for i in range(len(ra)) if ra[i] != rb[i]) // bps
                print("plane %d differs at (%d, %d)" % (c, x, y))
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
