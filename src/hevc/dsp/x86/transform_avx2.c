/*
 * Forward and inverse transforms, AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Bit-identical to transform_c.c.  Every 1-D pass runs down the columns
 * with pmaddwd (see transform_x86.h): 4x4 and the DST as plain matrix
 * products, 8x8 two output rows per instruction, 16x16 and 32x32 by
 * even/odd decomposition.  The data between the passes is 16-bit; the
 * rounding and clipping are the C ones:
 *  - forward, first pass: (sum + 2^(s1-1)) >> s1 with s1 = log2 + bd - 9.
 *    For residuals |r| < 2^bd the row sums of |B| (at most 64 * N) bound
 *    this by 2^15 - 2^(15-bd), so the saturating pack changes nothing;
 *  - forward, second pass: the C clips to 16 bits, which is exactly what
 *    the saturating pack (packssdw) does;
 *  - inverse, first pass: clip16((sum + 64) >> 7), the saturating pack again;
 *  - inverse, second pass: the C converts to int16_t, i.e. keeps the low 16
 *    bits (GCC and Clang wrap), so the lanes are sign-extended from bit 15
 *    before the pack instead of saturated.
 * All 32-bit sums are exact: |inputs| <= 32768 and the sum of |B| over a
 * row or column is below 2^12, so they stay below 2^28.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <string.h>

#include "dsp_x86.h"
#include "transform_x86.h"
#include "transpose_avx2.h"

#define INLINE static inline __attribute__((always_inline)) HEVC_AVX2

/* The coefficient pair (m[0], m[1]) in every 32-bit lane. */
INLINE __m256i pair256(const int16_t *m) {
  int32_t v;
  memcpy(&v, m, sizeof(v));
  return _mm256_set1_epi32(v);
}

INLINE __m128i pair128(const int16_t *m) {
  int32_t v;
  memcpy(&v, m, sizeof(v));
  return _mm_set1_epi32(v);
}

/* dst = src^T for an n x n int16 block, n a multiple of 8, both stride n. */
INLINE void transpose16(const int16_t *src, int16_t *dst, int n) {
  for (int by = 0; by < n; by += 8)
    for (int bx = 0; bx < n; bx += 8) {
      __m128i in[8], out[8];
      for (int i = 0; i < 8; i++) in[i] = _mm_loadu_si128((const __m128i *)(src + (by + i) * n + bx));
      hevc_tr8x8_epi16(in, out);
      for (int i = 0; i < 8; i++) _mm_storeu_si128((__m128i *)(dst + (bx + i) * n + by), out[i]);
    }
}

/* The same for the 8-column blocks of src left of column cols only: dst
 * rows from cols (rounded up to 8) on are not written. */
INLINE void transpose16_cols(const int16_t *src, int16_t *dst, int n, int cols) {
  for (int bx = 0; bx < cols; bx += 8)
    for (int by = 0; by < n; by += 8) {
      __m128i in[8], out[8];
      HEVC_UNROLL
      for (int i = 0; i < 8; i++) in[i] = _mm_loadu_si128((const __m128i *)(src + (by + i) * n + bx));
      hevc_tr8x8_epi16(in, out);
      HEVC_UNROLL
      for (int i = 0; i < 8; i++) _mm_storeu_si128((__m128i *)(dst + (bx + i) * n + by), out[i]);
    }
}

/* The same, widening to int32 on the way out (the forward transform's coef). */
INLINE void transpose16_to32(const int16_t *src, int32_t *dst, int n) {
  for (int by = 0; by < n; by += 8)
    for (int bx = 0; bx < n; bx += 8) {
      __m128i in[8], out[8];
      for (int i = 0; i < 8; i++) in[i] = _mm_loadu_si128((const __m128i *)(src + (by + i) * n + bx));
      hevc_tr8x8_epi16(in, out);
      for (int i = 0; i < 8; i++)
        _mm256_storeu_si256((__m256i *)(dst + (bx + i) * n + by), _mm256_cvtepi16_epi32(out[i]));
    }
}

/* ---- 4x4, entirely in registers ------------------------------------------ */
/* (Also keeps the data out of memory round trips that GCC would turn into
 * register-to-register vmovq, an encoding Valgrind 3.19 cannot decode.) */

