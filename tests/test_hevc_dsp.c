/*
 * Kernel test: every SIMD kernel the CPU can run against its C version, on
 * random and extreme inputs (random strides, full-range samples at 8 and 10
 * bits - and 12 for the kernels a 12-bit table keeps -, maximal residuals, full-range and sparse coefficients, all sizes,
 * all 35 intra modes with and without the edge filters).  Any difference
 * fails.  Bytes around each output are checked too, so a kernel that writes
 * outside its block fails as well.
 *
 *   test_hevc_dsp [--seed N] [--iter N]   compare (exit 77: no SIMD tier)
 *   test_hevc_dsp --bench                 ns per call, C against SIMD
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hevc/dsp/dsp.h"
#if defined(__x86_64__) || defined(__i386__)
#include "hevc/dsp/x86/dsp_x86.h"
#endif

/* ---- a small seeded generator (rand() differs between libcs) ------------ */
static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}
static int rnd_range(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }

static int failures;
static const char *tier_name;

/* The bit depths the cases cycle through: 8 and 10, and 12 when testing a
 * table limited to what is exact at 12 bits (hevc_dsp_limit_depth). */
static int depth_count = 2;
static int test_depth(int it) {
  static const int depths[3] = {8, 10, 12};
  return depths[it % depth_count];
}

#define FAIL(...)                                       \
  do {                                                  \
    fprintf(stderr, "FAIL [%s] ", tier_name);           \
    fprintf(stderr, __VA_ARGS__);                       \
    fputc('\n', stderr);                                \
    failures++;                                         \
  } while (0)

/* Sample patterns: the extremes are what overflows a too-narrow lane. */
enum { PAT_RANDOM, PAT_MAX_VS_ZERO, PAT_BINARY, PAT_SMOOTH, PAT_COUNT };

static int sample(int pat, int bd, int i, int which) {
  int max = (1 << bd) - 1;
  switch (pat) {
    case PAT_MAX_VS_ZERO: return which ? 0 : max;
    case PAT_BINARY: return rnd() & 1 ? max : 0;
    case PAT_SMOOTH: return (i * 7 + which * 300) % (max + 1);
    default: return rnd_range(0, max);
  }
}

/* ---- distortion -------------------------------------------------------- */
#define PLANE (96 * 40)

static void test_distortion(const hevc_dsp *c, const hevc_dsp *s, int iters) {
  static hevc_pixel a[PLANE], b[PLANE];
  for (int t = 0; t < 4; t++) {
    int n = 4 << t;
    if (s->satd[t] == c->satd[t] && s->sse[t] == c->sse[t]) {
      printf("  satd/sse %dx%d: no SIMD version, skipped\n", n, n);
      continue;
    }
    int bad_satd = 0, bad_sse = 0;
    for (int it = 0; it < iters; it++) {
      int bd = test_depth(it);
      int pat = (it >> 1) % PAT_COUNT;
      ptrdiff_t sa = rnd_range(n, 96), sb = rnd_range(n, 96);
      int oa = rnd_range(0, 7), ob = rnd_range(0, 7); /* any alignment */
      for (int i = 0; i < PLANE; i++) {
        a[i] = (hevc_pixel)sample(pat, bd, i, 0);
        b[i] = (hevc_pixel)sample(pat, bd, i, 1);
      }
      if (it % 7 == 3) /* the sign of the difference flipped */
        for (int i = 0; i < PLANE; i++) {
          hevc_pixel x = a[i];
          a[i] = b[i];
          b[i] = x;
        }
      if (s->satd[t] != c->satd[t]) {
        uint32_t r0 = c->satd[t](a + oa, sa, b + ob, sb), r1 = s->satd[t](a + oa, sa, b + ob, sb);
        if (r0 != r1 && bad_satd++ < 5)
          FAIL("satd %dx%d bd %d pattern %d strides %td/%td: C %u SIMD %u", n, n, bd, pat, sa, sb,
               r0, r1);
      }
      if (s->sse[t] != c->sse[t]) {
        uint64_t r0 = c->sse[t](a + oa, sa, b + ob, sb), r1 = s->sse[t](a + oa, sa, b + ob, sb);
        if (r0 != r1 && bad_sse++ < 5)
          FAIL("sse %dx%d bd %d pattern %d: C %llu SIMD %llu", n, n, bd, pat,
               (unsigned long long)r0, (unsigned long long)r1);
      }
    }
    printf("  satd/sse %dx%d: %d cases\n", n, n, iters);
  }
}

