/*
 * Quantisation with sign data hiding.  SPDX-License-Identifier: BSD-2-Clause
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "cabac.h"
#include "syntax.h"
#include "tables.h"

/* The non-zero levels of one 4x4 sub-block in scan order: the first and
 * last scan positions holding one (first 16 and last -1 when none), the
 * sum of their magnitudes and their count.  Sign data hiding hides a sign
 * when last - first >= 4 and encodes it in the parity of sum. */
typedef struct sb_span {
  int first, last, sum, count;
} sb_span;

static sb_span scan_sub_block(const int16_t *level, ptrdiff_t ls, int xs, int ys,
                              const uint8_t *ps) {
  sb_span r = {16, -1, 0, 0};
  for (int p = 0; p < 16; p++) {
    int v = level[(ys + (ps[p] >> 4)) * ls + xs + (ps[p] & 15)];
    if (v) {
      if (r.first == 16) r.first = p;
      r.last = p;
      r.sum += abs(v);
      r.count++;
    }
  }
  return r;
}

/* Makes the sign of the first level of every sub-block whose sign is
 * hidden what a decoder infers from the parity of the final levels, so the
 * reconstruction matches the decoder's; returns the number of non-zero
 * levels. */
static int hidden_signs(int16_t *level, ptrdiff_t ls, int log2, int scan_idx) {
  int sb_log2 = log2 - 2, nsb = 1 << sb_log2, nz = 0;
  const uint8_t *sbs = hevc_scan_pos[sb_log2][scan_idx];
  const uint8_t *ps = hevc_scan_pos[2][scan_idx];
  for (int s = 0; s < nsb * nsb; s++) {
    int xs = (sbs[s] & 15) * 4, ys = (sbs[s] >> 4) * 4;
    sb_span sp = scan_sub_block(level, ls, xs, ys, ps);
    nz += sp.count;
    if (sp.last - sp.first >= 4) {
      int16_t *l = &level[(ys + (ps[sp.first] >> 4)) * ls + xs + (ps[sp.first] & 15)];
      int a = abs(*l);
      *l = (int16_t)((sp.sum & 1) ? -a : a);
    }
  }
  return nz;
}

int hevc_quantize(const int32_t *coef, int16_t *level, ptrdiff_t ls, int log2, int qp,
                  int bit_depth, int scan_idx, int sign_hiding) {
  int n = 1 << log2;
  int tshift = 15 - bit_depth - log2;
  int qbits = 14 + qp / 6 + tshift;
  int64_t scale = hevc_quant_scale[qp % 6];
  /* Rounding offset 1/3 of a step (typical for intra); the part that was
   * rounded away is kept in delta (in 1/256 step) for sign hiding. */
  int64_t add = (int64_t)171 << (qbits - 9);
  /* Most blocks of a search quantise to nothing: one pass against the
   * smallest magnitude that reaches level 1, as one unsigned comparison
   * (|c| >= min_c) in loops the compiler vectorises. */
  uint32_t min_c = (uint32_t)((((int64_t)1 << qbits) - add + scale - 1) / scale);
  uint32_t off = min_c - 1, span = 2 * min_c - 2, any = 0;
  for (int i = 0; i < n * n; i++) any |= (uint32_t)coef[i] + off > span;
  if (!any) {
    for (int y = 0; y < n; y++) memset(level + y * ls, 0, (size_t)n * sizeof(*level));
    return 0;
  }
  int32_t delta[32 * 32];
  int nz = 0;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int32_t c = coef[y * n + x];
      int64_t a = (int64_t)(c < 0 ? -c : c) * scale;
      int64_t q = (a + add) >> qbits;
      if (q > 32767) q = 32767;
      delta[y * n + x] = (int32_t)((a - (q << qbits)) >> (qbits - 8));
      level[y * ls + x] = (int16_t)(c < 0 ? -q : q);
      nz += q != 0;
    }
  if (!sign_hiding || !nz) return nz;

  int sb_log2 = log2 - 2, nsb = 1 << sb_log2;
  const uint8_t *sbs = hevc_scan_pos[sb_log2][scan_idx];
  const uint8_t *ps = hevc_scan_pos[2][scan_idx];
  for (int s = 0; s < nsb * nsb; s++) {
    int xs = (sbs[s] & 15) * 4, ys = (sbs[s] >> 4) * 4;
    sb_span sp = scan_sub_block(level, ls, xs, ys, ps);
    int first = sp.first, sum = sp.sum;
    if (sp.last - first < 4) continue;
    int fx = xs + (ps[first] & 15), fy = ys + (ps[first] >> 4);
    int neg = level[fy * ls + fx] < 0;
    if ((sum & 1) != neg) {
      /* Change one level by +-1 where it costs least distortion: the parity
       * then matches the sign of the first coefficient. */
      int64_t best = INT64_MAX;
      int bp = -1, bchange = 0;
      for (int p = 15; p >= 0; p--) {
        int x = xs + (ps[p] & 15), y = ys + (ps[p] >> 4);
        int v = level[y * ls + x];
        int d = delta[y * n + x];
        int64_t cost;
        int change;
        if (v) {
          if (d > 0) {
            cost = 256 - d;
            change = 1;
          } else if (p == first && abs(v) == 1) {
            continue; /* would move the first coefficient */
          } else {
            cost = 256 + d;
            change = -1;
          }
          if (change == 1 && abs(v) >= 32767) continue;
        } else {
          if (p < first) {
            int cneg = coef[y * n + x] < 0;
            if (cneg != neg) continue;
          }
          cost = 256 - d;
          change = 1;
        }
        if (cost < best) {
          best = cost;
          bp = p;
          bchange = change;
        }
      }
      if (bp >= 0) {
        int x = xs + (ps[bp] & 15), y = ys + (ps[bp] >> 4);
        int v = level[y * ls + x];
        int sgn = v ? (v < 0 ? -1 : 1) : (coef[y * n + x] < 0 ? -1 : 1);
        int a = abs(v) + bchange;
        level[y * ls + x] = (int16_t)(sgn * a);
      }
    }
  }
  return hidden_signs(level, ls, log2, scan_idx);
}

