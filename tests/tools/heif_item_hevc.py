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


def boxes(data, start, end):
    """Yields (type, payload_start, box_end) for the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr or pos + size > end:
            raise ValueError("box %r at %d overruns its parent" % (kind, pos))
        yield kind.decode("latin-1"), pos + hdr, pos + size
        pos += size


def child(data, start, end, kind):
    for k, s, e in boxes(data, start, end):
        if k == kind:
            return s, e
    raise ValueError("no %s box" % kind)


def uint(data, pos, size):
    return int.from_bytes(data[pos:pos + size], "big") if size else 0, pos + size


def parse_iloc(data, s, e):
    version = data[s]
    pos = s + 4
    off_size, len_size = data[pos] >> 4, data[pos] & 15
    base_size, idx_size = data[pos + 1] >> 4, data[pos + 1] & 15
    pos += 2
    count, pos = uint(data, pos, 2 if version < 2 else 4)
    items = {}
    for _ in range(count):
        item_id, pos = uint(data, pos, 2 if version < 2 else 4)
        method = 0
        if version in (1, 2):
            method = data[pos + 1] & 15
            pos += 2
        pos += 2  # data_reference_index
        base, pos = uint(data, pos, base_size)
        n, pos = uint(data, pos, 2)
        extents = []
        for _ in range(n):
            if version in (1, 2) and idx_size:
                _, pos = uint(data, pos, idx_size)
            off, pos = uint(data, pos, off_size)
            length, pos = uint(data, pos, len_size)
            extents.append((base + off, length))
        items[item_id] = (method, extents)
    return items


def parse_ipma(data, s, e):
    version, flags = data[s], int.from_bytes(data[s + 1:s + 4], "big")
    pos = s + 4
    count, pos = uint(data, pos, 4)
    assoc = {}
    for _ in range(count):
        item_id, pos = uint(data, pos, 2 if version < 1 else 4)
        n = data[pos]
        pos += 1
        props = []
        for _ in range(n):
            if flags & 1:
                v, pos = uint(data, pos, 2)
                props.append(v & 0x7FFF)
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
    method, extents = parse_iloc(data, *child(data, ms, me, "iloc"))[item]
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
    if method == 1:
        base, _ = child(data, ms, me, "idat")
    elif method == 0:
        base = 0
    else:
        sys.exit("item %d: construction method %d not handled" % (item, method))
    coded = b"".join(data[base + o:base + o + n] for o, n in extents)
    pos = 0
    while pos + length_size <= len(coded):
        size = int.from_bytes(coded[pos:pos + length_size], "big")
        out += b"\0\0\0\1" + coded[pos + length_size:pos + length_size + size]
        pos += length_size + size
    with open(sys.argv[3], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