/* One 4-point pass over the rows of r01 = [row 0 | row 1], r23 = [row 2 |
 * row 3]: out row j = pack((sum_i m[j][i] row i + 2^(shift-1)) >> shift),
 * returned the same way; wrap as in the wider passes. */
INLINE void pass4(__m128i r01, __m128i r23, const int16_t *m, int shift, int wrap, __m128i *o01,
                  __m128i *o23) {
  const __m128i rnd = _mm_set1_epi32(1 << (shift - 1));
  const __m128i sh = _mm_cvtsi32_si128(shift);
  __m128i p01 = _mm_unpacklo_epi16(r01, _mm_unpackhi_epi64(r01, r01));
  __m128i p23 = _mm_unpacklo_epi16(r23, _mm_unpackhi_epi64(r23, r23));
  __m128i o[4];
  HEVC_UNROLL
  for (int j = 0; j < 4; j++) {
    __m128i acc = _mm_add_epi32(_mm_madd_epi16(p01, pair128(m + 4 * j)),
                                _mm_madd_epi16(p23, pair128(m + 4 * j + 2)));
    acc = _mm_sra_epi32(_mm_add_epi32(acc, rnd), sh);
    if (wrap) acc = _mm_srai_epi32(_mm_slli_epi32(acc, 16), 16);
    o[j] = acc;
  }
  *o01 = _mm_packs_epi32(o[0], o[1]);
  *o23 = _mm_packs_epi32(o[2], o[3]);
}

/* 4x4 transpose of [row 0 | row 1], [row 2 | row 3] into the same layout. */
INLINE void tr4(__m128i r01, __m128i r23, __m128i *c01, __m128i *c23) {
  __m128i a = _mm_unpacklo_epi16(r01, r23); /* r0[0] r2[0] r0[1] r2[1] ... */
  __m128i b = _mm_unpackhi_epi16(r01, r23); /* r1[0] r3[0] r1[1] r3[1] ... */
  *c01 = _mm_unpacklo_epi16(a, b);
  *c23 = _mm_unpackhi_epi16(a, b);
}

INLINE void fwd4x4(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd, const int16_t *m) {
  __m128i a = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)res),
                                 _mm_loadl_epi64((const __m128i *)(res + stride)));
  __m128i b = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(res + 2 * stride)),
                                 _mm_loadl_epi64((const __m128i *)(res + 3 * stride)));
  pass4(a, b, m, bd - 7, 0, &a, &b); /* shift1 = 2 + bd - 9 */
  tr4(a, b, &a, &b);
  pass4(a, b, m, 8, 0, &a, &b); /* shift2 = 2 + 6 */
  tr4(a, b, &a, &b);
  _mm256_storeu_si256((__m256i *)coef, _mm256_cvtepi16_epi32(a));
  _mm256_storeu_si256((__m256i *)(coef + 8), _mm256_cvtepi16_epi32(b));
}

INLINE void inv4x4(const int32_t *coef, int16_t *res, int bd, const int16_t *m) {
  __m256i c0 = _mm256_loadu_si256((const __m256i *)coef), c1 = _mm256_loadu_si256((const __m256i *)(coef + 8));
  __m128i a = _mm_packs_epi32(_mm256_castsi256_si128(c0), _mm256_extracti128_si256(c0, 1));
  __m128i b = _mm_packs_epi32(_mm256_castsi256_si128(c1), _mm256_extracti128_si256(c1, 1));
  pass4(a, b, m, 7, 0, &a, &b);
  tr4(a, b, &a, &b);
  pass4(a, b, m, 20 - bd, 1, &a, &b);
  tr4(a, b, &a, &b);
  _mm_storeu_si128((__m128i *)res, a);
  _mm_storeu_si128((__m128i *)(res + 8), b);
}

/* ---- 8x8, entirely in registers ------------------------------------------ */

/* One 8-point pass over rows r[0..7]: returns o[k] = [row k | row k + 4] of
 * pack((sum_i M[j][i] r[i] + 2^(shift-1)) >> shift), with each 256-bit
 * pmaddwd computing two output rows (the input pairs broadcast to both
 * lanes, the coefficient pairs of rows k and k + 4 side by side). */
