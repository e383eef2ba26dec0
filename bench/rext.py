#!/usr/bin/env python3
"""Range extensions of libheic's encoder against x265 and PNG (issue 16).

Two measurements, on the bench's photos (bench.py's selection and
conversions, cached in OUT/src):

1. 4:4:4 lossy: each photo as 8-bit 4:4:4 YCbCr (BT.601, limited range,
   made by ffmpeg from the PNG), coded by hevc-enc (its format from the Y4M, one
   thread, the preset asked) and by x265 (the same Y4M, one thread, the
   preset asked) at QP 22 27 32 37 (--quick: 27 37), both decoded by
   ffmpeg. BD-rate of libheic against x265 on PSNR-Y, PSNR-YUV
   ((6 Y + Cb + Cr) / 8, as in bench.py) and SSIM-Y, per photo and the
   mean; CPU time of both.
2. Lossless: each 8-bit RGB photo as heic-enc -L codes it (4:4:4, identity
   matrix), against the PNG (the bench's pixels-only PNG; `optipng -o2` of
   it when optipng is installed), and its G, B, R planes as hevc-enc and
   x265 code them with --lossless.  heic-dec's and heif-convert's decodes of
   heic-enc's file, and ffmpeg's of the two streams, must equal the input:
   the run fails if one differs.  (libheif 1.15's heif-enc -L is not
   compared: with its own recipe, -p chroma=444 --matrix_coefficients=0,
   it writes no nclx box and its decode is not the input - 53 dB.)

    bench/rext.py [--quick|--full] [--out DIR] [--preset P] BUILD_DIR

BUILD_DIR holds hevc-enc, heic-enc and heic-dec.  Exit 1 when a tool
fails or a lossless decode differs, 2 on a usage error.
SPDX-License-Identifier: BSD-2-Clause
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bdrate  # noqa: E402
import bench  # noqa: E402
import metrics  # noqa: E402

X265_BASE = ["--frames", "1", "--ipratio", "1", "--no-info", "--pools", "1", "--frame-threads", "1",
             "--lookahead-threads", "0"]


def cpu_run(cmd, what):
    """CPU seconds of cmd (user + system, children included)."""
    r0 = os.times()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    r1 = os.times()
    if p.returncode != 0:
        sys.exit("rext.py: %s failed (exit %d): %s\n%s"
                 % (what, p.returncode, " ".join(cmd), p.stderr.decode(errors="replace")[-2000:]))
    return (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)


def ssim_db(v):
    return -10 * np.log10(max(1 - v, 1e-10))


def lossy_444(images, build, out, qps, preset, extra):
    src = os.path.join(out, "src")
    work = os.path.join(out, "streams444")
    os.makedirs(work, exist_ok=True)
    rows = []
    for name, prep in images:
        y444 = os.path.join(src, name + ".444.y4m")
        if not bench.newer(y444, prep["png"]):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", prep["png"], "-vf",
                            "scale=out_color_matrix=bt601:out_range=tv", "-pix_fmt", "yuv444p",
                            "-strict", "-1", "-f", "yuv4mpegpipe", y444 + ".tmp"], check=True)
            os.replace(y444 + ".tmp", y444)
        w, h, planes = metrics.read_y4m(y444)
        curves = {"libheic": [], "x265": []}
        cpu = {"libheic": 0.0, "x265": 0.0}
        for qp in qps:
            for enc in ("libheic", "x265"):
                s = os.path.join(work, "%s_%s_%d.hevc" % (name, enc, qp))
                if enc == "libheic":
                    cmd = [os.path.join(build, "hevc-enc"), "--threads", "1", "--no-hash",
                           "--preset", preset] + extra + ["--qp", str(qp), y444, "-o", s]
                else:
                    cmd = ["x265", "--input", y444, "--input-csp", "i444", "--preset", preset] + X265_BASE + \
                          ["--qp", str(qp), "-o", s]
                cpu[enc] += cpu_run(cmd, "%s %s QP %d" % (enc, name, qp))
                dec = os.path.join(work, "dec.y4m")
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", s, "-f", "yuv4mpegpipe", "-pix_fmt",
                                "yuv444p", "-strict", "-1", dec], check=True)
                _, _, dp = metrics.read_y4m(dec)
                py, _, _, pyuv = metrics.psnr_yuv(planes, dp)
                ss = metrics.ssim(planes[0], dp[0])
                size = bench.hevc_bytes_without_sei(s)
                curves[enc].append((size, py, pyuv, ssim_db(ss)))
                print("  %-28s %-8s QP %2d %9d B  Y %.2f  YUV %.2f  SSIM %.5f"
                      % (name, enc, qp, size, py, pyuv, ss), flush=True)
        bd = []
        for k in (1, 2, 3):
            a = [(c[0], c[k]) for c in curves["x265"]]
            t = [(c[0], c[k]) for c in curves["libheic"]]
            bd.append(bdrate.bd_rate(a, t))
        rows.append((name, w, h, bd, cpu["libheic"], cpu["x265"]))
    return rows


def gbr_y4m(rgb, path):
    """The RGB picture as a 4:4:4 Y4M of planes G, B, R (the order of
    matrix_coefficients 0, identity): what an HEVC encoder codes losslessly
    for RGB."""
    h, w = rgb.shape[:2]
    planes = [np.ascontiguousarray(rgb[..., k]) for k in (1, 2, 0)]
    metrics.write_y4m(path + ".tmp", w, h, planes, extra=b"F25:1 Ip A1:1 C444")
    os.replace(path + ".tmp", path)
    return planes


def same_decode(stream, planes, work):
    dec = os.path.join(work, "dec.y4m")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", stream, "-f", "yuv4mpegpipe", "-pix_fmt", "yuv444p",
                    "-strict", "-1", dec], check=True)
    _, _, dp = metrics.read_y4m(dec)
    return all(np.array_equal(a, b) for a, b in zip(planes, dp))


def lossless(images, build, out, preset):
    work = os.path.join(out, "lossless")
    os.makedirs(work, exist_ok=True)
    optipng = shutil.which("optipng")
    rows = []
    for name, prep in images:
        png = prep["png"]
        samples, depth = metrics.read_png_samples(png)
        if depth != 8:
            continue  # 8-bit photos only: the 16-bit ones are not lossless at 12 bits
        r = {"name": name, "w": prep["w"], "h": prep["h"], "png": os.path.getsize(png)}
        if optipng:
            o = os.path.join(work, name + ".opt.png")
            if not bench.newer(o, png):
                cpu_run([optipng, "-quiet", "-o2", "-out", o + ".tmp.png", png], "optipng " + name)
                os.replace(o + ".tmp.png", o)
            r["optipng"] = os.path.getsize(o)
        # heic-enc -L: the HEIC file, decoded exactly by heic-dec and heif-convert
        heic = os.path.join(work, name + ".heic")
        r["heic_cpu"] = cpu_run([os.path.join(build, "heic-enc"), "--quiet", "--threads", "1", "-L",
                                 "-p", "preset=" + preset, png, "-o", heic], "heic-enc -L " + name)
        r["heic"] = os.path.getsize(heic)
        want = metrics.read_png_rgb(png)
        for tool, cmd in (("heic-dec", [os.path.join(build, "heic-dec"), "--quiet", heic, "-o"]),
                          ("heif-convert", ["heif-convert", heic])):
            d = os.path.join(work, "dec.png")
            if os.path.exists(d):
                os.remove(d)
            cpu_run(cmd + [d], "%s %s" % (tool, name))
            got = metrics.read_png_rgb(d)
            if got.shape != want.shape or not np.array_equal(got, want):
                sys.exit("rext.py: %s: %s's decode of heic-enc -L differs from the PNG" % (name, tool))
        # the raw streams of hevc-enc --lossless and x265 --lossless on the
        # same G, B, R planes, each decoded by ffmpeg to the input exactly
        gbr = os.path.join(work, name + ".gbr.y4m")
        planes = gbr_y4m(want.astype(np.uint8), gbr)
        for enc in ("hevc-enc", "x265"):
            s = os.path.join(work, "%s.%s.hevc" % (name, enc))
            if enc == "hevc-enc":
                cmd = [os.path.join(build, "hevc-enc"), "--threads", "1", "--no-hash", "--lossless",
                       "--preset", preset, gbr, "-o", s]
            else:
                cmd = ["x265", "--input", gbr, "--input-csp", "i444", "--lossless", "--preset", preset] + \
                      X265_BASE + ["-o", s]
            r[enc + "_cpu"] = cpu_run(cmd, "%s --lossless %s" % (enc, name))
            r[enc] = bench.hevc_bytes_without_sei(s)
            if not same_decode(s, planes, work):
                sys.exit("rext.py: %s: %s --lossless does not decode to its input" % (name, enc))
        rows.append(r)
        print("  %-28s PNG %9d  heic-enc -L %9d  hevc-enc %9d  x265 %9d" % (
            name, r["png"], r["heic"], r["hevc-enc"], r["x265"]), flush=True)
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="2 photos, QP 27 and 37 (the default)")
    g.add_argument("--full", action="store_true", help="every bench photo, QP 22-37")
    ap.add_argument("--out", default=os.path.join(HERE, "out-rext"))
    ap.add_argument("--preset", default="medium", help="preset of both encoders (default medium)")
    ap.add_argument("--hevc-enc-args", default="", help="more hevc-enc options for the 4:4:4 part")
    ap.add_argument("--no-lossless", action="store_true", help="the 4:4:4 lossy part only")
    ap.add_argument("--corpus", default=os.environ.get("HEIC_CORPUS",
                                                      os.path.join(HERE, "..", "..", "shared", "corpus")))
    ap.add_argument("build")
    a = ap.parse_args(argv)
    mode = "full" if a.full else "quick"
    notes = []
    fallback = os.path.join(HERE, "..", "tests", "data", "wesaturate_tmshre_alpha_500x500.png")
    chosen, _ = bench.select_images(a.corpus, fallback, mode, notes)
    src = os.path.join(a.out, "src")
    images = [(n, bench.prepare(n, p, src)) for n, p in chosen]
    qps = bench.QPS[mode]
    t0 = time.time()
    load0 = open("/proc/loadavg").read().split()[:3]
    print("4:4:4, libheic %s against x265 %s, QP %s" % (a.preset, a.preset, " ".join(map(str, qps))))
    lossy = lossy_444(images, a.build, a.out, qps, a.preset, a.hevc_enc_args.split())
    ll = []
    if not a.no_lossless:
        print("lossless RGB")
        ll = lossless(images, a.build, a.out, a.preset)
    load1 = open("/proc/loadavg").read().split()[:3]

    md = ["# Range extensions: %s run, %s" % (mode, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())), "",
          "`bench/rext.py --%s --preset %s%s`; load average %s at the start, %s at the end; %.0f s."
          % (mode, a.preset, " --hevc-enc-args '%s'" % a.hevc_enc_args if a.hevc_enc_args else "",
             " ".join(load0), " ".join(load1), time.time() - t0), "",
          "## 4:4:4 lossy: BD-rate of libheic against x265 (%s), one thread" % a.preset, "",
          "| photo | size | PSNR-Y | PSNR-YUV | SSIM-Y | CPU libheic / x265 |", "|---|---|---:|---:|---:|---:|"]
    sums = [[], [], []]
    cl = cx = 0.0
    for name, w, h, bd, c1, c2 in lossy:
        md.append("| %s | %dx%d | %s | %s | %s | %.2f / %.2f s |" % (
            name, w, h, *["%+.1f %%" % v if v is not None else "-" for v in bd], c1, c2))
        for k in range(3):
            if bd[k] is not None:
                sums[k].append(bd[k])
        cl += c1
        cx += c2
    md.append("| **mean** | | %s | %s | %s | speed %.2fx |" % (
        *["**%+.1f %%**" % (sum(v) / len(v)) if v else "-" for v in sums], cx / cl if cl else 0))
    if ll:
        md += ["", "## Lossless RGB (8-bit photos): bytes", "",
           "heic-enc -L: the whole HEIC file; hevc-enc and x265 --lossless: the HEVC stream (no SEI) of the "
           "same G, B, R planes (%s preset, one thread); every one decodes to the input exactly." % a.preset, "",
           "| photo | size | PNG | optipng -o2 | heic-enc -L | hevc-enc --lossless | x265 --lossless | "
           "heic-enc / PNG | hevc-enc / x265 |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in ll:
        md.append("| %s | %dx%d | %d | %s | %d | %d | %d | %.3f | %.3f |" % (
            r["name"], r["w"], r["h"], r["png"], r.get("optipng", "-"), r["heic"], r["hevc-enc"], r["x265"],
            r["heic"] / r["png"], r["hevc-enc"] / r["x265"]))
    if ll:
        tot = {k: sum(r.get(k, 0) for r in ll) for k in ("png", "optipng", "heic", "hevc-enc", "x265")}
        md.append("| **total** | | %d | %s | %d | %d | %d | %.3f | %.3f |" % (
            tot["png"], tot["optipng"] or "-", tot["heic"], tot["hevc-enc"], tot["x265"],
            tot["heic"] / tot["png"], tot["hevc-enc"] / tot["x265"]))
        cpu = {k: sum(r[k + "_cpu"] for r in ll) for k in ("heic", "hevc-enc", "x265")}
        md.append("")
        md.append("CPU time: heic-enc -L %.2f s, hevc-enc --lossless %.2f s, x265 --lossless %.2f s." % (
            cpu["heic"], cpu["hevc-enc"], cpu["x265"]))
    md.append("")
    report = os.path.join(a.out, "rext.md")
    with open(report, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print("report: " + report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
