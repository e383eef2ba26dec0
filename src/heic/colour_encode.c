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

static uint16_t rescale(uint32_t v, int from, int to) {
  if (from == to) return (uint16_t)v;
  if (to > from) return (uint16_t)(v << (to - from) | v >> (2 * from - to > 0 ? 2 * from - to : 0));
  uint32_t half = 1u << (from - to - 1);
  uint32_t r = (v + half) >> (from - to);
  uint32_t maxv = (1u << to) - 1;
  return (uint16_t)(r > maxv ? maxv : r);
}

void hx_picture_set_depth(hx_picture *pic, int out_depth) {
  if (pic->bit_depth == out_depth) return;
  for (int i = 0; i < 4; i++) {
    hx_plane *p = &pic->planes[i];
    for (uint32_t r = 0; p->data && r < p->h; r++)
      for (uint32_t x = 0; x < p->w; x++)
        p->data[r * p->stride + x] = rescale(p->data[r * p->stride + x], pic->bit_depth, out_depth);
  }
  pic->bit_depth = out_depth;
}

typedef struct matrix {
  int identity;
  double kr, kg, kb;
  double y_scale, y_off, c_scale, c_off; /* output code = v * scale + off */
  double in_max;
  int32_t out_max;
} matrix;

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
}

static int32_t clampi(double v, int32_t maxv) {
  long r = lround(v);
  return r < 0 ? 0 : (r > maxv ? maxv : (int32_t)r);
}

/* One pixel: luma code, and chroma codes scaled by 2^FRAC (unclamped). */
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

heic_status hx_rgb_to_ycbcr(hx_picture *pic, const heic_nclx *nclx, heic_chroma chroma,
                            int out_depth, hc_err *err) {
  if (!pic->is_rgb) return hc_fail(err, HEIC_ERR_INTERNAL, "picture is not RGB");
  uint32_t w = pic->width, h = pic->height;
  matrix m;
  matrix_init(&m, nclx, pic->bit_depth, out_depth);
  hx_picture out;
  memset(&out, 0, sizeof(out));
  int32_t *rows = NULL;
  heic_status st = hx_picture_alloc(&out, pic->mem, w, h, chroma, out_depth, err);
  if (st != HEIC_OK) return st;
  /* Two rows of full-resolution Cb and Cr: enough for a 4:2:0 row pair. */
  rows = hc_malloc_array(pic->mem, (size_t)w * 4, sizeof(int32_t));
  if (!rows) {
    hx_picture_clear(&out);
    return hc_fail_oom(err);
  }
  int32_t *cb[2] = {rows, rows + w}, *cr[2] = {rows + 2 * (size_t)w, rows + 3 * (size_t)w};
  uint32_t step = chroma == HEIC_CHROMA_420 ? 2 : 1;
  for (uint32_t y0 = 0; y0 < h; y0 += step) {
    for (uint32_t k = 0; k < step; k++) {
      uint32_t y = y0 + k < h ? y0 + k : h - 1; /* an odd last row pairs with itself */
      const uint16_t *R = pic->planes[HX_R].data + y * pic->planes[HX_R].stride;
      const uint16_t *G = pic->planes[HX_G].data + y * pic->planes[HX_G].stride;
      const uint16_t *B = pic->planes[HX_B].data + y * pic->planes[HX_B].stride;
      uint16_t *Y = out.planes[HX_Y].data + y * out.planes[HX_Y].stride;
      for (uint32_t x = 0; x < w; x++) convert_px(&m, R[x], G[x], B[x], &Y[x], &cb[k][x], &cr[k][x]);
    }
    if (chroma == HEIC_CHROMA_400) continue;
    hx_plane *pu = &out.planes[HX_CB], *pv = &out.planes[HX_CR];
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
  hc_free(pic->mem, rows);
  /* Alpha moves over at the new depth. */
  out.planes[HX_A] = pic->planes[HX_A];
  out.has_alpha = pic->has_alpha;
  memset(&pic->planes[HX_A], 0, sizeof(pic->planes[HX_A]));
  if (out.has_alpha) {
    hx_plane *a = &out.planes[HX_A];
    for (uint32_t r = 0; r < a->h; r++)
      for (uint32_t x = 0; x < a->w; x++)
        a->data[r * a->stride + x] = rescale(a->data[r * a->stride + x], pic->bit_depth, out_depth);
  }
  hx_picture_move(pic, &out);
  return HEIC_OK;
}
