#!/usr/bin/env python3
"""Bjontegaard delta rate (BD-rate) with monotone piecewise cubic interpolation.

    bdrate.py --self-test          run the unit tests (exit status 1 on failure)
    bdrate.py ANCHOR.txt TEST.txt  BD-rate of TEST against ANCHOR; each file
                                   holds one "rate quality" pair per line

As a module: bd_rate(anchor_points, test_points) with points given as
(rate, quality) pairs; returns the percentage (negative = TEST needs fewer
bits at the same quality) or None when the quality ranges do not overlap.

Method (Bjontegaard, VCEG-M33, with the piecewise cubic interpolation of
later revisions): for each curve, log10(rate) is interpolated as a function
of quality (PSNR) by a monotone piecewise cubic Hermite interpolant (PCHIP:
the Fritsch-Carlson monotone scheme with the weighted harmonic mean slopes
of Fritsch and Butland, and the usual shape-preserving three-point end
slopes).  Both interpolants are integrated exactly over the overlapping
quality range; the difference of the two averages is a log10 rate ratio.

Dependencies: Python 3 only (numpy is not needed here).
"""

import math
import sys


def pchip_slopes(x, y):
    """Derivatives at the knots of the monotone cubic through (x, y).

    x must be strictly increasing.  With two points the result is the
    straight line; interior slopes are zero at local extrema and otherwise
    the weighted harmonic mean of the neighbouring secant slopes, which keeps
    the interpolant monotone wherever the data is.
    """
    n = len(x)
    if n < 2:
        raise ValueError("need at least two points")
    h = [x[k + 1] - x[k] for k in range(n - 1)]
    delta = [(y[k + 1] - y[k]) / h[k] for k in range(n - 1)]
    if n == 2:
        return [delta[0], delta[0]]
    d = [0.0] * n
    for k in range(1, n - 1):
        a, b = delta[k - 1], delta[k]
        if a * b <= 0:
            d[k] = 0.0
        else:
            w1 = 2 * h[k] + h[k - 1]
            w2 = h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / a + w2 / b)
    d[0] = _end_slope(h[0], h[1], delta[0], delta[1])
    d[-1] = _end_slope(h[-1], h[-2], delta[-1], delta[-2])
    return d


def _end_slope(h0, h1, m0, m1):
    """One-sided three-point slope at an end, limited to keep the shape."""
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if d * m0 <= 0:
        return 0.0
    if m0 * m1 <= 0 and abs(d) > abs(3 * m0):
        return 3 * m0
    return d


def _cubic_coeffs(x0, x1, y0, y1, d0, d1):
    """Coefficients c0..c3 of the Hermite piece in t = (x - x0) / (x1 - x0)."""
    h = x1 - x0
    return (y0, h * d0, 3 * (y1 - y0) - h * (2 * d0 + d1), 2 * (y0 - y1) + h * (d0 + d1))


def pchip_eval(x, y, d, xv):
    """Value of the interpolant at xv (x[0] <= xv <= x[-1])."""
    k = _interval(x, xv)
    c = _cubic_coeffs(x[k], x[k + 1], y[k], y[k + 1], d[k], d[k + 1])
    t = (xv - x[k]) / (x[k + 1] - x[k])
    return c[0] + t * (c[1] + t * (c[2] + t * c[3]))


def _interval(x, xv):
    for k in range(len(x) - 2):
        if xv < x[k + 1]:
            return k
    return len(x) - 2


def pchip_integral(x, y, lo, hi):
    """Exact integral of the PCHIP interpolant of (x, y) from lo to hi."""
    d = pchip_slopes(x, y)
    total = 0.0
    for k in range(len(x) - 1):
        a, b = max(lo, x[k]), min(hi, x[k + 1])
        if b <= a:
            continue
        h = x[k + 1] - x[k]
        c = _cubic_coeffs(x[k], x[k + 1], y[k], y[k + 1], d[k], d[k + 1])
        ta, tb = (a - x[k]) / h, (b - x[k]) / h

        def prim(t):
            return t * (c[0] + t * (c[1] / 2 + t * (c[2] / 3 + t * c[3] / 4)))

        total += h * (prim(tb) - prim(ta))
    return total


def _curve(points):
    """(quality, log10 rate) sorted by quality; rejects unusable input."""
    pts = sorted((float(q), math.log10(float(r))) for r, q in points)
    if len(pts) < 2:
        raise ValueError("a curve needs at least two points")
    for (q0, _), (q1, _) in zip(pts, pts[1:]):
        if not q1 > q0:
            raise ValueError("two points of a curve have the same quality (%g)" % q0)
    return [p[0] for p in pts], [p[1] for p in pts]


def bd_rate(anchor, test):
    """BD-rate in percent of test against anchor ([(rate, quality), ...]).

    Rates must be positive (any unit, the same for both).  Returns None when
    the quality ranges do not overlap.
    """
    xa, ya = _curve(anchor)
    xt, yt = _curve(test)
    lo, hi = max(xa[0], xt[0]), min(xa[-1], xt[-1])
    if not hi > lo:
        return None
    avg = (pchip_integral(xt, yt, lo, hi) - pchip_integral(xa, ya, lo, hi)) / (hi - lo)
    return (10 ** avg - 1) * 100


