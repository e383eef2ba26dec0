/*
 * Encoding images into HEIF items: colour conversion, grids, alpha,
 * thumbnails, metadata, orientation; writing the file.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * heic_context_encode_image:
 *   1-2. RGB -> YCbCr 4:2:0 at 8 or 10 bits (the encoders' formats) with
 *      the nclx that is written to the file, read a row at a time straight
 *      from the caller's image (YCbCr input is unpacked into an hx_picture);
 *      heic_context_encode_image_consume() then frees the caller's image.
 *      Grey goes as 4:0:0 (luma only) to a plugin that codes it - RGB
 *      input whose every pixel has R = G = B, and YCbCr 4:0:0 input -, else
 *      as 4:2:0 with neutral chroma;
 *   3. code the picture - as one item, or as a grid of tiles coded in
 *      parallel, each by its own plugin instance (rule E1);
 *   4. the same for alpha (4:0:0 where the plugin codes it, else 4:2:0 with
 *      neutral chroma) and a thumbnail;
 *   5. add items, properties and references to the context's writer.
 * Coded data reaches us only through the sink callback, which copies it
 * into a coded_image owned here (rule E3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colour.h"
#include "encode_int.h"
#include "colour_encode.h"
#include "context.h"
#include "core/buffer.h"
#include "core/safe_file.h"
#include "heic/heic_encode.h"
#include "heic/heic_plugin.h"
#include "heif/heif_write.h"
#include "hevc_sps.h"
#include "image.h"
#include "plugins/encoder_registry.h"

/* By default a picture up to 4096 on either side is one coded image, and
 * a larger one a grid of 1024x1024 tiles.  A grid costs bits (no
 * prediction or filtering across tile edges, a parameter set per tile):
 * 512 tiles cost 4-5% of BD-rate on 1-3 MP photos (bench, 2026-11-25);
 * 1024 tiles make a 200 MP photo 0.16% larger than 4096 tiles do.  But a
 * reader holds a row of tiles at a time (a streaming decoder) or a whole
 * tile per thread (every decoder): 1024 tiles keep a 12240-wide picture's
 * row of tiles at 38 MB of 16-bit samples where 4096 tiles take 150 MB,
 * and each decoder's picture at 1 M samples.  Up to 4096 a single image
 * stays inside HEVC level 6's picture size (16.8 M samples).  --tile N
 * sets both: pictures larger than N become a grid of N x N tiles. */
#define DEFAULT_SINGLE_MAX 4096u
#define DEFAULT_TILE 1024u
#define ALPHA_URN "urn:mpeg:hevc:2015:auxid:1"

void heic_encode_options_init(heic_encode_options *opts) {
  if (!opts) return;
  memset(opts, 0, sizeof(*opts));
  opts->quality = 50;
  opts->chroma = HEIC_CHROMA_420;
}

/* ---- plugin listing (public) ---- */

uint32_t heic_encoder_count(void) { return (uint32_t)hp_encoder_count(); }

const char *heic_encoder_name(uint32_t index) {
  const heic_encoder_plugin *p = hp_encoder_at(index);
  return p ? p->name : NULL;
}

const char *heic_encoder_description(uint32_t index) {
  const heic_encoder_plugin *p = hp_encoder_at(index);
  return p ? p->description : NULL;
}

heic_status heic_encoder_param(const char *encoder, uint32_t index, const char **name,
                               const char **type, const char **default_value, const char **help) {
  const heic_encoder_plugin *p = hp_find_encoder(encoder);
  const heic_param_info *info = p ? p->param_info(index) : NULL;
  if (!info) return HEIC_ERR_NOT_FOUND;
  static const char *const types[] = {"int", "bool", "choice"};
  if (name) *name = info->name;
  if (type) *type = (unsigned)info->type < 3 ? types[info->type] : "?";
  if (default_value) *default_value = info->default_value ? info->default_value : "";
  if (help) *help = info->help ? info->help : "";
  return HEIC_OK;
}

/* ---- coded images ---- */

void hx_coded_clear(coded_image *c) {
  if (c->mem) {
    hc_free(c->mem, c->data);
    hc_free(c->mem, c->params);
  }
  memset(c, 0, sizeof(*c));
}

static heic_status append(hc_mem *mem, uint8_t **buf, size_t *size, size_t *cap, const uint8_t *nal,
                          size_t n) {
  if (n > UINT32_MAX || n > SIZE_MAX - 4 - *size) return HEIC_ERR_LIMIT_EXCEEDED;
  size_t need = *size + 4 + n;
  if (need > *cap) {
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    uint8_t *nb = hc_realloc_array(mem, *buf, ncap, 1);
    if (!nb) return HEIC_ERR_OUT_OF_MEMORY;
    *buf = nb;
    *cap = ncap;
  }
  uint8_t *p = *buf + *size;
  p[0] = (uint8_t)(n >> 24);
  p[1] = (uint8_t)(n >> 16);
  p[2] = (uint8_t)(n >> 8);
  p[3] = (uint8_t)n;
  memcpy(p + 4, nal, n);
  *size = need;
  return HEIC_OK;
}

/* The sink of rule E3: copies the NAL before returning. */
heic_status hx_coded_sink(void *opaque, const uint8_t *nal, size_t size) {
  coded_image *c = opaque;
  if (!size) return HEIC_ERR_INVALID_ARGUMENT;
  int type = (nal[0] >> 1) & 0x3f;
  if (type >= 32 && type <= 34)
    return append(c->mem, &c->params, &c->params_size, &c->params_cap, nal, size);
  if (c->spool) {
    if (size > UINT32_MAX || size > SIZE_MAX - 4 - c->size) return HEIC_ERR_LIMIT_EXCEEDED;
    uint8_t len[4] = {(uint8_t)(size >> 24), (uint8_t)(size >> 16), (uint8_t)(size >> 8), (uint8_t)size};
    heic_status st = hx_spool_append(c->spool, len, 4, NULL);
    if (st == HEIC_OK) st = hx_spool_append(c->spool, nal, size, NULL);
    if (st == HEIC_OK) c->size += 4 + size;
    return st;
  }
  return append(c->mem, &c->data, &c->size, &c->cap, nal, size);
}

/* ---- one encode call ---- */

static void host_log(void *opaque, heic_log_level level, const char *message) {
  const hc_log *log = opaque;
  hc_logf(log, level, "%s", message);
}

static heic_status set_param(const enc_job *job, void *state, const char *name, const char *value,
                             hc_err *err) {
  heic_status st = job->plugin->set_param(state, name, value);
  if (st != HEIC_OK)
    return hc_fail(err, st, "encoder '%s' rejected %s=%s: %s", job->plugin->name, name, value,
                   st == HEIC_ERR_NOT_FOUND ? "no such parameter" : heic_status_string(st));
  return HEIC_OK;
}

static void host_parallel(void *pool, size_t n, void (*fn)(void *arg, size_t index), void *arg) {
  hc_pool_run(pool, n, fn, arg);
}

/* The context's pool, made on first use when it has more than one thread. */
heic_status hx_enc_context_pool(heic_context *ctx, hc_err *err) {
  if (ctx->threads > 1 && !ctx->pool) return hc_pool_new(&ctx->pool, &ctx->mem, ctx->threads - 1, err);
  return HEIC_OK;
}

/* Opens a fresh plugin instance for one picture and sets its parameters
 * and colour; it may use up to `threads` of the context's threads (one
 * pool for grid tiles and the encoder's own rows).  *host must outlive
 * the instance.  On failure nothing is open (*state NULL). */