/* ---- rate-distortion optimised quantisation ------------------------------ */

static inline int32_t bin_bits(const hevc_bin_rates *r, int idx, int bin) {
  return r->b[idx][bin];
}

/* Bits of coeff_abs_level_remaining v with Rice parameter k (all bypass). */
static inline int32_t remaining_bits(int v, int k) {
  int n;
  if (v < (4 << k)) {
    n = (v >> k) + 1 + k;
  } else {
    uint32_t r = (uint32_t)(v - (4 << k));
    int len = k + 1;
    while (r >= (1u << len)) {
      r -= 1u << len;
      len++;
    }
    n = 4 + (len - k - 1) + 1 + len;
  }
  return (int32_t)n << 15;
}

/* Bits of a level l >= 1 after its sig_coeff_flag: greater1 flag (context g1,
 * -1 when not coded), greater2 flag (context g2 when this is the sub-block's
 * first level above 1, else -1), remainder and sign. */
static int32_t level_bits(const hevc_bin_rates *ctx, int l, int g1, int g2, int rice) {
  int32_t b = 32768;
  int base = 1, thr = 1;
  if (g1 >= 0) {
    b += bin_bits(ctx, HEVC_CTX_GT1 + g1, l > 1);
    base += l > 1;
    thr = 2;
    if (g2 >= 0 && l > 1) {
      b += bin_bits(ctx, HEVC_CTX_GT2 + g2, l > 2);
      base += l > 2;
      thr = 3;
    }
  }
  if (base == thr) b += remaining_bits(l - base, rice);
  return b;
}

/* Bits of one coordinate of the last significant position, for each of its
 * prefixes 0 .. 2 log2 - 1 (the suffix length follows from the prefix): a
 * running sum of the prefix's unary bins. */
static void last_prefix_bits(const hevc_bin_rates *ctx, int ctx_base, int log2, int c,
                             int32_t out[10]) {
  int cmax = (log2 << 1) - 1;
  int32_t ones = 0; /* bins before prefix p, all 1 */
  for (int p = 0; p <= cmax; p++) {
    int32_t b = ones;
    if (p < cmax) {
      int idx = ctx_base + hevc_last_ctx(log2, c, p);
      b += bin_bits(ctx, idx, 0);
      ones += bin_bits(ctx, idx, 1);
    }
    if (p > 3) b += (int32_t)((p >> 1) - 1) << 15;
    out[p] = b;
  }
}

