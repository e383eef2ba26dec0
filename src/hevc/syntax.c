/*
 * Slice data syntax writer.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "syntax.h"

#include <stdlib.h>
#include <string.h>

#include "tables.h"

void hevc_write_sao(hevc_cabac *cb, const hevc_encoder *e, const hevc_sao *sao, int rx, int ry) {
  if (rx > 0) hevc_cabac_bin(cb, HEVC_CTX_SAO_MERGE, sao->merge_left);
  if (sao->merge_left) return;
  if (ry > 0) hevc_cabac_bin(cb, HEVC_CTX_SAO_MERGE, sao->merge_up);
  if (sao->merge_up) return;
  int bd = e->bit_depth < 10 ? e->bit_depth : 10;
  int cmax = (1 << (bd - 5)) - 1;
  for (int c = 0; c < e->ncomp; c++) {
    int type = sao->type[c];
    if (c < 2) {
      hevc_cabac_bin(cb, HEVC_CTX_SAO_TYPE, type != 0);
      if (type) hevc_cabac_bypass(cb, type == 2);
    }
    if (!type) continue;
    for (int i = 0; i < 4; i++) {
      int a = abs(sao->offset[c][i]);
      for (int k = 0; k < a; k++) hevc_cabac_bypass(cb, 1);
      if (a < cmax) hevc_cabac_bypass(cb, 0);
    }
    if (type == 1) {
      for (int i = 0; i < 4; i++)
        if (sao->offset[c][i]) hevc_cabac_bypass(cb, sao->offset[c][i] < 0);
      hevc_cabac_bypass_bits(cb, sao->band_pos[c], 5);
    } else if (c < 2) {
      hevc_cabac_bypass_bits(cb, sao->eo_class[c], 2);
    }
  }
}

static int cu_depth_at(const hevc_encoder *e, const hevc_ctu *ctu, int x, int y) {
  if (hevc_in_ctu(ctu, e->ctu_size, x, y))
    return e->ctu_log2 - ctu->cu_log2[hevc_uidx(ctu, x, y)];
  return hevc_unit_at(e, x, y)->depth;
}

void hevc_write_split_flag(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu, int x0,
                           int y0, int depth, int split) {
  int inc = 0;
  if (x0 > 0 && cu_depth_at(e, ctu, x0 - 1, y0) > depth) inc++;
  if (y0 > 0 && cu_depth_at(e, ctu, x0, y0 - 1) > depth) inc++;
  hevc_cabac_bin(cb, HEVC_CTX_SPLIT_CU + inc, split);
}

void hevc_write_luma_mode(hevc_cabac *cb, int mode, const int cand[3]) {
  int idx = mode == cand[0] ? 0 : mode == cand[1] ? 1 : mode == cand[2] ? 2 : -1;
  hevc_cabac_bin(cb, HEVC_CTX_PREV_INTRA, idx >= 0);
  if (idx >= 0) {
    hevc_cabac_bypass(cb, idx > 0);
    if (idx > 0) hevc_cabac_bypass(cb, idx > 1);
  } else {
    int rem = mode;
    for (int i = 0; i < 3; i++) rem -= cand[i] < mode;
    hevc_cabac_bypass_bits(cb, (uint32_t)rem, 5);
  }
}

void hevc_write_chroma_sel(hevc_cabac *cb, int sel) {
  hevc_cabac_bin(cb, HEVC_CTX_CHROMA_MODE, sel != 4);
  if (sel != 4) hevc_cabac_bypass_bits(cb, (uint32_t)sel, 2);
}

void hevc_write_ccp(hevc_cabac *cb, int c, int v) {
  /* log2_res_scale_abs_plus1: truncated unary, cMax 4 */
  int a = v & 7;
  for (int i = 0; i < a; i++) hevc_cabac_bin(cb, HEVC_CTX_CCP_ABS + 4 * (c - 1) + i, 1);
  if (a < 4) hevc_cabac_bin(cb, HEVC_CTX_CCP_ABS + 4 * (c - 1) + a, 0);
  if (a) hevc_cabac_bin(cb, HEVC_CTX_CCP_SIGN + c - 1, v >> 3 & 1);
}

