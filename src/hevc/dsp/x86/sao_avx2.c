/*
 * SAO edge statistics, AVX2.  SPDX-License-Identifier: BSD-2-Clause
 *
 * 16 samples at a time: the edge index 2 + sign(p - a) + sign(p - b) comes
 * from two pairs of compares, and each category's sum and count are
 * accumulated branch-free under a compare mask (the C version's scattered
 * increments of four counters serialise on store forwarding).  Samples of
 * up to 10 bits compare correctly as signed 16-bit lanes.  Per row a lane
 * gathers at most w / 16 <= 32 differences of magnitude < 2^10, which fits
 * 16 bits; rows are widened to 32 bits (pmaddwd by one) before adding up.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "dsp_x86.h"

/* sign(p - q) per lane; cmpgt gives -1 for true */
static inline HEVC_AVX2 __m256i sign16(__m256i p, __m256i q) {
  return _mm256_sub_epi16(_mm256_cmpgt_epi16(q, p), _mm256_cmpgt_epi16(p, q));
}

static HEVC_AVX2 void sao_edge_stats_avx2(const hevc_pixel *dbk, const hevc_pixel *org,
                                          ptrdiff_t stride, int w, int h, ptrdiff_t off0,
                                          ptrdiff_t off1, int64_t sum[4], int64_t cnt[4]) {
  static const int8_t cat_of[5] = {0, 1, -1, 2, 3};
  const __m256i one = _mm256_set1_epi16(1);
  /* edge index - 2 of each category */
  const __m256i ev[4] = {_mm256_set1_epi16(-2), _mm256_set1_epi16(-1), _mm256_set1_epi16(1),
                         _mm256_set1_epi16(2)};
  __m256i s32[4], c32[4];
  for (int c = 0; c < 4; c++) s32[c] = c32[c] = _mm256_setzero_si256();
  int64_t ts[4] = {0, 0, 0, 0}, tc[4] = {0, 0, 0, 0}; /* blocks narrower than 16 */
  int wv = w & ~15;
  const __m256i lane = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int y = 0; y < h; y++) {
    const hevc_pixel *d = dbk + y * stride, *o = org + y * stride;
    __m256i s16[4], c16[4];
    HEVC_UNROLL
    for (int c = 0; c < 4; c++) s16[c] = c16[c] = _mm256_setzero_si256();
    /* a ragged end of at least 16 samples is one more vector, overlapping
     * the last full one, with the lanes already counted masked off */
    int xend = w >= 16 ? w : 0;
    for (int x = 0; x < xend; x += 16) {
      __m256i keep = _mm256_set1_epi16(-1);
      if (x + 16 > w) {
        keep = _mm256_cmpgt_epi16(lane, _mm256_set1_epi16((short)(wv - (w - 16) - 1)));
        x = w - 16;
      }
      __m256i v = _mm256_loadu_si256((const __m256i *)(d + x));
      __m256i a = _mm256_loadu_si256((const __m256i *)(d + x + off0));
      __m256i b = _mm256_loadu_si256((const __m256i *)(d + x + off1));
      __m256i diff = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(o + x)), v);
      __m256i e = _mm256_add_epi16(sign16(v, a), sign16(v, b));
      HEVC_UNROLL
      for (int c = 0; c < 4; c++) {
        __m256i m = _mm256_and_si256(_mm256_cmpeq_epi16(e, ev[c]), keep);
        s16[c] = _mm256_add_epi16(s16[c], _mm256_and_si256(diff, m));
        c16[c] = _mm256_sub_epi16(c16[c], m);
      }
    }
    HEVC_UNROLL
    for (int c = 0; c < 4; c++) {
      s32[c] = _mm256_add_epi32(s32[c], _mm256_madd_epi16(s16[c], one));
      c32[c] = _mm256_add_epi32(c32[c], _mm256_madd_epi16(c16[c], one));
    }
    for (int x = xend ? w : 0; x < w; x++) { /* blocks narrower than 16 */
      int p = d[x], pa = d[x + off0], pb = d[x + off1];
      int c = cat_of[2 + (p > pa) - (p < pa) + (p > pb) - (p < pb)];
      if (c < 0) continue;
      ts[c] += o[x] - p;
      tc[c]++;
    }
  }
  for (int c = 0; c < 4; c++) {
    int32_t ls[8], lc[8];
    _mm256_storeu_si256((__m256i *)ls, s32[c]);
    _mm256_storeu_si256((__m256i *)lc, c32[c]);
    int64_t a = ts[c], n = tc[c];
    for (int i = 0; i < 8; i++) {
      a += ls[i];
      n += lc[i];
    }
    sum[c] = a;
    cnt[c] = n;
  }
}

void hevc_dsp_init_sao_avx2(hevc_dsp *dsp) { dsp->sao_edge_stats = sao_edge_stats_avx2; }

#else
typedef int hevc_sao_avx2_unused;
#endif
