/*
 * Unit test: the streaming encode, heic_context_encode_rows() (issue 17).
 * Its file must equal, byte for byte, what heic_context_encode_image()
 * writes for the same image and options: single pictures and grids (with
 * partial tiles and odd sizes), grey RGB (4:0:0, found by the first pass,
 * or declared), alpha, thumbnails, 16-bit input, 1 and 2 threads.  Then:
 * the working set follows the width (the allocator's peak, against the
 * whole-image path's), cancellation between bands and a failing read end
 * in a clean error with nothing leaked and nothing writable, and an
 * allocation-failure loop over a streamed grid with alpha and a thumbnail.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heic/heic.h"
#include "heic/heic_plugin.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

/* A photo-like value at (x, y) of component c: smooth ramps, edges, noise. */
static unsigned sample(uint32_t x, uint32_t y, int c, unsigned max, int grey) {
  if (grey) c = 0;
  uint32_t h = (x * 2654435761u) ^ (y * 40503u + (uint32_t)c * 977u);
  h ^= h >> 13;
  unsigned v = (x * (3 + (unsigned)c) + y * 2 + ((x / 37 + y / 23) % 3) * 60 + (h & 15)) & 255;
  return max == 255 ? v : (v * 257u + (h & 255)) & max;
}

typedef struct mem_source {
  uint32_t w, h;
  int depth, alpha, grey;
  uint32_t next;      /* the row the next read must start at */
  int fail_at_row;    /* >= 0: read fails when asked for this row */
  int passes;
} mem_source;

static void fill_row(const mem_source *m, uint32_t y, uint8_t *dst) {
  int comps = m->alpha ? 4 : 3;
  unsigned max = (1u << m->depth) - 1;
  for (uint32_t x = 0; x < m->w; x++)
    for (int c = 0; c < comps; c++) {
      unsigned v = c == 3 ? sample(x, y, 5, max, 0) : sample(x, y, c, max, m->grey);
      if (m->depth == 8) {
        dst[(size_t)x * comps + c] = (uint8_t)v;
      } else {
        uint16_t s = (uint16_t)v;
        memcpy(dst + ((size_t)x * comps + c) * 2, &s, 2);
      }
    }
}

static heic_status src_read(void *opaque, uint32_t y, uint32_t count, uint8_t *rows, size_t stride) {
  mem_source *m = opaque;
  if (y != m->next || count == 0 || y + count > m->h) return HEIC_ERR_INTERNAL; /* out of order */
  if (m->fail_at_row >= 0 && (uint32_t)m->fail_at_row >= y && (uint32_t)m->fail_at_row < y + count)
    return HEIC_ERR_IO;
  for (uint32_t i = 0; i < count; i++) fill_row(m, y + i, rows + i * stride);
  m->next = y + count;
  return HEIC_OK;
}

static heic_status src_rewind(void *opaque) {
  mem_source *m = opaque;
  m->next = 0;
  m->passes++;
  return HEIC_OK;
}

static heic_image *whole_image(const mem_source *m) {
  heic_image *img = NULL;
  if (heic_image_new(&img, NULL, m->w, m->h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, m->depth, m->alpha) != HEIC_OK)
    return NULL;
  size_t stride;
  uint8_t *p = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
  for (uint32_t y = 0; y < m->h; y++) fill_row(m, y, p + y * stride);
  return img;
}

static heic_row_source row_source(mem_source *m, int declare_grey, int rewind) {
  heic_row_source src;
  memset(&src, 0, sizeof(src));
  src.width = m->w;
  src.height = m->h;
  src.bit_depth = m->depth;
  src.has_alpha = m->alpha;
  src.grey = declare_grey;
  src.read = src_read;
  src.rewind = rewind ? src_rewind : NULL;
  src.opaque = m;
  m->next = 0;
  return src;
}