static void write_qp_delta(hevc_cabac *cb, const hevc_encoder *e, hevc_qp_state *qs) {
  int off = 6 * (e->bit_depth - 8);
  int d = qs->target - qs->pred;
  /* QpY wraps modulo 52 + QpBdOffsetY, keep the delta in its legal range. */
  if (d > 25 + off / 2) d -= 52 + off;
  if (d < -(26 + off / 2)) d += 52 + off;
  int a = abs(d);
  int prefix = a < 5 ? a : 5;
  for (int i = 0; i < prefix; i++) hevc_cabac_bin(cb, HEVC_CTX_QP_DELTA + (i > 0), 1);
  if (prefix < 5) hevc_cabac_bin(cb, HEVC_CTX_QP_DELTA + (prefix > 0), 0);
  if (a >= 5) {
    uint32_t v = (uint32_t)(a - 5);
    int k = 0;
    while (v >= (1u << k)) {
      hevc_cabac_bypass(cb, 1);
      v -= 1u << k;
      k++;
    }
    hevc_cabac_bypass(cb, 0);
    hevc_cabac_bypass_bits(cb, v, k);
  }
  if (a) hevc_cabac_bypass(cb, d < 0);
  qs->delta_coded = 1;
}

/* cbf of component c (1 Cb, 2 Cr) over the luma area of (1 << log2)
 * columns and rows_log2 rows of 4x4 units at (x0, y0). */
static int area_cbf(const hevc_ctu *ctu, int x0, int y0, int log2, int rows, int c) {
  int n = 1 << (log2 - 2);
  int u0 = hevc_uidx(ctu, x0, y0);
  for (int j = 0; j < rows; j++)
    for (int i = 0; i < n; i++)
      if (ctu->cbf[u0 + j * HEVC_UNITS + i] & (1 << c)) return 1;
  return 0;
}

/* cbf of component c (1 Cb, 2 Cr) over the transform tree node; in 4:2:2
 * at a leaf (or an 8x8 node of 4x4 luma TUs) the flags of the two square
 * chroma blocks, the upper in bit 0, the lower in bit 1. */
static int node_cbf(const hevc_encoder *e, const hevc_ctu *ctu, int x0, int y0, int log2,
                    int split, int c) {
  int n = 1 << (log2 - 2);
  if (e->chroma == HEVC_CHROMA_422 && (!split || log2 == 3)) {
    int h = n >> 1; /* unit rows of the upper block */
    return area_cbf(ctu, x0, y0, log2, h, c) | area_cbf(ctu, x0, y0 + 4 * h, log2, h, c) << 1;
  }
  int u0 = hevc_uidx(ctu, x0, y0);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      if (ctu->cbf[u0 + j * HEVC_UNITS + i] & (1 << c)) return 1;
  return 0;
}

