/*
 * Streaming encode: heic_context_encode_rows() (issue 17).
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The image arrives a band of rows at a time from the caller's
 * heic_row_source.  Each band is
 *   1. fed to the thumbnail's averaging (hx_thumb) when there is one;
 *   2. converted to YCbCr (hx_rgb_rows_to_ycbcr on the band: its row pairs
 *      are the whole image's, since bands start on even rows) and its alpha
 *      unpacked as its own 4:0:0 (or 4:2:0) picture;
 *   3. cut into the tiles of the current row of tiles and pushed into one
 *      plugin instance per tile (encode_begin / encode_rows / encode_end,
 *      heic_plugin.h API version 4); a single picture is one tile.  The
 *      tiles of a row of tiles advance together, band by band, each
 *      instance coding its CTU rows as they complete on all the context's
 *      threads: no tile waits on another, so nothing can deadlock, and what
 *      is held is one window of CTU rows per tile of one row of tiles.
 * Tiles get exactly the samples encode.c's extract() gives them - the
 * picture padded to its coded size, the last column and row repeated
 * beyond it - so the coded bytes are the same.  The coded slices go to the
 * context's spool, an unnamed temporary file (enc_spool.c), as each tile
 * ends, so that a large picture's coded bytes (tens of MB at 200 MP) are
 * not held in memory; only the parameter sets stay.  The items are added
 * at the end through the calls encode.c makes, in its order
 * (hx_enc_add_items), the writer reading each tile's payload back from
 * the spool when the file is written: the file is the same, byte for
 * byte, as heic_context_encode_image() writes for the image.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "colour_encode.h"
#include "context.h"
#include "encode_int.h"
#include "heic/heic_encode.h"
#include "heic/heic_plugin.h"
#include "plugins/encoder_registry.h"

/* Rows read from the source at a time: the conversion and the tiles'
 * bands are this tall.  Even, so that every band but the last starts and
 * ends on a 4:2:0 row pair; small, since the encoders code their CTU rows
 * only once they are complete whatever the band (a band of 32 rows of a
 * 12240-wide picture: 1.2 MB read, 1.2 MB converted). */
#define BAND_ROWS 32u

/* ---- one image being coded: the colour picture, or alpha ---- */

typedef struct st_image {
  const enc_job *job;
  heic_chroma chroma;       /* of the coded picture */
  uint32_t pw, ph;          /* the padded picture (the size its format codes) */
  uint32_t exact_w, exact_h;
  int grid;
  uint32_t cols, rows;      /* tiles (1 x 1 for a single picture) */
  uint32_t tw, th;          /* size each tile is coded at */
  const heic_nclx *nclx;    /* for the stream's VUI */
  int threads;              /* each tile's encoder's */
  int tile_parallel;        /* the tiles of a row take their bands side by side on the
                               pool, one thread each, instead of one after the other */
  coded_image *coded;       /* cols * rows, in tile order */
  void **states;            /* cols: the current row of tiles' instances */
  heic_plugin_host *hosts;  /* cols: theirs */
  uint32_t trow;            /* current row of tiles */
  uint32_t lines;           /* lines pushed into it */
  hx_picture *tbands;       /* cols (1 unless tile_parallel): a tile's band, tw x BAND_ROWS */
  hc_err *errs;             /* cols: each tile's push */
} st_image;

static void st_close_row(st_image *im) {
  for (uint32_t i = 0; im->states && i < im->cols; i++)
    if (im->states[i]) im->job->plugin->close(&im->states[i]);
}

/* The tiles' band buffers, not needed once every row is pushed. */
static void st_free_bands(st_image *im) {
  if (!im->tbands) return;
  for (uint32_t i = 0; i < (im->tile_parallel ? im->cols : 1); i++) hx_picture_clear(&im->tbands[i]);
}

