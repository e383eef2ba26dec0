/*
 * Intra prediction (planar, DC, angular), AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Bit-identical to intrapred_c.c.  16-bit lanes are exact for samples of up
 * to 10 bits:
 *  - angular: (32 - f) * a + f * b + 16 <= 32 * 1023 + 16 < 2^15;
 *  - planar: the four weights of a sample add up to 2N, so the sum is at
 *    most 64 * 1023 + 32 < 2^16; it is formed modulo 2^16 (some of the
 *    incremental terms are negative) and shifted logically.
 * Horizontal angular modes are predicted as the transposed vertical ones
 * into a scratch block and transposed into place.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <string.h>

#include "../../tables.h"
#include "dsp_x86.h"
#include "transpose_avx2.h"

#define INLINE static inline __attribute__((always_inline)) HEVC_AVX2

/* ---- row loads and stores of n = 4, 8, 16 samples ------------------------ */

INLINE __m256i load_row(const hevc_pixel *p, int n) {
  if (n == 16) return _mm256_loadu_si256((const __m256i *)p);
  if (n == 8) return _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)p));
  return _mm256_zextsi128_si256(_mm_loadl_epi64((const __m128i *)p));
}

INLINE void store_row(hevc_pixel *p, __m256i v, int n) {
  if (n == 16)
    _mm256_storeu_si256((__m256i *)p, v);
  else if (n == 8)
    _mm_storeu_si128((__m128i *)p, _mm256_castsi256_si128(v));
  else
    _mm_storel_epi64((__m128i *)p, _mm256_castsi256_si128(v));
}

/* ---- planar -------------------------------------------------------------- */

INLINE void planar_n(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                     const hevc_pixel *left, int log2) {
  int n = 1 << log2;
  const __m256i ramp = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i tr = _mm256_set1_epi16((short)top[1 + n]);
  const __m256i bl = _mm256_set1_epi16((short)left[1 + n]);
  const __m256i nm1 = _mm256_set1_epi16((short)(n - 1));
  const __m128i sh = _mm_cvtsi32_si128(log2 + 1);
  /* per 16-column group g: the value of row 0 without its left term,
   * (x + 1) * tr + (n - 1) * top[x] + bl + n, its increment per row,
   * bl - top[x], and the weight of the left sample, n - 1 - x */
  for (int g = 0; g < n; g += 16) {
    __m256i x = _mm256_add_epi16(ramp, _mm256_set1_epi16((short)g));
    __m256i t = load_row(top + 1 + g, n < 16 ? n : 16);
    __m256i base = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_add_epi16(x, _mm256_set1_epi16(1)), tr),
                                    _mm256_mullo_epi16(nm1, t));
    base = _mm256_add_epi16(base, _mm256_add_epi16(bl, _mm256_set1_epi16((short)n)));
    __m256i inc = _mm256_sub_epi16(bl, t);
    __m256i wl = _mm256_sub_epi16(nm1, x);
    for (int y = 0; y < n; y++) {
      __m256i v = _mm256_add_epi16(base, _mm256_mullo_epi16(wl, _mm256_set1_epi16((short)left[1 + y])));
      store_row(dst + y * stride + g, _mm256_srl_epi16(v, sh), n < 16 ? n : 16);
      base = _mm256_add_epi16(base, inc);
    }
  }
}

static HEVC_AVX2 void pred_planar_avx2(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                                       const hevc_pixel *left, int log2) {
  switch (log2) {
    case 2: planar_n(dst, stride, top, left, 2); break;
    case 3: planar_n(dst, stride, top, left, 3); break;
    case 4: planar_n(dst, stride, top, left, 4); break;
    default: planar_n(dst, stride, top, left, 5); break;
  }
}

/* ---- DC ------------------------------------------------------------------ */

