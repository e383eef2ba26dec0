/*
 * Tests of YCbCr -> RGB conversion (src/heic/colour.c).  SPDX-License-Identifier: BSD-2-Clause
 *
 * The expected values come from a double-precision reference written from
 * the ISO/IEC 23091-2 formulas in a different arrangement from the library
 * (G from Y = Kr R + Kg G + Kb B rather than from chroma coefficients), so a
 * wrong coefficient in either shows up as a mismatch.  Chroma upsampling is
 * checked through the identity matrix, where R and B are the upsampled Cr
 * and Cb themselves.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "heic/colour.h"
#include "heic/colour_encode.h"
#include "heic/picture.h"

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                                \
  do {                                                                             \
    g_checks++;                                                                    \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      g_failures++;                                                                \
    }                                                                              \
  } while (0)

typedef struct env {
  heic_allocator *alloc;
  hc_mem mem;
} env;

static void env_init(env *e) {
  if (heic_allocator_new(&e->alloc, NULL) != HEIC_OK) {
    fprintf(stderr, "cannot create allocator\n");
    exit(1);
  }
  hc_mem_init(&e->mem, e->alloc, 0);
}

static void env_done(env *e) {
  CHECK(heic_allocator_outstanding_bytes(e->alloc) == 0);
  heic_allocator_free(&e->alloc);
}

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

static uint16_t *at(hx_plane *pl, uint32_t x, uint32_t y) {
  return pl->data + (size_t)y * pl->stride + x;
}

/* ---- the reference -------------------------------------------------- */

static void ref_kr_kb(int mc, double *kr, double *kb) {
  switch (mc) {
    case 1: *kr = 0.2126; *kb = 0.0722; break;
    case 4: *kr = 0.30; *kb = 0.11; break;
    case 7: *kr = 0.212; *kb = 0.087; break;
    case 9:
    case 10: *kr = 0.2627; *kb = 0.0593; break;
    default: *kr = 0.299; *kb = 0.114; break; /* 5, 6, 2 and unknown */
  }
}

/* Rounds and clamps a value already in output units. */
static uint16_t ref_round(double v, int depth) {
  double maxv = (double)((1u << depth) - 1);
  v = floor(v + 0.5);
  if (v < 0) v = 0;
  if (v > maxv) v = maxv;
  return (uint16_t)v;
}

/* got is right for the exact value v: rounded to nearest, or, when v is
 * within rounding noise of a tie (x.5), either neighbour.  Ties are real:
 * at 9 bits limited range luma expands by 511 / 438 = 7 / 6, and which way
 * a fixed-point or float implementation breaks them is arbitrary. */
static int ref_ok(uint16_t got, double v, int depth) {
  if (got == ref_round(v, depth)) return 1;
  double frac = v - floor(v);
  return fabs(frac - 0.5) < 1e-6 && (got == ref_round(v - 0.25, depth) || got == ref_round(v + 0.25, depth));
}

/* Luma-style range expansion, in output units. */
static double ref_expand(double v, int full, int depth) {
  double maxv = (double)((1u << depth) - 1), s = (double)(1u << (depth - 8));
  return full ? v : (v - 16 * s) * maxv / (219 * s);
}

/* RGB (in output units, unrounded) from possibly fractional Y, Cb, Cr. */
static void ref_rgb(int mc, int full, int depth, double y, double cb, double cr, double rgb[3]) {
  double maxv = (double)((1u << depth) - 1), s = (double)(1u << (depth - 8));
  double mid = (double)(1u << (depth - 1));
  if (mc == 0) {
    double l[3] = {cr, y, cb}; /* R, G, B */
    for (int k = 0; k < 3; k++) rgb[k] = ref_expand(l[k], full, depth);
    return;
  }
  double ey, epb, epr;
  if (full) {
    ey = y / maxv;
    epb = (cb - mid) / maxv;
    epr = (cr - mid) / maxv;
  } else {
    ey = (y - 16 * s) / (219 * s);
    epb = (cb - mid) / (224 * s);
    epr = (cr - mid) / (224 * s);
  }
  double kr, kb;
  ref_kr_kb(mc, &kr, &kb);
  double r = ey + 2 * (1 - kr) * epr;
  double b = ey + 2 * (1 - kb) * epb;
  double g = (ey - kr * r - kb * b) / (1 - kr - kb);
  rgb[0] = r * maxv;
  rgb[1] = g * maxv;
  rgb[2] = b * maxv;
}

/* ---- helpers ------------------------------------------------------------ */

