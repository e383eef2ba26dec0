"""Picture I/O and quality metrics for bench/bench.py (numpy only).

Pictures are numpy arrays: 8-bit 4:2:0 planes as uint8 (Y4M), RGB as float64
on a 0..255 scale whatever the file's bit depth (16-bit samples are divided
by 257, so 8-bit and 16-bit images compare on the same scale).
"""

import math
import subprocess
import zlib

import numpy as np

# PSNR of identical pictures: infinite, reported as this.
PSNR_IDENTICAL = 100.0


# ------------------------------------------------------------------ Y4M

def read_y4m(path):
    """First frame of an 8-bit 4:2:0, 4:2:2 or 4:4:4 Y4M file: (width, height, [Y, Cb, Cr])."""
    with open(path, "rb") as f:
        data = f.read()
    nl = data.find(b"\n")
    header = data[:nl].split()
    if nl < 0 or header[0] != b"YUV4MPEG2":
        raise ValueError("%s: not a Y4M file" % path)
    w = h = None
    colour = b"420jpeg"
    for tok in header[1:]:
        if tok[:1] == b"W":
            w = int(tok[1:])
        elif tok[:1] == b"H":
            h = int(tok[1:])
        elif tok[:1] == b"C":
            colour = tok[1:]
    if not w or not h:
        raise ValueError("%s: Y4M header without a size" % path)
    if colour.startswith(b"420") and not colour.startswith(b"420p1"):
        cw, ch = (w + 1) // 2, (h + 1) // 2
    elif colour == b"422":
        cw, ch = (w + 1) // 2, h
    elif colour == b"444":
        cw, ch = w, h
    else:
        raise ValueError("%s: only 8-bit 4:2:0, 4:2:2 and 4:4:4 Y4M are supported (C%s)"
                         % (path, colour.decode()))
    frame = data.find(b"\n", nl + 1)  # "FRAME[ params]\n"
    if not data[nl + 1:nl + 6] == b"FRAME":
        raise ValueError("%s: no FRAME" % path)
    off = frame + 1
    planes = []
    for pw, ph in ((w, h), (cw, ch), (cw, ch)):
        n = pw * ph
        if off + n > len(data):
            raise ValueError("%s: truncated frame" % path)
        planes.append(np.frombuffer(data, np.uint8, n, off).reshape(ph, pw))
        off += n
    return w, h, planes


def write_y4m(path, w, h, planes, extra=b"F25:1 Ip A1:1 C420jpeg"):
    """Writes one 8-bit 4:2:0 frame."""
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d %s\nFRAME\n" % (w, h, extra))
        for p in planes:
            f.write(np.ascontiguousarray(p, np.uint8).tobytes())


def pad_even(w, h, planes):
    """The picture padded to even width and height by repeating its last
    column and row (chroma already has ceil(w/2) x ceil(h/2) samples)."""
    y = np.pad(planes[0], ((0, h & 1), (0, w & 1)), mode="edge")
    return w + (w & 1), h + (h & 1), [y, planes[1], planes[2]]


def crop(planes, w, h):
    """The top-left w x h of decoded planes (a decoder may output the coded,
    padded size)."""
    cw, ch = (w + 1) // 2, (h + 1) // 2
    y, u, v = planes
    if y.shape[0] < h or y.shape[1] < w or u.shape[0] < ch or u.shape[1] < cw:
        raise ValueError("decoded picture %dx%d is smaller than the source %dx%d"
                         % (y.shape[1], y.shape[0], w, h))
    return [y[:h, :w], u[:ch, :cw], v[:ch, :cw]]


# ------------------------------------------------------------------ RGB images

def png_info(path):
    """(width, height, bit depth, colour type) from a PNG's IHDR."""
    with open(path, "rb") as f:
        head = f.read(33)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError("%s: not a PNG file" % path)
    return (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"),
            head[24], head[25])


def read_png_rgb(path):
    """RGB of a PNG as float64 (h, w, 3) on a 0..255 scale; alpha and any
    colour profile are ignored.  Decoded by ffmpeg."""
    a, depth = read_png_samples(path)
    return a.astype(np.float64) / 257.0 if depth == 16 else a.astype(np.float64)


