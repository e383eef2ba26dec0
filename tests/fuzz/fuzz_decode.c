/*
 * Fuzz target: read a HEIF file from memory, make every query heic-info
 * makes and decode every top-level image, its thumbnails and its alpha
 * image - on one thread, then, for files with derived images, again on two.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Any status is acceptable (hostile input may be refused); what is checked
 * is memory: the sanitizers watch every access, and after the context and
 * every image are freed the context's private allocator must be back at zero
 * outstanding bytes - the library's central promise (DESIGN.md rule 4).
 * The second decode, with a worker thread, puts the thread pool under grids,
 * grids of grids and overlays of grids (nested use), and must end as the
 * first did: the same status and the same size.  Not the same pixels: on
 * some damaged streams libde265 leaves samples as its picture buffers held
 * them (valgrind sees it branch on them too), so they may differ from run
 * to run whatever the threads; tests/hostile_threads.sh compares the pixels
 * of valid files.  An image the planning calls undecodable must fail to
 * decode.  On the first pass every decode is also made by the streaming
 * form (heic_context_decode_item_rows): its bands must be well formed
 * (start once, consecutive rows, each plane's rows complete, every sample
 * readable) and, where both forms succeed, describe the same image.  Not
 * the same samples, for the reason above: a damaged tile's samples are
 * whatever libde265's buffers held, which differs between the two decodes
 * (valgrind traces them to libde265's picture allocations), even when two
 * whole decodes in a row happen to agree; tests/test_decode_rows.c
 * compares the samples of valid files.  The streaming form may succeed
 * where the whole one fails (tiles outside a clean aperture are never
 * decoded), but not fail where it succeeds, limits and memory aside.
 * Public API only, so the target sees what an application sees.
 */
#include <stdlib.h>
#include <string.h>

#include <heic/heic.h>

#include "fuzz_common.h"
#include "fuzz_query.h"

#define MAX_TOP_LEVEL 8u
#define MAX_THUMBS 4u
/* Decodes of one pass: each top-level image, its thumbnails and alpha. */
#define MAX_DECODES (MAX_TOP_LEVEL * (MAX_THUMBS + 2))

/* The result of one RGB decode, to compare the passes. */
typedef struct outcome {
  uint32_t id;
  heic_status status;
  uint32_t width, height;
  int has_alpha;
} outcome;

/* Reads every sample of every plane (see fuzz_touch) and sanity-checks the
 * description against the planes. */
static void touch_image(const heic_image *img) {
  uint32_t iw = heic_image_width(img), ih = heic_image_height(img);
  int depth = heic_image_bit_depth(img);
  size_t bps = depth > 8 ? 2 : 1;
  fuzz_check(iw > 0 && ih > 0, "decoded image of %ux%u", iw, ih);
  fuzz_check(depth >= 8 && depth <= 16, "bit depth %d", depth);
  (void)heic_image_nclx(img);
  (void)heic_image_alpha_premultiplied(img);
  (void)heic_image_chroma(img);
  if (heic_image_layout(img) == HEIC_LAYOUT_RGB) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &stride, &w, &h);
    int comps = heic_image_components(img);
    fuzz_check(p != NULL, "RGB image without its plane");
    fuzz_check(comps == 3 || comps == 4, "%d components", comps);
    fuzz_check(w == iw && h == ih, "plane %ux%u, image %ux%u", w, h, iw, ih);
    fuzz_check(stride >= (size_t)w * comps * bps, "stride %zu too small", stride);
    fuzz_touch(p, stride, (size_t)w * comps * bps, h);
    return;
  }
  for (int pl = HEIC_PLANE_Y; pl <= HEIC_PLANE_ALPHA; pl++) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, (heic_plane_id)pl, &stride, &w, &h);
    if (!p) continue;
    fuzz_check(w > 0 && h > 0 && w <= iw && h <= ih, "plane %d of %ux%u in %ux%u", pl, w, h, iw, ih);
    fuzz_check(stride >= (size_t)w * bps, "plane %d stride %zu too small", pl, stride);
    fuzz_touch(p, stride, (size_t)w * bps, h);
  }
}

/* ---- the streaming form ---- */

/* The bands of a streaming decode put back together (the target's own
 * memory: the allocator under test must see only the library). */
typedef struct bands {
  int starts, count;
  heic_rows_info info;
  uint8_t *planes[4];
  size_t row_bytes[4];
  uint32_t rows[4], next[4], next_row;
} bands;