static heic_nclx nclx_of(int mc, int full) {
  heic_nclx n = {2, 2, (uint16_t)mc, (uint8_t)full};
  return n;
}

/* A 4:4:4 picture of n samples in one row holding the given triples. */
static void make_444(env *e, hx_picture *p, int depth, uint32_t n, const uint16_t (*ycc)[3]) {
  memset(p, 0, sizeof(*p));
  CHECK(hx_picture_alloc(p, &e->mem, n, 1, HEIC_CHROMA_444, depth, NULL) == HEIC_OK);
  for (uint32_t i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) *at(&p->planes[c], i, 0) = ycc[i][c];
}

/* Converts one 4:4:4 sample. */
static void convert_one(env *e, int mc, int full, int depth, uint16_t y, uint16_t cb, uint16_t cr,
                        uint16_t rgb[3]) {
  hx_picture p;
  uint16_t ycc[1][3] = {{y, cb, cr}};
  make_444(e, &p, depth, 1, ycc);
  heic_nclx n = nclx_of(mc, full);
  CHECK(hx_ycbcr_to_rgb(&p, &n, HX_UPSAMPLE_NEAREST, NULL) == HEIC_OK);
  for (int k = 0; k < 3; k++) rgb[k] = *at(&p.planes[k], 0, 0);
  hx_picture_clear(&p);
}

#define CHECK_RGB(rgb, r, g, b)                                                         \
  do {                                                                                  \
    CHECK((rgb)[0] == (r) && (rgb)[1] == (g) && (rgb)[2] == (b));                       \
    if ((rgb)[0] != (r) || (rgb)[1] != (g) || (rgb)[2] != (b))                          \
      fprintf(stderr, "  got %u %u %u, want %u %u %u\n", (rgb)[0], (rgb)[1], (rgb)[2], \
              (unsigned)(r), (unsigned)(g), (unsigned)(b));                             \
  } while (0)

/* ---- tests --------------------------------------------------------------- */

/* Values everyone can check by hand. */
static void test_anchors(void) {
  env e;
  env_init(&e);
  uint16_t rgb[3];
  /* Full-range BT.601 (JPEG): white, black, and JPEG's red. */
  convert_one(&e, 6, 1, 8, 255, 128, 128, rgb);
  CHECK_RGB(rgb, 255, 255, 255);
  convert_one(&e, 6, 1, 8, 0, 128, 128, rgb);
  CHECK_RGB(rgb, 0, 0, 0);
  convert_one(&e, 6, 1, 8, 76, 85, 255, rgb);
  CHECK_RGB(rgb, 254, 0, 0);
  /* Limited range: 16 is black and 235 is white, whatever the matrix. */
  convert_one(&e, 1, 0, 8, 16, 128, 128, rgb);
  CHECK_RGB(rgb, 0, 0, 0);
  convert_one(&e, 1, 0, 8, 235, 128, 128, rgb);
  CHECK_RGB(rgb, 255, 255, 255);
  /* (126 - 16) * 255 / 219 = 128.08 */
  convert_one(&e, 9, 0, 8, 126, 128, 128, rgb);
  CHECK_RGB(rgb, 128, 128, 128);
  /* BT.709 limited red is (63, 102, 240); quantising it to 8 bits leaves
   * G at 0.59, so 1 is right. */
  convert_one(&e, 1, 0, 8, 63, 102, 240, rgb);
  CHECK_RGB(rgb, 255, 1, 0);
  /* 10 bits: black 64, white 940, the scale is 2^(depth - 8). */
  convert_one(&e, 1, 0, 10, 64, 512, 512, rgb);
  CHECK_RGB(rgb, 0, 0, 0);
  convert_one(&e, 1, 0, 10, 940, 512, 512, rgb);
  CHECK_RGB(rgb, 1023, 1023, 1023);
  /* 16 bits, full range, at the very top: no overflow in the arithmetic. */
  convert_one(&e, 9, 1, 16, 65535, 32768, 32768, rgb);
  CHECK_RGB(rgb, 65535, 65535, 65535);
  /* Clamping at both ends. */
  convert_one(&e, 6, 1, 8, 255, 255, 255, rgb);
  CHECK(rgb[0] == 255 && rgb[2] == 255);
  convert_one(&e, 6, 1, 8, 0, 0, 0, rgb);
  CHECK(rgb[0] == 0 && rgb[2] == 0);
  convert_one(&e, 6, 1, 16, 65535, 65535, 65535, rgb);
  CHECK(rgb[0] == 65535 && rgb[2] == 65535);
  env_done(&e);
}