heic_status hx_enc_open(const enc_job *job, const heic_nclx *nclx, int threads, heic_plugin_host *host,
                        void **state, hc_err *err) {
  heic_context *ctx = job->ctx;
  const heic_encoder_plugin *plugin = job->plugin;
  heic_plugin_host h = {(void *)&ctx->log, NULL, host_log, ctx->alloc, NULL, NULL, threads};
  if (threads > 1 && ctx->pool) {
    h.parallel = host_parallel;
    h.parallel_opaque = ctx->pool;
  }
  *host = h;
  *state = NULL;
  heic_status st = plugin->open(state, host);
  if (st != HEIC_OK) {
    *state = NULL; /* rule D1: a failed open left nothing to close */
    return hc_fail(err, st, "encoder '%s' could not be opened", plugin->name);
  }
  char buf[32];
  snprintf(buf, sizeof(buf), "%d", job->opts->quality);
  st = set_param(job, *state, "quality", buf, err);
  if (st == HEIC_OK && job->opts->lossless) st = set_param(job, *state, "lossless", "1", err);
  for (const char *const *p = job->opts->params; st == HEIC_OK && p && *p; p++) {
    const char *eq = strchr(*p, '=');
    char name[64];
    size_t n = eq ? (size_t)(eq - *p) : 0;
    if (!eq || n == 0 || n >= sizeof(name)) {
      st = hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "parameter '%s' is not of the form name=value", *p);
      break;
    }
    memcpy(name, *p, n);
    name[n] = 0;
    st = set_param(job, *state, name, eq + 1, err);
  }
  /* The colour in the stream too, whatever the container says: readers
   * that find no colr box read the VUI (libheic, libheif), and without one
   * H.265 implies limited range. */
  if (st == HEIC_OK && nclx && plugin->api_version >= 3 && plugin->set_colour) {
    st = plugin->set_colour(*state, nclx);
    if (st != HEIC_OK)
      hc_fail(err, st, "encoder '%s' rejected the colour %u/%u/%u", plugin->name, nclx->colour_primaries,
              nclx->transfer_characteristics, nclx->matrix_coefficients);
  }
  if (st != HEIC_OK) plugin->close(state);
  return st;
}

/* After the plugin is closed: checks what it produced for a width x height
 * picture and reads the coded size back from the SPS.  On failure *out is
 * cleared. */
heic_status hx_enc_check_coded(const enc_job *job, uint32_t width, uint32_t height, coded_image *out,
                               hc_err *err) {
  const heic_encoder_plugin *plugin = job->plugin;
  heic_status st = HEIC_OK;
  if (!out->size || !out->params_size)
    st = hc_fail(err, HEIC_ERR_INTERNAL, "encoder '%s' produced no %s", plugin->name,
                 out->size ? "parameter sets" : "coded data");
  /* ispe must give the size a decoder produces, which a plugin may have
   * made larger than the picture (x265 pads small ones): read it back. */
  if (st == HEIC_OK) {
    hx_sps_info sps;
    int found = 0;
    for (size_t off = 0; off + 4 <= out->params_size && !found;) {
      size_t len = (size_t)out->params[off] << 24 | (size_t)out->params[off + 1] << 16 |
                   (size_t)out->params[off + 2] << 8 | out->params[off + 3];
      found = hx_sps_parse(out->params + off + 4, len, &sps);
      off += 4 + len;
    }
    if (!found)
      st = hc_fail(err, HEIC_ERR_INTERNAL, "encoder '%s' produced no readable SPS", plugin->name);
    else if (sps.width < width || sps.height < height)
      st = hc_fail(err, HEIC_ERR_INTERNAL, "encoder '%s' coded %ux%u for a %ux%u picture", plugin->name,
                   sps.width, sps.height, width, height);
    out->width = sps.width;
    out->height = sps.height;
  }
  if (st != HEIC_OK) hx_coded_clear(out);
  return st;
}

/* Codes a YCbCr picture (the size its chroma format codes) with a fresh
 * plugin instance, which may use up to `threads` of the context's threads. */
static heic_status code_picture(const enc_job *job, const hx_picture *pic, const heic_nclx *nclx,
                                int threads, coded_image *out, hc_err *err) {
  const heic_encoder_plugin *plugin = job->plugin;
  heic_plugin_host host;
  void *state = NULL;
  memset(out, 0, sizeof(*out));
  out->mem = &job->ctx->mem;
  heic_status st = hx_enc_open(job, nclx, threads, &host, &state, err);
  if (st != HEIC_OK) return st;
  heic_plugin_picture pp;
  memset(&pp, 0, sizeof(pp));
  pp.width = pic->width;
  pp.height = pic->height;
  pp.chroma = pic->chroma;
  pp.bit_depth_luma = pp.bit_depth_chroma = pic->bit_depth;
  for (int i = 0; i < 3; i++) {
    pp.planes[i] = pic->planes[i].data;
    pp.strides[i] = pic->planes[i].stride;
    pp.plane_w[i] = pic->planes[i].w;
    pp.plane_h[i] = pic->planes[i].h;
  }
  st = plugin->encode(state, &pp, hx_coded_sink, out);
  if (st != HEIC_OK) hc_fail(err, st, "encoder '%s' failed on a %ux%u picture", plugin->name, pic->width, pic->height);
  plugin->close(&state);
  if (st != HEIC_OK) {
    hx_coded_clear(out);
    return st;
  }
  return hx_enc_check_coded(job, pic->width, pic->height, out, err);
}

/* Copies the rectangle (x, y, w, h) of src into a new picture of pw x ph,
 * repeating the last column / row beyond src's edge (padding that keeps the
 * coder from spending bits on an artificial edge). */
static heic_status extract(const hx_picture *src, uint32_t x, uint32_t y, uint32_t pw, uint32_t ph,
                           hx_picture *out, hc_err *err) {
  memset(out, 0, sizeof(*out));
  heic_status st = hx_picture_alloc(out, src->mem, pw, ph, src->chroma, src->bit_depth, err);
  if (st != HEIC_OK) return st;
  for (int i = 0; i < 3; i++) {
    const hx_plane *s = &src->planes[i];
    hx_plane *d = &out->planes[i];
    if (!s->data) continue;
    uint32_t sx = i && src->chroma != HEIC_CHROMA_444 ? 2 : 1;
    uint32_t sy = i && src->chroma == HEIC_CHROMA_420 ? 2 : 1;
    hx_plane_copy_padded(d, s, x / sx, y / sy, d->w, d->h);
  }
  return HEIC_OK;
}

typedef struct tile_work {
  const enc_job *job;
  const hx_picture *pic;
  uint32_t tile, cols, first;
  coded_image *coded; /* per tile of the batch */
  hc_err *errs;
  int threads;        /* threads each tile's encoder may use */
  const heic_nclx *nclx; /* for the VUI */
} tile_work;

static void tile_task(void *arg, size_t i) {
  tile_work *tw = arg;
  uint32_t t = tw->first + (uint32_t)i;
  hx_picture tile;
  hc_err_clear(&tw->errs[i]);
  if (extract(tw->pic, (t % tw->cols) * tw->tile, (t / tw->cols) * tw->tile, tw->tile, tw->tile, &tile,
              &tw->errs[i]) != HEIC_OK)
    return;
  code_picture(tw->job, &tile, tw->nclx, tw->threads, &tw->coded[i], &tw->errs[i]);
  hx_picture_clear(&tile);
}

