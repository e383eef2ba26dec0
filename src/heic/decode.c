/*
 * Decoding an image item: coded, grid, overlay, identity; alpha; colour
 * conversion; transformations.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Pipeline of heic_context_decode_item:
 *   0. plan: the whole graph of inputs is checked and counted first
 *      (decode_plan.c), so that nothing is decoded for an image that cannot
 *      be, and progress knows its total;
 *   1. decode_node: the item's samples before its own transformations
 *      (YCbCr for coded and grid items, RGB for overlays), with its alpha
 *      auxiliary as plane 3 where it is shown with alpha;
 *   2. colour: YCbCr -> RGB with the item's nclx (RGB output only);
 *   3. transformations in ipma order (clap, irot, imir for valid files);
 *   4. packing into the caller's heic_image.
 * Every stage owns exactly one hx_picture at a time and clears it on error.
 *
 * Grid tiles are decoded on the context's thread pool; a tile that is
 * itself a grid runs a nested job on the same pool (core/thread.h).  So
 * everything the decoder shares between threads - progress, cancellation,
 * the running pixel count - is atomic or behind `lock`.
 */
#include <stdatomic.h>
#include <string.h>

#include "codec_decode.h"
#include "colour.h"
#include "context.h"
#include "decode.h"
#include "decode_plan.h"
#include "image.h"
#include "plugins/decoder_registry.h"
#include "transform.h"

#define T_HVC1 HF_4CC('h', 'v', 'c', '1')
#define T_GRID HF_4CC('g', 'r', 'i', 'd')
#define T_IOVL HF_4CC('i', 'o', 'v', 'l')
#define T_IDEN HF_4CC('i', 'd', 'e', 'n')

typedef hx_decoder decoder;

static heic_status decode_rgb(decoder *d, uint32_t id, int with_alpha, int depth, hx_picture *out,
                              hc_err *err);

void heic_decode_options_init(heic_decode_options *opts) {
  if (opts) memset(opts, 0, sizeof(*opts));
}

static heic_status check_pixels(const heic_context *ctx, uint64_t w, uint64_t h, const char *what,
                                hc_err *err) {
  if (w * h > ctx->limits.max_pixels)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "%s of %llux%llu pixels exceeds the limit of %llu (max_pixels)", what,
                   (unsigned long long)w, (unsigned long long)h,
                   (unsigned long long)ctx->limits.max_pixels);
  return HEIC_OK;
}

heic_status hx_decoder_pool(heic_context *ctx, hc_err *err) {
  if (ctx->pool || ctx->threads <= 1) return HEIC_OK;
  return hc_pool_new(&ctx->pool, &ctx->mem, ctx->threads - 1, err);
}

static uint32_t clamp_u32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

/* Tells the caller's progress callback where the decode stands (one call
 * at a time, from whichever thread got here) and takes its answer. */
void hx_decoder_progress(decoder *d, uint64_t done) {
  if (!d->opts->progress) return;
  hc_mutex_lock(&d->lock);
  if (!atomic_load(&d->cancelled) &&
      d->opts->progress(d->opts->progress_opaque, clamp_u32(done), clamp_u32(d->plan.pictures)))
    atomic_store(&d->cancelled, 1);
  hc_mutex_unlock(&d->lock);
}

/* Checked before each piece of work: a cancelled decode starts nothing new. */
heic_status hx_decoder_check_cancelled(const decoder *d, hc_err *err) {
  return atomic_load(&d->cancelled) ? hc_fail(err, HEIC_ERR_CANCELLED, "decoding cancelled") : HEIC_OK;
}

/* ---- coded items ---- */

/* Cuts pic to its top-left w x h without copying: the planes keep their
 * storage and strides (for 8-bit storage, whose readers all go by stride). */
