#!/usr/bin/env python3
"""Writes the HEVC bitstream of one item of a HEIF file as an Annex-B
stream: the parameter sets of its hvcC, then its coded data with each
length prefix replaced by a start code.  A test aid, independent of libheic,
so that a third-party decoder can be run on an item with nothing of ours in
the process.

usage: heif_item_hevc.py FILE.heic ITEM_ID OUT.hevc
"""
import struct
import sys

from heif_boxes import boxes, item_data, parse_iloc, uint


def child(data, start, end, kind):
    for k, s, e in boxes(data, start, end):
        if k == kind:
            return s, e
    raise ValueError("no %s box" % kind)


def parse_ipma(data, s, e):
    version, flags = data[s], uint(data, s + 1, 3)
    pos = s + 4
    count = uint(data, pos, 4)
    pos += 4
    idsz = 2 if version < 1 else 4
    assoc = {}
    for _ in range(count):
        item_id = uint(data, pos, idsz)
        n = data[pos + idsz]
        pos += idsz + 1
        props = []
        for _ in range(n):
            if flags & 1:
                props.append(uint(data, pos, 2) & 0x7FFF)
                pos += 2
            else:
                props.append(data[pos] & 0x7F)
                pos += 1
        assoc[item_id] = props
    return assoc


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    data = open(sys.argv[1], "rb").read()
    item = int(sys.argv[2])
    ms, me = child(data, 0, len(data), "meta")
    ms += 4  # full box header
    loc = parse_iloc(data, *child(data, ms, me, "iloc"))[item]
    ps, pe = child(data, ms, me, "iprp")
    cs, ce = child(data, ps, pe, "ipco")
    props = list(boxes(data, cs, ce))
    hvcc = None
    for idx in parse_ipma(data, *child(data, ps, pe, "ipma")).get(item, []):
        if idx and props[idx - 1][0] == "hvcC":
            hvcc = props[idx - 1]
    if hvcc is None:
        sys.exit("item %d has no hvcC" % item)
    _, hs, he = hvcc
    length_size = (data[hs + 21] & 3) + 1
    out = bytearray()
    pos = hs + 23
    for _ in range(data[hs + 22]):
        n = struct.unpack(">H", data[pos + 1:pos + 3])[0]
        pos += 3
        for _ in range(n):
            size = struct.unpack(">H", data[pos:pos + 2])[0]
            out += b"\0\0\0\1" + data[pos + 2:pos + 2 + size]
            pos += 2 + size
    idat = b""
    if loc[0] == 1:
        idat = data[slice(*child(data, ms, me, "idat"))]
    coded = item_data(data, loc, idat)
    pos = 0
    while pos + length_size <= len(coded):
        size = int.from_bytes(coded[pos:pos + length_size], "big")
        out += b"\0\0\0\1" + coded[pos + length_size:pos + length_size + size]
        pos += length_size + size
    with open(sys.argv[3], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
