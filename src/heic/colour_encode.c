/*
 * RGB -> YCbCr for encoding.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "colour_encode.h"

#include <math.h>
#include <string.h>

#include "colour.h"

/* Chroma values are kept with this many extra fractional bits between the
 * matrix and the downsampling filter, so that filtering does not round
 * twice. */
#define FRAC 4

/* The matrix runs in fixed point with this many fractional bits.  The
 * defining formula is the double one in convert_px(), which the files made
 * so far were produced with; the fixed-point form gives the same codes
 * whenever its value is further than NEAR_TIE from a rounding boundary
 * (x.5): its error is below 3 * 65535 * 2^-33 + 2^-33 < 2^-15 for 16-bit
 * input, the double formula's below 1e-9, and NEAR_TIE is 2^-12.  Samples
 * that land nearer (about 1 in 2000, and exact ties) are recomputed with the
 * double formula, so every code is the one it always was. */
#define FIX_BITS 32
#define FIX_ONE ((int64_t)1 << FIX_BITS)
#define NEAR_TIE ((uint32_t)1 << 20)
/* Added to every fixed-point value so that it is never negative (the
 * unclamped chroma of a saturated colour dips a little below 0), which
 * keeps the shift that rounds it a plain floor in portable C. */
#define FIX_BIAS ((int64_t)1 << 20)

static uint16_t rescale(uint32_t v, int from, int to) {
  if (from == to) return (uint16_t)v;
  if (to > from) return (uint16_t)(v << (to - from) | v >> (2 * from - to > 0 ? 2 * from - to : 0));
  uint32_t half = 1u << (from - to - 1);
  uint32_t r = (v + half) >> (from - to);
  uint32_t maxv = (1u << to) - 1;
  return (uint16_t)(r > maxv ? maxv : r);
}

void hx_rescale_row(uint16_t *v, uint32_t n, int from, int to) {
  if (from == to) return;
  for (uint32_t x = 0; x < n; x++) v[x] = rescale(v[x], from, to);
}

void hx_picture_set_depth(hx_picture *pic, int out_depth) {
  if (pic->bit_depth == out_depth) return;
  for (int i = 0; i < 4; i++) {
    hx_plane *p = &pic->planes[i];
    for (uint32_t r = 0; p->data && r < p->h; r++)
      hx_rescale_row(p->data + r * p->stride, p->w, pic->bit_depth, out_depth);
  }
  pic->bit_depth = out_depth;
}

/* code * 2^FIX_BITS = c[0] R + c[1] G + c[2] B + off, off including the
 * half that rounds and FIX_BIAS. */
typedef struct linear {
  int64_t c[3], off;
} linear;

typedef struct matrix {
  int identity;
  double kr, kg, kb;
  double y_scale, y_off, c_scale, c_off; /* output code = v * scale + off */
  double in_max;
  int32_t out_max;
  linear y, cb, cr; /* cb and cr scaled by 2^FRAC */
} matrix;

static int64_t fixed(double v) { return (int64_t)llround(v * (double)FIX_ONE); }

static void linear_set(linear *l, double cr, double cg, double cb, double off) {
  l->c[0] = fixed(cr);
  l->c[1] = fixed(cg);
  l->c[2] = fixed(cb);
  l->off = fixed(off) + FIX_ONE / 2 + FIX_BIAS * FIX_ONE;
}

static void matrix_init(matrix *m, const heic_nclx *nclx, int in_depth, int out_depth) {
  m->identity = nclx->matrix_coefficients == 0;
  hx_matrix_kr_kb(nclx->matrix_coefficients, &m->kr, &m->kb);
  m->kg = 1.0 - m->kr - m->kb;
  m->in_max = (double)((1u << in_depth) - 1);
  m->out_max = (int32_t)((1u << out_depth) - 1);
  double unit = (double)(1u << (out_depth - 8));
  if (nclx->full_range) {
    m->y_scale = m->out_max;
    m->y_off = 0;
    m->c_scale = m->out_max;
    m->c_off = (double)(1u << (out_depth - 1));
  } else {
    m->y_scale = 219.0 * unit;
    m->y_off = 16.0 * unit;
    m->c_scale = 224.0 * unit;
    m->c_off = 128.0 * unit;
  }
  /* The formulas of convert_px() multiplied out into one weight per input
   * sample (per code unit of R, G, B). */
  double f = 1 << FRAC, ys = m->y_scale / m->in_max, cs = m->c_scale / m->in_max;
  if (m->identity) {
    linear_set(&m->y, 0, ys, 0, m->y_off);
    linear_set(&m->cb, 0, 0, ys * f, m->y_off * f);
    linear_set(&m->cr, ys * f, 0, 0, m->y_off * f);
  } else {
    double db = 2.0 * (1.0 - m->kb), dr = 2.0 * (1.0 - m->kr);
    linear_set(&m->y, m->kr * ys, m->kg * ys, m->kb * ys, m->y_off);
    linear_set(&m->cb, -m->kr / db * cs * f, -m->kg / db * cs * f, (1.0 - m->kb) / db * cs * f,
               m->c_off * f);
    linear_set(&m->cr, (1.0 - m->kr) / dr * cs * f, -m->kg / dr * cs * f, -m->kb / dr * cs * f,
               m->c_off * f);
  }
}

