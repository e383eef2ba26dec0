/*
 * Mode decision for one CTU.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Costs are J = D + lambda * R in fixed point: D (SSE) << 23 plus
 * lambda (Q8) times R (1/32768 bit), so no floating point enters a decision
 * and the output is the same on every platform.
 */
#include "search.h"

#include <string.h>

#include "intra.h"
#include "quant.h"
#include "syntax.h"

/* A saved copy of a square region of the CTU state and reconstruction;
 * fields sit at the same positions as in the live CTU. */
typedef struct backup {
  hevc_ctu ctu;
  hevc_pixel rec[3][64 * 64];
} backup;

enum { BK_LUMA = 1, BK_CHROMA = 2, BK_ALL = 3 };

struct hevc_search {
  backup depth_bk[HEVC_MAX_CTU_LOG2 + 1]; /* split decisions, by CU log2 */
  backup best;                            /* best luma mode so far */
  backup best_c;                          /* best chroma mode so far */
  backup nxn_bk;                          /* 2Nx2N luma while NxN is tried */
  backup tu_bk[HEVC_MAX_TU_LOG2 + 1];     /* transform tree decisions, by TU log2 */
  hevc_rdoq_scratch rdoq;
  int16_t res[32 * 32];
  int16_t res_y[32 * 32]; /* the luma residual cross-component prediction uses */
  int16_t ccp_lev[32 * 32]; /* levels of a cross-component prediction candidate */
  int16_t ccp_pred[32 * 32]; /* lossy: (ResScaleVal * rY) >> 3, added back after
                              * the residual is decoded */
  int ccp_on;          /* ccp_pred applies to the TU being coded */
  /* res_y holds the decoded luma residual of this block (lossy CCP): set
   * by the Cb block, which both callers code right before the Cr block of
   * the same luma block, and used up by that Cr block */
  int ry_x, ry_y, ry_log2, ry_valid;
  int ccp_dm;          /* the chroma TUs being coded use DM: CCP may apply */
  int32_t coef[32 * 32];
  hevc_pixel pred[32 * 32];

  hevc_encoder *e;
  hevc_ctu *ctu;
  int64_t lambda;      /* Q8, for SSE at the coded bit depth */
  int64_t sqrt_lambda; /* Q8, for SATD */
  int64_t cw_q8;       /* weight of chroma SSE against luma SSE, Q8 */
  int64_t lambda_c;    /* lambda / chroma weight, for chroma RDOQ */
  int qpp[3];          /* Qp' per component */
  /* The reference samples last gathered per component: candidates coded
   * at one position share them, until a write of the reconstruction
   * touches the samples they came from. */
  struct refs_cache {
    int valid, xc, yc, log2, cur_x, cur_y;
    hevc_refs r;
  } refs[3];
  uint64_t tu_bits;    /* RDOQ's estimate of the last TU's residual rate */
  hevc_bin_rates rates; /* bin costs for RDOQ */
  int rates_valid;     /* rates match the current CU's residual contexts */
  int rates_built;     /* rates were built, from the states rates_ctx */
  hevc_contexts rates_ctx;
  int rate_est;        /* candidates' residual rates from RDOQ's estimate */
};

heic_status hevc_search_new(hevc_search **out, hc_mem *mem) {
  *out = hc_calloc(mem, 1, sizeof(hevc_search));
  return *out ? HEIC_OK : HEIC_ERR_OUT_OF_MEMORY;
}

void hevc_search_free(hevc_search **s, hc_mem *mem) {
  if (!s || !*s) return;
  hc_free(mem, *s);
  *s = NULL;
}

static void set_map(uint8_t *map, const hevc_ctu *ctu, int x, int y, int log2, int v) {
  int nu = log2 > 2 ? 1 << (log2 - 2) : 1;
  int u = hevc_uidx(ctu, x, y);
  for (int j = 0; j < nu; j++) memset(map + u + j * HEVC_UNITS, v, (size_t)nu);
}

/* memcpy of one row of a region: the sizes met are few powers of two, and
 * as constants the compiler inlines them instead of calling the library
 * for a handful of bytes. */
static inline void copy_row(void *dst, const void *src, size_t bytes) {
  switch (bytes) {
  case 1: memcpy(dst, src, 1); break;
  case 2: memcpy(dst, src, 2); break;
  case 4: memcpy(dst, src, 4); break;
  case 8: memcpy(dst, src, 8); break;
  case 16: memcpy(dst, src, 16); break;
  case 32: memcpy(dst, src, 32); break;
  case 64: memcpy(dst, src, 64); break;
  case 128: memcpy(dst, src, 128); break;
  default: memcpy(dst, src, bytes); break;
  }
}

/* Copies the region (x, y, 1 << log2) of the CTU state (maps, the
 * coefficients and reconstruction of the planes in mask) between the live
 * state and a backup. */
static void region_copy(hevc_search *s, backup *bk, int x, int y, int log2, int mask,
                        int to_backup) {
  hevc_encoder *e = s->e;
  if (!to_backup)
    for (int c = 0; c < 3; c++) s->refs[c].valid = 0;
  hevc_ctu *live = s->ctu, *saved = &bk->ctu;
  hevc_ctu *dst = to_backup ? saved : live;
  const hevc_ctu *src = to_backup ? live : saved;
  int n = 1 << log2;
  int nu = n >> 2;
  int u = hevc_uidx(live, x, y);
  for (int j = 0; j < nu; j++) {
    size_t o = (size_t)(u + j * HEVC_UNITS);
    copy_row(dst->cu_log2 + o, src->cu_log2 + o, (size_t)nu);
    copy_row(dst->nxn + o, src->nxn + o, (size_t)nu);
    copy_row(dst->luma_mode + o, src->luma_mode + o, (size_t)nu);
    copy_row(dst->chroma_sel + o, src->chroma_sel + o, (size_t)nu);
    copy_row(dst->chroma_mode + o, src->chroma_mode + o, (size_t)nu);
    copy_row(dst->tu_log2 + o, src->tu_log2 + o, (size_t)nu);
    copy_row(dst->cbf + o, src->cbf + o, (size_t)nu);
    copy_row(dst->tskip + o, src->tskip + o, (size_t)nu);
    copy_row(dst->ccp + o, src->ccp + o, (size_t)nu);
  }
  for (int c = 0; c < e->ncomp; c++) {
    if (!(mask & (c ? BK_CHROMA : BK_LUMA))) continue;
    int sx = hevc_shx(e, c), sy = hevc_shy(e, c);
    int lx = (x - live->x0) >> sx, ly = (y - live->y0) >> sy, cw = n >> sx, ch = n >> sy;
    int cs = 64;
    for (int j = 0; j < ch; j++)
      copy_row(&hevc_ctu_coef(dst, c)[(ly + j) * cs + lx], &hevc_ctu_coef_c(src, c)[(ly + j) * cs + lx],
             (size_t)cw * sizeof(int16_t));
    /* reconstruction, clipped to the coded picture */
    int px = x >> sx, py = y >> sy;
    int w = cw, h = ch;
    if (px + w > e->pw[c]) w = e->pw[c] - px;
    if (py + h > e->ph[c]) h = e->ph[c] - py;
    for (int j = 0; j < h; j++) {
      hevc_pixel *pic = hevc_recon_at(e, c, px, py + j);
      hevc_pixel *b = bk->rec[c] + (ly + j) * cs + lx;
      if (to_backup)
        copy_row(b, pic, (size_t)w * sizeof(hevc_pixel));
      else
        copy_row(pic, b, (size_t)w * sizeof(hevc_pixel));
    }
  }
}

