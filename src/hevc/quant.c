/*
 * Quantisation with sign data hiding.  SPDX-License-Identifier: BSD-2-Clause
 */
#include <stddef.h>
#include <stdlib.h>

#include "quant.h"
#include "tables.h"

int hevc_quantize(const int32_t *coef, int16_t *level, ptrdiff_t ls, int log2, int qp,
                  int bit_depth, int scan_idx, int sign_hiding) {
  int n = 1 << log2;
  int tshift = 15 - bit_depth - log2;
  int qbits = 14 + qp / 6 + tshift;
  int64_t scale = hevc_quant_scale[qp % 6];
  /* Rounding offset 1/3 of a step (typical for intra); the part that was
   * rounded away is kept in delta (in 1/256 step) for sign hiding. */
  int64_t add = (int64_t)171 << (qbits - 9);
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
    int first = 16, last = -1, sum = 0;
    for (int p = 0; p < 16; p++) {
      int x = xs + (ps[p] & 15), y = ys + (ps[p] >> 4);
      int v = level[y * ls + x];
      if (v) {
        if (first == 16) first = p;
        last = p;
        sum += abs(v);
      }
    }
    if (last - first < 4) continue;
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
          if (change == -1 && p == first && abs(v) == 1) continue;
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
    /* Whatever happened above, make the hidden sign what a decoder infers
     * from the final levels, so that reconstruction matches the decoder. */
    first = 16;
    last = -1;
    sum = 0;
    for (int p = 0; p < 16; p++) {
      int x = xs + (ps[p] & 15), y = ys + (ps[p] >> 4);
      int v = level[y * ls + x];
      if (v) {
        if (first == 16) first = p;
        last = p;
        sum += abs(v);
      }
    }
    if (last - first >= 4) {
      int x = xs + (ps[first] & 15), y = ys + (ps[first] >> 4);
      int a = abs(level[y * ls + x]);
      level[y * ls + x] = (int16_t)((sum & 1) ? -a : a);
    }
  }
  nz = 0;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) nz += level[y * ls + x] != 0;
  return nz;
}

void hevc_dequantize(const int16_t *level, ptrdiff_t ls, int32_t *coef, int log2, int qp,
                     int bit_depth) {
  int n = 1 << log2;
  int bd_shift = bit_depth + log2 - 5;
  int64_t scale = (int64_t)16 * hevc_level_scale[qp % 6] << (qp / 6);
  int64_t add = (int64_t)1 << (bd_shift - 1);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int64_t v = ((int64_t)level[y * ls + x] * scale + add) >> bd_shift;
      coef[y * n + x] = (int32_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
    }
}