/* Every matrix x range x depth against the reference, on a lattice that
 * includes the range limits plus pseudo-random samples. */
static void test_matrices(void) {
  static const int matrices[] = {0, 1, 2, 4, 5, 6, 7, 9, 10, 99};
  static const int depths[] = {8, 9, 10, 12, 14, 16};
  env e;
  env_init(&e);
  enum { LAT = 6, RND = 400, N = LAT * LAT * LAT + RND };
  uint16_t(*ycc)[3] = malloc(sizeof(*ycc) * N);
  for (size_t di = 0; di < sizeof(depths) / sizeof(depths[0]); di++) {
    int d = depths[di];
    uint32_t s = 1u << (d - 8), maxv = (1u << d) - 1;
    uint16_t lat[LAT] = {0, (uint16_t)(16 * s), (uint16_t)(1u << (d - 1)), (uint16_t)(235 * s),
                         (uint16_t)(240 * s), (uint16_t)maxv};
    uint32_t seed = 12345u + (uint32_t)d;
    size_t n = 0;
    for (int a = 0; a < LAT; a++)
      for (int b = 0; b < LAT; b++)
        for (int c = 0; c < LAT; c++) {
          ycc[n][0] = lat[a];
          ycc[n][1] = lat[b];
          ycc[n][2] = lat[c];
          n++;
        }
    for (; n < N; n++)
      for (int c = 0; c < 3; c++) ycc[n][c] = (uint16_t)(lcg(&seed) & maxv);
    for (size_t mi = 0; mi < sizeof(matrices) / sizeof(matrices[0]); mi++) {
      for (int full = 0; full <= 1; full++) {
        int mc = matrices[mi];
        hx_picture p;
        make_444(&e, &p, d, N, (const uint16_t(*)[3])ycc);
        heic_nclx nc = nclx_of(mc, full);
        CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, NULL) == HEIC_OK);
        CHECK(p.is_rgb == 1 && p.chroma == HEIC_CHROMA_444 && p.bit_depth == d);
        int bad = 0;
        for (uint32_t i = 0; i < N; i++) {
          double want[3];
          ref_rgb(mc, full, d, ycc[i][0], ycc[i][1], ycc[i][2], want);
          for (int k = 0; k < 3; k++) bad += !ref_ok(*at(&p.planes[k], i, 0), want[k], d);
        }
        CHECK(bad == 0);
        if (bad) fprintf(stderr, "  matrix %d full %d depth %d: %d wrong\n", mc, full, d, bad);
        hx_picture_clear(&p);
      }
    }
  }
  free(ycc);
  env_done(&e);
}

/* Unspecified and unknown matrices are BT.601, bit for bit (libheif's choice). */
static void test_unspecified_is_601(void) {
  env e;
  env_init(&e);
  uint16_t a[3], b[3], c[3];
  for (int full = 0; full <= 1; full++) {
    convert_one(&e, 6, full, 10, 300, 700, 200, a);
    convert_one(&e, 2, full, 10, 300, 700, 200, b);
    convert_one(&e, 200, full, 10, 300, 700, 200, c);
    CHECK(memcmp(a, b, sizeof(a)) == 0 && memcmp(a, c, sizeof(a)) == 0);
    convert_one(&e, 5, full, 10, 300, 700, 200, b);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
  }
  env_done(&e);
}

/* matrix_coefficients 0: the planes are G, B, R and only move. */
static void test_identity(void) {
  env e;
  env_init(&e);
  uint16_t rgb[3];
  convert_one(&e, 0, 1, 8, 10, 20, 30, rgb); /* Y=G, Cb=B, Cr=R */
  CHECK_RGB(rgb, 30, 10, 20);
  convert_one(&e, 0, 1, 16, 65535, 1, 40000, rgb);
  CHECK_RGB(rgb, 40000, 65535, 1);
  /* Limited range expands all three like luma. */
  convert_one(&e, 0, 0, 8, 16, 235, 126, rgb);
  CHECK_RGB(rgb, 128, 0, 255);
  env_done(&e);
}

