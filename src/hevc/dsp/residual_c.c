/*
 * Residual and reconstruction kernels, C reference.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "dsp.h"

#define RESIDUAL_N(N)                                                                      \
  static void residual##N##_c(int16_t *res, const hevc_pixel *org, ptrdiff_t so,           \
                              const hevc_pixel *pred, ptrdiff_t sp) {                      \
    for (int y = 0; y < N; y++)                                                            \
      for (int x = 0; x < N; x++) res[y * N + x] = (int16_t)(org[y * so + x] - pred[y * sp + x]); \
  }                                                                                        \
  static void recon##N##_c(hevc_pixel *dst, ptrdiff_t sd, const int16_t *res, int bit_depth) { \
    int max = (1 << bit_depth) - 1;                                                        \
    for (int y = 0; y < N; y++)                                                            \
      for (int x = 0; x < N; x++) {                                                        \
        int v = dst[y * sd + x] + res[y * N + x];                                          \
        dst[y * sd + x] = (hevc_pixel)(v < 0 ? 0 : v > max ? max : v);                     \
      }                                                                                    \
  }
RESIDUAL_N(4)
RESIDUAL_N(8)
RESIDUAL_N(16)
RESIDUAL_N(32)

void hevc_dsp_init_residual_c(hevc_dsp *dsp);
void hevc_dsp_init_residual_c(hevc_dsp *dsp) {
  dsp->residual[0] = residual4_c;
  dsp->residual[1] = residual8_c;
  dsp->residual[2] = residual16_c;
  dsp->residual[3] = residual32_c;
  dsp->recon[0] = recon4_c;
  dsp->recon[1] = recon8_c;
  dsp->recon[2] = recon16_c;
  dsp->recon[3] = recon32_c;
}