/* Encodes m whole (stream 0) or streamed (1) into *out. */
static heic_status encode(heic_allocator *alloc, mem_source *m, int stream, int threads,
                          const heic_encode_options *opts, heic_buffer **out) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = threads;
  heic_context *ctx = NULL;
  *out = NULL;
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st != HEIC_OK) return st;
  if (stream) {
    heic_row_source src = row_source(m, 0, 1);
    st = heic_context_encode_rows(ctx, &src, opts, NULL);
  } else {
    heic_image *img = whole_image(m);
    st = img ? heic_context_encode_image_consume(ctx, &img, opts, NULL) : HEIC_ERR_OUT_OF_MEMORY;
  }
  if (st == HEIC_OK) st = heic_context_write_memory(ctx, out);
  heic_context_free(&ctx);
  return st;
}

static void compare(uint32_t w, uint32_t h, int depth, int alpha, int grey, int threads,
                    const heic_encode_options *opts, const char *what) {
  mem_source m = {w, h, depth, alpha, grey, 0, -1, 0};
  heic_buffer *a = NULL, *b = NULL;
  heic_status sa = encode(NULL, &m, 0, threads, opts, &a);
  heic_status sb = encode(NULL, &m, 1, threads, opts, &b);
  int same = sa == HEIC_OK && sb == HEIC_OK && heic_buffer_size(a) == heic_buffer_size(b) &&
             !memcmp(heic_buffer_data(a), heic_buffer_data(b), heic_buffer_size(a));
  if (!same) {
    fprintf(stderr, "%s: %ux%u depth %d alpha %d grey %d threads %d: whole %d (%zu bytes), streamed %d (%zu bytes)\n",
            what, w, h, depth, alpha, grey, threads, (int)sa, a ? heic_buffer_size(a) : 0, (int)sb,
            b ? heic_buffer_size(b) : 0);
    failures++;
  } else {
    printf("same %zu bytes: %s, %ux%u depth %d alpha %d grey %d threads %d\n", heic_buffer_size(a), what, w, h,
           depth, alpha, grey, threads);
  }
  heic_buffer_unref(&a);
  heic_buffer_unref(&b);
}

