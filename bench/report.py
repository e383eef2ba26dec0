#!/usr/bin/env python3
"""Tables and plot of a benchmark run: report.md and speed_vs_bdrate.png
beside results.csv.  bench.py calls it at the end of a run; to redo the
report of an earlier run (after changing this file):

    report.py OUTDIR        reads OUTDIR/results.csv and OUTDIR/meta.json
"""

import csv
import json
import math
import os
import sys

import bdrate

HEVC_ANCHOR = "x265-medium"
HEIC_ANCHOR = "heif-enc"
NUMERIC = ("width", "height", "value", "bytes", "bpp", "time_s", "cpu_s", "rss_kb", "psnr_y", "psnr_cb",
           "psnr_cr", "psnr_yuv", "ssim_y", "psnr_rgb")


def load(csvpath):
    rows = []
    with open(csvpath, newline="") as f:
        for r in csv.DictReader(f):
            for k in NUMERIC:
                r[k] = float(r[k]) if r.get(k) not in (None, "") else None
            rows.append(r)
    return rows


def ordered(seq):
    return list(dict.fromkeys(seq))


def quality(r, metric):
    """The row's quality on metric; SSIM as dB, -10 log10(1 - SSIM), whose
    curves are close to linear in log rate as PSNR's are (the BD-rate fit
    of raw SSIM, which saturates near 1, is poor)."""
    if metric == "ssim_db":
        v = r["ssim_y"]
        return None if v is None else -10 * math.log10(max(1 - v, 1e-10))
    return r[metric]


def curves(rows, config, metric):
    """{image: [(bytes, quality), ...]} of one configuration."""
    out = {}
    for r in rows:
        if r["config"] == config:
            out.setdefault(r["image"], []).append((r["bytes"], quality(r, metric)))
    return out


def bd_table(rows, configs, anchor, metric):
    """{config: {image: BD-rate % or None}} against anchor."""
    ref = curves(rows, anchor, metric)
    res = {}
    for c in configs:
        cur = curves(rows, c, metric)
        res[c] = {}
        for img, pts in cur.items():
            if img not in ref:
                res[c][img] = None
                continue
            try:
                res[c][img] = bdrate.bd_rate(ref[img], pts)
            except ValueError:
                res[c][img] = None
    return res


def mean(vals):
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def fmt_pct(v):
    return "n/a" if v is None else "%+.1f%%" % v


def summary(rows, configs, anchor, metric):
    """Per configuration: mean BD-rate, its range, speed ratios, RSS."""
    bd = bd_table(rows, configs, anchor, metric)
    t_anchor = sum(r["time_s"] for r in rows if r["config"] == anchor)
    c_anchor = sum(r["cpu_s"] for r in rows if r["config"] == anchor)
    pix = {r["image"]: r["width"] * r["height"] for r in rows}
    largest = max(pix, key=pix.get) if pix else None
    out = []
    for c in configs:
        rs = [r for r in rows if r["config"] == c]
        t = sum(r["time_s"] for r in rs)
        cpu = sum(r["cpu_s"] for r in rs)
        vals = [v for v in bd[c].values() if v is not None]
        out.append({
            "config": c, "bd": mean(vals), "bd_min": min(vals) if vals else None,
            "bd_max": max(vals) if vals else None, "n_img": len(vals), "n_all": len(bd[c]),
            "time": t, "speed": (t_anchor / t) if t and t_anchor else None,
            "cpu_speed": (c_anchor / cpu) if cpu and c_anchor else None,
            "rss": max(r["rss_kb"] for r in rs) / 1024 if rs else None,
            "rss_largest": max((r["rss_kb"] for r in rs if r["image"] == largest), default=0) / 1024,
        })
    return out, bd, largest


def speed_cell(v):
    return "n/a" if v is None else "%.2f" % v


