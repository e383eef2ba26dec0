/*
 * Intra reference samples and MPM derivation.  SPDX-License-Identifier: BSD-2-Clause
 */
#include <string.h>

#include "intra.h"

void hevc_intra_refs(const hevc_encoder *e, int c, int xc, int yc, int log2, int cur_x,
                     int cur_y, hevc_refs *r) {
  int n = 1 << log2, n2 = 2 * n;
  int sx = hevc_shx(e, c), sy = hevc_shy(e, c);
  /* samples of this plane along one 4x4 luma unit, across and down */
  int gx = 4 >> sx, gy = 4 >> sy;
  int nul = n2 / gy, nut = n2 / gx; /* units along the left column, the top row */
  uint32_t cur = hevc_zkey(e, cur_x, cur_y);
  int pw = e->pw[c], ph = e->ph[c];
  hevc_pixel *left = r->left, *top = r->top;
  /* The linear order of 8.4.4.2.2 runs from p[-1][2N-1] up to p[-1][-1],
   * then p[0][-1] to p[2N-1][-1]: left[2N] .. left[1], the corner, top[1]
   * .. top[2N].  Availability is a property of the 4x4 luma unit, and
   * blocks are aligned to units, so it is decided, and substituted, once
   * per unit, directly in the output arrays. */
  /* left: bottom up, as in the linear order; zeroed only to quiet GCC -O2 (every entry
   * read is written first) */
  uint8_t ok_left[32] = {0}, ok_top[32] = {0};
  int any = 0;
  int xl = xc - 1;
  for (int m = 0; m < nul; m++) {
    int y = yc + n2 - 1 - m * gy; /* the unit's lowest sample */
    int ok = xl >= 0 && y < ph && hevc_zkey(e, xl << sx, y << sy) < cur;
    ok_left[m] = (uint8_t)ok;
    if (ok) {
      const hevc_pixel *p = hevc_recon_at(e, c, xl, y);
      ptrdiff_t st = e->stride[c];
      for (int k = 0; k < gy; k++) left[n2 - m * gy - k] = p[-(ptrdiff_t)k * st];
    }
    any |= ok;
  }
  int ok_corner = xl >= 0 && yc > 0 && hevc_zkey(e, xl << sx, (yc - 1) << sy) < cur;
  if (ok_corner) left[0] = *hevc_recon_at(e, c, xl, yc - 1);
  any |= ok_corner;
  for (int m = 0; m < nut; m++) {
    int x = xc + m * gx;
    int ok = yc > 0 && x < pw && hevc_zkey(e, x << sx, (yc - 1) << sy) < cur;
    ok_top[m] = (uint8_t)ok;
    if (ok) memcpy(&top[1 + m * gx], hevc_recon_at(e, c, x, yc - 1), (size_t)gx * sizeof(hevc_pixel));
    any |= ok;
  }
  if (!any) {
    hevc_pixel mid = (hevc_pixel)(1 << (e->bit_depth - 1));
    for (int i = 0; i <= n2; i++) left[i] = top[i] = mid;
    return;
  }
  /* prev: the last sample so far in the linear order; before the first
   * available one, that one's value */
  hevc_pixel prev = 0;
  if (!ok_left[0]) {
    int m = 0;
    while (m < nul && !ok_left[m]) m++;
    if (m < nul) {
      prev = left[n2 - m * gy];
    } else if (ok_corner) {
      prev = left[0];
    } else {
      m = 0;
      while (!ok_top[m]) m++;
      prev = top[1 + m * gx];
    }
  }
  for (int m = 0; m < nul; m++) {
    if (ok_left[m])
      prev = left[n2 - m * gy - (gy - 1)];
    else
      for (int k = 0; k < gy; k++) left[n2 - m * gy - k] = prev;
  }
  if (ok_corner)
    prev = left[0];
  else
    left[0] = prev;
  top[0] = left[0];
  for (int m = 0; m < nut; m++) {
    if (ok_top[m])
      prev = top[m * gx + gx];
    else
      for (int k = 0; k < gx; k++) top[1 + m * gx + k] = prev;
  }
}

int hevc_intra_filter_flag(int mode, int log2) {
  if (mode == 1 || log2 == 2) return 0;
  int d1 = mode > 26 ? mode - 26 : 26 - mode;
  int d2 = mode > 10 ? mode - 10 : 10 - mode;
  int dist = d1 < d2 ? d1 : d2;
  int thres = log2 == 3 ? 7 : log2 == 4 ? 1 : 0;
  return dist > thres;
}