static void write_tt(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu,
                     hevc_qp_state *qs, int x0, int y0, int xb, int yb, int log2, int depth,
                     int blk, int nxn, int pcb, int pcr) {
  int u = hevc_uidx(ctu, x0, y0);
  int split = ctu->tu_log2[u] < log2;
  int max_depth = e->cfg.tu_depth + nxn;
  if (log2 <= HEVC_MAX_TU_LOG2 && log2 > 2 && depth < max_depth && !(nxn && depth == 0))
    hevc_cabac_bin(cb, HEVC_CTX_SPLIT_TF + 5 - log2, split);
  int cbf_cb = pcb, cbf_cr = pcr;
  /* 4:4:4 codes chroma at every TU size, 4:2:0 in the 8x8 parent of 4x4
   * luma TUs */
  int c444 = e->chroma == HEVC_CHROMA_444;
  if ((log2 > 2 || c444) && e->ncomp > 1) {
    /* 4:2:2 leaves (and 8x8 nodes of 4x4 luma TUs) code a flag for each
     * of their two chroma blocks */
    int two = e->chroma == HEVC_CHROMA_422 && (!split || log2 == 3);
    cbf_cb = pcb || depth == 0 ? node_cbf(e, ctu, x0, y0, log2, split, 1) : 0;
    cbf_cr = pcr || depth == 0 ? node_cbf(e, ctu, x0, y0, log2, split, 2) : 0;
    if (depth == 0 || pcb) {
      hevc_cabac_bin(cb, HEVC_CTX_CBF_CHROMA + depth, cbf_cb & 1);
      if (two) hevc_cabac_bin(cb, HEVC_CTX_CBF_CHROMA + depth, cbf_cb >> 1);
    }
    if (depth == 0 || pcr) {
      hevc_cabac_bin(cb, HEVC_CTX_CBF_CHROMA + depth, cbf_cr & 1);
      if (two) hevc_cabac_bin(cb, HEVC_CTX_CBF_CHROMA + depth, cbf_cr >> 1);
    }
  }
  if (split) {
    int h = 1 << (log2 - 1);
    for (int i = 0; i < 4; i++)
      write_tt(cb, e, ctu, qs, x0 + (i & 1) * h, y0 + (i >> 1) * h, x0, y0, log2 - 1, depth + 1,
               i, nxn, cbf_cb, cbf_cr);
    return;
  }
  int cbf_y = ctu->cbf[u] & 1;
  hevc_cabac_bin(cb, HEVC_CTX_CBF_LUMA + (depth == 0), cbf_y);
  if (!cbf_y && !cbf_cb && !cbf_cr) return;
  if (e->cu_qp_delta && !qs->delta_coded) write_qp_delta(cb, e, qs);
  int lx = x0 - ctu->x0, ly = y0 - ctu->y0;
  int sh = e->cfg.sign_hiding;
  if (cbf_y)
    hevc_write_residual(cb, &hevc_ctu_coef_c(ctu, 0)[ly * 64 + lx], 64, log2, 0,
                        hevc_scan_idx(e, log2, 0, ctu->luma_mode[u]), sh,
                        hevc_ts_flag(e, ctu, x0, y0, log2, 0));
  int cx, cy, cl, cu;
  if (e->ncomp == 1) {
    return;
  } else if (log2 > 2 || c444) {
    cx = lx >> e->csx;
    cy = ly >> e->csy;
    cl = log2 - e->csx;
    cu = u; /* 4:4:4 NxN: each 4x4 block has its PB's chroma mode */
  } else if (blk == 3) {
    cx = (xb - ctu->x0) >> 1;
    cy = (yb - ctu->y0) >> e->csy;
    cl = 2;
    cu = hevc_uidx(ctu, xb, yb);
  } else {
    return;
  }
  int cmode = ctu->chroma_mode[cu];
  int scan = hevc_scan_idx(e, cl, 1, cmode);
  /* luma position of the block */
  int cxl = (cx << e->csx) + ctu->x0, cyl = (cy << e->csy) + ctu->y0;
  /* 4:2:2: the upper square block of each component, then the lower */
  int nb = e->chroma == HEVC_CHROMA_422 ? 2 : 1;
  /* cross_comp_pred() before each chroma component's residual: only in
   * 4:4:4, after a coded luma residual, and (intra) with DM */
  int ccp = e->ccp && cbf_y && ctu->chroma_sel[cu] == 4;
  for (int c = 1; c < 3; c++) {
    if (ccp) hevc_write_ccp(cb, c, ctu->ccp[u] >> (4 * (c - 1)) & 15);
    for (int b = 0; b < nb; b++)
      if (((c == 1 ? cbf_cb : cbf_cr) >> b) & 1)
        hevc_write_residual(cb, &hevc_ctu_coef_c(ctu, c)[(cy + (b << cl)) * 64 + cx], 64, cl, c,
                            scan, sh, hevc_ts_flag(e, ctu, cxl, cyl + ((b << cl) << e->csy), cl, c));
  }
}