/* Reference samples of a block, through the cache. */
static const hevc_refs *get_refs(hevc_search *s, int c, int xc, int yc, int log2, int cur_x,
                                 int cur_y) {
  struct refs_cache *rc = &s->refs[c];
  if (!rc->valid || rc->xc != xc || rc->yc != yc || rc->log2 != log2 || rc->cur_x != cur_x ||
      rc->cur_y != cur_y) {
    hevc_intra_refs(s->e, c, xc, yc, log2, cur_x, cur_y, &rc->r);
    rc->valid = 1;
    rc->xc = xc;
    rc->yc = yc;
    rc->log2 = log2;
    rc->cur_x = cur_x;
    rc->cur_y = cur_y;
  }
  return &rc->r;
}

/* Drops the cached references of component c if the reconstruction just
 * written at (x, y, n x n) covers any of their samples (the column left of
 * the block and the row above it, corner included). */
static void refs_written(hevc_search *s, int c, int x, int y, int n) {
  struct refs_cache *rc = &s->refs[c];
  if (!rc->valid) return;
  int m = 2 << rc->log2, lx = rc->xc - 1, ty = rc->yc - 1;
  int left = x <= lx && lx < x + n && y < rc->yc + m && y + n > ty;
  int top = y <= ty && ty < y + n && x < rc->xc + m && x + n > lx;
  if (left || top) rc->valid = 0;
}

static inline int64_t ctx_bits(const hevc_contexts *c, int idx, int bin) {
  int st = c->s[idx];
  return hevc_cabac_entropy[st >> 1][bin != (st & 1)];
}

static inline int64_t cost(const hevc_search *s, uint64_t sse, uint64_t frac_bits) {
  return (int64_t)(sse << 23) + s->lambda * (int64_t)frac_bits;
}

/* The same for chroma SSE, weighted by the chroma weight. */
static inline int64_t cost_chroma(const hevc_search *s, uint64_t sse, uint64_t frac_bits) {
  return (int64_t)((sse * (uint64_t)s->cw_q8) << 15) + s->lambda * (int64_t)frac_bits;
}

/* The decoder's inverse of a block's dequantised coefficients in s->coef
 * (8.6.4): the scaling of transform skip, the DST of 4x4 luma, else the
 * DCT; into out (n x n). */
static void inverse_residual(const hevc_search *s, int ts, int dst, int log2, int16_t *out) {
  const hevc_encoder *e = s->e;
  int bd = e->bit_depth;
  if (ts) {
    int sh = 20 - bd;
    for (int i = 0; i < 16; i++) out[i] = (int16_t)((s->coef[i] * (1 << 7) + (1 << (sh - 1))) >> sh);
  } else if (dst) {
    e->dsp.inv_dst(s->coef, out, bd);
  } else {
    e->dsp.inv[log2 - 2](s->coef, out, bd);
  }
}

/* Transforms (or, with ts, only scales) the residual in s->res,
 * quantises it into lev and adds the decoded residual to the prediction in
 * rec.  Returns the number of non-zero levels; *lrate receives RDOQ's
 * lambda * rate estimate (0 without RDOQ). */
static int quant_recon(hevc_search *s, int c, int log2, int mode, int ts, int16_t *lev,
                       ptrdiff_t ls, hevc_pixel *rec, ptrdiff_t st, const hevc_contexts *ctx,
                       int cbf_ctx, int64_t *lrate) {
  hevc_encoder *e = s->e;
  int bd = e->bit_depth;
  int n = 1 << log2, t = log2 - 2;
  int dst = c == 0 && log2 == 2;
  if (e->cfg.lossless) {
    /* cu_transquant_bypass: the levels are the residual (8.6.2), and the
     * reconstruction is the source */
    int nz = 0;
    /* implicit RDPCM (8.6.8): modes 10 and 26 code the residual's
     * differences along the prediction direction */
    int dx = e->rdpcm && mode == 10, dy = e->rdpcm && mode == 26;
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        int16_t v = s->res[y * n + x];
        if (dx && x) v = (int16_t)(v - s->res[y * n + x - 1]);
        if (dy && y) v = (int16_t)(v - s->res[(y - 1) * n + x]);
        lev[y * ls + x] = v;
        nz += v != 0;
      }
    if (nz) e->dsp.recon[t](rec, st, s->res, bd);
    *lrate = 0;
    return nz;
  }
  if (ts) {
    /* the identity "transform" at the scale of the others: the inverse
     * (8.6.4.2) maps level-domain d to (d << 7) >> (20 - BitDepth) */
    for (int i = 0; i < 16; i++) s->coef[i] = (int32_t)s->res[i] * (1 << (13 - bd));
  } else if (dst) {
    e->dsp.fwd_dst(s->res, n, s->coef, bd);
  } else {
    e->dsp.fwd[t](s->res, n, s->coef, bd);
  }
  int scan = hevc_scan_idx(e, log2, c, mode), nz;
  *lrate = 0;
  if (e->cfg.rdoq) {
    /* With rate estimates the residual contexts stay those of the CU's
     * start for all of its candidates, and one table serves them all. */
    if (!s->rate_est || !s->rates_valid) {
      /* the table is a function of the states: only the entries whose
       * state differs from what it was built from are redone */
      if (!s->rates_built) {
        hevc_bin_rates_init(&s->rates, ctx);
        s->rates_ctx = *ctx;
        s->rates_built = 1;
      } else {
        hevc_bin_rates_update(&s->rates, &s->rates_ctx, ctx);
      }
    }
    s->rates_valid = 1;
    int cs = ctx->s[cbf_ctx];
    hevc_rdoq_param rp = {&s->rates,
                          c ? s->lambda_c : s->lambda,
                          c,
                          {(int32_t)hevc_cabac_entropy[cs >> 1][(cs & 1) != 0],
                           (int32_t)hevc_cabac_entropy[cs >> 1][(cs & 1) != 1]},
                          &s->rdoq,
                          lrate};
    nz = hevc_quantize_rdoq(s->coef, lev, ls, log2, s->qpp[c], bd, scan, e->cfg.sign_hiding, &rp);
  } else {
    nz = hevc_quantize(s->coef, lev, ls, log2, s->qpp[c], bd, scan, e->cfg.sign_hiding);
  }
  if (nz) {
    if (e->cfg.rdoq)
      hevc_dequantize_sparse(lev, ls, s->coef, log2, s->qpp[c], bd, s->rdoq.nz_pos, nz);
    else
      hevc_dequantize(lev, ls, s->coef, log2, s->qpp[c], bd);
    inverse_residual(s, ts, dst, log2, s->res);
  }
  if (s->ccp_on) {
    /* the prediction from the luma residual completes the residual, coded
     * or not (8.6.6) */
    if (nz)
      for (int i = 0; i < n * n; i++) s->res[i] = (int16_t)(s->res[i] + s->ccp_pred[i]);
    else
      memcpy(s->res, s->ccp_pred, (size_t)n * n * sizeof(*s->res));
  }
  if (nz || s->ccp_on) e->dsp.recon[t](rec, st, s->res, bd);
  return nz;
}

/* The levels lossless coding gives the chroma residual res once
 * (a * rY) >> 3 is taken out (and implicit RDPCM along x with dx, y with
 * dy applied), into lev (stride n); returns the sum of their absolute
 * values. */
static int64_t ccp_levels(const int16_t *res, const int16_t *ry, int n, int a, int dx, int dy,
                          int16_t *lev) {
  int64_t sum = 0;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int i = y * n + x;
      int v = res[i] - ((a * ry[i]) >> 3);
      if (dx && x) v -= res[i - 1] - ((a * ry[i - 1]) >> 3);
      if (dy && y) v -= res[i - n] - ((a * ry[i - n]) >> 3);
      lev[i] = (int16_t)v;
      sum += v < 0 ? -v : v;
    }
  return sum;
}