static void shrink_in_place(hx_picture *pic, uint32_t w, uint32_t h) {
  uint32_t cw, ch;
  hx_chroma_size(pic->chroma, w, h, &cw, &ch);
  for (int i = 0; i < 4; i++) {
    hx_plane *pl = &pic->planes[i];
    uint32_t pw = i == HX_CB || i == HX_CR ? cw : w, ph = i == HX_CB || i == HX_CR ? ch : h;
    if (pl->w > pw) pl->w = pw;
    if (pl->h > ph) pl->h = ph;
  }
  pic->width = w;
  pic->height = h;
}

static heic_status decode_coded(decoder *d, const hf_item *it, int narrow, hx_picture *out,
                                hc_err *err) {
  heic_context *ctx = d->ctx;
  const hf_file *f = &ctx->file;
  const hf_property *hvcc = hf_item_property(f, it, HF_4CC('h', 'v', 'c', 'C'));
  if (!hvcc || !hvcc->parsed)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "HEVC item %u has no hvcC property", it->id);
  const heic_decoder_plugin *plugin = hp_find_decoder(HEIC_CODEC_HEVC);
  if (!plugin) return hc_fail(err, HEIC_ERR_UNSUPPORTED, "no HEVC decoder plugin is available");
  heic_status st = hx_decoder_check_cancelled(d, err);
  if (st != HEIC_OK) return st;
  uint8_t *data = NULL;
  size_t size = 0;
  st = hx_item_bytes(ctx, it, &data, &size, err);
  if (st == HEIC_OK)
    st = hx_decode_hevc(plugin, &ctx->mem, &ctx->log, &hvcc->u.hvcc, data, size,
                        ctx->limits.max_pixels, narrow, out, err);
  hc_free(&ctx->mem, data);
  if (st != HEIC_OK) return st;
  st = check_pixels(ctx, out->width, out->height, "decoded picture", err);
  /* The plan counted pixels from the parameter sets in hvcC; the item's own
   * data may carry others, so the budget is held to what was decoded. */
  uint64_t pixels = atomic_fetch_add(&d->pixels_done, (uint64_t)out->width * out->height) +
                    (uint64_t)out->width * out->height;
  if (st == HEIC_OK && pixels > d->plan.area_budget)
    st = hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                 "item %u decoded to %ux%u, beyond the %llu pixels its image may decode "
                 "(max_decode_ratio)",
                 it->id, out->width, out->height, (unsigned long long)d->plan.area_budget);
  /* ispe gives the image size; a coded picture may be larger (padded to the
   * coding block size without a conformance window), never smaller. */
  const hf_property *ispe = hf_item_property(f, it, HF_4CC('i', 's', 'p', 'e'));
  if (st == HEIC_OK && ispe && ispe->parsed && ispe->u.ispe.width && ispe->u.ispe.height &&
      ispe->u.ispe.width <= out->width && ispe->u.ispe.height <= out->height &&
      (ispe->u.ispe.width < out->width || ispe->u.ispe.height < out->height)) {
    if (out->planes[0].bytes) shrink_in_place(out, ispe->u.ispe.width, ispe->u.ispe.height);
    else st = hx_crop(out, 0, 0, ispe->u.ispe.width, ispe->u.ispe.height, err);
  }
  if (st != HEIC_OK) {
    hx_picture_clear(out);
    return st;
  }
  hx_decoder_progress(d, atomic_fetch_add(&d->pictures_done, 1) + 1);
  return HEIC_OK;
}

/* ---- grids ---- */

typedef struct tile_job {
  decoder *d;
  const uint32_t *ids;
  int depth;
  hx_picture *pics; /* one slot per tile of the batch */
  hc_err *errs;
} tile_job;

static void decode_tile_task(void *arg, size_t i) {
  tile_job *job = arg;
  decoder *d = job->d;
  hc_err_clear(&job->errs[i]);
  /* Tiles carry their own alpha when their writer gave them one instead
   * of (or as well as) the grid. */
  (void)hx_decode_node(d, job->ids[i], !d->opts->no_alpha, job->depth, &job->pics[i], &job->errs[i]);
}