static HEVC_AVX2 void pred_dc_avx2(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                                   const hevc_pixel *left, int log2, int edge) {
  int n = 1 << log2;
  /* sums of at most 64 samples of 10 bits fit 32-bit lanes after pmaddwd */
  __m256i acc = _mm256_setzero_si256();
  const __m256i one = _mm256_set1_epi16(1);
  int w = n < 16 ? n : 16;
  for (int i = 0; i < n; i += 16) {
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load_row(top + 1 + i, w), one));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load_row(left + 1 + i, w), one));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  int dc = (_mm_cvtsi128_si32(s) + n) >> (log2 + 1);
  __m256i v = _mm256_set1_epi16((short)dc);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x += 16) store_row(dst + y * stride + x, v, w);
  if (edge) { /* the top row by vectors, the left column and corner scalar */
    const __m256i k = _mm256_set1_epi16((short)(3 * dc + 2));
    for (int x = 0; x < n; x += 16)
      store_row(dst + x, _mm256_srli_epi16(_mm256_add_epi16(load_row(top + 1 + x, w), k), 2), w);
    dst[0] = (hevc_pixel)((left[1] + 2 * dc + top[1] + 2) >> 2);
    for (int y = 1; y < n; y++) dst[y * stride] = (hevc_pixel)((left[1 + y] + 3 * dc + 2) >> 2);
  }
}

/* ---- angular ------------------------------------------------------------- */

/* Row j of an angular prediction (n <= 16 samples, in the low lanes):
 * ((32 - f) * ref[i] + f * ref[i + 1] + 16) >> 5, or ref[i] itself when f
 * is 0 (ref[i + 1] is then not read, as in the C, so no sample beyond the
 * reference array is touched). */
INLINE __m256i angular_row(const hevc_pixel *ref, int angle, int j, int n) {
  int idx = ((j + 1) * angle) >> 5, f = ((j + 1) * angle) & 31;
  const hevc_pixel *r = ref + idx + 1;
  if (!f) return load_row(r, n);
  __m256i v = _mm256_add_epi16(_mm256_mullo_epi16(load_row(r, n), _mm256_set1_epi16((short)(32 - f))),
                               _mm256_mullo_epi16(load_row(r + 1, n), _mm256_set1_epi16((short)f)));
  return _mm256_srli_epi16(_mm256_add_epi16(v, _mm256_set1_epi16(16)), 5);
}

/* All n rows into out (stride os), any n. */
INLINE void angular_rows(hevc_pixel *out, ptrdiff_t os, const hevc_pixel *ref, int angle, int n) {
  for (int j = 0; j < n; j++)
    for (int x = 0; x < n; x += 16) {
      int w = n < 16 ? n : 16;
      store_row(out + j * os + x, angular_row(ref + x, angle, j, w), w);
    }
}

/* Horizontal modes: the n x n block (n = 4, 8, 16) of rows j0 .. j0 + n - 1
 * stays in registers and is transposed there on the way to dst. */
INLINE void angular_cols(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *ref, int angle, int n,
                         int j0) {
  __m256i r[16];
  HEVC_UNROLL
  for (int j = 0; j < n; j++) r[j] = angular_row(ref, angle, j0 + j, n);
  if (n == 4) {
    __m128i a = _mm_unpacklo_epi16(_mm256_castsi256_si128(r[0]), _mm256_castsi256_si128(r[1]));
    __m128i b = _mm_unpacklo_epi16(_mm256_castsi256_si128(r[2]), _mm256_castsi256_si128(r[3]));
    __m128i c01 = _mm_unpacklo_epi32(a, b), c23 = _mm_unpackhi_epi32(a, b);
    _mm_storel_epi64((__m128i *)dst, c01);
    _mm_storel_epi64((__m128i *)(dst + stride), _mm_unpackhi_epi64(c01, c01));
    _mm_storel_epi64((__m128i *)(dst + 2 * stride), c23);
    _mm_storel_epi64((__m128i *)(dst + 3 * stride), _mm_unpackhi_epi64(c23, c23));
  } else if (n == 8) {
    __m128i in[8], out[8];
    HEVC_UNROLL
    for (int i = 0; i < 8; i++) in[i] = _mm256_castsi256_si128(r[i]);
    hevc_tr8x8_epi16(in, out);
    HEVC_UNROLL
    for (int i = 0; i < 8; i++) _mm_storeu_si128((__m128i *)(dst + i * stride), out[i]);
  } else {
    /* rows 0-7 hold the 8x8 blocks (rows 0-7, columns 0-7 | 8-15), rows
     * 8-15 the two below; transposing each gives the halves of dst rows c
     * and c + 8 */
    __m256i t0[8], t1[8];
    hevc_tr8x8x2_epi16(r, t0);
    hevc_tr8x8x2_epi16(r + 8, t1);
    HEVC_UNROLL
    for (int c = 0; c < 8; c++) {
      _mm256_storeu_si256((__m256i *)(dst + c * stride), _mm256_permute2x128_si256(t0[c], t1[c], 0x20));
      _mm256_storeu_si256((__m256i *)(dst + (c + 8) * stride),
                          _mm256_permute2x128_si256(t0[c], t1[c], 0x31));
    }
  }
}