/* ---- transforms -------------------------------------------------------- */
static void fill_residual(int16_t *res, int count, int bd, int it) {
  int max = (1 << bd) - 1;
  for (int i = 0; i < count; i++) switch (it % 5) {
      case 0: res[i] = (int16_t)(rnd() & 1 ? max : -max); break;
      case 1: res[i] = (int16_t)max; break;
      case 2: res[i] = (int16_t)-max; break;
      case 3: res[i] = (int16_t)rnd_range(-4, 4); break; /* typical small residual */
      default: res[i] = (int16_t)rnd_range(-max, max);
    }
  /* a block that is +max on one half and -max on the other maximises the
   * second-stage butterflies */
  if (it % 11 == 6)
    for (int i = 0; i < count; i++) res[i] = (int16_t)((i & 16) ? -max : max);
}

static void fill_coefs(int32_t *coef, int n, int it) {
  int rows = rnd_range(1, n), cols = rnd_range(1, n);
  for (int i = 0; i < n * n; i++) {
    int v;
    switch (it % 5) {
      case 0: v = rnd() & 1 ? 32767 : -32768; break;
      case 1: v = rnd_range(-64, 64); break;
      default: v = rnd_range(-32768, 32767);
    }
    /* sparse: only a top-left part non-zero, as after quantisation */
    if (it % 3 == 1 && (i / n >= rows || i % n >= cols)) v = 0;
    if (it % 7 == 5 && rnd() % 8) v = 0;
    coef[i] = v;
  }
  if (it % 13 == 12) memset(coef, 0, sizeof(int32_t) * (size_t)(n * n));
}

static void test_transforms(const hevc_dsp *c, const hevc_dsp *s, int iters) {
  enum { GUARD = 16 };
  static int16_t res[64 * 64];
  static int32_t out0[32 * 32 + GUARD], out1[32 * 32 + GUARD], coef[32 * 32];
  static int16_t r0[32 * 32 + GUARD], r1[32 * 32 + GUARD];
  for (int k = 0; k < 5; k++) { /* 4 DCT sizes, then the DST */
    int log2 = k < 4 ? k + 2 : 2, n = 1 << log2;
    void (*fc)(const int16_t *, ptrdiff_t, int32_t *, int) = k < 4 ? c->fwd[k] : c->fwd_dst;
    void (*fs)(const int16_t *, ptrdiff_t, int32_t *, int) = k < 4 ? s->fwd[k] : s->fwd_dst;
    void (*ic)(const int32_t *, int16_t *, int) = k < 4 ? c->inv[k] : c->inv_dst;
    void (*is)(const int32_t *, int16_t *, int) = k < 4 ? s->inv[k] : s->inv_dst;
    const char *name = k < 4 ? "dct" : "dst";
    if (fc == fs)
      printf("  fwd %s %dx%d: no SIMD version, skipped\n", name, n, n);
    else {
      int bad = 0;
      for (int it = 0; it < iters; it++) {
        int bd = test_depth(it);
        ptrdiff_t stride = rnd_range(n, 64);
        fill_residual(res, 64 * 64, bd, it);
        for (int i = 0; i < n * n + GUARD; i++) out0[i] = out1[i] = (int32_t)0x5a5a5a5a;
        fc(res, stride, out0, bd);
        fs(res, stride, out1, bd);
        if (memcmp(out0, out1, sizeof(out0)) && bad++ < 5) {
          int i = 0;
          while (out0[i] == out1[i]) i++;
          FAIL("fwd %s %dx%d bd %d stride %td case %d: coef %d: C %d SIMD %d", name, n, n, bd,
               stride, it, i, out0[i], out1[i]);
        }
      }
      printf("  fwd %s %dx%d: %d cases\n", name, n, n, iters);
    }
    if (ic == is)
      printf("  inv %s %dx%d: no SIMD version, skipped\n", name, n, n);
    else {
      int bad = 0;
      for (int it = 0; it < iters; it++) {
        int bd = test_depth(it);
        fill_coefs(coef, n, it);
        for (int i = 0; i < n * n + GUARD; i++) r0[i] = r1[i] = 0x5a5a;
        ic(coef, r0, bd);
        is(coef, r1, bd);
        if (memcmp(r0, r1, sizeof(r0)) && bad++ < 5) {
          int i = 0;
          while (r0[i] == r1[i]) i++;
          FAIL("inv %s %dx%d bd %d case %d: sample %d: C %d SIMD %d", name, n, n, bd, it, i, r0[i],
               r1[i]);
        }
      }
      printf("  inv %s %dx%d: %d cases\n", name, n, n, iters);
    }
  }
}