/* The common properties of a coded image item. */
static heic_status add_coded_props(const enc_job *job, uint32_t id, const coded_image *c, int channels,
                                   const heic_nclx *nclx, hc_err *err) {
  hf_span ps[8];
  uint32_t n = 0;
  for (size_t off = 0; off + 4 <= c->params_size && n < 8;) {
    size_t len = (size_t)c->params[off] << 24 | (size_t)c->params[off + 1] << 16 |
                 (size_t)c->params[off + 2] << 8 | c->params[off + 3];
    ps[n].data = c->params + off + 4;
    ps[n].size = len;
    n++;
    off += 4 + len;
  }
  uint8_t depths[3] = {(uint8_t)job->depth, (uint8_t)job->depth, (uint8_t)job->depth};
  heic_status st = hf_writer_add_hvcc(job->w, id, ps, n, err);
  if (st == HEIC_OK) st = hf_writer_add_ispe(job->w, id, c->width, c->height, err);
  if (st == HEIC_OK) st = hf_writer_add_pixi(job->w, id, (uint8_t)channels, depths, err);
  if (st == HEIC_OK && nclx) st = hf_writer_add_colr_nclx(job->w, id, nclx, err);
  return st;
}

uint32_t hx_enc_grid_tile(const heic_encode_options *opts, uint32_t w, uint32_t h) {
  if (opts->no_grid) return 0;
  /* even and a whole number of minimum CUs */
  uint32_t max = ((opts->tile_size ? opts->tile_size : DEFAULT_SINGLE_MAX) + 7) & ~7u;
  if (w <= max && h <= max) return 0;
  return ((opts->tile_size ? opts->tile_size : DEFAULT_TILE) + 7) & ~7u;
}

/* The item's payload: the coded data in memory (copied), or in the spool. */
static heic_status set_coded_data(const enc_job *job, uint32_t id, const coded_image *c, hc_err *err) {
  if (c->spool) return hx_spool_set_item(c->spool, job->w, id, c->spool_off, c->size, err);
  return hf_writer_set_item_data(job->w, id, c->data, c->size, 0, err);
}

/* A coded picture as a single image item, with a clap window of exact_w x
 * exact_h when with_clap is set and that differs from the coded size. */
heic_status hx_enc_add_single(const enc_job *job, const coded_image *c, uint32_t exact_w, uint32_t exact_h,
                              int channels, const heic_nclx *box, int with_clap, uint32_t *id, hc_err *err) {
  heic_status st = hf_writer_add_item(job->w, HF_4CC('h', 'v', 'c', '1'), "", 0, id, err);
  if (st == HEIC_OK) st = set_coded_data(job, *id, c, err);
  if (st == HEIC_OK) st = add_coded_props(job, *id, c, channels, box, err);
  if (st == HEIC_OK && with_clap && (exact_w != c->width || exact_h != c->height)) {
    /* The coded size is even; clap shows the exact one.  The window is
     * anchored top-left: offset = (exact - coded) / 2 from the centre. */
    hf_clap clap = {exact_w, 1, exact_h, 1, (int32_t)exact_w - (int32_t)c->width, 2,
                    (int32_t)exact_h - (int32_t)c->height, 2};
    st = hf_writer_add_clap(job->w, *id, &clap, err);
  }
  return st;
}

/* A coded tile as a hidden image item; *tid gets its id. */
heic_status hx_enc_add_tile(const enc_job *job, const coded_image *c, int channels, const heic_nclx *box,
                            uint32_t *tid, hc_err *err) {
  heic_status st = hf_writer_add_item(job->w, HF_4CC('h', 'v', 'c', '1'), "", 1, tid, err);
  if (st == HEIC_OK) st = set_coded_data(job, *tid, c, err);
  if (st == HEIC_OK) st = add_coded_props(job, *tid, c, channels, box, err);
  return st;
}

/* The grid item over tiles already added (tile_ids, rows x cols). */
heic_status hx_enc_add_grid(const enc_job *job, const uint32_t *tile_ids, uint32_t cols, uint32_t rows,
                            uint32_t exact_w, uint32_t exact_h, int channels, const heic_nclx *box,
                            uint32_t *id, hc_err *err) {
  uint8_t desc[12] = {0, 0, (uint8_t)(rows - 1), (uint8_t)(cols - 1)};
  size_t dlen = 8;
  if (exact_w > 0xffff || exact_h > 0xffff) {
    desc[1] = 1; /* 32-bit output size */
    for (int k = 0; k < 4; k++) {
      desc[4 + k] = (uint8_t)(exact_w >> (24 - 8 * k));
      desc[8 + k] = (uint8_t)(exact_h >> (24 - 8 * k));
    }
    dlen = 12;
  } else {
    desc[4] = (uint8_t)(exact_w >> 8);
    desc[5] = (uint8_t)exact_w;
    desc[6] = (uint8_t)(exact_h >> 8);
    desc[7] = (uint8_t)exact_h;
  }
  uint8_t depths[3] = {(uint8_t)job->depth, (uint8_t)job->depth, (uint8_t)job->depth};
  heic_status st = hf_writer_add_item(job->w, HF_4CC('g', 'r', 'i', 'd'), "", 0, id, err);
  if (st == HEIC_OK) st = hf_writer_set_item_data(job->w, *id, desc, dlen, 1, err);
  if (st == HEIC_OK) st = hf_writer_add_ref(job->w, HF_4CC('d', 'i', 'm', 'g'), *id, tile_ids, cols * rows, err);
  if (st == HEIC_OK) st = hf_writer_add_ispe(job->w, *id, exact_w, exact_h, err);
  if (st == HEIC_OK) st = hf_writer_add_pixi(job->w, *id, (uint8_t)channels, depths, err);
  if (st == HEIC_OK && box) st = hf_writer_add_colr_nclx(job->w, *id, box, err);
  return st;
}

/* Codes pic (YCbCr 4:2:0, even size) and adds it as an image item - a grid
 * when larger than the tile size - with its hvcC/ispe/pixi and, when
 * colr_box is set, its colr nclx (the coded data states nclx in any case).
 * *id gets the image item.  exact_w/h: the size to show: a grid's output
 * size, or, for a single item when with_clap is set, a clap window. */
static heic_status add_image(const enc_job *job, const hx_picture *pic, uint32_t exact_w, uint32_t exact_h,
                             int channels, const heic_nclx *nclx, int colr_box, int allow_grid,
                             int with_clap, uint32_t *id, hc_err *err) {
  const heic_nclx *box = colr_box ? nclx : NULL;
  heic_context *ctx = job->ctx;
  uint32_t ts = allow_grid ? hx_enc_grid_tile(job->opts, pic->width, pic->height) : 0;
  int grid = ts != 0;
  heic_status st = HEIC_OK;
  if (pic->chroma == HEIC_CHROMA_400) channels = 1; /* pixi: one channel, grey */
  if (!grid) {
    coded_image c;
    st = hx_enc_context_pool(ctx, err);
    if (st != HEIC_OK) return st;
    st = code_picture(job, pic, nclx, ctx->threads, &c, err);
    if (st == HEIC_OK) st = hx_enc_add_single(job, &c, exact_w, exact_h, channels, box, with_clap, id, err);
    hx_coded_clear(&c);
    return st;
  }

  uint32_t cols = (exact_w + ts - 1) / ts, rows = (exact_h + ts - 1) / ts, n = cols * rows;
  if (cols > 256 || rows > 256)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "a %ux%u image needs %ux%u tiles of %u; a grid holds at most 256x256",
                   exact_w, exact_h, cols, rows, ts);
  uint32_t *tile_ids = hc_calloc(&ctx->mem, n, sizeof(uint32_t));
  uint32_t batch = 1;
  st = hx_enc_context_pool(ctx, err);
  if (st != HEIC_OK) {
    hc_free(&ctx->mem, tile_ids);
    return st;
  }
  batch = (uint32_t)hx_parallel_width(ctx);
  if (batch > n) batch = n;
  coded_image *coded = hc_calloc(&ctx->mem, batch, sizeof(*coded));
  hc_err *errs = hc_calloc(&ctx->mem, batch, sizeof(*errs));
  if (!tile_ids || !coded || !errs) st = hc_fail_oom(err);
  for (uint32_t first = 0; st == HEIC_OK && first < n; first += batch) {
    const heic_encode_options *o = job->opts;
    if (o->progress && o->progress(o->progress_opaque, first, n)) {
      st = hc_fail(err, HEIC_ERR_CANCELLED, "encoding cancelled at tile %u of %u", first, n);
      break;
    }
    uint32_t count = n - first < batch ? n - first : batch;
    /* tiles coded at once share the threads; a lone tile gets them all */
    int per_tile = ctx->threads / (int)count;
    tile_work tw = {job, pic, ts, cols, first, coded, errs, per_tile < 1 ? 1 : per_tile, nclx};
    hc_pool_run(ctx->pool, count, tile_task, &tw);
    /* Items are added in tile order whatever order the tiles finished in,
     * so the file is the same for any thread count. */
    for (uint32_t i = 0; i < count && st == HEIC_OK; i++) {
      if (errs[i].code != HEIC_OK) {
        hc_err_merge(err, &errs[i]);
        st = errs[i].code;
        break;
      }
      uint32_t tid = 0;
      st = hx_enc_add_tile(job, &coded[i], channels, box, &tid, err);
      tile_ids[first + i] = tid;
    }
    for (uint32_t i = 0; i < count; i++) hx_coded_clear(&coded[i]);
  }
  if (st == HEIC_OK)
    st = hx_enc_add_grid(job, tile_ids, cols, rows, exact_w, exact_h, channels, box, id, err);
  if (coded)
    for (uint32_t i = 0; i < batch; i++) hx_coded_clear(&coded[i]);
  hc_free(&ctx->mem, coded);
  hc_free(&ctx->mem, errs);
  hc_free(&ctx->mem, tile_ids);
  return st;
}

