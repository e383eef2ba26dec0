"""Reading ISOBMFF/HEIF boxes for the test scripts (tests/tools/
heif_item_hevc.py, the metadata reader of tests/encode_corpus.sh):
independent of libheic on purpose, so that a test does not check libheic's
reader with itself."""
import struct


def uint(d, p, n):
    """Big-endian unsigned integer of n bytes at d[p] (0 when n is 0)."""
    return int.from_bytes(d[p:p + n], "big") if n else 0


def boxes(d, start, end):
    """Yields (type, payload_start, box_end) for the boxes in d[start:end]."""
    p = start
    while p + 8 <= end:
        size, kind = struct.unpack(">I4s", d[p:p + 8])
        h = 8
        if size == 1:
            size = struct.unpack(">Q", d[p + 8:p + 16])[0]
            h = 16
        elif size == 0:
            size = end - p
        if size < h or p + size > end:
            raise ValueError("box %r at %d overruns its parent" % (kind, p))
        yield kind.decode("latin-1"), p + h, p + size
        p += size


def parse_iloc(d, s, e):
    """{item_id: (construction_method, [(offset, length), ...])} of the
    iloc box whose payload is d[s:e] (versions 0-2); offsets include the
    base offset."""
    v = d[s]
    q = s + 4
    osz, lsz = d[q] >> 4, d[q] & 15
    bsz, isz = d[q + 1] >> 4, (d[q + 1] & 15 if v in (1, 2) else 0)
    q += 2
    idsz = 2 if v < 2 else 4
    cnt = uint(d, q, idsz)
    q += idsz
    locs = {}
    for _ in range(cnt):
        iid = uint(d, q, idsz)
        q += idsz
        method = 0
        if v in (1, 2):
            method = uint(d, q, 2) & 15
            q += 2
        q += 2  # data_reference_index
        base = uint(d, q, bsz)
        q += bsz
        ne = uint(d, q, 2)
        q += 2
        ext = []
        for _ in range(ne):
            q += isz
            off = uint(d, q, osz)
            q += osz
            ln = uint(d, q, lsz)
            q += lsz
            ext.append((base + off, ln))
        locs[iid] = (method, ext)
    return locs


def item_data(d, loc, idat):
    """The bytes of an item located by loc = (method, extents): in the file
    for construction method 0, in idat (the idat box's payload) for 1."""
    method, ext = loc
    if method not in (0, 1):
        raise ValueError("construction method %d not handled" % method)
    src = d if method == 0 else idat
    return b"".join(src[o:o + n] for o, n in ext)