/* ---- intra prediction -------------------------------------------------- */
static void fill_refs(hevc_pixel *top, hevc_pixel *left, int n, int bd, int it) {
  int max = (1 << bd) - 1;
  int pat = it % 5;
  for (int i = 0; i <= 2 * n; i++) {
    switch (pat) {
      case 0:
        top[i] = (hevc_pixel)(rnd() & 1 ? max : 0);
        left[i] = (hevc_pixel)(rnd() & 1 ? max : 0);
        break;
      case 1:
        top[i] = (hevc_pixel)max;
        left[i] = (hevc_pixel)(i ? 0 : max);
        break;
      case 2:
        top[i] = (hevc_pixel)(i ? 0 : max);
        left[i] = (hevc_pixel)max;
        break;
      case 3:
        top[i] = (hevc_pixel)((i * max) / (2 * n));
        left[i] = (hevc_pixel)(max - (i * max) / (2 * n));
        break;
      default:
        top[i] = (hevc_pixel)rnd_range(0, max);
        left[i] = (hevc_pixel)rnd_range(0, max);
    }
  }
  left[0] = top[0];
}

static void test_intra(const hevc_dsp *c, const hevc_dsp *s, int iters) {
  enum { BUF = 80 * 40 };
  static hevc_pixel d0[BUF], d1[BUF];
  hevc_pixel top[2 * 32 + 1], left[2 * 32 + 1];
  int have[3] = {s->pred_planar != c->pred_planar, s->pred_dc != c->pred_dc,
                 s->pred_angular != c->pred_angular};
  static const char *names[3] = {"planar", "dc", "angular"};
  for (int k = 0; k < 3; k++)
    if (!have[k]) printf("  pred %s: no SIMD version, skipped\n", names[k]);
  if (!have[0] && !have[1] && !have[2]) return;
  int cases = 0, bad = 0;
  for (int log2 = 2; log2 <= 5; log2++) {
    int n = 1 << log2;
    for (int it = 0; it < iters / 8 + 1; it++) {
      int bd = test_depth(it);
      fill_refs(top, left, n, bd, it);
      for (int mode = 0; mode < 35; mode++) {
        int k = mode < 2 ? mode : 2;
        if (!have[k]) continue;
        for (int edge = 0; edge < 2; edge++) {
          if (mode == 0 && edge) continue;
          ptrdiff_t stride = rnd_range(n, 80);
          int off = rnd_range(0, 7);
          for (int i = 0; i < BUF; i++) d0[i] = d1[i] = (hevc_pixel)(i * 40503u);
          if (mode == 0) {
            c->pred_planar(d0 + off, stride, top, left, log2);
            s->pred_planar(d1 + off, stride, top, left, log2);
          } else if (mode == 1) {
            c->pred_dc(d0 + off, stride, top, left, log2, edge);
            s->pred_dc(d1 + off, stride, top, left, log2, edge);
          } else {
            c->pred_angular(d0 + off, stride, top, left, log2, mode, edge, bd);
            s->pred_angular(d1 + off, stride, top, left, log2, mode, edge, bd);
          }
          cases++;
          if (memcmp(d0, d1, sizeof(d0)) && bad++ < 5) {
            int i = 0;
            while (d0[i] == d1[i]) i++;
            i -= off;
            FAIL("pred %s %dx%d mode %d edge %d bd %d case %d: (%d,%d): C %d SIMD %d", names[k], n,
                 n, mode, edge, bd, it, (int)(i % stride), (int)(i / stride), d0[i + off],
                 d1[i + off]);
          }
        }
      }
    }
  }
  printf("  intra prediction: %d cases\n", cases);
}

