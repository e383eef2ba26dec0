/*
 * Transform kernels, C reference.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The inverse transforms are normative (8.6.4.2) and must match every
 * decoder bit for bit: first the columns with a 7-bit shift and clipping to
 * 16 bits, then the rows with a (20 - BitDepth)-bit shift.  The forward
 * transforms are the encoder's own choice; they mirror the inverse scaling
 * so that coefficients come out at the scale the quantiser expects.
 */
#include "../tables.h"
#include "dsp.h"

static inline int32_t clip16(int64_t v) {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : (int32_t)v;
}

/* Basis k of the N-point transform at sample i. */
static inline int basis(int log2, int k, int i) {
  return hevc_dct32[k << (5 - log2)][i];
}

/* 1-D transforms by even/odd decomposition: the even basis functions of the
 * N-point transform are the N/2-point ones (symmetric about the middle), the
 * odd ones antisymmetric, so each size reuses the next smaller one and only
 * the odd half costs (N/2)^2 multiplications.  Integer sums are exact, so the
 * result equals the plain matrix product. */
static void fwd1d(const int32_t *x, int32_t *X, int log2) {
  int n = 1 << log2, h = n >> 1;
  if (n == 4) {
    int32_t s0 = x[0] + x[3], s1 = x[1] + x[2], d0 = x[0] - x[3], d1 = x[1] - x[2];
    X[0] = 64 * (s0 + s1);
    X[2] = 64 * (s0 - s1);
    X[1] = 83 * d0 + 36 * d1;
    X[3] = 36 * d0 - 83 * d1;
    return;
  }
  int32_t s[16] = {0}, d[16], even[16];
  for (int i = 0; i < h; i++) {
    s[i] = x[i] + x[n - 1 - i];
    d[i] = x[i] - x[n - 1 - i];
  }
  fwd1d(s, even, log2 - 1);
  for (int k = 0; k < h; k++) X[2 * k] = even[k];
  for (int k = 1; k < n; k += 2) {
    int32_t acc = 0;
    for (int i = 0; i < h; i++) acc += basis(log2, k, i) * d[i];
    X[k] = acc;
  }
}

/* in[k * is] for k < n; only the first `nz` coefficients may be non-zero */
static void inv1d(const int32_t *in, ptrdiff_t is, int32_t *out, int log2, int nz) {
  int n = 1 << log2, h = n >> 1;
  if (n == 4) {
    int32_t e0 = 64 * (in[0] + in[2 * is]), e1 = 64 * (in[0] - in[2 * is]);
    int32_t o0 = 83 * in[is] + 36 * in[3 * is], o1 = 36 * in[is] - 83 * in[3 * is];
    out[0] = e0 + o0;
    out[3] = e0 - o0;
    out[1] = e1 + o1;
    out[2] = e1 - o1;
    (void)nz;
    return;
  }
  int32_t E[16], O[16];
  inv1d(in, 2 * is, E, log2 - 1, (nz + 1) >> 1);
  for (int i = 0; i < h; i++) {
    int32_t acc = 0;
    for (int k = 1; k < nz; k += 2) acc += basis(log2, k, i) * in[k * is];
    O[i] = acc;
  }
  for (int i = 0; i < h; i++) {
    out[i] = E[i] + O[i];
    out[n - 1 - i] = E[i] - O[i];
  }
}

