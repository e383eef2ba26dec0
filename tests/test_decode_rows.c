/*
 * Tests of the streaming decode, heic_context_decode_item_rows() (issue 17).
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * usage: test_decode_rows [--quick] DATA_DIR [CORPUS_DIR]
 *        test_decode_rows --peak-big[-whole] CORPUS_DIR
 *
 * (--peak-big: not a ctest; the iPhone grid's tiles named over and over
 * as a 200 MP grid, the streamed peak printed, and with -whole the whole
 * decode's, which needs 2.4 GB.)
 *
 * same       Every image (top-level, thumbnails, alpha) of every sample in
 *            DATA_DIR and of every HEIF file under CORPUS_DIR/heif (when
 *            present): where heic_context_decode_item() decodes it, the
 *            bands put together are that image byte for byte, with the same
 *            description - RGB and YCbCr, with and without transformations,
 *            nearest and bilinear chroma, with and without alpha (files
 *            over 4 MP: fewer combinations; --quick, for the sanitizer
 *            tree: only corpus files up to 1 MB).  Where it fails, the
 *            streaming form fails too.  The bands themselves are checked:
 *            start once before them, consecutive rows, each within
 *            max_band_rows, the planes' rows consecutive and complete.
 * synthetic  Grids written here with the library's own encoder (RGBA, 3x2
 *            tiles of 128 whose last column and row overhang the canvas,
 *            a grid alpha image) and rewritten with hf_writer to carry
 *            every EXIF orientation (irot 90/180/270, imir on both axes),
 *            clap before and after a rotation, at even and odd offsets
 *            (odd: YCbCr output must re-site chroma, the whole-picture
 *            fallback), a clap that leaves out whole tiles, tiles of odd
 *            size (their chroma overlaps: the whole-canvas fallback) and
 *            a non-grid alpha image of another size (scaled); the 10-bit
 *            4:2:2 camera grid of the corpus with irot 90/270 and a
 *            mirror.  Each compared with the whole decode as above.
 * alloc      The streaming decode of two synthetic grids (RGB with alpha
 *            and a quarter turn; YCbCr with clap) with each of its
 *            allocation attempts failed in turn: HEIC_ERR_OUT_OF_MEMORY
 *            or identical output, and never a byte left outstanding.
 * cancel     A sink returning non-zero at the start and at every band, and
 *            a progress callback cancelling at each of its calls:
 *            HEIC_ERR_CANCELLED, no further band, and the context's
 *            outstanding bytes back where they were before the call.
 * peak       The context allocator's peak over a streaming decode of the
 *            12 MP iPhone grid of the corpus (8x6 tiles of 512) against
 *            heic_context_decode_item()'s, both printed; the streaming one
 *            must stay under 40 MB and a third of the whole one, and give
 *            the same pixels.  With max_memory at 24 MB the whole decode
 *            runs out of memory and the streaming one succeeds.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <heic/heic.h>

#include "core/mem.h"
#include "heif/heif_file.h"
#include "heif/heif_write.h"

static int g_failures;
static int g_checks;
static int g_quick;

#define FAIL(...)                                        \
  do {                                                   \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                        \
    fputc('\n', stderr);                                 \
    g_failures++;                                        \
  } while (0)

#define CHECK(cond)                                 \
  do {                                              \
    g_checks++;                                     \
    if (!(cond)) FAIL("check failed: %s", #cond);   \
  } while (0)

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "test_decode_rows: out of memory\n");
    exit(2);
  }
  return p;
}

static uint8_t *read_whole_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *p = realloc(data, cap);
      if (!p) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = p;
    }
    size_t got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *size = n;
  return data;
}

/* ------------------------------------------------------------------ */
/* A sink that puts the bands back together, checking them             */
/* ------------------------------------------------------------------ */

typedef struct collect {
  int starts, bands;
  heic_rows_info info;
  uint8_t *planes[4];
  size_t row_bytes[4];
  uint32_t ph[4];
  uint32_t next_row, next_prow[4];
  int bad;
  char why[200];
  int cancel_start;   /* return 1 from start */
  int cancel_band;    /* return 1 from this band (0-based), -1 never */
} collect;

static void collect_init(collect *c) {
  memset(c, 0, sizeof(*c));
  c->cancel_band = -1;
}

static void collect_free(collect *c) {
  for (int i = 0; i < 4; i++) free(c->planes[i]);
  int cb = c->cancel_band, cs = c->cancel_start;
  memset(c, 0, sizeof(*c));
  c->cancel_band = cb;
  c->cancel_start = cs;
}

static void collect_bad(collect *c, const char *fmt, ...) {
  if (c->bad++) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
}

static int sink_start(void *opaque, const heic_rows_info *in) {
  collect *c = opaque;
  if (c->starts++ || c->bands) collect_bad(c, "start called again or after a band");
  c->info = *in;
  size_t bps = in->bit_depth > 8 ? 2 : 1;
  if (!in->width || !in->height || in->max_band_rows < 1 || in->max_band_rows > in->height)
    collect_bad(c, "info %ux%u, max_band_rows %u", in->width, in->height, in->max_band_rows);
  for (int i = 0; i < 4 && !c->bad; i++) {
    uint32_t w = 0, h = 0;
    if (in->layout == HEIC_LAYOUT_RGB) {
      if (i == 0) w = in->width * (uint32_t)in->components, h = in->height;
    } else if (i == 0 || (i == 3 && in->has_alpha)) {
      w = in->width, h = in->height;
    } else if ((i == 1 || i == 2) && in->chroma != HEIC_CHROMA_400) {
      w = in->chroma == HEIC_CHROMA_444 ? in->width : (in->width + 1) / 2;
      h = in->chroma == HEIC_CHROMA_420 ? (in->height + 1) / 2 : in->height;
    }
    if (!w) continue;
    c->row_bytes[i] = (size_t)w * bps;
    c->ph[i] = h;
    c->planes[i] = xmalloc(c->row_bytes[i] * h);
    memset(c->planes[i], 0xA5, c->row_bytes[i] * h);
  }
  return c->cancel_start;
}

static int sink_rows(void *opaque, const heic_rows_band *b) {
  collect *c = opaque;
  int index = c->bands++;
  const heic_rows_info *in = &c->info;
  if (!c->starts) collect_bad(c, "a band before start");
  if (b->info == NULL || b->info->width != in->width || b->info->height != in->height)
    collect_bad(c, "band %d: info differs from start's", index);
  if (b->first_row != c->next_row || b->rows < 1 || b->rows > in->max_band_rows ||
      b->first_row + b->rows > in->height)
    collect_bad(c, "band %d: rows %u+%u, expected first %u (max %u, height %u)", index, b->first_row,
                b->rows, c->next_row, in->max_band_rows, in->height);
  if (in->layout == HEIC_LAYOUT_YCBCR && in->chroma == HEIC_CHROMA_420 && (b->first_row & 1))
    collect_bad(c, "band %d of 4:2:0 starts on odd row %u", index, b->first_row);
  size_t bps = in->bit_depth > 8 ? 2 : 1;
  for (int i = 0; i < 4 && !c->bad; i++) {
    if (!c->planes[i]) {
      if (b->planes[i]) collect_bad(c, "band %d: unexpected plane %d", index, i);
      continue;
    }
    if (!b->planes[i]) {
      collect_bad(c, "band %d: plane %d missing", index, i);
      break;
    }
    size_t samples = in->layout == HEIC_LAYOUT_RGB ? (size_t)b->plane_width[i] * in->components
                                                   : b->plane_width[i];
    if (samples * bps != c->row_bytes[i] || b->strides[i] < c->row_bytes[i] ||
        b->plane_first_row[i] != c->next_prow[i] || b->plane_rows[i] < 1 ||
        b->plane_first_row[i] + b->plane_rows[i] > c->ph[i]) {
      collect_bad(c, "band %d plane %d: width %u stride %zu rows %u+%u (expected row %u of %u)", index,
                  i, b->plane_width[i], b->strides[i], b->plane_first_row[i], b->plane_rows[i],
                  c->next_prow[i], c->ph[i]);
      break;
    }
    for (uint32_t r = 0; r < b->plane_rows[i]; r++)
      memcpy(c->planes[i] + (size_t)(b->plane_first_row[i] + r) * c->row_bytes[i],
             b->planes[i] + r * b->strides[i], c->row_bytes[i]);
    c->next_prow[i] += b->plane_rows[i];
  }
  c->next_row += b->rows;
  return index == c->cancel_band;
}