/* ---- residual and reconstruction ---------------------------------------- */
static void test_residual(const hevc_dsp *c, const hevc_dsp *s, int iters) {
  enum { GUARD = 16 };
  static hevc_pixel a[PLANE], b[PLANE], d0[PLANE], d1[PLANE];
  static int16_t r0[32 * 32 + GUARD], r1[32 * 32 + GUARD];
  for (int t = 0; t < 4; t++) {
    int n = 4 << t;
    int hr = s->residual[t] != c->residual[t], hc = s->recon[t] != c->recon[t];
    if (!hr && !hc) {
      printf("  residual/recon %dx%d: no SIMD version, skipped\n", n, n);
      continue;
    }
    int bad = 0;
    for (int it = 0; it < iters; it++) {
      int bd = test_depth(it), pat = (it >> 1) % PAT_COUNT;
      ptrdiff_t sa = rnd_range(n, 96), sb = rnd_range(n, 96);
      int oa = rnd_range(0, 7), ob = rnd_range(0, 7);
      for (int i = 0; i < PLANE; i++) {
        a[i] = (hevc_pixel)sample(pat, bd, i, 0);
        b[i] = (hevc_pixel)sample(pat, bd, i, 1);
      }
      if (hr) {
        for (int i = 0; i < 32 * 32 + GUARD; i++) r0[i] = r1[i] = 0x5a5a;
        c->residual[t](r0, a + oa, sa, b + ob, sb);
        s->residual[t](r1, a + oa, sa, b + ob, sb);
        if (memcmp(r0, r1, sizeof(r0)) && bad++ < 5)
          FAIL("residual %dx%d bd %d pattern %d strides %td/%td", n, n, bd, pat, sa, sb);
      }
      if (hc) {
        /* any int16 residual: the inverse transform's output wraps */
        for (int i = 0; i < n * n; i++) switch (it % 4) {
            case 0: r0[i] = (int16_t)(rnd() & 1 ? 32767 : -32768); break;
            case 1: r0[i] = (int16_t)rnd_range(-32768, 32767); break;
            default: r0[i] = (int16_t)rnd_range(-(1 << bd), 1 << bd);
          }
        for (int i = 0; i < PLANE; i++) d0[i] = d1[i] = b[i];
        c->recon[t](d0 + ob, sb, r0, bd);
        s->recon[t](d1 + ob, sb, r0, bd);
        if (memcmp(d0, d1, sizeof(d0)) && bad++ < 5)
          FAIL("recon %dx%d bd %d pattern %d case %d stride %td", n, n, bd, pat, it, sb);
      }
    }
    printf("  residual/recon %dx%d: %d cases\n", n, n, iters);
  }
}