static void test_monochrome(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {29, 100}, {7, 3}};
  env e;
  env_init(&e);
  for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
    for (int d = 8; d <= 16; d += 4) {
      for (int full = 0; full <= 1; full++) {
        uint32_t w = sizes[si][0], h = sizes[si][1], maxv = (1u << d) - 1;
        hx_picture p;
        memset(&p, 0, sizeof(p));
        CHECK(hx_picture_alloc(&p, &e.mem, w, h, HEIC_CHROMA_400, d, NULL) == HEIC_OK);
        uint32_t seed = w * 31 + h;
        for (uint32_t y = 0; y < h; y++)
          for (uint32_t x = 0; x < w; x++) *at(&p.planes[0], x, y) = (uint16_t)(lcg(&seed) & maxv);
        hx_plane luma = p.planes[0];
        uint16_t *copy = malloc(sizeof(uint16_t) * w * h);
        for (uint32_t y = 0; y < h; y++) memcpy(copy + y * w, at(&luma, 0, y), w * 2);
        heic_nclx nc = nclx_of(1, full); /* the matrix must not matter */
        CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_NEAREST, NULL) == HEIC_OK);
        CHECK(p.is_rgb && p.chroma == HEIC_CHROMA_444);
        int bad = 0;
        for (uint32_t y = 0; y < h; y++)
          for (uint32_t x = 0; x < w; x++) {
            double want = ref_expand(copy[y * w + x], full, d);
            for (int k = 0; k < 3; k++) bad += !ref_ok(*at(&p.planes[k], x, y), want, d);
          }
        CHECK(bad == 0);
        free(copy);
        hx_picture_clear(&p);
      }
    }
  }
  /* Limited 8-bit anchors. */
  hx_picture p;
  memset(&p, 0, sizeof(p));
  CHECK(hx_picture_alloc(&p, &e.mem, 3, 1, HEIC_CHROMA_400, 8, NULL) == HEIC_OK);
  *at(&p.planes[0], 0, 0) = 16;
  *at(&p.planes[0], 1, 0) = 235;
  *at(&p.planes[0], 2, 0) = 126;
  heic_nclx nc = nclx_of(6, 0);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, NULL) == HEIC_OK);
  for (int k = 0; k < 3; k++) {
    CHECK(*at(&p.planes[k], 0, 0) == 0);
    CHECK(*at(&p.planes[k], 1, 0) == 255);
    CHECK(*at(&p.planes[k], 2, 0) == 128);
  }
  hx_picture_clear(&p);
  env_done(&e);
}

/* Expected upsampled chroma at luma (x, y), rounded as the output is.
 * Written from sample positions: chroma column i sits at luma column 2i
 * (co-sited); for 4:2:0 chroma row j sits at luma row 2j + 1/2. */
static uint16_t expect_up(const hx_plane *c, heic_chroma chroma, hx_upsampling up, uint32_t x,
                          uint32_t y) {
  int sx = chroma != HEIC_CHROMA_444, sy = chroma == HEIC_CHROMA_420;
  if (up == HX_UPSAMPLE_NEAREST) return c->data[(size_t)(y >> sy) * c->stride + (x >> sx)];
  double xc = sx ? x / 2.0 : x;
  double yc = sy ? (y - 0.5) / 2.0 : y;
  double x0 = floor(xc), y0 = floor(yc), fx = xc - x0, fy = yc - y0;
  double v = 0;
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) {
      double wgt = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
      if (wgt == 0) continue;
      long cx = (long)x0 + i, cy = (long)y0 + j;
      if (cx < 0) cx = 0;
      if (cx >= (long)c->w) cx = (long)c->w - 1;
      if (cy < 0) cy = 0;
      if (cy >= (long)c->h) cy = (long)c->h - 1;
      v += wgt * c->data[(size_t)cy * c->stride + (size_t)cx];
    }
  return (uint16_t)floor(v + 0.5);
}

/* Odd and tiny sizes in 4:2:0 and 4:2:2, both upsamplers, 8 and 16 bits.
 * Identity matrix, full range: R is exactly the upsampled Cr, B the Cb. */
