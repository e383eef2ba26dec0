/*
 * Unit test: transforms and quantisation.  The kernels (even/odd
 * decomposition) must equal the plain matrix products of 8.6.4.2 with its
 * rounding and clipping, and forward + quantise + scale + inverse at the
 * finest step must return the residual within rounding.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>

#include "hevc/cabac.h"
#include "hevc/dsp/dsp.h"
#include "hevc/quant.h"
#include "hevc/tables.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

static int64_t clip16(int64_t v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

/* transMatrix entry: basis k of the N-point transform at sample i */
static int tm(int log2, int dst, int k, int i) {
  return dst ? hevc_dst4[k][i] : hevc_dct32[k * (32 >> log2)][i];
}

static void inv_ref(const int32_t *d, int16_t *r, int log2, int dst, int bd) {
  int n = 1 << log2;
  int64_t g[32][32];
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++) {
      int64_t e = 0;
      for (int k = 0; k < n; k++) e += (int64_t)tm(log2, dst, k, y) * d[k * n + x];
      g[x][y] = clip16((e + 64) >> 7);
    }
  int sh = 20 - bd;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int64_t s = 0;
      for (int k = 0; k < n; k++) s += (int64_t)tm(log2, dst, k, x) * g[k][y];
      r[y * n + x] = (int16_t)((s + (1 << (sh - 1))) >> sh);
    }
}

static void fwd_ref(const int16_t *res, int32_t *c, int log2, int dst, int bd) {
  int n = 1 << log2, s1 = log2 + bd - 9, s2 = log2 + 6;
  int64_t t[32][32];
  for (int k = 0; k < n; k++)
    for (int x = 0; x < n; x++) {
      int64_t s = 0;
      for (int y = 0; y < n; y++) s += (int64_t)tm(log2, dst, k, y) * res[y * n + x];
      t[k][x] = (s + (1 << (s1 - 1))) >> s1;
    }
  for (int k = 0; k < n; k++)
    for (int l = 0; l < n; l++) {
      int64_t s = 0;
      for (int x = 0; x < n; x++) s += (int64_t)tm(log2, dst, l, x) * t[k][x];
      c[k * n + l] = (int32_t)clip16((s + (1 << (s2 - 1))) >> s2);
    }
}

/* 1 when every sub-block that hides a sign carries it in its parity. */
static int parity_ok(const int16_t *lev, int n, int log2, int scan) {
  int nsb = n / 4, ok = 1;
  for (int s = 0; s < nsb * nsb; s++) {
    int xs = (hevc_scan_pos[log2 - 2][scan][s] & 15) * 4;
    int ys = (hevc_scan_pos[log2 - 2][scan][s] >> 4) * 4;
    int first = -1, last = -1, sum = 0, fv = 0;
    for (int p = 0; p < 16; p++) {
      int v = lev[(ys + (hevc_scan_pos[2][scan][p] >> 4)) * n + xs + (hevc_scan_pos[2][scan][p] & 15)];
      if (v) {
        if (first < 0) {
          first = p;
          fv = v;
        }
        last = p;
        sum += abs(v);
      }
    }
    if (first >= 0 && last - first > 3) ok &= (fv < 0) == (sum & 1);
  }
  return ok;
}

/* RDOQ: with lambda 0 it is plain rounding to the nearest level; with any
 * lambda each level is the nearest one, the one below it, or zero (one more
 * step of freedom for sign hiding), signs follow the coefficients except
 * hidden ones, the parity rule holds, and a huge lambda empties the block. */