static const heic_rows_sink k_sink = {sink_start, sink_rows, NULL};

/* Streams item id into c.  The sink's opaque is c. */
static heic_status stream(heic_context *ctx, uint32_t id, const heic_decode_options *o, collect *c) {
  heic_rows_sink sink = k_sink;
  sink.opaque = c;
  return heic_context_decode_item_rows(ctx, id, o, &sink);
}

/* Field by field: the struct has padding. */
static int nclx_equal(const heic_nclx *a, const heic_nclx *b) {
  return a->colour_primaries == b->colour_primaries &&
         a->transfer_characteristics == b->transfer_characteristics &&
         a->matrix_coefficients == b->matrix_coefficients && a->full_range == b->full_range;
}

/* Whether the collected bands are img, row for row; describes the first
 * difference in why. */
static int same_as_image(const collect *c, const heic_image *img, char *why, size_t why_size) {
  const heic_rows_info *in = &c->info;
  heic_nclx n = heic_image_nclx(img);
  if (c->bad) {
    snprintf(why, why_size, "bands: %s", c->why);
    return 0;
  }
  if (c->starts != 1 || c->next_row != in->height) {
    snprintf(why, why_size, "%d starts, %u of %u rows", c->starts, c->next_row, in->height);
    return 0;
  }
  if (in->width != heic_image_width(img) || in->height != heic_image_height(img) ||
      in->layout != heic_image_layout(img) || in->chroma != heic_image_chroma(img) ||
      in->bit_depth != heic_image_bit_depth(img) || in->has_alpha != heic_image_has_alpha(img) ||
      in->premultiplied != heic_image_alpha_premultiplied(img) ||
      in->components != heic_image_components(img) ||
      !nclx_equal(&in->nclx, &n)) {
    snprintf(why, why_size,
             "info %ux%u layout %d chroma %d depth %d alpha %d prem %d comps %d nclx %u/%u/%u/%u, "
             "image %ux%u layout %d chroma %d depth %d alpha %d prem %d comps %d nclx %u/%u/%u/%u",
             in->width, in->height, in->layout, in->chroma, in->bit_depth, in->has_alpha,
             in->premultiplied, in->components, in->nclx.colour_primaries,
             in->nclx.transfer_characteristics, in->nclx.matrix_coefficients, in->nclx.full_range,
             heic_image_width(img), heic_image_height(img), heic_image_layout(img),
             heic_image_chroma(img), heic_image_bit_depth(img), heic_image_has_alpha(img),
             heic_image_alpha_premultiplied(img), heic_image_components(img), n.colour_primaries,
             n.transfer_characteristics, n.matrix_coefficients, n.full_range);
    return 0;
  }
  for (int i = 0; i < 4; i++) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, (heic_plane_id)i, &stride, &w, &h);
    if (!p != !c->planes[i] || (p && (h != c->ph[i] || c->next_prow[i] != h))) {
      snprintf(why, why_size, "plane %d: image %s %ux%u, bands %s %u rows (%u delivered)", i,
               p ? "has" : "lacks", w, h, c->planes[i] ? "have" : "lack", c->ph[i], c->next_prow[i]);
      return 0;
    }
    if (!p) continue;
    for (uint32_t y = 0; y < h; y++) {
      const uint8_t *a = p + y * stride, *b = c->planes[i] + y * c->row_bytes[i];
      if (memcmp(a, b, c->row_bytes[i]) != 0) {
        size_t x = 0;
        while (a[x] == b[x]) x++;
        snprintf(why, why_size, "plane %d row %u byte %zu: whole %u, streamed %u", i, y, x, a[x], b[x]);
        return 0;
      }
    }
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* same: whole vs streaming                                             */
/* ------------------------------------------------------------------ */

typedef struct combo {
  heic_layout layout;
  int no_transform, no_alpha;
  heic_upsampling up;
  const char *name;
} combo;

static const combo k_combos[] = {
    {HEIC_LAYOUT_RGB, 0, 0, HEIC_UPSAMPLING_NEAREST, "rgb"},
    {HEIC_LAYOUT_RGB, 0, 0, HEIC_UPSAMPLING_BILINEAR, "rgb-bilinear"},
    {HEIC_LAYOUT_YCBCR, 0, 0, HEIC_UPSAMPLING_DEFAULT, "ycbcr"},
    {HEIC_LAYOUT_RGB, 1, 0, HEIC_UPSAMPLING_BILINEAR, "rgb-bilinear-no-transform"},
    {HEIC_LAYOUT_YCBCR, 1, 0, HEIC_UPSAMPLING_DEFAULT, "ycbcr-no-transform"},
    {HEIC_LAYOUT_RGB, 0, 1, HEIC_UPSAMPLING_NEAREST, "rgb-no-alpha"},
};
#define N_COMBOS (sizeof(k_combos) / sizeof(k_combos[0]))

typedef struct tally {
  int compared, both_failed, streamed;
} tally;

/* Decodes item id whole and streamed with combo k; returns 1 when both
 * succeeded. */
static int compare_item(heic_context *ctx, const char *label, uint32_t id, const combo *k, tally *t) {
  heic_decode_options o;
  heic_decode_options_init(&o);
  o.layout = k->layout;
  o.no_transform = k->no_transform;
  o.no_alpha = k->no_alpha;
  o.upsampling = k->up;
  heic_image *img = NULL;
  heic_status s1 = heic_context_decode_item(ctx, id, &o, &img);
  char e1[300];
  snprintf(e1, sizeof e1, "%s", heic_context_last_error(ctx));
  collect c;
  collect_init(&c);
  heic_status s2 = stream(ctx, id, &o, &c);
  int ok = 0;
  g_checks++;
  if (s1 == HEIC_OK && s2 != HEIC_OK) {
    FAIL("%s item %u %s: whole decode works, streaming fails: %s: %s", label, id, k->name,
         heic_status_string(s2), heic_context_last_error(ctx));
  } else if (s1 != HEIC_OK && s2 == HEIC_OK) {
    FAIL("%s item %u %s: whole decode fails (%s: %s), streaming works", label, id, k->name,
         heic_status_string(s1), e1);
  } else if (s1 != HEIC_OK) {
    t->both_failed++;
  } else {
    char why[400];
    if (!same_as_image(&c, img, why, sizeof why))
      FAIL("%s item %u %s: streamed output differs: %s", label, id, k->name, why);
    t->compared++;
    t->streamed += c.info.streamed;
    ok = 1;
  }
  collect_free(&c);
  heic_image_free(&img);
  return ok;
}

