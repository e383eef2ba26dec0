/*
 * YCbCr -> RGB conversion.  SPDX-License-Identifier: BSD-2-Clause
 *
 * One integer path for every bit depth and matrix: each output sample is
 *   clamp((m[k][0] * Y + m[k][1] * Cb8 + m[k][2] * Cr8 + off[k]) >> FRAC)
 * where Cb8/Cr8 are chroma samples upsampled to luma resolution in units of
 * 1/8 (so that bilinear weights of 1/2 x 1/4 stay exact integers) and the
 * range expansion, the zero points and the rounding term are folded into m
 * and off.  With FRAC = 32 the coefficient error stays below 2^-14 of a
 * sample even at 16 bits, and the largest sum (about 2^51) fits int64_t.
 */
#include "colour.h"

#include <string.h>

#define FRAC 32
#define CUNIT 8 /* upsampled chroma carries 3 fraction bits */

typedef struct kr_kb {
  double kr, kb;
} kr_kb;

/* Indexed by matrix_coefficients; zero entries fall back to BT.601. */
static const kr_kb k_matrices[] = {
  [1] = {0.2126, 0.0722},  /* BT.709 */
  [4] = {0.30, 0.11},      /* FCC */
  [5] = {0.299, 0.114},    /* BT.470 BG / BT.601 625 */
  [6] = {0.299, 0.114},    /* BT.601 525 */
  [7] = {0.212, 0.087},    /* SMPTE 240M */
  [9] = {0.2627, 0.0593},  /* BT.2020 non-constant luminance */
  [10] = {0.2627, 0.0593}, /* BT.2020 constant luminance: approximated as 9, as libheif does */
};

static kr_kb matrix_kr_kb(uint16_t mc);

void hx_matrix_kr_kb(uint16_t matrix, double *kr, double *kb) {
  kr_kb k = matrix_kr_kb(matrix);
  *kr = k.kr;
  *kb = k.kb;
}

static kr_kb matrix_kr_kb(uint16_t mc) {
  if (mc < sizeof(k_matrices) / sizeof(k_matrices[0]) && k_matrices[mc].kr != 0)
    return k_matrices[mc];
  return k_matrices[6];
}

int hx_matrix_known(uint16_t mc) {
  return mc < sizeof(k_matrices) / sizeof(k_matrices[0]) && k_matrices[mc].kr != 0;
}

static int64_t to_fixed(double v) {
  double s = v * 4294967296.0; /* 2^FRAC */
  return (int64_t)(s < 0 ? s - 0.5 : s + 0.5);
}

void hx_rgb_conv_init(hx_rgb_conv *cv, const heic_nclx *nclx, int depth, heic_chroma chroma,
                      hx_upsampling up) {
  cv->chroma = chroma;
  cv->up = up;
  double maxv = (double)((1u << depth) - 1);
  double s = (double)(1u << (depth - 8));
  double mid = (double)(1u << (depth - 1));
  double ys = 1.0, yoff = 0.0, cs = 1.0;
  if (!nclx->full_range) {
    ys = maxv / (219.0 * s);
    yoff = 16.0 * s;
    cs = maxv / (224.0 * s);
  }
  double m[3][3];
  double off[3];
  memset(m, 0, sizeof(m));
  if (nclx->matrix_coefficients == 0) {
    /* GBR: Y carries G, Cb carries B, Cr carries R.  H.273 quantises all
     * three like luma in limited range, so all three expand like luma. */
    m[0][2] = ys;
    m[1][0] = ys;
    m[2][1] = ys;
    for (int k = 0; k < 3; k++) off[k] = -ys * yoff;
  } else {
    kr_kb k = matrix_kr_kb(nclx->matrix_coefficients);
    double kg = 1.0 - k.kr - k.kb;
    for (int r = 0; r < 3; r++) m[r][0] = ys;
    m[0][2] = cs * 2.0 * (1.0 - k.kr);
    m[1][1] = -cs * 2.0 * k.kb * (1.0 - k.kb) / kg;
    m[1][2] = -cs * 2.0 * k.kr * (1.0 - k.kr) / kg;
    m[2][1] = cs * 2.0 * (1.0 - k.kb);
    for (int r = 0; r < 3; r++) off[r] = -ys * yoff - (m[r][1] + m[r][2]) * mid;
  }
  for (int r = 0; r < 3; r++) {
    cv->m[r][0] = to_fixed(m[r][0]);
    cv->m[r][1] = to_fixed(m[r][1] / CUNIT);
    cv->m[r][2] = to_fixed(m[r][2] / CUNIT);
    cv->off[r] = to_fixed(off[r] + 0.5); /* + 0.5: round to nearest */
  }
  cv->mono_m = to_fixed(ys);
  cv->mono_off = to_fixed(-ys * yoff + 0.5);
  cv->maxv = (int32_t)maxv;
}