INLINE void pass8x2(const __m128i r[8], const int32_t tab[4][4][8], int shift, int wrap,
                    __m256i o[4]) {
  const __m256i rnd = _mm256_set1_epi32(1 << (shift - 1));
  const __m128i sh = _mm_cvtsi32_si128(shift);
  __m256i pl[4], ph[4];
  HEVC_UNROLL
  for (int p = 0; p < 4; p++) {
    pl[p] = _mm256_broadcastsi128_si256(_mm_unpacklo_epi16(r[2 * p], r[2 * p + 1]));
    ph[p] = _mm256_broadcastsi128_si256(_mm_unpackhi_epi16(r[2 * p], r[2 * p + 1]));
  }
  HEVC_UNROLL
  for (int k = 0; k < 4; k++) {
    __m256i al = _mm256_setzero_si256(), ah = _mm256_setzero_si256();
    HEVC_UNROLL
    for (int p = 0; p < 4; p++) {
      __m256i c = _mm256_loadu_si256((const __m256i *)tab[k][p]);
      al = _mm256_add_epi32(al, _mm256_madd_epi16(pl[p], c));
      ah = _mm256_add_epi32(ah, _mm256_madd_epi16(ph[p], c));
    }
    al = _mm256_sra_epi32(_mm256_add_epi32(al, rnd), sh);
    ah = _mm256_sra_epi32(_mm256_add_epi32(ah, rnd), sh);
    if (wrap) {
      al = _mm256_srai_epi32(_mm256_slli_epi32(al, 16), 16);
      ah = _mm256_srai_epi32(_mm256_slli_epi32(ah, 16), 16);
    }
    o[k] = _mm256_packs_epi32(al, ah);
  }
}

/* The rows of an 8x8 block from pass8x2's output, transposed. */
INLINE void split_tr8(const __m256i o[4], __m128i out[8]) {
  __m128i rows[8];
  HEVC_UNROLL
  for (int k = 0; k < 4; k++) {
    rows[k] = _mm256_castsi256_si128(o[k]);
    rows[k + 4] = _mm256_extracti128_si256(o[k], 1);
  }
  hevc_tr8x8_epi16(rows, out);
}

static HEVC_AVX2 void fwd8_x2_avx2(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  __m128i r[8], t[8];
  __m256i o[4];
  HEVC_UNROLL
  for (int i = 0; i < 8; i++) r[i] = _mm_loadu_si128((const __m128i *)(res + i * stride));
  pass8x2(r, hevc_x86_tm.fwd8x2, bd - 6, 0, o); /* shift1 = 3 + bd - 9 */
  split_tr8(o, t);
  pass8x2(t, hevc_x86_tm.fwd8x2, 9, 0, o); /* shift2 = 3 + 6 */
  split_tr8(o, r);
  HEVC_UNROLL
  for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)(coef + 8 * i), _mm256_cvtepi16_epi32(r[i]));
}

static HEVC_AVX2 void inv8_x2_avx2(const int32_t *coef, int16_t *res, int bd) {
  __m128i d[8], t[8];
  __m256i o[4];
  HEVC_UNROLL
  for (int i = 0; i < 8; i++) {
    __m256i c = _mm256_loadu_si256((const __m256i *)(coef + 8 * i));
    d[i] = _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
  }
  pass8x2(d, hevc_x86_tm.inv8x2, 7, 0, o);
  split_tr8(o, t);
  pass8x2(t, hevc_x86_tm.inv8x2, 20 - bd, 1, o);
  split_tr8(o, d);
  HEVC_UNROLL
  for (int i = 0; i < 8; i++) _mm_storeu_si128((__m128i *)(res + 8 * i), d[i]);
}

/* ---- forward ----------------------------------------------------------- */

INLINE const int16_t *fwd_mat(int m) {
  switch (m) {
    case 4: return hevc_x86_tm.fwd4;
    case 8: return hevc_x86_tm.fwd8;
    case 16: return hevc_x86_tm.fwd16;
    default: return hevc_x86_tm.fwd32;
  }
}

/* Largest |v| over n rows of w (16 or 32) int16 at src (stride ss), as an
 * unsigned value (|-32768| = 32768). */
