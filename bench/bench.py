#!/usr/bin/env python3
"""The benchmark driver behind bench/run.sh (which builds the tools, installs
what is missing and then runs this).  Encodes the photo set with every
configuration, one encode at a time, measures each, writes results.csv and
calls report.py for the tables and the plot.  See docs/benchmarks.md.
"""

import argparse
import csv
import datetime
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import metrics
import report

HERE = os.path.dirname(os.path.abspath(__file__))

QPS = {"full": [22, 27, 32, 37], "quick": [27, 37]}
# Quality sweeps of the HEIC and JPEG paths, listed from the finest to the
# coarsest like QPS, so that quick mode takes the same two of the four
# (the 2nd and 4th, as QP 27 and 37).  Chosen by measurement to span about
# the quantisers of QP 22..37 (docs/benchmarks.md, "Quality sweeps"):
#   heic-enc  q 60 48 37 25 -> QP 22 27 31 37 (its quality -> QP table)
#   heif-enc  q 50 40 30 20 -> x265 CRF 25 30 35 40 (libheif: CRF = (100-q)/2)
#   cjpeg     q 92 80 60 40 -> about the RGB PSNR range of the two above
#   heif-enc -e libheic: the plugin takes libheif's quality as heic-enc does
#   heif-enc -e kvazaar q 57 47 37 27 -> QP 22 27 32 37 (libheif: QP = ((100-q)*51+50)/100)
QUALITIES = {"heic-enc": [60, 48, 37, 25], "heif-enc": [50, 40, 30, 20], "cjpeg": [92, 80, 60, 40],
             "heif-enc-kvazaar": [57, 47, 37, 27]}
QUICK_PICK = (1, 3)

# Quick mode: a detailed photo from a lossless source (storm_1920x1280, the
# one nearest 2 MP, is a motion-blurred dusk sky that codes at 0.02 bpp: too
# easy to say much) and a 500x500 one.
QUICK_IMAGES = ["flower_2268x1512", "wesaturate_tmshre_500x500"]
MIN_SIDE = 128
# Photos left out although large enough, with the reason (the report lists them).
SKIP = {
    "paris_exif_orientation_5": "the same pixels as paris_exif_xmp_icc, with EXIF orientation 5 "
                                "(ffmpeg would transpose it)",
}
DUPLICATE_TOKENS = ("_gray", "_alpha")  # variants of a photo kept in its plain form

X265_BASE = ["--frames", "1"]
# Options asked of every x265 configuration; each is probed, one the binary
# rejects is dropped with a note.
X265_OPTIONS = [["--ipratio", "1"], ["--no-info"], ["--pools", "1"], ["--frame-threads", "1"],
                ["--lookahead-threads", "0"]]
X265_CONFIGS = [("x265-ultrafast", ["--preset", "ultrafast"]),
                ("x265-medium", ["--preset", "medium"]),
                ("x265-veryslow", ["--preset", "veryslow"]),
                ("x265-medium-psnr", ["--preset", "medium", "--tune", "psnr"])]
# kvazaar (with --kvazaar PATH): one thread (--threads 0: everything on the
# main thread; --owf 0: one frame at a time), one intra picture (-n 1, and
# -p 1, which also turns off kvazaar's GOP and its intra QP offset, the
# counterpart of x265's --ipratio 1), no encoder-info SEI and no picture
# hash (x265 --no-info writes neither; SEI are left out of the rate anyway)
# and no PSNR computed by the encoder (it would be timed).  WPP stays on, its
# default, as in x265's streams (both signal entropy_coding_sync).  --preset
# comes first: kvazaar applies options in order, so the rest override it.
KVAZAAR_BASE = ["--threads", "0", "--owf", "0", "-n", "1", "-p", "1", "--no-info", "--hash", "none",
                "--no-psnr"]
KVAZAAR_PRESETS = ("ultrafast", "medium", "veryslow")
HEVC_ANCHOR = report.HEVC_ANCHOR
HEIC_ANCHOR = report.HEIC_ANCHOR
KNOWN_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                 "slower", "veryslow", "placebo")