/* Squared error (SSE << 23 of the reconstruction) of level l for a
 * coefficient whose scaled magnitude is a: the transform is orthonormal up
 * to the scale 2^tshift, so the error of the coefficient, divided by that
 * scale, is the error in the samples.  w8 folds the quantiser step in; the
 * error is taken in 1/256 level.  Above 10 bits the weight is 2^(2
 * (BitDepth - 10)) larger: ws = 4 drops the low bits of w8 before the
 * product (still 17 significant ones) so that it stays below 2^61 for any
 * 16-bit coefficient, and gives them back after; ws = 0 up to 10 bits. */
static inline int64_t rdoq_dist(int64_t a, int l, int qbits, uint64_t w8, int ws) {
  int64_t e = a - ((int64_t)l << qbits);
  int64_t e8 = (e + ((int64_t)1 << (qbits - 9))) >> (qbits - 8); /* 1/256 level */
  return (int64_t)(((uint64_t)(e8 * e8) * (w8 >> ws)) >> (8 - ws));
}

int hevc_quantize_rdoq(const int32_t *coef, int16_t *level, ptrdiff_t ls, int log2, int qp,
                       int bit_depth, int scan_idx, int sign_hiding, const hevc_rdoq_param *rd) {
  hevc_rdoq_scratch *sc = rd->scratch;
  const hevc_bin_rates *cx = rd->rates;
  int64_t lambda = rd->lambda;
  int c = rd->c;
  int n = 1 << log2, sb_log2 = log2 - 2, nsb = 1 << sb_log2;
  const uint8_t *sbs = hevc_scan_pos[sb_log2][scan_idx];
  const uint8_t *ps = hevc_scan_pos[2][scan_idx];
  int tshift = 15 - bit_depth - log2;
  int qbits = 14 + qp / 6 + tshift;
  int64_t scale = hevc_quant_scale[qp % 6];
  /* w8 = 2^(43 + 2 (qp / 6)) / scale^2: sample-domain SSE << 23 per squared
   * level error (in 1/256), times 256 */
  /* the two divisions depend on the QP only: computed once, 0 = not yet */
  uint64_t *w8p = &sc->w8_cache[qp / 6][qp % 6];
  if (!*w8p) {
    /* 2^(40 + 2 (qp / 6)) passes 2^62 at Qp' 72 and up (12 bits) */
    int sh = 40 + 2 * (qp / 6), over = sh > 62 ? sh - 62 : 0;
    *w8p = (((uint64_t)1 << (sh - over)) / (uint64_t)(scale * scale)) << (3 + over);
  }
  uint64_t w8 = *w8p;
  int ws = bit_depth > 10 ? 4 : 0;
  int64_t half = (int64_t)1 << (qbits - 1);

  /* rows of constant size, inlined rather than a library call per row */
  switch (log2) {
  case 2: for (int y = 0; y < 4; y++) memset(level + y * ls, 0, 4 * sizeof(*level)); break;
  case 3: for (int y = 0; y < 8; y++) memset(level + y * ls, 0, 8 * sizeof(*level)); break;
  case 4: for (int y = 0; y < 16; y++) memset(level + y * ls, 0, 16 * sizeof(*level)); break;
  default: for (int y = 0; y < n; y++) memset(level + y * ls, 0, 32 * sizeof(*level)); break;
  }
  /* Most blocks met during the search quantise to nothing: a raster pass
   * against the smallest magnitude that rounds to level 1 finds them. */
  int32_t *min_cp = &sc->min_c_cache[qbits][qp % 6];
  if (!*min_cp) *min_cp = (int32_t)((((int64_t)1 << qbits) - half + scale - 1) / scale);
  int32_t min_c = *min_cp;
  /* |c| >= min_c as one unsigned comparison */
  uint32_t off = (uint32_t)min_c - 1, span = 2 * (uint32_t)min_c - 2;
  uint8_t sb_any[64];
  uint32_t any = 0;
  for (int ys = 0; ys < nsb; ys++) {
    /* whole rows, column flags ORed over the sub-block row: simple loops
     * the compiler vectorises */
    uint32_t col[32];
    const int32_t *q = coef + ys * 4 * n;
    for (int x = 0; x < n; x++)
      col[x] = ((uint32_t)q[x] + off > span) | ((uint32_t)q[n + x] + off > span) |
               ((uint32_t)q[2 * n + x] + off > span) | ((uint32_t)q[3 * n + x] + off > span);
    for (int xs = 0; xs < nsb; xs++) {
      uint32_t m = col[4 * xs] | col[4 * xs + 1] | col[4 * xs + 2] | col[4 * xs + 3];
      sb_any[ys * nsb + xs] = (uint8_t)m;
      any |= m;
    }
  }
  if (!any) return 0;
  int last_k = -1;
  for (int i = nsb * nsb - 1; i >= 0 && last_k < 0; i--) {
    int xs = (sbs[i] & 15) * 4, ys = (sbs[i] >> 4) * 4;
    if (!sb_any[(ys >> 2) * nsb + (xs >> 2)]) continue;
    for (int p = 15; p >= 0; p--) {
      uint32_t cv = (uint32_t)coef[(ys + (ps[p] >> 4)) * n + xs + (ps[p] & 15)];
      if (cv + off > span) {
        last_k = i * 16 + p;
        break;
      }
    }
  }
  int last_sb = last_k >> 4;
  /* raster offset of each scan position inside a sub-block */
  int off4[16];
  for (int p = 0; p < 16; p++) off4[p] = (ps[p] >> 4) * n + (ps[p] & 15);
  /* A sub-block strictly between the DC one and the last one whose levels
   * all round to 0 is left uncoded by pass 1 whatever the contexts: only
   * the distortion of zeroing it is needed (sb_zero), so its positions are
   * not gathered. */
  uint8_t sb_skip[64];
  int64_t sb_zero[64];
  for (int i = 0; i <= last_sb; i++) {
    int base = (sbs[i] >> 4) * 4 * n + (sbs[i] & 15) * 4;
    sb_skip[i] = (uint8_t)(i > 0 && i < last_sb && !sb_any[(sbs[i] >> 4) * nsb + (sbs[i] & 15)]);
    if (sb_skip[i]) {
      int64_t z = 0;
      for (int p = 0; p < 16; p++) {
        int32_t cv = coef[base + off4[p]];
        z += rdoq_dist((int64_t)(cv < 0 ? -cv : cv) * scale, 0, qbits, w8, ws);
      }
      sb_zero[i] = z;
      continue;
    }
    int pe = i == last_sb ? (last_k & 15) : 15;
    for (int p = 0; p <= pe; p++) {
      int k = i * 16 + p, r = base + off4[p];
      int32_t cv = coef[r];
      sc->pos[k] = (int16_t)r;
      sc->a[k] = (int64_t)(cv < 0 ? -cv : cv) * scale;
    }
  }

  /* Pass 1, in coding order: each level greedily, with the context state
   * (greater1 context, Rice parameter...) its predecessors leave. */
  uint8_t csbf[8][8] = {{0}};
  int64_t sb_coded[64], sb_sel[64]; /* per sub-block: sum of j, of the chosen levels' D */
  int32_t sb_r0[64], sb_r1[64];
  uint16_t sb_mask[64]; /* scan positions of the non-zero levels */
  int prev_gt1 = 0;
  for (int i = last_sb; i >= 0; i--) {
    int xs = sbs[i] & 15, ys = sbs[i] >> 4;
    int right = xs + 1 < nsb ? csbf[xs + 1][ys] : 0;
    int below = ys + 1 < nsb ? csbf[xs][ys + 1] : 0;
    int prev_csbf = right + 2 * below;
    int ctx_set = (i == 0 || c > 0) ? 0 : 2;
    if (i != last_sb && prev_gt1) ctx_set++;
    int g1_base = (c ? 16 : 0) + ctx_set * 4, g2_ctx = (c ? 4 : 0) + ctx_set;
    int csbf_coded = i < last_sb && i > 0;
    int cctx = HEVC_CTX_CSBF + (c ? 2 : 0) + (right | below);
    sb_r0[i] = csbf_coded ? bin_bits(cx, cctx, 0) : 0;
    sb_r1[i] = csbf_coded ? bin_bits(cx, cctx, 1) : 0;
    if (sb_skip[i]) {
      /* no level: neither the coded cost nor the context state is used */
      sb_coded[i] = 0;
      sb_mask[i] = 0;
      csbf[xs][ys] = 0;
      continue;
    }
    int c1 = 1, nzc = 0, g2_used = 0, rice = 0;
    unsigned mask = 0;
    /* running sums over the positions after p (pass 1 goes backwards):
     * pass 2 reads each sum before a level in O(1) */
    int64_t jcod = 0, jzero = 0, dsel = 0;
    int start = i == last_sb ? (last_k & 15) : 15;
    uint8_t sctx[16];
    hevc_sig_ctx_sb(log2, c, scan_idx, xs, ys, prev_csbf, sctx);
    for (int p = start; p >= 0; p--) {
      int k = i * 16 + p;
      int64_t a = sc->a[k];
      int64_t lm = (a + half) >> qbits;
      int lmax = lm > 32767 ? 32767 : (int)lm;
      int64_t d0 = rdoq_dist(a, 0, qbits, w8, ws);
      int is_last = k == last_k;
      int32_t s0 = 0, s1 = 0;
      /* sig_coeff_flag is not coded at the last position, nor at the DC of
       * a coded sub-block whose other levels are all zero (inferred 1) */
      if (!is_last && !(p == 0 && csbf_coded && nzc == 0)) {
        s0 = bin_bits(cx, sctx[p], 0);
        s1 = bin_bits(cx, sctx[p], 1);
      }
      int g1 = nzc < 8 ? g1_base + c1 : -1;
      int g2 = g1 >= 0 && !g2_used ? g2_ctx : -1;
      int best_l = 0;
      int64_t best_j = is_last ? INT64_MAX : d0 + lambda * s0, best_d = d0;
      if (lmax) {
        /* lmax, then lmax - 1 when that is not 0; selects without branches
         * (the winner is hard to predict) */
        int64_t d = rdoq_dist(a, lmax, qbits, w8, ws);
        int64_t j = d + lambda * (s1 + level_bits(cx, lmax, g1, g2, rice));
        int take = j < best_j;
        best_j = take ? j : best_j;
        best_d = take ? d : best_d;
        best_l = take ? lmax : 0;
        if (lmax > 1) {
          d = rdoq_dist(a, lmax - 1, qbits, w8, ws);
          j = d + lambda * (s1 + level_bits(cx, lmax - 1, g1, g2, rice));
          take = j < best_j;
          best_j = take ? j : best_j;
          best_d = take ? d : best_d;
          best_l = take ? lmax - 1 : best_l;
        }
      }
      sc->j_after[k] = jcod;
      sc->d0_after[k] = jzero;
      sc->dsel_after[k] = dsel;
      sc->lv[k] = (int16_t)best_l;
      sc->sig0[k] = s0;
      sc->sig1[k] = s1;
      sc->g1[k] = (int8_t)g1;
      sc->g2[k] = (int8_t)g2;
      sc->rice[k] = (int8_t)rice;
      if (best_l) {
        int base = 1, thr = 1;
        if (g1 >= 0) {
          base += best_l > 1;
          thr = 2;
          if (best_l > 1) {
            c1 = 0;
            if (!g2_used) {
              g2_used = 1;
              base += best_l > 2;
              thr = 3;
            }
          } else if (c1 > 0 && c1 < 3) {
            c1++;
          }
        }
        if (base == thr && best_l > 3 * (1 << rice) && rice < 4) rice++;
        nzc++;
        mask |= 1u << p;
      }
      jcod += best_j;
      jzero += d0;
      dsel += best_d;
    }
    if (csbf_coded && nzc && jzero + lambda * sb_r0[i] <= jcod + lambda * sb_r1[i]) {
      /* the whole sub-block goes: its mask says so, its lv are not read */
      nzc = 0;
      mask = 0;
    }
    sb_coded[i] = jcod;
    sb_zero[i] = jzero;
    sb_sel[i] = dsel;
    sb_mask[i] = (uint16_t)mask;
    csbf[xs][ys] = (uint8_t)(i == last_sb || i == 0 || nzc > 0);
    if (nzc) prev_gt1 = c1 == 0;
  }

  /* Pass 2: the last position.  Ending the block at k drops every level
   * after it and saves their flags; the whole block may also go (cbf 0). */
  int32_t lx_bits[10], ly_bits[10]; /* by prefix */
  last_prefix_bits(cx, HEVC_CTX_LAST_X, log2, c, lx_bits);
  last_prefix_bits(cx, HEVC_CTX_LAST_Y, log2, c, ly_bits);
  int64_t suffix = 0;
  for (int i = 0; i <= last_sb; i++) suffix += sb_zero[i];
  int64_t best = suffix + lambda * rd->cbf_bits[0];
  int best_k = -1;
  int64_t prefix = lambda * rd->cbf_bits[1];
  int64_t dsum = 0, best_d = 0; /* distortion of the sub-blocks before i; of the best */
  for (int i = 0; i <= last_sb; i++) {
    suffix -= sb_zero[i]; /* now level 0 at every position after sub-block i */
    for (unsigned m = sb_mask[i]; m; m &= m - 1) {
      int k = i * 16 + __builtin_ctz(m);
      int r = sc->pos[k];
      int x = r & (n - 1), y = r >> log2;
      if (scan_idx == 2) {
        int t = x;
        x = y;
        y = t;
      }
      /* the levels up to k as chosen, sig_coeff_flag of k not coded, zeros after it */
      int64_t after = suffix + sc->d0_after[k];
      int64_t j = prefix + sb_coded[i] - sc->j_after[k] - lambda * sc->sig1[k] + after +
                  lambda * (lx_bits[hevc_last_prefix[x]] + ly_bits[hevc_last_prefix[y]]);
      if (j < best) {
        best = j;
        best_k = k;
        best_d = dsum + sb_sel[i] - sc->dsel_after[k] + after;
      }
    }
    dsum += sb_mask[i] ? sb_sel[i] : sb_zero[i];
    if (i > 0)
      prefix += sb_mask[i] ? sb_coded[i] + lambda * sb_r1[i] : sb_zero[i] + lambda * sb_r0[i];
    else
      prefix += sb_coded[0];
  }
  if (best_k < 0) {
    if (rd->lambda_rate) *rd->lambda_rate = 0;
    return 0;
  }
  int64_t lrate = best - lambda * rd->cbf_bits[1] - best_d;
  last_k = best_k; /* no pass reads lv beyond it */
  last_sb = last_k >> 4;
  sb_mask[last_sb] &= (uint16_t)((2u << (last_k & 15)) - 1);

  /* Pass 3: sign data hiding, each sub-block that hides a sign and whose
   * parity disagrees gets the +-1 change of least cost. */
  if (sign_hiding) {
    for (int i = 0; i <= last_sb; i++) {
      unsigned mask = sb_mask[i];
      if (!mask) continue;
      int first = __builtin_ctz(mask), lastp = 31 - __builtin_clz(mask), sum = 0;
      if (lastp - first < 4) continue;
      for (unsigned m = mask; m; m &= m - 1) sum += sc->lv[i * 16 + __builtin_ctz(m)];
      int neg = coef[sc->pos[i * 16 + first]] < 0;
      if ((sum & 1) == neg) continue;
      int64_t bj = INT64_MAX, br = 0;
      int bk = -1, bd = 0;
      for (int p = 0; p < 16 && i * 16 + p <= last_k; p++) {
        int k = i * 16 + p;
        int l = sc->lv[k];
        int64_t a = sc->a[k];
        int64_t dl = rdoq_dist(a, l, qbits, w8, ws);
        if (l > 0) {
          int32_t rl = level_bits(cx, l, sc->g1[k], sc->g2[k], sc->rice[k]);
          if (l < 32767) {
            int64_t r = lambda * (level_bits(cx, l + 1, sc->g1[k], sc->g2[k], sc->rice[k]) - rl);
            int64_t j = rdoq_dist(a, l + 1, qbits, w8, ws) - dl + r;
            if (j < bj) {
              bj = j;
              br = r;
              bk = k;
              bd = 1;
            }
          }
          if (l > 1 || (p != first && k != last_k)) {
            int64_t r;
            if (l > 1)
              r = lambda * (level_bits(cx, l - 1, sc->g1[k], sc->g2[k], sc->rice[k]) - rl);
            else
              r = lambda * (sc->sig0[k] - sc->sig1[k] - rl);
            int64_t j = rdoq_dist(a, l - 1, qbits, w8, ws) - dl + r;
            if (j < bj) {
              bj = j;
              br = r;
              bk = k;
              bd = -1;
            }
          }
        } else {
          /* a new first level must carry the sign the parity will give */
          if (p < first && (coef[sc->pos[k]] < 0) != neg) continue;
          int64_t r = lambda * (sc->sig1[k] - sc->sig0[k] +
                                level_bits(cx, 1, sc->g1[k], sc->g2[k], sc->rice[k]));
          int64_t j = rdoq_dist(a, 1, qbits, w8, ws) - dl + r;
          if (j < bj) {
            bj = j;
            br = r;
            bk = k;
            bd = 1;
          }
        }
      }
      lrate += br;
      if (bk >= 0) {
        sc->lv[bk] = (int16_t)(sc->lv[bk] + bd);
        if (sc->lv[bk])
          sb_mask[i] |= (uint16_t)(1u << (bk & 15));
        else
          sb_mask[i] &= (uint16_t)~(1u << (bk & 15));
      }
    }
  }

  /* the levels, with the hidden signs as a decoder infers them */
  int nz = 0;
  for (int i = 0; i <= last_sb; i++) {
    unsigned mask = sb_mask[i];
    if (!mask) continue;
    int first = __builtin_ctz(mask), lastp = 31 - __builtin_clz(mask), sum = 0;
    for (unsigned m = mask; m; m &= m - 1) {
      int k = i * 16 + __builtin_ctz(m);
      int r = sc->pos[k], v = sc->lv[k];
      /* the coefficient's sign without a branch: signs are a coin toss */
      int neg = -(coef[r] < 0);
      level[(r >> log2) * ls + (r & (n - 1))] = (int16_t)((v ^ neg) - neg);
      sc->nz_pos[nz] = (int16_t)r;
      sum += v;
      nz++;
    }
    if (sign_hiding && lastp - first >= 4) {
      int r = sc->pos[i * 16 + first];
      int a = sc->lv[i * 16 + first];
      level[(r >> log2) * ls + (r & (n - 1))] = (int16_t)((sum & 1) ? -a : a);
      lrate -= lambda * 32768; /* the hidden sign costs nothing */
    }
  }
  if (rd->lambda_rate) *rd->lambda_rate = lrate;
  return nz;
}