static void st_image_clear(st_image *im) {
  hc_mem *mem = &im->job->ctx->mem;
  st_close_row(im);
  if (im->coded)
    for (uint32_t i = 0; i < im->cols * im->rows; i++) hx_coded_clear(&im->coded[i]);
  hc_free(mem, im->coded);
  hc_free(mem, im->states);
  hc_free(mem, im->hosts);
  st_free_bands(im);
  hc_free(mem, im->tbands);
  hc_free(mem, im->errs);
  im->tbands = NULL;
  im->errs = NULL;
  im->coded = NULL;
  im->states = NULL;
  im->hosts = NULL;
}

/* Opens the instances of row of tiles trow and begins their pictures. */
static heic_status st_begin_row(st_image *im, hc_err *err) {
  const heic_encoder_plugin *plugin = im->job->plugin;
  heic_plugin_picture geo;
  memset(&geo, 0, sizeof(geo));
  geo.width = im->tw;
  geo.height = im->th;
  geo.chroma = im->chroma;
  geo.bit_depth_luma = geo.bit_depth_chroma = im->job->depth;
  for (uint32_t i = 0; i < im->cols; i++) {
    heic_status st = hx_enc_open(im->job, im->nclx, im->threads, &im->hosts[i], &im->states[i], err);
    if (st != HEIC_OK) return st;
    st = plugin->encode_begin(im->states[i], &geo);
    if (st != HEIC_OK)
      return hc_fail(err, st, "encoder '%s' failed on a %ux%u picture", plugin->name, im->tw, im->th);
  }
  im->lines = 0;
  return HEIC_OK;
}

/* Sets im up for a pw x ph picture shown as exact_w x exact_h, a grid when
 * allow_grid and it is larger than the tile size (as add_image() decides),
 * and opens its first row of tiles. */
static heic_status st_image_init(st_image *im, const enc_job *job, heic_chroma chroma, uint32_t pw,
                                 uint32_t ph, uint32_t exact_w, uint32_t exact_h, const heic_nclx *nclx,
                                 hc_err *err) {
  heic_context *ctx = job->ctx;
  memset(im, 0, sizeof(*im));
  im->job = job;
  im->chroma = chroma;
  im->pw = pw;
  im->ph = ph;
  im->exact_w = exact_w;
  im->exact_h = exact_h;
  im->nclx = nclx;
  im->threads = ctx->threads;
  uint32_t ts = hx_enc_grid_tile(job->opts, pw, ph);
  im->grid = ts != 0;
  if (im->grid) {
    im->cols = (exact_w + ts - 1) / ts;
    im->rows = (exact_h + ts - 1) / ts;
    if (im->cols > 256 || im->rows > 256)
      return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                     "a %ux%u image needs %ux%u tiles of %u; a grid holds at most 256x256", exact_w,
                     exact_h, im->cols, im->rows, ts);
    im->tw = im->th = ts;
  } else {
    im->cols = im->rows = 1;
    im->tw = pw;
    im->th = ph;
  }
  /* With at least as many tiles across as threads (and no thread left
   * idle at the end of each round), the tiles of a row are coded side by
   * side, one thread each: a tile's encoder then holds the rows of one
   * wavefront lane instead of `threads` of them, with one lane's search
   * scratch, and the threads never wait at a wavefront's lag.  The bytes
   * are the same either way (they depend on the settings, not on threads). */
  heic_status st = hx_enc_context_pool(ctx, err);
  if (st != HEIC_OK) return st;
  int par = hx_parallel_width(ctx);
  im->tile_parallel = par > 1 && im->cols >= (uint32_t)par &&
                      (im->cols % (uint32_t)par == 0 || im->cols >= 4 * (uint32_t)par);
  if (im->tile_parallel) im->threads = 1;
  uint32_t nbands = im->tile_parallel ? im->cols : 1;
  im->coded = hc_calloc(&ctx->mem, (size_t)im->cols * im->rows, sizeof(*im->coded));
  im->states = hc_calloc(&ctx->mem, im->cols, sizeof(*im->states));
  im->hosts = hc_calloc(&ctx->mem, im->cols, sizeof(*im->hosts));
  im->tbands = hc_calloc(&ctx->mem, nbands, sizeof(*im->tbands));
  im->errs = hc_calloc(&ctx->mem, im->cols, sizeof(*im->errs));
  if (!im->coded || !im->states || !im->hosts || !im->tbands || !im->errs) return hc_fail_oom(err);
  for (uint32_t i = 0; i < im->cols * im->rows; i++) {
    im->coded[i].mem = &ctx->mem;
    im->coded[i].spool = ctx->enc_spool;
  }
  for (uint32_t i = 0; i < nbands && st == HEIC_OK; i++)
    st = hx_picture_alloc_unset(&im->tbands[i], &ctx->mem, im->tw, BAND_ROWS, chroma, job->depth, err);
  if (st != HEIC_OK) return st;
  return st_begin_row(im, err);
}