class BenchError(Exception):
    pass


def log(msg=""):
    print(msg, flush=True)


def run(cmd, what, capture=True):
    """Runs cmd; raises BenchError naming `what` when it fails."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE if capture else None)
    except OSError as e:
        raise BenchError("%s: cannot run %s: %s" % (what, cmd[0], e))
    if p.returncode != 0:
        raise BenchError(failure(what, p, cmd))
    return p


def failure(what, p, cmd):
    """The message for a failed command: what, its status, command, stderr."""
    msg = "%s failed (exit status %d)\n  command: %s" % (what, p.returncode, shlex.join(cmd))
    tail = (p.stderr or b"").decode(errors="replace").strip().splitlines()[-8:]
    return msg + "".join("\n  " + t for t in tail)


def output_of(cmd):
    """stdout + stderr of cmd, or '' when it cannot run (for version strings)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return p.stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return ""


# ------------------------------------------------------------------ configurations

class Config:
    """One encoder setting swept over its points (QPs or qualities)."""

    def __init__(self, name, group, key, points, argv, ext):
        self.name, self.group, self.key, self.points = name, group, key, points
        self.argv, self.ext = argv, ext  # argv(point, src, out) -> command list

    def label(self, point):
        return "%s %d" % (self.key, point)


def hevc_presets(hevc_enc):
    """Preset names hevc-enc lists in its --help, or [] without --preset."""
    text = output_of([hevc_enc, "--help"])
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "--preset" not in line:
            continue
        m = re.search(r"--preset[ =]+([A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)+)", line)
        if m:
            return m.group(1).split("|")
        # Otherwise look for preset-like words in the option's description
        # (its line and the indented continuation lines after it).
        block = [line]
        for nxt in lines[i + 1:i + 4]:
            if not nxt.strip() or nxt.strip().startswith("-"):
                break
            block.append(nxt)
        words = re.findall(r"[a-z]+", " ".join(block))
        names = [w for w in KNOWN_PRESETS if w in words]
        if names:
            return names
        log("note: hevc-enc --help mentions --preset but names no presets: running its default only")
        return []
    return []


