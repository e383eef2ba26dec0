#!/usr/bin/env python3
"""Writes hostile HEIF files: reference cycles, deep nesting, work far out
of proportion to the file's size, counts that lie, data past the end of the
file - the structures of issue 12 - plus valid files with the same parts
that must keep decoding.

usage: make_hostile.py [--max-bytes N] [--no-icc] DONOR.heic OUT_DIR

DONOR is a HEIC written by heic-enc at test time with a grid of 64x64
tiles, an alpha grid and a thumbnail:

    heic-enc -q 50 --tile 64 --thumb 48 wesaturate_tmshre_alpha_500x500.png

Only its coded pictures (hvcC and tile data) and colour properties are
taken; every box around them is written here, from ISO/IEC 14496-12
(ftyp, meta, hdlr, pitm, iinf/infe, iloc, iref, idat) and ISO/IEC 23008-12
(iprp/ipco/ipma, ispe, auxC, the grid and overlay descriptions, iden).
The donor is read with tests/tools/heif_boxes.py, the tests' own reader,
so nothing of libheic checks libheic.

OUT_DIR gets one file per case and manifest.tsv, one line per run to make:

    case  file  heic-dec-options  dec-expect  info-expect  what-it-tests

(tab-separated; heic-dec-options is "-" when there are none)

dec-expect is "image:REF" (heic-dec exits 0 and its PNG has exactly the
pixels heic-dec --threads 1 gives for the valid file REF, also written
here), "image:*" (exits 0), "error:REGEX" (exits 1 and its message matches
REGEX) or "any" (exits 0 or 1: only crashes, time and memory are judged).
info-expect is "ok:REGEX" (heic-info exits 0 and its output matches),
"error:REGEX" (exits 1 and the output matches) or "any".  REGEX is an extended
regular expression (grep -E -i) over stdout and stderr together.
refs.tsv lists the reference files (name, file).

--max-bytes N leaves out cases whose file is bigger (seeds for fuzzing);
--no-icc leaves the donor's ICC profile (9 KB) out of every file, for
copies kept in the repository (tests/fuzz/regressions).
Deterministic: the same donor gives the same files, byte for byte.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from heif_boxes import boxes, item_data, parse_iloc, uint  # noqa: E402
from heif_item_hevc import child, parse_ipma  # noqa: E402

ALPHA_URN = b"urn:mpeg:hevc:2015:auxid:1"
ALPHA_URN_CICP = b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"

# What the messages of a refused file must name (grep -E -i).  The library's
# errors name the limit they enforce; cycles and nesting have no limit field,
# so a word of their own.
CYCLE = "cycl"
DEPTH = "deep|depth|nest"
PAST_END = "past the end"
TRUNCATED = "truncated"


# ---- writing boxes --------------------------------------------------------

def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind.encode("latin-1")) + payload


def full_box(kind, version, flags, payload):
    return box(kind, struct.pack(">I", version << 24 | flags) + payload)


def ispe(width, height):
    return full_box("ispe", 0, 0, struct.pack(">II", width, height))


def auxc(urn):
    return full_box("auxC", 0, 0, urn + b"\0")


def grid_desc(rows, cols, width, height):
    """ImageGrid (23008-12 6.6.2.3): 16-bit sizes when they fit."""
    wide = width > 0xFFFF or height > 0xFFFF
    fmt = ">BBBBII" if wide else ">BBBBHH"
    return struct.pack(fmt, 0, 1 if wide else 0, rows - 1, cols - 1, width, height)


def overlay_desc(width, height, offsets, fill=(0, 0, 0, 0xFFFF)):
    """ImageOverlay (23008-12 6.6.2.2), 16-bit fields."""
    out = struct.pack(">BB4HHH", 0, 0, *fill, width, height)
    for x, y in offsets:
        out += struct.pack(">hh", x, y)
    return out


class Item:
    """One item of a file being written.  data is placed once in mdat (or
    idat with method 1) and shared by every item with the same bytes;
    extents, when given, are (offset, length) pairs relative to that
    placement (or absolute file offsets with absolute=True)."""

    def __init__(self, iid, kind, data=None, props=(), hidden=False, method=0):
        self.id = iid
        self.kind = kind
        self.data = data
        self.props = list(props)  # (raw property box, essential)
        self.hidden = hidden
        self.method = method
        self.extents = None
        self.absolute = False


class Heif:
    """A HEIF still-image file: ftyp, meta (hdlr pitm iinf iloc idat iref
    iprp) and mdat, with the narrowest box versions its ids allow."""

    def __init__(self):
        self.items = []
        self.refs = []  # (type, from, [to])
        self.primary = None
        self.next_id = 1

    def add(self, kind, data=None, props=(), hidden=False, method=0, iid=None):
        if iid is None:
            iid = self.next_id
        self.next_id = max(self.next_id, iid + 1)
        it = Item(iid, kind, data, props, hidden, method)
        self.items.append(it)
        return it

    def ref(self, kind, frm, to):
        self.refs.append((kind, frm, list(to)))

    def _wide_ids(self):
        ids = [it.id for it in self.items] + [self.primary or 0]
        ids += [f for _, f, _ in self.refs] + [t for _, _, to in self.refs for t in to]
        return max(ids) > 0xFFFF

    def build(self):
        wide = self._wide_ids()
        # Data blobs: identical bytes are stored once.
        mdat, idat, where = bytearray(), bytearray(), {}
        for it in self.items:
            if it.data is None:
                continue
            key = (it.method, bytes(it.data))
            if key not in where:
                store = idat if it.method == 1 else mdat
                where[key] = len(store)
                store += it.data
        # Two passes: meta's size does not depend on the offsets in iloc.
        head = self._ftyp()
        meta = self._meta(wide, where, bytes(idat), 0)
        base = len(head) + len(meta) + 8
        meta = self._meta(wide, where, bytes(idat), base)
        return head + meta + box("mdat", bytes(mdat))

    @staticmethod
    def _ftyp():
        return box("ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic")

    def _meta(self, wide, where, idat, mdat_start):
        idf = ">I" if wide else ">H"
        out = full_box("hdlr", 0, 0, b"\0" * 4 + b"pict" + b"\0" * 12 + b"\0")
        if self.primary is not None:
            out += full_box("pitm", 1 if wide else 0, 0, struct.pack(idf, self.primary))
        out += self._iinf(wide)
        out += self._iloc(wide, where, mdat_start)
        if idat:
            out += box("idat", idat)
        if self.refs:
            out += full_box("iref", 1 if wide else 0, 0, b"".join(
                box(kind, struct.pack(idf, frm) + struct.pack(">H", len(to)) +
                    b"".join(struct.pack(idf, t) for t in to))
                for kind, frm, to in self.refs))
        out += self._iprp(wide)
        return full_box("meta", 0, 0, out)

    def _iinf(self, wide):
        entries = b""
        for it in self.items:
            name = b"\0"
            if wide:
                payload = struct.pack(">IH4s", it.id, 0, it.kind.encode("latin-1")) + name
            else:
                payload = struct.pack(">HH4s", it.id, 0, it.kind.encode("latin-1")) + name
            if it.kind == "mime":
                payload += b"application/octet-stream\0"
            entries += full_box("infe", 3 if wide else 2, 1 if it.hidden else 0, payload)
        n = len(self.items)
        if n > 0xFFFF:
            return full_box("iinf", 1, 0, struct.pack(">I", n) + entries)
        return full_box("iinf", 0, 0, struct.pack(">H", n) + entries)

    def _iloc(self, wide, where, mdat_start):
        located = [it for it in self.items if it.data is not None or it.extents is not None]
        version = 2 if wide else 1
        out = struct.pack(">BB", 0x44, 0x00)  # offset 4, length 4, base 0, index 0
        out += struct.pack(">I" if wide else ">H", len(located))
        for it in located:
            start = 0
            if it.data is not None:
                start = where[(it.method, bytes(it.data))]
                if it.method == 0:
                    start += mdat_start
            extents = it.extents if it.extents is not None else [(0, len(it.data))]
            out += struct.pack(">I" if wide else ">H", it.id)
            out += struct.pack(">HHH", it.method, 0, len(extents))
            for off, length in extents:
                out += struct.pack(">II", off if it.absolute else start + off, length)
        return full_box("iloc", version, 0, out)

    def _iprp(self, wide):
        index, ipco = {}, []
        for it in self.items:
            for raw, _ in it.props:
                if raw not in index:
                    ipco.append(raw)
                    index[raw] = len(ipco)
        big = len(ipco) > 127
        entries = []
        for it in self.items:
            if not it.props:
                continue
            e = struct.pack(">I" if wide else ">H", it.id) + struct.pack(">B", len(it.props))
            for raw, essential in it.props:
                v = index[raw]
                e += struct.pack(">H", v | essential << 15) if big else struct.pack(">B", v | essential << 7)
            entries.append(e)
        ipma = full_box("ipma", 1 if wide else 0, 1 if big else 0,
                        struct.pack(">I", len(entries)) + b"".join(entries))
        return box("iprp", box("ipco", b"".join(ipco)) + ipma)


def patch(data, path, offset, value):
    """data with the bytes at `offset` into the payload of the box at `path`
    (box types from the top level down; the payload of meta and iref
    starts after their full-box header) replaced by value: how a count is made to lie after a file
    was written whole."""
    start, end = 0, len(data)
    for depth, kind in enumerate(path):
        if depth and path[depth - 1] in ("meta", "iref"):
            start += 4  # the full-box header of a parent holding boxes
        for k, s, e in boxes(data, start, end):
            if k == kind:
                start, end = s, e
                break
        else:
            raise ValueError("no %s box" % "/".join(path[:depth + 1]))
    out = bytearray(data)
    out[start + offset:start + offset + len(value)] = value
    return bytes(out)


# ---- the donor ------------------------------------------------------------

class Picture:
    """A coded picture of the donor: its data and its properties."""

    def __init__(self, data, props, width, height):
        self.data = data
        self.props = props  # (raw box, essential)
        self.width = width
        self.height = height


class Donor:
    def __init__(self, path, icc=True):
        d = open(path, "rb").read()
        self.icc = icc
        self.raw = d
        ms, me = child(d, 0, len(d), "meta")
        ms += 4
        self.kinds = {}
        s, e = child(d, ms, me, "iinf")
        q = s + 4 + (2 if d[s] == 0 else 4)
        for k, ps, pe in boxes(d, q, e):
            if k == "infe" and d[ps] >= 2:
                iid = uint(d, ps + 4, 2 if d[ps] == 2 else 4)
                off = ps + 4 + (2 if d[ps] == 2 else 4) + 2
                self.kinds[iid] = d[off:off + 4].decode("latin-1")
        s, e = child(d, ms, me, "pitm")
        primary = uint(d, s + 4, 2 if d[s] == 0 else 4)
        self.locs = parse_iloc(d, *child(d, ms, me, "iloc"))
        idat = b""
        if any(loc[0] == 1 for loc in self.locs.values()):
            idat = d[slice(*child(d, ms, me, "idat"))]
        self.idat = idat
        self.refs = []
        s, e = child(d, ms, me, "iref")
        idsz = 2 if d[s] == 0 else 4
        for k, ps, pe in boxes(d, s + 4, e):
            frm = uint(d, ps, idsz)
            n = uint(d, ps + idsz, 2)
            self.refs.append((k, frm, [uint(d, ps + idsz + 2 + i * idsz, idsz) for i in range(n)]))
        ps, pe = child(d, ms, me, "iprp")
        cs, ce = child(d, ps, pe, "ipco")
        self.ipco = [(k, box(k, d[s:e])) for k, s, e in boxes(d, cs, ce)]
        self.ipma = parse_ipma(d, *child(d, ps, pe, "ipma"))

        self.grid_props = self._props(primary, skip=("ispe",))
        self.tiles = [self._picture(t) for t in self._to(primary, "dimg")]
        alpha = [f for k, f, to in self.refs if k == "auxl" and primary in to]
        thumb = [f for k, f, to in self.refs if k == "thmb" and primary in to]
        if not alpha or not thumb or len(self.tiles) < 16:
            sys.exit("donor needs a grid of at least 16 tiles, an alpha grid and a thumbnail")
        self.alpha_props = self._props(alpha[0], skip=("ispe", "auxC"))
        self.alpha_tiles = [self._picture(t) for t in self._to(alpha[0], "dimg")]
        self.thumb = self._picture(thumb[0])
        g = item_data(d, self.locs[primary], idat)
        wide = g[1] & 1
        self.rows, self.cols = g[2] + 1, g[3] + 1
        self.width = uint(g, 4, 4 if wide else 2)
        self.height = uint(g, 8 if wide else 6, 4 if wide else 2)
        t = self.tiles[0]
        if len({(p.width, p.height) for p in self.tiles + self.alpha_tiles}) != 1 or \
                len(self.alpha_tiles) != len(self.tiles) or self.rows * self.cols != len(self.tiles):
            sys.exit("donor tiles must all have one size, with one alpha tile each")
        self.tw, self.th = t.width, t.height

    def _to(self, frm, kind):
        for k, f, to in self.refs:
            if k == kind and f == frm:
                return to
        sys.exit("donor item %d has no %s reference" % (frm, kind))

    def _props(self, iid, skip=()):
        out = []
        for idx in self.ipma.get(iid, []):
            if idx:
                kind, raw = self.ipco[idx - 1]
                if kind == "colr" and raw[8:12] in (b"prof", b"rICC") and not self.icc:
                    continue
                if kind not in skip:
                    out.append((raw, 1 if kind in ("hvcC", "auxC") else 0))
        return out

    def _picture(self, iid):
        props = self._props(iid)
        w = h = 0
        for raw, _ in props:
            if raw[4:8] == b"ispe":
                w, h = struct.unpack(">II", raw[12:20])
        return Picture(item_data(self.raw, self.locs[iid], self.idat), props, w, h)


# ---- building blocks --------------------------------------------------------

class Maker:
    """Adds the usual parts to a Heif from the donor."""

    def __init__(self, donor):
        self.d = donor

    def coded(self, h, pic, hidden=False, iid=None):
        return h.add("hvc1", pic.data, pic.props, hidden=hidden, iid=iid).id

    def grid(self, h, rows, cols, width, height, tiles, hidden=False, alpha=False, method=0, iid=None):
        props = self.d.alpha_props if alpha else self.d.grid_props
        it = h.add("grid", grid_desc(rows, cols, width, height),
                   [(ispe(width, height), 0)] + props, hidden=hidden, method=method, iid=iid)
        h.ref("dimg", it.id, tiles)
        return it.id

    def iden(self, h, src, width, height, hidden=False):
        it = h.add("iden", None, [(ispe(width, height), 0)] + self.d.grid_props, hidden=hidden)
        h.ref("dimg", it.id, [src])
        return it.id

    def overlay(self, h, width, height, layers, offsets, hidden=False):
        it = h.add("iovl", overlay_desc(width, height, offsets),
                   [(ispe(width, height), 0)] + self.d.grid_props, hidden=hidden)
        h.ref("dimg", it.id, layers)
        return it.id

    def make_alpha(self, h, master, src_kind, *args, urn=ALPHA_URN, **kw):
        """Turns the item made by src_kind into the alpha image of master."""
        iid = src_kind(h, *args, **kw)
        next(i for i in h.items if i.id == iid).props.append((auxc(urn), 1))
        h.ref("auxl", iid, [master])
        return iid

    def flat_grid(self, h, with_alpha=True, method=0):
        """The donor's picture again, written here: the grid of its tiles and
        the alpha grid of its alpha tiles."""
        d = self.d
        tiles = [self.coded(h, t, hidden=True) for t in d.tiles]
        g = self.grid(h, d.rows, d.cols, d.width, d.height, tiles, method=method)
        if with_alpha:
            atiles = [self.coded(h, t, hidden=True) for t in d.alpha_tiles]
            self.make_alpha(h, g, self.grid, d.rows, d.cols, d.width, d.height, atiles,
                            alpha=True, method=method)
        h.primary = g
        return g

    def nested_grid(self, h, pics, alpha=False):
        """The donor's grid as a 2x2 grid of grids of its tiles (the inner
        grids whole, the outer one cropped to the donor's size)."""
        d = self.d
        ir, ic = (d.rows + 1) // 2, (d.cols + 1) // 2
        ids = [self.coded(h, p, hidden=True) for p in pics]
        inner = []
        for br in range(2):
            for bc in range(2):
                cells = []
                for r in range(ir):
                    for c in range(ic):
                        rr = min(br * ir + r, d.rows - 1)
                        cc = min(bc * ic + c, d.cols - 1)
                        cells.append(ids[rr * d.cols + cc])
                inner.append(self.grid(h, ir, ic, ic * d.tw, ir * d.th, cells, hidden=True, alpha=alpha))
        return self.grid(h, 2, 2, d.width, d.height, inner, alpha=alpha)


