/*
 * 8x8 transpose of 16-bit lanes, shared by the x86 kernels that need one.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_TRANSPOSE_AVX2_H
#define HEIC_HEVC_TRANSPOSE_AVX2_H

#include <immintrin.h>

#include "dsp_x86.h"

/* out[c] = column c of the rows in[0..7]. */
static inline __attribute__((always_inline)) HEVC_AVX2 void hevc_tr8x8_epi16(const __m128i in[8],
                                                                            __m128i out[8]) {
  __m128i a[8], b[8];
  HEVC_UNROLL
  for (int i = 0; i < 4; i++) {
    a[2 * i] = _mm_unpacklo_epi16(in[2 * i], in[2 * i + 1]);
    a[2 * i + 1] = _mm_unpackhi_epi16(in[2 * i], in[2 * i + 1]);
  }
  /* a[0] = r0c0 r1c0 r0c1 r1c1 .. r1c3, a[1] = columns 4-7 of rows 0,1,
   * a[2], a[3] the same for rows 2,3, ... */
  HEVC_UNROLL
  for (int i = 0; i < 2; i++)
    HEVC_UNROLL
    for (int h = 0; h < 2; h++) {
      b[4 * i + 2 * h] = _mm_unpacklo_epi32(a[4 * i + h], a[4 * i + 2 + h]);
      b[4 * i + 2 * h + 1] = _mm_unpackhi_epi32(a[4 * i + h], a[4 * i + 2 + h]);
    }
  /* b[c / 2] holds columns c, c + 1 of rows 0-3 (c even); b[4 + c / 2] of
   * rows 4-7 */
  HEVC_UNROLL
  for (int c = 0; c < 4; c++) {
    out[2 * c] = _mm_unpacklo_epi64(b[c], b[4 + c]);
    out[2 * c + 1] = _mm_unpackhi_epi64(b[c], b[4 + c]);
  }
}

/* The same on two independent 8x8 blocks at once, one per 128-bit lane
 * (the unpack instructions never cross lanes). */
static inline __attribute__((always_inline)) HEVC_AVX2 void hevc_tr8x8x2_epi16(const __m256i in[8],
                                                                              __m256i out[8]) {
  __m256i a[8], b[8];
  HEVC_UNROLL
  for (int i = 0; i < 4; i++) {
    a[2 * i] = _mm256_unpacklo_epi16(in[2 * i], in[2 * i + 1]);
    a[2 * i + 1] = _mm256_unpackhi_epi16(in[2 * i], in[2 * i + 1]);
  }
  HEVC_UNROLL
  for (int i = 0; i < 2; i++)
    HEVC_UNROLL
    for (int h = 0; h < 2; h++) {
      b[4 * i + 2 * h] = _mm256_unpacklo_epi32(a[4 * i + h], a[4 * i + 2 + h]);
      b[4 * i + 2 * h + 1] = _mm256_unpackhi_epi32(a[4 * i + h], a[4 * i + 2 + h]);
    }
  HEVC_UNROLL
  for (int c = 0; c < 4; c++) {
    out[2 * c] = _mm256_unpacklo_epi64(b[c], b[4 + c]);
    out[2 * c + 1] = _mm256_unpackhi_epi64(b[c], b[4 + c]);
  }
}

#endif