def probe_x265(workdir, notes):
    """The X265_OPTIONS this x265 accepts (each tried on a tiny picture)."""
    probe = os.path.join(workdir, "x265-probe.y4m")
    planes = [np.full((64, 64), 128, np.uint8), np.full((32, 32), 128, np.uint8),
              np.full((32, 32), 128, np.uint8)]
    metrics.write_y4m(probe, 64, 64, planes)
    out = os.path.join(workdir, "x265-probe.hevc")
    base = ["x265", "--input", probe, "--qp", "32", "-o", out] + X265_BASE
    run(base, "x265 on a 64x64 test picture")
    accepted = []
    for opt in X265_OPTIONS + [["--preset", "veryslow"], ["--tune", "psnr"]]:
        p = subprocess.run(base + opt, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode == 0:
            if opt in X265_OPTIONS:
                accepted.append(opt)
        elif opt in X265_OPTIONS:
            notes.append("x265 rejects `%s`: dropped from every x265 configuration" % " ".join(opt))
            log("note: " + notes[-1])
        else:
            raise BenchError("x265 rejects `%s`, which a configuration needs" % " ".join(opt))
    os.unlink(probe)
    if os.path.exists(out):
        os.unlink(out)
    return [a for opt in accepted for a in opt]


def probe_kvazaar(kvazaar, workdir):
    """Checks that kvazaar codes a 64x64 test picture with KVAZAAR_BASE;
    returns the SIMD it reports in use (e.g. 'avx2(55) sse2(1)') or '?'."""
    probe = os.path.join(workdir, "kvazaar-probe.y4m")
    planes = [np.full((64, 64), 128, np.uint8), np.full((32, 32), 128, np.uint8),
              np.full((32, 32), 128, np.uint8)]
    metrics.write_y4m(probe, 64, 64, planes)
    out = os.path.join(workdir, "kvazaar-probe.hevc")
    p = run([kvazaar, "--preset", "veryslow"] + KVAZAAR_BASE + ["--qp", "32", "-i", probe, "-o", out],
            "kvazaar on a 64x64 test picture")
    os.unlink(probe)
    if os.path.exists(out):
        os.unlink(out)
    m = re.search(r"^In use: *(.*)$", p.stderr.decode(errors="replace"), re.M)
    return m.group(1).strip() if m else "?"


def make_configs(tools, mode, only, workdir, notes):
    def pts(seq):
        return [seq[i] for i in QUICK_PICK] if mode == "quick" else list(seq)

    qps = QPS[mode]
    configs = []
    presets = hevc_presets(tools["hevc-enc"])
    # No MD5 picture hash SEI where hevc-enc can leave it out: x265 and
    # kvazaar run without one, and computing it is time (the bytes of SEI
    # are left out of every rate anyway).
    nohash = ["--no-hash"] if "--no-hash" in output_of([tools["hevc-enc"], "--help"]) else []
    if presets:
        for p in presets:
            configs.append(Config("libheic-" + p, "hevc", "qp", qps,
                                  lambda q, s, o, p=p: [tools["hevc-enc"], "--threads", "1"] + nohash + ["--preset", p,
                                                        "--qp", str(q), s, "-o", o], "hevc"))
    else:
        configs.append(Config("libheic-default", "hevc", "qp", qps,
                              lambda q, s, o: [tools["hevc-enc"], "--threads", "1"] + nohash + ["--qp", str(q), s, "-o", o],
                              "hevc"))
    for name, opts in X265_CONFIGS:
        configs.append(Config(name, "hevc", "qp", qps,
                              lambda q, s, o, opts=opts: ["x265", "--input", s] + opts + X265_BASE
                              + tools["x265-options"] + ["--qp", str(q), "-o", o], "hevc"))
    # --variant NAME=ARGS: hevc-enc (or heic-enc, for a NAME starting with
    # "heic-enc") with extra options, to judge one change on every photo and
    # metric beside the shipped settings.
    for vname, vargs in tools.get("variants", []):
        if vname.startswith("heic-enc"):
            configs.append(Config(vname, "heic", "q", pts(QUALITIES["heic-enc"]),
                                  lambda q, s, o, v=vargs: [tools["heic-enc"], "--quiet", "--threads", "1"] + v
                                  + ["-q", str(q), s, "-o", o], "heic"))
        else:
            configs.append(Config("libheic-" + vname, "hevc", "qp", qps,
                                  lambda q, s, o, v=vargs: [tools["hevc-enc"], "--threads", "1"] + nohash + v
                                  + ["--qp", str(q), s, "-o", o], "hevc"))
    if tools.get("kvazaar"):
        for p in KVAZAAR_PRESETS:
            configs.append(Config("kvazaar-" + p, "hevc", "qp", qps,
                                  lambda q, s, o, p=p: [tools["kvazaar"], "--preset", p] + KVAZAAR_BASE
                                  + ["--qp", str(q), "-i", s, "-o", o], "hevc"))
    # The HEIC paths run on one thread like the HEVC ones (the files are the
    # same for any thread count: heic-enc documents it, and libheif's x265
    # output does not depend on its thread pool).
    configs.append(Config("heic-enc", "heic", "q", pts(QUALITIES["heic-enc"]),
                          lambda q, s, o: [tools["heic-enc"], "--quiet", "--threads", "1", "-q", str(q),
                                           s, "-o", o], "heic"))
    # -e x265 even for the anchor: with a libheic plugin installed (or in
    # LIBHEIF_PLUGIN_PATH) heif-enc's default would be libheic.
    configs.append(Config("heif-enc", "heic", "q", pts(QUALITIES["heif-enc"]),
                          lambda q, s, o: ["heif-enc", "-e", "x265", "-q", str(q), "-p", "x265:pools=1",
                                           "-p", "x265:frame-threads=1", s, "-o", o], "heic"))
    # The same heif-enc (Debian's libheif) with libheic's encoder loaded as
    # a plugin from the build: what a vips or ImageMagick user gets, on one
    # thread (threads=1; its default is every CPU).
    configs.append(Config("heif-enc-libheic", "heic", "q", pts(QUALITIES["heic-enc"]),
                          lambda q, s, o: ["env", "LIBHEIF_PLUGIN_PATH=" + tools["plugin-dir"], "heif-enc",
                                           "-e", "libheic", "-p", "threads=1", "-q", str(q), s, "-o", o],
                          "heic"))
    if tools.get("heif-enc-kvazaar"):
        # kvazaar as libheif's plugin sets it up: its default preset, and
        # threads = 0 (no worker threads), so one thread like the others.
        # -b 8: kvazaar is built for 8 bits (its default build), so 16-bit
        # PNGs are coded at 8 bits where the others code 10.
        configs.append(Config("heif-enc-kvazaar", "heic", "q", pts(QUALITIES["heif-enc-kvazaar"]),
                              lambda q, s, o: [tools["heif-enc-kvazaar"], "-e", "kvazaar", "-b", "8",
                                               "-q", str(q), s, "-o", o], "heic"))
    configs.append(Config("cjpeg", "heic", "q", pts(QUALITIES["cjpeg"]),
                          lambda q, s, o: ["cjpeg", "-quality", str(q), "-outfile", o, s], "jpg"))

    if only:
        rx = re.compile(only)
        variant_names = {("" if v.startswith("heic-enc") else "libheic-") + v for v, _ in tools.get("variants", [])}
        chosen = [c for c in configs if rx.search(c.name) or c.name in variant_names]
        if not chosen:
            raise BenchError("--only %r matches no configuration (%s)"
                             % (only, ", ".join(c.name for c in configs)))
        for group, anchor in (("hevc", HEVC_ANCHOR), ("heic", HEIC_ANCHOR)):
            if any(c.group == group for c in chosen) and not any(c.name == anchor for c in chosen):
                chosen.append(next(c for c in configs if c.name == anchor))
                log("note: %s added as the anchor of the BD-rates" % anchor)
        order = [c.name for c in configs]
        configs = sorted(chosen, key=lambda c: order.index(c.name))
    if any(c.name.startswith("x265-") for c in configs):
        tools["x265-options"] = probe_x265(workdir, notes)
    if any(c.name.startswith("kvazaar-") for c in configs):
        tools["kvazaar-simd"] = probe_kvazaar(tools["kvazaar"], workdir)
    return configs


# ------------------------------------------------------------------ photos

def image_size(path):
    if path.lower().endswith(".png"):
        w, h, _, _ = metrics.png_info(path)
        return w, h
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
               "stream=width,height", "-of", "csv=p=0", path], "ffprobe " + path).stdout
    w, h = out.decode().strip().split(",")[:2]
    return int(w), int(h)