void hevc_write_cu(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu,
                   hevc_qp_state *qs, int x0, int y0, int log2) {
  int u = hevc_uidx(ctu, x0, y0);
  int nxn = ctu->nxn[u];
  /* lossless: every CU bypasses transform and quantisation */
  if (e->cfg.lossless) hevc_cabac_bin(cb, HEVC_CTX_TQ_BYPASS, 1);
  if (log2 == HEVC_MIN_CU_LOG2) hevc_cabac_bin(cb, HEVC_CTX_PART_MODE, !nxn);
  int npu = nxn ? 4 : 1, h = 1 << (log2 - 1);
  int idx[4], rem[4];
  for (int i = 0; i < npu; i++) {
    int px = x0 + (i & 1) * h, py = y0 + (i >> 1) * h;
    int mode = ctu->luma_mode[hevc_uidx(ctu, px, py)];
    int cand[3];
    hevc_mpm(e, ctu, px, py, cand);
    idx[i] = mode == cand[0] ? 0 : mode == cand[1] ? 1 : mode == cand[2] ? 2 : -1;
    rem[i] = mode;
    for (int k = 0; k < 3; k++) rem[i] -= cand[k] < mode;
    hevc_cabac_bin(cb, HEVC_CTX_PREV_INTRA, idx[i] >= 0);
  }
  for (int i = 0; i < npu; i++) {
    if (idx[i] >= 0) {
      hevc_cabac_bypass(cb, idx[i] > 0);
      if (idx[i] > 0) hevc_cabac_bypass(cb, idx[i] > 1);
    } else {
      hevc_cabac_bypass_bits(cb, (uint32_t)rem[i], 5);
    }
  }
  /* 4:4:4 NxN: one intra_chroma_pred_mode per PB (7.3.8.5) */
  int ncpu = e->chroma == HEVC_CHROMA_444 ? npu : e->ncomp > 1;
  for (int i = 0; i < ncpu; i++)
    hevc_write_chroma_sel(cb, ctu->chroma_sel[hevc_uidx(ctu, x0 + (i & 1) * h, y0 + (i >> 1) * h)]);
  write_tt(cb, e, ctu, qs, x0, y0, x0, y0, log2, 0, 0, nxn, 0, 0);
}

void hevc_write_quadtree(hevc_cabac *cb, const hevc_encoder *e, const hevc_ctu *ctu,
                         hevc_qp_state *qs, int x0, int y0, int log2, int depth) {
  int n = 1 << log2;
  int split;
  if (x0 + n <= e->coded_w && y0 + n <= e->coded_h && log2 > HEVC_MIN_CU_LOG2) {
    split = ctu->cu_log2[hevc_uidx(ctu, x0, y0)] < log2;
    hevc_write_split_flag(cb, e, ctu, x0, y0, depth, split);
  } else {
    split = log2 > HEVC_MIN_CU_LOG2;
  }
  if (e->cu_qp_delta && log2 >= e->ctu_log2) qs->delta_coded = 0;
  if (split) {
    int h = n >> 1;
    for (int i = 0; i < 4; i++) {
      int x = x0 + (i & 1) * h, y = y0 + (i >> 1) * h;
      if (x < e->coded_w && y < e->coded_h)
        hevc_write_quadtree(cb, e, ctu, qs, x, y, log2 - 1, depth + 1);
    }
  } else {
    hevc_write_cu(cb, e, ctu, qs, x0, y0, log2);
  }
}

/* ---- residual_coding() ----------------------------------------------- */

static void write_last_prefix(hevc_cabac *cb, int ctx_base, int v, int log2, int c) {
  int prefix = hevc_last_prefix[v];
  int cmax = (log2 << 1) - 1;
  for (int i = 0; i < prefix; i++) hevc_cabac_bin(cb, ctx_base + hevc_last_ctx(log2, c, i), 1);
  if (prefix < cmax) hevc_cabac_bin(cb, ctx_base + hevc_last_ctx(log2, c, prefix), 0);
}