static void bands_free(bands *b) {
  for (int i = 0; i < 4; i++) free(b->planes[i]);
  memset(b, 0, sizeof(*b));
}

static int bands_start(void *opaque, const heic_rows_info *in) {
  bands *b = opaque;
  fuzz_check(b->starts++ == 0 && b->count == 0, "start called twice or after a band");
  fuzz_check(in->width > 0 && in->height > 0 && in->max_band_rows >= 1 &&
                 in->max_band_rows <= in->height,
             "streamed image %ux%u, bands of %u", in->width, in->height, in->max_band_rows);
  fuzz_check(in->bit_depth >= 8 && in->bit_depth <= 16, "bit depth %d", in->bit_depth);
  b->info = *in;
  size_t bps = in->bit_depth > 8 ? 2 : 1;
  for (int i = 0; i < 4; i++) {
    uint32_t w = 0, h = 0;
    if (in->layout == HEIC_LAYOUT_RGB) {
      fuzz_check(in->components == 3 + in->has_alpha, "%d components", in->components);
      if (i == 0) w = in->width * (uint32_t)in->components, h = in->height;
    } else if (i == 0 || (i == 3 && in->has_alpha)) {
      w = in->width, h = in->height;
    } else if ((i == 1 || i == 2) && in->chroma != HEIC_CHROMA_400) {
      w = in->chroma == HEIC_CHROMA_444 ? in->width : (in->width + 1) / 2;
      h = in->chroma == HEIC_CHROMA_420 ? (in->height + 1) / 2 : in->height;
    }
    if (!w) continue;
    b->row_bytes[i] = (size_t)w * bps;
    b->rows[i] = h;
    b->planes[i] = malloc(b->row_bytes[i] * h);
    fuzz_check(b->planes[i] != NULL, "the target ran out of memory");
  }
  return 0;
}

static int bands_rows(void *opaque, const heic_rows_band *band) {
  bands *b = opaque;
  const heic_rows_info *in = &b->info;
  b->count++;
  fuzz_check(b->starts == 1, "a band before start");
  fuzz_check(band->first_row == b->next_row && band->rows >= 1 && band->rows <= in->max_band_rows &&
                 band->first_row + band->rows <= in->height,
             "band of rows %u+%u, expected row %u of %u", band->first_row, band->rows, b->next_row,
             in->height);
  size_t bps = in->bit_depth > 8 ? 2 : 1;
  for (int i = 0; i < 4; i++) {
    fuzz_check(!b->planes[i] == !band->planes[i], "plane %d %s", i, b->planes[i] ? "missing" : "unexpected");
    if (!b->planes[i]) continue;
    size_t samples = (size_t)band->plane_width[i] * (in->layout == HEIC_LAYOUT_RGB ? (size_t)in->components : 1);
    fuzz_check(samples * bps == b->row_bytes[i] && band->strides[i] >= b->row_bytes[i] &&
                   band->plane_first_row[i] == b->next[i] && band->plane_rows[i] >= 1 &&
                   band->plane_first_row[i] + band->plane_rows[i] <= b->rows[i],
               "plane %d: rows %u+%u of %u, expected row %u", i, band->plane_first_row[i],
               band->plane_rows[i], b->rows[i], b->next[i]);
    fuzz_touch(band->planes[i], band->strides[i], b->row_bytes[i], band->plane_rows[i]);
    for (uint32_t r = 0; r < band->plane_rows[i]; r++)
      memcpy(b->planes[i] + (size_t)(band->plane_first_row[i] + r) * b->row_bytes[i],
             band->planes[i] + r * band->strides[i], b->row_bytes[i]);
    b->next[i] += band->plane_rows[i];
  }
  b->next_row += band->rows;
  return 0;
}

/* Field by field: the struct has padding. */
static int nclx_equal(const heic_nclx *a, const heic_nclx *b) {
  return a->colour_primaries == b->colour_primaries &&
         a->transfer_characteristics == b->transfer_characteristics &&
         a->matrix_coefficients == b->matrix_coefficients && a->full_range == b->full_range;
}

static int status_may_vary(heic_status st);

/* The streaming decode of id with opts, checked against the whole one
 * (whole_st, img). */