void hevc_intra_filter(const hevc_refs *r, int log2, int strong_enabled, int bit_depth,
                       hevc_refs *f) {
  int n = 1 << log2, n2 = 2 * n;
  const hevc_pixel *t = r->top, *l = r->left;
  if (strong_enabled && log2 == 5) {
    int thr = 1 << (bit_depth - 5);
    int a = t[0] + t[n2] - 2 * t[n];
    int b = l[0] + l[n2] - 2 * l[n];
    if ((a < 0 ? -a : a) < thr && (b < 0 ? -b : b) < thr) {
      f->top[0] = f->left[0] = t[0];
      for (int i = 0; i < n2 - 1; i++) {
        f->top[1 + i] = (hevc_pixel)(((63 - i) * t[0] + (i + 1) * t[n2] + 32) >> 6);
        f->left[1 + i] = (hevc_pixel)(((63 - i) * l[0] + (i + 1) * l[n2] + 32) >> 6);
      }
      f->top[n2] = t[n2];
      f->left[n2] = l[n2];
      return;
    }
  }
  f->top[0] = f->left[0] = (hevc_pixel)((l[1] + 2 * t[0] + t[1] + 2) >> 2);
  for (int i = 1; i < n2; i++) {
    f->top[i] = (hevc_pixel)((t[i - 1] + 2 * t[i] + t[i + 1] + 2) >> 2);
    f->left[i] = (hevc_pixel)((l[i - 1] + 2 * l[i] + l[i + 1] + 2) >> 2);
  }
  f->top[n2] = t[n2];
  f->left[n2] = l[n2];
}

void hevc_intra_predict_ex(const hevc_dsp *dsp, const hevc_refs *r, int c, int log2, int mode,
                           int bit_depth, int no_boundary, hevc_pixel *dst, ptrdiff_t stride) {
  int edge = c == 0 && log2 < 5;
  if (mode == 0)
    dsp->pred_planar(dst, stride, r->top, r->left, log2);
  else if (mode == 1)
    dsp->pred_dc(dst, stride, r->top, r->left, log2, edge);
  else
    dsp->pred_angular(dst, stride, r->top, r->left, log2, mode, edge && !no_boundary, bit_depth);
}

void hevc_intra_predict(const hevc_dsp *dsp, const hevc_refs *r, int c, int log2, int mode,
                        int bit_depth, hevc_pixel *dst, ptrdiff_t stride) {
  hevc_intra_predict_ex(dsp, r, c, log2, mode, bit_depth, 0, dst, stride);
}

/* Luma mode of a neighbouring PU for the MPM list: DC when unavailable (the
 * above neighbour also when it lies in the CTU row above, 8.4.2). */
static int neighbour_mode(const hevc_encoder *e, const hevc_ctu *ctu, int x, int y, int cx,
                          int cy, int above) {
  if (x < 0 || y < 0) return 1;
  if (above && (y >> e->ctu_log2) != (cy >> e->ctu_log2)) return 1;
  if (hevc_zkey(e, x, y) >= hevc_zkey(e, cx, cy)) return 1;
  if (hevc_in_ctu(ctu, e->ctu_size, x, y)) return ctu->luma_mode[hevc_uidx(ctu, x, y)];
  return hevc_unit_at(e, x, y)->luma_mode;
}

void hevc_mpm(const hevc_encoder *e, const hevc_ctu *ctu, int x, int y, int cand[3]) {
  int a = neighbour_mode(e, ctu, x - 1, y, x, y, 0);
  int b = neighbour_mode(e, ctu, x, y - 1, x, y, 1);
  if (a == b) {
    if (a < 2) {
      cand[0] = 0;
      cand[1] = 1;
      cand[2] = 26;
    } else {
      cand[0] = a;
      cand[1] = 2 + ((a + 29) % 32);
      cand[2] = 2 + ((a - 2 + 1) % 32);
    }
  } else {
    cand[0] = a;
    cand[1] = b;
    if (a != 0 && b != 0)
      cand[2] = 0;
    else if (a != 1 && b != 1)
      cand[2] = 1;
    else
      cand[2] = 26;
  }
}
