/*
 * SATD (Hadamard) kernels, AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Everything stays in 16-bit lanes.  That is exact for samples of up to 10
 * bits: differences are below 2^10, three butterfly stages of the first
 * dimension grow them to at most 8 * 1023 and two stages of the second to
 * 32 * 1023 = 32736.  The last stage is never formed: for a butterfly pair
 * |a + b| + |a - b| = 2 * max(|a|, |b|), and taking max(|x_j|, |x_partner|)
 * in every lane counts each pair twice, which is exactly that sum.
 *
 * The stages of a Hadamard transform commute and the result is a sum of
 * absolute values, so the order of stages and of outputs is free; the C
 * version rounds each 8x8 (or 4x4) block on its own, so sums are kept per
 * block until that rounding.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "dsp_x86.h"

/* Butterfly between lane j and lane j ^ s inside each 128-bit lane:
 * x' = sign(x, m) + partner, with m = +1 where bit s of j is clear and -1
 * where set, gives x_j + x_p in the first and x_p - x_j in the second. */
static inline HEVC_AVX2 __m256i bfly_in(__m256i x, __m256i partner, __m256i m) {
  return _mm256_add_epi16(_mm256_sign_epi16(x, m), partner);
}

/* Horizontal 8-point transform of every 8-sample row (one per 128-bit
 * lane), with the final stage folded into the max trick: returns the
 * per-lane values whose sum is the absolute sum of the transformed rows. */
static inline HEVC_AVX2 __m256i hrow8_absmax(__m256i x) {
  const __m256i swap_w = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2,
                                          3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  const __m256i m1 = _mm256_setr_epi16(1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1);
  const __m256i m2 = _mm256_setr_epi16(1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1);
  x = bfly_in(x, _mm256_shuffle_epi8(x, swap_w), m1);
  x = bfly_in(x, _mm256_shuffle_epi32(x, 0xB1), m2);
  x = _mm256_abs_epi16(x);
  return _mm256_max_epi16(x, _mm256_shuffle_epi32(x, 0x4E));
}

/* p, q <- p + q, p - q */
static inline HEVC_AVX2 void bf(__m256i *p, __m256i *q) {
  __m256i a = *p, b = *q;
  *p = _mm256_add_epi16(a, b);
  *q = _mm256_sub_epi16(a, b);
}

/* Vertical 8-point butterflies between eight row registers (written out:
 * as loops GCC would keep the registers on the stack). */
static inline HEVC_AVX2 void vert8(__m256i r[8]) {
  bf(&r[0], &r[1]), bf(&r[2], &r[3]), bf(&r[4], &r[5]), bf(&r[6], &r[7]);
  bf(&r[0], &r[2]), bf(&r[1], &r[3]), bf(&r[4], &r[6]), bf(&r[5], &r[7]);
  bf(&r[0], &r[4]), bf(&r[1], &r[5]), bf(&r[2], &r[6]), bf(&r[3], &r[7]);
}

/* Two 8x8 blocks side by side (16 columns): returns the C's rounded SATD
 * of each, summed. */
static inline HEVC_AVX2 uint32_t satd_8x16(const hevc_pixel *a, ptrdiff_t sa,
                                           const hevc_pixel *b, ptrdiff_t sb) {
  __m256i r[8];
  HEVC_UNROLL
  for (int y = 0; y < 8; y++)
    r[y] = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(a + y * sa)),
                            _mm256_loadu_si256((const __m256i *)(b + y * sb)));
  vert8(r);
  const __m256i one = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  HEVC_UNROLL
  for (int y = 0; y < 8; y++) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(hrow8_absmax(r[y]), one));
  /* per 128-bit lane (= per block) totals */
  acc = _mm256_hadd_epi32(acc, acc);
  acc = _mm256_hadd_epi32(acc, acc);
  uint32_t lo = (uint32_t)_mm256_cvtsi256_si32(acc);
  uint32_t hi = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(acc, 1));
  return ((lo + 2) >> 2) + ((hi + 2) >> 2);
}

