#!/usr/bin/env python3
"""Writes the overlay files of tests/overlay_alpha.sh from a donor HEIC (the
one tests/hostile.sh makes: a grid of 64x64 tiles with an alpha grid):

  overlay.heic  a 112x96 overlay (iovl) of two layers: the donor's tile 0
                (no alpha) at (0, 0), and tile 5 with its alpha tile at
                (40, 24), overlapping it and the canvas
  bottom.heic   tile 0 alone, the first layer as an image of its own
  top.heic      tile 5 with its alpha, the second layer alone

usage: make_overlay_alpha.py DONOR.heic OUT_DIR

The boxes are written by tests/tools/make_hostile.py's classes, from the
standards, so that nothing of libheic writes what libheic reads.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_hostile import Donor, Heif, Maker  # noqa: E402

CANVAS = (112, 96)
OFFSETS = [(0, 0), (40, 24)]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    d = Donor(sys.argv[1], icc=False)
    m = Maker(d)
    out = sys.argv[2]

    def write(name, h):
        with open(os.path.join(out, name), "wb") as f:
            f.write(h.build())

    h = Heif()
    bottom = m.coded(h, d.tiles[0], hidden=True)
    top = m.coded(h, d.tiles[5], hidden=True)
    m.make_alpha(h, top, m.coded, d.alpha_tiles[5], hidden=True)
    h.primary = m.overlay(h, CANVAS[0], CANVAS[1], [bottom, top], OFFSETS)
    write("overlay.heic", h)

    h = Heif()
    h.primary = m.coded(h, d.tiles[0])
    write("bottom.heic", h)

    h = Heif()
    h.primary = m.coded(h, d.tiles[5])
    m.make_alpha(h, h.primary, m.coded, d.alpha_tiles[5], hidden=True)
    write("top.heic", h)


if __name__ == "__main__":
    main()