def select_images(corpus, fallback, mode, notes):
    """[(name, path)] of the photos to use; records what was left out."""
    cands = []
    if corpus and os.path.isdir(os.path.join(corpus, "inputs")):
        for sub in ("png", "jpeg"):
            d = os.path.join(corpus, "inputs", sub)
            if os.path.isdir(d):
                cands += [os.path.join(d, f) for f in sorted(os.listdir(d))
                          if f.lower().endswith((".png", ".jpg", ".jpeg"))]
    if not cands:
        notes.append("corpus not found (%s): using the bundled %s instead"
                     % (corpus or "not given", os.path.relpath(fallback, os.path.dirname(HERE))))
        log("note: " + notes[-1])
        return [(os.path.splitext(os.path.basename(fallback))[0], fallback)], []
    names = {os.path.splitext(os.path.basename(p))[0] for p in cands}
    chosen, skipped = [], []
    for p in cands:
        name = os.path.splitext(os.path.basename(p))[0]
        w, h = image_size(p)
        plain = name
        for tok in DUPLICATE_TOKENS:
            plain = plain.replace(tok + "_", "_")
        if min(w, h) < MIN_SIDE:
            skipped.append((name, "%dx%d: a side below %d px" % (w, h, MIN_SIDE)))
        elif plain != name and plain in names:
            skipped.append((name, "a grey/alpha variant of %s" % plain))
        elif name in SKIP:
            skipped.append((name, SKIP[name]))
        else:
            chosen.append((name, p))
    if mode == "quick":
        quick = [c for c in chosen if c[0] in QUICK_IMAGES]
        if len(quick) < len(QUICK_IMAGES):
            # Another corpus: the photo nearest 2 MP and the smallest one.
            by_px = sorted(chosen, key=lambda c: abs(math.log(max(1, _pixels(c[1])) / 2e6)))
            quick = by_px[:1] + sorted(chosen, key=lambda c: _pixels(c[1]))[:1]
            quick = list(dict.fromkeys(quick))
        skipped += [(n, "not in the quick set") for n, _ in chosen if (n, _) not in quick]
        chosen = quick
    return chosen, skipped


