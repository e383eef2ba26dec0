/*
 * Intra prediction kernels, C reference (8.4.4.2.4 - 8.4.4.2.6).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "../tables.h"
#include "angular_ref.h"
#include "dsp.h"

static inline int clip_pixel(int v, int bit_depth) {
  int max = (1 << bit_depth) - 1;
  return v < 0 ? 0 : v > max ? max : v;
}

static void pred_planar_c(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                          const hevc_pixel *left, int log2) {
  int n = 1 << log2;
  int tr = top[1 + n], bl = left[1 + n];
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++)
      dst[y * stride + x] = (hevc_pixel)(((n - 1 - x) * left[1 + y] + (x + 1) * tr +
                                          (n - 1 - y) * top[1 + x] + (y + 1) * bl + n) >>
                                         (log2 + 1));
}

static void pred_dc_c(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                      const hevc_pixel *left, int log2, int edge) {
  int n = 1 << log2;
  int sum = n;
  for (int i = 0; i < n; i++) sum += top[1 + i] + left[1 + i];
  int dc = sum >> (log2 + 1);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) dst[y * stride + x] = (hevc_pixel)dc;
  if (edge) {
    dst[0] = (hevc_pixel)((left[1] + 2 * dc + top[1] + 2) >> 2);
    for (int x = 1; x < n; x++) dst[x] = (hevc_pixel)((top[1 + x] + 3 * dc + 2) >> 2);
    for (int y = 1; y < n; y++) dst[y * stride] = (hevc_pixel)((left[1 + y] + 3 * dc + 2) >> 2);
  }
}

static void pred_angular_c(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                           const hevc_pixel *left, int log2, int mode, int edge, int bit_depth) {
  int n = 1 << log2;
  int angle = hevc_intra_angle[mode];
  int vertical = mode >= 18;
  /* main is the side the prediction runs along, side the one projected
   * onto it for negative angles.  ref[] is indexed from -n to 2n. */
  const hevc_pixel *main_ref = vertical ? top : left;
  const hevc_pixel *side_ref = vertical ? left : top;
  hevc_pixel buf[3 * 32 + 1];
  const hevc_pixel *ref = hevc_angular_ref(buf, main_ref, side_ref, n, mode);
  for (int j = 0; j < n; j++) {
    int idx = ((j + 1) * angle) >> 5;
    int fact = ((j + 1) * angle) & 31;
    for (int i = 0; i < n; i++) {
      int v = fact ? ((32 - fact) * ref[i + idx + 1] + fact * ref[i + idx + 2] + 16) >> 5
                   : ref[i + idx + 1];
      if (vertical)
        dst[j * stride + i] = (hevc_pixel)v;
      else
        dst[i * stride + j] = (hevc_pixel)v;
    }
  }
  if (edge && mode == 26)
    for (int y = 0; y < n; y++)
      dst[y * stride] = (hevc_pixel)clip_pixel(top[1] + ((left[1 + y] - left[0]) >> 1), bit_depth);
  if (edge && mode == 10)
    for (int x = 0; x < n; x++)
      dst[x] = (hevc_pixel)clip_pixel(left[1] + ((top[1 + x] - top[0]) >> 1), bit_depth);
}

void hevc_dsp_init_intrapred_c(hevc_dsp *dsp);
void hevc_dsp_init_intrapred_c(hevc_dsp *dsp) {
  dsp->pred_planar = pred_planar_c;
  dsp->pred_dc = pred_dc_c;
  dsp->pred_angular = pred_angular_c;
}