/* Copies tile (at x0, y0 on the canvas) into canvas, clipped to the canvas. */
heic_status hx_place_tile(hx_picture *canvas, const hx_picture *tile, uint32_t x0, uint32_t y0,
                          uint32_t id, hc_err *err) {
  if (tile->chroma != canvas->chroma || tile->bit_depth != canvas->bit_depth || tile->is_rgb)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "grid tile %u has a different chroma format or bit depth from the first tile", id);
  for (int i = 0; i < 4; i++) {
    hx_plane *dst = &canvas->planes[i];
    const hx_plane *src = &tile->planes[i];
    if (!hx_plane_held(dst) || !hx_plane_held(src)) continue;
    uint32_t sx = 1, sy = 1;
    if ((i == HX_CB || i == HX_CR) && canvas->chroma != HEIC_CHROMA_444) {
      sx = 2;
      sy = canvas->chroma == HEIC_CHROMA_420 ? 2 : 1;
    }
    uint32_t px = x0 / sx, py = y0 / sy;
    if (px >= dst->w || py >= dst->h) continue;
    uint32_t w = src->w < dst->w - px ? src->w : dst->w - px;
    uint32_t h = src->h < dst->h - py ? src->h : dst->h - py;
    hx_plane_blit(dst, px, py, src, 0, 0, w, h);
  }
  return HEIC_OK;
}

static heic_status decode_grid(decoder *d, const hf_item *it, int depth, hx_picture *out, hc_err *err) {
  heic_context *ctx = d->ctx;
  hx_grid g;
  const uint32_t *tiles;
  heic_status st = hx_grid_describe(ctx, it, &g, &tiles, err);
  uint32_t n = g.rows * g.cols;
  if (st == HEIC_OK) st = hx_decoder_pool(ctx, err);
  if (st != HEIC_OK) return st;

  /* Tiles are decoded in batches of one per thread and copied into the
   * canvas as each batch completes, so at most `batch` tiles are alive. */
  uint32_t batch = (uint32_t)hx_parallel_width(ctx);
  if (batch > n) batch = n;
  hx_picture *pics = hc_calloc(&ctx->mem, batch, sizeof(*pics));
  hc_err *errs = hc_calloc(&ctx->mem, batch, sizeof(*errs));
  if (!pics || !errs) {
    st = hc_fail_oom(err);
    goto done;
  }
  uint32_t tile_w = 0, tile_h = 0;
  for (uint32_t first = 0; first < n && st == HEIC_OK; first += batch) {
    st = hx_decoder_check_cancelled(d, err);
    if (st != HEIC_OK) break;
    uint32_t count = n - first < batch ? n - first : batch;
    tile_job job = {d, tiles + first, depth + 1, pics, errs};
    hc_pool_run(ctx->pool, count, decode_tile_task, &job);
    for (uint32_t i = 0; i < count && st == HEIC_OK; i++) {
      if (errs[i].code != HEIC_OK) {
        hc_err_merge(err, &errs[i]);
        st = errs[i].code;
        break;
      }
      uint32_t t = first + i;
      if (t == 0) {
        tile_w = pics[0].width;
        tile_h = pics[0].height;
        if ((uint64_t)tile_w * g.cols < g.width || (uint64_t)tile_h * g.rows < g.height) {
          st = hc_fail(err, HEIC_ERR_INVALID_INPUT,
                       "grid item %u: %ux%u tiles of %ux%u cannot cover %ux%u", it->id, g.cols,
                       g.rows, tile_w, tile_h, g.width, g.height);
          break;
        }
        st = hx_picture_alloc(out, &ctx->mem, g.width, g.height, pics[0].chroma, pics[0].bit_depth, err);
        if (st == HEIC_OK && pics[0].has_alpha) {
          st = hx_plane_alloc(&out->planes[HX_A], &ctx->mem, g.width, g.height, err);
          out->has_alpha = st == HEIC_OK;
        }
        if (st != HEIC_OK) break;
      } else if (pics[i].width != tile_w || pics[i].height != tile_h) {
        st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u: tile %u is %ux%u, tile 1 is %ux%u",
                     it->id, tiles[t], pics[i].width, pics[i].height, tile_w, tile_h);
        break;
      }
      st = hx_place_tile(out, &pics[i], (t % g.cols) * tile_w, (t / g.cols) * tile_h, tiles[t], err);
    }
    for (uint32_t i = 0; i < count; i++) hx_picture_clear(&pics[i]);
  }
