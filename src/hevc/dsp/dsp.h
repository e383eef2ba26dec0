/*
 * Kernel function tables.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Every hot kernel of the encoder is called through an hevc_dsp table that
 * lives in the encoder context (no process-global state).  hevc_dsp_init()
 * fills it with the C reference versions; SIMD versions will overwrite
 * entries after CPU detection, and must be bit-identical to the C ones
 * (tests compare them on random input).
 *
 * Samples are uint16_t for every bit depth; strides are in samples.
 * Size index t is log2(block size) - 2: 0 = 4x4 ... 3 = 32x32.
 *
 * Input ranges the kernels may rely on (the SIMD versions keep 16-bit
 * intermediates where these make that exact): samples have at most
 * bit_depth bits, residuals r satisfy |r| < 2^bit_depth, and the
 * coefficients given to the inverse transforms lie in [-32768, 32767]
 * (8.6.2 clips them so).  Most SIMD kernels are exact up to 10 bits only:
 * a table made for 12 bits keeps the C versions but for those that are
 * exact at any depth (hevc_dsp_init).
 *
 * Setting the environment variable HEIC_NO_SIMD to anything but "" or "0"
 * makes hevc_dsp_init() keep the C versions (the SIMD ones are bit-identical,
 * so the output does not change: the conformance tests run both ways).
 */
#ifndef HEIC_HEVC_DSP_H
#define HEIC_HEVC_DSP_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t hevc_pixel;

typedef struct hevc_dsp {
  /* Intra prediction from reference arrays: top[0] = left[0] = p[-1][-1],
   * top[1 + i] = p[i][-1], left[1 + i] = p[-1][i], i < 2N.
   * edge: apply the luma boundary smoothing of DC / modes 10 and 26. */
  void (*pred_planar)(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                      const hevc_pixel *left, int log2);
  void (*pred_dc)(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                  const hevc_pixel *left, int log2, int edge);
  void (*pred_angular)(hevc_pixel *dst, ptrdiff_t stride, const hevc_pixel *top,
                       const hevc_pixel *left, int log2, int mode, int edge, int bit_depth);

  /* Forward transforms of a residual block into coefficients (encoder's own
   * scaling: the result fits int16 for bit depths up to 10 after clipping). */
  void (*fwd[4])(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bit_depth);
  void (*fwd_dst)(const int16_t *res, ptrdiff_t stride, int32_t *coef, int bit_depth);
  /* Inverse transforms exactly as 8.6.4.2 (with the intermediate clipping):
   * coef is the scaled (dequantised) block, res receives the residual. */
  void (*inv[4])(const int32_t *coef, int16_t *res, int bit_depth);
  void (*inv_dst)(const int32_t *coef, int16_t *res, int bit_depth);

  /* Sum of absolute Hadamard-transformed differences of an N x N block. */
  uint32_t (*satd[4])(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b, ptrdiff_t sb);
  /* Sum of squared differences of an N x N block. */
  uint64_t (*sse[4])(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b, ptrdiff_t sb);

  /* Residual of an N x N block: res[y * N + x] = org[y * so + x] -
   * pred[y * sp + x] (as int16_t). */
  void (*residual[4])(int16_t *res, const hevc_pixel *org, ptrdiff_t so, const hevc_pixel *pred,
                      ptrdiff_t sp);
  /* Reconstruction in place: dst[y * sd + x] = clip(dst[y * sd + x] +
   * res[y * N + x], 0, 2^bit_depth - 1), res any int16 value. */
  void (*recon[4])(hevc_pixel *dst, ptrdiff_t sd, const int16_t *res, int bit_depth);

  /* SAO edge-offset statistics (8.7.3) of a w x h area of deblocked samples
   * (w <= 512): every sample p has its two neighbours of the edge class at
   * p[off0] and p[off1] (offsets in samples; all inside the picture).  For
   * edgeIdx categories 1..4, sum[cat - 1] receives the sum of org - dbk and
   * cnt[cat - 1] the number of samples (both overwritten). */
  void (*sao_edge_stats)(const hevc_pixel *dbk, const hevc_pixel *org, ptrdiff_t stride, int w,
                         int h, ptrdiff_t off0, ptrdiff_t off1, int64_t sum[4], int64_t cnt[4]);
} hevc_dsp;

/* The kernels for samples of bit_depth (8..12) bits: the fastest this CPU
 * has that are exact at that depth. */
void hevc_dsp_init(hevc_dsp *dsp, int bit_depth);

/* Puts back the C version of every entry of dsp whose SIMD version is not
 * exact at bit_depth (above 10 bits: all but the inverse transforms,
 * residual and reconstruction, whose 16-bit lanes hold any 12-bit value). */
void hevc_dsp_limit_depth(hevc_dsp *dsp, int bit_depth);

/* Non-zero when HEIC_NO_SIMD asks for the C kernels only. */
int hevc_dsp_simd_disabled(void);

/* The C versions, exported for the kernel tests. */
void hevc_dsp_init_c(hevc_dsp *dsp);

#endif