static void write_last_suffix(hevc_cabac *cb, int v) {
  int prefix = hevc_last_prefix[v];
  if (prefix <= 3) return;
  int bits = (prefix >> 1) - 1;
  int min = (1 << bits) * (2 + (prefix & 1));
  hevc_cabac_bypass_bits(cb, (uint32_t)(v - min), bits);
}

static void write_remaining(hevc_cabac *cb, int v, int rice) {
  if (v < (4 << rice)) {
    int q = v >> rice;
    hevc_cabac_bypass_bits(cb, (1u << (q + 1)) - 2, q + 1);
    hevc_cabac_bypass_bits(cb, (uint32_t)v & ((1u << rice) - 1), rice);
  } else {
    uint32_t r = (uint32_t)(v - (4 << rice));
    int k = rice + 1;
    hevc_cabac_bypass_bits(cb, 15, 4);
    while (r >= (1u << k)) {
      hevc_cabac_bypass(cb, 1);
      r -= 1u << k;
      k++;
    }
    hevc_cabac_bypass(cb, 0);
    hevc_cabac_bypass_bits(cb, r, k);
  }
}

/* 1 when the 4x4 levels at p are all 0: four rows of four int16 as 64-bit
 * words, so the many empty sub-blocks cost no per-position scan. */
static inline int sub_block_zero(const int16_t *p, ptrdiff_t stride) {
  uint64_t r0, r1, r2, r3;
  memcpy(&r0, p, 8);
  memcpy(&r1, p + stride, 8);
  memcpy(&r2, p + 2 * stride, 8);
  memcpy(&r3, p + 3 * stride, 8);
  return !(r0 | r1 | r2 | r3);
}