INLINE unsigned max_abs_rows(const int16_t *src, ptrdiff_t ss, int n, int w) {
  __m256i m = _mm256_setzero_si256();
  for (int y = 0; y < n; y++)
    for (int x = 0; x < w; x += 16)
      m = _mm256_max_epu16(m, _mm256_abs_epi16(_mm256_loadu_si256((const __m256i *)(src + y * ss + x))));
  __m128i r = _mm_max_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  /* minpos finds the smallest of 8 words: invert to find the largest */
  r = _mm_minpos_epu16(_mm_xor_si128(r, _mm_set1_epi16(-1)));
  return 0xffffu ^ (unsigned)_mm_extract_epi16(r, 0);
}

/* Rounds, shifts and saturates two 32-bit halves of an output row and
 * stores the 16 int16 at dst. */
INLINE void fwd_out(int16_t *dst, __m256i al, __m256i ah, __m256i rnd, __m128i sh) {
  al = _mm256_sra_epi32(_mm256_add_epi32(al, rnd), sh);
  ah = _mm256_sra_epi32(_mm256_add_epi32(ah, rnd), sh);
  _mm256_storeu_si256((__m256i *)dst, _mm256_packs_epi32(al, ah));
}

/* The N-point forward transform (n = 16 or 32) down the columns of one
 * 16-column group, x[0..n-1] the rows (overwritten), output row k going to
 * dst + k * n.  `levels` even/odd stages run first: the odd outputs of an
 * m-point transform only need the m/2 differences x[i] - x[m-1-i] (half
 * the multiplications), the even ones are the m/2-point transform of the
 * sums; what is left is a plain matrix product (for 2 points, 64 * (x0 +-
 * x1)).  The differences and sums are 16-bit: stage j adds 2^j inputs, so
 * the caller picks `levels` from the largest input.  levels is a constant
 * at every call, so that, unrolled, the rows can stay in registers. */
INLINE void fwd_cols_bfly(__m256i *x, int n, int levels, int16_t *dst, __m256i rnd, __m128i sh) {
  int step = 1, m = n; /* output k of the m-point transform is row k * step */
  HEVC_UNROLL
  for (int lv = 0; lv < levels && m > 2; lv++) {
    int h = m / 2;
    const int16_t *b = fwd_mat(m);
    __m256i dlo[8], dhi[8];
    HEVC_UNROLL
    for (int p = 0; p < h / 2; p++) {
      __m256i d0 = _mm256_sub_epi16(x[2 * p], x[m - 1 - 2 * p]);
      __m256i d1 = _mm256_sub_epi16(x[2 * p + 1], x[m - 2 - 2 * p]);
      dlo[p] = _mm256_unpacklo_epi16(d0, d1);
      dhi[p] = _mm256_unpackhi_epi16(d0, d1);
    }
    HEVC_UNROLL
    for (int i = 0; i < h; i++) x[i] = _mm256_add_epi16(x[i], x[m - 1 - i]);
    HEVC_UNROLL
    for (int k = 1; k < m; k += 2) {
      __m256i al = _mm256_setzero_si256(), ah = _mm256_setzero_si256();
      HEVC_UNROLL
      for (int p = 0; p < h / 2; p++) {
        __m256i c = pair256(b + k * m + 2 * p);
        al = _mm256_add_epi32(al, _mm256_madd_epi16(dlo[p], c));
        ah = _mm256_add_epi32(ah, _mm256_madd_epi16(dhi[p], c));
      }
      fwd_out(dst + k * step * n, al, ah, rnd, sh);
    }
    step *= 2;
    m = h;
  }
  if (m == 2) { /* rows 0 and n / 2; the sums are formed by pmaddwd in 32 bits */
    const __m256i c0 = _mm256_set1_epi32(64 | 64 << 16), c1 = _mm256_set1_epi32(64 | -64 * 65536);
    __m256i lo = _mm256_unpacklo_epi16(x[0], x[1]), hi = _mm256_unpackhi_epi16(x[0], x[1]);
    fwd_out(dst, _mm256_madd_epi16(lo, c0), _mm256_madd_epi16(hi, c0), rnd, sh);
    fwd_out(dst + (n / 2) * n, _mm256_madd_epi16(lo, c1), _mm256_madd_epi16(hi, c1), rnd, sh);
    return;
  }
  const int16_t *b = fwd_mat(m);
  for (int k = 0; k < m; k++) {
    __m256i al = _mm256_setzero_si256(), ah = _mm256_setzero_si256();
    for (int p = 0; p < m / 2; p++) {
      __m256i c = pair256(b + k * m + 2 * p);
      al = _mm256_add_epi32(al, _mm256_madd_epi16(_mm256_unpacklo_epi16(x[2 * p], x[2 * p + 1]), c));
      ah = _mm256_add_epi32(ah, _mm256_madd_epi16(_mm256_unpackhi_epi16(x[2 * p], x[2 * p + 1]), c));
    }
    fwd_out(dst + k * step * n, al, ah, rnd, sh);
  }
}