def config_table(summ, anchor, metric_name, largest):
    lines = ["| configuration | BD-rate vs %s (%s), mean | range over photos | speed ratio (wall) "
             "| speed ratio (CPU) | encode time, total s | peak RSS MB | peak RSS MB on %s |"
             % (anchor, metric_name, largest),
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summ:
        rng = "n/a" if s["bd_min"] is None else "%s .. %s" % (fmt_pct(s["bd_min"]), fmt_pct(s["bd_max"]))
        if s["n_img"] < s["n_all"]:
            rng += " (%d of %d photos overlap)" % (s["n_img"], s["n_all"])
        lines.append("| %s | %s | %s | %s | %s | %.2f | %.1f | %.1f |"
                     % (s["config"], fmt_pct(s["bd"]), rng, speed_cell(s["speed"]), speed_cell(s["cpu_speed"]),
                        s["time"], s["rss"], s["rss_largest"]))
    return lines


def metrics_table(rows, configs, anchor, metrics):
    """Mean BD-rate (and range over the photos) of each configuration on
    each metric: a gain on one metric paid for on another shows here."""
    lines = ["| configuration | " + " | ".join("BD-rate %s (range)" % label for _, label in metrics) + " |",
             "|---|" + "---:|" * len(metrics)]
    tables = [bd_table(rows, configs, anchor, m) for m, _ in metrics]
    for c in configs:
        cells = []
        for bd in tables:
            vals = [v for v in bd[c].values() if v is not None]
            cells.append("n/a" if not vals else "%s (%s .. %s)" % (fmt_pct(mean(vals)), fmt_pct(min(vals)),
                                                                 fmt_pct(max(vals))))
        lines.append("| %s | %s |" % (c, " | ".join(cells)))
    return lines


def image_table(bd, configs, images):
    lines = ["| photo | " + " | ".join(configs) + " |", "|---|" + "---:|" * len(configs)]
    for img in images:
        lines.append("| %s | %s |" % (img, " | ".join(fmt_pct(bd[c].get(img)) for c in configs)))
    lines.append("| **mean** | %s |" % " | ".join(fmt_pct(mean(bd[c].values())) for c in configs))
    return lines


def speed_by_point_table(rows, configs, anchor):
    """CPU time of each configuration at each operating point (QP or
    quality), summed over the photos, as a speed ratio against the anchor at
    the same point: an encoder can be faster at one end of the sweep and
    slower at the other."""
    points = ordered(r["value"] for r in rows if r["config"] == anchor)
    param = next(r["param"] for r in rows if r["config"] == anchor)

    def cpu(c, v):
        vals = [r["cpu_s"] for r in rows if r["config"] == c and r["value"] == v]
        return sum(vals) if vals and all(x is not None for x in vals) else None

    lines = ["| configuration | " + " | ".join("%s %d" % (param, v) for v in points) + " |",
             "|---|" + "---:|" * len(points)]
    for c in configs:
        cells = []
        for v in points:
            a, t = cpu(anchor, v), cpu(c, v)
            cells.append("n/a" if not a or not t else "%.2f (%.2f s)" % (a / t, t))
        lines.append("| %s | %s |" % (c, " | ".join(cells)))
    return lines


def points_table(rows, configs, metric, metric_name):
    lines = ["| configuration | point | mean bpp | mean %s dB | mean SSIM-Y | encode s (sum) |" % metric_name,
             "|---|---|---:|---:|---:|---:|"]
    for c in configs:
        rs = [r for r in rows if r["config"] == c]
        for v in ordered(r["value"] for r in rs):
            pr = [r for r in rs if r["value"] == v]
            lines.append("| %s | %s %d | %.4f | %.2f | %.4f | %.2f |"
                         % (c, pr[0]["param"], v, mean(r["bpp"] for r in pr), mean(r[metric] for r in pr),
                            mean(r["ssim_y"] for r in pr), sum(r["time_s"] for r in pr)))
    return lines


def plot(path, panels):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.8), squeeze=False)
    for ax, (title, anchor, summ) in zip(axes[0], panels):
        pts = sorted((1 / s["speed"], s["bd"], s["config"]) for s in summ
                     if s["bd"] is not None and s["speed"])
        for i, (x, y, name) in enumerate(pts):
            ax.plot(x, y, "o", color="C3" if name.startswith(("libheic", "heic-enc", "heif-enc-libheic")) else "C0")
            # Alternate the labels above and below so that neighbours do not overlap.
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 5 if i % 2 == 0 else -12),
                        fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1,
                                                 2, 5, 10, 20, 50, 100]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(1, color="0.7", lw=0.8)
        ax.set_xlabel("encode time relative to %s (log scale; < 1 is faster)" % anchor)
        ax.set_ylabel("BD-rate vs %s, %% (lower is better)" % anchor)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.margins(0.25)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(csvpath, outdir, meta):
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    rows = load(csvpath)
    images = ordered(r["image"] for r in rows)
    hevc = ordered(r["config"] for r in rows if r["group"] == "hevc")
    heic = ordered(r["config"] for r in rows if r["group"] == "heic")
    m = meta["machine"]
    L = ["# libheic benchmark: %s mode, %s" % (meta["mode"], meta["date"]), "",
         "Command: `%s`  " % meta["command"],
         "Machine: %s CPUs (`nproc`), %s, Linux %s; load average %s at the start, %s at the end "
         "(the machine is shared: wall times are noisy, CPU times less so).  " % (
             m["nproc"], m["cpu"], m["kernel"], m["loadavg"], meta["loadavg_end"]),
         "Timing: %s per encode, one encode at a time; peak RSS from `/usr/bin/time -f %%M`.  "
         % ("the fastest of %d runs" % meta["runs"] if meta["runs"] > 1 else "one run"),
         "Total run time %.0f s." % meta["elapsed_s"], ""]
    L += ["Versions:", ""] + ["- %s: %s" % kv for kv in meta["versions"].items()] + [""]
    if meta["notes"]:
        L += ["Notes:", ""] + ["- " + n for n in meta["notes"]] + [""]
    L += ["Photos (%d): %s." % (len(images), ", ".join(
        "%s (%dx%d)" % (i, r["width"], r["height"]) for i in images
        for r in [next(x for x in rows if x["image"] == i)])), ""]
    if meta["skipped"]:
        L += ["Left out: " + "; ".join("%s (%s)" % tuple(s) for s in meta["skipped"]) + ".", ""]
    L += ["Commands (`N` the QP, `Q` the quality):", ""] + [
        "- %s: `%s`" % kv for kv in meta["commands"].items()] + [""]

    panels = []

    def section(configs, anchor, metric, label, panel, title, intro, every):
        """One group of configurations measured against anchor on metric,
        then on every metric of the group."""
        summ, bd, largest = summary(rows, configs, anchor, metric)
        panels.append((panel, anchor, summ))
        return ([title, "", intro, ""] + config_table(summ, anchor, label, largest) + [""] +
                ["Speed ratio (CPU) against %s at each point, and the CPU seconds summed over "
                 "the photos:" % anchor, ""] + speed_by_point_table(rows, configs, anchor) + [""] +
                ["BD-rate against %s on every metric (mean over the photos; SSIM-Y as dB, "
                 "-10 log10(1 - SSIM)):" % anchor, ""] + metrics_table(rows, configs, anchor, every) + [""] +
                ["BD-rate per photo:", ""] + image_table(bd, configs, images) + [""] +
                ["Operating points (means over the photos):", ""] +
                points_table(rows, configs, metric, label) + [""])

    if hevc:
        L += section(
            hevc, HEVC_ANCHOR, "psnr_yuv", "PSNR-YUV", "HEVC, one picture, QP sweep (PSNR-YUV)",
            "## HEVC encoders (Y4M in, one intra picture)",
            "BD-rate: bits (the stream without its SEI NAL units) at equal PSNR-YUV = (6 Y + Cb + Cr) / 8 "
            "against x265 `--preset medium`, "
            "per photo over the QP sweep, then the mean over the photos (negative: fewer bits).  "
            "Speed ratio: total x265-medium encode time / total time of the configuration "
            "(> 1: faster than x265 medium); wall clock, and user+system CPU time (n/a: below the 10 ms "
            "resolution of `/usr/bin/time`).",
            [("psnr_y", "PSNR-Y"), ("psnr_yuv", "PSNR-YUV"), ("ssim_db", "SSIM-Y")])
    if heic:
        L += section(
            heic, HEIC_ANCHOR, "psnr_rgb", "RGB PSNR",
            "HEIC / JPEG files from PNG, quality sweep (RGB PSNR)",
            "## HEIC and JPEG files (PNG in, RGB out)",
            "BD-rate: file bytes at equal RGB PSNR against libheif's `heif-enc` (x265), both decoded "
            "by libheif's `heif-convert`; cjpeg (decoded by djpeg) for context.  Speed ratio: total "
            "heif-enc time / total time of the configuration (CPU: n/a below 10 ms).  SSIM-Y here is on BT.601 luma computed "
            "from the RGB.",
            [("psnr_rgb", "RGB PSNR"), ("ssim_db", "SSIM-Y (RGB luma)")])
    if panels:
        plot(os.path.join(outdir, "speed_vs_bdrate.png"), panels)
        L += ["![speed vs BD-rate](speed_vs_bdrate.png)", ""]
    L += ["Every encode: `results.csv` (bytes, bpp, time, CPU time, peak RSS, PSNR-Y/Cb/Cr/YUV, SSIM-Y, "
          "RGB PSNR, command).", ""]
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(L))


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: report.py OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[1]
    with open(os.path.join(outdir, "meta.json")) as f:
        meta = json.load(f)
    write_report(os.path.join(outdir, "results.csv"), outdir, meta)
    print(os.path.join(outdir, "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
