/*
 * Sample adaptive offset.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Decision: per component, statistics (sum of source - deblocked, count) are
 * gathered for the four categories of each edge class and for the 32 bands;
 * the best offsets per category follow from them, and the type, class or band
 * position with the lowest distortion change + lambda * rate wins (rates are
 * the bypass bins of the syntax).  Cb and Cr share type and class, so they
 * are decided together.  Merging with the left or upper CTU is chosen when
 * its parameters, evaluated on this CTU's statistics, cost less.
 */
#include "sao.h"

#include <string.h>

typedef struct sao_stats {
  int64_t eo_sum[4][5];
  int64_t eo_cnt[4][5];
  int64_t bo_sum[32];
  int64_t bo_cnt[32];
} sao_stats;

static const int eo_dx[4][2] = {{-1, 1}, {0, 0}, {-1, 1}, {1, -1}};
static const int eo_dy[4][2] = {{0, 0}, {-1, 1}, {-1, 1}, {-1, 1}};


static void region(const hevc_encoder *e, const hevc_ctu *ctu, int c, int *x0, int *y0, int *w,
                   int *h) {
  int sx = hevc_shx(e, c), sy = hevc_shy(e, c);
  int sw = e->ctu_size >> sx, sh = e->ctu_size >> sy;
  *x0 = ctu->x0 >> sx;
  *y0 = ctu->y0 >> sy;
  *w = e->pw[c] - *x0 < sw ? e->pw[c] - *x0 : sw;
  *h = e->ph[c] - *y0 < sh ? e->ph[c] - *y0 : sh;
}

static void gather(const hevc_encoder *e, const hevc_ctu *ctu, int c, sao_stats *st) {
  memset(st, 0, sizeof(*st));
  int x0, y0, w, h;
  region(e, ctu, c, &x0, &y0, &w, &h);
  ptrdiff_t s = e->stride[c];
  int pw = e->pw[c], ph = e->ph[c];
  int shift = e->bit_depth - 5;
  /* Neighbouring samples mostly fall in the same band: four histograms,
   * one per column modulo 4, keep each increment from waiting on the one
   * before it.  A CTU's sums fit 32 bits (64 x 64 differences of at most
   * 2^12). */
  int32_t bsum[4][32], bcnt[4][32];
  memset(bsum, 0, sizeof(bsum));
  memset(bcnt, 0, sizeof(bcnt));
  for (int y = y0; y < y0 + h; y++) {
    const hevc_pixel *d = hevc_dbk_at(e, c, x0, y), *o = hevc_orig_at(e, c, x0, y);
    int x = 0;
    for (; x + 4 <= w; x += 4)
      for (int k = 0; k < 4; k++) {
        int v = d[x + k];
        bsum[k][v >> shift] += o[x + k] - v;
        bcnt[k][v >> shift]++;
      }
    for (; x < w; x++) {
      int v = d[x];
      bsum[0][v >> shift] += o[x] - v;
      bcnt[0][v >> shift]++;
    }
  }
  for (int b = 0; b < 32; b++) {
    st->bo_sum[b] = (int64_t)bsum[0][b] + bsum[1][b] + bsum[2][b] + bsum[3][b];
    st->bo_cnt[b] = (int64_t)bcnt[0][b] + bcnt[1][b] + bcnt[2][b] + bcnt[3][b];
  }
  /* Edge classes: a sample whose neighbours are not both inside the
   * picture is not counted, which trims the area to a rectangle per class;
   * the statistics of that rectangle come from the dsp kernel. */
  for (int k = 0; k < 4; k++) {
    int xs = x0, xe = x0 + w, ys = y0, ye = y0 + h;
    for (int j = 0; j < 2; j++) {
      if (xs + eo_dx[k][j] < 0) xs = -eo_dx[k][j];
      if (xe + eo_dx[k][j] > pw) xe = pw - eo_dx[k][j];
      if (ys + eo_dy[k][j] < 0) ys = -eo_dy[k][j];
      if (ye + eo_dy[k][j] > ph) ye = ph - eo_dy[k][j];
    }
    if (xs >= xe || ys >= ye) continue;
    int64_t sum[4], cnt[4];
    e->dsp.sao_edge_stats(hevc_dbk_at(e, c, xs, ys), hevc_orig_at(e, c, xs, ys), s, xe - xs, ye - ys,
                          eo_dy[k][0] * s + eo_dx[k][0], eo_dy[k][1] * s + eo_dx[k][1], sum, cnt);
    for (int i = 0; i < 4; i++) {
      st->eo_sum[k][i + 1] = sum[i];
      st->eo_cnt[k][i + 1] = cnt[i];
    }
  }
}