def _pixels(path):
    w, h = image_size(path)
    return w * h


def newer(out, src):
    return os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src)


def prepare(name, path, srcdir):
    """Converts a photo once (cached in srcdir) into what the encoders read.

    PNG: the photo's pixels only (no ICC, Exif, XMP or text: the sizes then
    measure coded pixels, as the raw HEVC streams do), 8- or 16-bit RGB, alpha
    dropped.  Y4M: 8-bit 4:2:0 BT.601 limited range, made by ffmpeg from that
    PNG; *.even.y4m: the same padded to even width and height by repeating
    the last column/row, for x265 (which refuses odd 4:2:0 sizes).  PPM:
    8-bit RGB for cjpeg.
    """
    os.makedirs(srcdir, exist_ok=True)
    base = os.path.join(srcdir, name)
    png, y4m, even, ppm = base + ".png", base + ".y4m", base + ".even.y4m", base + ".ppm"
    if not newer(png, path):
        if path.lower().endswith(".png"):
            samples, depth = metrics.read_png_samples(path)
        else:
            # A JPEG: ffmpeg decodes it (with its EXIF orientation applied,
            # which the photos used here do not have) to a temporary PNG.
            with tempfile.TemporaryDirectory(dir=srcdir) as t:
                tmp = os.path.join(t, "decoded.png")
                run(["ffmpeg", "-v", "error", "-y", "-i", path, "-frames:v", "1", "-pix_fmt", "rgb24",
                     tmp], "decoding " + path)
                samples, depth = metrics.read_png_samples(tmp)
        metrics.write_png(png + ".tmp", samples, depth)
        os.replace(png + ".tmp", png)
    if not newer(y4m, png):
        run(["ffmpeg", "-v", "error", "-y", "-i", png, "-vf", "scale=out_color_matrix=bt601:out_range=tv",
             "-pix_fmt", "yuv420p", "-strict", "-1", "-f", "yuv4mpegpipe", y4m + ".tmp"],
            "converting %s to Y4M" % png)
        os.replace(y4m + ".tmp", y4m)
    w, h, planes = metrics.read_y4m(y4m)
    x265_input = y4m
    if (w | h) & 1:
        if not newer(even, y4m):
            W, H, padded = metrics.pad_even(w, h, planes)
            metrics.write_y4m(even + ".tmp", W, H, padded)
            os.replace(even + ".tmp", even)
        x265_input = even
    rgb = metrics.read_png_rgb(png)
    if not newer(ppm, png):
        metrics.write_ppm8(ppm + ".tmp", rgb)
        os.replace(ppm + ".tmp", ppm)
    return {"png": png, "y4m": y4m, "x265_y4m": x265_input, "ppm": ppm, "w": w, "h": h,
            "planes": planes, "rgb": rgb, "luma": metrics.rgb_luma(rgb)}