/* Ends the current row of tiles: each instance's coded picture, checked. */
static heic_status st_end_row(st_image *im, hc_err *err) {
  const heic_encoder_plugin *plugin = im->job->plugin;
  for (uint32_t i = 0; i < im->cols; i++) {
    coded_image *c = &im->coded[im->trow * im->cols + i];
    c->spool_off = hx_spool_size(c->spool); /* the tile's slice goes on at the end */
    heic_status st = plugin->encode_end(im->states[i], hx_coded_sink, c);
    plugin->close(&im->states[i]);
    if (st != HEIC_OK)
      return hc_fail(err, st, "encoder '%s' failed on a %ux%u picture", plugin->name, im->tw, im->th);
    st = hx_enc_check_coded(im->job, im->tw, im->th, c, err);
    if (st != HEIC_OK) return st;
  }
  im->trow++;
  return HEIC_OK;
}

/* Pushes lines [first, first + n) of tile tx of the current row of tiles
 * (tile coordinates) taken from band, which holds picture lines [y0, y0 +
 * band->height): lines below it repeat its last line (the padding at the
 * picture's bottom), columns beyond the picture its last column.  tb is
 * the tile's band buffer. */
static heic_status st_push_tile(st_image *im, uint32_t tx, hx_picture *tb, const hx_picture *band,
                                uint32_t y0, uint32_t first, uint32_t n, hc_err *err) {
  const heic_encoder_plugin *plugin = im->job->plugin;
  uint32_t pic_line = im->trow * im->th + first; /* picture line of tile line `first` */
  for (int c = 0; c < 3; c++) {
    const hx_plane *s = &band->planes[c];
    hx_plane *d = &tb->planes[c];
    if (!s->data) continue;
    uint32_t sub_x = c && im->chroma != HEIC_CHROMA_444 ? 1 : 0;
    uint32_t sub_y = c && im->chroma == HEIC_CHROMA_420 ? 1 : 0;
    uint32_t lines = sub_y ? (n + 1) / 2 : n;
    hx_plane_copy_padded(d, s, (tx * im->tw) >> sub_x, (pic_line >> sub_y) - (y0 >> sub_y),
                         im->tw >> sub_x, lines);
  }
  heic_plugin_picture pp;
  memset(&pp, 0, sizeof(pp));
  pp.width = im->tw;
  pp.height = n;
  pp.chroma = im->chroma;
  pp.bit_depth_luma = pp.bit_depth_chroma = im->job->depth;
  for (int c = 0; c < 3; c++) {
    if (!tb->planes[c].data) continue;
    pp.planes[c] = tb->planes[c].data;
    pp.strides[c] = tb->planes[c].stride;
    pp.plane_w[c] = tb->planes[c].w;
    pp.plane_h[c] = c && im->chroma == HEIC_CHROMA_420 ? (n + 1) / 2 : n;
  }
  heic_status st = plugin->encode_rows(im->states[tx], &pp);
  if (st != HEIC_OK)
    return hc_fail(err, st, "encoder '%s' failed on a %ux%u picture", plugin->name, im->tw, im->th);
  return HEIC_OK;
}

typedef struct push_job {
  st_image *im;
  const hx_picture *band;
  uint32_t y0, first, n;
} push_job;

static void push_task(void *arg, size_t tx) {
  const push_job *j = arg;
  st_image *im = j->im;
  hc_err_clear(&im->errs[tx]);
  (void)st_push_tile(im, (uint32_t)tx, &im->tbands[tx], j->band, j->y0, j->first, j->n, &im->errs[tx]);
}