/* The combinations worth running on item id (bit k: k_combos[k]): without
 * transformations only when it has some, without alpha only when it has
 * alpha, and on pictures over 6 MP only RGB with bilinear chroma, which
 * reads across every tile seam (the small ones cover the rest, and the
 * peak test compares the default on the 12 MP grid; a big one costs
 * seconds a decode). */
static unsigned pick_combos(heic_context *ctx, uint32_t id) {
  heic_item_info info;
  if (heic_context_item_info(ctx, id, &info) != HEIC_OK) return 1;
  int xf = 0;
  for (uint32_t i = 0; i < heic_context_property_count(ctx, id); i++) {
    char type[5] = "", desc[128];
    int essential;
    if (heic_context_property(ctx, id, i, type, &essential, desc, sizeof desc) == HEIC_OK)
      xf |= !strcmp(type, "irot") || !strcmp(type, "imir") || !strcmp(type, "clap");
  }
  if ((uint64_t)info.width * info.height > 6000000) return 2;
  return 7u | (xf ? 8u | 16u : 0u) | (info.alpha_item ? 32u : 0u);
}

/* Every image of a file: top-level, their thumbnails and alpha images. */
static void compare_file(const char *label, const uint8_t *data, size_t size, int threads, tally *t) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.threads = threads;
  heic_context *ctx = NULL;
  if (heic_context_new(&ctx, &cfg) != HEIC_OK) {
    FAIL("no context");
    return;
  }
  if (heic_context_read_memory(ctx, data, size) != HEIC_OK) {
    heic_context_free(&ctx);
    return;
  }
  uint32_t ids[64], n = 0;
  uint32_t top = heic_context_top_level_count(ctx);
  for (uint32_t i = 0; i < top && n < 60; i++) {
    uint32_t id = heic_context_top_level_id(ctx, i);
    ids[n++] = id;
    heic_item_info info;
    if (heic_context_item_info(ctx, id, &info) != HEIC_OK) continue;
    for (uint32_t k = 0; k < info.thumbnail_count && k < 2 && n < 62; k++)
      ids[n++] = heic_context_thumbnail_id(ctx, id, k);
    if (info.alpha_item && n < 63) ids[n++] = info.alpha_item;
  }
  for (uint32_t i = 0; i < n; i++) {
    unsigned mask = pick_combos(ctx, ids[i]);
    for (size_t k = 0; k < N_COMBOS; k++)
      if (mask >> k & 1) compare_item(ctx, label, ids[i], &k_combos[k], t);
  }
  heic_context_free(&ctx);
}

static int has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int is_heif_name(const char *name) {
  return has_suffix(name, ".heic") || has_suffix(name, ".heif") || has_suffix(name, ".hif") ||
         has_suffix(name, ".HEIC") || has_suffix(name, ".avif");
}

/* Every HEIF file in dir (recursively, sorted for a stable order). */
static void compare_dir(const char *dir, size_t max_size, tally *t, int *files) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) return;
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    char path[4096];
    if (name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path) {
      struct stat sb;
      if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        compare_dir(path, max_size, t, files);
      } else if (is_heif_name(name) && (!max_size || (size_t)sb.st_size <= max_size)) {
        size_t size = 0;
        uint8_t *data = read_whole_file(path, &size);
        if (data) {
          double t0 = now_seconds();
          compare_file(path, data, size, 2, t);
          (*files)++;
          if (now_seconds() - t0 > 2.0) printf("  %s: %.1f s\n", path, now_seconds() - t0);
        }
        free(data);
      }
    }
    free(names[i]);
  }
  free(names);
}

/* ------------------------------------------------------------------ */
/* synthetic grids                                                      */
/* ------------------------------------------------------------------ */

static const char *const k_fast[] = {"preset=fast", NULL};

/* A picture with gradients, texture and (RGBA) a varying alpha, encoded as
 * a grid of tiles of `tile` (with a grid alpha image and a thumbnail):
 * 8-bit RGBA when chroma is 4:4:4, else YCbCr input of that chroma and
 * depth (kept as it is by the encoder, no alpha). */
static uint8_t *make_grid_file_fmt(uint32_t w, uint32_t h, uint32_t tile, heic_chroma chroma, int depth,
                                   size_t *size) {
  heic_image *img = NULL;
  heic_context *ctx = NULL;
  heic_buffer *file = NULL;
  uint8_t *copy = NULL;
  int rgb = chroma == HEIC_CHROMA_444;
  heic_status st = heic_image_new(&img, NULL, w, h, rgb ? HEIC_LAYOUT_RGB : HEIC_LAYOUT_YCBCR, chroma,
                                  depth, rgb);
  if (st == HEIC_OK && rgb) {
    size_t stride = 0;
    uint8_t *p = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
    for (uint32_t y = 0; y < h; y++)
      for (uint32_t x = 0; x < w; x++) {
        uint8_t *px = p + y * stride + (size_t)x * 4;
        /* Sharp colour edges everywhere, so that chroma upsampling across
         * tile seams shows in the output. */
        px[0] = (uint8_t)(x * 255 / w);
        px[1] = (uint8_t)(((x / 3 + y / 5) & 1) ? 230 : 20);
        px[2] = (uint8_t)((x * 7 + y * 13) & 255);
        px[3] = (uint8_t)(y * 255 / h);
      }
  } else if (st == HEIC_OK) {
    uint32_t maxv = (1u << depth) - 1;
    for (int i = 0; i < 3; i++) {
      size_t stride = 0;
      uint8_t *p = heic_image_plane_mut(img, (heic_plane_id)i, &stride);
      if (!p) continue;
      uint32_t pw = i && chroma != HEIC_CHROMA_444 ? (w + 1) / 2 : w;
      uint32_t ph = i && chroma == HEIC_CHROMA_420 ? (h + 1) / 2 : h;
      for (uint32_t y = 0; y < ph; y++)
        for (uint32_t x = 0; x < pw; x++) {
          uint32_t v = i == 0 ? (x * 5 + y * 3) % (maxv + 1) : (((x / 2 + y / 3) & 1) ? maxv * 7 / 8 : maxv / 8);
          if (depth > 8) ((uint16_t *)(void *)(p + y * stride))[x] = (uint16_t)v;
          else p[y * stride + x] = (uint8_t)v;
        }
    }
  }
  if (st == HEIC_OK) {
    heic_context_config cfg;
    heic_context_config_init(&cfg);
    cfg.threads = 2;
    st = heic_context_new(&ctx, &cfg);
  }
  if (st == HEIC_OK) {
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.quality = 70;
    opts.params = k_fast;
    opts.tile_size = tile;
    opts.thumbnail_size = 96;
    st = heic_context_encode_image(ctx, img, &opts, NULL);
  }
  if (st == HEIC_OK) st = heic_context_write_memory(ctx, &file);
  if (st == HEIC_OK) {
    *size = heic_buffer_size(file);
    copy = xmalloc(*size);
    memcpy(copy, heic_buffer_data(file), *size);
  } else {
    FAIL("cannot make a test grid: %s: %s", heic_status_string(st), ctx ? heic_context_last_error(ctx) : "");
  }
  heic_buffer_unref(&file);
  heic_context_free(&ctx);
  heic_image_free(&img);
  return copy;
}

static uint8_t *make_grid_file(uint32_t w, uint32_t h, uint32_t tile, size_t *size) {
  return make_grid_file_fmt(w, h, tile, HEIC_CHROMA_444, 8, size);
}

/* A transformation to write. */
typedef struct xform {
  char kind; /* 'c' clap, 'r' irot, 'm' imir */
  unsigned value;
  hf_clap clap;
} xform;