static void test_upsampling(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {2, 2}, {5, 3}, {7, 7}, {9, 1}, {1, 9}, {6, 4}, {33, 17}};
  static const heic_chroma chromas[] = {HEIC_CHROMA_420, HEIC_CHROMA_422, HEIC_CHROMA_444};
  env e;
  env_init(&e);
  for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
    for (size_t ci = 0; ci < 3; ci++)
      for (int up = HX_UPSAMPLE_NEAREST; up <= HX_UPSAMPLE_BILINEAR; up++)
        for (int d = 8; d <= 16; d += 8) {
          uint32_t w = sizes[si][0], h = sizes[si][1], maxv = (1u << d) - 1;
          heic_chroma chroma = chromas[ci];
          hx_picture p;
          memset(&p, 0, sizeof(p));
          CHECK(hx_picture_alloc(&p, &e.mem, w, h, chroma, d, NULL) == HEIC_OK);
          uint32_t seed = w * 7 + h * 13 + (uint32_t)ci;
          for (int c = 0; c < 3; c++)
            for (uint32_t y = 0; y < p.planes[c].h; y++)
              for (uint32_t x = 0; x < p.planes[c].w; x++) {
                /* Extremes often, to catch overflow and clamping slips. */
                uint32_t r = lcg(&seed);
                *at(&p.planes[c], x, y) = (uint16_t)((r & 3) == 0 ? maxv : (r >> 2) & maxv);
              }
          hx_plane cb = p.planes[HX_CB], cr = p.planes[HX_CR], luma = p.planes[HX_Y];
          /* Keep copies: the conversion frees the YCbCr planes. */
          hx_plane keep[3];
          hx_plane src[3] = {luma, cb, cr};
          for (int c = 0; c < 3; c++) {
            CHECK(hx_plane_alloc(&keep[c], &e.mem, src[c].w, src[c].h, NULL) == HEIC_OK);
            for (uint32_t y = 0; y < src[c].h; y++)
              memcpy(at(&keep[c], 0, y), at(&src[c], 0, y), src[c].w * sizeof(uint16_t));
          }
          heic_nclx nc = nclx_of(0, 1);
          CHECK(hx_ycbcr_to_rgb(&p, &nc, (hx_upsampling)up, NULL) == HEIC_OK);
          CHECK(p.planes[HX_R].w == w && p.planes[HX_R].h == h);
          int bad = 0;
          for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
              bad += *at(&p.planes[HX_G], x, y) != *at(&keep[0], x, y);
              bad += *at(&p.planes[HX_B], x, y) != expect_up(&keep[1], chroma, (hx_upsampling)up, x, y);
              bad += *at(&p.planes[HX_R], x, y) != expect_up(&keep[2], chroma, (hx_upsampling)up, x, y);
            }
          CHECK(bad == 0);
          if (bad)
            fprintf(stderr, "  %ux%u chroma %d up %d depth %d: %d wrong samples\n", w, h, (int)chroma,
                    up, d, bad);
          for (int c = 0; c < 3; c++) hx_plane_free(&e.mem, &keep[c]);
          hx_picture_clear(&p);
        }
  env_done(&e);
}

/* Bilinear 4:2:0 on a ramp: the weights 3/4, 1/4 and 1/2, 1/2 by hand. */
static void test_bilinear_weights(void) {
  env e;
  env_init(&e);
  hx_picture p;
  memset(&p, 0, sizeof(p));
  CHECK(hx_picture_alloc(&p, &e.mem, 4, 4, HEIC_CHROMA_420, 8, NULL) == HEIC_OK);
  /* Cr = [[0, 80], [160, 240]]; Cb constant. */
  *at(&p.planes[HX_CR], 0, 0) = 0;
  *at(&p.planes[HX_CR], 1, 0) = 80;
  *at(&p.planes[HX_CR], 0, 1) = 160;
  *at(&p.planes[HX_CR], 1, 1) = 240;
  heic_nclx nc = nclx_of(0, 1);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, NULL) == HEIC_OK);
  /* Row 0: only chroma row 0 (edge repeats).  Row 1: 3/4 row 0 + 1/4 row 1.
   * Columns: 0 -> c0, 1 -> (c0 + c1) / 2, 2 -> c1, 3 -> c1 (edge). */
  static const uint16_t want[4][4] = {
    {0, 40, 80, 80}, {40, 80, 120, 120}, {120, 160, 200, 200}, {160, 200, 240, 240}};
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++) CHECK(*at(&p.planes[HX_R], (uint32_t)x, (uint32_t)y) == want[y][x]);
  hx_picture_clear(&p);
  env_done(&e);
}

static void test_alpha_untouched(void) {
  env e;
  env_init(&e);
  hx_picture p;
  memset(&p, 0, sizeof(p));
  CHECK(hx_picture_alloc(&p, &e.mem, 5, 3, HEIC_CHROMA_420, 10, NULL) == HEIC_OK);
  CHECK(hx_plane_alloc(&p.planes[HX_A], &e.mem, 5, 3, NULL) == HEIC_OK);
  p.has_alpha = 1;
  for (uint32_t i = 0; i < 15; i++) p.planes[HX_A].data[i] = (uint16_t)(i * 60);
  uint16_t *alpha = p.planes[HX_A].data;
  heic_nclx nc = nclx_of(1, 0);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, NULL) == HEIC_OK);
  CHECK(p.has_alpha && p.planes[HX_A].data == alpha);
  for (uint32_t i = 0; i < 15; i++) CHECK(p.planes[HX_A].data[i] == i * 60);
  hx_picture_clear(&p);
  env_done(&e);
}