void hevc_write_residual(hevc_cabac *cb, const int16_t *coef, ptrdiff_t stride, int log2,
                         int c, int scan_idx, int sign_hiding, int ts) {
  if (ts >= 0) hevc_cabac_bin(cb, HEVC_CTX_TSKIP + (c > 0), ts);
  int sb_log2 = log2 - 2, nsb = 1 << sb_log2;
  const uint8_t *sbs = hevc_scan_pos[sb_log2][scan_idx];
  const uint8_t *ps = hevc_scan_pos[2][scan_idx];

  int last_sb = -1, last_p = -1;
  for (int i = nsb * nsb - 1; i >= 0 && last_sb < 0; i--) {
    int xs = (sbs[i] & 15) * 4, ys = (sbs[i] >> 4) * 4;
    if (sub_block_zero(coef + ys * stride + xs, stride)) continue;
    for (int p = 15; p >= 0; p--) {
      if (coef[(ys + (ps[p] >> 4)) * stride + xs + (ps[p] & 15)]) {
        last_sb = i;
        last_p = p;
        break;
      }
    }
  }
  if (last_sb < 0) return; /* callers never code an all-zero block */

  int lx = (sbs[last_sb] & 15) * 4 + (ps[last_p] & 15);
  int ly = (sbs[last_sb] >> 4) * 4 + (ps[last_p] >> 4);
  if (scan_idx == 2) {
    int t = lx;
    lx = ly;
    ly = t;
  }
  write_last_prefix(cb, HEVC_CTX_LAST_X, lx, log2, c);
  write_last_prefix(cb, HEVC_CTX_LAST_Y, ly, log2, c);
  write_last_suffix(cb, lx);
  write_last_suffix(cb, ly);

  uint8_t csbf[8][8] = {{0}};
  int c1_state = 1; /* greater1Ctx carried from the previous coded sub-block */
  for (int i = last_sb; i >= 0; i--) {
    int xs = sbs[i] & 15, ys = sbs[i] >> 4;
    if (i < last_sb && i > 0 && sub_block_zero(coef + ys * 4 * stride + xs * 4, stride)) {
      /* not coded: its flag, and nothing else */
      int right = xs + 1 < nsb ? csbf[xs + 1][ys] : 0;
      int below = ys + 1 < nsb ? csbf[xs][ys + 1] : 0;
      hevc_cabac_bin(cb, HEVC_CTX_CSBF + (c ? 2 : 0) + (right | below), 0);
      csbf[xs][ys] = 0;
      continue;
    }
    int vals[16];
    int nz = 0;
    for (int p = 0; p < 16; p++) {
      vals[p] = coef[(ys * 4 + (ps[p] >> 4)) * stride + xs * 4 + (ps[p] & 15)];
      nz += vals[p] != 0;
    }
    int right = xs + 1 < nsb ? csbf[xs + 1][ys] : 0;
    int below = ys + 1 < nsb ? csbf[xs][ys + 1] : 0;
    int infer_dc = 0;
    int coded;
    if (i < last_sb && i > 0) {
      coded = nz > 0;
      hevc_cabac_bin(cb, HEVC_CTX_CSBF + (c ? 2 : 0) + (right | below), coded);
      infer_dc = 1;
    } else {
      coded = 1;
    }
    csbf[xs][ys] = (uint8_t)coded;
    if (!coded) continue;

    int prev_csbf = right + 2 * below;
    int start = i == last_sb ? last_p - 1 : 15;
    uint8_t sctx[16];
    hevc_sig_ctx_sb(log2, c, scan_idx, xs, ys, prev_csbf, sctx);
    for (int p = start; p >= 0; p--) {
      int sig = vals[p] != 0;
      if (p == 0 && infer_dc) break; /* inferred 1 */
      hevc_cabac_bin(cb, sctx[p], sig);
      if (sig) infer_dc = 0;
    }

    /* significant coefficients in coding order (descending scan position) */
    int pos[16], absv[16], cnt = 0;
    for (int p = 15; p >= 0; p--)
      if (vals[p]) {
        pos[cnt] = p;
        absv[cnt] = abs(vals[p]);
        cnt++;
      }
    /* The first sub-block is coded (inferred) even when all its levels are
     * zero; it then has nothing more, and being the last one processed it
     * leaves no greater1 state behind either. */
    if (!cnt) continue;
    int ctx_set = (i == 0 || c > 0) ? 0 : 2;
    if (i != last_sb && c1_state == 0) ctx_set++;
    int c1 = 1, g2_idx = -1;
    int ng1 = cnt < 8 ? cnt : 8;
    for (int k = 0; k < ng1; k++) {
      int g1 = absv[k] > 1;
      hevc_cabac_bin(cb, HEVC_CTX_GT1 + (c ? 16 : 0) + ctx_set * 4 + c1, g1);
      if (g1) {
        c1 = 0;
        if (g2_idx < 0) g2_idx = k;
      } else if (c1 > 0 && c1 < 3) {
        c1++;
      }
    }
    c1_state = c1;
    if (g2_idx >= 0) hevc_cabac_bin(cb, HEVC_CTX_GT2 + (c ? 4 : 0) + ctx_set, absv[g2_idx] > 2);
    /* the signs (but a hidden one) as one run of bypass bins: the coder
     * and a bin log take up to 8 of them in one step */
    int hidden = sign_hiding && pos[0] - pos[cnt - 1] > 3;
    int nsign = cnt - hidden;
    uint32_t signs = 0;
    for (int k = 0; k < nsign; k++) signs = signs << 1 | (uint32_t)(vals[pos[k]] < 0);
    hevc_cabac_bypass_bits(cb, signs, nsign);
    int rice = 0;
    for (int k = 0; k < cnt; k++) {
      int base = 1;
      int thr;
      if (k < 8) {
        base += absv[k] > 1;
        if (k == g2_idx) base += absv[k] > 2;
        thr = k == g2_idx ? 3 : 2;
      } else {
        thr = 1;
      }
      if (base == thr) {
        write_remaining(cb, absv[k] - base, rice);
        if (absv[k] > 3 * (1 << rice) && rice < 4) rice++;
      }
    }
  }
}