done:
  if (pics)
    for (uint32_t i = 0; i < batch; i++) hx_picture_clear(&pics[i]);
  hc_free(&ctx->mem, pics);
  hc_free(&ctx->mem, errs);
  if (st != HEIC_OK) hx_picture_clear(out);
  return st;
}

/* ---- overlays ---- */

/* A sample of a layer at the canvas's bit depth. */
static uint32_t to_depth(uint32_t v, int shift) { return shift >= 0 ? v << shift : v >> -shift; }

/* Places layer on the canvas at (ox, oy), clipped to it.  A layer with
 * alpha is blended by it - canvas = (layer a + canvas (max - a)) / max, in
 * integers, at the canvas's depth: libheif's formula, so that 8-bit files
 * decode to the same samples - and one without covers what is below. */
static void blend_layer(hx_picture *out, const hx_picture *layer, int32_t ox, int32_t oy) {
  int shift = out->bit_depth - layer->bit_depth;
  uint32_t max = (1u << out->bit_depth) - 1;
  const hx_plane *alpha = layer->has_alpha ? &layer->planes[3] : NULL;
  for (int c = 0; c < 3; c++) {
    hx_plane *dst = &out->planes[c];
    const hx_plane *src = &layer->planes[c];
    for (uint32_t r = 0; r < src->h; r++) {
      int64_t y = (int64_t)oy + r;
      if (y < 0 || y >= (int64_t)out->height) continue;
      uint16_t *drow = dst->data + (size_t)y * dst->stride;
      const uint16_t *srow = src->data + (size_t)r * src->stride;
      const uint16_t *arow = alpha ? alpha->data + (size_t)r * alpha->stride : NULL;
      for (uint32_t x = 0; x < src->w; x++) {
        int64_t cx = (int64_t)ox + x;
        if (cx < 0 || cx >= (int64_t)out->width) continue;
        uint32_t v = to_depth(srow[x], shift);
        if (arow) {
          uint32_t a = to_depth(arow[x], shift);
          if (a > max) a = max;
          v = (uint32_t)(((uint64_t)v * a + (uint64_t)drow[cx] * (max - a)) / max);
        }
        drow[cx] = (uint16_t)v;
      }
    }
  }
}

static heic_status decode_overlay(decoder *d, const hf_item *it, int depth, hx_picture *out, hc_err *err) {
  heic_context *ctx = d->ctx;
  hx_overlay ov;
  hx_picture layer;
  memset(&layer, 0, sizeof(layer));
  heic_status st = hx_overlay_describe(ctx, it, &ov, err);
  if (st != HEIC_OK) return st;
  uint32_t w = ov.width, h = ov.height;
  for (uint32_t k = 0; k < ov.layers && st == HEIC_OK; k++) {
    st = hx_decoder_check_cancelled(d, err);
    if (st != HEIC_OK) break;
    int32_t ox, oy;
    hx_overlay_offset(&ov, k, &ox, &oy);
    /* With its alpha, as the plan says (decode_plan.c). */
    st = decode_rgb(d, ov.inputs[k], 1, depth + 1, &layer, err);
    if (st != HEIC_OK) break;
    if (k == 0) {
      /* The canvas takes the first layer's bit depth; fill is 16-bit. */
      st = hx_picture_alloc(out, &ctx->mem, w, h, HEIC_CHROMA_444, layer.bit_depth, err);
      if (st != HEIC_OK) break;
      out->is_rgb = 1;
      for (int c = 0; c < 3; c++) {
        uint16_t v = (uint16_t)(ov.fill[c] >> (16 - out->bit_depth));
        hx_plane *p = &out->planes[c];
        for (uint32_t r = 0; r < p->h; r++)
          for (uint32_t x = 0; x < p->w; x++) p->data[r * p->stride + x] = v;
      }
    }
    blend_layer(out, &layer, ox, oy);
    hx_picture_clear(&layer);
  }
  hx_picture_clear(&layer);
  hx_overlay_clear(ctx, &ov);
  if (st != HEIC_OK) hx_picture_clear(out);
  return st;
}