# ---------------------------------------------------------------- self-test

def _self_test():
    failures = []

    def check(name, got, want, tol=1e-9):
        ok = got is not None and want is not None and abs(got - want) <= tol
        if want is None:
            ok = got is None
        print("%-60s %s (got %s, want %s)" % (name, "ok" if ok else "FAIL", got, want))
        if not ok:
            failures.append(name)

    # A realistic anchor: four QPs of a picture (bytes, PSNR dB).
    anchor = [(412000, 44.1), (231000, 41.0), (118500, 37.6), (60250, 34.4)]

    check("identical curves -> 0%", bd_rate(anchor, anchor), 0.0)
    for k in (0.5, 0.9, 1.25, 3.0):
        scaled = [(r * k, q) for r, q in anchor]
        check("rate x %g at every point -> %+g%%" % (k, (k - 1) * 100),
              bd_rate(anchor, scaled), (k - 1) * 100)
    check("scaled anchor against scaled test is symmetric",
          bd_rate([(r * 2, q) for r, q in anchor], anchor), -50.0)

    # log10(rate) linear in PSNR: log10 R = a + b * P.  Shifting the curve by
    # +s dB (same rates, PSNR + s) gives log10 R_test(P) = a + b (P - s), so
    # the rate ratio is 10^(-b s) everywhere; PCHIP reproduces lines exactly.
    a, b = 1.0, 0.1
    line = [(10 ** (a + b * p), p) for p in (32.0, 35.5, 38.0, 42.5)]
    for s in (0.5, 1.0, -0.75):
        shifted = [(r, q + s) for r, q in line]
        check("log-linear curve shifted by %+g dB -> %+.4f%%" % (s, (10 ** (-b * s) - 1) * 100),
              bd_rate(line, shifted), (10 ** (-b * s) - 1) * 100)
    check("unsorted points give the same answer",
          bd_rate(list(reversed(anchor)), [(r * 1.1, q) for r, q in anchor[::-1]]), 10.0)
    check("two-point curves (linear) shifted by 1 dB",
          bd_rate(line[:2], [(r, q + 1) for r, q in line[:2]]), (10 ** -b - 1) * 100)
    check("no overlap -> None", bd_rate(anchor, [(r, q + 20) for r, q in anchor]), None)

    # The interpolant: passes through the knots, is monotone between them for
    # monotone data (no overshoot), and its exact integral matches a fine
    # midpoint sum.
    xs, ys = [34.4, 37.6, 41.0, 44.1], [4.78, 5.07, 5.36, 5.61]
    ds = pchip_slopes(xs, ys)
    knots = max(abs(pchip_eval(xs, ys, ds, x) - y) for x, y in zip(xs, ys))
    check("interpolant passes through the knots", knots, 0.0, 1e-12)
    steep = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    sx = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    sd = pchip_slopes(sx, steep)
    vals = [pchip_eval(sx, steep, sd, i / 100) for i in range(501)]
    mono = all(v1 >= v0 - 1e-15 for v0, v1 in zip(vals, vals[1:])) and min(vals) >= 0 and max(vals) <= 1
    check("step data: monotone, no overshoot", 1.0 if mono else 0.0, 1.0)
    n = 200000
    lo, hi = 35.0, 43.0
    mid = sum(pchip_eval(xs, ys, ds, lo + (i + 0.5) * (hi - lo) / n) for i in range(n)) * (hi - lo) / n
    check("exact integral = numerical integral", pchip_integral(xs, ys, lo, hi), mid, 1e-8)
    # Slopes of a known case by hand: x = 0,1,3; y = 0,1,2.  Secants 1, 0.5;
    # interior w1 = 2*2+1 = 5, w2 = 2+2*1 = 4: d1 = 9 / (5/1 + 4/0.5) = 9/13.
    # Ends: d0 = ((2*1+2)*1 - 1*0.5)/3 = 7/6; d2 = ((2*2+1)*0.5 - 2*1)/3 = 1/6.
    hand = pchip_slopes([0.0, 1.0, 3.0], [0.0, 1.0, 2.0])
    check("hand-computed slopes", max(abs(u - v) for u, v in zip(hand, [7 / 6, 9 / 13, 1 / 6])), 0.0, 1e-15)

    if failures:
        print("%d self-test case(s) FAILED" % len(failures))
        return 1
    print("all self-test cases passed")
    return 0


def _read_points(path):
    pts = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                pts.append((float(line[0]), float(line[1])))
    return pts


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return _self_test()
    if len(argv) == 3 and not argv[1].startswith("-"):
        r = bd_rate(_read_points(argv[1]), _read_points(argv[2]))
        print("n/a (no overlap)" if r is None else "%+.2f%%" % r)
        return 0
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    print("usage: bdrate.py --self-test | bdrate.py ANCHOR.txt TEST.txt", file=sys.stderr)
    return 2

if __name__ == "__main__":
    sys.exit(main(sys.argv))