/* ---- SAO statistics ----------------------------------------------------- */
static void test_sao(const hevc_dsp *c, const hevc_dsp *s, int iters) {
  if (s->sao_edge_stats == c->sao_edge_stats) {
    printf("  sao edge stats: no SIMD version, skipped\n");
    return;
  }
  enum { W = 100, H = 70 };
  static hevc_pixel d[W * H], o[W * H];
  /* neighbour offsets of the four edge classes, and their negations */
  int bad = 0;
  for (int it = 0; it < iters; it++) {
    int bd = test_depth(it), pat = (it >> 1) % PAT_COUNT;
    for (int i = 0; i < W * H; i++) {
      d[i] = (hevc_pixel)sample(pat, bd, i, 0);
      o[i] = (hevc_pixel)sample(pat, bd, i, 1);
      if (it % 3 == 0) d[i] = (hevc_pixel)(d[i] & 3); /* many equal neighbours */
    }
    int k = it % 4;
    static const int dx[4][2] = {{-1, 1}, {0, 0}, {-1, 1}, {1, -1}};
    static const int dy[4][2] = {{0, 0}, {-1, 1}, {-1, 1}, {-1, 1}};
    ptrdiff_t stride = rnd_range(66, W);
    int w = rnd_range(1, 64), h = rnd_range(1, 64);
    int x0 = rnd_range(1, (int)stride - w - 1), y0 = rnd_range(1, H - h - 1);
    ptrdiff_t off0 = dy[k][0] * stride + dx[k][0], off1 = dy[k][1] * stride + dx[k][1];
    int64_t s0[4], n0[4], s1[4], n1[4];
    c->sao_edge_stats(d + y0 * stride + x0, o + y0 * stride + x0, stride, w, h, off0, off1, s0, n0);
    s->sao_edge_stats(d + y0 * stride + x0, o + y0 * stride + x0, stride, w, h, off0, off1, s1, n1);
    if ((memcmp(s0, s1, sizeof(s0)) || memcmp(n0, n1, sizeof(n0))) && bad++ < 5)
      FAIL("sao edge stats class %d %dx%d bd %d pattern %d: C %lld/%lld SIMD %lld/%lld (cat 1)", k,
           w, h, bd, pat, (long long)s0[0], (long long)n0[0], (long long)s1[0],
           (long long)n1[0]);
  }
  printf("  sao edge stats: %d cases\n", iters);
}

/* ---- benchmark --------------------------------------------------------- */
static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint64_t sink;

/* Times `reps` calls of one kernel and returns ns per call; the best of a
 * few rounds, to keep a busy machine out of the figure. */
#define TIME(expr, reps, out)                              \
  do {                                                     \
    double best_ = 1e30;                                   \
    for (int round_ = 0; round_ < 5; round_++) {           \
      double t0_ = now_ns();                               \
      for (int r_ = 0; r_ < (reps); r_++) { expr; }        \
      double dt_ = (now_ns() - t0_) / (reps);              \
      if (dt_ < best_) best_ = dt_;                        \
    }                                                      \
    (out) = best_;                                         \
  } while (0)

static void bench_line(const char *name, double tc, double ts) {
  printf("  %-22s C %9.1f ns   SIMD %8.1f ns   x%.1f\n", name, tc, ts, tc / ts);
}

