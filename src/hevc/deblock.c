/*
 * Deblocking filter.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Intra-only pictures make boundary strength simple: every transform or
 * prediction block edge on the 8x8 grid has bS = 2 (both sides intra), all
 * other edges 0.  Chroma is filtered on edges that lie on its own 8x8
 * grid: luma edges at multiples of 16 in 4:2:0, of 8 in 4:4:4; 4:0:0 has
 * none.  Lossless
 * pictures are not deblocked at all (every CU bypasses transform and
 * quantisation, and 8.7.2.5.7 leaves such samples as they are).
 */
#include "deblock.h"

#include <stdlib.h>

static inline int clip_px(int v, int max) { return v < 0 ? 0 : v > max ? max : v; }

/* One 4-line luma edge segment.  p[i * xs] are the samples going away from
 * the edge on the P side (p0 = p[-xs]...), lines are ls apart. */
static void luma_segment(hevc_pixel *q, ptrdiff_t xs, ptrdiff_t ls, int beta, int tc, int max) {
#define P(i, k) q[(k) * ls - ((i) + 1) * xs]
#define Q(i, k) q[(k) * ls + (i) * xs]
  int dp0 = abs(P(2, 0) - 2 * P(1, 0) + P(0, 0));
  int dp3 = abs(P(2, 3) - 2 * P(1, 3) + P(0, 3));
  int dq0 = abs(Q(2, 0) - 2 * Q(1, 0) + Q(0, 0));
  int dq3 = abs(Q(2, 3) - 2 * Q(1, 3) + Q(0, 3));
  int dpq0 = dp0 + dq0, dpq3 = dp3 + dq3;
  int dp = dp0 + dp3, dq = dq0 + dq3;
  int d = dpq0 + dpq3;
  if (d >= beta) return;
  int dsam0 = 2 * dpq0 < (beta >> 2) && abs(P(3, 0) - P(0, 0)) + abs(Q(0, 0) - Q(3, 0)) < (beta >> 3) &&
              abs(P(0, 0) - Q(0, 0)) < ((5 * tc + 1) >> 1);
  int dsam3 = 2 * dpq3 < (beta >> 2) && abs(P(3, 3) - P(0, 3)) + abs(Q(0, 3) - Q(3, 3)) < (beta >> 3) &&
              abs(P(0, 3) - Q(0, 3)) < ((5 * tc + 1) >> 1);
  int strong = dsam0 && dsam3;
  int dep = dp < ((beta + (beta >> 1)) >> 3);
  int deq = dq < ((beta + (beta >> 1)) >> 3);
  for (int k = 0; k < 4; k++) {
    int p0 = P(0, k), p1 = P(1, k), p2 = P(2, k), p3 = P(3, k);
    int q0 = Q(0, k), q1 = Q(1, k), q2 = Q(2, k), q3 = Q(3, k);
    if (strong) {
      int t2 = 2 * tc;
      P(0, k) = (hevc_pixel)hevc_clip3(p0 - t2, p0 + t2, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3);
      P(1, k) = (hevc_pixel)hevc_clip3(p1 - t2, p1 + t2, (p2 + p1 + p0 + q0 + 2) >> 2);
      P(2, k) = (hevc_pixel)hevc_clip3(p2 - t2, p2 + t2, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3);
      Q(0, k) = (hevc_pixel)hevc_clip3(q0 - t2, q0 + t2, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3);
      Q(1, k) = (hevc_pixel)hevc_clip3(q1 - t2, q1 + t2, (p0 + q0 + q1 + q2 + 2) >> 2);
      Q(2, k) = (hevc_pixel)hevc_clip3(q2 - t2, q2 + t2, (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3);
    } else {
      int delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4;
      if (abs(delta) >= tc * 10) continue;
      delta = hevc_clip3(-tc, tc, delta);
      P(0, k) = (hevc_pixel)clip_px(p0 + delta, max);
      Q(0, k) = (hevc_pixel)clip_px(q0 - delta, max);
      if (dep) {
        int dlt = hevc_clip3(-(tc >> 1), tc >> 1, (((p2 + p0 + 1) >> 1) - p1 + delta) >> 1);
        P(1, k) = (hevc_pixel)clip_px(p1 + dlt, max);
      }
      if (deq) {
        int dlt = hevc_clip3(-(tc >> 1), tc >> 1, (((q2 + q0 + 1) >> 1) - q1 - delta) >> 1);
        Q(1, k) = (hevc_pixel)clip_px(q1 + dlt, max);
      }
    }
  }
#undef P
#undef Q
}

static void chroma_segment(hevc_pixel *q, ptrdiff_t xs, ptrdiff_t ls, int tc, int max) {
  for (int k = 0; k < 4; k++) {
    hevc_pixel *s = q + k * ls;
    int p0 = s[-xs], p1 = s[-2 * xs], q0 = s[0], q1 = s[xs];
    int delta = hevc_clip3(-tc, tc, ((((q0 - p0) * 4) + p1 - q1 + 4) >> 3));
    s[-xs] = (hevc_pixel)clip_px(p0 + delta, max);
    s[0] = (hevc_pixel)clip_px(q0 - delta, max);
  }
}

static void luma_params(const hevc_encoder *e, int qp_p, int qp_q, int *beta, int *tc) {
  int qpl = (qp_q + qp_p + 1) >> 1;
  int sh = e->bit_depth - 8;
  *beta = hevc_beta_table[hevc_clip3(0, 51, qpl)] << sh;
  *tc = hevc_tc_table[hevc_clip3(0, 53, qpl + 2)] << sh; /* bS 2: + 2 * (bS - 1) */
}

static int chroma_tc(const hevc_encoder *e, int qp_p, int qp_q) {
  /* Table 8-10 in 4:2:0, Min(qPi, 51) in 4:2:2 and 4:4:4 (8.7.2.5.5) */
  int qpc = hevc_qpc(e, ((qp_q + qp_p + 1) >> 1) + e->cfg.chroma_qp_offset);
  return hevc_tc_table[hevc_clip3(0, 53, qpc + 2)] << (e->bit_depth - 8);
}

/* Filters the edge segment starting at luma (x, y); vertical: edge at
 * x between columns x-1 and x, else between rows y-1 and y. */
static void edge_luma(hevc_encoder *e, int x, int y, int vertical) {
  const hevc_unit *uq = hevc_unit_at(e, x, y);
  const hevc_unit *up = vertical ? hevc_unit_at(e, x - 1, y) : hevc_unit_at(e, x, y - 1);
  int beta, tc;
  luma_params(e, up->qp, uq->qp, &beta, &tc);
  if (!tc && !beta) return;
  ptrdiff_t st = e->stride[0];
  hevc_pixel *q = hevc_dbk_at(e, 0, x, y);
  luma_segment(q, vertical ? 1 : st, vertical ? st : 1, beta, tc, (1 << e->bit_depth) - 1);
}

static void edge_chroma(hevc_encoder *e, int x, int y, int vertical) {
  const hevc_unit *uq = hevc_unit_at(e, x, y);
  const hevc_unit *up = vertical ? hevc_unit_at(e, x - 1, y) : hevc_unit_at(e, x, y - 1);
  int tc = chroma_tc(e, up->qp, uq->qp);
  if (!tc) return;
  for (int c = 1; c < 3; c++) {
    ptrdiff_t st = e->stride[c];
    hevc_pixel *q = hevc_dbk_at(e, c, x >> e->csx, y >> e->csy);
    chroma_segment(q, vertical ? 1 : st, vertical ? st : 1, tc, (1 << e->bit_depth) - 1);
  }
}

void hevc_deblock_row(hevc_encoder *e, int row) {
  int y0 = row << e->ctu_log2;
  int y1 = y0 + e->ctu_size;
  if (y1 > e->coded_h) y1 = e->coded_h;
  /* vertical edges of the row */
  for (int y = y0; y < y1; y += 4)
    for (int x = 8; x < e->coded_w; x += 8) {
      if (!(hevc_unit_at(e, x, y)->edges & HEVC_EDGE_LEFT)) continue;
      edge_luma(e, x, y, 1);
      /* chroma edges lie on the 8-sample chroma grid; segments are 4
       * chroma lines long (8 luma lines in 4:2:0) */
      if (e->ncomp > 1 && (x & ((8 << e->csx) - 1)) == 0 && (y & ((4 << e->csy) - 1)) == 0)
        edge_chroma(e, x, y, 1);
    }
  /* horizontal edges: the row's top boundary and those inside it */
  for (int y = y0 > 0 ? y0 : 8; y < y1; y += 8)
    for (int x = 0; x < e->coded_w; x += 4) {
      if (!(hevc_unit_at(e, x, y)->edges & HEVC_EDGE_TOP)) continue;
      edge_luma(e, x, y, 0);
      if (e->ncomp > 1 && (y & ((8 << e->csy) - 1)) == 0 && (x & ((4 << e->csx) - 1)) == 0)
        edge_chroma(e, x, y, 0);
    }
}