def write_png(path, samples, depth):
    """A PNG holding pixels only (IHDR, IDAT, IEND: no colour profile, Exif,
    XMP or text) of samples, an (h, w, 3) integer array of the given bit
    depth (8 or 16)."""
    h, w, _ = samples.shape
    rows = samples.astype(">u2" if depth == 16 else np.uint8).reshape(h, -1)
    raw = np.zeros((h, 1 + rows.view(np.uint8).shape[1]), np.uint8)  # filter byte 0
    raw[:, 1:] = rows.view(np.uint8)

    def chunk(kind, body):
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))

    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([depth, 2, 0, 0, 0])
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b""))


def read_png_samples(path):
    """(samples, depth): the RGB samples of a PNG as an (h, w, 3) integer
    array (uint8 or uint16) and its bit depth, 8 or 16.  Decoded by ffmpeg;
    alpha and colour profiles are ignored."""
    w, h, depth, _ = png_info(path)
    fmt, dtype = ("rgb48le", "<u2") if depth == 16 else ("rgb24", np.uint8)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", fmt, "-"],
                         check=True, stdout=subprocess.PIPE).stdout
    a = np.frombuffer(raw, dtype)
    if a.size != w * h * 3:
        raise ValueError("%s: ffmpeg gave %d samples for %dx%d RGB" % (path, a.size, w, h))
    return a.reshape(h, w, 3), (16 if depth == 16 else 8)


def read_pnm_rgb(path):
    """RGB of a binary PPM (P6, maxval 255 or 65535) as in read_png_rgb."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # one whitespace byte ends the header
    if fields[0] != b"P6":
        raise ValueError("%s: not a binary PPM" % path)
    w, h, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    dtype = ">u2" if maxval > 255 else np.uint8
    a = np.frombuffer(data, dtype, w * h * 3, pos).reshape(h, w, 3).astype(np.float64)
    return a * (255.0 / maxval)


def write_ppm8(path, rgb):
    """8-bit binary PPM of an RGB float array (0..255), rounded."""
    h, w, _ = rgb.shape
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(np.clip(np.rint(rgb), 0, 255).astype(np.uint8).tobytes())


def rgb_luma(rgb):
    """BT.601 luma of full-range RGB (0..255 floats), for SSIM on RGB paths."""
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


# ------------------------------------------------------------------ metrics

def psnr(a, b, peak=255.0):
    """PSNR in dB of b against a (any shapes that match)."""
    if a.shape != b.shape:
        raise ValueError("PSNR of pictures of different sizes %s and %s" % (a.shape, b.shape))
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = float(np.mean(d * d))
    if mse == 0:
        return PSNR_IDENTICAL
    return 10 * math.log10(peak * peak / mse)


def psnr_yuv(src, dec):
    """(PSNR-Y, PSNR-Cb, PSNR-Cr, PSNR-YUV = (6 Y + Cb + Cr) / 8)."""
    y, u, v = (psnr(s, d) for s, d in zip(src, dec))
    return y, u, v, (6 * y + u + v) / 8


def _gaussian_window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x * x) / (2 * sigma * sigma))
    return g / g.sum()


_WINDOW = _gaussian_window()


def _filter_valid(img, g=_WINDOW):
    """Separable 2-D filtering keeping only fully covered positions."""
    n = len(g)
    h, w = img.shape
    tmp = g[0] * img[:, 0:w - n + 1]
    for i in range(1, n):
        tmp += g[i] * img[:, i:w - n + 1 + i]
    out = g[0] * tmp[0:h - n + 1, :]
    for i in range(1, n):
        out += g[i] * tmp[i:h - n + 1 + i, :]
    return out


def ssim(a, b, peak=255.0):
    """Mean SSIM (Wang, Bovik, Sheikh, Simoncelli 2004): 11x11 circular-
    symmetric Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03, over every
    position where the window fits, at full resolution (no downsampling)."""
    if a.shape != b.shape:
        raise ValueError("SSIM of pictures of different sizes")
    if min(a.shape) < len(_WINDOW):
        raise ValueError("picture smaller than the SSIM window")
    x = a.astype(np.float64)
    y = b.astype(np.float64)
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    mx, my = _filter_valid(x), _filter_valid(y)
    sxx = _filter_valid(x * x) - mx * mx
    syy = _filter_valid(y * y) - my * my
    sxy = _filter_valid(x * y) - mx * my
    m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(m.mean())