INLINE void angular_n(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                      const hevc_pixel *left, int log2, int mode) {
  int n = 1 << log2;
  int angle = hevc_intra_angle[mode];
  int vertical = mode >= 18;
  const hevc_pixel *main_ref = vertical ? top : left;
  const hevc_pixel *side_ref = vertical ? left : top;
  /* Non-negative angles read main_ref[0 .. 2n] as it is; negative ones
   * extend it to the left with projected side samples, as in the C. */
  hevc_pixel buf[3 * 32 + 1];
  const hevc_pixel *ref = main_ref;
  if (angle < 0) {
    hevc_pixel *r = buf + n;
    memcpy(r, main_ref, sizeof(hevc_pixel) * (size_t)(n + 1));
    int last = (n * angle) >> 5;
    int inv = hevc_intra_inv_angle[mode];
    if (last < -1)
      for (int x = last; x <= -1; x++) r[x] = side_ref[(x * inv + 128) >> 8];
    ref = r;
  }
  if (vertical) {
    angular_rows(dst, stride, ref, angle, n);
  } else if (n <= 16) {
    angular_cols(dst, stride, ref, angle, n, 0);
  } else {
    /* 32x32 as four 16x16 quadrants: predicted rows j0.. of samples i0..
     * become dst rows i0.., columns j0.. */
    for (int j0 = 0; j0 < 32; j0 += 16)
      for (int i0 = 0; i0 < 32; i0 += 16) angular_cols(dst + i0 * stride + j0, stride, ref + i0, angle, 16, j0);
  }
}

static HEVC_AVX2 void pred_angular_avx2(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                                        const hevc_pixel *left, int log2, int mode, int edge,
                                        int bit_depth) {
  switch (log2) {
    case 2: angular_n(dst, stride, top, left, 2, mode); break;
    case 3: angular_n(dst, stride, top, left, 3, mode); break;
    case 4: angular_n(dst, stride, top, left, 4, mode); break;
    default: angular_n(dst, stride, top, left, 5, mode); break;
  }
  /* the boundary filters touch one row or column: scalar, as in the C */
  if (edge && (mode == 26 || mode == 10)) {
    int n = 1 << log2, max = (1 << bit_depth) - 1;
    for (int i = 0; i < n; i++) {
      int v = mode == 26 ? top[1] + ((left[1 + i] - left[0]) >> 1)
                         : left[1] + ((top[1 + i] - top[0]) >> 1);
      v = v < 0 ? 0 : v > max ? max : v;
      dst[mode == 26 ? i * stride : i] = (hevc_pixel)v;
    }
  }
}

void hevc_dsp_init_intrapred_avx2(hevc_dsp *dsp) {
  dsp->pred_planar = pred_planar_avx2;
  dsp->pred_dc = pred_dc_avx2;
  dsp->pred_angular = pred_angular_avx2;
}

#else
typedef int hevc_intrapred_avx2_unused;
#endif
