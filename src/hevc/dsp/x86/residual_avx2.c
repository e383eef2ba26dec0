/*
 * Residual and reconstruction, AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The residual is a wrapping 16-bit subtraction, exactly the C's int16_t
 * conversion.  The reconstruction adds with signed saturation first: for
 * samples of up to 10 bits the true sum only leaves the int16 range
 * upwards, where saturating to 32767 and then clipping to the maximum
 * sample value gives the same as the C's clip of the exact sum.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "dsp_x86.h"

#define INLINE static inline __attribute__((always_inline)) HEVC_AVX2

/* n = 4, 8: two rows per 128-bit register; 16, 32: 256-bit rows */
INLINE void residual_n(int16_t *res, const hevc_pixel *org, ptrdiff_t so, const hevc_pixel *pred,
                       ptrdiff_t sp, int n) {
  if (n == 4) {
    HEVC_UNROLL
    for (int y = 0; y < 4; y += 2) {
      __m128i o = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(org + y * so)),
                                     _mm_loadl_epi64((const __m128i *)(org + (y + 1) * so)));
      __m128i p = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(pred + y * sp)),
                                     _mm_loadl_epi64((const __m128i *)(pred + (y + 1) * sp)));
      _mm_storeu_si128((__m128i *)(res + y * 4), _mm_sub_epi16(o, p));
    }
  } else if (n == 8) {
    HEVC_UNROLL
    for (int y = 0; y < 8; y++)
      _mm_storeu_si128((__m128i *)(res + y * 8),
                       _mm_sub_epi16(_mm_loadu_si128((const __m128i *)(org + y * so)),
                                     _mm_loadu_si128((const __m128i *)(pred + y * sp))));
  } else {
    for (int y = 0; y < n; y++)
      HEVC_UNROLL
      for (int x = 0; x < n; x += 16)
        _mm256_storeu_si256((__m256i *)(res + y * n + x),
                            _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(org + y * so + x)),
                                             _mm256_loadu_si256((const __m256i *)(pred + y * sp + x))));
  }
}

INLINE void recon_n(hevc_pixel *dst, ptrdiff_t sd, const int16_t *res, int bit_depth, int n) {
  const __m256i zero = _mm256_setzero_si256(), max = _mm256_set1_epi16((short)((1 << bit_depth) - 1));
  if (n == 4) {
    HEVC_UNROLL
    for (int y = 0; y < 4; y += 2) {
      __m128i p = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(dst + y * sd)),
                                     _mm_loadl_epi64((const __m128i *)(dst + (y + 1) * sd)));
      __m128i v = _mm_adds_epi16(p, _mm_loadu_si128((const __m128i *)(res + y * 4)));
      v = _mm_min_epi16(_mm_max_epi16(v, _mm256_castsi256_si128(zero)), _mm256_castsi256_si128(max));
      _mm_storel_epi64((__m128i *)(dst + y * sd), v);
      _mm_storel_epi64((__m128i *)(dst + (y + 1) * sd), _mm_unpackhi_epi64(v, v));
    }
  } else if (n == 8) {
    HEVC_UNROLL
    for (int y = 0; y < 8; y++) {
      __m128i v = _mm_adds_epi16(_mm_loadu_si128((const __m128i *)(dst + y * sd)),
                                 _mm_loadu_si128((const __m128i *)(res + y * 8)));
      v = _mm_min_epi16(_mm_max_epi16(v, _mm256_castsi256_si128(zero)), _mm256_castsi256_si128(max));
      _mm_storeu_si128((__m128i *)(dst + y * sd), v);
    }
  } else {
    for (int y = 0; y < n; y++)
      HEVC_UNROLL
      for (int x = 0; x < n; x += 16) {
        __m256i v = _mm256_adds_epi16(_mm256_loadu_si256((const __m256i *)(dst + y * sd + x)),
                                      _mm256_loadu_si256((const __m256i *)(res + y * n + x)));
        _mm256_storeu_si256((__m256i *)(dst + y * sd + x), _mm256_min_epi16(_mm256_max_epi16(v, zero), max));
      }
  }
}

#define KERNELS(N)                                                                            \
  static HEVC_AVX2 void residual##N##_avx2(int16_t *res, const hevc_pixel *org, ptrdiff_t so, \
                                           const hevc_pixel *pred, ptrdiff_t sp) {            \
    residual_n(res, org, so, pred, sp, N);                                                    \
  }                                                                                           \
  static HEVC_AVX2 void recon##N##_avx2(hevc_pixel *dst, ptrdiff_t sd, const int16_t *res,    \
                                        int bit_depth) {                                      \
    recon_n(dst, sd, res, bit_depth, N);                                                      \
  }
KERNELS(4)
KERNELS(8)
KERNELS(16)
KERNELS(32)

void hevc_dsp_init_residual_avx2(hevc_dsp *dsp) {
  dsp->residual[0] = residual4_avx2;
  dsp->residual[1] = residual8_avx2;
  dsp->residual[2] = residual16_avx2;
  dsp->residual[3] = residual32_avx2;
  dsp->recon[0] = recon4_avx2;
  dsp->recon[1] = recon8_avx2;
  dsp->recon[2] = recon16_avx2;
  dsp->recon[3] = recon32_avx2;
}

#else
typedef int hevc_residual_avx2_unused;
#endif