static void test_errors(void) {
  env e;
  env_init(&e);
  heic_nclx nc = nclx_of(1, 1);
  hx_picture p;
  memset(&p, 0, sizeof(p));
  CHECK(hx_picture_alloc(&p, &e.mem, 6, 4, HEIC_CHROMA_420, 8, NULL) == HEIC_OK);
  hc_err err;
  hc_err_clear(&err);
  CHECK(hx_ycbcr_to_rgb(&p, NULL, HX_UPSAMPLE_NEAREST, &err) == HEIC_ERR_INVALID_ARGUMENT);
  /* Chroma planes that do not match the format are refused, not read past. */
  p.planes[HX_CB].w = 2;
  hc_err_clear(&err);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_NEAREST, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "chroma") != NULL);
  CHECK(!p.is_rgb && p.chroma == HEIC_CHROMA_420);
  p.planes[HX_CB].w = 3;
  p.bit_depth = 7;
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_NEAREST, NULL) == HEIC_ERR_INVALID_ARGUMENT);
  p.bit_depth = 8;
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_NEAREST, NULL) == HEIC_OK);
  hc_err_clear(&err);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_NEAREST, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "already RGB") != NULL);
  hx_picture_clear(&p);
  env_done(&e);
}

/* Every allocation of a conversion failed in turn: a clean error, the
 * picture untouched, nothing leaked. */
static void test_alloc_failure(void) {
  env e;
  env_init(&e);
  heic_nclx nc = nclx_of(9, 0);
  hx_picture p;
  memset(&p, 0, sizeof(p));
  CHECK(hx_picture_alloc(&p, &e.mem, 9, 5, HEIC_CHROMA_420, 12, NULL) == HEIC_OK);
  size_t base = heic_allocator_outstanding_bytes(e.alloc);
  uint64_t before = heic_allocator_allocation_count(e.alloc);
  CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, NULL) == HEIC_OK);
  uint64_t count = heic_allocator_allocation_count(e.alloc) - before;
  CHECK(count >= 4); /* three planes and the row buffer */
  hx_picture_clear(&p);
  for (uint64_t n = 1; n <= count; n++) {
    memset(&p, 0, sizeof(p));
    CHECK(hx_picture_alloc(&p, &e.mem, 9, 5, HEIC_CHROMA_420, 12, NULL) == HEIC_OK);
    hx_plane saved[3];
    memcpy(saved, p.planes, sizeof(saved));
    heic_allocator_fail_at(e.alloc, n);
    hc_err err;
    hc_err_clear(&err);
    CHECK(hx_ycbcr_to_rgb(&p, &nc, HX_UPSAMPLE_BILINEAR, &err) == HEIC_ERR_OUT_OF_MEMORY);
    heic_allocator_fail_at(e.alloc, 0);
    CHECK(err.code == HEIC_ERR_OUT_OF_MEMORY);
    CHECK(!p.is_rgb && p.chroma == HEIC_CHROMA_420 && memcmp(saved, p.planes, sizeof(saved)) == 0);
    CHECK(heic_allocator_outstanding_bytes(e.alloc) == base);
    hx_picture_clear(&p);
  }
  env_done(&e);
}

/* RGB -> YCbCr 4:2:0 and 4:2:2: each chroma sample is the mean of the
 * per-pixel chroma of the pixels it covers (an odd last column or row
 * repeated), rounded to nearest; luma is per pixel. */