/* Distortion change (SSE) of adding off to cnt samples whose source minus
 * deblocked differences sum to sum. */
static inline int64_t delta_d(int64_t sum, int64_t cnt, int off) {
  return cnt * off * off - 2 * off * sum;
}

/* The offset for cnt samples whose source-minus-deblocked differences sum
 * to sum: the rounded mean clipped to lo..hi, or a smaller magnitude when
 * the bits saved (a bypass bin per unit, and the sign of a band offset)
 * outweigh the distortion; costs in param_cost()'s units. */
static int best_offset(int64_t sum, int64_t cnt, int lo, int hi, int cmax, int sign_bit,
                       int64_t lambda, int64_t w_q8) {
  if (!cnt) return 0;
  int64_t v = sum >= 0 ? (sum + cnt / 2) / cnt : -((-sum + cnt / 2) / cnt);
  int o = (int)(v < lo ? lo : v > hi ? hi : v);
  int best = o;
  int64_t bj = INT64_MAX;
  for (int m = o; ; m += m > 0 ? -1 : 1) {
    int a = m < 0 ? -m : m;
    int bits = a + (a < cmax) + (sign_bit && m);
    int64_t j = delta_d(sum, cnt, m) * w_q8 * ((int64_t)1 << 15) + lambda * ((int64_t)bits << 15);
    if (j < bj) {
      bj = j;
      best = m;
    }
    if (!m) break;
  }
  return best;
}

/* Rate of four offset magnitudes in bits (truncated unary, bypass). */
static int offsets_bits(const int8_t off[4], int cmax) {
  int b = 0;
  for (int i = 0; i < 4; i++) {
    int a = off[i] < 0 ? -off[i] : off[i];
    b += a + (a < cmax);
  }
  return b;
}

/* Cost (Q23 units: SSE * w_q8 << 15 + lambda_q8 * bits << 15) of parameters p
 * for component c given its statistics; w_q8 weighs the distortion (chroma
 * against luma). */
static int64_t param_cost(const hevc_sao *p, int c, const sao_stats *st, int64_t lambda,
                          int cmax, int type_bits, int64_t w_q8) {
  int64_t dd = 0;
  int bits = type_bits;
  if (p->type[c] == 2) {
    for (int i = 0; i < 4; i++)
      dd += delta_d(st->eo_sum[p->eo_class[c]][i + 1], st->eo_cnt[p->eo_class[c]][i + 1],
                    p->offset[c][i]);
    bits += offsets_bits(p->offset[c], cmax);
  } else if (p->type[c] == 1) {
    for (int i = 0; i < 4; i++) {
      int b = (p->band_pos[c] + i) & 31;
      dd += delta_d(st->bo_sum[b], st->bo_cnt[b], p->offset[c][i]);
      bits += p->offset[c][i] != 0;
    }
    bits += offsets_bits(p->offset[c], cmax) + 5;
  }
  return dd * w_q8 * ((int64_t)1 << 15) + lambda * ((int64_t)bits << 15);
}

/* Best parameters of one type (and class / band) for component c. */
static void best_for(hevc_sao *p, int c, int type, int cls, const sao_stats *st, int cmax,
                     int64_t lambda, int64_t w_q8) {
  p->type[c] = (uint8_t)type;
  if (type == 2) {
    p->eo_class[c] = (uint8_t)cls;
    for (int i = 0; i < 4; i++) {
      int lo = i < 2 ? 0 : -cmax, hi = i < 2 ? cmax : 0;
      p->offset[c][i] = (int8_t)best_offset(st->eo_sum[cls][i + 1], st->eo_cnt[cls][i + 1], lo, hi,
                                            cmax, 0, lambda, w_q8);
    }
  } else if (type == 1) {
    p->band_pos[c] = (uint8_t)cls;
    for (int i = 0; i < 4; i++) {
      int b = (cls + i) & 31;
      p->offset[c][i] = (int8_t)best_offset(st->bo_sum[b], st->bo_cnt[b], -cmax, cmax, cmax, 1,
                                            lambda, w_q8);
    }
  } else {
    memset(p->offset[c], 0, 4);
  }
}

