/*
 * Quantisation (the encoder's) and scaling (8.6.3, normative).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_QUANT_H
#define HEIC_HEVC_QUANT_H

#include <stdint.h>

/* Quantises the N x N coefficients of a transform block (N = 1 << log2) at
 * Qp' qp into levels (int16 range).  With sign_hiding, levels are adjusted
 * so that each 4x4 sub-block whose sign is hidden carries it in its parity,
 * and the hidden signs are then set exactly as a decoder infers them, so the
 * levels always mean what a decoder will read.  Returns the number of
 * non-zero levels. */
int hevc_quantize(const int32_t *coef, int16_t *level, ptrdiff_t level_stride, int log2,
                  int qp, int bit_depth, int scan_idx, int sign_hiding);

/* Scaling process of 8.6.3 with flat scaling lists: levels -> coefficients
 * for the inverse transform. */
void hevc_dequantize(const int16_t *level, ptrdiff_t level_stride, int32_t *coef, int log2,
                     int qp, int bit_depth);

#endif
