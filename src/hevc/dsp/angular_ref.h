/*
 * The reference row of an angular intra prediction (8.4.4.2.6), shared by
 * the C and SIMD kernels.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_DSP_ANGULAR_REF_H
#define HEIC_HEVC_DSP_ANGULAR_REF_H

#include "dsp.h"
#include "../tables.h"

/* ref[] of an n x n block predicted with mode, indexed from -n to 2n:
 * main_ref (top for vertical modes, left for horizontal ones) itself for
 * non-negative angles; for negative ones main_ref[0..n] copied into buf
 * (3 * 32 + 1 samples) and extended to the left with side_ref samples
 * projected along the angle.  Returns the address of ref[0]. */
static inline const hevc_pixel *hevc_angular_ref(hevc_pixel *buf, const hevc_pixel *main_ref,
                                                 const hevc_pixel *side_ref, int n, int mode) {
  int angle = hevc_intra_angle[mode];
  if (angle >= 0) return main_ref;
  hevc_pixel *r = buf + n;
  for (int x = 0; x <= n; x++) r[x] = main_ref[x];
  int last = (n * angle) >> 5;
  int inv = hevc_intra_inv_angle[mode];
  if (last < -1) /* the spec extends only then; ref[-1] is not read otherwise */
    for (int x = last; x <= -1; x++) r[x] = side_ref[(x * inv + 128) >> 8];
  return r;
}

#endif