/* Lossless cross-component prediction (7.3.8.12, 8.6.6) of the chroma TU
 * c at (xc, yc) (4:4:4: luma coordinates too), whose residual is in
 * s->res.  ResScaleVal is chosen among 0, +-1, +-2, +-4, +-8: the three
 * whose levels have the smallest sums of absolute values are counted
 * exactly (cbf, cross_comp_pred(), residual_coding() from ctx).  Takes
 * the prediction (ResScaleVal * rY) >> 3 out of s->res and returns
 * log2_res_scale_abs_plus1 | res_scale_sign_flag << 3 (0: ResScaleVal 0,
 * or no cross_comp_pred() since the luma TU codes no residual).  rY, the
 * luma TU's residual, is rebuilt from its levels; the bit depths are
 * equal, so (rY << BitDepthC) >> BitDepthY is rY. */
static int ccp_lossless(hevc_search *s, int c, int xc, int yc, int log2, int mode,
                        const hevc_contexts *ctx, int cbf_ctx) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  int n = 1 << log2;
  int u = hevc_uidx(ctu, xc, yc);
  if (!(ctu->cbf[u] & 1)) return 0;
  const int16_t *ly = hevc_ctu_levels(e, ctu, 0, xc, yc);
  int lm = ctu->luma_mode[u];
  int dx = e->rdpcm && lm == 10, dy = e->rdpcm && lm == 26;
  int16_t *ry = s->res_y;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int v = ly[y * 64 + x];
      if (dx && x) v += ry[y * n + x - 1];
      if (dy && y) v += ry[(y - 1) * n + x];
      ry[y * n + x] = (int16_t)v;
    }
  /* the chroma residual's own implicit RDPCM direction */
  int cdx = e->rdpcm && mode == 10, cdy = e->rdpcm && mode == 26;
  static const int8_t scale[9] = {0, 1, -1, 2, -2, 4, -4, 8, -8};
  static const uint8_t code[9] = {0, 1, 9, 2, 10, 3, 11, 4, 12};
  int16_t *lev = s->ccp_lev;
  int64_t sad[9];
  int order[3] = {-1, -1, -1};
  for (int k = 0; k < 9; k++) {
    sad[k] = ccp_levels(s->res, ry, n, scale[k], cdx, cdy, lev);
    for (int i = 0; i < 3; i++)
      if (order[i] < 0 || sad[k] < sad[order[i]]) {
        for (int j = 2; j > i; j--) order[j] = order[j - 1];
        order[i] = k;
        break;
      }
  }
  int scan = hevc_scan_idx(e, log2, c, mode);
  uint64_t best = UINT64_MAX;
  int bi = 0;
  for (int i = 0; i < 3; i++) {
    int k = order[i];
    ccp_levels(s->res, ry, n, scale[k], cdx, cdy, lev);
    hevc_cabac cb;
    hevc_cabac_start_count(&cb, ctx);
    hevc_write_ccp(&cb, c, code[k]);
    hevc_cabac_bin(&cb, cbf_ctx, sad[k] != 0);
    if (sad[k]) hevc_write_residual(&cb, lev, n, log2, c, scan, 0, -1);
    if (cb.frac_bits < best) {
      best = cb.frac_bits;
      bi = k;
    }
  }
  int a = scale[bi];
  if (a)
    for (int i = 0; i < n * n; i++) s->res[i] = (int16_t)(s->res[i] - ((a * ry[i]) >> 3));
  return code[bi];
}

/* Lossy cross-component prediction of the chroma TU c at (xc, yc) (4:4:4:
 * luma coordinates too), whose residual is in s->res.  rY is the luma TU's
 * residual as the decoder rebuilds it (its levels dequantised and inverse
 * transformed); ResScaleVal among 0, +-1, +-2, +-4, +-8 is the one leaving
 * the least residual energy, taken only when that is at least a tenth
 * below the energy without (the syntax costs a few bins, and a weak fit
 * gains nothing).  Takes the prediction out of s->res, leaves it in
 * s->ccp_pred for quant_recon to add back, and returns the syntax value as
 * ccp_lossless() does. */
static int ccp_lossy(hevc_search *s, int c, int xc, int yc, int log2) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  int n = 1 << log2;
  int u = hevc_uidx(ctu, xc, yc);
  int16_t *ry = s->res_y;
  int have = c == 2 && s->ry_valid && s->ry_x == xc && s->ry_y == yc && s->ry_log2 == log2;
  s->ry_valid = 0;
  if (!(ctu->cbf[u] & 1)) return 0;
  if (!have) {
    hevc_dequantize(hevc_ctu_levels(e, ctu, 0, xc, yc), hevc_level_stride(0), s->coef, log2,
                    s->qpp[0], e->bit_depth);
    inverse_residual(s, ctu->tskip[u] & 1, log2 == 2, log2, ry);
    s->ry_x = xc;
    s->ry_y = yc;
    s->ry_log2 = log2;
  }
  s->ry_valid = c == 1; /* for the Cr block that follows; Cr uses it up */
  static const int8_t scale[9] = {0, 1, -1, 2, -2, 4, -4, 8, -8};
  static const uint8_t code[9] = {0, 1, 9, 2, 10, 3, 11, 4, 12};
  int64_t energy[9];
  int bk = 0;
  for (int k = 0; k < 9; k++) {
    int64_t sum = 0;
    for (int i = 0; i < n * n; i++) {
      int64_t v = s->res[i] - ((scale[k] * ry[i]) >> 3);
      sum += v * v;
    }
    energy[k] = sum;
    if (sum < energy[bk]) bk = k;
  }
  if (!bk || energy[bk] * 10 > energy[0] * 9) return 0;
  int a = scale[bk];
  for (int i = 0; i < n * n; i++) {
    s->ccp_pred[i] = (int16_t)((a * ry[i]) >> 3);
    s->res[i] = (int16_t)(s->res[i] - s->ccp_pred[i]);
  }
  s->ccp_on = 1;
  return code[bk];
}

/* Predicts, transforms, quantises and reconstructs one TU of component c at
 * component position (xc, yc); records levels, cbf and transform_skip_flag
 * in the CTU state (a 4x4 block is also tried untransformed when transform
 * skip is on, and coded the cheaper way).  Returns the SSE of the
 * reconstruction. */