typedef struct rewrite {
  const xform *xf; /* replace the primary's transformations with these, in order */
  int nxf;
  int odd_tiles;     /* ispe of the primary's tiles one smaller: tiles of odd size */
  int thumb_alpha;   /* the thumbnail (not a grid, another size) becomes the primary's alpha */
  uint32_t one_row;  /* > 0: the primary grid keeps only its first row of tiles, this high */
  uint32_t alpha_w, alpha_h; /* > 0: the canvas of the grid alpha image (then scaled) */
  /* > 0: the primary grid becomes big_cols x big_rows tiles, its tiles
   * named over and over, for a canvas of big_w x big_h */
  uint32_t big_cols, big_rows, big_w, big_h;
} rewrite;

/* A clap of w x h whose top-left corner is at (x, y) of a W x H image. */
static xform clap_at(uint32_t W, uint32_t H, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  xform t;
  memset(&t, 0, sizeof t);
  t.kind = 'c';
  /* centre offset = x + w/2 - W/2, in halves */
  t.clap = (hf_clap){w, 1, h, 1, (int32_t)(2 * x + w) - (int32_t)W, 2, (int32_t)(2 * y + h) - (int32_t)H, 2};
  return t;
}

typedef struct membuf {
  uint8_t *d;
  size_t n, cap;
} membuf;

static int membuf_write(void *opaque, const uint8_t *data, size_t size) {
  membuf *m = opaque;
  if (m->n + size > m->cap) {
    size_t cap = m->cap ? m->cap : 65536;
    while (cap < m->n + size) cap *= 2;
    uint8_t *p = realloc(m->d, cap);
    if (!p) return -1;
    m->d = p;
    m->cap = cap;
  }
  memcpy(m->d + m->n, data, size);
  m->n += size;
  return 0;
}

#define TRY(x)                     \
  do {                             \
    if ((st = (x)) != HEIC_OK) goto done; \
  } while (0)

/* Copies a file written by the encoder (items, their data, the properties
 * it writes, references) with the changes rw asks for. */
static uint8_t *rewrite_file(const uint8_t *data, size_t size, const rewrite *rw, size_t *out_size) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return NULL;
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);
  hc_err err;
  hc_err_clear(&err);
  hf_file f;
  memset(&f, 0, sizeof f);
  hf_writer *w = NULL;
  membuf out = {0};
  uint32_t *map = NULL;
  heic_status st = hf_parse(&f, &mem, data, size, NULL, &err);
  if (st != HEIC_OK) goto done;
  TRY(hf_writer_new(&w, &mem, &err));
  TRY(hf_writer_set_brands(w, f.major_brand, f.brands, f.brand_count, &err));
  map = calloc(f.item_count + 1, sizeof(*map));
  if (!map) abort();
  const uint32_t primary = f.primary_id;
  const hf_ref *dimg = hf_find_ref(&f, primary, HF_4CC('d', 'i', 'm', 'g'));
  uint32_t thumb = 0, old_alpha = 0;
  for (uint32_t r = 0; r < f.ref_count; r++) {
    const hf_ref *ref = &f.refs[r];
    if (ref->type == HF_4CC('t', 'h', 'm', 'b') && ref->count && ref->to[0] == primary) thumb = ref->from;
    if (ref->type == HF_4CC('a', 'u', 'x', 'l') && ref->count && ref->to[0] == primary) old_alpha = ref->from;
  }
  for (uint32_t i = 0; i < f.item_count; i++) {
    const hf_item *it = &f.items[i];
    int is_tile = 0;
    for (uint32_t k = 0; dimg && k < dimg->count; k++) is_tile |= dimg->to[k] == it->id;
    TRY(hf_writer_add_item(w, it->type, it->name, it->hidden, &map[i], &err));
    if (it->type == HF_4CC('m', 'i', 'm', 'e'))
      TRY(hf_writer_set_content_type(w, map[i], it->content_type, &err));
    if (it->has_location) {
      uint8_t *d = NULL;
      size_t n = 0;
      TRY(hf_item_data(&f, it, &d, &n, &err));
      if (rw->one_row && it->id == primary && n == 8) {
        d[2] = 0; /* rows - 1 */
        d[6] = (uint8_t)(rw->one_row >> 8);
        d[7] = (uint8_t)rw->one_row;
      }
      if (rw->big_cols && it->id == primary && n == 8) {
        d[2] = (uint8_t)(rw->big_rows - 1);
        d[3] = (uint8_t)(rw->big_cols - 1);
        d[4] = (uint8_t)(rw->big_w >> 8);
        d[5] = (uint8_t)rw->big_w;
        d[6] = (uint8_t)(rw->big_h >> 8);
        d[7] = (uint8_t)rw->big_h;
      }
      if (rw->alpha_w && it->id == old_alpha && n == 8) {
        d[4] = (uint8_t)(rw->alpha_w >> 8);
        d[5] = (uint8_t)rw->alpha_w;
        d[6] = (uint8_t)(rw->alpha_h >> 8);
        d[7] = (uint8_t)rw->alpha_h;
      }
      st = hf_writer_set_item_data(w, map[i], d, n, it->construction_method == 1, &err);
      hc_free(&mem, d);
      if (st != HEIC_OK) goto done;
    }
    for (uint32_t a = 0; a < it->assoc_count; a++) {
      const hf_property *p = &f.props[it->assocs[a].index];
      if (!p->parsed) continue;
      switch (p->type) {
        case HF_4CC('i', 's', 'p', 'e'): {
          uint32_t sub = rw->odd_tiles && is_tile ? 1 : 0;
          uint32_t wd = p->u.ispe.width - sub, h = p->u.ispe.height - sub;
          if (rw->one_row && it->id == primary) h = rw->one_row;
          if (rw->alpha_w && it->id == old_alpha) wd = rw->alpha_w, h = rw->alpha_h;
          if (rw->big_cols && it->id == primary) wd = rw->big_w, h = rw->big_h;
          TRY(hf_writer_add_ispe(w, map[i], wd, h, &err));
          break;
        }
        case HF_4CC('p', 'i', 'x', 'i'):
          TRY(hf_writer_add_pixi(w, map[i], p->u.pixi.channels, p->u.pixi.depth, &err));
          break;
        case HF_4CC('c', 'o', 'l', 'r'):
          if (p->u.colr.kind == HF_COLR_NCLX) TRY(hf_writer_add_colr_nclx(w, map[i], &p->u.colr.nclx, &err));
          else TRY(hf_writer_add_colr_icc(w, map[i], p->u.colr.icc.data, p->u.colr.icc.size, &err));
          break;
        case HF_4CC('h', 'v', 'c', 'C'): {
          hf_span nals[32];
          uint32_t n = 0;
          for (uint32_t k = 0; k < p->u.hvcc.array_count; k++)
            for (uint32_t m = 0; m < p->u.hvcc.arrays[k].count && n < 32; m++)
              nals[n++] = p->u.hvcc.arrays[k].nals[m];
          TRY(hf_writer_add_hvcc(w, map[i], nals, n, &err));
          break;
        }
        case HF_4CC('a', 'u', 'x', 'C'):
          TRY(hf_writer_add_auxc(w, map[i], p->u.auxc.aux_type, &err));
          break;
        case HF_4CC('i', 'r', 'o', 't'):
          if (it->id != primary || !rw->xf) TRY(hf_writer_add_irot(w, map[i], p->u.irot.angle, &err));
          break;
        case HF_4CC('i', 'm', 'i', 'r'):
          if (it->id != primary || !rw->xf) TRY(hf_writer_add_imir(w, map[i], p->u.imir.axis, &err));
          break;
        case HF_4CC('c', 'l', 'a', 'p'):
          if (it->id != primary || !rw->xf) TRY(hf_writer_add_clap(w, map[i], &p->u.clap, &err));
          break;
        default:
          break;
      }
    }
    if (it->id == primary)
      for (int k = 0; k < rw->nxf; k++) {
        const xform *x = &rw->xf[k];
        if (x->kind == 'c') TRY(hf_writer_add_clap(w, map[i], &x->clap, &err));
        if (x->kind == 'r') TRY(hf_writer_add_irot(w, map[i], x->value, &err));
        if (x->kind == 'm') TRY(hf_writer_add_imir(w, map[i], x->value, &err));
      }
    if (rw->thumb_alpha && it->id == thumb)
      TRY(hf_writer_add_auxc(w, map[i], "urn:mpeg:hevc:2015:auxid:1", &err));
  }
  for (uint32_t r = 0; r < f.ref_count; r++) {
    const hf_ref *ref = &f.refs[r];
    if (rw->thumb_alpha && ((ref->type == HF_4CC('a', 'u', 'x', 'l') && ref->from == old_alpha) ||
                            (ref->type == HF_4CC('t', 'h', 'm', 'b') && ref->from == thumb)))
      continue;
    static uint32_t to[65536];
    uint32_t count = ref->count;
    if (rw->big_cols && ref->from == primary && ref->type == HF_4CC('d', 'i', 'm', 'g'))
      count = rw->big_cols * rw->big_rows;
    if (count > 65536) abort();
    const hf_item *from = hf_find_item(&f, ref->from);
    for (uint32_t k = 0; k < count; k++)
      to[k] = map[hf_item_index(&f, hf_find_item(&f, ref->to[k % ref->count]))];
    TRY(hf_writer_add_ref(w, ref->type, map[hf_item_index(&f, from)], to, count, &err));
  }
  if (rw->thumb_alpha) {
    uint32_t to = map[hf_item_index(&f, hf_find_item(&f, primary))];
    TRY(hf_writer_add_ref(w, HF_4CC('a', 'u', 'x', 'l'), map[hf_item_index(&f, hf_find_item(&f, thumb))],
                          &to, 1, &err));
  }
  TRY(hf_writer_set_primary(w, map[hf_item_index(&f, hf_find_item(&f, primary))], &err));
  TRY(hf_writer_write(w, membuf_write, &out, &err));