static void bench(const hevc_dsp *c, const hevc_dsp *s) {
  static hevc_pixel a[64 * 64], b[64 * 64], dst[64 * 64];
  static int16_t res[32 * 32], small[32 * 32], r[32 * 32];
  static int32_t coef[32 * 32], sparse[32 * 32];
  hevc_pixel top[65], left[65];
  for (int i = 0; i < 64 * 64; i++) {
    a[i] = (hevc_pixel)rnd_range(0, 255);
    b[i] = (hevc_pixel)rnd_range(0, 255);
  }
  for (int i = 0; i < 32 * 32; i++) {
    res[i] = (int16_t)rnd_range(-60, 60);
    small[i] = (int16_t)rnd_range(-6, 6);
    coef[i] = rnd_range(-2000, 2000);
    sparse[i] = (i % 32 < 4 && i / 32 < 4) ? rnd_range(-500, 500) : 0;
  }
  for (int i = 0; i < 65; i++) {
    top[i] = (hevc_pixel)rnd_range(0, 255);
    left[i] = (hevc_pixel)rnd_range(0, 255);
  }
  left[0] = top[0];
  char name[64];
  double tc, ts;
  for (int t = 0; t < 4; t++) {
    int n = 4 << t, reps = 200000 >> (2 * t);
    snprintf(name, sizeof(name), "satd %dx%d", n, n);
    TIME(sink += c->satd[t](a, 64, b, 64), reps, tc);
    TIME(sink += s->satd[t](a, 64, b, 64), reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "sse %dx%d", n, n);
    TIME(sink += c->sse[t](a, 64, b, 64), reps, tc);
    TIME(sink += s->sse[t](a, 64, b, 64), reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "residual %dx%d", n, n);
    TIME(c->residual[t](r, a, 64, b, 64); sink += (uint64_t)r[3], reps, tc);
    TIME(s->residual[t](r, a, 64, b, 64); sink += (uint64_t)r[3], reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "recon %dx%d", n, n);
    TIME(c->recon[t](dst, 64, res, 8); sink += dst[3], reps, tc);
    TIME(s->recon[t](dst, 64, res, 8); sink += dst[3], reps, ts);
    bench_line(name, tc, ts);
  }
  for (int t = 0; t < 4; t++) {
    int n = 4 << t, reps = 100000 >> (2 * t);
    snprintf(name, sizeof(name), "fwd dct %dx%d", n, n);
    TIME(c->fwd[t](res, n, coef, 8); sink += (uint64_t)coef[1], reps, tc);
    TIME(s->fwd[t](res, n, coef, 8); sink += (uint64_t)coef[1], reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "fwd dct %dx%d small", n, n);
    TIME(c->fwd[t](small, n, coef, 8); sink += (uint64_t)coef[1], reps, tc);
    TIME(s->fwd[t](small, n, coef, 8); sink += (uint64_t)coef[1], reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "inv dct %dx%d", n, n);
    TIME(c->inv[t](coef, r, 8); sink += (uint64_t)r[1], reps, tc);
    TIME(s->inv[t](coef, r, 8); sink += (uint64_t)r[1], reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "inv dct %dx%d sparse", n, n);
    TIME(c->inv[t](sparse, r, 8); sink += (uint64_t)r[1], reps, tc);
    TIME(s->inv[t](sparse, r, 8); sink += (uint64_t)r[1], reps, ts);
    bench_line(name, tc, ts);
  }
  TIME(c->fwd_dst(res, 4, coef, 8); sink += (uint64_t)coef[1], 100000, tc);
  TIME(s->fwd_dst(res, 4, coef, 8); sink += (uint64_t)coef[1], 100000, ts);
  bench_line("fwd dst 4x4", tc, ts);
  TIME(c->inv_dst(coef, r, 8); sink += (uint64_t)r[1], 100000, tc);
  TIME(s->inv_dst(coef, r, 8); sink += (uint64_t)r[1], 100000, ts);
  bench_line("inv dst 4x4", tc, ts);
  for (int log2 = 2; log2 <= 5; log2++) {
    int n = 1 << log2, reps = 40000 >> log2;
    snprintf(name, sizeof(name), "pred planar %dx%d", n, n);
    TIME(c->pred_planar(dst, 64, top, left, log2); sink += dst[5], reps, tc);
    TIME(s->pred_planar(dst, 64, top, left, log2); sink += dst[5], reps, ts);
    bench_line(name, tc, ts);
    snprintf(name, sizeof(name), "pred dc %dx%d", n, n);
    TIME(c->pred_dc(dst, 64, top, left, log2, log2 < 5); sink += dst[5], reps, tc);
    TIME(s->pred_dc(dst, 64, top, left, log2, log2 < 5); sink += dst[5], reps, ts);
    bench_line(name, tc, ts);
    /* all 33 angular modes per call, as the SATD ranking runs them */
    snprintf(name, sizeof(name), "pred angular %dx%d", n, n);
    TIME(for (int m = 2; m < 35; m++) s->pred_angular(dst, 64, top, left, log2, m, 1, 8);
         sink += dst[5], reps / 8 + 1, ts);
    TIME(for (int m = 2; m < 35; m++) c->pred_angular(dst, 64, top, left, log2, m, 1, 8);
         sink += dst[5], reps / 8 + 1, tc);
    bench_line(name, tc / 33, ts / 33);
  }
  {
    int64_t su[4], cn[4];
    TIME(c->sao_edge_stats(a + 65, b + 65, 64, 64, 62, -1, 1, su, cn); sink += (uint64_t)su[0], 2000, tc);
    TIME(s->sao_edge_stats(a + 65, b + 65, 64, 64, 62, -1, 1, su, cn); sink += (uint64_t)su[0], 2000, ts);
    bench_line("sao edge stats 64x62", tc, ts);
  }
}