static uint64_t code_tu(hevc_search *s, int c, int xc, int yc, int log2, int mode, int cur_x,
                        int cur_y, const hevc_contexts *ctx, int cbf_ctx) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  int bd = e->bit_depth;
  hevc_refs f;
  const hevc_refs *use = get_refs(s, c, xc, yc, log2, cur_x, cur_y);
  /* chroma references are filtered in 4:4:4 too (8.4.4.2.3), but never
   * with strong smoothing */
  if ((c == 0 || e->chroma == HEVC_CHROMA_444) && hevc_intra_filter_flag(mode, log2)) {
    hevc_intra_filter(use, log2, c == 0, bd, &f);
    use = &f;
  }
  ptrdiff_t st = e->stride[c];
  hevc_pixel *rec = hevc_recon_at(e, c, xc, yc);
  const hevc_pixel *org = hevc_orig_at(e, c, xc, yc);
  hevc_intra_predict_ex(&e->dsp, use, c, log2, mode, bd, e->rdpcm, rec, st);
  int n = 1 << log2, t = log2 - 2;
  refs_written(s, c, xc, yc, n);
  e->dsp.residual[t](s->res, org, st, rec, st);
  int ccp = 0;
  if (c && e->ccp && s->ccp_dm)
    ccp = e->cfg.lossless ? ccp_lossless(s, c, xc, yc, log2, mode, ctx, cbf_ctx)
                          : ccp_lossy(s, c, xc, yc, log2);
  int16_t *lev = hevc_ctu_levels(e, ctu, c, xc, yc);
  ptrdiff_t ls = hevc_level_stride(c);
  int64_t lrate;
  int ts = 0, nz;
  if (e->cfg.transform_skip && e->cfg.rdoq && log2 == 2) {
    /* both ways from the same prediction and residual; the costs include
     * cbf and transform_skip_flag */
    hevc_pixel pred[16], rec0[16];
    int16_t res[16], lev0[16];
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 4; x++) pred[y * 4 + x] = rec[y * st + x];
    memcpy(res, s->res, sizeof(res));
    int64_t j[2], lr[2];
    int nzs[2];
    const uint8_t *cs = &ctx->s[cbf_ctx], *ts_st = &ctx->s[HEVC_CTX_TSKIP + (c > 0)];
    for (int k = 0; k < 2; k++) {
      if (k) {
        for (int y = 0; y < 4; y++) {
          memcpy(rec0 + y * 4, rec + y * st, 4 * sizeof(hevc_pixel));
          memcpy(rec + y * st, pred + y * 4, 4 * sizeof(hevc_pixel));
          memcpy(lev0 + y * 4, lev + y * ls, 4 * sizeof(int16_t));
        }
        memcpy(s->res, res, sizeof(res));
      }
      nzs[k] = quant_recon(s, c, 2, mode, k, lev, ls, rec, st, ctx, cbf_ctx, &lr[k]);
      uint64_t d = e->dsp.sse[0](org, st, rec, st);
      uint64_t bits = hevc_cabac_entropy[*cs >> 1][(*cs & 1) != (nzs[k] != 0)];
      if (nzs[k]) bits += hevc_cabac_entropy[*ts_st >> 1][(*ts_st & 1) != k];
      j[k] = (c ? cost_chroma(s, d, bits) : cost(s, d, bits)) +
             (c ? lr[k] * s->cw_q8 / 256 : lr[k]);
    }
    if (j[0] <= j[1]) {
      for (int y = 0; y < 4; y++) {
        memcpy(rec + y * st, rec0 + y * 4, 4 * sizeof(hevc_pixel));
        memcpy(lev + y * ls, lev0 + y * 4, 4 * sizeof(int16_t));
      }
    } else {
      ts = 1;
    }
    nz = nzs[ts];
    lrate = lr[ts];
    ts &= nz != 0;
  } else {
    nz = quant_recon(s, c, log2, mode, 0, lev, ls, rec, st, ctx, cbf_ctx, &lrate);
  }
  s->tu_bits = (uint64_t)(lrate > 0 ? lrate / (c ? s->lambda_c : s->lambda) : 0);
  if (c == 0) {
    int nu = n >> 2, u = hevc_uidx(ctu, xc, yc);
    for (int j = 0; j < nu; j++)
      for (int i = 0; i < nu; i++) {
        uint8_t *b = &ctu->cbf[u + j * HEVC_UNITS + i];
        *b = (uint8_t)((*b & ~1) | (nz ? 1 : 0));
        ctu->tu_log2[u + j * HEVC_UNITS + i] = (uint8_t)log2;
      }
    ctu->tskip[u] = (uint8_t)((ctu->tskip[u] & ~1) | ts);
  } else {
    int u = hevc_uidx(ctu, xc << e->csx, yc << e->csy);
    ctu->cbf[u] = (uint8_t)((ctu->cbf[u] & ~(1 << c)) | (nz ? 1 << c : 0));
    ctu->tskip[u] = (uint8_t)((ctu->tskip[u] & ~(1 << c)) | (ts << c));
    int sh = 4 * (c - 1);
    ctu->ccp[u] = (uint8_t)((ctu->ccp[u] & ~(15 << sh)) | ccp << sh);
    /* the prediction from luma completes the reconstruction: lossless,
     * it is the source (lossy: quant_recon added it) */
    if (ccp && e->cfg.lossless)
      for (int y = 0; y < n; y++) memcpy(rec + y * st, org + y * st, (size_t)n * sizeof(hevc_pixel));
  }
  s->ccp_on = 0;
  return e->dsp.sse[t](org, st, rec, st);
}


/* Cost of the chroma block of the transform tree node (x, y, log2) (luma
 * coordinates) coded with the luma mode (DM): an estimate for transform
 * split decisions, since splitting a luma TU above 8x8 splits chroma too.
 * Rates are counted from a copy of ctx. */
static int64_t chroma_dm_cost(hevc_search *s, int x, int y, int log2, int depth, int mode,
                              const hevc_contexts *ctx) {
  hevc_ctu *ctu = s->ctu;
  if (s->e->ncomp == 1) return 0;
  hevc_encoder *e = s->e;
  hevc_cabac cb;
  hevc_cabac_start_count(&cb, ctx);
  int ct = log2 - e->csx, cx = x >> e->csx, cy = y >> e->csy;
  int nb = e->chroma == HEVC_CHROMA_422 ? 2 : 1; /* square blocks per component */
  int cm = hevc_chroma_mode_fmt(e->chroma, 4, mode);
  uint64_t sse = 0;
  s->ccp_dm = 1;
  for (int c = 1; c < 3; c++)
    for (int b = 0; b < nb; b++) {
      int yb = cy + (b << ct), yl = yb << e->csy; /* the block's luma line */
      sse += code_tu(s, c, cx, yb, ct, cm, x, yl, &cb.ctx, HEVC_CTX_CBF_CHROMA + depth);
      if (e->ccp && (ctu->cbf[hevc_uidx(ctu, x, yl)] & 1))
        hevc_write_ccp(&cb, c, ctu->ccp[hevc_uidx(ctu, x, yl)] >> (4 * (c - 1)) & 15);
      int cbf = (ctu->cbf[hevc_uidx(ctu, x, yl)] >> c) & 1;
      hevc_cabac_bin(&cb, HEVC_CTX_CBF_CHROMA + depth, cbf);
      if (cbf && s->rate_est)
        cb.frac_bits += s->tu_bits;
      else if (cbf)
        hevc_write_residual(&cb, hevc_ctu_levels(e, ctu, c, cx, yb), 64, ct, c,
                            hevc_scan_idx(e, ct, 1, cm), e->cfg.sign_hiding,
                            hevc_ts_flag(e, ctu, x, yl, ct, c));
    }
  return cost_chroma(s, sse, cb.frac_bits);
}

/* 1 for the luma modes the search leaves out with implicit RDPCM: 10 and
 * 26 below 32x32, whose edge filter 8.4.4.2.6 disables in bypass CUs
 * (disableIntraBoundaryFilter) - libde265 follows that, FFmpeg (5.1 and
 * its master of 2026) filters anyway, so a stream using them would decode
 * differently; without them every decoder agrees. */
static inline int rdpcm_avoid(const hevc_encoder *e, int log2, int mode) {
  return e->rdpcm && log2 < 5 && (mode == 10 || mode == 26);
}

/* Luma of the transform tree node (x, y, log2) at trafoDepth depth of a PU
 * predicted with mode: coded unsplit, or split into four (when the size
 * forces it, or when search_split allows it and it costs less).  Returns the
 * cost of split_transform_flag, cbf_luma and residuals; updates *ctx.  When
 * searching splits (and, count_c, in the nodes the caller compares), the
 * decisions also count the node's chroma coded with the luma mode, since
 * chroma TUs follow the luma tree; that part of the returned cost is added
 * to *jchroma as well. */