# ---- the cases --------------------------------------------------------------

class Cases:
    def __init__(self, donor, out, max_bytes):
        self.d = donor
        self.m = Maker(donor)
        self.out = out
        self.max_bytes = max_bytes
        self.manifest = []
        self.refs = []

    def write(self, name, data):
        path = os.path.join(self.out, name + ".heic")
        with open(path, "wb") as f:
            f.write(data)
        return os.path.basename(path)

    def reference(self, name, h):
        self.refs.append((name, self.write(name, h.build())))

    def case(self, name, h, dec, info, what, dec_args="-"):
        """h is a Heif or bytes.  Runs with other heic-dec options reuse the
        file: case(name + "#thumb", None, ...) adds a line only."""
        base = name.split("#")[0]
        if h is not None:
            data = h if isinstance(h, bytes) else h.build()
            if self.max_bytes and len(data) > self.max_bytes:
                return
            self.write(base, data)
        elif not os.path.exists(os.path.join(self.out, base + ".heic")):
            return
        self.manifest.append((name, base + ".heic", dec_args, dec, info, what))

    # -- references: valid files whose pixels the cases must reproduce --
    def references(self):
        m, d = self.m, self.d
        h = Heif()
        m.flat_grid(h)
        self.reference("ref_donor", h)
        h = Heif()
        h.primary = m.coded(h, d.tiles[5])
        self.reference("ref_tile", h)
        h = Heif()
        h.primary = m.coded(h, d.thumb)
        self.reference("ref_thumb", h)
        # 16 items of one tile's bytes: a 4x4 grid with every tile decoded
        # once, to compare with the grid naming one item 16 times.
        h = Heif()
        tiles = [m.coded(h, d.tiles[5], hidden=True) for _ in range(16)]
        h.primary = m.grid(h, 4, 4, 4 * d.tw, 4 * d.th, tiles)
        self.reference("ref_grid_distinct_16", h)
        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in (0, 1, d.cols, d.cols + 1)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        self.reference("ref_grid_2x2", h)
        # The top-left (tw - 6) x (th - 10) of a tile: a 1x1 grid whose
        # canvas is smaller than its tile.
        h = Heif()
        h.primary = m.grid(h, 1, 1, d.tw - 6, d.th - 10, [m.coded(h, d.tiles[5], hidden=True)])
        self.reference("ref_tile_cut", h)

    # -- valid structures --
    def valid(self):
        m, d = self.m, self.d
        ok = "ok:default decode: item [0-9]+$"
        h = Heif()
        m.flat_grid(h)
        self.case("flat_grid_alpha", h, "image:ref_donor", ok,
                  "the donor's grid and alpha grid rewritten by this generator (checks the generator)")

        h = Heif()
        g = m.nested_grid(h, d.tiles)
        m.make_alpha(h, g, m.nested_grid, d.alpha_tiles, alpha=True)
        h.primary = g
        self.case("grid_of_grids", h, "image:ref_donor", ok,
                  "a 2x2 grid of 4x4 grids of the donor's tiles, alpha the same way: the same "
                  "pixels as the flat grid at every thread count (nested use of the thread pool)")

        h = Heif()
        m.flat_grid(h, method=1)
        self.case("grid_idat", h, "image:ref_donor", ok,
                  "grid and alpha grid descriptions stored in idat (construction method 1)")

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        h.primary = m.grid(h, 4, 4, 4 * d.tw, 4 * d.th, [t] * 16)
        self.case("grid_repeat_tile_16", h, "image:ref_grid_distinct_16", ok,
                  "a 4x4 grid naming one tile item 16 times: within max_item_decodes [16]")

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in (0, 1, d.cols, d.cols + 1)]
        h.primary = m.overlay(h, 2 * d.tw, 2 * d.th, tiles,
                              [(0, 0), (d.tw, 0), (0, d.th), (d.tw, d.th)])
        self.case("overlay_2x2", h, "image:ref_grid_2x2", ok,
                  "an overlay placing four tiles as a 2x2 grid would: the same pixels")

        h = Heif()
        src = m.coded(h, d.tiles[5], hidden=True)
        for _ in range(7):
            src = m.iden(h, src, d.tw, d.th, hidden=True)
        h.items[-1].hidden = False
        h.primary = src
        self.case("iden_chain_7", h, "image:ref_tile", ok,
                  "7 identity derivations over one tile: nesting within the depth limit (8)")

        h = Heif()
        src = m.coded(h, d.tiles[5], hidden=True)
        for _ in range(7):
            src = m.grid(h, 1, 1, d.tw, d.th, [src], hidden=True)
        h.items[-1].hidden = False
        h.primary = src
        self.case("grid_chain_7", h, "image:ref_tile", ok,
                  "7 nested 1x1 grids over one tile: within the depth limit (8)")

        h = Heif()
        data = d.tiles[5].data
        it = h.add("hvc1", data, d.tiles[5].props)
        n = 32
        assert len(data) >= n, "a zero-length extent would mean 'to the end'"
        cut = [len(data) * i // n for i in range(n + 1)]
        it.extents = [(cut[i], cut[i + 1] - cut[i]) for i in range(n)]
        h.primary = it.id
        self.case("iloc_32_extents", h, "image:ref_tile", ok,
                  "a tile's data split over 32 iloc extents: within max_extents [32]")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        g = m.grid(h, 1, 1, d.tw, d.th, [p])
        h.ref("thmb", g, [p])
        self.case("thmb_grid_of_primary", h, "image:ref_tile", ok,
                  "the primary's thumbnail is a grid whose tile is the primary")
        self.case("thmb_grid_of_primary#thumb", None, "image:ref_tile", ok,
                  "the same file, heic-dec --thumb: decodes the thumbnail grid", "--thumb")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        t = m.coded(h, d.thumb)
        h.primary = p
        h.ref("thmb", t, [p])
        h.ref("thmb", p, [t])
        self.case("thmb_cycle", h, "image:*", "ok:default decode: item",
                  "two images each the thumbnail of the other (pitm names one): either may be shown")
        self.case("thmb_cycle#thumb", None, "image:*", "ok:default decode: item",
                  "the same file, heic-dec --thumb", "--thumb")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        q = m.coded(h, d.tiles[6])
        h.primary = p
        h.ref("base", p, [q])
        h.ref("base", q, [p])
        h.ref("prem", p, [p])
        self.case("base_prem_cycle", h, "image:ref_tile", ok,
                  "base references in a cycle and a prem reference to itself: neither is "
                  "followed to decode a coded image")

        # A coded picture larger than its ispe (no conformance window says
        # so): cut to the ispe, in place when it is held in 8-bit storage.
        h = Heif()
        props = [(ispe(d.tw - 6, d.th - 10), e) if raw[4:8] == b"ispe" else (raw, e)
                 for raw, e in d.tiles[5].props]
        h.primary = h.add("hvc1", d.tiles[5].data, props).id
        self.case("ispe_smaller_than_coded", h, "image:ref_tile_cut", ok,
                  "a coded tile whose ispe is 6 columns and 10 rows smaller: its top-left part")

        # A single coded picture whose alpha image is a grid of another
        # size: read beside the picture (not attached) and scaled.
        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        atiles = [m.coded(h, t, hidden=True) for t in d.alpha_tiles]
        m.make_alpha(h, p, m.grid, d.rows, d.cols, d.width, d.height, atiles, alpha=True)
        self.case("picture_with_grid_alpha", h, "image:*", ok,
                  "one coded tile whose alpha image is the donor's whole alpha grid (scaled down)")

        h = Heif()
        p = h.add("hvc1", d.tiles[5].data, d.tiles[5].props, iid=0xFFFFFFFF)
        h.add("hvc1", d.tiles[6].data, d.tiles[6].props, iid=0xFFFFFFFE, hidden=True)
        h.primary = p.id
        self.case("item_id_max", h, "image:ref_tile", ok,
                  "32-bit item ids up to 0xFFFFFFFF (iinf v1, infe v3, iloc v2, ipma v1, pitm v1)")

    # -- reference cycles --
    def cycles(self):
        m, d = self.m, self.d
        bad = "ok:cannot be decoded.*(%s)" % CYCLE
        err = "error:" + CYCLE

        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        m.make_alpha(h, p, m.grid, 1, 1, d.tw, d.th, [p], alpha=True)
        self.case("alpha_grid_has_master", h, err, bad,
                  "the alpha image (auxl, auxid:1) is a 1x1 grid whose tile is its master")

        h = Heif()
        tiles = [m.coded(h, t, hidden=True) for t in d.tiles]
        g = m.grid(h, d.rows, d.cols, d.width, d.height, tiles)
        atiles = [m.coded(h, t, hidden=True) for t in d.alpha_tiles]
        m.make_alpha(h, g, m.grid, d.rows, d.cols, d.width, d.height, [g] + atiles[1:],
                     alpha=True, urn=ALPHA_URN_CICP)
        h.primary = g
        self.case("alpha_grid_has_master_cicp", h, err, bad,
                  "a grid whose alpha (mpegB cicp URN) is a grid with the master grid as its first tile")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        g = m.grid(h, 1, 1, d.tw, d.th, [p], hidden=True, alpha=True)
        m.make_alpha(h, p, m.iden, g, d.tw, d.th)
        self.case("alpha_iden_grid_master", h, err, bad,
                  "three items: the alpha is an iden of a grid whose tile is the master")

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in range(4)]
        g = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        h.items[-1].props.append((auxc(ALPHA_URN), 1))
        h.ref("auxl", g, [tiles[0]])
        h.primary = g
        self.case("tile_alpha_is_its_grid", h, err, bad,
                  "a tile's own alpha image is a grid containing that tile")

        # Overlay layers are decoded with their alpha (they are blended by
        # it): a layer whose alpha is the overlay itself is a cycle.
        h = Heif()
        bottom = m.coded(h, d.tiles[0], hidden=True)
        layer = m.coded(h, d.tiles[5], hidden=True)
        o = m.overlay(h, 2 * d.tw, d.th, [bottom, layer], [(0, 0), (d.tw, 0)])
        next(i for i in h.items if i.id == o).props.append((auxc(ALPHA_URN), 1))
        h.ref("auxl", o, [layer])
        h.primary = o
        self.case("overlay_layer_alpha_is_overlay", h, err, bad,
                  "an overlay layer's alpha image (auxl) is the overlay itself")

        for n in (1, 2, 3):
            for kind in ("grid", "iden", "iovl"):
                h = Heif()
                t = m.coded(h, d.tiles[5], hidden=True)
                first = h.next_id
                for k in range(n):
                    nxt = first + (k + 1) % n
                    if kind == "grid":
                        m.grid(h, 1, 2, 2 * d.tw, d.th, [nxt, t], hidden=k > 0)
                    elif kind == "iden":
                        m.iden(h, nxt, d.tw, d.th, hidden=k > 0)
                    else:
                        m.overlay(h, d.tw, d.th, [t, nxt], [(0, 0), (0, 0)], hidden=k > 0)
                h.primary = first
                what = "the %s item is its own dimg input" % kind if n == 1 else \
                    "%d %s items in a dimg cycle" % (n, kind)
                self.case("cycle_%s_%d" % (kind, n), h, err, bad, what)

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        g, o, i = h.next_id, h.next_id + 1, h.next_id + 2
        m.grid(h, 1, 2, 2 * d.tw, d.th, [o, t])
        m.overlay(h, d.tw, d.th, [t, i], [(0, 0), (0, 0)], hidden=True)
        m.iden(h, g, d.tw, d.th, hidden=True)
        h.primary = g
        self.case("cycle_mixed_3", h, err, bad, "grid -> overlay -> iden -> grid")

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in range(4)]
        i1, i2 = h.next_id, h.next_id + 1
        m.iden(h, i2, d.tw, d.th, hidden=True)
        m.iden(h, i1, d.tw, d.th, hidden=True)
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles[:3] + [i1])
        self.case("cycle_below_primary", h, err, bad,
                  "a valid-looking grid whose last tile is an iden in a two-item cycle")

    # -- nesting --
    def depth(self):
        m, d = self.m, self.d
        bad = "ok:cannot be decoded.*(%s)" % DEPTH
        err = "error:" + DEPTH
        for n in (9, 50, 1000):
            for kind in ("iden", "grid"):
                h = Heif()
                src = m.coded(h, d.tiles[5], hidden=True)
                for _ in range(n):
                    if kind == "iden":
                        src = m.iden(h, src, d.tw, d.th, hidden=True)
                    else:
                        src = m.grid(h, 1, 1, d.tw, d.th, [src], hidden=True)
                h.items[-1].hidden = False
                h.primary = src
                self.case("%s_chain_%d" % (kind, n), h, err, bad,
                          "%d nested %s derivations over one tile (depth limit 8)" % (n, kind))

        h = Heif()
        src = m.coded(h, d.tiles[5], hidden=True)
        kinds = ("grid", "iovl", "iden")
        for k in range(9):
            kind = kinds[k % 3]
            if kind == "grid":
                src = m.grid(h, 1, 1, d.tw, d.th, [src], hidden=True)
            elif kind == "iovl":
                src = m.overlay(h, d.tw, d.th, [src], [(0, 0)], hidden=True)
            else:
                src = m.iden(h, src, d.tw, d.th, hidden=True)
        h.items[-1].hidden = False
        h.primary = src
        self.case("mixed_chain_9", h, err, bad, "grid, overlay and iden alternating, 9 levels")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        src = m.coded(h, d.alpha_tiles[5], hidden=True)
        for _ in range(19):
            src = m.iden(h, src, d.tw, d.th, hidden=True)
        h.primary = p
        m.make_alpha(h, p, m.iden, src, d.tw, d.th, hidden=True)
        self.case("alpha_iden_chain_20", h, err, bad,
                  "the alpha image is 20 identity derivations deep: depth counts on the alpha path too")

    # -- work out of proportion to the file --
    def work(self):
        m, d = self.m, self.d

        def lim(names):
            """Refused by decoding and by heic-info's plan, naming a limit."""
            return "error:" + names, "ok:cannot be decoded.*(%s)" % names

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        h.primary = m.grid(h, 255, 256, 256 * d.tw, 255 * d.th, [t] * (255 * 256))
        self.case("grid_repeat_tile", h, *lim("max_item_decodes"),
                  "255x256 grid naming one 64x64 tile 65,280 times: 16384x16320 output from ~133 KB")

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        h.primary = m.grid(h, 1, 17, 17 * d.tw, d.th, [t] * 17)
        self.case("grid_repeat_tile_17", h, *lim("max_item_decodes"),
                  "a 1x17 grid naming one tile 17 times: one past max_item_decodes [16]")

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        inner = m.grid(h, 255, 256, 256 * d.tw, 255 * d.th, [t] * (255 * 256), hidden=True)
        h.primary = m.grid(h, 255, 256, 16384, 16320, [inner] * (255 * 256))
        self.case("grid_of_grids_4e9", h, *lim("max_item_decodes|max_tiles|max_decode_ratio"),
                  "255x256 grid whose every tile is the same 255x256 grid of one tile: "
                  "4.3e9 tile decodes asked for")

        data = d.tiles[5].data
        for n, what in ((65535, "one item of 65,535 iloc extents repeating the same NAL unit"),
                        (33, "one item of 33 iloc extents: one past max_extents [32]")):
            h = Heif()
            it = h.add("hvc1", data, d.tiles[5].props)
            it.extents = [(0, len(data))] * n
            h.primary = it.id
            # Data the reader refuses to gather is unreadable data, which
            # heic-info reports as an error of the file.
            self.case("iloc_%d_extents" % n, h, "error:max_extents", "error:max_extents", what)

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        h.primary = m.overlay(h, d.tw, d.th, [t] * 65535, [(0, 0)] * 65535)
        self.case("overlay_65535", h, *lim("max_overlay_layers|max_item_decodes"),
                  "an overlay of 65,535 layers (one tile)")

        h = Heif()
        layers = [m.coded(h, d.tiles[5], hidden=True) for _ in range(257)]
        h.primary = m.overlay(h, d.tw, d.th, layers, [(0, 0)] * 257)
        self.case("overlay_257", h, *lim("max_overlay_layers"),
                  "an overlay of 257 distinct layer items: one past max_overlay_layers [256]")

    # -- quadratic reading --
    def many(self, name, items, refs, what):
        """A valid one-tile primary image among `items` items and `refs`
        iref boxes of one reference each.  The other items are visible
        identity images without input, data or properties (21 bytes each, so
        that the bytes go to as many items and references as possible: a
        coded image without data would be an error heic-info reports), a
        tenth of them thumbnails of the primary and a tenth Exif items
        describing it.  The
        other references are between ids no item has (of every type the
        readers look for): a lookup per item that scans the references then
        costs items x references, and they change no answer."""
        m, d = self.m, self.d
        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        exif = b"\0\0\0\0II*\0"
        for k in range(items - 1):
            if k % 10 == 0:
                h.ref("thmb", h.add("iden").id, [p])
            elif k % 10 == 1:
                h.ref("cdsc", h.add("Exif", exif).id, [p])
            else:
                h.add("iden")
        kinds = ("dimg", "thmb", "cdsc", "auxl", "base")
        for j in range(refs - len(h.refs)):
            # 16-bit ids, as the items have
            h.ref(kinds[j % len(kinds)], 20000 + j % 40000, [60000 + j % 5000])
        self.case(name, h, "image:ref_tile", "ok:default decode: item %d$" % p, what)

    # -- data past the end, lying counts, odd ids --
    def malformed(self):
        m, d = self.m, self.d
        past = ("error:" + PAST_END, "error:" + PAST_END)

        h = Heif()
        it = h.add("hvc1", d.tiles[5].data, d.tiles[5].props)
        it.extents, it.absolute = [(1 << 20, len(d.tiles[5].data))], True
        h.primary = it.id
        self.case("pitm_past_eof", h, *past, "the primary (pitm) item's extent starts 1 MB past the end")

        h = Heif()
        p = m.coded(h, d.tiles[5])
        h.primary = p
        e = h.add("Exif", b"\0" * 8)
        e.extents, e.absolute = [(1 << 20, 4096)], True
        h.ref("cdsc", e.id, [p])
        self.case("exif_past_eof", h, "image:ref_tile", "error:" + PAST_END,
                  "a valid image whose Exif item lies past the end: heic-dec needs no Exif, "
                  "heic-info must say the data is missing (not \"0 bytes\", exit 0)")

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in range(4)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        data = h.build()
        tail = len(d.tiles[3].data)
        # The last tile's data is at the end of mdat: cut the file inside it.
        self.case("tile_straddles_eof", data[:len(data) - tail // 2], *past,
                  "a grid whose last tile's extent runs past the end of a cut file")

        # The same with over 1 MiB of item data before the tiles, so that
        # heic_context_read_file leaves mdat on disk and reads each tile
        # from the file as it is decoded (pread): whole, the tiles decode;
        # cut inside the last one, its extent lies past the end.
        h = Heif()
        h.add("mime", bytes(1536 << 10), hidden=True)
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in (0, 1, d.cols, d.cols + 1)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        data = h.build()
        self.case("lazy_mdat_grid", data, "image:ref_grid_2x2", "ok:grid",
                  "a valid grid after 1.5 MiB of other item data: its tiles are read from the "
                  "file as they are decoded")
        tail = len(d.tiles[d.cols + 1].data)
        self.case("lazy_mdat_tile_straddles_eof", data[:len(data) - tail // 2], *past,
                  "the same file cut inside its last tile, read from the file as it is decoded")

        h = Heif()
        t = m.coded(h, d.tiles[5], hidden=True)
        g = h.add("grid", grid_desc(1, 1, d.tw, d.th), [(ispe(d.tw, d.th), 0)] + d.grid_props, method=1)
        g.extents = [(0, 64)]  # idat holds 8 bytes
        h.ref("dimg", g.id, [t])
        h.primary = g.id
        self.case("idat_past_end", h, *past, "a grid description whose extent runs past the end of idat")

        h = Heif()
        h.primary = m.coded(h, d.tiles[5])
        m.coded(h, d.tiles[6])
        data = h.build()
        self.case("iinf_count_huge", patch(data, ["meta", "iinf"], 4, struct.pack(">H", 0xFFFF)),
                  "error:max_items", "error:max_items",
                  "iinf says 65,535 entries (beyond max_items [10000]) and holds 2")
        self.case("iinf_count_lies", patch(data, ["meta", "iinf"], 4, struct.pack(">H", 9999)),
                  "any", "any", "iinf says 9,999 entries and holds 2 (within max_items)")
        # iloc v1: version/flags, sizes (2), item_count (2)
        self.case("iloc_count_huge", patch(data, ["meta", "iloc"], 6, struct.pack(">H", 0xFFFF)),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "iloc says 65,535 entries and holds 2")
        # first entry: item_ID (2), construction_method (2), data_reference_index (2), extent_count
        self.case("iloc_extent_count_huge",
                  patch(data, ["meta", "iloc"], 8 + 6, struct.pack(">H", 0xFFFF)),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "an iloc entry says 65,535 extents and holds 1")
        self.case("ipma_count_huge",
                  patch(data, ["meta", "iprp", "ipma"], 4, struct.pack(">I", 0xFFFFFFFF)),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "ipma says 4,294,967,295 entries and holds 2")
        self.case("ipma_assoc_count_huge",
                  patch(data, ["meta", "iprp", "ipma"], 8 + 2, b"\xff"),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "an ipma entry says 255 associations and holds a few")

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in range(4)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        data = h.build()
        self.case("iref_count_huge",
                  patch(data, ["meta", "iref", "dimg"], 2, struct.pack(">H", 0xFFFF)),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "a dimg reference says 65,535 targets and holds 4")
        # hvcC: 22 bytes of fixed fields, then numOfArrays
        self.case("hvcc_arrays_huge",
                  patch(data, ["meta", "iprp", "ipco", "hvcC"], 22, b"\xff"),
                  "error:" + TRUNCATED, "error:" + TRUNCATED,
                  "hvcC says 255 parameter-set arrays and holds 3")

        h = Heif()
        t0 = h.add("hvc1", d.tiles[5].data, d.tiles[5].props, hidden=True, iid=0).id
        h.primary = m.grid(h, 1, 2, 2 * d.tw, d.th, [t0, m.coded(h, d.tiles[6], hidden=True)])
        self.case("item_id_zero", h, "any", "any",
                  "an item with id 0 (reserved: the primary resource) used as a grid tile")

        h = Heif()
        h.primary = m.grid(h, 1, 2, 2 * d.tw, d.th, [m.coded(h, d.tiles[5], hidden=True), 0xFFFFFFFF])
        self.case("ref_to_missing", h, "error:does not exist|no item|missing",
                  "ok:cannot be decoded", "a grid tile reference to item 0xFFFFFFFF, which does not exist")

        h = Heif()
        h.primary = m.coded(h, d.tiles[5])
        m.coded(h, d.tiles[6], iid=h.primary)
        self.case("duplicate_ids", h, "error:twice|duplicate", "error:twice|duplicate",
                  "two infe entries with the same item id")

        h = Heif()
        tiles = [m.coded(h, d.thumb, hidden=True)] + \
                [m.coded(h, d.tiles[i], hidden=True) for i in (1, d.cols, d.cols + 1)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        self.case("grid_tile_sizes_differ", h, "error:tile", "any",
                  "a 2x2 grid whose first tile is %dx%d and the others %dx%d"
                  % (d.thumb.width, d.thumb.height, d.tw, d.th))

        h = Heif()
        tiles = [m.coded(h, d.tiles[i], hidden=True) for i in (0, 1, d.cols)] + [m.coded(h, d.thumb, hidden=True)]
        h.primary = m.grid(h, 2, 2, 2 * d.tw, 2 * d.th, tiles)
        self.case("grid_last_tile_smaller", h, "error:tile", "any",
                  "a 2x2 grid whose last tile is smaller than the others")


def main():
    args = sys.argv[1:]
    max_bytes, icc = 0, True
    while args and args[0].startswith("--"):
        if args[0] == "--max-bytes" and len(args) > 1:
            max_bytes = int(args[1])
            args = args[2:]
        elif args[0] == "--no-icc":
            icc = False
            args = args[1:]
        else:
            sys.exit(__doc__)
    if len(args) != 2:
        sys.exit(__doc__)
    donor = Donor(args[0], icc)
    os.makedirs(args[1], exist_ok=True)
    c = Cases(donor, args[1], max_bytes)
    c.references()
    c.valid()
    c.cycles()
    c.depth()
    c.work()
    # Sized like the files of issue 12: 736 KB (11 s in heic-dec) and
    # 2.3 MB (over a minute).
    c.many("many_items_736k", 10000, 36400,
           "10,000 items (images, thumbnails and Exif of the primary) and 36,400 references")
    c.many("many_refs_2300k", 10000, 151500,
           "10,000 items and 151,500 references")
    c.malformed()
    with open(os.path.join(args[1], "manifest.tsv"), "w") as f:
        for row in c.manifest:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(args[1], "refs.tsv"), "w") as f:
        for row in c.refs:
            f.write("\t".join(row) + "\n")
    print("%d cases, %d references in %s" % (len(c.manifest), len(c.refs), args[1]))


if __name__ == "__main__":
    main()