done:
  if (st != HEIC_OK) {
    FAIL("rewriting a test file: %s: %s", heic_status_string(st), err.message);
    free(out.d);
    out.d = NULL;
  }
  free(map);
  hf_writer_free(&w);
  hf_file_clear(&f);
  if (hc_mem_outstanding(&mem) != 0) FAIL("the rewrite leaked");
  heic_allocator_free(&alloc);
  *out_size = out.n;
  return out.d;
}

/* Compares the primary image of a rewritten file in the combinations of
 * mask (0: those pick_combos() chooses). */
static void compare_rewrite(const char *label, const uint8_t *data, size_t size, const rewrite *rw,
                            tally *t, int threads, unsigned mask) {
  size_t n = 0;
  uint8_t *file = rewrite_file(data, size, rw, &n);
  if (!file) return;
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.threads = threads;
  heic_context *ctx = NULL;
  if (heic_context_new(&ctx, &cfg) == HEIC_OK && heic_context_read_memory(ctx, file, n) == HEIC_OK) {
    uint32_t id = heic_context_primary_item(ctx);
    if (!mask) mask = pick_combos(ctx, id);
    int ok = 0;
    for (size_t k = 0; k < N_COMBOS; k++)
      if (mask >> k & 1) ok += compare_item(ctx, label, id, &k_combos[k], t);
    if (!ok) FAIL("%s: the rewritten file does not decode: %s", label, heic_context_last_error(ctx));
  } else {
    FAIL("%s: the rewritten file does not read", label);
  }
  heic_context_free(&ctx);
  free(file);
}