static int64_t luma_tree(hevc_search *s, int x, int y, int log2, int depth, int mode,
                         int search_split, int count_c, hevc_contexts *ctx, int64_t *jchroma) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  int forced = log2 > HEVC_MAX_TU_LOG2;
  int coded = !forced && log2 > 2 && depth < e->cfg.tu_depth;
  int64_t ja = INT64_MAX, jc = 0;
  hevc_contexts ca = *ctx;
  if (!forced) {
    hevc_cabac cb;
    hevc_cabac_start_count(&cb, ctx);
    if (coded) hevc_cabac_bin(&cb, HEVC_CTX_SPLIT_TF + 5 - log2, 0);
    int cbf_ctx = HEVC_CTX_CBF_LUMA + (depth == 0);
    uint64_t sse = code_tu(s, 0, x, y, log2, mode, x, y, &cb.ctx, cbf_ctx);
    int cbf = ctu->cbf[hevc_uidx(ctu, x, y)] & 1;
    hevc_cabac_bin(&cb, cbf_ctx, cbf);
    if (cbf && s->rate_est)
      cb.frac_bits += s->tu_bits;
    else if (cbf)
      hevc_write_residual(&cb, hevc_ctu_levels(e, ctu, 0, x, y), 64, log2, 0,
                          hevc_scan_idx(e, log2, 0, mode), e->cfg.sign_hiding,
                          hevc_ts_flag(e, ctu, x, y, log2, 0));
    ja = cost(s, sse, cb.frac_bits);
    ca = cb.ctx;
    /* 4:2:0 codes the chroma of 4x4 luma TUs in their 8x8 parent */
    if ((search_split || count_c) && (log2 > 2 || e->chroma == HEVC_CHROMA_444)) {
      jc = chroma_dm_cost(s, x, y, log2, depth, mode, &ca);
      ja += jc;
    }
    /* a block predicted well enough to need no residual gains little from
     * predicting its quarters from nearer samples */
    /* (nor are their TUs split below 32x32: a 64x64 PU may take them) */
    if (!coded || !search_split || (e->cfg.early_exit && !cbf) || rdpcm_avoid(e, log2 - 1, mode)) {
      *ctx = ca;
      *jchroma += jc;
      return ja;
    }
    region_copy(s, &s->tu_bk[log2], x, y, log2, BK_LUMA, 1);
  }
  hevc_contexts cs = *ctx;
  /* 4:2:0: 4x4 luma TUs leave chroma 4x4 (in 4:4:4 it splits too) */
  int64_t jb = log2 == 3 && e->chroma != HEVC_CHROMA_444 ? jc : 0;
  int64_t jcb = jb;
  if (coded) {
    hevc_cabac cb;
    hevc_cabac_start_count(&cb, &cs);
    hevc_cabac_bin(&cb, HEVC_CTX_SPLIT_TF + 5 - log2, 1);
    cs = cb.ctx;
    jb += s->lambda * (int64_t)cb.frac_bits;
  }
  int h = 1 << (log2 - 1);
  for (int i = 0; i < 4 && jb < ja; i++)
    jb += luma_tree(s, x + (i & 1) * h, y + (i >> 1) * h, log2 - 1, depth + 1, mode,
                    search_split && log2 > 3, search_split, &cs, &jcb);
  if (jb < ja) {
    *ctx = cs;
    *jchroma += jcb;
    return jb;
  }
  region_copy(s, &s->tu_bk[log2], x, y, log2, BK_LUMA, 0);
  *ctx = ca;
  *jchroma += jc;
  return ja;
}

/* Codes the luma of a PU with mode; returns its cost, updates *ctx. */
static int64_t eval_luma(hevc_search *s, int x, int y, int log2p, int mode, int tu_depth,
                         const int cand[3], int search_split, hevc_contexts *ctx) {
  hevc_cabac cb;
  hevc_cabac_start_count(&cb, ctx);
  hevc_write_luma_mode(&cb, mode, cand);
  set_map(s->ctu->luma_mode, s->ctu, x, y, log2p, mode);
  *ctx = cb.ctx;
  int64_t jc = 0;
  int64_t j = luma_tree(s, x, y, log2p, tu_depth, mode, search_split, 0, ctx, &jc);
  return s->lambda * (int64_t)cb.frac_bits + j - jc;
}

/* Rough mode decision: SATD of the prediction plus an estimate of the mode's
 * signalling cost, for the modes the configuration asks to try. */
typedef struct rmd_state {
  hevc_search *s;
  const hevc_refs *r, *f; /* unfiltered, filtered references */
  const hevc_pixel *org;
  int t;                  /* log2 of the prediction block */
  const int *cand;        /* MPMs */
  int64_t cost[35];       /* INT64_MAX: not tried */
} rmd_state;

static void rmd_try(rmd_state *st, int m) {
  if (m < 0 || m > 34 || st->cost[m] != INT64_MAX) return;
  hevc_search *s = st->s;
  hevc_encoder *e = s->e;
  int t = st->t, n = 1 << t;
  if (rdpcm_avoid(e, t, m)) return;
  const hevc_refs *use = t > 2 && hevc_intra_filter_flag(m, t) ? st->f : st->r;
  hevc_intra_predict_ex(&e->dsp, use, 0, t, m, e->bit_depth, e->rdpcm, s->pred, n);
  uint32_t satd;
  if (e->cfg.lossless) {
    /* bypass codes the residual itself, not a transform of it: its sum of
     * absolute values ranks the modes a little better (0.1-1.5 % smaller
     * on grey photos at fast and medium) */
    satd = 0;
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        int d = st->org[y * e->stride[0] + x] - s->pred[y * n + x];
        satd += (uint32_t)(d < 0 ? -d : d);
      }
  } else {
    satd = e->dsp.satd[t - 2](st->org, e->stride[0], s->pred, n);
  }
  const int *cand = st->cand;
  int bits = m == cand[0] ? 2 : (m == cand[1] || m == cand[2]) ? 3 : 6;
  st->cost[m] = ((int64_t)satd << 8) + s->sqrt_lambda * bits;
}

/* The k tried modes of lowest cost, best first (ties: lower mode first),
 * into list; returns how many.  One pass inserting into the sorted list. */
static int rmd_best(const rmd_state *st, int k, int angular_only, int *list) {
  if (k <= 0) return 0;
  int n = 0;
  for (int m = angular_only ? 2 : 0; m < 35; m++) {
    int64_t cm = st->cost[m];
    if (cm == INT64_MAX) continue;
    if (n == k && cm >= st->cost[list[k - 1]]) continue;
    int i = n < k ? n++ : k - 1; /* a full list drops its last */
    for (; i > 0 && st->cost[list[i - 1]] > cm; i--) list[i] = list[i - 1];
    list[i] = m;
  }
  return n;
}

/* The rough decision: planar, DC, every step-th angular mode and the MPMs,
 * then the neighbours of the `refine` best angular modes at half the step,
 * and so on down to a step of 1. */
static void rmd_run(rmd_state *st, int step, int refine) {
  for (int m = 0; m < 35; m++) st->cost[m] = INT64_MAX;
  rmd_try(st, 0);
  rmd_try(st, 1);
  for (int m = 2; m <= 34; m += step) rmd_try(st, m);
  if (step == 1) return;
  for (int i = 0; i < 3; i++) rmd_try(st, st->cand[i]);
  for (int h = step >> 1; h >= 1; h >>= 1) {
    int best[2];
    int nb = rmd_best(st, refine, 1, best);
    for (int i = 0; i < nb; i++) {
      rmd_try(st, best[i] - h);
      rmd_try(st, best[i] + h);
    }
  }
}

/* Codes each of the n modes for RD from the contexts *ctx (tree: with
 * its transform tree searched); the best one's samples and levels stay in
 * place, its end contexts go to *best_ctx and every cost to costs[] (when
 * not NULL).  Returns the best cost. */