/* Area-average downscale of an RGB image to fit max_side, fed a source
 * row at a time in order (hx_thumb_row), so that neither the caller's
 * image nor a streamed one is ever unpacked whole.  The source rows of
 * output row y are [y * h / th, (y + 1) * h / th): they partition the
 * source, since a thumbnail is only made smaller than it (th <= h). */
heic_status hx_thumb_begin(hx_thumb *t, hc_mem *mem, uint32_t w, uint32_t h, int depth, uint32_t max_side,
                           hc_err *err) {
  memset(t, 0, sizeof(*t));
  uint32_t tw = w >= h ? max_side : (uint32_t)((uint64_t)w * max_side / h);
  uint32_t th = w >= h ? (uint32_t)((uint64_t)h * max_side / w) : max_side;
  if (!tw) tw = 1;
  if (!th) th = 1;
  if (tw > w || th > h) return hc_fail(err, HEIC_ERR_INTERNAL, "a %ux%u thumbnail of a %ux%u image", tw, th, w, h);
  t->mem = mem;
  t->w = w;
  t->h = h;
  heic_status st = hx_picture_alloc(&t->out, mem, tw, th, HEIC_CHROMA_444, depth, err);
  if (st != HEIC_OK) return st;
  t->out.is_rgb = 1;
  /* Per output column its source span [x0, x1) and its sums over the rows
   * of the current output row. */
  t->span = hc_malloc_array(mem, (size_t)tw * 2, sizeof(uint32_t));
  t->sums = hc_calloc(mem, (size_t)tw * 3, sizeof(uint64_t));
  if (!t->span || !t->sums) {
    hx_thumb_clear(t);
    return hc_fail_oom(err);
  }
  for (uint32_t x = 0; x < tw; x++) {
    uint32_t x0 = (uint32_t)((uint64_t)x * w / tw), x1 = (uint32_t)((uint64_t)(x + 1) * w / tw);
    t->span[2 * x] = x0;
    t->span[2 * x + 1] = x1 <= x0 ? x0 + 1 : x1;
  }
  return HEIC_OK;
}

void hx_thumb_row(hx_thumb *t, const uint16_t *r, const uint16_t *g, const uint16_t *b) {
  uint32_t tw = t->out.width, th = t->out.height;
  if (t->y >= t->h) return;
  const uint16_t *in[3] = {r, g, b};
  for (int c = 0; c < 3; c++)
    for (uint32_t x = 0; x < tw; x++) {
      uint64_t sum = 0;
      for (uint32_t xx = t->span[2 * x]; xx < t->span[2 * x + 1]; xx++) sum += in[c][xx];
      t->sums[(size_t)c * tw + x] += sum;
    }
  t->y++;
  uint32_t oy = t->oy;
  uint32_t y0 = (uint32_t)((uint64_t)oy * t->h / th), y1 = (uint32_t)((uint64_t)(oy + 1) * t->h / th);
  if (t->y < y1) return;
  for (int c = 0; c < 3; c++) {
    hx_plane *d = &t->out.planes[c];
    for (uint32_t x = 0; x < tw; x++) {
      uint64_t cnt = (uint64_t)(y1 - y0) * (t->span[2 * x + 1] - t->span[2 * x]);
      d->data[oy * d->stride + x] = (uint16_t)((t->sums[(size_t)c * tw + x] + cnt / 2) / cnt);
    }
  }
  memset(t->sums, 0, (size_t)tw * 3 * sizeof(uint64_t));
  t->oy++;
}

void hx_thumb_clear(hx_thumb *t) {
  if (!t->mem) return;
  hc_free(t->mem, t->span);
  hc_free(t->mem, t->sums);
  hx_picture_clear(&t->out);
  memset(t, 0, sizeof(*t));
}

static heic_status downscale(hx_rgb_row_fn row, const void *src, uint32_t w, uint32_t h, int depth,
                             hc_mem *mem, uint32_t max_side, hx_picture *out, hc_err *err) {
  memset(out, 0, sizeof(*out));
  hx_thumb t;
  heic_status st = hx_thumb_begin(&t, mem, w, h, depth, max_side, err);
  if (st != HEIC_OK) return st;
  uint16_t *rgb = hc_malloc_array(mem, (size_t)w * 3, sizeof(uint16_t));
  if (!rgb) {
    hx_thumb_clear(&t);
    return hc_fail_oom(err);
  }
  for (uint32_t y = 0; y < h; y++) {
    row(src, y, rgb, rgb + w, rgb + 2 * (size_t)w);
    hx_thumb_row(&t, rgb, rgb + w, rgb + 2 * (size_t)w);
  }
  hc_free(mem, rgb);
  hx_picture_move(out, &t.out);
  hx_thumb_clear(&t);
  return HEIC_OK;
}

/* Pads a picture to the sizes its chroma format can code (even width for
 * 4:2:0 and 4:2:2, even height for 4:2:0) by repeating the last column/row;
 * clap crops the padding again. */
heic_status hx_enc_pad_as(hx_picture *pic, heic_chroma like, hc_err *err) {
  uint32_t w = pic->width, h = pic->height;
  if (like == HEIC_CHROMA_420 || like == HEIC_CHROMA_422) w = (w + 1) & ~1u;
  if (like == HEIC_CHROMA_420) h = (h + 1) & ~1u;
  if (w == pic->width && h == pic->height) return HEIC_OK;
  hx_picture padded;
  heic_status st = extract(pic, 0, 0, w, h, &padded, err);
  if (st == HEIC_OK) {
    padded.has_alpha = 0;
    hx_picture_move(pic, &padded);
  }
  return st;
}

heic_status hx_enc_make_even(hx_picture *pic, hc_err *err) { return hx_enc_pad_as(pic, pic->chroma, err); }

