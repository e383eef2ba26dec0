/*
 * Constant tables of the HEVC standard and of the encoder's own models.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_TABLES_H
#define HEIC_HEVC_TABLES_H

#include <stdint.h>

/* Scan orders (6.5.3-6.5.5): hevc_scan_pos[log2 size][scanIdx][pos] = x | y << 4
 * for square blocks of 1, 2, 4 and 8 units; scanIdx 0 diagonal up-right,
 * 1 horizontal, 2 vertical.  Used for positions inside a 4x4 sub-block
 * (log2 2) and for the order of sub-blocks (log2 0..3). */
extern const uint8_t hevc_scan_pos[4][3][64];

/* The 32x32 DCT-like core transform matrix of 8.6.4.2; the N-point matrix
 * is rows 0, 32/N, 2*32/N, ... restricted to the first N columns. */
extern const int8_t hevc_dct32[32][32];
/* The 4x4 DST-VII-like matrix used for intra luma 4x4. */
extern const int8_t hevc_dst4[4][4];

/* intraPredAngle for modes 0..34 (0 for planar and DC) and invAngle for
 * modes 11..25 (indexed by mode; 0 elsewhere), 8.4.4.2.6. */
extern const int8_t hevc_intra_angle[35];
extern const int16_t hevc_intra_inv_angle[35];

/* QpC as a function of qPi for ChromaArrayType 1 (Table 8-10), qPi 0..57. */
extern const uint8_t hevc_chroma_qp[58];
static inline int hevc_chroma_qp_map(int qpi) {
  return qpi < 30 ? qpi : qpi > 57 ? qpi - 6 : hevc_chroma_qp[qpi];
}

/* Deblocking: beta' for Q 0..51 and tC' for Q 0..53 (Table 8-11). */
extern const uint8_t hevc_beta_table[52];
extern const uint8_t hevc_tc_table[54];

/* Quantisation: levelScale (8.6.3) and the encoder's forward scale. */
extern const uint8_t hevc_level_scale[6];
extern const uint16_t hevc_quant_scale[6];

/* Lagrange multiplier 0.57 * 2^((QP - 12) / 3) for 8-bit distortion, and
 * its square root, both times 256, QP 0..57. */
extern const uint32_t hevc_lambda_q8[58];
extern const uint32_t hevc_sqrt_lambda_q8[58];

/* last_sig_coeff_{x,y}_prefix of a last position coordinate 0..31 (9.3.3). */
extern const uint8_t hevc_last_prefix[32];

/* sigCtx inside a sub-block of a larger block, by prev_csbf (coded
 * sub-block right + 2 * below) and position yp * 4 + xp (9.3.4.2.5). */
extern const uint8_t hevc_sig_pattern[4][16];

/* sig_coeff_flag context of a position in a 4x4 transform block. */
extern const uint8_t hevc_sig_ctx_4x4[16];

/* The two above by scan position p of scanIdx's 4x4 scan instead of
 * yp * 4 + xp. */
extern const uint8_t hevc_sig_pattern_scan[3][4][16];
extern const uint8_t hevc_sig_ctx_4x4_scan[3][16];

#endif