static int64_t rd_best_mode(hevc_search *s, int x, int y, int log2p, const int *modes, int n,
                            int tu_depth, const int *cand, int tree, const hevc_contexts *ctx,
                            hevc_contexts *best_ctx, int64_t *costs) {
  int64_t best_j = INT64_MAX;
  int best_i = -1;
  for (int i = 0; i < n; i++) {
    hevc_contexts c2 = *ctx;
    int64_t j = eval_luma(s, x, y, log2p, modes[i], tu_depth, cand, tree, &c2);
    if (costs) costs[i] = j;
    if (j < best_j) {
      best_j = j;
      best_i = i;
      *best_ctx = c2;
      /* the last candidate's samples are in place already */
      if (i != n - 1) region_copy(s, &s->best, x, y, log2p, BK_LUMA, 1);
    }
  }
  if (best_i != n - 1) region_copy(s, &s->best, x, y, log2p, BK_LUMA, 0);
  return best_j;
}

/* Chooses the luma mode of a PU: rough decision by SATD, then RD among the
 * best few (and the most probable modes). */
static int64_t search_luma_pu(hevc_search *s, int x, int y, int log2p, int tu_depth,
                              hevc_contexts *ctx) {
  hevc_encoder *e = s->e;
  const hevc_enc_config *cfg = &e->cfg;
  hevc_ctu *ctu = s->ctu;
  int bd = e->bit_depth;
  int cand[3];
  hevc_mpm(e, ctu, x, y, cand);
  int t = log2p > HEVC_MAX_TU_LOG2 ? HEVC_MAX_TU_LOG2 : log2p;

  hevc_refs f;
  const hevc_refs *r = get_refs(s, 0, x, y, t, x, y);
  if (t > 2) hevc_intra_filter(r, t, 1, bd, &f);
  rmd_state st = {s, r, &f, hevc_orig_at(e, 0, x, y), t, cand, {0}};
  /* at a step of 8 (ultrafast) one best angle is refined, not two */
  rmd_run(&st, cfg->intra_step, cfg->intra_step >= 8 ? 1 : 2);
  int k = cfg->rd_candidates;
  if (t == 4) k = (k + 1) / 2;
  if (t == 5) k = (k * 3 + 7) / 8;
  if (k < 1) k = 1;
  int list[35 + 3];
  int nl = rmd_best(&st, k, 0, list);
  for (int i = 0; i < cfg->mpm_rd; i++) {
    int in = rdpcm_avoid(e, t, cand[i]);
    for (int j = 0; j < nl; j++) in |= list[j] == cand[i];
    if (!in) list[nl++] = cand[i];
  }

  hevc_contexts best_ctx = *ctx;
  int refine = cfg->tu_depth > tu_depth + (log2p > HEVC_MAX_TU_LOG2) && log2p > 2;
  int64_t jl[35 + 3];
  int64_t best_j = rd_best_mode(s, x, y, log2p, list, nl, tu_depth, cand, 0, ctx, &best_ctx, jl);
  /* transform tree of the chosen mode: split TUs predict from nearer
   * samples (the tree search compares with the unsplit TUs itself, chroma
   * included) */
  if (refine) {
    /* the tree of the best mode, and of the next ones by unsplit cost when
     * the configuration asks: a mode can win only once its TUs split */
    int order[35 + 3], no = 0;
    uint64_t done = 0;
    for (; no < cfg->tu_candidates && no < nl; no++) {
      int b = -1;
      for (int i = 0; i < nl; i++)
        if (!(done >> i & 1) && (b < 0 || jl[i] < jl[b])) b = i;
      done |= (uint64_t)1 << b;
      order[no] = list[b];
    }
    best_j = rd_best_mode(s, x, y, log2p, order, no, tu_depth, cand, 1, ctx, &best_ctx, NULL);
  }
  *ctx = best_ctx;
  return best_j;
}

/* Codes the chroma of the transform tree node (x, y, log2) (luma
 * coordinates) with chroma mode cm, following the luma tree; returns the
 * SSE and counts cbf_cb / cbf_cr (at the leaves only: an estimate) and the
 * residuals into cb. */
static uint64_t chroma_tree(hevc_search *s, int x, int y, int log2, int depth, int cm,
                            hevc_cabac *cb) {
  hevc_ctu *ctu = s->ctu;
  int u = hevc_uidx(ctu, x, y);
  if (ctu->tu_log2[u] < log2 && (log2 > 3 || s->e->chroma == HEVC_CHROMA_444)) {
    int h = 1 << (log2 - 1);
    uint64_t sse = 0;
    for (int i = 0; i < 4; i++)
      sse += chroma_tree(s, x + (i & 1) * h, y + (i >> 1) * h, log2 - 1, depth + 1, cm, cb);
    return sse;
  }
  /* a leaf, or (4:2:0, 4:2:2) an 8x8 node of 4x4 luma TUs whose chroma is
   * one 4x4 block (two stacked in 4:2:2, each with its own cbf, the
   * second predicted from the first) */
  int csx = s->e->csx, csy = s->e->csy;
  int ct = log2 - csx, cx = x >> csx, cy = y >> csy;
  int nb = s->e->chroma == HEVC_CHROMA_422 ? 2 : 1;
  uint64_t sse = 0, est = 0;
  s->ccp_dm = ctu->chroma_sel[u] == 4;
  for (int c = 1; c < 3; c++)
    for (int b = 0; b < nb; b++) {
      int yb = cy + (b << ct), yl = yb << csy;
      sse += code_tu(s, c, cx, yb, ct, cm, x, yl, &cb->ctx, HEVC_CTX_CBF_CHROMA + depth);
      if (s->e->ccp && s->ccp_dm && (ctu->cbf[u] & 1))
        hevc_write_ccp(cb, c, ctu->ccp[u] >> (4 * (c - 1)) & 15);
      int cbf = (ctu->cbf[hevc_uidx(ctu, x, yl)] >> c) & 1;
      if (cbf) est += s->tu_bits;
      hevc_cabac_bin(cb, HEVC_CTX_CBF_CHROMA + depth, cbf);
    }
  if (s->rate_est) {
    cb->frac_bits += est;
    return sse;
  }
  int scan = hevc_scan_idx(s->e, ct, 1, cm);
  int lx = cx - (ctu->x0 >> csx);
  for (int c = 1; c < 3; c++)
    for (int b = 0; b < nb; b++) {
      int yb = cy + (b << ct), yl = yb << csy, ly = yb - (ctu->y0 >> csy);
      if (ctu->cbf[hevc_uidx(ctu, x, yl)] & (1 << c))
        hevc_write_residual(cb, &hevc_ctu_coef_c(ctu, c)[ly * 64 + lx], 64, ct, c, scan,
                            s->e->cfg.sign_hiding, hevc_ts_flag(s->e, ctu, x, yl, ct, c));
    }
  return sse;
}

/* Chooses intra_chroma_pred_mode of the CU (of one PB of a 4:4:4 NxN CU,
 * at transform tree depth depth) and codes its chroma; returns its cost. */
