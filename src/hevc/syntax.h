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
  int sctx;
  if (log2 == 2) {
    sctx = hevc_sig_ctx_4x4[(yc << 2) + xc];
  } else if (xc + yc == 0) {
    sctx = 0;
  } else {
    sctx = hevc_sig_pattern[prev_csbf][((yc & 3) << 2) | (xc & 3)];
    if (c == 0 && (xc > 3 || yc > 3)) sctx += 3;
    if (log2 == 3)
      sctx += scan_idx == 0 ? 9 : 15;
    else
      sctx += c == 0 ? 21 : 12;
  }
  return sctx + (c ? 27 : 0);
}

/* transform_skip_flag of the block of component c, size log2, at luma
 * position (x, y) (for chroma, of its luma area): -1 when not coded. */
static inline int hevc_ts_flag(const hevc_encoder *e, const hevc_ctu *ctu, int x, int y, int log2,
                               int c) {
  if (!e->cfg.transform_skip || log2 != 2) return -1;
  return (ctu->tskip[hevc_uidx(ctu, x, y)] >> c) & 1;
}

/* hevc_sig_ctx() for the 16 positions, in scan order (the 4x4 scan of scan_idx), of
 * sub-block (xs, ys) (in sub-blocks), as absolute context indices. */
static inline void hevc_sig_ctx_sb(int log2, int c, int scan_idx, int xs, int ys, int prev_csbf,
                                   uint8_t out[16]) {
  int base = HEVC_CTX_SIG + (c ? 27 : 0);
  if (log2 == 2) {
    const uint8_t *t = hevc_sig_ctx_4x4_scan[scan_idx];
    for (int p = 0; p < 16; p++) out[p] = (uint8_t)(base + t[p]);
    return;
  }
  /* 8x8: luma 9 (diagonal scan) or 15, chroma 9 whatever its scan (4:4:4
   * codes 8x8 chroma in the mode-dependent scans too) */
  int off = base + (c == 0 && (xs | ys) ? 3 : 0) +
            (log2 == 3 ? (scan_idx == 0 || c ? 9 : 15) : (c == 0 ? 21 : 12));
  const uint8_t *pat = hevc_sig_pattern_scan[scan_idx][prev_csbf];
  for (int p = 0; p < 16; p++) out[p] = (uint8_t)(off + pat[p]);
  if (xs == 0 && ys == 0) out[0] = (uint8_t)base; /* DC: every scan starts there */
}

/* Context of bin i of last_sig_coeff_{x,y}_prefix (offset from
 * HEVC_CTX_LAST_X / _Y) in a block of size log2, component c (9.3.4.2.3). */
static inline int hevc_last_ctx(int log2, int c, int i) {
  if (c == 0) return 3 * (log2 - 2) + ((log2 - 1) >> 2) + (i >> ((log2 + 1) >> 2));
  return 15 + (i >> (log2 - 2));
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

/* cross_comp_pred() of chroma component c (1 Cb, 2 Cr): v is
 * log2_res_scale_abs_plus1 | res_scale_sign_flag << 3 (hevc_ctu.ccp). */
void hevc_write_ccp(hevc_cabac *cb, int c, int v);
/* residual_coding() of an N x N block of levels. */
/* ts: transform_skip_flag to code first, or -1 when the block has none. */
void hevc_write_residual(hevc_cabac *cb, const int16_t *coef, ptrdiff_t stride, int log2,
                         int c, int scan_idx, int sign_hiding, int ts);

#endif