static HEVC_AVX2 uint32_t satd4_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                     ptrdiff_t sb) {
  /* rows 0 and 1 in the low 128-bit lane, rows 2 and 3 in the high one */
  __m128i d[4];
  HEVC_UNROLL
  for (int y = 0; y < 4; y++)
    d[y] = _mm_sub_epi16(_mm_loadl_epi64((const __m128i *)(a + y * sa)),
                         _mm_loadl_epi64((const __m128i *)(b + y * sb)));
  __m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi64(d[0], d[1])),
                                      _mm_unpacklo_epi64(d[2], d[3]), 1);
  const __m256i mlane = _mm256_setr_epi16(1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i mhalf = _mm256_setr_epi16(1, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1);
  const __m256i m1 = _mm256_setr_epi16(1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1);
  const __m256i swap_w = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2,
                                          3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  /* vertical: rows {0,1} against {2,3}, then 0 against 1 */
  x = bfly_in(x, _mm256_permute2x128_si256(x, x, 0x01), mlane);
  x = bfly_in(x, _mm256_shuffle_epi32(x, 0x4E), mhalf);
  /* horizontal: column j against j ^ 1, then the max trick for j ^ 2 */
  x = bfly_in(x, _mm256_shuffle_epi8(x, swap_w), m1);
  x = _mm256_abs_epi16(x);
  x = _mm256_max_epi16(x, _mm256_shuffle_epi32(x, 0xB1));
  __m256i s = _mm256_madd_epi16(x, _mm256_set1_epi16(1));
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
  return ((uint32_t)_mm_cvtsi128_si32(t) + 1) >> 1;
}

static HEVC_AVX2 uint32_t satd8_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                     ptrdiff_t sb) {
  /* register i holds row i (low lane) and row i + 4 (high lane) */
  __m256i r[4];
  HEVC_UNROLL
  for (int i = 0; i < 4; i++) {
    __m128i lo = _mm_sub_epi16(_mm_loadu_si128((const __m128i *)(a + i * sa)),
                               _mm_loadu_si128((const __m128i *)(b + i * sb)));
    __m128i hi = _mm_sub_epi16(_mm_loadu_si128((const __m128i *)(a + (i + 4) * sa)),
                               _mm_loadu_si128((const __m128i *)(b + (i + 4) * sb)));
    r[i] = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  }
  const __m256i mlane = _mm256_setr_epi16(1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1);
  bf(&r[0], &r[1]), bf(&r[2], &r[3]);
  bf(&r[0], &r[2]), bf(&r[1], &r[3]);
  const __m256i one = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  HEVC_UNROLL
  for (int i = 0; i < 4; i++) {
    __m256i x = bfly_in(r[i], _mm256_permute2x128_si256(r[i], r[i], 0x01), mlane);
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(hrow8_absmax(x), one));
  }
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
  return ((uint32_t)_mm_cvtsi128_si32(t) + 2) >> 2;
}

static HEVC_AVX2 uint32_t satd16_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                      ptrdiff_t sb) {
  uint32_t s = 0;
  for (int y = 0; y < 16; y += 8) s += satd_8x16(a + y * sa, sa, b + y * sb, sb);
  return s;
}

static HEVC_AVX2 uint32_t satd32_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                      ptrdiff_t sb) {
  uint32_t s = 0;
  for (int y = 0; y < 32; y += 8)
    for (int x = 0; x < 32; x += 16) s += satd_8x16(a + y * sa + x, sa, b + y * sb + x, sb);
  return s;
}

void hevc_dsp_init_satd_avx2(hevc_dsp *dsp) {
  dsp->satd[0] = satd4_avx2;
  dsp->satd[1] = satd8_avx2;
  dsp->satd[2] = satd16_avx2;
  dsp->satd[3] = satd32_avx2;
}

#else
typedef int hevc_satd_avx2_unused;
#endif