static int64_t search_chroma(hevc_search *s, int x, int y, int log2c, int depth,
                             hevc_contexts *ctx) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  int u = hevc_uidx(ctu, x, y);
  int lmode = ctu->luma_mode[u];
  int tl = ctu->tu_log2[u];
  int ct = tl - e->csx > 2 ? tl - e->csx : 2;

  /* Candidates: DM (sel 4) first, then the others by the SATD of their
   * prediction of the first chroma TU (in 4:2:2 DM is left out for the
   * luma modes hevc_chroma_dm_ok refuses). */
  int sels[5] = {4, 0, 1, 2, 3}, nsel = e->cfg.chroma_candidates;
  int dm_ok = hevc_chroma_dm_ok(e->chroma, lmode);
  /* the others ranked: one candidate is DM whatever the others cost */
  int nrank = dm_ok ? nsel - 1 : nsel < 4 ? nsel : 4;
  if (nrank >= 1 && nrank < 4) {
    const hevc_refs *rc[2];
    int cx = x >> e->csx, cy = y >> e->csy, n = 1 << ct;
    for (int c = 1; c < 3; c++) rc[c - 1] = get_refs(s, c, cx, cy, ct, x, y);
    int64_t sc[4];
    for (int sel = 0; sel < 4; sel++) {
      int cm = hevc_chroma_mode_fmt(e->chroma, sel, lmode);
      uint32_t satd = 0;
      for (int c = 1; c < 3; c++) {
        hevc_intra_predict(&e->dsp, rc[c - 1], c, ct, cm, e->bit_depth, s->pred, n);
        satd += e->dsp.satd[ct - 2](hevc_orig_at(e, c, cx, cy), e->stride[c], s->pred, n);
      }
      sc[sel] = ((int64_t)satd << 8) + s->sqrt_lambda * 2;
    }
    for (int i = 1; i <= nrank; i++) { /* selection sort of the four */
      int b = i;
      for (int j = i + 1; j < 5; j++)
        if (sc[sels[j]] < sc[sels[b]]) b = j;
      int tmp = sels[i];
      sels[i] = sels[b];
      sels[b] = tmp;
    }
  }

  int64_t best_j = INT64_MAX;
  int best_sel = -1;
  hevc_contexts best_ctx = *ctx;
  int first = dm_ok ? 0 : 1;
  nsel = first + (dm_ok ? nsel : nrank);
  for (int i = first; i < nsel; i++) {
    int sel = sels[i];
    int cm = hevc_chroma_mode_fmt(e->chroma, sel, lmode);
    set_map(ctu->chroma_sel, ctu, x, y, log2c, sel);
    set_map(ctu->chroma_mode, ctu, x, y, log2c, cm);
    hevc_cabac cb;
    hevc_cabac_start_count(&cb, ctx);
    hevc_write_chroma_sel(&cb, sel);
    /* chroma cbf flags live at each chroma block's first unit: clear what
     * an earlier tree may have left */
    int nu = 1 << (log2c - 2);
    for (int j = 0; j < nu; j++)
      for (int k = 0; k < nu; k++) ctu->cbf[u + j * HEVC_UNITS + k] &= 1;
    uint64_t sse = chroma_tree(s, x, y, log2c, depth, cm, &cb);
    int64_t j = cost_chroma(s, sse, cb.frac_bits);
    if (j < best_j) {
      best_j = j;
      best_sel = i;
      best_ctx = cb.ctx;
      if (i != nsel - 1) region_copy(s, &s->best_c, x, y, log2c, BK_CHROMA, 1);
    }
  }
  if (best_sel != nsel - 1) region_copy(s, &s->best_c, x, y, log2c, BK_CHROMA, 0);
  *ctx = best_ctx;
  return best_j;
}

/* 1 when any TU of the CU at (x, y) codes a residual. */
static int cu_has_residual(const hevc_ctu *ctu, int x, int y, int log2, int mask) {
  int nu = 1 << (log2 - 2), u0 = hevc_uidx(ctu, x, y);
  for (int j = 0; j < nu; j++)
    for (int i = 0; i < nu; i++)
      if (ctu->cbf[u0 + j * HEVC_UNITS + i] & mask) return 1;
  return 0;
}

/* SSE of the CU's luma plus weighted chroma, Q8. */
static uint64_t cu_sse(hevc_search *s, int x, int y, int log2) {
  hevc_encoder *e = s->e;
  uint64_t sse = 0;
  for (int c = 0; c < e->ncomp; c++) {
    uint64_t sc = 0;
    int sx = hevc_shx(e, c), sy = hevc_shy(e, c);
    int l = log2 - sx;
    int t = l > HEVC_MAX_TU_LOG2 ? HEVC_MAX_TU_LOG2 : l;
    int cnt = 1 << (l - t), cnty = 1 << (log2 - sy - t);
    for (int j = 0; j < cnty; j++)
      for (int i = 0; i < cnt; i++) {
        int ox = (x >> sx) + (i << t), oy = (y >> sy) + (j << t);
        sc += e->dsp.sse[t - 2](hevc_orig_at(e, c, ox, oy), e->stride[c],
                                hevc_recon_at(e, c, ox, oy), e->stride[c]);
      }
    sse += c ? sc * (uint64_t)s->cw_q8 : sc << 8;
  }
  return sse;
}

/* Decides an unsplit CU; returns its exact RD cost including split_cu_flag. */
static int64_t search_leaf(hevc_search *s, int x, int y, int log2, int depth,
                           hevc_contexts *ctx) {
  hevc_encoder *e = s->e;
  hevc_ctu *ctu = s->ctu;
  s->rates_valid = 0;
  set_map(ctu->cu_log2, ctu, x, y, log2, log2);
  set_map(ctu->nxn, ctu, x, y, log2, 0);
  set_map(ctu->cbf, ctu, x, y, log2, 0);
  set_map(ctu->tu_log2, ctu, x, y, log2, log2 > HEVC_MAX_TU_LOG2 ? HEVC_MAX_TU_LOG2 : log2);

  hevc_contexts cl = *ctx;
  int64_t j2n = search_luma_pu(s, x, y, log2, 0, &cl);
  if (log2 == HEVC_MIN_CU_LOG2) j2n += s->lambda * ctx_bits(ctx, HEVC_CTX_PART_MODE, 1);
  /* NxN is skipped for a CU that codes no luma residual, or whose cost is
   * under 48 bits (96 at early_exit 2: at QP 22-37 on photos that costs
   * +0.3% BD-rate and saves 13% of medium's time) */
  int64_t nxn_min = (e->cfg.early_exit >= 2 ? 96 : 48) * s->lambda * 32768;
  if (log2 == HEVC_MIN_CU_LOG2 && e->cfg.nxn &&
      !(e->cfg.early_exit && (!cu_has_residual(ctu, x, y, log2, 1) || j2n < nxn_min))) {
    region_copy(s, &s->nxn_bk, x, y, log2, BK_LUMA, 1);
    set_map(ctu->nxn, ctu, x, y, log2, 1);
    hevc_contexts cn = *ctx;
    int64_t jn = s->lambda * ctx_bits(ctx, HEVC_CTX_PART_MODE, 0);
    for (int i = 0; i < 4 && jn < j2n; i++)
      jn += search_luma_pu(s, x + (i & 1) * 4, y + (i >> 1) * 4, 2, 1, &cn);
    if (jn < j2n) {
      cl = cn;
      j2n = jn;
    } else {
      region_copy(s, &s->nxn_bk, x, y, log2, BK_LUMA, 0);
    }
  }
  int64_t jc = 0;
  if (e->ncomp > 1 && e->chroma == HEVC_CHROMA_444 && ctu->nxn[hevc_uidx(ctu, x, y)]) {
    /* one chroma mode per 4x4 PB, each following its luma mode */
    for (int i = 0; i < 4; i++)
      jc += search_chroma(s, x + (i & 1) * 4, y + (i >> 1) * 4, 2, 1, &cl);
  } else if (e->ncomp > 1) {
    jc = search_chroma(s, x, y, log2, 0, &cl);
  }

  hevc_cabac cb;
  int n = 1 << log2;
  int split_coded = x + n <= e->coded_w && y + n <= e->coded_h && log2 > HEVC_MIN_CU_LOG2;
  if (s->rate_est) {
    /* the sum of the estimates; the CTU is counted exactly at the end */
    hevc_cabac_start_count(&cb, &cl);
    if (split_coded) hevc_write_split_flag(&cb, e, ctu, x, y, depth, 0);
    *ctx = cb.ctx;
    return j2n + jc + s->lambda * (int64_t)cb.frac_bits;
  }
  /* exact cost of the CU as it will be written */
  hevc_cabac_start_count(&cb, ctx);
  if (split_coded) hevc_write_split_flag(&cb, e, ctu, x, y, depth, 0);
  hevc_qp_state qs = {ctu->qp, ctu->qp, 1};
  hevc_write_cu(&cb, e, ctu, &qs, x, y, log2);
  *ctx = cb.ctx;
  return (int64_t)(cu_sse(s, x, y, log2) << 15) + s->lambda * (int64_t)cb.frac_bits;
}

