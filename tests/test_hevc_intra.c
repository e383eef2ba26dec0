/*
 * Unit test: intra prediction.  Every mode at every size, for luma and
 * chroma, against a direct evaluation of the formulas of 8.4.4.2.6 written
 * with the standard's p[x][y] indexing; and the reference smoothing filters
 * against 8.4.4.2.3.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>

#include "hevc/intra.h"
#include "hevc/tables.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

static const hevc_refs *R;
/* p[x][y] of the standard: x = -1 column or y = -1 row */
static int p(int x, int y) { return y < 0 ? R->top[x + 1] : R->left[y + 1]; }
static int clip1(int v, int bd) { return v < 0 ? 0 : v > (1 << bd) - 1 ? (1 << bd) - 1 : v; }

static int pred_ref(int mode, int n, int x, int y, int cidx, int bd) {
  int log2 = 0;
  while ((1 << log2) < n) log2++;
  if (mode == 0)
    return ((n - 1 - x) * p(-1, y) + (x + 1) * p(n, -1) + (n - 1 - y) * p(x, -1) +
            (y + 1) * p(-1, n) + n) >> (log2 + 1);
  if (mode == 1) {
    int s = n;
    for (int i = 0; i < n; i++) s += p(i, -1) + p(-1, i);
    int dc = s >> (log2 + 1);
    if (cidx == 0 && n < 32) {
      if (x == 0 && y == 0) return (p(-1, 0) + 2 * dc + p(0, -1) + 2) >> 2;
      if (y == 0) return (p(x, -1) + 3 * dc + 2) >> 2;
      if (x == 0) return (p(-1, y) + 3 * dc + 2) >> 2;
    }
    return dc;
  }
  int angle = hevc_intra_angle[mode];
  int ref[3 * 64 + 1];
  int *r = ref + 64;
  if (mode >= 18) {
    for (int i = 0; i <= n; i++) r[i] = p(-1 + i, -1);
    if (angle < 0) {
      if (((n * angle) >> 5) < -1)
        for (int i = (n * angle) >> 5; i <= -1; i++)
          r[i] = p(-1, -1 + ((i * hevc_intra_inv_angle[mode] + 128) >> 8));
    } else {
      for (int i = n + 1; i <= 2 * n; i++) r[i] = p(-1 + i, -1);
    }
    int idx = ((y + 1) * angle) >> 5, f = ((y + 1) * angle) & 31;
    int v = f ? ((32 - f) * r[x + idx + 1] + f * r[x + idx + 2] + 16) >> 5 : r[x + idx + 1];
    if (mode == 26 && cidx == 0 && n < 32 && x == 0) v = clip1(p(x, -1) + ((p(-1, y) - p(-1, -1)) >> 1), bd);
    return v;
  }
  for (int i = 0; i <= n; i++) r[i] = p(-1, -1 + i);
  if (angle < 0) {
    if (((n * angle) >> 5) < -1)
      for (int i = (n * angle) >> 5; i <= -1; i++)
        r[i] = p(-1 + ((i * hevc_intra_inv_angle[mode] + 128) >> 8), -1);
  } else {
    for (int i = n + 1; i <= 2 * n; i++) r[i] = p(-1, -1 + i);
  }
  int idx = ((x + 1) * angle) >> 5, f = ((x + 1) * angle) & 31;
  int v = f ? ((32 - f) * r[y + idx + 1] + f * r[y + idx + 2] + 16) >> 5 : r[y + idx + 1];
  if (mode == 10 && cidx == 0 && n < 32 && y == 0) v = clip1(p(-1, y) + ((p(x, -1) - p(-1, -1)) >> 1), bd);
  return v;
}

int main(void) {
  hevc_dsp dsp;
  srand(5);
  for (int bd = 8; bd <= 12; bd += 2)
    for (int log2 = 2; log2 <= 5; log2++)
      for (int t = 0; t < 40; t++) {
        hevc_dsp_init(&dsp, bd);
        int n = 1 << log2, max = (1 << bd) - 1;
        hevc_refs refs;
        /* random, smooth and flat-with-steps references */
        for (int i = 0; i <= 2 * n; i++) {
          int a = t % 3 == 0 ? rand() % (max + 1) : t % 3 == 1 ? (i * max) / (2 * n) : (i > n ? max : 0);
          int b = t % 3 == 0 ? rand() % (max + 1) : t % 3 == 1 ? max - (i * max) / (2 * n) : (i & 4 ? max / 3 : 2);
          refs.top[i] = (hevc_pixel)a;
          refs.left[i] = (hevc_pixel)b;
        }
        refs.left[0] = refs.top[0];
        R = &refs;
        for (int cidx = 0; cidx < 2; cidx++)
          for (int mode = 0; mode < 35; mode++) {
            hevc_pixel out[32 * 32];
            hevc_intra_predict(&dsp, &refs, cidx, log2, mode, bd, out, n);
            int bad = 0;
            for (int y = 0; y < n && !bad; y++)
              for (int x = 0; x < n && !bad; x++)
                if (out[y * n + x] != pred_ref(mode, n, x, y, cidx, bd)) {
                  fprintf(stderr, "bd %d n %d c %d mode %d: (%d,%d) %d != %d\n", bd, n, cidx, mode, x, y,
                          out[y * n + x], pred_ref(mode, n, x, y, cidx, bd));
                  bad = 1;
                }
            CHECK(!bad);
          }
        /* smoothing */
        hevc_refs f;
        hevc_intra_filter(&refs, log2, 1, bd, &f);
        int n2 = 2 * n;
        int strong = 0;
        if (log2 == 5) {
          int a = refs.top[0] + refs.top[n2] - 2 * refs.top[n];
          int b = refs.left[0] + refs.left[n2] - 2 * refs.left[n];
          strong = abs(a) < (1 << (bd - 5)) && abs(b) < (1 << (bd - 5));
        }
        for (int i = 0; i < n2 - 1; i++) {
          int et, el;
          if (strong) {
            et = ((63 - i) * p(-1, -1) + (i + 1) * p(63, -1) + 32) >> 6;
            el = ((63 - i) * p(-1, -1) + (i + 1) * p(-1, 63) + 32) >> 6;
          } else {
            et = (p(i + 1, -1) + 2 * p(i, -1) + p(i - 1, -1) + 2) >> 2;
            el = (p(-1, i + 1) + 2 * p(-1, i) + p(-1, i - 1) + 2) >> 2;
          }
          CHECK(f.top[1 + i] == et && f.left[1 + i] == el);
        }
        CHECK(f.top[n2] == refs.top[n2] && f.left[n2] == refs.left[n2]);
        CHECK(f.top[0] == (strong ? refs.top[0] : (p(-1, 0) + 2 * p(-1, -1) + p(0, -1) + 2) >> 2));
      }
  /* filter decision table (8.4.4.2.3): planar and the diagonals at 8x8, more at larger sizes */
  CHECK(!hevc_intra_filter_flag(0, 2) && hevc_intra_filter_flag(0, 3) && !hevc_intra_filter_flag(1, 4));
  CHECK(hevc_intra_filter_flag(2, 3) && !hevc_intra_filter_flag(3, 3) && hevc_intra_filter_flag(18, 3));
  CHECK(!hevc_intra_filter_flag(10, 5) && hevc_intra_filter_flag(11, 5) && !hevc_intra_filter_flag(11, 4));
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