/* Pushes lines [first, first + n) of every tile of the current row of
 * tiles: side by side on the pool, or one after the other. */
static heic_status st_push(st_image *im, const hx_picture *band, uint32_t y0, uint32_t first, uint32_t n,
                           hc_err *err) {
  if (!im->tile_parallel) {
    for (uint32_t tx = 0; tx < im->cols; tx++) {
      heic_status st = st_push_tile(im, tx, &im->tbands[0], band, y0, first, n, err);
      if (st != HEIC_OK) return st;
    }
    return HEIC_OK;
  }
  push_job j = {im, band, y0, first, n};
  hc_pool_run(im->job->ctx->pool, im->cols, push_task, &j);
  for (uint32_t tx = 0; tx < im->cols; tx++)
    if (im->errs[tx].code != HEIC_OK) {
      hc_err_merge(err, &im->errs[tx]);
      return im->errs[tx].code;
    }
  return HEIC_OK;
}

/* Feeds band (picture lines [y0, y0 + band->height) of the padded
 * picture); last: it is the picture's last band, after which the last row
 * of tiles is completed with repeated lines. */
static heic_status st_feed(st_image *im, const hx_picture *band, uint32_t y0, int last, hc_err *err) {
  uint32_t end = y0 + band->height; /* picture lines available */
  if (last) end = im->rows * im->th;
  heic_status st = HEIC_OK;
  while (st == HEIC_OK && im->trow < im->rows) {
    uint32_t at = im->trow * im->th + im->lines; /* next picture line */
    if (at >= end) break;
    uint32_t n = end - at;
    if (n > im->th - im->lines) n = im->th - im->lines;
    if (n > BAND_ROWS) n = BAND_ROWS;
    st = st_push(im, band, y0, im->lines, n, err);
    im->lines += n;
    if (st == HEIC_OK && im->lines == im->th) {
      st = st_end_row(im, err);
      if (st == HEIC_OK && im->trow < im->rows) st = st_begin_row(im, err);
    }
  }
  return st;
}

/* Adds im's items (add_image()'s calls for a coded picture). */
static heic_status st_add(st_image *im, int channels, const heic_nclx *box, uint32_t *id, hc_err *err) {
  const enc_job *job = im->job;
  if (im->chroma == HEIC_CHROMA_400) channels = 1; /* pixi: one channel, grey */
  if (!im->grid) return hx_enc_add_single(job, &im->coded[0], im->exact_w, im->exact_h, channels, box, 1, id, err);
  uint32_t n = im->cols * im->rows;
  uint32_t *tile_ids = hc_calloc(&job->ctx->mem, n, sizeof(uint32_t));
  if (!tile_ids) return hc_fail_oom(err);
  heic_status st = HEIC_OK;
  for (uint32_t i = 0; i < n && st == HEIC_OK; i++) {
    st = hx_enc_add_tile(job, &im->coded[i], channels, box, &tile_ids[i], err);
    hx_coded_clear(&im->coded[i]); /* the writer has its copy (of the parameter sets) */
  }
  if (st == HEIC_OK)
    st = hx_enc_add_grid(job, tile_ids, im->cols, im->rows, im->exact_w, im->exact_h, channels, box, id, err);
  hc_free(&job->ctx->mem, tile_ids);
  return st;
}

/* ---- the source ---- */

typedef struct st_source {
  const heic_row_source *src;
  int comps;                /* 3 or 4 */
  size_t bytes;             /* per sample */
  uint8_t *raw;             /* BAND_ROWS rows as read */
  size_t stride;
  uint16_t *rgb;            /* one row of R, G, B, A unpacked (4 x width) */
} st_source;

/* Unpacks row y of the raw band into s->rgb (R, G, B, then alpha when the
 * source has it), clamped to the depth as hx_image_rgb_row() does. */
