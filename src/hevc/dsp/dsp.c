/*
 * Kernel table setup.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "dsp.h"

#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include "x86/dsp_x86.h"
#endif

int hevc_dsp_simd_disabled(void) {
  /* Read on every init rather than cached: the conformance scripts and the
   * kernel tests switch it per process, and the encoder initialises its
   * table once per picture, so the cost is nil. */
  const char *v = getenv("HEIC_NO_SIMD");
  return v && *v && !(v[0] == '0' && v[1] == '\0');
}

void hevc_dsp_limit_depth(hevc_dsp *dsp, int bit_depth) {
  if (bit_depth <= 10) return;
  hevc_dsp c;
  hevc_dsp_init_c(&c);
  /* 16-bit lanes that overflow past 10 bits: sums of squares and Hadamard
   * sums (satd, sse), (32 - f) * a + f * b and the DC / planar sums
   * (intra), the butterflies of the forward transforms, the per-lane
   * sums of the SAO statistics */
  dsp->pred_planar = c.pred_planar;
  dsp->pred_dc = c.pred_dc;
  dsp->pred_angular = c.pred_angular;
  for (int t = 0; t < 4; t++) {
    dsp->fwd[t] = c.fwd[t];
    dsp->satd[t] = c.satd[t];
    dsp->sse[t] = c.sse[t];
  }
  dsp->fwd_dst = c.fwd_dst;
  dsp->sao_edge_stats = c.sao_edge_stats;
}

void hevc_dsp_init(hevc_dsp *dsp, int bit_depth) {
  hevc_dsp_init_c(dsp);
  if (hevc_dsp_simd_disabled()) return;
  /* SIMD tiers, each overwriting the entries it implements. */
#if defined(__x86_64__) || defined(__i386__)
  hevc_dsp_init_x86(dsp, HEVC_CPU_ALL);
#endif
  hevc_dsp_limit_depth(dsp, bit_depth);
}