static void test_synthetic(const char *corpus, tally *t) {
  size_t size = 0;
  /* 301x203: 3x2 tiles of 128, the last column and row overhanging.
   * (Tiles no smaller: libde265 builds its tables anew for every decoder
   * instance, i.e. every tile, which makes small tiles slow to decode.) */
  uint8_t *grid = make_grid_file(301, 203, 128, &size);
  if (!grid) return;
  char label[128];
  /* Every EXIF orientation: irot and imir as cameras write them. */
  static const xform orient[8][2] = {
      {{'m', 1, {0}}, {0}},  /* 2: mirror left-right */
      {{'r', 2, {0}}, {0}},  /* 3: half turn */
      {{'m', 0, {0}}, {0}},  /* 4: mirror top-bottom */
      {{'r', 1, {0}}, {'m', 0, {0}}}, /* 5 */
      {{'r', 3, {0}}, {0}},  /* 6: quarter turn clockwise */
      {{'r', 3, {0}}, {'m', 0, {0}}}, /* 7 */
      {{'r', 1, {0}}, {0}},  /* 8: quarter turn anticlockwise */
      {{'m', 1, {0}}, {'r', 1, {0}}}, /* mirror, then turn: an unusual order */
  };
  static const int orient_n[8] = {1, 1, 1, 2, 1, 2, 1, 2};
  for (int o = 0; o < 8; o++) {
    rewrite rw = {.xf = orient[o], .nxf = orient_n[o]};
    snprintf(label, sizeof label, "grid orientation %d", o + 2);
    compare_rewrite(label, grid, size, &rw, t, o & 1 ? 1 : 2, 0);
  }
  /* clap: even offsets (keeps 4:2:0 chroma), leaving out the first tile
   * column and the last tile row; odd offsets (YCbCr re-sites chroma);
   * clap after a quarter turn; clap, turn and mirror. */
  xform c_even = clap_at(301, 203, 130, 10, 160, 100);
  xform c_odd = clap_at(301, 203, 65, 3, 171, 99);
  xform c_rot = clap_at(203, 301, 8, 64, 131, 173); /* in the turned picture */
  xform c_tiny = clap_at(301, 203, 130, 70, 1, 1);
  const xform set1[] = {c_even};
  const xform set2[] = {c_odd};
  const xform set3[] = {{'r', 1, {0}}, c_rot};
  const xform set4[] = {c_odd, {'r', 3, {0}}, {'m', 1, {0}}};
  const xform set5[] = {c_even, {'r', 2, {0}}, {'m', 0, {0}}};
  const xform set6[] = {c_tiny, {'r', 1, {0}}};
  struct {
    const char *name;
    rewrite rw;
  } cases[] = {
      {"grid clap even", {.xf = set1, .nxf = 1}},
      {"grid clap odd", {.xf = set2, .nxf = 1}},
      {"grid irot 90 then clap", {.xf = set3, .nxf = 2}},
      {"grid clap odd, irot 270, imir 1", {.xf = set4, .nxf = 3}},
      {"grid clap even, irot 180, imir 0", {.xf = set5, .nxf = 3}},
      {"grid clap 1x1, irot 90", {.xf = set6, .nxf = 2}},
      {"grid of odd tiles", {.odd_tiles = 1}},
      {"grid of odd tiles, irot 90", {.xf = orient[6], .nxf = 1, .odd_tiles = 1}},
      {"grid with a non-grid alpha of another size", {.thumb_alpha = 1}},
      {"grid with a non-grid alpha, irot 270, imir 0", {.xf = orient[5], .nxf = 2, .thumb_alpha = 1}},
      {"grid with a grid alpha of another size", {.alpha_w = 250, .alpha_h = 170}},
      {"grid with a grid alpha of another size, irot 90, clap",
       {.xf = set3, .nxf = 2, .alpha_w = 310, .alpha_h = 220}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    compare_rewrite(cases[i].name, grid, size, &cases[i].rw, t, 2, 0);
  free(grid);

  /* One coded picture (tile 0: below the grid threshold) with its alpha
   * image: held in 8-bit storage, its alpha read beside it as a source of
   * its own; turned and mirrored, and cut at odd offsets (the whole-picture
   * fallback then attaches the alpha before transforming). */
  uint8_t *single = make_grid_file(301, 203, 0, &size);
  if (single) {
    struct {
      const char *name;
      rewrite rw;
    } one[] = {
        {"picture with alpha", {.nxf = 0}},
        {"picture with alpha, irot 270, imir 0", {.xf = orient[5], .nxf = 2}},
        {"picture with alpha, clap odd", {.xf = set2, .nxf = 1}},
        {"picture with alpha, clap odd, irot 270, imir 1", {.xf = set4, .nxf = 3}},
        {"picture with alpha of another size, irot 90", {.xf = orient[6], .nxf = 1, .thumb_alpha = 1}},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
      compare_rewrite(one[i].name, single, size, &one[i].rw, t, 2, 0);
    free(single);
  }

  /* 10-bit, from YCbCr input (the builtin encoder codes 4:2:0 only: 4:2:2
   * comes from the camera grid below, 4:0:0 and 4:4:4 from the samples). */
  static const struct {
    heic_chroma chroma;
    int depth;
    const char *name;
  } fmts[] = {{HEIC_CHROMA_420, 10, "10-bit 4:2:0"}};
  for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
    uint8_t *g = make_grid_file_fmt(301, 203, 128, fmts[f].chroma, fmts[f].depth, &size);
    if (!g) continue;
    rewrite a = {.xf = set5, .nxf = 3}, b = {.xf = set4, .nxf = 3};
    snprintf(label, sizeof label, "%s grid, clap even, irot 180, imir 0", fmts[f].name);
    compare_rewrite(label, g, size, &a, t, 2, 0);
    snprintf(label, sizeof label, "%s grid, clap odd, irot 270, imir 1", fmts[f].name);
    compare_rewrite(label, g, size, &b, t, 2, 0);
    free(g);
  }

  /* The camera grid, 10-bit 4:2:2, cut to its first row of tiles (two of
   * 2176x1472, the canvas 4240x1000 cutting into the right one): turned a
   * quarter and mirrored it is walked by columns of tiles across the seam;
   * in YCbCr the quarter turn re-sites 4:2:2 chroma (the fallback). */
  char path[4096];
  snprintf(path, sizeof path, "%s/heif/camera/sony_a7s3_10bit_4240x2832.hif", corpus ? corpus : "");
  uint8_t *cam = corpus && !g_quick ? read_whole_file(path, &size) : NULL;
  if (cam) {
    const xform r1m[] = {{'r', 1, {0}}, {'m', 1, {0}}};
    rewrite a = {.xf = r1m, .nxf = 2, .one_row = 1000};
    compare_rewrite("camera 4:2:2 grid row, irot 90, imir 1", cam, size, &a, t, 2, 2u | 4u);
    free(cam);
  }
}

/* ------------------------------------------------------------------ */
/* alloc: every allocation of a streaming decode failed in turn         */
/* ------------------------------------------------------------------ */

/* Checksum of what the bands carried, to compare runs. */
static uint64_t collect_hash(const collect *c) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < 4; i++)
    for (size_t k = 0; c->planes[i] && k < c->row_bytes[i] * c->ph[i]; k++)
      h = (h ^ c->planes[i][k]) * 1099511628211ULL;
  return h ^ c->next_row;
}

typedef struct alloc_case {
  const char *name;
  const uint8_t *data;
  size_t size;
  heic_decode_options opts;
} alloc_case;

/* One run on a fresh allocator failing attempt k (0: none). */
static heic_status alloc_run(const alloc_case *ac, uint64_t k, uint64_t *attempts, uint64_t *hash) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) abort();
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 2;
  heic_context *ctx = NULL;
  collect c;
  collect_init(&c);
  if (k) heic_allocator_fail_at(alloc, k);
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st == HEIC_OK) st = heic_context_read_memory(ctx, ac->data, ac->size);
  if (st == HEIC_OK) st = stream(ctx, heic_context_primary_item(ctx), &ac->opts, &c);
  if (st == HEIC_OK && c.bad) FAIL("%s: bands: %s", ac->name, c.why);
  *hash = st == HEIC_OK ? collect_hash(&c) : 0;
  collect_free(&c);
  heic_context_free(&ctx);
  *attempts = heic_allocator_allocation_count(alloc);
  size_t left = heic_allocator_outstanding_bytes(alloc);
  if (left) FAIL("%s: failing allocation %llu left %zu bytes outstanding", ac->name, (unsigned long long)k, left);
  heic_allocator_free(&alloc);
  return st;
}

static void test_alloc(void) {
  size_t size = 0;
  uint8_t *grid = make_grid_file(150, 100, 64, &size);
  if (!grid) return;
  const xform turn[] = {{'r', 1, {0}}};
  xform c = clap_at(150, 100, 66, 2, 60, 90);
  const xform crop[] = {c, {'m', 1, {0}}};
  rewrite r1 = {.xf = turn, .nxf = 1}, r2 = {.xf = crop, .nxf = 2};
  size_t n1 = 0, n2 = 0, n3 = 0;
  uint8_t *f1 = rewrite_file(grid, size, &r1, &n1), *f2 = rewrite_file(grid, size, &r2, &n2);
  /* One coded picture with alpha, in 8-bit storage, cut at an odd offset
   * and mirrored (the whole fallback: widened, alpha attached). */
  uint8_t *one = make_grid_file(150, 100, 0, &size);
  uint8_t *f3 = one ? rewrite_file(one, size, &r2, &n3) : NULL;
  alloc_case cases[4];
  memset(cases, 0, sizeof cases);
  cases[0].name = "RGB bilinear, alpha, irot 90";
  cases[0].data = f1;
  cases[0].size = n1;
  heic_decode_options_init(&cases[0].opts);
  cases[0].opts.upsampling = HEIC_UPSAMPLING_BILINEAR;
  cases[1].name = "YCbCr, clap, imir";
  cases[1].data = f2;
  cases[1].size = n2;
  heic_decode_options_init(&cases[1].opts);
  cases[1].opts.layout = HEIC_LAYOUT_YCBCR;
  cases[2].name = "one picture, RGB, alpha";
  cases[2].data = one;
  cases[2].size = size;
  heic_decode_options_init(&cases[2].opts);
  cases[3].name = "one picture, YCbCr, alpha, clap odd, imir";
  cases[3].data = f3;
  cases[3].size = n3;
  heic_decode_options_init(&cases[3].opts);
  cases[3].opts.layout = HEIC_LAYOUT_YCBCR;
  for (int i = 0; i < 4 && f1 && f2 && f3; i++) {
    uint64_t n = 0, hash = 0, h = 0, a = 0;
    double t0 = now_seconds();
    heic_status st = alloc_run(&cases[i], 0, &n, &hash);
    CHECK(st == HEIC_OK);
    int oom = 0, absorbed = 0;
    for (uint64_t k = 1; k <= n; k++) {
      heic_status s = alloc_run(&cases[i], k, &a, &h);
      g_checks++;
      if (s == HEIC_ERR_OUT_OF_MEMORY) oom++;
      else if (s == HEIC_OK && h == hash) absorbed++;
      else FAIL("%s: failing allocation %llu of %llu gave %s", cases[i].name, (unsigned long long)k,
                (unsigned long long)n, heic_status_string(s));
    }
    printf("alloc: %s: %llu attempts, each failed in turn: %d out of memory, %d absorbed (%.1f s)\n",
           cases[i].name, (unsigned long long)n, oom, absorbed, now_seconds() - t0);
  }
  free(f1);
  free(f2);
  free(f3);
  free(one);
  free(grid);
}