/* Scaling of one level (8.6.3, flat scaling list), clipped to 16 bits. */
typedef struct dequant {
  int64_t scale, add;
  int shift;
} dequant;

static dequant dequant_init(int log2, int qp, int bit_depth) {
  int shift = bit_depth + log2 - 5;
  dequant d = {(int64_t)16 * hevc_level_scale[qp % 6] << (qp / 6), (int64_t)1 << (shift - 1), shift};
  return d;
}

static inline int32_t dequant_level(const dequant *d, int16_t level) {
  int64_t v = ((int64_t)level * d->scale + d->add) >> d->shift;
  return (int32_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

void hevc_dequantize(const int16_t *level, ptrdiff_t ls, int32_t *coef, int log2, int qp,
                     int bit_depth) {
  int n = 1 << log2;
  dequant d = dequant_init(log2, qp, bit_depth);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) coef[y * n + x] = dequant_level(&d, level[y * ls + x]);
}

void hevc_dequantize_sparse(const int16_t *level, ptrdiff_t ls, int32_t *coef, int log2, int qp,
                            int bit_depth, const int16_t *pos, int n_pos) {
  int n = 1 << log2;
  dequant d = dequant_init(log2, qp, bit_depth);
  /* a level 0 scales to (add >> shift) = 0 */
  memset(coef, 0, (size_t)n * (size_t)n * sizeof(*coef));
  for (int i = 0; i < n_pos; i++) {
    int r = pos[i];
    coef[r] = dequant_level(&d, level[(r >> log2) * ls + (r & (n - 1))]);
  }
}