/* One 16-column group of a forward pass with `levels` even/odd stages. */
INLINE void fwd_group(const int16_t *src, ptrdiff_t ss, int n, int levels, int16_t *dst,
                      __m256i rnd, __m128i sh) {
  __m256i x[32];
  HEVC_UNROLL
  for (int y = 0; y < n; y++) x[y] = _mm256_loadu_si256((const __m256i *)(src + y * ss));
  fwd_cols_bfly(x, n, levels, dst, rnd, sh);
}

/* One forward pass over an n x n block (n = 16 or 32): dst[k][x] =
 * sat16((column transform + 2^(shift-1)) >> shift), dst stride n.  All
 * even/odd stages for inputs below 32768 / (n / 2) (every first pass, as
 * residuals have at most 10 bits, and most second ones); one stage when
 * they are below 16384; else the plain matrix product. */
INLINE void fwd_pass16(const int16_t *src, ptrdiff_t ss, int n, int shift, int16_t *dst) {
  const __m256i rnd = _mm256_set1_epi32(1 << (shift - 1));
  const __m128i sh = _mm_cvtsi32_si128(shift);
  unsigned mx = max_abs_rows(src, ss, n, n);
  for (int g = 0; g < n; g += 16) {
    if (mx <= 32767u / (unsigned)(n / 2))
      fwd_group(src + g, ss, n, 5, dst + g, rnd, sh);
    else if (mx <= 16383)
      fwd_group(src + g, ss, n, 1, dst + g, rnd, sh);
    else
      fwd_group(src + g, ss, n, 0, dst + g, rnd, sh);
  }
}

/* tmp[k][x] after the vertical pass, its transpose, the horizontal pass's
 * output (transposed), then back into coef[k][l]. */
INLINE void fwd_n(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd, int log2,
                  const int16_t *m) {
  int n = 1 << log2;
  int s1 = log2 + bd - 9, s2 = log2 + 6;
  if (n >= 16) {
    int16_t t[32 * 32], u[32 * 32], v[32 * 32];
    fwd_pass16(res, stride, n, s1, t);
    transpose16(t, u, n);
    fwd_pass16(u, n, n, s2, v);
    transpose16_to32(v, coef, n);
  } else { /* 4x4 (8x8 has its own kernel above) */
    fwd4x4(res, stride, coef, bd, m);
  }
}

static HEVC_AVX2 void fwd4_avx2(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  fwd_n(res, stride, coef, bd, 2, hevc_x86_tm.fwd4);
}
static HEVC_AVX2 void fwd_dst_avx2(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  fwd_n(res, stride, coef, bd, 2, hevc_x86_tm.dst);
}
static HEVC_AVX2 void fwd16_avx2(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  fwd_n(res, stride, coef, bd, 4, hevc_x86_tm.fwd16);
}
static HEVC_AVX2 void fwd32_avx2(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bd) {
  fwd_n(res, stride, coef, bd, 5, hevc_x86_tm.fwd32);
}

/* ---- inverse ----------------------------------------------------------- */

INLINE const int16_t *odd_mat(int m) {
  switch (m) {
    case 4: return hevc_x86_tm.odd4;
    case 8: return hevc_x86_tm.odd8;
    case 16: return hevc_x86_tm.odd16;
    default: return hevc_x86_tm.odd32;
  }
}