/* ------------------------------------------------------------------ */
/* cancel                                                               */
/* ------------------------------------------------------------------ */

typedef struct progress_state {
  int calls, cancel_at;
} progress_state;

static int progress_cb(void *opaque, uint32_t done, uint32_t total) {
  progress_state *p = opaque;
  (void)done;
  (void)total;
  return ++p->calls == p->cancel_at;
}

static void test_cancel(void) {
  size_t size = 0;
  uint8_t *grid = make_grid_file(301, 203, 128, &size);
  if (!grid) return;
  const xform turn[] = {{'r', 3, {0}}};
  rewrite rw = {.xf = turn, .nxf = 1};
  size_t n = 0;
  uint8_t *file = rewrite_file(grid, size, &rw, &n);
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  if (!file || heic_allocator_new(&alloc, NULL) != HEIC_OK) abort();
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 2;
  if (heic_context_new(&ctx, &cfg) != HEIC_OK || heic_context_read_memory(ctx, file, n) != HEIC_OK) abort();
  uint32_t id = heic_context_primary_item(ctx);
  /* A first decode makes what the context keeps (its thread pool, the plan
   * cache); after that every decode must give back all it takes. */
  collect c;
  collect_init(&c);
  CHECK(stream(ctx, id, NULL, &c) == HEIC_OK);
  int bands = c.bands;
  collect_free(&c);
  size_t base = heic_allocator_outstanding_bytes(alloc);
  CHECK(bands >= 4);
  int cases = 0;
  for (int at = -1; at < bands; at++) {
    collect_init(&c);
    if (at < 0) c.cancel_start = 1;
    else c.cancel_band = at;
    heic_status st = stream(ctx, id, NULL, &c);
    CHECK(st == HEIC_ERR_CANCELLED);
    CHECK(c.bands == at + 1);
    CHECK(heic_allocator_outstanding_bytes(alloc) == base);
    collect_free(&c);
    cases++;
  }
  /* The progress callback, at each of its calls. */
  progress_state ps = {0, 0};
  heic_decode_options o;
  heic_decode_options_init(&o);
  o.progress = progress_cb;
  o.progress_opaque = &ps;
  collect_init(&c);
  CHECK(stream(ctx, id, &o, &c) == HEIC_OK);
  collect_free(&c);
  int calls = ps.calls;
  CHECK(calls >= 3);
  for (int at = 1; at <= calls; at++) {
    ps.calls = 0;
    ps.cancel_at = at;
    collect_init(&c);
    heic_status st = stream(ctx, id, &o, &c);
    CHECK(st == HEIC_ERR_CANCELLED);
    CHECK(heic_allocator_outstanding_bytes(alloc) == base);
    collect_free(&c);
    cases++;
  }
  printf("cancel: %d bands and %d progress calls, cancelled at each: %d cases\n", bands, calls, cases);
  heic_context_free(&ctx);
  CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
  heic_allocator_free(&alloc);
  free(file);
  free(grid);
}

/* ------------------------------------------------------------------ */
/* peak                                                                 */
/* ------------------------------------------------------------------ */

/* A sink that hashes the interleaved rows (FNV-1a), as image_hash does. */
static int sink_hash(void *opaque, const heic_rows_band *b) {
  uint64_t *h = opaque;
  size_t bytes = (size_t)b->plane_width[0] * (size_t)b->info->components * (b->info->bit_depth > 8 ? 2 : 1);
  for (uint32_t r = 0; r < b->plane_rows[0]; r++)
    for (size_t x = 0; x < bytes; x++) *h = (*h ^ b->planes[0][r * b->strides[0] + x]) * 1099511628211ULL;
  return 0;
}

static uint64_t image_hash(const heic_image *img) {
  uint64_t h = 1469598103934665603ULL;
  size_t stride = 0;
  uint32_t w = 0, rows = 0;
  const uint8_t *p = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &stride, &w, &rows);
  size_t bytes = (size_t)w * (size_t)heic_image_components(img) * (heic_image_bit_depth(img) > 8 ? 2 : 1);
  for (uint32_t r = 0; p && r < rows; r++)
    for (size_t x = 0; x < bytes; x++) h = (h ^ p[r * stride + x]) * 1099511628211ULL;
  return h;
}

/* The context allocator's peak over reading the file and decoding its
 * primary image (RGB) whole (with the image) or streamed; *hash gets a
 * hash of the output. */
static size_t measure_peak(const uint8_t *data, size_t size, int streamed, const heic_decode_options *o,
                           double *seconds, uint64_t *hash) {
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) abort();
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 2;
  /* --peak-big names each tile many times; and needs 2.4 GB whole. */
  cfg.limits.max_item_decodes = 1000;
  cfg.limits.max_memory = (uint64_t)8 << 30;
  double t0 = now_seconds();
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st == HEIC_OK) st = heic_context_read_memory(ctx, data, size);
  *hash = 1469598103934665603ULL;
  heic_rows_sink sink = {NULL, sink_hash, hash};
  if (st == HEIC_OK)
    st = streamed ? heic_context_decode_item_rows(ctx, heic_context_primary_item(ctx), o, &sink)
                  : heic_context_decode_item(ctx, heic_context_primary_item(ctx), o, &img);
  if (st != HEIC_OK) FAIL("peak: decode failed: %s: %s", heic_status_string(st), heic_context_last_error(ctx));
  *seconds = now_seconds() - t0;
  if (img) *hash = image_hash(img);
  heic_image_free(&img);
  heic_context_free(&ctx);
  size_t peak = heic_allocator_peak_bytes(alloc);
  heic_allocator_free(&alloc);
  return st == HEIC_OK ? peak : 0;
}