static void stream_item(heic_context *ctx, uint32_t id, const heic_decode_options *opts,
                        heic_status whole_st, const heic_image *img) {
  bands b;
  memset(&b, 0, sizeof(b));
  heic_rows_sink sink = {bands_start, bands_rows, &b};
  heic_status st = heic_context_decode_item_rows(ctx, id, opts, &sink);
  if (st == HEIC_OK) {
    fuzz_check(b.starts == 1 && b.next_row == b.info.height, "streamed %u of %u rows", b.next_row,
               b.info.height);
    for (int i = 0; i < 4; i++)
      fuzz_check(b.next[i] == b.rows[i], "plane %d: %u of %u rows", i, b.next[i], b.rows[i]);
  } else {
    fuzz_check(heic_context_last_error(ctx)[0] != 0, "streaming failed without a message");
  }
  if (whole_st == HEIC_OK && st != HEIC_OK)
    fuzz_check(status_may_vary(st), "item %u decodes whole but not streamed: %s: %s", id,
               heic_status_string(st), heic_context_last_error(ctx));
  if (whole_st == HEIC_OK && st == HEIC_OK) {
    const heic_rows_info *in = &b.info;
    heic_nclx n = heic_image_nclx(img);
    fuzz_check(in->width == heic_image_width(img) && in->height == heic_image_height(img) &&
                   in->layout == heic_image_layout(img) && in->chroma == heic_image_chroma(img) &&
                   in->bit_depth == heic_image_bit_depth(img) &&
                   in->has_alpha == heic_image_has_alpha(img) &&
                   in->premultiplied == heic_image_alpha_premultiplied(img) &&
                   in->components == heic_image_components(img) &&
                   nclx_equal(&in->nclx, &n),
               "item %u: streamed %ux%u depth %d alpha %d, whole %ux%u depth %d alpha %d", id,
               in->width, in->height, in->bit_depth, in->has_alpha, heic_image_width(img),
               heic_image_height(img), heic_image_bit_depth(img), heic_image_has_alpha(img));
    for (int i = 0; i < 4; i++) {
      uint32_t w = 0, h = 0;
      (void)heic_image_plane(img, (heic_plane_id)i, NULL, &w, &h);
      fuzz_check(h == b.rows[i], "item %u plane %d: %u rows streamed, %u whole", id, i, b.rows[i], h);
    }
  }
  bands_free(&b);
}

/* Decodes one item as RGB with the default options, recording the outcome;
 * on the first pass also as YCbCr with bilinear upsampling and no
 * transform, so both conversion paths run. */
static void decode_item(heic_context *ctx, uint32_t id, int first_pass, outcome *out) {
  heic_item_info info;
  int planned_ok = heic_context_item_info(ctx, id, &info) == HEIC_OK && info.decodable;
  heic_decode_options opts;
  heic_decode_options_init(&opts);
  memset(out, 0, sizeof(*out));
  out->id = id;
  for (int pass = 0; pass < (first_pass ? 2 : 1); pass++) {
    heic_image *img = NULL;
    opts.layout = pass ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
    opts.no_transform = pass;
    opts.upsampling = pass ? HEIC_UPSAMPLING_BILINEAR : HEIC_UPSAMPLING_DEFAULT;
    heic_status st = heic_context_decode_item(ctx, id, &opts, &img);
    if (first_pass) stream_item(ctx, id, &opts, st, img);
    if (st == HEIC_OK) {
      fuzz_check(img != NULL, "decode of item %u succeeded without an image", id);
      touch_image(img);
      if (!pass) {
        out->width = heic_image_width(img);
        out->height = heic_image_height(img);
        out->has_alpha = heic_image_has_alpha(img);
      }
      heic_image_free(&img);
      fuzz_check(img == NULL, "heic_image_free left the pointer set");
    } else {
      fuzz_check(img == NULL, "failed decode of item %u left an image", id);
      fuzz_check(heic_context_last_error(ctx) != NULL, "no error text");
    }
    if (!pass) {
      out->status = st;
      /* item_info's decodable is the decode's own plan: "known to fail"
       * must mean the decode fails. */
      fuzz_check(planned_ok || st != HEIC_OK, "item %u decoded though item_info said: %s", id,
                 heic_context_item_info(ctx, id, &info) == HEIC_OK ? info.why_not : "?");
    }
  }
}

/* Decodes every top-level image, its thumbnails and its alpha image;
 * returns how many decodes were recorded in out. */