static void fwd_generic(const int16_t *res, ptrdiff_t stride, int32_t *coef, int log2,
                        int bit_depth, int dst) {
  int n = 1 << log2;
  int shift1 = log2 + bit_depth - 9, shift2 = log2 + 6;
  int32_t tmp[32 * 32], col[32], out[32];
  /* vertical: tmp[k][x] = sum_y B_k(y) res[y][x] */
  for (int x = 0; x < n; x++) {
    for (int y = 0; y < n; y++) col[y] = res[y * stride + x];
    if (dst) {
      for (int k = 0; k < 4; k++) {
        int32_t acc = 0;
        for (int y = 0; y < 4; y++) acc += hevc_dst4[k][y] * col[y];
        out[k] = acc;
      }
    } else {
      fwd1d(col, out, log2);
    }
    for (int k = 0; k < n; k++) tmp[k * n + x] = (out[k] + (1 << (shift1 - 1))) >> shift1;
  }
  /* horizontal: coef[k][l] = sum_x B_l(x) tmp[k][x] */
  for (int k = 0; k < n; k++) {
    if (dst) {
      for (int l = 0; l < 4; l++) {
        int64_t acc = 0;
        for (int x = 0; x < 4; x++) acc += hevc_dst4[l][x] * tmp[k * n + x];
        out[l] = (int32_t)acc;
      }
    } else {
      fwd1d(tmp + k * n, out, log2);
    }
    for (int l = 0; l < n; l++)
      coef[k * n + l] = clip16(((int64_t)out[l] + (1 << (shift2 - 1))) >> shift2);
  }
}

static void inv_generic(const int32_t *coef, int16_t *res, int log2, int bit_depth, int dst) {
  int n = 1 << log2;
  int32_t g[32 * 32], out[32];
  int bd_shift = 20 - bit_depth;
  /* The last non-zero row and column bound the work: high frequencies are
   * mostly zero after quantisation. */
  int rows = 0, cols = 0;
  for (int k = 0; k < n; k++)
    for (int x = 0; x < n; x++)
      if (coef[k * n + x]) {
        if (k + 1 > rows) rows = k + 1;
        if (x + 1 > cols) cols = x + 1;
      }
  /* columns: e[x][y] = sum_k B_k(y) d[x][k], then clip((e + 64) >> 7) */
  for (int x = 0; x < n; x++) {
    if (x >= cols) {
      for (int y = 0; y < n; y++) g[y * n + x] = 0;
      continue;
    }
    if (dst) {
      for (int y = 0; y < 4; y++) {
        int32_t acc = 0;
        for (int k = 0; k < 4; k++) acc += hevc_dst4[k][y] * coef[k * n + x];
        out[y] = acc;
      }
    } else {
      inv1d(coef + x, n, out, log2, rows);
    }
    for (int y = 0; y < n; y++) g[y * n + x] = clip16(((int64_t)out[y] + 64) >> 7);
  }
  /* rows: r[x][y] = sum_k B_k(x) g[k][y] */
  for (int y = 0; y < n; y++) {
    if (dst) {
      for (int x = 0; x < 4; x++) {
        int64_t acc = 0;
        for (int k = 0; k < 4; k++) acc += hevc_dst4[k][x] * g[y * n + k];
        out[x] = (int32_t)acc;
      }
    } else {
      inv1d(g + y * n, 1, out, log2, cols);
    }
    for (int x = 0; x < n; x++)
      res[y * n + x] = (int16_t)(((int64_t)out[x] + (1 << (bd_shift - 1))) >> bd_shift);
  }
}

#define FWD(L)                                                                        \
  static void fwd##L##_c(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) { \
    fwd_generic(res, stride, coef, L, bd, 0);                                         \
  }                                                                                   \
  static void inv##L##_c(const int32_t *coef, int16_t *res, int bd) {                 \
    inv_generic(coef, res, L, bd, 0);                                                 \
  }
FWD(2)
FWD(3)
FWD(4)
FWD(5)

static void fwd_dst_c(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  fwd_generic(res, stride, coef, 2, bd, 1);
}
static void inv_dst_c(const int32_t *coef, int16_t *res, int bd) {
  inv_generic(coef, res, 2, bd, 1);
}

void hevc_dsp_init_transform_c(hevc_dsp *dsp);
void hevc_dsp_init_transform_c(hevc_dsp *dsp) {
  dsp->fwd[0] = fwd2_c;
  dsp->fwd[1] = fwd3_c;
  dsp->fwd[2] = fwd4_c;
  dsp->fwd[3] = fwd5_c;
  dsp->inv[0] = inv2_c;
  dsp->inv[1] = inv3_c;
  dsp->inv[2] = inv4_c;
  dsp->inv[3] = inv5_c;
  dsp->fwd_dst = fwd_dst_c;
  dsp->inv_dst = inv_dst_c;
}