/* The N-point inverse transform (n = 16 or 32) down the columns of one
 * 16-column group: c[0..n-1] the coefficient rows, of which only the first
 * `rows` may be non-zero; lo/hi[y] receive output row y as 32-bit lanes.
 * Built up from the 2-point transform of rows 0 and n/2: the m-point
 * inverse is E[i] +- O[i], E the m/2-point inverse of its even rows, O[i]
 * the odd rows weighted by B_m[2j + 1][i].  The butterflies act on the
 * 32-bit sums, so no range condition; pairs of odd rows that are all zero
 * are skipped.  Constant trip counts: unrolled, with registers. */
INLINE void inv_cols_bfly(const __m256i *c, int n, int rows, __m256i *lo, __m256i *hi) {
  {
    const __m256i c0 = _mm256_set1_epi32(64 | 64 << 16), c1 = _mm256_set1_epi32(64 | -64 * 65536);
    __m256i pl = _mm256_unpacklo_epi16(c[0], c[n / 2]), ph = _mm256_unpackhi_epi16(c[0], c[n / 2]);
    lo[0] = _mm256_madd_epi16(pl, c0);
    hi[0] = _mm256_madd_epi16(ph, c0);
    lo[1] = _mm256_madd_epi16(pl, c1);
    hi[1] = _mm256_madd_epi16(ph, c1);
  }
  HEVC_UNROLL
  for (int m = 4; m <= n; m *= 2) {
    int h = m / 2, ks = n / m; /* row k of the m-point transform is c[k * ks] */
    const int16_t *odd = odd_mat(m);
    __m256i ol[16], oh[16], pl[8], ph[8];
    HEVC_UNROLL
    for (int i = 0; i < h; i++) ol[i] = oh[i] = _mm256_setzero_si256();
    HEVC_UNROLL
    for (int p = 0; p < h / 2; p++) {
      int r0 = (4 * p + 1) * ks, r1 = (4 * p + 3) * ks;
      if (r0 >= rows) continue; /* both rows of the pair are zero */
      pl[p] = _mm256_unpacklo_epi16(c[r0], c[r1]);
      ph[p] = _mm256_unpackhi_epi16(c[r0], c[r1]);
      HEVC_UNROLL
      for (int i = 0; i < h; i++) {
        __m256i k = pair256(odd + i * h + 2 * p);
        ol[i] = _mm256_add_epi32(ol[i], _mm256_madd_epi16(pl[p], k));
        oh[i] = _mm256_add_epi32(oh[i], _mm256_madd_epi16(ph[p], k));
      }
    }
    HEVC_UNROLL
    for (int i = 0; i < h; i++) {
      __m256i el = lo[i], eh = hi[i];
      lo[i] = _mm256_add_epi32(el, ol[i]);
      hi[i] = _mm256_add_epi32(eh, oh[i]);
      lo[m - 1 - i] = _mm256_sub_epi32(el, ol[i]);
      hi[m - 1 - i] = _mm256_sub_epi32(eh, oh[i]);
    }
  }
}

/* One inverse pass over an n x n block (n = 16 or 32), src and dst stride
 * n: dst[y][x] = pack((column inverse + 2^(shift-1)) >> shift), saturating
 * (the first pass's clip16) or wrapping (the second pass's int16_t), for
 * the 16-column groups that hold columns below cols (the others are left
 * unwritten: the caller does not read them). */
INLINE void inv_pass16(const int16_t *src, int n, int rows, int cols, int shift, int wrap,
                        int16_t *dst) {
  const __m256i rnd = _mm256_set1_epi32(1 << (shift - 1));
  const __m128i sh = _mm_cvtsi32_si128(shift);
  for (int g = 0; g < cols; g += 16) { /* columns from cols on are not needed */
    __m256i c[32], lo[32], hi[32];
    HEVC_UNROLL
    for (int k = 0; k < n; k++)
      c[k] = k < rows ? _mm256_loadu_si256((const __m256i *)(src + k * n + g)) : _mm256_setzero_si256();
    inv_cols_bfly(c, n, rows, lo, hi);
    HEVC_UNROLL
    for (int y = 0; y < n; y++) {
      __m256i al = _mm256_sra_epi32(_mm256_add_epi32(lo[y], rnd), sh);
      __m256i ah = _mm256_sra_epi32(_mm256_add_epi32(hi[y], rnd), sh);
      if (wrap) {
        al = _mm256_srai_epi32(_mm256_slli_epi32(al, 16), 16);
        ah = _mm256_srai_epi32(_mm256_slli_epi32(ah, 16), 16);
      }
      _mm256_storeu_si256((__m256i *)(dst + y * n + g), _mm256_packs_epi32(al, ah));
    }
  }
}