/* ---- transformations ---- */

heic_status hx_apply_transforms(decoder *d, const hf_item *it, hx_picture *pic, hc_err *err) {
  const hf_file *f = &d->ctx->file;
  heic_status st = HEIC_OK;
  for (uint32_t i = 0; i < it->assoc_count && st == HEIC_OK; i++) {
    const hf_property *p = &f->props[it->assocs[i].index];
    if (!p->parsed) continue;
    switch (p->type) {
      case HF_4CC('c', 'l', 'a', 'p'): {
        uint32_t x, y, w, h;
        st = hx_clap_rect(&p->u.clap, pic->width, pic->height, &x, &y, &w, &h, err);
        if (st == HEIC_OK && !hx_crop_keeps_chroma(pic, x, y)) st = hx_upsample_444(pic, err);
        if (st == HEIC_OK) st = hx_crop(pic, x, y, w, h, err);
        break;
      }
      case HF_4CC('i', 'r', 'o', 't'):
        if (!hx_rotate_keeps_chroma(pic, p->u.irot.angle)) st = hx_upsample_444(pic, err);
        if (st == HEIC_OK) st = hx_rotate(pic, p->u.irot.angle, err);
        break;
      case HF_4CC('i', 'm', 'i', 'r'):
        st = hx_mirror(pic, p->u.imir.axis, err);
        break;
      default:
        break;
    }
  }
  return st;
}

/* ---- dispatch ---- */


heic_status hx_decode_check_item(decoder *d, uint32_t id, int depth, const hf_item **out_it,
                                 hc_err *err) {
  const hf_file *f = &d->ctx->file;
  *out_it = NULL;
  if (depth > HX_MAX_DERIVATION_DEPTH)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "derived images nest deeper than %d levels",
                   HX_MAX_DERIVATION_DEPTH);
  const hf_item *it = hf_find_item(f, id);
  if (!it) return hc_fail(err, HEIC_ERR_INVALID_INPUT, "a reference points to item %u, which does not exist", id);
  char why[256];
  const char *reason = hx_undecodable_reason(f, it, why, sizeof(why));
  if (reason)
    return hc_fail(err, it->type == T_HVC1 ? HEIC_ERR_INVALID_INPUT : HEIC_ERR_UNSUPPORTED, "%s", reason);
  const hf_property *ispe = hf_item_property(f, it, HF_4CC('i', 's', 'p', 'e'));
  heic_status st = HEIC_OK;
  if (ispe && ispe->parsed) st = check_pixels(d->ctx, ispe->u.ispe.width, ispe->u.ispe.height, "image", err);
  if (st == HEIC_OK) *out_it = it;
  return st;
}

/* The item's samples before its own transformations, with its alpha
 * auxiliary attached when with_alpha.  depth counts every kind of input
 * alike, so no path through tiles, layers, identity sources and alpha
 * planes goes deeper than the plan allowed (the plan has refused cycles;
 * this is the decoder's own guard). */
