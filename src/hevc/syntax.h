/*
 * Slice data syntax (7.3.8) over the CABAC engine.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The same functions write the real slice data and estimate rates for the
 * RD search (with a counting hevc_cabac), see cabac.h.
 */
#ifndef HEIC_HEVC_SYNTAX_H
#define HEIC_HEVC_SYNTAX_H

#include "encoder_int.h"
#include "tables.h"

/* sig_coeff_flag context (offset from HEVC_CTX_SIG) of the coefficient at
 * (xc, yc) of a transform block of size log2, component c; prev_csbf is
 * coded_sub_block_flag of the right sub-block plus twice that of the one
 * below (9.3.4.2.5). */
static inline int hevc_sig_ctx(int log2, int c, int scan_idx, int xc, int yc, int prev_csbf) {
  /* sigCtx inside a sub-block, by prev_csbf and position (yp * 4 + xp) */
  static const uint8_t pattern[4][16] = {
      {2, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
      {2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
      {2, 1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0},
      {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}};
  int sctx;
  if (log2 == 2) {
    sctx = hevc_sig_ctx_4x4[(yc << 2) + xc];
  } else if (xc + yc == 0) {
    sctx = 0;
  } else {
    sctx = pattern[prev_csbf][((yc & 3) << 2) | (xc & 3)];
    if (c == 0 && (xc > 3 || yc > 3)) sctx += 3;
    if (log2 == 3)
      sctx += scan_idx == 0 ? 9 : 15;
    else
      sctx += c == 0 ? 21 : 12;
  }
  return sctx + (c ? 27 : 0);
}

void hevc_write_sao(hevc_cabac *cb, const hevc_encoder *e, const hevc_sao *sao, int rx, int ry);
/* coding_quadtree() of a CTU (or of a sub-tree during the search). */
void hevc_write_quadtree(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu,
                         hevc_qp_state *qs, int x0, int y0, int log2, int depth);
/* split_cu_flag of the CU at (x0, y0) (the caller knows it is coded). */
void hevc_write_split_flag(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu, int x0,
                           int y0, int depth, int split);
/* coding_unit() */
void hevc_write_cu(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu,
                   hevc_qp_state *qs, int x0, int y0, int log2);
/* prev_intra_luma_pred_flag with mpm_idx / rem_intra_luma_pred_mode of one
 * PU, for rate estimates (coding_unit() groups the flags of NxN PUs). */
void hevc_write_luma_mode(hevc_cabac *cb, int mode, const int cand[3]);
void hevc_write_chroma_sel(hevc_cabac *cb, int sel);
/* residual_coding() of an N x N block of levels. */
void hevc_write_residual(hevc_cabac *cb, const int16_t *coef, ptrdiff_t stride, int log2,
                         int c, int scan_idx, int sign_hiding);

#endif