static void test_rdoq(void) {
  static hevc_rdoq_scratch scratch;
  hevc_contexts ctx;
  for (int t = 0; t < 3000; t++) {
    int log2 = 2 + t % 4, n = 1 << log2, scan = log2 > 3 ? 0 : (t / 4) % 3;
    /* Qp' = QpY + 6 (BitDepth - 8): at 12 bits QpY 0..51 gives 24..75,
     * where the distortion weights pass 2^62 (below 24 a step is less
     * than one coefficient unit, and the +-1 of sign hiding can meet a
     * level RDOQ zeroed far from the nearest one) */
    int bd = t % 5 == 0 ? 10 : t % 5 == 1 ? 12 : 8, c = (t / 3) % 3;
    int qp = bd == 12 ? 24 + (t * 7) % 52 : 4 + (t * 7) % 44;
    hevc_contexts_init(&ctx, qp);
    int32_t coef[1024];
    int16_t lev[1024];
    int sparse = t % 7;
    for (int i = 0; i < n * n; i++)
      coef[i] = sparse && rand() % sparse ? 0 : (rand() % 4001 - 2000) / (1 + i % 5);
    int tshift = 15 - bd - log2, qbits = 14 + qp / 6 + tshift;
    int64_t scale = hevc_quant_scale[qp % 6];
    /* the search's lambda: that of QpY, scaled to the bit depth */
    int qy = qp - 6 * (bd - 8);
    qy = qy < 0 ? 0 : qy > 57 ? 57 : qy;
    int64_t lambda = t % 11 == 0   ? 0
                     : t % 11 == 1 ? (int64_t)1 << 40
                                   : (int64_t)hevc_lambda_q8[qy] << (2 * (bd - 8));
    int sh = (t / 2) % 2;
    hevc_bin_rates rates;
    hevc_bin_rates_init(&rates, &ctx);
    int cbf_ctx = c ? HEVC_CTX_CBF_CHROMA : HEVC_CTX_CBF_LUMA + 1;
    hevc_rdoq_param rp = {&rates, lambda, c, {rates.b[cbf_ctx][0], rates.b[cbf_ctx][1]},
                          &scratch, NULL};
    int nz = hevc_quantize_rdoq(coef, lev, n, log2, qp, bd, scan, sh, &rp);
    int cnt = 0, ok = 1;
    for (int i = 0; i < n * n; i++) {
      int64_t a = (int64_t)abs(coef[i]) * scale;
      int lmax = (int)((a + ((int64_t)1 << (qbits - 1))) >> qbits);
      int l = abs(lev[i]);
      cnt += l != 0;
      /* (RDOQ weighs errors in 1/256 level: within that of the half way
       * the two levels tie, and the lower one may stay) */
      int tie = lmax > 0 && a - ((int64_t)(lmax - 1) << qbits) - ((int64_t)1 << (qbits - 1)) <
                                ((int64_t)1 << (qbits - 8));
      if (lambda == 0 && !sh) ok &= l == lmax || (tie && l == lmax - 1);
      ok &= l == 0 || (l >= lmax - 1 - sh && l <= lmax + sh);
      if (l && coef[i] && !sh) ok &= (lev[i] < 0) == (coef[i] < 0);
    }
    if (!ok) fprintf(stderr, "rdoq case %d: bd %d qp %d log2 %d lambda %lld sh %d\n", t, bd, qp, log2,
                     (long long)lambda, sh);
    CHECK(ok);
    CHECK(cnt == nz);
    if (lambda == (int64_t)1 << 40) CHECK(nz == 0);
    if (sh) CHECK(parity_ok(lev, n, log2, scan));
  }
}