/* Packs coef to int16 (exact: the inverse's input lies in the int16 range)
 * and returns the number of leading rows and of leading columns that hold
 * every non-zero coefficient (n = 8, 16 or 32). */
INLINE void pack_coefs(const int32_t *coef, int16_t *d, int n, int *rows, int *cols) {
  __m128i grp[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),
                    _mm_setzero_si128()};
  int last = 0;
  for (int y = 0; y < n; y++) {
    __m128i row_or = _mm_setzero_si128();
    for (int x = 0; x < n; x += 8) {
      __m256i c = _mm256_loadu_si256((const __m256i *)(coef + y * n + x));
      __m128i p = _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
      _mm_storeu_si128((__m128i *)(d + y * n + x), p);
      row_or = _mm_or_si128(row_or, p);
      grp[x >> 3] = _mm_or_si128(grp[x >> 3], p);
    }
    if (!_mm_testz_si128(row_or, row_or)) last = y + 1;
  }
  *rows = last;
  int c = 0;
  for (int g = n / 8 - 1; g >= 0 && !c; g--) {
    /* two mask bits per 16-bit lane; the highest set one gives the column */
    unsigned nz = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(grp[g], _mm_setzero_si128())) & 0xffffu;
    if (nz) c = 8 * g + (31 - __builtin_clz(nz)) / 2 + 1;
  }
  *cols = c;
}

INLINE void inv_n(const int32_t *coef, int16_t *res, int bd, int log2, const int16_t *m) {
  int n = 1 << log2;
  if (n == 4) {
    inv4x4(coef, res, bd, m);
    return;
  }
  int16_t d[32 * 32], g[32 * 32], gt[32 * 32], o[32 * 32];
  int rows, cols;
  pack_coefs(coef, d, n, &rows, &cols);
  if (!rows) { /* all zero: so is the residual */
    memset(res, 0, sizeof(int16_t) * (size_t)(n * n));
    return;
  }
  /* g: only columns < cols can be non-zero; gt: only rows < cols */
  inv_pass16(d, n, rows, cols, 7, 0, g);
  transpose16_cols(g, gt, n, cols);
  inv_pass16(gt, n, cols, n, 20 - bd, 1, o);
  transpose16(o, res, n);
}

static HEVC_AVX2 void inv4_avx2(const int32_t *coef, int16_t *res, int bd) {
  inv_n(coef, res, bd, 2, hevc_x86_tm.inv4);
}
static HEVC_AVX2 void inv_dst_avx2(const int32_t *coef, int16_t *res, int bd) {
  inv_n(coef, res, bd, 2, hevc_x86_tm.dst_t);
}
static HEVC_AVX2 void inv16_avx2(const int32_t *coef, int16_t *res, int bd) {
  inv_n(coef, res, bd, 4, hevc_x86_tm.inv16);
}
static HEVC_AVX2 void inv32_avx2(const int32_t *coef, int16_t *res, int bd) {
  inv_n(coef, res, bd, 5, hevc_x86_tm.inv32);
}

void hevc_dsp_init_transform_avx2(hevc_dsp *dsp) {
  hevc_x86_transform_matrices_init(); /* the kernels read the tables directly */
  dsp->fwd[0] = fwd4_avx2;
  dsp->fwd[1] = fwd8_x2_avx2;
  dsp->fwd[2] = fwd16_avx2;
  dsp->fwd[3] = fwd32_avx2;
  dsp->fwd_dst = fwd_dst_avx2;
  dsp->inv[0] = inv4_avx2;
  dsp->inv[1] = inv8_x2_avx2;
  dsp->inv[2] = inv16_avx2;
  dsp->inv[3] = inv32_avx2;
  dsp->inv_dst = inv_dst_avx2;
}

#else
typedef int hevc_transform_avx2_unused;
#endif