static void test_downsampling(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {5, 3}, {8, 6}, {7, 2}};
  static const heic_chroma chromas[] = {HEIC_CHROMA_420, HEIC_CHROMA_422};
  env e;
  env_init(&e);
  heic_nclx n = nclx_of(6, 1);
  double kr, kb;
  ref_kr_kb(6, &kr, &kb);
  for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
    for (size_t ci = 0; ci < 2; ci++) {
      uint32_t w = sizes[si][0], h = sizes[si][1], seed = w * 31 + h + (uint32_t)ci;
      hx_picture p;
      memset(&p, 0, sizeof(p));
      CHECK(hx_picture_alloc(&p, &e.mem, w, h, HEIC_CHROMA_444, 8, NULL) == HEIC_OK);
      p.is_rgb = 1;
      double yv[8][8], cb[8][8], cr[8][8];
      for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
          double rgb[3];
          for (int c = 0; c < 3; c++) {
            uint16_t v = (uint16_t)(lcg(&seed) & 255);
            *at(&p.planes[c], x, y) = v;
            rgb[c] = v / 255.0;
          }
          double Y = kr * rgb[0] + (1 - kr - kb) * rgb[1] + kb * rgb[2];
          yv[y][x] = Y * 255;
          cb[y][x] = (rgb[2] - Y) / (2 * (1 - kb)) * 255 + 128;
          cr[y][x] = (rgb[0] - Y) / (2 * (1 - kr)) * 255 + 128;
        }
      heic_chroma chroma = chromas[ci];
      CHECK(hx_rgb_to_ycbcr(&p, &n, chroma, 8, NULL) == HEIC_OK);
      CHECK(!p.is_rgb && p.chroma == chroma);
      for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) CHECK(ref_ok(*at(&p.planes[0], x, y), yv[y][x], 8));
      uint32_t sy = chroma == HEIC_CHROMA_420 ? 2 : 1;
      for (uint32_t j = 0; j < p.planes[1].h; j++)
        for (uint32_t i = 0; i < p.planes[1].w; i++) {
          double mb = 0, mr = 0;
          for (uint32_t dy = 0; dy < sy; dy++)
            for (uint32_t dx = 0; dx < 2; dx++) {
              uint32_t x = 2 * i + dx < w ? 2 * i + dx : w - 1;
              uint32_t y = sy * j + dy < h ? sy * j + dy : h - 1;
              mb += cb[y][x] / (2 * sy);
              mr += cr[y][x] / (2 * sy);
            }
          /* per-pixel chroma is kept to 1/16 before the mean */
          CHECK(fabs(*at(&p.planes[1], i, j) - mb) <= 0.5 + 1.0 / 16);
          CHECK(fabs(*at(&p.planes[2], i, j) - mr) <= 0.5 + 1.0 / 16);
        }
      hx_picture_clear(&p);
    }
  env_done(&e);
}

/* ---- the fixed-point conversion against the double formula ----
 *
 * hx_rgb_rows_to_ycbcr() runs its matrix in fixed point and must give the
 * codes of the double formula it replaced (the files made before it would
 * otherwise change).  The reference below is that formula, per pixel, with
 * the same chroma means. */

typedef struct ref_matrix {
  int identity;
  double kr, kg, kb, y_scale, y_off, c_scale, c_off, in_max;
  long out_max;
} ref_matrix;

static void ref_matrix_init(ref_matrix *m, uint16_t mc, int full, int in_d, int out_d) {
  m->identity = mc == 0;
  hx_matrix_kr_kb(mc, &m->kr, &m->kb);
  m->kg = 1.0 - m->kr - m->kb;
  m->in_max = (double)((1u << in_d) - 1);
  m->out_max = (long)((1u << out_d) - 1);
  double unit = (double)(1u << (out_d - 8));
  m->y_scale = full ? (double)m->out_max : 219.0 * unit;
  m->y_off = full ? 0 : 16.0 * unit;
  m->c_scale = full ? (double)m->out_max : 224.0 * unit;
  m->c_off = full ? (double)(1u << (out_d - 1)) : 128.0 * unit;
}

/* Luma code and chroma codes times 16 (unclamped), as the double formula. */
static void ref_px(const ref_matrix *m, uint16_t R, uint16_t G, uint16_t B, long *y, long *cb, long *cr) {
  double r = R / m->in_max, g = G / m->in_max, b = B / m->in_max, Y, U, V;
  if (m->identity) {
    *y = lround(g * m->y_scale + m->y_off);
    *cb = lround((b * m->y_scale + m->y_off) * 16);
    *cr = lround((r * m->y_scale + m->y_off) * 16);
  } else {
    Y = m->kr * r + m->kg * g + m->kb * b;
    U = (b - Y) / (2.0 * (1.0 - m->kb));
    V = (r - Y) / (2.0 * (1.0 - m->kr));
    *y = lround(Y * m->y_scale + m->y_off);
    *cb = lround((U * m->c_scale + m->c_off) * 16);
    *cr = lround((V * m->c_scale + m->c_off) * 16);
  }
  *y = *y < 0 ? 0 : (*y > m->out_max ? m->out_max : *y);
}

typedef struct gen_rows {
  uint32_t w, first_row; /* rows of the source this call covers start here */
  int in_depth, random;
} gen_rows;

/* Source sample c of pixel (x, y): every 8-bit colour once over 4096 x 4096
 * (R from the low bits), or pseudo-random samples at in_depth, half of them
 * grey-ish (equal R and G) to hit the neutral axis. */
