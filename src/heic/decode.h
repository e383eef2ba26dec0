/*
 * The decoder's internals shared by the whole-image decode (decode.c) and
 * the streaming decode (decode_rows.c).  SPDX-License-Identifier: BSD-2-Clause
 *
 * Both walk the same graph with the same functions - item checks, coded
 * pictures, tiles and their placement, alpha, transformations, colour -
 * so that what one decodes the other decodes identically; the streaming
 * form only changes how much of a grid is held at once.
 */
#ifndef HEIC_DECODE_INTERNAL_H
#define HEIC_DECODE_INTERNAL_H

#include <stdatomic.h>

#include "colour.h"
#include "context.h"
#include "decode_plan.h"
#include "picture.h"

/* One decode of one image.  Progress, cancellation and the running pixel
 * count are shared by the threads decoding its tiles: atomic or behind
 * `lock`. */
typedef struct hx_decoder {
  heic_context *ctx;
  const heic_decode_options *opts;
  hx_upsampling upsampling;
  hx_plan plan;
  int decoders_held;                /* hp_decoders_hold() succeeded: release at the end */
  atomic_uint_fast64_t pictures_done;
  atomic_uint_fast64_t pixels_done; /* decoded so far, checked against plan.area_budget */
  atomic_int cancelled;
  hc_mutex lock;                    /* one progress call at a time */
} hx_decoder;

/* opts must not be NULL; it is borrowed for the decoder's life. */
void hx_decoder_init(hx_decoder *d, heic_context *ctx, const heic_decode_options *opts);
void hx_decoder_destroy(hx_decoder *d);

/* The context's thread pool, created on first use (none with threads = 1). */
heic_status hx_decoder_pool(heic_context *ctx, hc_err *err);
/* Tells the progress callback that `done` pictures are decoded (and takes a
 * non-zero answer as cancellation). */
void hx_decoder_progress(hx_decoder *d, uint64_t done);
/* HEIC_ERR_CANCELLED once the decode has been cancelled. */
heic_status hx_decoder_check_cancelled(const hx_decoder *d, hc_err *err);

/* The checks decode_node makes of an item before decoding it (derivation
 * depth, existence, decodable type, ispe within max_pixels); *it gets the
 * item. */
heic_status hx_decode_check_item(hx_decoder *d, uint32_t id, int depth, const hf_item **it,
                                 hc_err *err);
/* The item's samples before its own transformations (YCbCr for coded items
 * and grids, RGB for overlays), with its alpha auxiliary as plane 3 when
 * with_alpha.  out is cleared on failure. */
heic_status hx_decode_node(hx_decoder *d, uint32_t id, int with_alpha, int depth, hx_picture *out,
                           hc_err *err);
/* hx_decode_node() for the streaming decode: a coded item (without an
 * alpha auxiliary to attach) of 8 bits comes with 8-bit storage
 * (picture.h); anything else exactly as from hx_decode_node(). */
heic_status hx_decode_node_narrow(hx_decoder *d, uint32_t id, int with_alpha, int depth,
                                  hx_picture *out, hc_err *err);
/* Copies a decoded grid tile into canvas with its top-left corner at
 * (x0, y0) (clipped to the canvas; chroma at x0 / 2 and y0 / 2 where
 * subsampled), in either storage on either side.  Fails when the tile's
 * format differs from the canvas's; `id` names the tile then. */
heic_status hx_place_tile(hx_picture *canvas, const hx_picture *tile, uint32_t x0, uint32_t y0,
                          uint32_t id, hc_err *err);
/* Decodes the alpha item and attaches its luma, scaled to pic's size by
 * nearest neighbour and to pic's bit depth, as plane 3 of pic. */
heic_status hx_attach_alpha(hx_decoder *d, uint32_t alpha_id, int depth, hx_picture *pic,
                            hc_err *err);
/* The item's transformative properties (clap, irot, imir) applied to pic in
 * ipma order. */
heic_status hx_apply_transforms(hx_decoder *d, const hf_item *it, hx_picture *pic, hc_err *err);
/* The colour the samples of item id are in: its nclx, else its stream's
 * VUI, else what H.265 infers. */
heic_nclx hx_decoder_nclx(const hx_decoder *d, uint32_t id);

#endif