static size_t decode_all(heic_context *ctx, int first_pass, outcome *out) {
  size_t n = 0;
  uint32_t top = heic_context_top_level_count(ctx);
  for (uint32_t t = 0; t < top && t < MAX_TOP_LEVEL; t++) {
    uint32_t id = heic_context_top_level_id(ctx, t);
    heic_item_info info;
    decode_item(ctx, id, first_pass, &out[n++]);
    if (heic_context_item_info(ctx, id, &info) != HEIC_OK) continue;
    const uint32_t thumbs = info.thumbnail_count, alpha = info.alpha_item;
    for (uint32_t k = 0; k < thumbs && k < MAX_THUMBS; k++)
      decode_item(ctx, heic_context_thumbnail_id(ctx, id, k), first_pass, &out[n++]);
    if (alpha) decode_item(ctx, alpha, first_pass, &out[n++]);
  }
  return n;
}

/* Whether a second pass with a worker thread can differ from the first:
 * only derived images (grid, overlay, identity) use the thread pool. */
static int has_derived_image(heic_context *ctx) {
  uint32_t items = heic_context_item_count(ctx);
  for (uint32_t i = 0; i < items; i++) {
    heic_item_info info;
    if (heic_context_item_info(ctx, heic_context_item_id(ctx, i), &info) != HEIC_OK) continue;
    if (!strcmp(info.type, "grid") || !strcmp(info.type, "iovl") || !strcmp(info.type, "iden"))
      return 1;
  }
  return 0;
}

/* Limits and memory are hit where the work happens to stand, which may
 * differ with the number of tiles in flight; any other status may not. */
static int status_may_vary(heic_status st) {
  return st == HEIC_ERR_LIMIT_EXCEEDED || st == HEIC_ERR_OUT_OF_MEMORY;
}

/* Reads the input into a new context of `threads` threads; the caller
 * frees it, and checks the allocator, whatever happened. */
static heic_status open_input(heic_context **ctx, heic_allocator *alloc, int threads,
                              const uint8_t *data, size_t size) {
  heic_context_config cfg;
  fuzz_config(&cfg, alloc, threads);
  fuzz_check(heic_context_new(ctx, &cfg) == HEIC_OK, "no context");
  return heic_context_read_memory(*ctx, data, size);
}

static void close_input(heic_context **ctx, heic_allocator *alloc) {
  heic_context_free(ctx);
  fuzz_check(*ctx == NULL, "heic_context_free left the pointer set");
  size_t left = heic_allocator_outstanding_bytes(alloc);
  fuzz_check(left == 0, "%zu bytes outstanding after heic_context_free", left);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  outcome one[MAX_DECODES], two[MAX_DECODES];
  size_t n_one = 0;
  int again = 0;
  fuzz_check(heic_allocator_new(&alloc, NULL) == HEIC_OK, "no allocator");

  /* One thread first: a crash there reproduces without any scheduling. */
  if (open_input(&ctx, alloc, 1, data, size) == HEIC_OK) {
    fuzz_query_file(ctx);
    n_one = decode_all(ctx, 1, one);
    again = has_derived_image(ctx);
  }
  close_input(&ctx, alloc);

  if (again) {
    fuzz_check(open_input(&ctx, alloc, 2, data, size) == HEIC_OK, "the file read once only");
    size_t n_two = decode_all(ctx, 0, two);
    fuzz_check(n_two == n_one, "%zu decodes with two threads, %zu with one", n_two, n_one);
    for (size_t i = 0; i < n_one; i++) {
      const outcome *a = &one[i], *b = &two[i];
      fuzz_check(a->id == b->id, "decode %zu: item %u, then %u", i, a->id, b->id);
      if (status_may_vary(a->status) || status_may_vary(b->status)) continue;
      fuzz_check(a->status == b->status, "item %u: %s with one thread, %s with two", a->id,
                 heic_status_string(a->status), heic_status_string(b->status));
      if (a->status != HEIC_OK) continue;
      fuzz_check(a->width == b->width && a->height == b->height && a->has_alpha == b->has_alpha,
                 "item %u: %ux%u%s with one thread, %ux%u%s with two", a->id, a->width,
                 a->height, a->has_alpha ? " with alpha" : "", b->width, b->height,
                 b->has_alpha ? " with alpha" : "");
    }
    close_input(&ctx, alloc);
  }
  heic_allocator_free(&alloc);
  return 0;
}