static void apply(hevc_encoder *e, const hevc_ctu *ctu, const hevc_sao *p, int c) {
  int x0, y0, w, h;
  region(e, ctu, c, &x0, &y0, &w, &h);
  ptrdiff_t s = e->stride[c];
  int max = (1 << e->bit_depth) - 1;
  int type = p->type[c];
  if (type == 0) {
    for (int y = y0; y < y0 + h; y++)
      memcpy(hevc_recon_at(e, c, x0, y), hevc_dbk_at(e, c, x0, y), (size_t)w * sizeof(hevc_pixel));
    return;
  }
  if (type == 1) {
    int lut[32] = {0};
    for (int i = 0; i < 4; i++) lut[(p->band_pos[c] + i) & 31] = p->offset[c][i];
    int shift = e->bit_depth - 5;
    for (int y = y0; y < y0 + h; y++) {
      const hevc_pixel *dr = hevc_dbk_at(e, c, 0, y);
      hevc_pixel *orow = hevc_recon_at(e, c, 0, y);
      for (int x = x0; x < x0 + w; x++) {
        int v = dr[x];
        int r = v + lut[v >> shift];
        orow[x] = (hevc_pixel)(r < 0 ? 0 : r > max ? max : r);
      }
    }
    return;
  }
  /* Edge offset: the offset by 2 + sign(v - a) + sign(v - b), and only where
   * both neighbours lie inside the picture (elsewhere samples pass).  The
   * deblocked window holds the lines above and below the CTU row too. */
  static const uint8_t cat_of[5] = {1, 2, 0, 3, 4};
  int lut[5];
  for (int i = 0; i < 5; i++) lut[i] = cat_of[i] ? p->offset[c][cat_of[i] - 1] : 0;
  int k = p->eo_class[c];
  ptrdiff_t oa = eo_dy[k][0] * s + eo_dx[k][0], ob = eo_dy[k][1] * s + eo_dx[k][1];
  int xs = x0, xe = x0 + w, ys = y0, ye = y0 + h;
  for (int j = 0; j < 2; j++) {
    if (xs + eo_dx[k][j] < 0) xs = -eo_dx[k][j];
    if (xe + eo_dx[k][j] > e->pw[c]) xe = e->pw[c] - eo_dx[k][j];
    if (ys + eo_dy[k][j] < 0) ys = -eo_dy[k][j];
    if (ye + eo_dy[k][j] > e->ph[c]) ye = e->ph[c] - eo_dy[k][j];
  }
  for (int y = y0; y < y0 + h; y++) {
    const hevc_pixel *dr = hevc_dbk_at(e, c, 0, y);
    hevc_pixel *orow = hevc_recon_at(e, c, 0, y);
    if (y < ys || y >= ye || xs >= xe) {
      memcpy(orow + x0, dr + x0, (size_t)w * sizeof(hevc_pixel));
      continue;
    }
    for (int x = x0; x < xs; x++) orow[x] = dr[x];
    /* selects instead of a table look-up: a loop the compiler vectorises */
    int o0 = lut[0], o1 = lut[1], o3 = lut[3], o4 = lut[4];
    for (int x = xs; x < xe; x++) {
      int v = dr[x], a = dr[x + oa], b = dr[x + ob];
      int cat = (v > a) - (v < a) + (v > b) - (v < b);
      int off = (cat == -2) * o0 + (cat == -1) * o1 + (cat == 1) * o3 + (cat == 2) * o4;
      int r = v + off;
      orow[x] = (hevc_pixel)(r < 0 ? 0 : r > max ? max : r);
    }
    for (int x = xe; x < x0 + w; x++) orow[x] = dr[x];
  }
}

/* Chroma SAO of a CTU: type and class shared by Cb and Cr, band positions
 * per component; sets them in *best (whose luma part is decided) and
 * returns their cost. */
