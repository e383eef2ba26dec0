#!/usr/bin/env python3
"""What wavefront parallel processing costs in compression, and what threads give.

    bench/wpp_cost.py HEVC_ENC OUTDIR PNG...

For each photo: hevc-enc --wpp 1 and --wpp 0 (default preset) at QP 22 27
32 37; BD-rate of WPP against the single-substream stream on PSNR-Y,
PSNR-YUV ((6Y + Cb + Cr) / 8) and SSIM-Y (as a dB-like -10 log10(1 - SSIM)
curve), per photo and averaged; then the 1, 2 and 4 thread wall and CPU
times of the default encode at QP 27 and whether the streams are the same.
Prints a Markdown report.  Needs ffmpeg and numpy.
"""

import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bdrate  # noqa: E402
import metrics  # noqa: E402

QPS = (22, 27, 32, 37)


def run(cmd):
    """Runs cmd; returns (wall s, CPU s of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def ssim_db(s):
    return 100.0 if s >= 1 else -10 * __import__("math").log10(1 - s)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    enc, out, photos = argv[1], argv[2], argv[3:]
    os.makedirs(out, exist_ok=True)
    rows, sums = [], {"y": [], "yuv": [], "ssim": []}
    timing = []
    for png in photos:
        name = os.path.splitext(os.path.basename(png))[0]
        y4m = os.path.join(out, name + ".y4m")
        if not os.path.exists(y4m):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", png, "-vf",
                            "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", y4m], check=True)
        w, h, src = metrics.read_y4m(y4m)
        curves = {}
        for wpp in (1, 0):
            pts = {"y": [], "yuv": [], "ssim": []}
            for qp in QPS:
                s = os.path.join(out, "%s_w%d_q%d.hevc" % (name, wpp, qp))
                r = s + ".y4m"
                run([enc, "--threads", "1", "--wpp", str(wpp), "--qp", str(qp), "--recon", r, y4m, "-o", s])
                _, _, rec = metrics.read_y4m(r)
                bits = os.path.getsize(s) * 8
                py, _, _, pyuv = metrics.psnr_yuv(src, rec)
                pts["y"].append((bits, py))
                pts["yuv"].append((bits, pyuv))
                pts["ssim"].append((bits, ssim_db(metrics.ssim(src[0], rec[0]))))
                os.remove(r)
            curves[wpp] = pts
        bd = {k: bdrate.bd_rate(curves[0][k], curves[1][k]) for k in pts}
        size = sum(b for b, _ in curves[1]["y"]) / sum(b for b, _ in curves[0]["y"]) - 1
        rows.append((name, w, h, bd, size))
        for k in bd:
            sums[k].append(bd[k])
        # threads at QP 27
        t = []
        ref = None
        for n in (1, 2, 4):
            s = os.path.join(out, "%s_t%d.hevc" % (name, n))
            wall, cpu = min((run([enc, "--threads", str(n), "--qp", "27", y4m, "-o", s]) for _ in range(2)),
                            key=lambda x: x[0])
            data = open(s, "rb").read()
            same = ref is None or data == ref
            ref = ref if ref is not None else data
            t.append((n, wall, cpu, same))
        timing.append((name, w, h, t))
    print("| photo | size | BD-rate PSNR-Y | PSNR-YUV | SSIM-Y | bytes at equal QP |")
    print("|---|---|---:|---:|---:|---:|")
    for name, w, h, bd, size in rows:
        print("| %s | %dx%d | %+.2f%% | %+.2f%% | %+.2f%% | %+.2f%% |" % (
            name, w, h, bd["y"], bd["yuv"], bd["ssim"], 100 * size))
    print("| **mean** | | %+.2f%% | %+.2f%% | %+.2f%% | |" % tuple(
        sum(v) / len(v) for v in (sums["y"], sums["yuv"], sums["ssim"])))
    print()
    print("| photo | 1 thread wall (CPU) | 2 threads | 4 threads | speed-up 2 / 4 | same stream |")
    print("|---|---:|---:|---:|---:|---|")
    for name, w, h, t in timing:
        base = t[0][1]
        print("| %s | %.2f s (%.2f) | %.2f s (%.2f) | %.2f s (%.2f) | %.2fx / %.2fx | %s |" % (
            name, t[0][1], t[0][2], t[1][1], t[1][2], t[2][1], t[2][2], base / t[1][1], base / t[2][1],
            "yes" if all(x[3] for x in t) else "NO"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
