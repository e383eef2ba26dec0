/*
 * Shared pieces of the x86 transform kernels.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Both directions compute each 1-D pass (or its odd and even parts) as
 * "every output row j is a linear combination of the input rows i": rows
 * i and i + 1 (or any two rows) are interleaved so
 * that pmaddwd multiplies a sample pair by the coefficient pair
 * (M[j][i], M[j][i + 1]) and adds them into a 32-bit lane.  A pass therefore
 * always runs down the columns; the second pass of a 2-D transform works on
 * the transposed intermediate and its result is transposed back.
 *
 * The coefficient pairs are read as one 32-bit broadcast from int16 copies
 * of the matrices in which M[j][i] and M[j][i + 1] are adjacent.
 */
#ifndef HEIC_HEVC_TRANSFORM_X86_H
#define HEIC_HEVC_TRANSFORM_X86_H

#include <stdint.h>

/* hevc_x86_tm.fwd[log2 - 2] is the N-point matrix B[k][i] (row k = basis
 * function k), inv[log2 - 2] its transpose; dst/dst_t the DST matrix and
 * its transpose.  Rows have the block's width, packed one after another. */
typedef struct hevc_x86_tmat {
  int16_t fwd4[4 * 4], fwd8[8 * 8], fwd16[16 * 16], fwd32[32 * 32];
  int16_t inv4[4 * 4], inv8[8 * 8], inv16[16 * 16], inv32[32 * 32];
  int16_t dst[4 * 4], dst_t[4 * 4];
  /* The 8-point matrices as pmaddwd operands for two output rows at once:
   * [k][p] holds, in 32-bit lanes 0-3, the pair (M[k][2p], M[k][2p + 1])
   * and in lanes 4-7 the pair of row k + 4. */
  int32_t fwd8x2[4][4][8], inv8x2[4][4][8];
  /* Odd basis functions for the even/odd inverse: oddM[i * M/2 + j] =
   * B_M[2j + 1][i], i, j < M/2 (so pairs j, j + 1 are adjacent). */
  int16_t odd4[2 * 2], odd8[4 * 4], odd16[8 * 8], odd32[16 * 16];
} hevc_x86_tmat;

/* The tables, valid once hevc_x86_transform_matrices_init() has returned
 * (it builds them on the first call, thread-safely). */
extern hevc_x86_tmat hevc_x86_tm;
void hevc_x86_transform_matrices_init(void);

#endif