static int64_t decide_chroma(hevc_sao *best, const sao_stats st[3], int64_t lambda, int cmax,
                             int64_t cw_q8) {
  int64_t bjc = param_cost(best, 1, &st[1], lambda, cmax, 1, cw_q8) +
                param_cost(best, 2, &st[2], lambda, cmax, 0, cw_q8);
  hevc_sao cbest = *best;
  for (int k = 0; k < 4; k++) {
    hevc_sao cand = *best;
    best_for(&cand, 1, 2, k, &st[1], cmax, lambda, cw_q8);
    best_for(&cand, 2, 2, k, &st[2], cmax, lambda, cw_q8);
    int64_t j = param_cost(&cand, 1, &st[1], lambda, cmax, 4, cw_q8) +
                param_cost(&cand, 2, &st[2], lambda, cmax, 0, cw_q8);
    if (j < bjc) {
      bjc = j;
      cbest = cand;
    }
  }
  {
    /* band: positions chosen per component */
    hevc_sao cand = *best;
    int64_t j = 0;
    for (int c = 1; c < 3; c++) {
      int64_t bb = INT64_MAX;
      hevc_sao tmp = cand;
      for (int k = 0; k < 32; k++) {
        hevc_sao t2 = cand;
        best_for(&t2, c, 1, k, &st[c], cmax, lambda, cw_q8);
        int64_t jj = param_cost(&t2, c, &st[c], lambda, cmax, c == 1 ? 2 : 0, cw_q8);
        if (jj < bb) {
          bb = jj;
          tmp = t2;
        }
      }
      cand = tmp;
      j += bb;
    }
    if (j < bjc) {
      bjc = j;
      cbest = cand;
    }
  }
  best->type[1] = cbest.type[1];
  best->type[2] = cbest.type[2];
  best->eo_class[1] = best->eo_class[2] = cbest.eo_class[1];
  best->band_pos[1] = cbest.band_pos[1];
  best->band_pos[2] = cbest.band_pos[2];
  memcpy(best->offset[1], cbest.offset[1], 4);
  memcpy(best->offset[2], cbest.offset[2], 4);
  if (best->type[1] == 2) best->eo_class[2] = best->eo_class[1];
  return bjc;
}

void hevc_sao_ctu(hevc_encoder *e, hevc_ctu *ctu, const hevc_sao *left, const hevc_sao *up,
                  int64_t lambda, int64_t cw_q8) {
  hevc_sao *p = &ctu->sao;
  memset(p, 0, sizeof(*p));
  if (e->cfg.sao) {
    int bd = e->bit_depth < 10 ? e->bit_depth : 10;
    int cmax = (1 << (bd - 5)) - 1;
    sao_stats st[3];
    for (int c = 0; c < e->ncomp; c++) gather(e, ctu, c, &st[c]);

    /* luma */
    hevc_sao best = {0};
    int64_t bj = param_cost(&best, 0, &st[0], lambda, cmax, 1, 256);
    for (int t = 1; t <= 2; t++)
      for (int k = 0; k < (t == 2 ? 4 : 32); k++) {
        hevc_sao cand = best;
        best_for(&cand, 0, t, k, &st[0], cmax, lambda, 256);
        int64_t j = param_cost(&cand, 0, &st[0], lambda, cmax, t == 2 ? 4 : 2, 256);
        if (j < bj) {
          bj = j;
          best = cand;
        }
      }
    int64_t bjc = e->ncomp > 1 ? decide_chroma(&best, st, lambda, cmax, cw_q8) : 0;
    int64_t jnew = bj + bjc + lambda * ((int64_t)(!!left + !!up) << 15);

    /* merge candidates */
    const hevc_sao *merge[2] = {left, up};
    int chosen = -1;
    for (int m = 0; m < 2; m++) {
      if (!merge[m]) continue;
      /* a merge sends one flag (two for up) and no parameters */
      int64_t j = lambda * ((int64_t)(m + 1) << 15);
      for (int c = 0; c < e->ncomp; c++) j += param_cost(merge[m], c, &st[c], 0, cmax, 0, c ? cw_q8 : 256);
      if (j < jnew) {
        jnew = j;
        chosen = m;
      }
    }
    if (chosen >= 0) {
      best = *merge[chosen];
      best.merge_left = chosen == 0;
      best.merge_up = chosen == 1;
    } else {
      best.merge_left = best.merge_up = 0;
    }
    *p = best;
  }
  for (int c = 0; c < e->ncomp; c++) apply(e, ctu, p, c);
}