/* ---- driver ------------------------------------------------------------ */
int main(int argc, char **argv) {
  uint64_t seed = (uint64_t)time(NULL);
  int iters = 3000, do_bench = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--iter") && i + 1 < argc)
      iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bench"))
      do_bench = 1;
    else {
      fprintf(stderr, "usage: %s [--seed N] [--iter N] [--bench]\n", argv[0]);
      return 2;
    }
  }
  printf("seed %llu (rerun with --seed %llu)\n", (unsigned long long)seed,
         (unsigned long long)seed);
  rng_state = seed;

  hevc_dsp c;
  hevc_dsp_init_c(&c);
  int tested = 0;

  /* HEIC_NO_SIMD=1 must leave every entry at its C version */
  {
    const char *old = getenv("HEIC_NO_SIMD");
    setenv("HEIC_NO_SIMD", "1", 1);
    hevc_dsp d;
    hevc_dsp_init(&d, 8);
    if (memcmp(&d, &c, sizeof(d))) {
      tier_name = "HEIC_NO_SIMD";
      FAIL("hevc_dsp_init installed non-C kernels although HEIC_NO_SIMD=1");
    }
    if (old)
      setenv("HEIC_NO_SIMD", old, 1);
    else
      unsetenv("HEIC_NO_SIMD");
  }
#if defined(__x86_64__) || defined(__i386__)
  static const struct {
    const char *name;
    unsigned flag;
  } tiers[] = {{"avx2", HEVC_CPU_AVX2}};
  unsigned cpu = hevc_cpu_flags_x86();
  for (size_t k = 0; k < sizeof(tiers) / sizeof(tiers[0]); k++) {
    tier_name = tiers[k].name;
    if (!(cpu & tiers[k].flag)) {
      printf("%s: not supported by this CPU, skipped\n", tier_name);
      continue;
    }
    hevc_dsp s;
    hevc_dsp_init_c(&s);
    hevc_dsp_init_x86(&s, tiers[k].flag);
    printf("%s:\n", tier_name);
    if (do_bench) {
      bench(&c, &s);
    } else {
      test_distortion(&c, &s, iters);
      test_transforms(&c, &s, iters);
      test_intra(&c, &s, iters);
      test_sao(&c, &s, iters);
      test_residual(&c, &s, iters);
      /* The table for 12 bits keeps only the SIMD kernels that are exact
       * there: those, on 8-, 10- and 12-bit cases. */
      hevc_dsp s12 = s;
      hevc_dsp_limit_depth(&s12, 12);
      char name12[64];
      snprintf(name12, sizeof(name12), "%s, 12-bit table", tiers[k].name);
      tier_name = name12;
      printf("%s:\n", tier_name);
      depth_count = 3;
      test_distortion(&c, &s12, iters);
      test_transforms(&c, &s12, iters);
      test_intra(&c, &s12, iters);
      test_sao(&c, &s12, iters);
      test_residual(&c, &s12, iters);
      depth_count = 2;
      /* what the encoder gets for 12 bits is that table (all tiers) */
      if (k + 1 == sizeof(tiers) / sizeof(tiers[0]) && !hevc_dsp_simd_disabled()) {
        hevc_dsp d12;
        hevc_dsp_init(&d12, 12);
        if (memcmp(&d12, &s12, sizeof(d12))) FAIL("hevc_dsp_init(12) differs from the limited table");
      }
    }
    tested++;
  }
#endif
  if (!tested) {
    printf("no SIMD kernels for this CPU: skipped\n");
    return 77;
  }
  if (failures) {
    fprintf(stderr, "%d failures (seed %llu)\n", failures, (unsigned long long)seed);
    return 1;
  }
  if (!do_bench) printf("all SIMD kernels match the C versions\n");
  return 0;
}