static void unpack_row(st_source *s, uint32_t y) {
  uint32_t w = s->src->width;
  const uint8_t *row = s->raw + (size_t)y * s->stride;
  uint16_t *out[4] = {s->rgb, s->rgb + w, s->rgb + 2 * (size_t)w, s->rgb + 3 * (size_t)w};
  const size_t nc = (size_t)s->comps;
  if (s->bytes == 1) {
    for (uint32_t x = 0; x < w; x++)
      for (size_t c = 0; c < nc; c++) out[c][x] = row[x * nc + c];
    return;
  }
  const uint16_t maxv = (uint16_t)((1u << s->src->bit_depth) - 1);
  for (uint32_t x = 0; x < w; x++)
    for (size_t c = 0; c < nc; c++) {
      uint16_t v;
      memcpy(&v, row + (x * nc + c) * 2, 2);
      out[c][x] = v > maxv ? maxv : v;
    }
}

static heic_status read_band(st_source *s, uint32_t y, uint32_t n, hc_err *err) {
  heic_status st = s->src->read(s->src->opaque, y, n, s->raw, s->stride);
  if (st != HEIC_OK)
    return hc_fail(err, st, "the row source failed at row %u: %s", y, heic_status_string(st));
  return HEIC_OK;
}

/* hx_rgb_rows_to_ycbcr()'s row callback over the raw band. */
static void band_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b) {
  st_source *s = (st_source *)(uintptr_t)src;
  uint32_t w = s->src->width;
  unpack_row(s, y);
  memcpy(r, s->rgb, w * sizeof(uint16_t));
  memcpy(g, s->rgb + w, w * sizeof(uint16_t));
  memcpy(b, s->rgb + 2 * (size_t)w, w * sizeof(uint16_t));
}

/* The plan's grey question: a first pass up to the first pixel that is not
 * grey, then back to row 0. */
static heic_status source_grey(void *opaque, int *grey, hc_err *err) {
  st_source *s = opaque;
  const heic_row_source *src = s->src;
  *grey = 0;
  if (src->grey) {
    *grey = 1;
    return HEIC_OK;
  }
  if (!src->rewind) return HEIC_OK;
  *grey = 1;
  uint32_t w = src->width;
  for (uint32_t y = 0; y < src->height && *grey; y += BAND_ROWS) {
    uint32_t n = src->height - y < BAND_ROWS ? src->height - y : BAND_ROWS;
    heic_status st = read_band(s, y, n, err);
    if (st != HEIC_OK) return st;
    for (uint32_t r = 0; r < n && *grey; r++) {
      unpack_row(s, r);
      const uint16_t *R = s->rgb, *G = s->rgb + w, *B = s->rgb + 2 * (size_t)w;
      for (uint32_t x = 0; x < w; x++)
        if (R[x] != G[x] || G[x] != B[x]) {
          *grey = 0;
          break;
        }
    }
  }
  heic_status st = src->rewind(src->opaque);
  if (st != HEIC_OK) return hc_fail(err, st, "the row source could not rewind: %s", heic_status_string(st));
  return HEIC_OK;
}

/* ---- the encode ---- */

typedef struct stream_items {
  st_image *colour, *alpha;
  const hx_enc_plan *plan;
} stream_items;

static heic_status stream_colour(void *opaque, uint32_t *id, hc_err *err) {
  const stream_items *si = opaque;
  return st_add(si->colour, 3, si->plan->nclx_box ? &si->plan->nclx : NULL, id, err);
}

static heic_status stream_alpha(void *opaque, uint32_t *id, hc_err *err) {
  const stream_items *si = opaque;
  return st_add(si->alpha, 1, &hx_alpha_nclx, id, err);
}