/* The image's alpha as a picture at depth: 4:0:0 (luma = alpha) when mono
 * is set, else 4:2:0 with neutral chroma; read straight from the image, so
 * that alpha is never held at full size twice.  It is padded as the colour
 * picture is (the master's chroma format: master), so that the two share
 * their coded size and clap - readers that attach alpha before the
 * transformations (ours) need the sizes equal. */
static heic_status alpha_picture(const heic_image *img, hc_mem *mem, int depth, int mono,
                                 heic_chroma master, hx_picture *out, hc_err *err) {
  memset(out, 0, sizeof(*out));
  uint32_t w = heic_image_width(img), h = heic_image_height(img);
  heic_status st = hx_picture_alloc(out, mem, w, h, mono ? HEIC_CHROMA_400 : HEIC_CHROMA_420, depth, err);
  if (st != HEIC_OK) return st;
  hx_plane *a = &out->planes[0];
  for (uint32_t r = 0; r < h; r++) {
    hx_image_alpha_row(img, r, a->data + r * a->stride);
    hx_rescale_row(a->data + r * a->stride, w, heic_image_bit_depth(img), depth);
  }
  for (int i = 1; i < 3 && !mono; i++) {
    hx_plane *p = &out->planes[i];
    for (uint32_t r = 0; r < p->h; r++)
      for (uint32_t x = 0; x < p->w; x++) p->data[r * p->stride + x] = (uint16_t)(1u << (depth - 1));
  }
  return hx_enc_pad_as(out, mono ? master : HEIC_CHROMA_420, err);
}

/* 1 when the plugin's "chroma" parameter offers the chroma format format
 * ("400", "444", ...); def when it has no such parameter. */
static int plugin_codes(const heic_encoder_plugin *plugin, const char *format, int def) {
  for (uint32_t i = 0;; i++) {
    const heic_param_info *pi = plugin->param_info(i);
    if (!pi) return def;
    if (strcmp(pi->name, "chroma") || pi->type != HEIC_PARAM_CHOICE || !pi->choices) continue;
    for (int c = 0; pi->choices[c]; c++)
      if (!strcmp(pi->choices[c], format)) return 1;
    return 0;
  }
}

/* 1 when every pixel of an RGB image has R = G = B: a grey picture stored
 * as RGB (as grey PNG and JPEG input arrives), coded exactly as its luma. */
static heic_status image_is_grey(const heic_image *img, hc_mem *mem, int *grey, hc_err *err) {
  uint32_t w = heic_image_width(img), h = heic_image_height(img);
  uint16_t *rgb = hc_malloc_array(mem, (size_t)w * 3, sizeof(uint16_t));
  if (!rgb) return hc_fail_oom(err);
  *grey = 1;
  for (uint32_t y = 0; y < h && *grey; y++) {
    uint16_t *r = rgb, *g = rgb + w, *b = rgb + 2 * (size_t)w;
    hx_image_rgb_row(img, y, r, g, b);
    for (uint32_t x = 0; x < w; x++)
      if (r[x] != g[x] || g[x] != b[x]) {
        *grey = 0;
        break;
      }
  }
  hc_free(mem, rgb);
  return HEIC_OK;
}

/* A 4:0:0 picture as 4:2:0 with neutral chroma, for a plugin that codes no
 * 4:0:0 (in place; on failure pic is unchanged). */
static heic_status mono_to_420(hx_picture *pic, hc_err *err) {
  hx_picture out;
  memset(&out, 0, sizeof(out));
  heic_status st = hx_picture_alloc(&out, pic->mem, pic->width, pic->height, HEIC_CHROMA_420,
                                    pic->bit_depth, err);
  if (st != HEIC_OK) return st;
  const hx_plane *s = &pic->planes[0];
  hx_plane *d = &out.planes[0];
  for (uint32_t r = 0; r < s->h; r++) memcpy(d->data + r * d->stride, s->data + r * s->stride, s->w * sizeof(uint16_t));
  for (int i = 1; i < 3; i++) {
    hx_plane *p = &out.planes[i];
    for (uint32_t r = 0; r < p->h; r++)
      for (uint32_t x = 0; x < p->w; x++) p->data[r * p->stride + x] = (uint16_t)(1u << (pic->bit_depth - 1));
  }
  hx_picture_move(pic, &out);
  return HEIC_OK;
}

/* EXIF orientation -> irot (quarter turns anticlockwise) then imir, the
 * order in which readers apply them. */
static void orientation_to_transforms(int o, int *rot, int *mirror) {
  static const int rots[9] = {0, 0, 0, 2, 0, 1, 3, 3, 1};
  static const int mirrors[9] = {-1, -1, 1, -1, 0, 0, -1, 0, -1};
  if (o < 1 || o > 8) o = 1;
  *rot = rots[o];
  *mirror = mirrors[o];
}

/* irot then imir for an EXIF orientation (after any clap already added). */
static heic_status add_orientation(const enc_job *job, uint32_t id, int orientation, hc_err *err) {
  int rot, mir;
  orientation_to_transforms(orientation, &rot, &mir);
  heic_status st = HEIC_OK;
  if (rot) st = hf_writer_add_irot(job->w, id, (unsigned)rot, err);
  if (st == HEIC_OK && mir >= 0) st = hf_writer_add_imir(job->w, id, (unsigned)mir, err);
  return st;
}

/* The rows of a caller's RGB image for hx_rgb_rows_to_ycbcr(); when the
 * image is ours (consumed), the rows above the one being read are given back
 * as the conversion goes, a band at a time, since they are not read again
 * (rows come in order; an odd last row twice). */
typedef struct image_rows {
  const heic_image *img;
  heic_image *owned;  /* NULL: the caller's, leave it alone */
  uint32_t *released; /* rows given back so far */
} image_rows;

#define RELEASE_BAND 32u /* rows per madvise() call: few calls, little held */

static void image_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b) {
  const image_rows *ir = src;
  hx_image_rgb_row(ir->img, y, r, g, b);
  if (ir->owned && y >= *ir->released + RELEASE_BAND) {
    hx_image_release_rows(ir->owned, y);
    *ir->released = y;
  }
}

/* What readers assume for an image without a colr nclx box: libheif's
 * default (sRGB primaries and transfer, BT.601 matrix, full range), which
 * the VUI this encoder writes also says.  Matrix 5 and 6 are the same
 * BT.601 coefficients. */
static int nclx_is_default(const heic_nclx *n) {
  return n->colour_primaries == 1 && n->transfer_characteristics == 13 &&
         (n->matrix_coefficients == 6 || n->matrix_coefficients == 5) && n->full_range;
}

