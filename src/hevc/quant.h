/*
 * Quantisation (the encoder's) and scaling (8.6.3, normative).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_QUANT_H
#define HEIC_HEVC_QUANT_H

#include <stdint.h>

#include "cabac.h"

/* Quantises the N x N coefficients of a transform block (N = 1 << log2) at
 * Qp' qp into levels (int16 range).  With sign_hiding, levels are adjusted
 * so that each 4x4 sub-block whose sign is hidden carries it in its parity,
 * and the hidden signs are then set exactly as a decoder infers them, so the
 * levels always mean what a decoder will read.  Returns the number of
 * non-zero levels. */
int hevc_quantize(const int32_t *coef, int16_t *level, ptrdiff_t level_stride, int log2,
                  int qp, int bit_depth, int scan_idx, int sign_hiding);

/* Rate-distortion optimised quantisation.  Each level is chosen among the
 * nearest ones (and zero) by D + lambda * R, where R is estimated from the
 * CABAC context states the block will be coded with: significance,
 * greater1/greater2 flags, Rice-coded remainders, signs, coded_sub_block
 * flags (whole sub-blocks may be zeroed), the last position (moved back when
 * that pays) and the block's cbf (the block may be zeroed entirely).  With
 * sign_hiding, a sub-block whose parity disagrees with its hidden sign gets
 * the +-1 change of least RD cost.  D is the transform-domain squared error
 * scaled to SSE << 23, lambda is Q8 per 1/32768 bit (the search's units).
 * Returns the number of non-zero levels.  The scratch must be zeroed before
 * its first use. */
typedef struct hevc_rdoq_scratch {
  int64_t a[32 * 32];     /* |coefficient| * quantiser scale, in scan order */
  /* sums over the later scan positions of the position's sub-block (those
   * coded before it): level 0's distortion, the chosen levels' costs
   * (sig_coeff_flag included) and the chosen levels' distortions */
  int64_t d0_after[32 * 32], j_after[32 * 32], dsel_after[32 * 32];
  int32_t sig0[32 * 32], sig1[32 * 32]; /* rates of sig_coeff_flag 0 / 1 (0: not coded) */
  int16_t lv[32 * 32];    /* absolute level chosen by pass 1 (the per-sub-block masks
                           * of hevc_quantize_rdoq say which ones are kept) */
  int16_t pos[32 * 32];   /* raster index of scan position */
  int8_t g1[32 * 32];     /* greater1 context used (offset from HEVC_CTX_GT1), -1: none */
  int8_t g2[32 * 32];     /* greater2 context if this would be the first > 1, -1: none */
  int8_t rice[32 * 32];   /* Rice parameter for a remainder here */
  /* out: raster indices of the non-zero levels (as many as the return
   * value), for hevc_dequantize_sparse() */
  int16_t nz_pos[32 * 32];
  /* per-QP constants, computed on first use (0: not yet; the scratch must
   * start zeroed): weight of squared level errors by qp / 6 and qp % 6,
   * smallest magnitude quantised to 1 by quantiser shift and qp % 6 */
  uint64_t w8_cache[16][6];
  int32_t min_c_cache[64][6];
} hevc_rdoq_scratch;

typedef struct hevc_rdoq_param {
  const hevc_bin_rates *rates; /* bin costs in the block's context states */
  int64_t lambda;      /* Q8 */
  int c;               /* component: 0 luma, 1 Cb, 2 Cr */
  int32_t cbf_bits[2]; /* cost of the block's cbf flag being 0, 1 */
  hevc_rdoq_scratch *scratch;
  /* out, when not NULL: lambda times the estimated rate of the block's
   * residual_coding() (cbf excluded) - what the decisions assumed */
  int64_t *lambda_rate;
} hevc_rdoq_param;

int hevc_quantize_rdoq(const int32_t *coef, int16_t *level, ptrdiff_t level_stride, int log2,
                       int qp, int bit_depth, int scan_idx, int sign_hiding,
                       const hevc_rdoq_param *rd);

/* Scaling process of 8.6.3 with flat scaling lists: levels -> coefficients
 * for the inverse transform. */
void hevc_dequantize(const int16_t *level, ptrdiff_t level_stride, int32_t *coef, int log2,
                     int qp, int bit_depth);

/* The same when every level is 0 except at the n_pos raster indices pos
 * (y << log2 | x): the cost follows the non-zero levels, not the size. */
void hevc_dequantize_sparse(const int16_t *level, ptrdiff_t level_stride, int32_t *coef,
                            int log2, int qp, int bit_depth, const int16_t *pos, int n_pos);

#endif