static int cancel_at;
static int progress_cancel(void *opaque, uint32_t done, uint32_t total) {
  (void)opaque;
  (void)total;
  return done >= (uint32_t)cancel_at;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && !strcmp(argv[1], "--quick");
  heic_encode_options o;
  heic_encode_options_init(&o);
  static const char *const fast[] = {"preset=ultrafast", NULL};
  o.params = fast;

  /* single pictures: even, odd, one row of CTUs, taller than wide */
  compare(200, 130, 8, 0, 0, 1, &o, "single");
  compare(201, 131, 8, 0, 0, 2, &o, "single odd");
  compare(97, 1, 8, 0, 0, 1, &o, "one row");
  compare(65, 300, 16, 0, 0, 2, &o, "single 16-bit");
  /* grids: tiles of 64 and 128, partial and odd */
  heic_encode_options g = o;
  g.tile_size = 64;
  compare(200, 130, 8, 0, 0, 2, &g, "grid 64");
  g.tile_size = 128;
  compare(301, 257, 8, 0, 0, 1, &g, "grid 128 odd");
  compare(301, 257, 8, 0, 0, 2, &g, "grid 128 odd");
  g.tile_size = 72; /* not a multiple of the CTU */
  compare(150, 151, 8, 0, 0, 2, &g, "grid 72");
  /* grey RGB (4:0:0): found by the first pass */
  compare(203, 99, 8, 0, 1, 2, &o, "grey");
  g.tile_size = 64;
  compare(203, 99, 8, 1, 1, 2, &g, "grey grid alpha");
  /* alpha, thumbnails, metadata, orientation */
  heic_encode_options t = o;
  t.thumbnail_size = 48;
  t.orientation = 6;
  static const uint8_t exif[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0};
  t.exif = exif;
  t.exif_size = sizeof(exif);
  compare(211, 157, 8, 1, 0, 2, &t, "alpha thumbnail");
  t.tile_size = 96;
  compare(211, 157, 10, 1, 0, 1, &t, "grid alpha thumbnail 10-bit");
  t.bit_depth = 10;
  t.quality = 80;
  compare(211, 157, 8, 1, 0, 2, &t, "grid alpha thumbnail coded at 10 bits");
  /* default settings (medium), a little larger */
  heic_encode_options d;
  heic_encode_options_init(&d);
  d.thumbnail_size = 64;
  compare(quick ? 300 : 700, quick ? 200 : 500, 8, 0, 0, 2, &d, "default");
  d.tile_size = 256;
  if (!quick) compare(700, 500, 8, 1, 0, 2, &d, "default grid alpha");

  /* grey declared by the source: no first pass; without rewind and
   * undeclared, grey is coded as colour (different bytes, still valid) */
  {
    mem_source m = {120, 80, 8, 0, 1, 0, -1, 0};
    heic_context *ctx = NULL;
    CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
    heic_row_source src = row_source(&m, 1, 1);
    CHECK(heic_context_encode_rows(ctx, &src, &o, NULL) == HEIC_OK);
    CHECK(m.passes == 0);
    heic_context_free(&ctx);
    CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
    src = row_source(&m, 0, 1);
    CHECK(heic_context_encode_rows(ctx, &src, &o, NULL) == HEIC_OK);
    CHECK(m.passes == 1);
    heic_context_free(&ctx);
  }

  /* the working set: streamed, what grows with the height is the coded
   * data alone (kept for the file); the whole-image path holds the
   * picture (4:2:0 at 2 bytes a sample, and alpha: 5 bytes a pixel) */
  {
    uint32_t w = quick ? 512 : 1024, h1 = quick ? 512 : 1024;
    heic_encode_options p = o;
    p.tile_size = 256;
    size_t peak[3], coded[3];
    for (int k = 0; k < 3; k++) {
      mem_source m = {w, k ? 2 * h1 : h1, 8, 1, 0, 0, -1, 0};
      heic_allocator *alloc = NULL;
      CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
      heic_buffer *out = NULL;
      CHECK(encode(alloc, &m, k < 2, 2, &p, &out) == HEIC_OK);
      coded[k] = out ? heic_buffer_size(out) : 0;
      heic_buffer_unref(&out);
      peak[k] = heic_allocator_peak_bytes(alloc);
      CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
      heic_allocator_free(&alloc);
    }
    printf("%ux%u and %ux%u with alpha, tiles of 256: allocator peak streamed %.2f and %.2f MB "
           "(files %.2f and %.2f MB), whole %.2f MB\n",
           w, h1, w, 2 * h1, peak[0] / 1048576.0, peak[1] / 1048576.0, coded[0] / 1048576.0,
           coded[1] / 1048576.0, peak[2] / 1048576.0);
    /* twice the height: the peak grows by about the added coded data (kept
     * once by the encode, once more by the file buffer written at the end) */
    CHECK(peak[1] - peak[0] < 2 * (coded[1] - coded[0]) + 65536);
    CHECK(peak[2] > (size_t)w * 2 * h1 * 5);
  }

  /* cancellation between bands, and a read that fails: a clean error,
   * nothing leaked, and the context refuses to write */
  for (int k = 0; k < 4; k++) {
    heic_allocator *alloc = NULL;
    CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
    mem_source m = {300, 400, 8, 1, 0, 0, k >= 2 ? 150 + 60 * (k - 2) : -1, 0};
    heic_context_config cfg;
    heic_context_config_init(&cfg);
    cfg.allocator = alloc;
    cfg.threads = 2;
    heic_context *ctx = NULL;
    CHECK(heic_context_new(&ctx, &cfg) == HEIC_OK);
    heic_encode_options c = o;
    c.tile_size = 128;
    c.thumbnail_size = 32;
    cancel_at = k == 0 ? 64 : 256;
    if (k < 2) {
      c.progress = progress_cancel;
    }
    heic_row_source src = row_source(&m, 0, 1);
    heic_status st = heic_context_encode_rows(ctx, &src, &c, NULL);
    CHECK(st == (k < 2 ? HEIC_ERR_CANCELLED : HEIC_ERR_IO));
    CHECK(strlen(heic_context_last_error(ctx)) > 0);
    heic_buffer *out = NULL;
    CHECK(heic_context_write_memory(ctx, &out) != HEIC_OK && !out);
    heic_context_free(&ctx);
    CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
    heic_allocator_free(&alloc);
  }

  /* allocation failure at every point of a streamed grid with alpha and a
   * thumbnail, two threads */
  {
    heic_allocator *alloc = NULL;
    CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
    mem_source m = {150, 140, 8, 1, 0, 0, -1, 0};
    heic_encode_options f = o;
    f.tile_size = 64;
    f.thumbnail_size = 40;
    heic_buffer *ref = NULL;
    uint64_t before = heic_allocator_allocation_count(alloc);
    CHECK(encode(alloc, &m, 1, 2, &f, &ref) == HEIC_OK);
    size_t held = heic_allocator_outstanding_bytes(alloc); /* ref */
    uint64_t count = heic_allocator_allocation_count(alloc) - before;
    uint64_t step = quick && count > 400 ? count / 400 : 1;
    int ok_runs = 0;
    for (uint64_t i = 1; i <= count; i += step) {
      heic_allocator_fail_at(alloc, i);
      heic_buffer *out = NULL;
      heic_status st = encode(alloc, &m, 1, 2, &f, &out);
      heic_allocator_fail_at(alloc, 0);
      if (st == HEIC_OK) {
        /* a failure the encode could absorb must not change the file */
        ok_runs++;
        CHECK(heic_buffer_size(out) == heic_buffer_size(ref) &&
              !memcmp(heic_buffer_data(out), heic_buffer_data(ref), heic_buffer_size(ref)));
      } else {
        CHECK(st == HEIC_ERR_OUT_OF_MEMORY);
      }
      heic_buffer_unref(&out);
      if (heic_allocator_outstanding_bytes(alloc) != held) {
        fprintf(stderr, "allocation %llu: %zu bytes leaked\n", (unsigned long long)i,
                heic_allocator_outstanding_bytes(alloc) - held);
        failures++;
      }
    }
    printf("allocation-failure loop: %llu allocations, every %llu-th failed, %d absorbed\n",
           (unsigned long long)count, (unsigned long long)step, ok_runs);
    heic_buffer_unref(&ref);
    heic_allocator_free(&alloc);
  }

  /* no place for the spool (TMPDIR missing): a clean I/O error naming
   * it, nothing leaked */
  {
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent-libheic-test-dir", 1);
    heic_allocator *alloc = NULL;
    CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
    mem_source m = {100, 60, 8, 0, 0, 0, -1, 0};
    heic_buffer *out = NULL;
    CHECK(encode(alloc, &m, 1, 1, &o, &out) == HEIC_ERR_IO && !out);
    CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
    heic_allocator_free(&alloc);
    if (saved)
      setenv("TMPDIR", saved, 1);
    else
      unsetenv("TMPDIR");
    free(saved);
  }

  /* argument errors */
  {
    heic_context *ctx = NULL;
    CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
    CHECK(heic_context_encode_rows(ctx, NULL, &o, NULL) == HEIC_ERR_INVALID_ARGUMENT);
    mem_source m = {10, 10, 8, 0, 0, 0, -1, 0};
    heic_row_source src = row_source(&m, 0, 1);
    src.read = NULL;
    CHECK(heic_context_encode_rows(ctx, &src, &o, NULL) == HEIC_ERR_INVALID_ARGUMENT);
    src = row_source(&m, 0, 1);
    src.bit_depth = 7;
    CHECK(heic_context_encode_rows(ctx, &src, &o, NULL) == HEIC_ERR_INVALID_ARGUMENT);
    CHECK(heic_context_encode_rows(NULL, &src, &o, NULL) == HEIC_ERR_INVALID_ARGUMENT);
    heic_context_free(&ctx);
    /* an encoder that takes no bands: refused before anything is made, so
     * the context still encodes */
    if (heic_encoder_plugin_find("x265")) {
      CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
      heic_encode_options x = o;
      x.encoder = "x265";
      x.params = NULL;
      src = row_source(&m, 0, 1);
      CHECK(heic_context_encode_rows(ctx, &src, &x, NULL) == HEIC_ERR_UNSUPPORTED);
      src = row_source(&m, 0, 1);
      CHECK(heic_context_encode_rows(ctx, &src, &o, NULL) == HEIC_OK);
      heic_buffer *b = NULL;
      CHECK(heic_context_write_memory(ctx, &b) == HEIC_OK);
      heic_buffer_unref(&b);
      heic_context_free(&ctx);
    }
  }
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