int main(void) {
  hevc_dsp dsp;
  srand(3);
  /* the matrix rows printed in the standard for the smaller sizes */
  static const int row8_1[8] = {89, 75, 50, 18, -18, -50, -75, -89};
  static const int row16_1[8] = {90, 87, 80, 70, 57, 43, 25, 9};
  for (int i = 0; i < 8; i++) CHECK(tm(3, 0, 1, i) == row8_1[i] && tm(4, 0, 1, i) == row16_1[i]);
  CHECK(tm(2, 0, 1, 0) == 83 && tm(2, 0, 1, 1) == 36 && tm(2, 0, 3, 3) == -36);
  /* orthogonality of the integer basis (to within the design tolerance) */
  for (int k = 0; k < 32; k++)
    for (int l = 0; l < 32; l++) {
      long s = 0;
      for (int i = 0; i < 32; i++) s += hevc_dct32[k][i] * hevc_dct32[l][i];
      if (k == l)
        CHECK(s > 131072 - 400 && s < 131072 + 400);
      else
        CHECK(s > -400 && s < 400);
    }
  for (int bd = 8; bd <= 12; bd += 2)
    for (int log2 = 2; log2 <= 5; log2++)
      for (int dst = 0; dst <= (log2 == 2); dst++)
        for (int t = 0; t < 300; t++) {
          hevc_dsp_init(&dsp, bd);
          int n = 1 << log2, max = (1 << bd) - 1;
          int16_t res[1024], r1[1024], r2[1024];
          int32_t c1[1024], c2[1024], d[1024];
          for (int i = 0; i < n * n; i++)
            res[i] = (int16_t)(t % 3 == 0 ? (rand() % 2 ? max : -max) : rand() % (2 * max + 1) - max);
          fwd_ref(res, c1, log2, dst, bd);
          if (dst)
            dsp.fwd_dst(res, n, c2, bd);
          else
            dsp.fwd[log2 - 2](res, n, c2, bd);
          int same = 1;
          for (int i = 0; i < n * n; i++) same &= c1[i] == c2[i];
          CHECK(same);
          /* inverse on arbitrary (also extreme and sparse) coefficients */
          for (int i = 0; i < n * n; i++) {
            int v = t % 4 == 0 ? (rand() % 2 ? 32767 : -32768) : rand() % 65536 - 32768;
            d[i] = (t % 4 == 1 && (i % n > 2 || i / n > 3)) ? 0 : v;
          }
          inv_ref(d, r1, log2, dst, bd);
          if (dst)
            dsp.inv_dst(d, r2, bd);
          else
            dsp.inv[log2 - 2](d, r2, bd);
          same = 1;
          for (int i = 0; i < n * n; i++) same &= r1[i] == r2[i];
          CHECK(same);
          /* round trip at QP' 4 (quantisation step 1), on residuals of 1/8 of
           * the range: strong full-range noise drives the normative 16-bit
           * intermediate of the inverse transform into clipping */
          for (int i = 0; i < n * n; i++) res[i] = (int16_t)(res[i] / 8);
          if (dst)
            dsp.fwd_dst(res, n, c2, bd);
          else
            dsp.fwd[log2 - 2](res, n, c2, bd);
          int16_t lev[1024];
          hevc_quantize(c2, lev, n, log2, 4, bd, 0, 0);
          hevc_dequantize(lev, n, d, log2, 4, bd);
          if (dst)
            dsp.inv_dst(d, r2, bd);
          else
            dsp.inv[log2 - 2](d, r2, bd);
          /* the quantiser's dead zone keeps this from being lossless, but
           * the error must stay at the size of the step */
          long err = 0;
          for (int i = 0; i < n * n; i++) err += abs(r2[i] - res[i]);
          /* above 10 bits the 16-bit coefficients (no extended precision)
           * hold a residual in steps of 2^(BitDepth + log2 - 15) samples:
           * a 32x32 block's in steps of 4 at 12 bits */
          long bound = bd > 10 ? 4 : 2;
          if (err > bound * n * n) {
            fprintf(stderr, "round trip bd %d size %d dst %d: mean error %.2f\n", bd, n, dst,
                    (double)err / (n * n));
            failures++;
          }
        }
  /* sign hiding: the levels always satisfy the parity rule */
  for (int t = 0; t < 2000; t++) {
    int log2 = 2 + t % 4, n = 1 << log2, scan = t % 3;
    if (log2 > 3) scan = 0;
    int32_t c[1024];
    int16_t lev[1024];
    for (int i = 0; i < n * n; i++) c[i] = rand() % 3 ? 0 : rand() % 2001 - 1000;
    hevc_quantize(c, lev, n, log2, 4 + t % 40, 8, scan, 1);
    int nsb = n / 4;
    for (int s = 0; s < nsb * nsb; s++) {
      int xs = (hevc_scan_pos[log2 - 2][scan][s] & 15) * 4;
      int ys = (hevc_scan_pos[log2 - 2][scan][s] >> 4) * 4;
      int first = -1, last = -1, sum = 0;
      for (int p = 0; p < 16; p++) {
        int v = lev[(ys + (hevc_scan_pos[2][scan][p] >> 4)) * n + xs + (hevc_scan_pos[2][scan][p] & 15)];
        if (v) {
          if (first < 0) first = p;
          last = p;
          sum += abs(v);
        }
      }
      if (first >= 0 && last - first > 3) {
        int v = lev[(ys + (hevc_scan_pos[2][scan][first] >> 4)) * n + xs +
                    (hevc_scan_pos[2][scan][first] & 15)];
        CHECK((v < 0) == (sum & 1));
      }
    }
  }
  test_rdoq();
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