# ------------------------------------------------------------------ measuring

def hevc_bytes_without_sei(path):
    """Size of an Annex-B stream without its SEI NAL units (types 39, 40).

    A NAL unit ends in a non-zero byte (rbsp trailing bits), so the zero
    bytes before a 00 00 01 belong to that start code; each unit is counted
    from the first of them to the next unit's."""
    with open(path, "rb") as f:
        data = f.read()
    units = []  # (first byte incl. its start code's zeros, NAL header offset)
    for m in re.finditer(b"\x00\x00\x01", data):
        begin = m.start()
        while begin > 0 and data[begin - 1] == 0 and (not units or begin - 1 >= units[-1][1]):
            begin -= 1
        units.append((begin, m.end()))
    sei = 0
    for i, (begin, hdr) in enumerate(units):
        end = units[i + 1][0] if i + 1 < len(units) else len(data)
        if hdr < len(data) and (data[hdr] >> 1) & 0x3F in (39, 40):
            sei += end - begin
    return len(data) - sei


def timed(cmd, what, rssfile):
    """(wall seconds, cpu seconds, peak RSS in KB) of one run of cmd."""
    full = ["/usr/bin/time", "-f", "%M %U %S", "-o", rssfile] + cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise BenchError(failure(what, p, cmd))
    with open(rssfile) as f:
        last = f.read().strip().splitlines()[-1].split()
    return wall, float(last[1]) + float(last[2]), int(last[0])


def measure(cfg, point, img, src, streamdir, tmpdir, runs):
    what = "%s %s %s" % (img, cfg.name, cfg.label(point))
    out = os.path.join(streamdir, "%s_%s%d.%s" % (cfg.name, cfg.key, point, cfg.ext))
    if cfg.group == "hevc":
        # x265 and kvazaar refuse odd 4:2:0 sizes: the even-padded copy.
        inp = src["x265_y4m"] if cfg.name.startswith(("x265-", "kvazaar-")) else src["y4m"]
    else:
        inp = src["ppm"] if cfg.name == "cjpeg" else src["png"]
    cmd = cfg.argv(point, inp, out)
    walls, cpus, rss = [], [], 0
    for _ in range(runs):
        if os.path.exists(out):
            os.unlink(out)
        wall, cpu, kb = timed(cmd, "encode " + what, os.path.join(tmpdir, "time.txt"))
        walls.append(wall)
        cpus.append(cpu)
        rss = max(rss, kb)
    if not os.path.isfile(out) or os.path.getsize(out) == 0:
        raise BenchError("encode %s: no output written\n  command: %s" % (what, shlex.join(cmd)))
    file_bytes = os.path.getsize(out)
    # The rate of a raw HEVC stream leaves out SEI NAL units: hevc-enc writes
    # an MD5 picture hash (about 56 bytes), x265 --no-info and kvazaar
    # --no-info --hash none write none, and none is needed to decode the picture.
    nbytes = hevc_bytes_without_sei(out) if cfg.group == "hevc" else file_bytes
    w, h = src["w"], src["h"]
    row = {"image": img, "width": w, "height": h, "config": cfg.name, "group": cfg.group,
           "param": cfg.key, "value": point, "bytes": nbytes, "file_bytes": file_bytes, "bpp": nbytes * 8 / (w * h),
           "time_s": min(walls), "cpu_s": min(cpus), "times_s": ";".join("%.4f" % t for t in walls),
           "rss_kb": rss, "command": shlex.join(cmd)}
    if cfg.group == "hevc":
        dec = os.path.join(tmpdir, "dec.y4m")
        run(["ffmpeg", "-v", "error", "-y", "-i", out, "-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", dec],
            "decode (ffmpeg) " + what)
        dw, dh, planes = metrics.read_y4m(dec)
        if dw < w or dh < h or dw > w + 1 or dh > h + 1:
            raise BenchError("decode %s: ffmpeg gave %dx%d for a %dx%d source" % (what, dw, dh, w, h))
        planes = metrics.crop(planes, w, h)
        py, pu, pv, pyuv = metrics.psnr_yuv(src["planes"], planes)
        row.update(psnr_y=py, psnr_cb=pu, psnr_cr=pv, psnr_yuv=pyuv,
                   ssim_y=metrics.ssim(src["planes"][0], planes[0]))
        os.unlink(dec)
    else:
        if cfg.name == "cjpeg":
            dec = os.path.join(tmpdir, "dec.ppm")
            run(["djpeg", "-outfile", dec, out], "decode (djpeg) " + what)
            rgb = metrics.read_pnm_rgb(dec)
        else:
            dec = os.path.join(tmpdir, "dec.png")
            run(["heif-convert", out, dec], "decode (heif-convert) " + what)
            rgb = metrics.read_png_rgb(dec)
        if rgb.shape != src["rgb"].shape:
            raise BenchError("decode %s: %dx%d decoded for a %dx%d source"
                             % (what, rgb.shape[1], rgb.shape[0], w, h))
        row.update(psnr_rgb=metrics.psnr(src["rgb"], rgb),
                   ssim_y=metrics.ssim(src["luma"], metrics.rgb_luma(rgb)))
        os.unlink(dec)
    return row


