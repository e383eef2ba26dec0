/*
 * The decode plan: what decoding an image will cost, and whether it can
 * succeed, found before any picture is decoded.  SPDX-License-Identifier: BSD-2-Clause
 *
 * An image is a graph of items: a grid decodes its tiles, an overlay its
 * layers, an identity item its source, and an image shown with alpha its
 * alpha auxiliary.  Each of those may be derived in turn, and a hostile file
 * can make the graph cyclic, very deep, or enormous through repetition (a
 * grid naming one tile 65,280 times, a grid of grids asking for 4.3e9
 * decodes).  hx_plan_image() walks the graph of one image once - each item
 * and each distinct input edge once, however often it is repeated - and
 * checks it whole:
 *   - every input exists, has a type libheic decodes and data inside the file
 *     (within max_extents);
 *   - no reference cycle; no path deeper than HX_MAX_DERIVATION_DEPTH, one
 *     depth counted across every kind of input (tiles, layers, identity
 *     sources, alpha);
 *   - grid and overlay descriptions are valid, within max_tiles and
 *     max_overlay_layers, canvases within max_pixels;
 *   - the coded pictures the image needs, counted with repetition: in all
 *     within max_tiles, each item within max_item_decodes, and their pixels
 *     within max_decode_ratio per output pixel (beyond HX_DECODE_ALLOWANCE).
 * The decoder (decode.c) follows the same edges (hx_plan_inputs), so the
 * plan and the decode cannot disagree about what will be decoded.
 *
 * The walk costs O(items + distinct edges) of the image; what it learns
 * about each item (its own checks, its distinct inputs) is cached in the
 * context for the file, so describing every item of a file (heic-info) does
 * not repeat that work.
 */
#ifndef HEIC_DECODE_PLAN_H
#define HEIC_DECODE_PLAN_H

#include <stdint.h>

#include "context.h"

/* Derived images may reference derived images; this bounds the depth of the
 * graph below an image (tile, layer, identity source and alpha edges alike). */
#define HX_MAX_DERIVATION_DEPTH 8
/* Pixels any image may decode beyond max_decode_ratio per output pixel, so
 * that a small canvas cut from a larger coded picture stays decodable. */
#define HX_DECODE_ALLOWANCE (UINT64_C(1) << 24)

typedef struct hx_plan {
  uint64_t pictures;      /* coded pictures decoded in all */
  uint64_t decoded_area;  /* their pixels (as their parameter sets say) */
  uint64_t area_budget;   /* what max_decode_ratio allows this image */
} hx_plan;

/* Plans decoding item `id` (with its alpha and the alpha of its tiles unless
 * no_alpha).  HEIC_OK when it can be decoded as far as the structure shows;
 * otherwise err names the first problem: HEIC_ERR_INVALID_INPUT,
 * HEIC_ERR_UNSUPPORTED or HEIC_ERR_LIMIT_EXCEEDED (naming the limit) for the
 * file, HEIC_ERR_NOT_FOUND when id names no item, HEIC_ERR_OUT_OF_MEMORY. */
heic_status hx_plan_image(heic_context *ctx, uint32_t id, int no_alpha, hx_plan *out, hc_err *err);

/* Frees the context's planning caches (safe when there are none). */
void hx_plan_cache_free(heic_context *ctx);

/* ---- descriptions of derived images, shared with the decoder ---- */

typedef struct hx_grid {
  uint32_t rows, cols, width, height;
} hx_grid;

/* Reads and checks a grid item's description and its dimg list: the
 * canvas is not empty and within max_pixels, rows * cols within max_tiles,
 * and the item references at least rows * cols tiles (*tiles: their ids). */
heic_status hx_grid_describe(heic_context *ctx, const hf_item *it, hx_grid *g, const uint32_t **tiles,
                             hc_err *err);

typedef struct hx_overlay {
  uint16_t fill[4]; /* canvas colour, 16-bit R, G, B, A */
  uint32_t width, height;
  uint32_t layers;
  const uint32_t *inputs; /* layer ids, bottom first (borrowed from the file) */
  uint8_t *data;          /* the description (owned: hx_overlay_clear) */
  int field_bytes;        /* 2 or 4 */
} hx_overlay;

/* Reads and checks an overlay item's description and inputs: at least one
 * and at most max_overlay_layers layers, an offset for each, a canvas
 * within max_pixels. */
heic_status hx_overlay_describe(heic_context *ctx, const hf_item *it, hx_overlay *ov, hc_err *err);
/* Where layer k goes on the canvas. */
void hx_overlay_offset(const hx_overlay *ov, uint32_t k, int32_t *x, int32_t *y);
void hx_overlay_clear(heic_context *ctx, hx_overlay *ov);

/* The source of an identity (iden) item; HEIC_ERR_INVALID_INPUT unless it
 * references exactly one image. */
heic_status hx_iden_source(const heic_context *ctx, const hf_item *it, uint32_t *source, hc_err *err);

#endif