static int32_t clampi(double v, int32_t maxv) {
  long r = lround(v);
  return r < 0 ? 0 : (r > maxv ? maxv : (int32_t)r);
}

/* One pixel: luma code, and chroma codes scaled by 2^FRAC (unclamped).
 * This is the defining formula; the fixed-point path below reproduces it. */
static void convert_px(const matrix *m, uint16_t R, uint16_t G, uint16_t B, uint16_t *y, int32_t *cb,
                       int32_t *cr) {
  double r = R / m->in_max, g = G / m->in_max, b = B / m->in_max;
  double Y, U, V;
  if (m->identity) {
    /* GBR: all three planes are coded like luma, so that a lossless
     * round trip is exact. */
    *y = (uint16_t)clampi(g * m->y_scale + m->y_off, m->out_max);
    *cb = (int32_t)lround((b * m->y_scale + m->y_off) * (1 << FRAC));
    *cr = (int32_t)lround((r * m->y_scale + m->y_off) * (1 << FRAC));
    return;
  } else {
    Y = m->kr * r + m->kg * g + m->kb * b;
    U = (b - Y) / (2.0 * (1.0 - m->kb));
    V = (r - Y) / (2.0 * (1.0 - m->kr));
  }
  *y = (uint16_t)clampi(Y * m->y_scale + m->y_off, m->out_max);
  *cb = (int32_t)lround((U * m->c_scale + m->c_off) * (1 << FRAC));
  *cr = (int32_t)lround((V * m->c_scale + m->c_off) * (1 << FRAC));
}

/* The fractional part (of value + 1/2) within NEAR_TIE of a whole number:
 * the value is too near x.5 for the fixed-point rounding to be trusted. */
static inline int near_tie(int64_t v) {
  uint32_t frac = (uint32_t)((uint64_t)v & (FIX_ONE - 1));
  return frac < NEAR_TIE || frac > (uint32_t)(FIX_ONE - NEAR_TIE);
}

static inline int64_t apply(const linear *l, int64_t R, int64_t G, int64_t B) {
  return l->c[0] * R + l->c[1] * G + l->c[2] * B + l->off;
}

/* A row of pixels, as convert_px() would give them. */
static void convert_row(const matrix *m, const uint16_t *R, const uint16_t *G, const uint16_t *B,
                        uint32_t w, uint16_t *Y, int32_t *cb, int32_t *cr) {
  for (uint32_t x = 0; x < w; x++) {
    int64_t vy = apply(&m->y, R[x], G[x], B[x]);
    int64_t vb = apply(&m->cb, R[x], G[x], B[x]);
    int64_t vr = apply(&m->cr, R[x], G[x], B[x]);
    if (near_tie(vy) || near_tie(vb) || near_tie(vr)) {
      convert_px(m, R[x], G[x], B[x], &Y[x], &cb[x], &cr[x]);
      continue;
    }
    int64_t yy = (vy >> FIX_BITS) - FIX_BIAS;
    Y[x] = (uint16_t)(yy < 0 ? 0 : (yy > m->out_max ? m->out_max : yy));
    cb[x] = (int32_t)((vb >> FIX_BITS) - FIX_BIAS);
    cr[x] = (int32_t)((vr >> FIX_BITS) - FIX_BIAS);
  }
}

static uint16_t chroma_out(int64_t scaled, int shift, int32_t maxv) {
  int64_t v = (scaled + (1 << (shift - 1))) >> shift;
  return (uint16_t)(v < 0 ? 0 : (v > maxv ? maxv : v));
}

/* Sum of the pair of samples x, x + 1 (the last one repeated at an odd
 * right edge).  Chroma is the plain mean of the pixels it covers (centre
 * siting, as JPEG): with the nearest-neighbour upsampling of libheif 1.15
 * and of our own decoder's default, each chroma sample is shown on exactly
 * those pixels, and their mean is the value with the least squared error
 * there.  A [1 2 1] filter centred on the even column (MPEG-2 siting) cost
 * about 5% in RGB-PSNR BD-rate on corpus photos (bench, 2026-11-25). */
static int64_t pair_sum(const int32_t *row, uint32_t w, uint32_t x) {
  return (int64_t)row[x] + row[x + 1 < w ? x + 1 : w - 1];
}