# ------------------------------------------------------------------ main

def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(),
            "kernel": platform.release(), "loadavg": " ".join("%.2f" % x for x in os.getloadavg())}


def versions(tools, root):
    def first(cmd, pat=None):
        for line in output_of(cmd).splitlines():
            if pat is None or re.search(pat, line):
                return line.strip()
        return "?"

    commit = output_of(["git", "-C", root, "describe", "--always", "--dirty", "--abbrev=10"]).strip()
    return {"libheic": "%s (%s, hevc-enc %s)" % (commit or "?", os.path.relpath(tools["heic-enc"], root),
                                                 tools["hevc-enc"]),
            "x265": first(["x265", "--version"], "version").replace("x265 [info]: ", ""),
            "libheif": first(["heif-enc", "--help"], "version").replace("heif-enc  ", ""),
            "libheif plugin": first(["env", "LIBHEIF_PLUGIN_PATH=" + tools["plugin-dir"], "heif-enc",
                                     "--list-encoders"], "libheic"),
            "libheif with kvazaar": (first([tools["heif-enc-kvazaar"], "--version"]) + " (" +
                                     tools["heif-enc-kvazaar"] + ")") if tools.get("heif-enc-kvazaar") else "not given",
            "kvazaar": ("%s (%s; SIMD in use: %s)" % (first([tools["kvazaar"], "--version"]), tools["kvazaar"],
                                                        tools.get("kvazaar-simd", "?")))
                       if tools.get("kvazaar") else "not given",
            "ffmpeg": first(["ffmpeg", "-version"]).split(" Copyright")[0],
            "cjpeg": first(["cjpeg", "-version"], "version"),
            "python": "%s, numpy %s" % (platform.python_version(), np.__version__)}


FIELDS = ["image", "width", "height", "config", "group", "param", "value", "bytes", "file_bytes", "bpp", "time_s",
          "cpu_s", "times_s", "rss_kb", "psnr_y", "psnr_cb", "psnr_cr", "psnr_yuv", "ssim_y", "psnr_rgb",
          "command"]