heic_status hx_decode_node(decoder *d, uint32_t id, int with_alpha, int depth, hx_picture *out,
                           hc_err *err) {
  const hf_file *f = &d->ctx->file;
  const hf_item *it;
  heic_status st = hx_decode_check_item(d, id, depth, &it, err);
  if (st != HEIC_OK) return st;
  switch (it->type) {
    case T_HVC1: st = decode_coded(d, it, 0, out, err); break;
    case T_GRID: st = decode_grid(d, it, depth, out, err); break;
    case T_IOVL: st = decode_overlay(d, it, depth, out, err); break;
    case T_IDEN: {
      uint32_t source;
      st = hx_iden_source(d->ctx, it, &source, err);
      if (st == HEIC_OK) st = hx_decode_node(d, source, 0, depth + 1, out, err);
      if (st == HEIC_OK) st = hx_apply_transforms(d, hf_find_item(f, source), out, err);
      break;
    }
    default: st = hc_fail(err, HEIC_ERR_UNSUPPORTED, "item %u: unsupported image type", id);
  }
  uint32_t alpha = with_alpha && st == HEIC_OK ? hx_find_aux(f, id, hx_is_alpha_urn) : 0;
  if (alpha) st = hx_attach_alpha(d, alpha, depth + 1, out, err);
  if (st != HEIC_OK) hx_picture_clear(out);
  return st;
}

heic_status hx_decode_node_narrow(decoder *d, uint32_t id, int with_alpha, int depth,
                                  hx_picture *out, hc_err *err) {
  const hf_file *f = &d->ctx->file;
  const hf_item *it = hf_find_item(f, id);
  if (!it || it->type != T_HVC1 || (with_alpha && hx_find_aux(f, id, hx_is_alpha_urn)))
    return hx_decode_node(d, id, with_alpha, depth, out, err);
  heic_status st = hx_decode_check_item(d, id, depth, &it, err);
  if (st == HEIC_OK) st = decode_coded(d, it, 1, out, err);
  return st;
}

/* Colour of an item: its nclx colr box; failing that the SPS VUI of its
 * coded data (as libheif does); failing that what H.265 infers for a
 * stream without VUI: unspecified matrix (treated as BT.601), limited range. */
heic_nclx hx_decoder_nclx(const decoder *d, uint32_t id) {
  const heic_nclx *n = hx_item_nclx(&d->ctx->file, id);
  if (n) return *n;
  heic_nclx nclx;
  (void)hx_item_stream_colour(&d->ctx->file, id, &nclx);
  return nclx;
}

static heic_status to_rgb(const decoder *d, uint32_t id, hx_picture *pic, hc_err *err) {
  if (pic->is_rgb) return HEIC_OK;
  heic_nclx nclx = hx_decoder_nclx(d, id);
  return hx_ycbcr_to_rgb(pic, &nclx, d->upsampling, err);
}

/* An input of an overlay: content, colour, own transformations. */
static heic_status decode_rgb(decoder *d, uint32_t id, int with_alpha, int depth, hx_picture *out,
                              hc_err *err) {
  heic_status st = hx_decode_node(d, id, with_alpha, depth, out, err);
  if (st == HEIC_OK) st = to_rgb(d, id, out, err);
  if (st == HEIC_OK && !d->opts->no_transform) st = hx_apply_transforms(d, hf_find_item(&d->ctx->file, id), out, err);
  if (st != HEIC_OK) hx_picture_clear(out);
  return st;
}

/* Decodes the alpha item (at depth, like any other input) and attaches its
 * luma as plane 3 of pic, at pic's bit depth and size. */
heic_status hx_attach_alpha(decoder *d, uint32_t alpha_id, int depth, hx_picture *pic, hc_err *err) {
  hx_picture a;
  memset(&a, 0, sizeof(a));
  heic_status st = hx_decode_node(d, alpha_id, 0, depth, &a, err);
  if (st != HEIC_OK) return st;
  hx_plane plane;
  st = hx_plane_alloc(&plane, pic->mem, pic->width, pic->height, err);
  if (st == HEIC_OK) {
    const hx_plane *src = &a.planes[0];
    /* Alpha samples are taken as coded (full range), whatever range the
     * alpha image's colour signals: so does libheif for single alpha
     * images (it stretches only alpha grids it assembles in a limited
     * range; our writer marks alpha full range so they agree). */
    int shift = pic->bit_depth - a.bit_depth;
    for (uint32_t r = 0; r < pic->height; r++) {
      /* Nearest-neighbour scaling when the alpha plane has another size. */
      const uint16_t *s = src->data + (size_t)((uint64_t)r * src->h / pic->height) * src->stride;
      uint16_t *dst = plane.data + r * plane.stride;
      for (uint32_t x = 0; x < pic->width; x++) {
        uint32_t v = s[(uint64_t)x * src->w / pic->width];
        if (shift > 0) v = v << shift | v >> (a.bit_depth - shift > 0 ? a.bit_depth - shift : 0);
        else if (shift < 0) v >>= -shift;
        dst[x] = (uint16_t)v;
      }
    }
    hx_plane_free(pic->mem, &pic->planes[HX_A]); /* an alpha assembled from tiles */
    pic->planes[HX_A] = plane;
    pic->has_alpha = 1;
  }
  hx_picture_clear(&a);
  return st;
}