heic_status hx_rgb_rows_to_ycbcr(hx_rgb_row_fn row, const void *src, uint32_t w, uint32_t h,
                                 int in_depth, hc_mem *mem, const heic_nclx *nclx,
                                 heic_chroma chroma, int out_depth, int pad_even, hx_picture *out,
                                 hc_err *err) {
  memset(out, 0, sizeof(*out));
  matrix m;
  matrix_init(&m, nclx, in_depth, out_depth);
  /* The padding make_even() would add: an even width for 4:2:0 and 4:2:2,
   * an even height for 4:2:0, the last column / row repeated.  The chroma
   * planes have the same size either way. */
  uint32_t pw = w, ph = h;
  if (pad_even && (chroma == HEIC_CHROMA_420 || chroma == HEIC_CHROMA_422)) pw = (w + 1) & ~1u;
  if (pad_even && chroma == HEIC_CHROMA_420) ph = (h + 1) & ~1u;
  /* Every sample is written below (padding included), row by row: no
   * zeroing, so the planes' memory is taken as the source's is given back
   * (hx_image_release_rows). */
  heic_status st = hx_picture_alloc_unset(out, mem, pw, ph, chroma, out_depth, err);
  if (st != HEIC_OK) return st;
  /* Two rows of full-resolution Cb and Cr (enough for a 4:2:0 row pair)
   * and one row of R, G, B from the source. */
  int32_t *rows = hc_malloc_array(mem, (size_t)w * 4, sizeof(int32_t));
  uint16_t *rgb = hc_malloc_array(mem, (size_t)w * 3, sizeof(uint16_t));
  if (!rows || !rgb) {
    hc_free(mem, rows);
    hc_free(mem, rgb);
    hx_picture_clear(out);
    return hc_fail_oom(err);
  }
  int32_t *cb[2] = {rows, rows + w}, *cr[2] = {rows + 2 * (size_t)w, rows + 3 * (size_t)w};
  uint16_t *R = rgb, *G = rgb + w, *B = rgb + 2 * (size_t)w;
  uint32_t step = chroma == HEIC_CHROMA_420 ? 2 : 1;
  hx_plane *py = &out->planes[HX_Y], *pu = &out->planes[HX_CB], *pv = &out->planes[HX_CR];
  for (uint32_t y0 = 0; y0 < h; y0 += step) {
    for (uint32_t k = 0; k < step; k++) {
      /* An odd last row pairs with itself: its chroma is computed twice
       * rather than copied, which keeps the loop simple and costs one row. */
      uint32_t y = y0 + k < h ? y0 + k : h - 1;
      uint16_t *Y = py->data + y * py->stride;
      row(src, y, R, G, B);
      convert_row(&m, R, G, B, w, Y, cb[k], cr[k]);
      if (pw > w) Y[w] = Y[w - 1];
    }
    if (chroma == HEIC_CHROMA_400) continue;
    uint32_t cy = y0 / step;
    uint16_t *U = pu->data + cy * pu->stride, *V = pv->data + cy * pv->stride;
    if (chroma == HEIC_CHROMA_444) {
      for (uint32_t x = 0; x < w; x++) {
        U[x] = chroma_out(cb[0][x], FRAC, m.out_max);
        V[x] = chroma_out(cr[0][x], FRAC, m.out_max);
      }
    } else if (chroma == HEIC_CHROMA_422) {
      for (uint32_t cx = 0; cx < pu->w; cx++) {
        U[cx] = chroma_out(pair_sum(cb[0], w, 2 * cx), FRAC + 1, m.out_max);
        V[cx] = chroma_out(pair_sum(cr[0], w, 2 * cx), FRAC + 1, m.out_max);
      }
    } else {
      for (uint32_t cx = 0; cx < pu->w; cx++) {
        U[cx] = chroma_out(pair_sum(cb[0], w, 2 * cx) + pair_sum(cb[1], w, 2 * cx), FRAC + 2,
                           m.out_max);
        V[cx] = chroma_out(pair_sum(cr[0], w, 2 * cx) + pair_sum(cr[1], w, 2 * cx), FRAC + 2,
                           m.out_max);
      }
    }
  }
  if (ph > h)
    memcpy(py->data + (size_t)h * py->stride, py->data + (size_t)(h - 1) * py->stride,
           pw * sizeof(uint16_t));
  hc_free(mem, rows);
  hc_free(mem, rgb);
  return HEIC_OK;
}

/* Rows of an RGB hx_picture. */
static void picture_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b) {
  const hx_picture *pic = src;
  uint16_t *dst[3] = {r, g, b};
  for (int c = 0; c < 3; c++)
    memcpy(dst[c], pic->planes[c].data + y * pic->planes[c].stride, pic->width * sizeof(uint16_t));
}

heic_status hx_rgb_to_ycbcr(hx_picture *pic, const heic_nclx *nclx, heic_chroma chroma,
                            int out_depth, hc_err *err) {
  if (!pic->is_rgb) return hc_fail(err, HEIC_ERR_INTERNAL, "picture is not RGB");
  hx_picture out;
  heic_status st = hx_rgb_rows_to_ycbcr(picture_row, pic, pic->width, pic->height, pic->bit_depth,
                                        pic->mem, nclx, chroma, out_depth, 0, &out, err);
  if (st != HEIC_OK) return st;
  /* Alpha moves over at the new depth. */
  out.planes[HX_A] = pic->planes[HX_A];
  out.has_alpha = pic->has_alpha;
  memset(&pic->planes[HX_A], 0, sizeof(pic->planes[HX_A]));
  if (out.has_alpha) {
    hx_plane *a = &out.planes[HX_A];
    for (uint32_t r = 0; r < a->h; r++)
      hx_rescale_row(a->data + r * a->stride, a->w, pic->bit_depth, out_depth);
  }
  hx_picture_move(pic, &out);
  return HEIC_OK;
}