def main(argv):
    ap = argparse.ArgumentParser(description="run through bench/run.sh")
    ap.add_argument("--mode", choices=("quick", "full"), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--hevc-enc", required=True)
    ap.add_argument("--heic-enc", required=True)
    ap.add_argument("--libheif-plugin-dir", required=True)
    ap.add_argument("--heif-enc-kvazaar", default="")
    ap.add_argument("--kvazaar", default="")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS")
    ap.add_argument("--corpus", default="")
    ap.add_argument("--fallback", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--command", default="", help="the command line, for the report")
    a = ap.parse_args(argv)

    runs = a.runs or (3 if a.mode == "full" else 1)
    out = os.path.abspath(a.out)
    srcdir, tmpdir = os.path.join(out, "src"), os.path.join(out, "tmp")
    for d in (out, srcdir, tmpdir):
        os.makedirs(d, exist_ok=True)
    notes = []
    tools = {"hevc-enc": a.hevc_enc, "heic-enc": a.heic_enc, "x265-options": [],
             "plugin-dir": os.path.abspath(a.libheif_plugin_dir), "heif-enc-kvazaar": a.heif_enc_kvazaar,
             "kvazaar": a.kvazaar, "variants": []}
    for v in a.variant:
        name, eq, args = v.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
            print("bench: error: --variant %r: give NAME=ARGS (NAME of letters, digits, _.+-)" % v,
                  file=sys.stderr)
            return 2
        tools["variants"].append((name, shlex.split(args)))
    started = datetime.datetime.now().astimezone()
    mach = machine()
    try:
        configs = make_configs(tools, a.mode, a.only, tmpdir, notes)
        images, skipped = select_images(a.corpus, a.fallback, a.mode, notes)
        total = len(images) * sum(len(c.points) for c in configs)
        log("== %d photo(s), %d configuration(s), %d encodes, %d timing run(s) each"
            % (len(images), len(configs), total, runs))
        for c in configs:
            log("   %-18s %s %s" % (c.name, c.key, " ".join(map(str, c.points))))
        csvpath = os.path.join(out, "results.csv")
        n = 0
        t_start = time.time()
        with open(csvpath, "w", newline="") as f:
            wr = csv.DictWriter(f, FIELDS, extrasaction="ignore")
            wr.writeheader()
            for name, path in images:
                log("== %s (%s)" % (name, os.path.relpath(path, a.root) if path.startswith(a.root) else path))
                src = prepare(name, path, srcdir)
                streamdir = os.path.join(out, "streams", name)
                os.makedirs(streamdir, exist_ok=True)
                for cfg in configs:
                    for point in cfg.points:
                        n += 1
                        row = measure(cfg, point, name, src, streamdir, tmpdir, runs)
                        wr.writerow({k: ("%.6g" % v if isinstance(v, float) else v) for k, v in row.items()})
                        f.flush()
                        q = ("YUV %6.2f dB" % row["psnr_yuv"]) if "psnr_yuv" in row else \
                            ("RGB %6.2f dB" % row["psnr_rgb"])
                        log("[%3d/%d] %-26s %-17s %-6s %9d B %6.3f bpp  %s  SSIM %.4f  %7.2f s  %6.1f MB"
                            % (n, total, name, cfg.name, cfg.label(point), row["bytes"], row["bpp"], q,
                               row["ssim_y"], row["time_s"], row["rss_kb"] / 1024))
    except BenchError as e:
        print("bench: error: %s" % e, file=sys.stderr)
        return 1
    shutil.rmtree(tmpdir, ignore_errors=True)
    meta = {"date": started.strftime("%Y-%m-%d %H:%M %Z"), "mode": a.mode, "runs": runs,
            "command": a.command, "machine": mach, "loadavg_end": machine()["loadavg"],
            "elapsed_s": time.time() - t_start, "versions": versions(tools, a.root), "notes": notes,
            "images": [(name, os.path.relpath(path, a.root) if path.startswith(a.root) else path)
                       for name, path in images],
            "skipped": skipped, "x265_options": " ".join(X265_BASE + tools["x265-options"]),
            "commands": {c.name: shlex.join(c.argv("N" if c.key == "qp" else "Q", "IN", "OUT"))
                         for c in configs}}
    report.write_report(csvpath, out, meta)
    log("== done in %.0f s: %s" % (time.time() - t_start, os.path.join(out, "report.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