heic_status hx_enc_plan_make(heic_context *ctx, const hx_enc_input *in, const heic_encode_options *opts,
                             hx_enc_plan *plan, hc_err *err) {
  memset(plan, 0, sizeof(*plan));
  const heic_encoder_plugin *plugin = hp_find_encoder(opts->encoder);
  if (!plugin)
    return hc_fail(err, HEIC_ERR_NOT_FOUND, "no encoder named '%s' (see heic_encoder_name)",
                   opts->encoder ? opts->encoder : "(default)");
  if (opts->quality < 0 || opts->quality > 100)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "quality %d is outside 0..100", opts->quality);
  if ((uint64_t)in->width * in->height > ctx->limits.max_pixels)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "a %ux%u image exceeds the limit of %llu pixels (max_pixels)",
                   in->width, in->height, (unsigned long long)ctx->limits.max_pixels);
  if (!ctx->writer) {
    heic_status st = hf_writer_new(&ctx->writer, &ctx->mem, err);
    if (st != HEIC_OK) return st;
  }
  if (opts->bit_depth != 0 && opts->bit_depth != 8 && opts->bit_depth != 10 && opts->bit_depth != 12)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "bit depth %d: libheic codes 8, 10 or 12 bits",
                   opts->bit_depth);
  int depth = opts->bit_depth ? opts->bit_depth : in->bit_depth > 8 ? 10 : 8;
  /* Lossless means every bit: samples deeper than the coded ones (a 16-bit
   * PNG; HEVC here codes at most 12 bits) would be rounded. */
  if (opts->lossless && in->bit_depth > depth)
    return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                   "lossless coding of %d-bit samples at %d bits would round them (at most 12 "
                   "bits are coded: give 8-bit input, or code it lossy)",
                   in->bit_depth, depth);
  enc_job job = {ctx, opts, plugin, ctx->writer, depth};
  heic_nclx nclx = in->nclx;
  heic_chroma chroma = opts->chroma;
  int mono_ok = plugin_codes(plugin, "400", 0);
  if (in->rgb && mono_ok && !opts->lossless &&
      chroma == HEIC_CHROMA_400) {
    /* asked for: the luma alone (a grey rendering of the colours) */
  } else if (in->rgb && mono_ok &&
             (chroma == HEIC_CHROMA_420 || opts->lossless)) {
    /* Grey RGB - every pixel R = G = B - is its luma exactly (full range,
     * any matrix: the coefficients sum to 1): coded as 4:0:0, smaller, and
     * lossless with a lossless plugin.  An explicit 4:2:2 / 4:4:4 keeps its
     * chroma. */
    int grey = 0;
    heic_status st = in->is_grey(in->opaque, &grey, err);
    if (st != HEIC_OK) return st;
    if (grey)
      chroma = HEIC_CHROMA_400;
    else if (chroma == HEIC_CHROMA_400)
      chroma = HEIC_CHROMA_444; /* lossless colour is not its luma alone */
  }
  int grey_rgb = in->rgb && chroma == HEIC_CHROMA_400;
  if (in->rgb) {
    /* What libheif writes for sRGB input, so files look the same in every
     * reader: BT.601 matrix, full range, sRGB primaries and transfer.
     * Lossless means no loss in the colour conversion either: GBR (the
     * identity matrix) at 4:4:4. */
    /* (Grey is coded as its luma, exact with any matrix: the default one,
     * BT.601, even when lossless.) */
    /* The image's nclx says which matrix and range to convert with (its
     * primaries and transfer are only stated); a matrix the conversion
     * does not have falls back to BT.601 when it came with the image, and
     * is refused when asked for in opts. */
    /* (The image's identity matrix holds at 4:4:4, the one format that
     * allows it: lossy GBR.) */
    uint16_t im = nclx.matrix_coefficients;
    int def = opts->lossless && !grey_rgb ? 0
              : hx_matrix_known(im) || (im == 0 && chroma == HEIC_CHROMA_444) ? im
                                                                               : 6;
    nclx.matrix_coefficients = opts->matrix_coefficients ? (uint16_t)opts->matrix_coefficients : (uint16_t)def;
    if (opts->matrix_coefficients && !hx_matrix_known((uint16_t)opts->matrix_coefficients))
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "matrix coefficients %d: libheic converts RGB with matrix 1 (BT.709), 4 (FCC), "
                     "5 or 6 (BT.601), 7 (SMPTE 240M), 9 or 10 (BT.2020), or 0 (identity, with "
                     "4:4:4 or lossless)",
                     opts->matrix_coefficients);
    if (opts->lossless && !grey_rgb && opts->matrix_coefficients)
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "lossless RGB is coded through the identity matrix (GBR); matrix %d would round "
                     "the colours",
                     opts->matrix_coefficients);
    if (opts->lossless) nclx.full_range = 1; /* limited range would round the samples */
    if (opts->lossless && !grey_rgb) chroma = HEIC_CHROMA_444;
    if (nclx.matrix_coefficients == 0 && !grey_rgb && chroma != HEIC_CHROMA_444)
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "the identity matrix (0, GBR) needs 4:4:4 chroma (H.265 E.3.1), not %s",
                     chroma == HEIC_CHROMA_422 ? "4:2:2" : "4:2:0");
    if (opts->lossless && !grey_rgb && !plugin_codes(plugin, "444", 1))
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "lossless RGB is coded as 4:4:4 (GBR), which encoder '%s' does not code%s",
                     plugin->name,
                     mono_ok ? " (it codes grey input and YCbCr 4:2:0 input losslessly)" : "");
    if (chroma != HEIC_CHROMA_420 && chroma != HEIC_CHROMA_422 && chroma != HEIC_CHROMA_444 && !grey_rgb)
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "chroma format %d is not supported for RGB input (use 4:2:0, 4:2:2 or 4:4:4%s)",
                     (int)chroma, mono_ok ? ", or 4:0:0 for grey" : "");
    /* Said before any work, naming the part that is missing, rather than
     * as the encoder's failure on the picture. */
    if ((chroma == HEIC_CHROMA_422 || chroma == HEIC_CHROMA_444) && !grey_rgb && !opts->lossless &&
        !plugin_codes(plugin, chroma == HEIC_CHROMA_422 ? "422" : "444", 1))
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "encoder '%s' does not code chroma %s (it codes 4:2:0%s; the x265 encoder, where "
                     "built, codes 4:2:2 and 4:4:4)",
                     plugin->name, chroma == HEIC_CHROMA_422 ? "4:2:2" : "4:4:4",
                     mono_ok ? " and grey as 4:0:0" : "");
  }
  plan->job = job;
  plan->nclx = nclx;
  plan->chroma = chroma;
  plan->mono_ok = mono_ok;
  plan->grey_rgb = grey_rgb;
  /* The nclx box when it says more than readers assume without one (see
   * heic_encode_options.nclx_box), or beside an ICC profile (the two
   * together tell readers that can use only one of them both ways). */
  plan->nclx_box = opts->nclx_box == HEIC_NCLX_ALWAYS || (opts->icc && opts->icc_size) ||
                   !nclx_is_default(&nclx);
  return HEIC_OK;
}