static int64_t search_cu(hevc_search *s, int x, int y, int log2, int depth,
                         hevc_contexts *ctx);

/* early_exit 3: a 16x16 CU is split into 8x8 ones only when it costs more
 * than 2^(5 + EE3_SPLIT8_SHIFT) bits (see search_cu) */
enum { EE3_SPLIT8_SHIFT = 4 };

/* Bottom-up at a CU of size log2 (the 64x64 CTU in fast and medium): the
 * four quarters are searched first, and the whole CU is tried only when
 * all four stayed whole - in detailed areas it is hardly ever chosen, and
 * this skips it there. */
static int64_t search_ctu_bottom_up(hevc_search *s, int x, int y, int log2, int depth,
                                    hevc_contexts *ctx) {
  hevc_encoder *e = s->e;
  hevc_contexts cs = *ctx;
  hevc_cabac cb;
  hevc_cabac_start_count(&cb, &cs);
  hevc_write_split_flag(&cb, e, s->ctu, x, y, depth, 1);
  cs = cb.ctx;
  int64_t js = s->lambda * (int64_t)cb.frac_bits;
  int whole = 1, h = 1 << (log2 - 1);
  for (int i = 0; i < 4; i++) {
    int cx = x + (i & 1) * h, cy = y + (i >> 1) * h;
    js += search_cu(s, cx, cy, log2 - 1, depth + 1, &cs);
    whole &= s->ctu->cu_log2[hevc_uidx(s->ctu, cx, cy)] == log2 - 1;
  }
  if (whole) {
    region_copy(s, &s->depth_bk[log2], x, y, log2, BK_ALL, 1);
    hevc_contexts cn = *ctx;
    int64_t jn = search_leaf(s, x, y, log2, depth, &cn);
    if (jn < js) {
      *ctx = cn;
      return jn;
    }
    region_copy(s, &s->depth_bk[log2], x, y, log2, BK_ALL, 0);
  }
  *ctx = cs;
  return js;
}

static int64_t search_cu(hevc_search *s, int x, int y, int log2, int depth,
                         hevc_contexts *ctx) {
  hevc_encoder *e = s->e;
  int n = 1 << log2;
  int inside = x + n <= e->coded_w && y + n <= e->coded_h;
  /* the configured CU sizes: a CU outside the picture splits whatever they say */
  int leaf = inside && log2 <= e->cfg.cu_max_log2;
  int may_split = log2 > HEVC_MIN_CU_LOG2 && (log2 > e->cfg.cu_min_log2 || !inside);
  if (log2 == 6 && leaf && may_split && e->cfg.early_exit >= 2)
    return search_ctu_bottom_up(s, x, y, 6, 0, ctx);
  /* early_exit 3 (ultrafast): 32x32 CUs bottom-up too, as 64x64 ones */
  if (log2 == 5 && leaf && may_split && e->cfg.early_exit >= 3)
    return search_ctu_bottom_up(s, x, y, 5, depth, ctx);
  int64_t jn = INT64_MAX;
  hevc_contexts cn = *ctx;
  if (leaf) jn = search_leaf(s, x, y, log2, depth, &cn);
  /* A CU coded without any residual, or for a few bits, is predicted well
   * enough that splitting it rarely pays (measured: at under 2^(log2 + 1)
   * bits splits won 0-5% of the tries); NxN likewise (search_leaf).
   * early_exit 3 asks 2^EE3_SPLIT8_SHIFT times as many bits of a 16x16 CU
   * before it tries 8x8 ones. */
  int bits_log2 = log2 + 1 + (e->cfg.early_exit >= 3 && log2 == 4 ? EE3_SPLIT8_SHIFT : 0);
  int try_split = may_split &&
                  !(leaf && e->cfg.early_exit && jn != INT64_MAX &&
                    (!cu_has_residual(s->ctu, x, y, log2, 7) ||
                     jn < (s->lambda * 32768 << bits_log2)));
  if (try_split) {
    if (leaf) region_copy(s, &s->depth_bk[log2], x, y, log2, BK_ALL, 1);
    hevc_contexts cs = *ctx;
    int64_t js = 0;
    if (inside) {
      hevc_cabac cb;
      hevc_cabac_start_count(&cb, &cs);
      hevc_write_split_flag(&cb, e, s->ctu, x, y, depth, 1);
      cs = cb.ctx;
      js = s->lambda * (int64_t)cb.frac_bits;
    }
    int h = n >> 1;
    for (int i = 0; i < 4 && js < jn; i++) {
      int cx = x + (i & 1) * h, cy = y + (i >> 1) * h;
      if (cx < e->coded_w && cy < e->coded_h) js += search_cu(s, cx, cy, log2 - 1, depth + 1, &cs);
    }
    if (js < jn) {
      *ctx = cs;
      return js;
    }
    region_copy(s, &s->depth_bk[log2], x, y, log2, BK_ALL, 0);
  }
  *ctx = cn;
  return jn;
}

void hevc_search_ctu(hevc_search *s, hevc_encoder *e, hevc_ctu *ctu, hevc_contexts *ctx) {
  s->e = e;
  s->ctu = ctu;
  for (int c = 0; c < 3; c++) s->refs[c].valid = 0;
  int bd = e->bit_depth;
  int q = hevc_clip3(0, 57, ctu->qp);
  s->lambda = (int64_t)hevc_lambda_q8[q] << (2 * (bd - 8));
  s->sqrt_lambda = (int64_t)hevc_sqrt_lambda_q8[q] << (bd - 8);
  s->cw_q8 = hevc_chroma_weight_q8(e, ctu->qp);
  s->rate_est = e->cfg.rdoq && e->cfg.rate_estimate;
  s->lambda_c = s->lambda * 256 / s->cw_q8;
  for (int c = 0; c < 3; c++) s->qpp[c] = hevc_qp_prime(e, c, ctu->qp);
  memset(ctu->cu_log2, 0, sizeof(ctu->cu_log2));
  memset(ctu->nxn, 0, sizeof(ctu->nxn));
  memset(ctu->luma_mode, 1, sizeof(ctu->luma_mode));
  memset(ctu->chroma_sel, 0, sizeof(ctu->chroma_sel));
  memset(ctu->chroma_mode, 0, sizeof(ctu->chroma_mode));
  memset(ctu->tu_log2, 0, sizeof(ctu->tu_log2));
  memset(ctu->cbf, 0, sizeof(ctu->cbf));
  memset(ctu->tskip, 0, sizeof(ctu->tskip));
  ctu->bins_n = 0;
  if (!s->rate_est) {
    search_cu(s, ctu->x0, ctu->y0, e->ctu_log2, 0, ctx);
    return;
  }
  /* The search priced residuals against the CTU's starting states; the
   * next CTU starts from the states the chosen coding really leaves. */
  hevc_contexts c = *ctx;
  search_cu(s, ctu->x0, ctu->y0, e->ctu_log2, 0, &c);
  /* The count logs its bins for the entropy coder (a CTU of more bins than
   * the log holds is written from its syntax instead). */
  hevc_cabac cb;
  hevc_cabac_start_count(&cb, ctx);
  cb.log = ctu->bins;
  cb.log_cap = ctu->bins_cap; /* 0 without a log */
  hevc_qp_state qs = {ctu->qp_pred, ctu->qp, 0};
  hevc_write_quadtree(&cb, e, ctu, &qs, ctu->x0, ctu->y0, e->ctu_log2, 0);
  ctu->bins_n = cb.log_n <= cb.log_cap ? cb.log_n : 0;
  *ctx = cb.ctx;
}