void hx_rgb_conv_rows(const hx_rgb_conv *cv, uint32_t y, uint32_t ch, uint32_t *near, uint32_t *far) {
  if (cv->chroma != HEIC_CHROMA_420) {
    *near = *far = y;
    return;
  }
  uint32_t cy = y >> 1;
  *near = *far = cy;
  if (cv->up == HX_UPSAMPLE_BILINEAR) {
    /* Chroma rows sit between luma rows 2cy and 2cy+1: an even luma row
     * is 1/4 of the way towards the row above, an odd one towards the
     * row below. */
    if (y & 1) *far = cy + 1 < ch ? cy + 1 : cy;
    else *far = cy > 0 ? cy - 1 : 0;
  }
}

void hx_rgb_conv_cols(const hx_rgb_conv *cv, uint32_t x0, uint32_t x1, uint32_t cw, uint32_t *c0,
                      uint32_t *c1) {
  if (cv->chroma == HEIC_CHROMA_444 || cv->chroma == HEIC_CHROMA_400) {
    *c0 = x0;
    *c1 = x1;
    return;
  }
  *c0 = x0 >> 1;
  uint32_t last = (x1 - 1) >> 1;
  /* Bilinear odd columns also read the chroma column to their right. */
  if (cv->up == HX_UPSAMPLE_BILINEAR && last + 1 < cw) last++;
  *c1 = last + 1;
}

static inline uint16_t clamp_out(int64_t v, int32_t maxv) {
  /* Test the sign before shifting: a right shift of a negative value is
   * implementation-defined in C. */
  if (v < 0) return 0;
  v >>= FRAC;
  return (uint16_t)(v > maxv ? maxv : v);
}

/* Chroma of luma columns [x0, x1) at luma resolution, in 1/8 units, into
 * out[0 .. x1 - x0).  near/far: the chroma rows hx_rgb_conv_rows() named,
 * element 0 being chroma column c0; vtmp holds c1 - c0 entries. */
static void upsample_span(const hx_rgb_conv *cv, const uint16_t *near, const uint16_t *far,
                          uint32_t c0, uint32_t c1, uint32_t cw, uint32_t x0, uint32_t x1,
                          int32_t *vtmp, int32_t *out) {
  /* Vertical step, into 1/4 units. */
  if (cv->chroma == HEIC_CHROMA_420 && cv->up == HX_UPSAMPLE_BILINEAR) {
    for (uint32_t j = 0; j < c1 - c0; j++) vtmp[j] = 3 * (int32_t)near[j] + (int32_t)far[j];
  } else {
    for (uint32_t j = 0; j < c1 - c0; j++) vtmp[j] = 4 * (int32_t)near[j];
  }
  /* Horizontal step, into 1/8 units. */
  if (cv->chroma == HEIC_CHROMA_444) {
    for (uint32_t x = x0; x < x1; x++) out[x - x0] = 2 * vtmp[x - c0];
  } else if (cv->up == HX_UPSAMPLE_NEAREST) {
    for (uint32_t x = x0; x < x1; x++) out[x - x0] = 2 * vtmp[(x >> 1) - c0];
  } else {
    /* Co-sited with even columns: odd columns are the mean of both sides. */
    for (uint32_t x = x0; x < x1; x++) {
      uint32_t cx = x >> 1;
      if (!(x & 1)) out[x - x0] = 2 * vtmp[cx - c0];
      else out[x - x0] = vtmp[cx - c0] + vtmp[(cx + 1 < cw ? cx + 1 : cx) - c0];
    }
  }
}

void hx_rgb_conv_span(const hx_rgb_conv *cv, const uint16_t *yr, const uint16_t *cb_near,
                      const uint16_t *cb_far, const uint16_t *cr_near, const uint16_t *cr_far,
                      uint32_t cw, uint32_t x0, uint32_t x1, int32_t *tmp, uint16_t *r, uint16_t *g,
                      uint16_t *b) {
  uint32_t w = x1 - x0;
  if (cv->chroma == HEIC_CHROMA_400) {
    for (uint32_t x = 0; x < w; x++)
      r[x] = g[x] = b[x] = clamp_out(cv->mono_m * yr[x] + cv->mono_off, cv->maxv);
    return;
  }
  uint32_t c0, c1;
  hx_rgb_conv_cols(cv, x0, x1, cw, &c0, &c1);
  int32_t *vt = tmp, *cb = tmp + (c1 - c0), *cr = cb + w;
  upsample_span(cv, cb_near, cb_far, c0, c1, cw, x0, x1, vt, cb);
  upsample_span(cv, cr_near, cr_far, c0, c1, cw, x0, x1, vt, cr);
  for (uint32_t x = 0; x < w; x++) {
    int64_t Y = yr[x], U = cb[x], V = cr[x];
    r[x] = clamp_out(cv->m[0][0] * Y + cv->m[0][1] * U + cv->m[0][2] * V + cv->off[0], cv->maxv);
    g[x] = clamp_out(cv->m[1][0] * Y + cv->m[1][1] * U + cv->m[1][2] * V + cv->off[1], cv->maxv);
    b[x] = clamp_out(cv->m[2][0] * Y + cv->m[2][1] * U + cv->m[2][2] * V + cv->off[2], cv->maxv);
  }
}