heic_status hx_enc_add_items(const hx_enc_plan *plan, const hx_enc_items *items, uint32_t *item_id,
                             hc_err *err) {
  const enc_job *jp = &plan->job;
  heic_context *ctx = jp->ctx;
  const heic_encode_options *opts = jp->opts;
  const heic_nclx *nclxp = &plan->nclx;
  int nclx_box = plan->nclx_box;
  uint32_t master = 0, alpha_id = 0, thumb_id = 0;
  heic_status st = items->add_colour(items->opaque, &master, err);
  if (st == HEIC_OK && opts->icc && opts->icc_size)
    st = hf_writer_add_colr_icc(jp->w, master, opts->icc, opts->icc_size, err);
  if (st == HEIC_OK) st = hf_writer_add_hdr(jp->w, master, &items->hdr, err);
  if (st == HEIC_OK) st = add_orientation(jp, master, opts->orientation, err);
  if (st == HEIC_OK && items->add_alpha) {
    st = items->add_alpha(items->opaque, &alpha_id, err);
    /* The alpha image carries the master's transformations too: readers
     * (libheif) drop an alpha whose displayed size differs from the image's. */
    if (st == HEIC_OK) st = add_orientation(jp, alpha_id, opts->orientation, err);
    if (st == HEIC_OK) st = hf_writer_add_auxc(jp->w, alpha_id, ALPHA_URN, err);
    if (st == HEIC_OK) st = hf_writer_add_ref(jp->w, HF_4CC('a', 'u', 'x', 'l'), alpha_id, &master, 1, err);
    if (st == HEIC_OK && items->premultiplied)
      st = hf_writer_add_ref(jp->w, HF_4CC('p', 'r', 'e', 'm'), master, &alpha_id, 1, err);
  }
  if (st == HEIC_OK && items->thumb && items->thumb->planes[0].data) {
    const hx_picture *thumb = items->thumb;
    st = add_image(jp, thumb, thumb->width, thumb->height, 3, nclxp, nclx_box, 0, 1, &thumb_id, err);
    /* Readers show a thumbnail through its own transformations, not its
     * master's: without them a rotated photo gets a sideways thumbnail. */
    if (st == HEIC_OK) st = add_orientation(jp, thumb_id, opts->orientation, err);
    if (st == HEIC_OK) st = hf_writer_add_ref(jp->w, HF_4CC('t', 'h', 'm', 'b'), thumb_id, &master, 1, err);
  }
  if (st == HEIC_OK && opts->exif && opts->exif_size) {
    /* Exif item payload: 4-byte offset to the TIFF header, then the data. */
    uint8_t *buf = hc_malloc(&ctx->mem, opts->exif_size + 4);
    uint32_t id = 0;
    if (!buf) {
      st = hc_fail_oom(err);
    } else {
      memset(buf, 0, 4);
      memcpy(buf + 4, opts->exif, opts->exif_size);
      st = hf_writer_add_item(jp->w, HF_4CC('E', 'x', 'i', 'f'), "", 1, &id, err);
      if (st == HEIC_OK) st = hf_writer_set_item_data(jp->w, id, buf, opts->exif_size + 4, 0, err);
      if (st == HEIC_OK) st = hf_writer_add_ref(jp->w, HF_4CC('c', 'd', 's', 'c'), id, &master, 1, err);
      hc_free(&ctx->mem, buf);
    }
  }
  if (st == HEIC_OK && opts->xmp && opts->xmp_size) {
    uint32_t id = 0;
    st = hf_writer_add_item(jp->w, HF_4CC('m', 'i', 'm', 'e'), "", 1, &id, err);
    if (st == HEIC_OK) st = hf_writer_set_content_type(jp->w, id, "application/rdf+xml", err);
    if (st == HEIC_OK) st = hf_writer_set_item_data(jp->w, id, opts->xmp, opts->xmp_size, 0, err);
    if (st == HEIC_OK) st = hf_writer_add_ref(jp->w, HF_4CC('c', 'd', 's', 'c'), id, &master, 1, err);
  }
  if (st == HEIC_OK && !ctx->enc_primary) {
    st = hf_writer_set_primary(jp->w, master, err);
    if (st == HEIC_OK) ctx->enc_primary = master;
    if (st == HEIC_OK) ctx->enc_primary_rext = items->chroma != HEIC_CHROMA_420;
  }
  if (st == HEIC_OK) {
    if (jp->depth > ctx->enc_max_depth) ctx->enc_max_depth = jp->depth;
    if (item_id) *item_id = master;
    const heic_encode_options *o = opts;
    if (o->progress && o->progress(o->progress_opaque, 1, 1))
      st = hc_fail(err, HEIC_ERR_CANCELLED, "encoding cancelled after the last tile");
  }
  return st;
}

/* Alpha samples are full range; without saying so, readers (libheif)
 * take the HEVC default of limited range and stretch them. */
const heic_nclx hx_alpha_nclx = {2, 2, 6, 1};

/* The whole-image path's items: pictures coded as they are added. */
typedef struct whole_items {
  const hx_enc_plan *plan;
  const hx_picture *pic, *alpha;
  uint32_t w, h;
} whole_items;

static heic_status whole_colour(void *opaque, uint32_t *id, hc_err *err) {
  const whole_items *wi = opaque;
  return add_image(&wi->plan->job, wi->pic, wi->w, wi->h, 3, &wi->plan->nclx, wi->plan->nclx_box, 1, 1, id, err);
}

static heic_status whole_alpha(void *opaque, uint32_t *id, hc_err *err) {
  const whole_items *wi = opaque;
  return add_image(&wi->plan->job, wi->alpha, wi->w, wi->h, 1, &hx_alpha_nclx, 1, 1, 1, id, err);
}

typedef struct grey_query {
  const heic_image *img;
  hc_mem *mem;
} grey_query;

static heic_status image_grey(void *opaque, int *grey, hc_err *err) {
  const grey_query *q = opaque;
  return image_is_grey(q->img, q->mem, grey, err);
}

/* owned: the caller's handle when the image is ours to free (as soon as its
 * samples are taken, to lower the peak memory), else NULL. */
static heic_status encode_image(heic_context *ctx, const heic_image *img, heic_image **owned,
                                const heic_encode_options *opts, uint32_t *item_id, hc_err *err) {
  grey_query gq = {img, &ctx->mem};
  hx_enc_input in = {heic_image_layout(img) == HEIC_LAYOUT_RGB, heic_image_width(img),
                     heic_image_height(img), heic_image_bit_depth(img), heic_image_nclx(img),
                     image_grey, &gq};
  hx_enc_plan plan;
  heic_status pst = hx_enc_plan_make(ctx, &in, opts, &plan, err);
  if (pst != HEIC_OK) return pst;
  enc_job job = plan.job;
  heic_nclx nclx = plan.nclx;
  heic_chroma chroma = plan.chroma;
  int mono_ok = plan.mono_ok, grey_rgb = plan.grey_rgb;
  heic_hdr hdr = hx_image_hdr(img); /* img may be freed once converted */
  uint32_t w = heic_image_width(img), h = heic_image_height(img);
  hx_picture pic, thumb, alpha;
  memset(&pic, 0, sizeof(pic));
  memset(&thumb, 0, sizeof(thumb));
  memset(&alpha, 0, sizeof(alpha));
  int premultiplied = heic_image_alpha_premultiplied(img);
  int in_depth = heic_image_bit_depth(img);
  heic_status st = HEIC_OK;
  if (heic_image_layout(img) == HEIC_LAYOUT_RGB) {
    /* Straight from the caller's samples to the coded planes, a row at a
     * time: no full-size RGB copy, and the picture comes out padded to the
     * even size it is coded at. */
    if (opts->thumbnail_size && (w > opts->thumbnail_size || h > opts->thumbnail_size)) {
      st = downscale(hx_image_rgb_row, img, w, h, in_depth, &ctx->mem, opts->thumbnail_size, &thumb, err);
      if (st == HEIC_OK)
        st = hx_rgb_to_ycbcr(&thumb, &nclx, grey_rgb ? HEIC_CHROMA_400 : HEIC_CHROMA_420, job.depth, err);
      if (st == HEIC_OK) st = hx_enc_make_even(&thumb, err);
    }
    /* Alpha before the colour, which may give the image's rows back. */
    if (st == HEIC_OK && heic_image_has_alpha(img) && !opts->no_alpha)
      st = alpha_picture(img, &ctx->mem, job.depth, mono_ok, chroma, &alpha, err);
    uint32_t released = 0;
    image_rows rows = {img, owned ? *owned : NULL, &released};
    if (st == HEIC_OK)
      st = hx_rgb_rows_to_ycbcr(image_row, &rows, w, h, in_depth, &ctx->mem, &nclx, chroma,
                                job.depth, 1, &pic, err);
  } else {
    st = hx_picture_from_image(img, &ctx->mem, &pic, err);
    if (st == HEIC_OK) {
      /* YCbCr input is coded in its own chroma format; the plugin says if
       * it cannot. */
      hx_picture_set_depth(&pic, job.depth);
      /* 4:0:0 to a plugin without it: neutral chroma added */
      if (pic.chroma == HEIC_CHROMA_400 && !mono_ok) st = mono_to_420(&pic, err);
    }
    if (st == HEIC_OK && heic_image_has_alpha(img) && !opts->no_alpha)
      st = alpha_picture(img, &ctx->mem, job.depth, mono_ok, pic.chroma, &alpha, err);
  }
  /* Every sample the encode needs has been taken from the image. */
  if (owned) heic_image_free(owned);
  img = NULL;
  if (st == HEIC_OK) st = hx_enc_make_even(&pic, err);
  if (st == HEIC_OK) {
    whole_items wi = {&plan, &pic, &alpha, w, h};
    hx_enc_items items = {whole_colour, alpha.planes[0].data ? whole_alpha : NULL, &wi, &thumb,
                          hdr, premultiplied, pic.chroma};
    st = hx_enc_add_items(&plan, &items, item_id, err);
  }
  hx_picture_clear(&pic);
  hx_picture_clear(&thumb);
  hx_picture_clear(&alpha);
  return st;
}