static void test_peak(const char *corpus) {
  char path[4096];
  snprintf(path, sizeof path, "%s/heif/iphone/iphone13promax_4032x3024.heic", corpus);
  size_t size = 0;
  uint8_t *data = read_whole_file(path, &size);
  if (!data) {
    printf("peak: %s not found, skipped\n", path);
    return;
  }
  const double mb = 1024.0 * 1024.0;
  heic_decode_options o;
  heic_decode_options_init(&o);
  double tw = 0, ts = 0;
  uint64_t hw = 0, hs = 0;
  size_t whole = measure_peak(data, size, 0, &o, &tw, &hw);
  size_t streamed = measure_peak(data, size, 1, &o, &ts, &hs);
  CHECK(hw == hs); /* the default decode, the same both ways */
  printf("peak: 12 MP iPhone grid to RGB: whole %.1f MB (%.2f s), streamed %.1f MB (%.2f s); file %.1f MB\n",
         whole / mb, tw, streamed / mb, ts, size / mb);
  CHECK(streamed > 0 && streamed < 40 * 1024 * 1024);
  CHECK(streamed * 3 < whole);
  /* What the streaming form changes: an image whose whole picture does not
   * fit max_memory still streams. */
  {
    heic_context_config cfg;
    heic_context_config_init(&cfg);
    cfg.threads = 2;
    cfg.limits.max_memory = 24u << 20;
    heic_context *ctx = NULL;
    heic_image *img = NULL;
    uint64_t h = 1469598103934665603ULL;
    heic_rows_sink sink = {NULL, sink_hash, &h};
    if (heic_context_new(&ctx, &cfg) == HEIC_OK && heic_context_read_memory(ctx, data, size) == HEIC_OK) {
      uint32_t id = heic_context_primary_item(ctx);
      heic_status sw = heic_context_decode_item(ctx, id, &o, &img);
      heic_status ss = heic_context_decode_item_rows(ctx, id, &o, &sink);
      printf("peak: with max_memory 24 MB: whole %s, streamed %s\n", heic_status_string(sw),
             heic_status_string(ss));
      CHECK(sw == HEIC_ERR_OUT_OF_MEMORY && ss == HEIC_OK && h == hs);
    } else {
      FAIL("peak: cannot read %s", path);
    }
    heic_image_free(&img);
    heic_context_free(&ctx);
  }
  /* Bilinear and turned a quarter (the walk along columns of tiles). */
  if (!g_quick) {
    const xform turn[] = {{'r', 1, {0}}};
    rewrite rw = {.xf = turn, .nxf = 1};
    size_t n = 0;
    uint8_t *file = rewrite_file(data, size, &rw, &n);
    o.upsampling = HEIC_UPSAMPLING_BILINEAR;
    if (file) {
      streamed = measure_peak(file, n, 1, &o, &ts, &hs);
      printf("peak: the same turned a quarter, bilinear: streamed %.1f MB (%.2f s)\n", streamed / mb, ts);
      CHECK(streamed > 0 && streamed < 40 * 1024 * 1024);
    }
    free(file);
  }
  free(data);
}

/* ------------------------------------------------------------------ */

static void test_arguments(const char *data_dir) {
  heic_context *ctx = NULL;
  CHECK(heic_context_decode_item_rows(NULL, 1, NULL, &k_sink) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
  CHECK(heic_context_decode_item_rows(ctx, 1, NULL, NULL) == HEIC_ERR_INVALID_ARGUMENT);
  heic_rows_sink none = {sink_start, NULL, NULL};
  CHECK(heic_context_decode_item_rows(ctx, 1, NULL, &none) == HEIC_ERR_INVALID_ARGUMENT);
  char path[4096];
  snprintf(path, sizeof path, "%s/RGBA_8__128x128.heif", data_dir);
  size_t size = 0;
  uint8_t *data = read_whole_file(path, &size);
  CHECK(data != NULL);
  if (data && heic_context_read_memory(ctx, data, size) == HEIC_OK) {
    collect c;
    collect_init(&c);
    heic_decode_options o;
    heic_decode_options_init(&o);
    o.layout = (heic_layout)7;
    CHECK(stream(ctx, heic_context_primary_item(ctx), &o, &c) == HEIC_ERR_INVALID_ARGUMENT);
    CHECK(stream(ctx, 999999, NULL, &c) == HEIC_ERR_NOT_FOUND);
    CHECK(c.starts == 0 && c.bands == 0);
    collect_free(&c);
    /* With no start callback. */
    heic_rows_sink rows_only = {NULL, sink_rows, &c};
    collect_init(&c);
    c.starts = 1; /* so the sink does not complain */
    c.info.height = 1000000;
    c.info.max_band_rows = 1000000;
    CHECK(heic_context_decode_item_rows(ctx, heic_context_primary_item(ctx), NULL, &rows_only) == HEIC_OK);
    CHECK(c.bands >= 2);
    collect_free(&c);
  }
  free(data);
  heic_context_free(&ctx);
}

/* Not part of the ctest: the iPhone grid's tiles repeated into a 200 MP
 * grid (32x24 tiles, 16384x12288), its peak streamed and whole. */
static void test_peak_big(const char *corpus, int whole_too) {
  char path[4096];
  snprintf(path, sizeof path, "%s/heif/iphone/iphone13promax_4032x3024.heic", corpus);
  size_t size = 0, n = 0;
  uint8_t *data = read_whole_file(path, &size);
  if (!data) {
    FAIL("%s not found", path);
    return;
  }
  rewrite rw = {.big_cols = 32, .big_rows = 24, .big_w = 16384, .big_h = 12288};
  uint8_t *file = rewrite_file(data, size, &rw, &n);
  const double mb = 1024.0 * 1024.0;
  heic_decode_options o;
  heic_decode_options_init(&o);
  double ts = 0, tw = 0;
  uint64_t hs = 0, hw = 0;
  size_t streamed = file ? measure_peak(file, n, 1, &o, &ts, &hs) : 0;
  printf("peak: 200 MP grid (16384x12288, 768 tiles) to RGB: streamed %.1f MB (%.1f s)\n", streamed / mb, ts);
  if (whole_too && file) {
    size_t whole = measure_peak(file, n, 0, &o, &tw, &hw);
    printf("peak: 200 MP grid to RGB: whole %.1f MB (%.1f s); %s\n", whole / mb, tw,
           hw == hs ? "same output" : "OUTPUTS DIFFER");
    CHECK(hw == hs);
  }
  free(file);
  free(data);
}

int main(int argc, char **argv) {
  int a = 1;
  if (a + 1 < argc && !strncmp(argv[a], "--peak-big", 10)) {
    test_peak_big(argv[a + 1], !strcmp(argv[a], "--peak-big-whole"));
    return g_failures ? 1 : 0;
  }
  if (a < argc && !strcmp(argv[a], "--quick")) {
    g_quick = 1;
    a++;
  }
  if (a >= argc) {
    fprintf(stderr, "usage: test_decode_rows [--quick] DATA_DIR [CORPUS_DIR]\n");
    return 2;
  }
  const char *data_dir = argv[a];
  const char *corpus = a + 1 < argc ? argv[a + 1] : NULL;
  struct stat sb;
  if (corpus && (stat(corpus, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
    printf("corpus %s not found: samples and synthetic files only\n", corpus);
    corpus = NULL;
  }
  double t0 = now_seconds();
  test_arguments(data_dir);

  tally t = {0, 0, 0};
  int files = 0;
  compare_dir(data_dir, 0, &t, &files);
  printf("same: %d samples: %d decodes compared, %d streamed by strips, %d failing both ways (%.1f s)\n",
         files, t.compared, t.streamed, t.both_failed, now_seconds() - t0);
  if (corpus) {
    double t1 = now_seconds();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/heif", corpus);
    tally tc = {0, 0, 0};
    files = 0;
    compare_dir(dir, g_quick ? 1 << 20 : 0, &tc, &files);
    printf("same: %d corpus files%s: %d decodes compared, %d streamed by strips, %d failing both ways (%.1f s)\n",
           files, g_quick ? " up to 1 MB" : "", tc.compared, tc.streamed, tc.both_failed, now_seconds() - t1);
  }
  double t2 = now_seconds();
  tally ts = {0, 0, 0};
  test_synthetic(corpus, &ts);
  printf("synthetic: %d decodes compared, %d streamed by strips (%.1f s)\n", ts.compared, ts.streamed,
         now_seconds() - t2);
  test_alloc();
  test_cancel();
  if (corpus) test_peak(corpus);
  printf("test_decode_rows: %d checks, %d failed (%.1f s)\n", g_checks, g_failures, now_seconds() - t0);
  return g_failures ? 1 : 0;
}