static uint16_t gen_sample(const gen_rows *g, uint32_t x, uint32_t y, int c) {
  uint32_t i = (g->first_row + y) * g->w + x;
  if (!g->random) return (uint16_t)((i >> (8 * c)) & 255);
  uint32_t s = i * 2654435761u + (uint32_t)(x & 1 ? c : c > 1) * 40503u;
  s ^= s >> 15;
  s *= 2246822519u;
  s ^= s >> 13;
  return (uint16_t)(s & ((1u << g->in_depth) - 1));
}

static void gen_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b) {
  const gen_rows *gr = src;
  for (uint32_t x = 0; x < gr->w; x++) {
    r[x] = gen_sample(gr, x, y, 0);
    g[x] = gen_sample(gr, x, y, 1);
    b[x] = gen_sample(gr, x, y, 2);
  }
}

static long ref_chroma(long sum, int shift, long maxv) {
  long v = (sum + (1L << (shift - 1))) >> shift;
  return v < 0 ? 0 : (v > maxv ? maxv : v);
}

static void test_fixed_point_exact(void) {
  static const struct {
    uint16_t mc;
    int full, in_d, out_d, random;
    heic_chroma chroma;
    uint32_t rows; /* source rows of 4096 */
  } cases[] = {
      {6, 1, 8, 8, 0, HEIC_CHROMA_420, 4096},  /* what heic-enc writes, every colour */
      {0, 1, 8, 8, 0, HEIC_CHROMA_444, 4096},  /* lossless GBR */
      {1, 0, 8, 8, 0, HEIC_CHROMA_422, 4096},  /* limited range */
      {6, 1, 10, 10, 1, HEIC_CHROMA_420, 256}, /* 16-bit PNG as heic-enc stores it */
      {9, 1, 16, 10, 1, HEIC_CHROMA_444, 256},
      {5, 0, 12, 10, 1, HEIC_CHROMA_422, 256},
  };
  enum { W = 4096, BAND = 128 };
  env e;
  env_init(&e);
  for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
    ref_matrix m;
    ref_matrix_init(&m, cases[ci].mc, cases[ci].full, cases[ci].in_d, cases[ci].out_d);
    heic_nclx n = nclx_of(cases[ci].mc, cases[ci].full);
    heic_chroma chroma = cases[ci].chroma;
    uint32_t sx = chroma == HEIC_CHROMA_444 ? 1 : 2, sy = chroma == HEIC_CHROMA_420 ? 2 : 1;
    long bad = 0;
    for (uint32_t band = 0; band < cases[ci].rows; band += BAND) {
      gen_rows g = {W, band, cases[ci].in_d, cases[ci].random};
      hx_picture p;
      if (hx_rgb_rows_to_ycbcr(gen_row, &g, W, BAND, cases[ci].in_d, &e.mem, &n, chroma,
                               cases[ci].out_d, 1, &p, NULL) != HEIC_OK) {
        CHECK(0);
        continue;
      }
      for (uint32_t j = 0; j < BAND / sy; j++)
        for (uint32_t i = 0; i < W / sx; i++) {
          long sb = 0, sr = 0;
          for (uint32_t dy = 0; dy < sy; dy++)
            for (uint32_t dx = 0; dx < sx; dx++) {
              uint32_t x = sx * i + dx, y = sy * j + dy;
              long yv, cb, cr;
              ref_px(&m, gen_sample(&g, x, y, 0), gen_sample(&g, x, y, 1), gen_sample(&g, x, y, 2),
                     &yv, &cb, &cr);
              bad += *at(&p.planes[0], x, y) != yv;
              sb += cb;
              sr += cr;
            }
          int shift = 4 + (sx == 2) + (sy == 2);
          bad += *at(&p.planes[1], i, j) != ref_chroma(sb, shift, m.out_max);
          bad += *at(&p.planes[2], i, j) != ref_chroma(sr, shift, m.out_max);
        }
      hx_picture_clear(&p);
    }
    if (bad) fprintf(stderr, "fixed-point case %zu: %ld codes differ from the double formula\n", ci, bad);
    CHECK(bad == 0);
  }
  env_done(&e);
}

int main(void) {
  test_fixed_point_exact();
  test_anchors();
  test_downsampling();
  test_matrices();
  test_unspecified_is_601();
  test_identity();
  test_monochrome();
  test_upsampling();
  test_bilinear_weights();
  test_alpha_untouched();
  test_errors();
  test_alloc_failure();
  printf("test_colour: %d checks, %d failed\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