static heic_status encode_rows(heic_context *ctx, const heic_row_source *src, const heic_encode_options *opts,
                               uint32_t *item_id, hc_err *err) {
  if (!src->read || !src->width || !src->height || src->bit_depth < 8 || src->bit_depth > 16)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT,
                   "row source: %ux%u at %d bits, read %s (needs a size, 8..16 bits and a read function)",
                   src->width, src->height, src->bit_depth, src->read ? "set" : "missing");
  /* Said before anything is made, so that the context is not poisoned
   * by an encode that could never start. */
  const heic_encoder_plugin *plugin = hp_find_encoder(opts->encoder);
  if (plugin && (plugin->api_version < 4 || !plugin->encode_begin || !plugin->encode_rows || !plugin->encode_end))
    return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                   "encoder '%s' takes no bands: encode the whole image (heic_context_encode_image)",
                   plugin->name);
  heic_nclx zero_nclx;
  memset(&zero_nclx, 0, sizeof(zero_nclx));
  heic_nclx in_nclx = src->nclx;
  if (!memcmp(&in_nclx, &zero_nclx, sizeof(in_nclx))) in_nclx = (heic_nclx){1, 13, 6, 1};
  uint32_t w = src->width, h = src->height;
  int has_alpha = src->has_alpha != 0;
  st_source s;
  memset(&s, 0, sizeof(s));
  s.src = src;
  s.comps = has_alpha ? 4 : 3;
  s.bytes = src->bit_depth > 8 ? 2 : 1;
  if ((uint64_t)w * (uint64_t)s.comps * s.bytes > SIZE_MAX / BAND_ROWS)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "a %u-pixel row", w);
  s.stride = (size_t)w * (size_t)s.comps * s.bytes;
  hc_mem *mem = &ctx->mem;
  s.raw = hc_malloc_array(mem, BAND_ROWS, s.stride);
  s.rgb = hc_malloc_array(mem, (size_t)w * 4, sizeof(uint16_t));
  heic_status st = s.raw && s.rgb ? HEIC_OK : hc_fail_oom(err);

  hx_enc_input in = {1, w, h, src->bit_depth, in_nclx, source_grey, &s};
  hx_enc_plan plan;
  memset(&plan, 0, sizeof(plan));
  if (st == HEIC_OK) st = hx_enc_plan_make(ctx, &in, opts, &plan, err);
  const enc_job *job = &plan.job;
  st_image colour, alpha;
  memset(&colour, 0, sizeof(colour));
  memset(&alpha, 0, sizeof(alpha));
  hx_thumb thumb;
  memset(&thumb, 0, sizeof(thumb));
  hx_picture thumb_pic, cband, aband;
  memset(&thumb_pic, 0, sizeof(thumb_pic));
  memset(&cband, 0, sizeof(cband));
  memset(&aband, 0, sizeof(aband));
  int with_alpha = has_alpha && !opts->no_alpha;
  int mono_alpha = plan.mono_ok;
  heic_chroma chroma = plan.chroma;
  /* The coded data waits in the context's spool until the file is written. */
  if (st == HEIC_OK && !ctx->enc_spool) st = hx_spool_open(&ctx->mem, &ctx->enc_spool, err);
  if (st == HEIC_OK && opts->thumbnail_size && (w > opts->thumbnail_size || h > opts->thumbnail_size))
    st = hx_thumb_begin(&thumb, mem, w, h, src->bit_depth, opts->thumbnail_size, err);
  /* The padded sizes: make_even() for the colour, alpha_picture()'s
   * pad_as() for alpha. */
  int even_w = chroma == HEIC_CHROMA_420 || chroma == HEIC_CHROMA_422, even_h = chroma == HEIC_CHROMA_420;
  uint32_t cw = even_w ? (w + 1) & ~1u : w, ch = even_h ? (h + 1) & ~1u : h;
  heic_chroma alpha_like = mono_alpha ? chroma : HEIC_CHROMA_420;
  int aeven_w = alpha_like == HEIC_CHROMA_420 || alpha_like == HEIC_CHROMA_422;
  int aeven_h = alpha_like == HEIC_CHROMA_420;
  uint32_t aw = aeven_w ? (w + 1) & ~1u : w, ah = aeven_h ? (h + 1) & ~1u : h;
  if (st == HEIC_OK) st = st_image_init(&colour, job, chroma, cw, ch, w, h, &plan.nclx, err);
  if (st == HEIC_OK && with_alpha)
    st = st_image_init(&alpha, job, mono_alpha ? HEIC_CHROMA_400 : HEIC_CHROMA_420, aw, ah, w, h,
                       &hx_alpha_nclx, err);
  for (uint32_t y = 0; st == HEIC_OK && y < h; y += BAND_ROWS) {
    if (opts->progress && opts->progress(opts->progress_opaque, y, h)) {
      st = hc_fail(err, HEIC_ERR_CANCELLED, "encoding cancelled at row %u of %u", y, h);
      break;
    }
    uint32_t n = h - y < BAND_ROWS ? h - y : BAND_ROWS;
    int last = y + n == h;
    st = read_band(&s, y, n, err);
    for (uint32_t r = 0; st == HEIC_OK && thumb.mem && r < n; r++) {
      unpack_row(&s, r);
      hx_thumb_row(&thumb, s.rgb, s.rgb + w, s.rgb + 2 * (size_t)w);
    }
    if (st == HEIC_OK && with_alpha) {
      st = hx_picture_alloc(&aband, mem, w, n, mono_alpha ? HEIC_CHROMA_400 : HEIC_CHROMA_420, job->depth, err);
      if (st == HEIC_OK) {
        hx_plane *a = &aband.planes[0];
        for (uint32_t r = 0; r < n; r++) {
          unpack_row(&s, r);
          memcpy(a->data + r * a->stride, s.rgb + 3 * (size_t)w, w * sizeof(uint16_t));
          hx_rescale_row(a->data + r * a->stride, w, src->bit_depth, job->depth);
        }
        for (int i = 1; i < 3 && !mono_alpha; i++) {
          hx_plane *p = &aband.planes[i];
          for (uint32_t r = 0; r < p->h; r++)
            for (uint32_t x = 0; x < p->w; x++) p->data[r * p->stride + x] = (uint16_t)(1u << (job->depth - 1));
        }
        st = hx_enc_pad_as(&aband, alpha_like, err);
      }
      if (st == HEIC_OK) st = st_feed(&alpha, &aband, y, last, err);
      hx_picture_clear(&aband);
    }
    if (st == HEIC_OK)
      st = hx_rgb_rows_to_ycbcr(band_row, &s, w, n, src->bit_depth, mem, &plan.nclx, chroma, job->depth, 1,
                                &cband, err);
    if (st == HEIC_OK) st = st_feed(&colour, &cband, y, last, err);
    hx_picture_clear(&cband);
  }
  hc_free(mem, s.raw);
  hc_free(mem, s.rgb);
  s.raw = NULL;
  s.rgb = NULL;
  if (st == HEIC_OK && thumb.mem) {
    hx_picture_move(&thumb_pic, &thumb.out);
    st = hx_rgb_to_ycbcr(&thumb_pic, &plan.nclx, plan.grey_rgb ? HEIC_CHROMA_400 : HEIC_CHROMA_420, job->depth,
                         err);
    if (st == HEIC_OK) st = hx_enc_make_even(&thumb_pic, err);
  }
  hx_thumb_clear(&thumb);
  if (st == HEIC_OK) {
    st_free_bands(&colour);
    st_free_bands(&alpha);
    stream_items si = {&colour, &alpha, &plan};
    hx_enc_items items = {stream_colour, with_alpha ? stream_alpha : NULL, &si, &thumb_pic,
                          src->hdr, src->alpha_premultiplied, chroma};
    st = hx_enc_add_items(&plan, &items, item_id, err);
  }
  if (colour.job) st_image_clear(&colour);
  if (alpha.job) st_image_clear(&alpha);
  hx_picture_clear(&thumb_pic);
  return st;
}

static heic_status rows_body(heic_context *ctx, const heic_encode_options *opts, uint32_t *item_id,
                             hc_err *err, void *arg) {
  return encode_rows(ctx, arg, opts, item_id, err);
}

heic_status heic_context_encode_rows(heic_context *ctx, const heic_row_source *src,
                                     const heic_encode_options *opts, uint32_t *item_id) {
  return hx_enc_call(ctx, src != NULL, "row source", opts, item_id, rows_body, (void *)src);
}