static hx_upsampling pick_upsampling(heic_upsampling u) {
  return u == HEIC_UPSAMPLING_BILINEAR ? HX_UPSAMPLE_BILINEAR : HX_UPSAMPLE_NEAREST;
}

void hx_decoder_init(decoder *d, heic_context *ctx, const heic_decode_options *opts) {
  memset(d, 0, sizeof(*d));
  d->ctx = ctx;
  d->opts = opts;
  d->upsampling = pick_upsampling(opts->upsampling);
  atomic_init(&d->pictures_done, 0);
  atomic_init(&d->pixels_done, 0);
  atomic_init(&d->cancelled, 0);
  hc_mutex_init(&d->lock);
  d->decoders_held = hp_decoders_hold();
}

void hx_decoder_destroy(decoder *d) {
  if (d->decoders_held) hp_decoders_release();
  hc_mutex_destroy(&d->lock);
}

heic_status heic_context_decode_item(heic_context *ctx, uint32_t item, const heic_decode_options *opts,
                                     heic_image **out) {
  if (out) *out = NULL;
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  heic_decode_options defaults;
  if (!opts) {
    heic_decode_options_init(&defaults);
    opts = &defaults;
  }
  if (opts->layout != HEIC_LAYOUT_RGB && opts->layout != HEIC_LAYOUT_YCBCR)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "unknown output layout %d",
                                      (int)opts->layout));
  decoder d;
  hx_decoder_init(&d, ctx, opts);
  hc_err *err = &ctx->err;
  hx_picture pic;
  memset(&pic, 0, sizeof(pic));
  const hf_item *it = hf_find_item(&ctx->file, item);
  heic_status st = hx_plan_image(ctx, item, opts->no_alpha, &d.plan, err);
  if (st != HEIC_OK) goto done;
  hx_decoder_progress(&d, 0);
  st = hx_decode_node(&d, item, !opts->no_alpha, 0, &pic, err);
  if (st == HEIC_OK) hx_decoder_progress(&d, atomic_load(&d.pictures_done));
  /* A cancellation wins over whatever a tile failed with meanwhile. */
  if (atomic_load(&d.cancelled)) {
    hc_err_clear(err);
    st = hc_fail(err, HEIC_ERR_CANCELLED, "decoding cancelled by the progress callback");
  }
  if (st != HEIC_OK) goto done;
  heic_nclx nclx = hx_decoder_nclx(&d, item);
  if (opts->layout == HEIC_LAYOUT_RGB) {
    st = to_rgb(&d, item, &pic, err);
  } else if (pic.is_rgb) {
    st = hc_fail(err, HEIC_ERR_UNSUPPORTED, "item %u is composed in RGB (overlay); ask for RGB output", item);
  }
  if (st == HEIC_OK && !opts->no_transform) st = hx_apply_transforms(&d, it, &pic, err);
  if (st == HEIC_OK) {
    int prem = hf_find_ref(&ctx->file, item, HF_4CC('p', 'r', 'e', 'm')) != NULL;
    st = hx_image_from_picture(&pic, opts->layout, ctx->alloc, &nclx, prem, out, err);
  }
done:
  hx_picture_clear(&pic);
  hx_decoder_destroy(&d);
  return hx_ctx_result(ctx, st);
}
