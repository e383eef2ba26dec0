/*
 * SAO statistics kernel, C reference.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "dsp.h"

static void sao_edge_stats_c(const hevc_pixel *dbk, const hevc_pixel *org, ptrdiff_t stride,
                             int w, int h, ptrdiff_t off0, ptrdiff_t off1, int64_t sum[4],
                             int64_t cnt[4]) {
  /* edgeIdx = 2 + sign(p - a) + sign(p - b) mapped to categories 1, 2, -, 3, 4;
   * category 0 (no offset) is not counted */
  static const int8_t cat_of[5] = {0, 1, -1, 2, 3};
  for (int c = 0; c < 4; c++) sum[c] = cnt[c] = 0;
  for (int y = 0; y < h; y++) {
    const hevc_pixel *d = dbk + y * stride, *o = org + y * stride;
    for (int x = 0; x < w; x++) {
      int v = d[x], a = d[x + off0], b = d[x + off1];
      int e = 2 + (v > a) - (v < a) + (v > b) - (v < b);
      int c = cat_of[e];
      if (c < 0) continue;
      sum[c] += o[x] - v;
      cnt[c]++;
    }
  }
}

void hevc_dsp_init_sao_c(hevc_dsp *dsp);
void hevc_dsp_init_sao_c(hevc_dsp *dsp) { dsp->sao_edge_stats = sao_edge_stats_c; }