static int plane_fits(const hx_plane *pl, uint32_t w, uint32_t h) {
  return pl->data && pl->w == w && pl->h == h && pl->stride >= w;
}

heic_status hx_ycbcr_to_rgb(hx_picture *pic, const heic_nclx *nclx, hx_upsampling up,
                            hc_err *err) {
  if (!pic || !nclx || !pic->mem)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "colour conversion: missing argument");
  if (pic->is_rgb)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "colour conversion: picture is already RGB");
  if (pic->bit_depth < 8 || pic->bit_depth > 16 || (unsigned)pic->chroma > HEIC_CHROMA_444 ||
      (up != HX_UPSAMPLE_NEAREST && up != HX_UPSAMPLE_BILINEAR) || pic->width == 0 ||
      pic->height == 0 || !plane_fits(&pic->planes[HX_Y], pic->width, pic->height))
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT,
                   "colour conversion: unusable picture (%ux%u, depth %d, chroma %d)",
                   pic->width, pic->height, pic->bit_depth, (int)pic->chroma);
  uint32_t w = pic->width, h = pic->height, cw = 0, ch = 0;
  int mono = pic->chroma == HEIC_CHROMA_400;
  if (!mono) {
    hx_chroma_size(pic->chroma, w, h, &cw, &ch);
    if (!plane_fits(&pic->planes[HX_CB], cw, ch) || !plane_fits(&pic->planes[HX_CR], cw, ch))
      return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT,
                     "colour conversion: chroma planes are not %ux%u", cw, ch);
  }

  hx_rgb_conv cv;
  hx_rgb_conv_init(&cv, nclx, pic->bit_depth, pic->chroma, up);
  hx_plane rgb[3];
  memset(rgb, 0, sizeof(rgb));
  int32_t *tmp = NULL;
  heic_status st = HEIC_OK;
  for (int i = 0; i < 3 && st == HEIC_OK; i++) st = hx_plane_alloc(&rgb[i], pic->mem, w, h, err);
  if (st != HEIC_OK) goto done;
  if (!mono) {
    /* One vertical row of cw (reused for Cb and Cr) and two upsampled rows
     * of w.  Sizes are uint32_t, so the sum cannot overflow size_t. */
    tmp = hc_malloc_array(pic->mem, (size_t)cw + 2 * (size_t)w, sizeof(int32_t));
    if (!tmp) {
      st = hc_fail_oom(err);
      goto done;
    }
  }

  /* Row by row through the same span conversion the streaming decoder
   * (decode_rows.c) uses on bands, so that both give identical samples. */
  const hx_plane *py = &pic->planes[HX_Y], *pb = &pic->planes[HX_CB], *pr = &pic->planes[HX_CR];
  for (uint32_t y = 0; y < h; y++) {
    const uint16_t *yr = py->data + (size_t)y * py->stride;
    uint16_t *r = rgb[HX_R].data + (size_t)y * rgb[HX_R].stride;
    uint16_t *g = rgb[HX_G].data + (size_t)y * rgb[HX_G].stride;
    uint16_t *b = rgb[HX_B].data + (size_t)y * rgb[HX_B].stride;
    const uint16_t *bn = NULL, *bf = NULL, *rn = NULL, *rf = NULL;
    if (!mono) {
      uint32_t near, far;
      hx_rgb_conv_rows(&cv, y, ch, &near, &far);
      bn = pb->data + (size_t)near * pb->stride;
      bf = pb->data + (size_t)far * pb->stride;
      rn = pr->data + (size_t)near * pr->stride;
      rf = pr->data + (size_t)far * pr->stride;
    }
    hx_rgb_conv_span(&cv, yr, bn, bf, rn, rf, cw, 0, w, tmp, r, g, b);
  }

  for (int i = 0; i < 3; i++) {
    hx_plane_free(pic->mem, &pic->planes[i]);
    pic->planes[i] = rgb[i];
    memset(&rgb[i], 0, sizeof(rgb[i]));
  }
  pic->chroma = HEIC_CHROMA_444;
  pic->is_rgb = 1;

done:
  hc_free(pic->mem, tmp);
  for (int i = 0; i < 3; i++) hx_plane_free(pic->mem, &rgb[i]);
  return st;
}