heic_status hx_enc_call(heic_context *ctx, int have_input, const char *missing,
                        const heic_encode_options *opts, uint32_t *item_id, hx_enc_body body,
                        void *arg) {
  if (item_id) *item_id = 0;
  if (!ctx) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  if (!have_input)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "no %s", missing));
  if (ctx->file_data)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT,
                                      "this context has read a file; encode with a fresh context"));
  if (ctx->enc_failed.code != HEIC_OK) {
    hc_err_merge(&ctx->err, &ctx->enc_failed);
    return hx_ctx_result(ctx, ctx->enc_failed.code);
  }
  heic_encode_options defaults;
  if (!opts) {
    heic_encode_options_init(&defaults);
    opts = &defaults;
  }
  heic_status st = body(ctx, opts, item_id, &ctx->err, arg);
  /* Items of a failed image may be half in the writer: the output is
   * poisoned rather than written incomplete. */
  if (st != HEIC_OK && ctx->writer) ctx->enc_failed = ctx->err;
  return hx_ctx_result(ctx, st);
}

typedef struct image_call {
  const heic_image *img;
  heic_image **owned;
} image_call;

static heic_status image_body(heic_context *ctx, const heic_encode_options *opts, uint32_t *item_id,
                              hc_err *err, void *arg) {
  const image_call *c = arg;
  return encode_image(ctx, c->img, c->owned, opts, item_id, err);
}

static heic_status encode_call(heic_context *ctx, const heic_image *img, heic_image **owned,
                               const heic_encode_options *opts, uint32_t *item_id) {
  image_call c = {img, owned};
  return hx_enc_call(ctx, img != NULL, "image", opts, item_id, image_body, &c);
}

heic_status heic_context_encode_image(heic_context *ctx, const heic_image *img,
                                      const heic_encode_options *opts, uint32_t *item_id) {
  return encode_call(ctx, img, NULL, opts, item_id);
}

heic_status heic_context_encode_image_consume(heic_context *ctx, heic_image **img,
                                              const heic_encode_options *opts, uint32_t *item_id) {
  if (!img) {
    if (item_id) *item_id = 0;
    return ctx ? hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "no image"))
               : HEIC_ERR_INVALID_ARGUMENT;
  }
  heic_status st = encode_call(ctx, *img, img, opts, item_id);
  /* Whatever happened (encode_image frees it early on its normal path). */
  heic_image_free(img);
  return st;
}

/* ---- writing ---- */

/* The file sink: safe_file writes straight to the descriptor; the writer
 * hands over whole boxes and item payloads, so there are few calls. */
typedef struct file_sink {
  hc_safe_file file;
  int failed;
  char why[256]; /* the write error, for the message */
} file_sink;

/* A write error is kept here and not reported to the writer, which would
 * take it as its own failure and refuse every later call: a full disk must
 * not stop the caller from writing the same context elsewhere. */
static int write_to_file(void *opaque, const uint8_t *data, size_t size) {
  file_sink *s = opaque;
  if (!s->failed && hc_safe_file_write(&s->file, data, size, s->why, sizeof s->why) != 0) s->failed = 1;
  return 0;
}

static heic_status check_writable(heic_context *ctx, hc_err *err) {
  if (ctx->enc_failed.code != HEIC_OK) {
    hc_err_merge(err, &ctx->enc_failed);
    return ctx->enc_failed.code;
  }
  if (!ctx->writer || !ctx->enc_primary)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "nothing has been encoded into this context");
  /* 'heic' is Main / Main Still Picture only; Main 10 and the range
   * extensions profiles (4:0:0 Monochrome, 4:2:2, 4:4:4) are 'heix' */
  hf_fourcc brand = ctx->enc_max_depth > 8 || ctx->enc_primary_rext ? HF_4CC('h', 'e', 'i', 'x')
                                                                     : HF_4CC('h', 'e', 'i', 'c');
  hf_fourcc compat[3] = {HF_4CC('m', 'i', 'f', '1'), brand, HF_4CC('m', 'i', 'a', 'f')};
  return hf_writer_set_brands(ctx->writer, brand, compat, 3, err);
}

heic_status heic_context_write_file(heic_context *ctx, const char *path) {
  if (!ctx || !path || !*path) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  hc_err *err = &ctx->err;
  heic_status st = check_writable(ctx, err);
  if (st != HEIC_OK) return hx_ctx_result(ctx, st);
  /* safe_file (see core/safe_file.h) decides how: an unnamed file linked
   * in only when complete and synced, or a device written directly. */
  file_sink sink;
  sink.failed = 0;
  sink.why[0] = '\0';
  if (hc_safe_file_open(&sink.file, path, sink.why, sizeof sink.why) != 0)
    return hx_ctx_result(ctx, hc_fail(err, HEIC_ERR_IO, "'%s': %s", path, sink.why));
  st = hf_writer_write(ctx->writer, write_to_file, &sink, err);
  if (st == HEIC_OK && sink.failed) st = hc_fail(err, HEIC_ERR_IO, "'%s': %s", path, sink.why);
  if (st != HEIC_OK) {
    hc_safe_file_abort(&sink.file);
    return hx_ctx_result(ctx, st);
  }
  if (hc_safe_file_commit(&sink.file, sink.why, sizeof sink.why) != 0)
    st = hc_fail(err, HEIC_ERR_IO, "'%s': %s", path, sink.why);
  return hx_ctx_result(ctx, st);
}

typedef struct mem_sink {
  hc_mem *mem;
  uint8_t *buf;
  size_t size, cap;
} mem_sink;

static int write_to_memory(void *opaque, const uint8_t *data, size_t size) {
  mem_sink *m = opaque;
  if (size > SIZE_MAX - m->size) return -1;
  if (m->size + size > m->cap) {
    size_t ncap = m->cap ? m->cap : 65536;
    while (ncap < m->size + size) ncap = ncap > SIZE_MAX / 2 ? m->size + size : ncap * 2;
    uint8_t *nb = hc_realloc_array(m->mem, m->buf, ncap, 1);
    if (!nb) return -1;
    m->buf = nb;
    m->cap = ncap;
  }
  memcpy(m->buf + m->size, data, size);
  m->size += size;
  return 0;
}

heic_status heic_context_write_memory(heic_context *ctx, heic_buffer **out) {
  if (out) *out = NULL;
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  heic_status st = check_writable(ctx, &ctx->err);
  mem_sink m = {&ctx->mem, NULL, 0, 0};
  if (st == HEIC_OK) st = hf_writer_write(ctx->writer, write_to_memory, &m, &ctx->err);
  if (st == HEIC_ERR_IO) {
    hc_err_clear(&ctx->err);
    st = hc_fail_oom(&ctx->err);
  }
  if (st == HEIC_OK) {
    *out = hc_buffer_copy(&ctx->mem, m.buf, m.size);
    if (!*out) st = hc_fail_oom(&ctx->err);
  }
  hc_free(&ctx->mem, m.buf);
  return hx_ctx_result(ctx, st);
}
