/*
 * Sum of squared differences, AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Differences of samples of up to 10 bits fit 16-bit lanes, and pmaddwd
 * squares and pairs them into 32-bit lanes.  32-bit accumulation is exact:
 * even a 32x32 block of maximal 10-bit differences sums to
 * 1024 * 1023^2 < 2^31.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "dsp_x86.h"

static inline HEVC_AVX2 __m256i sq(__m256i a, __m256i b) {
  __m256i d = _mm256_sub_epi16(a, b);
  return _mm256_madd_epi16(d, d);
}

static inline HEVC_AVX2 uint64_t hsum32(__m256i v) {
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
  return (uint32_t)_mm_cvtsi128_si32(t);
}

static HEVC_AVX2 uint64_t sse4_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                    ptrdiff_t sb) {
  __m128i acc = _mm_setzero_si128();
  for (int y = 0; y < 4; y += 2) {
    __m128i va = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(a + y * sa)),
                                    _mm_loadl_epi64((const __m128i *)(a + (y + 1) * sa)));
    __m128i vb = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(b + y * sb)),
                                    _mm_loadl_epi64((const __m128i *)(b + (y + 1) * sb)));
    __m128i d = _mm_sub_epi16(va, vb);
    acc = _mm_add_epi32(acc, _mm_madd_epi16(d, d));
  }
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4E));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xB1));
  return (uint32_t)_mm_cvtsi128_si32(acc);
}

static HEVC_AVX2 uint64_t sse8_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                    ptrdiff_t sb) {
  __m256i acc = _mm256_setzero_si256();
  for (int y = 0; y < 8; y += 2) {
    __m256i va = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(a + y * sa))),
        _mm_loadu_si128((const __m128i *)(a + (y + 1) * sa)), 1);
    __m256i vb = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(b + y * sb))),
        _mm_loadu_si128((const __m128i *)(b + (y + 1) * sb)), 1);
    acc = _mm256_add_epi32(acc, sq(va, vb));
  }
  return hsum32(acc);
}

static HEVC_AVX2 uint64_t sse16_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                     ptrdiff_t sb) {
  __m256i acc = _mm256_setzero_si256();
  for (int y = 0; y < 16; y++)
    acc = _mm256_add_epi32(acc, sq(_mm256_loadu_si256((const __m256i *)(a + y * sa)),
                                   _mm256_loadu_si256((const __m256i *)(b + y * sb))));
  return hsum32(acc);
}

static HEVC_AVX2 uint64_t sse32_avx2(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,
                                     ptrdiff_t sb) {
  __m256i acc = _mm256_setzero_si256();
  for (int y = 0; y < 32; y++) {
    const __m256i *pa = (const __m256i *)(a + y * sa), *pb = (const __m256i *)(b + y * sb);
    acc = _mm256_add_epi32(acc, sq(_mm256_loadu_si256(pa), _mm256_loadu_si256(pb)));
    acc = _mm256_add_epi32(acc, sq(_mm256_loadu_si256(pa + 1), _mm256_loadu_si256(pb + 1)));
  }
  return hsum32(acc);
}

void hevc_dsp_init_sse_avx2(hevc_dsp *dsp) {
  dsp->sse[0] = sse4_avx2;
  dsp->sse[1] = sse8_avx2;
  dsp->sse[2] = sse16_avx2;
  dsp->sse[3] = sse32_avx2;
}

#else
typedef int hevc_sse_avx2_unused;
#endif
