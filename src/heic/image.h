/*
 * heic_image: the caller-owned result of a decode.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_IMAGE_INTERNAL_H
#define HEIC_IMAGE_INTERNAL_H

#include "heic/heic_image.h"
#include "picture.h"

/* Packs pic into a new heic_image in the requested layout: interleaved
 * RGB[A] (pic must be RGB) or planar YCbCr (pic must not be RGB).  The image
 * takes a reference to alloc and draws its memory from it directly, since it
 * may outlive the context.  pic is left untouched. */
heic_status hx_image_from_picture(const hx_picture *pic, heic_layout layout, heic_allocator *alloc,
                                  const heic_nclx *nclx, int premultiplied, heic_image **out,
                                  hc_err *err);

/* Unpacks an image (any layout) into a new picture from mem (out is
 * overwritten); samples above 2^depth - 1 are clamped. */
heic_status hx_picture_from_image(const heic_image *img, hc_mem *mem, hx_picture *out, hc_err *err);

/* Row y of an RGB-layout image (src is the const heic_image) as R, G and B
 * samples, clamped like hx_picture_from_image(); an hx_rgb_row_fn for
 * converting the caller's image without unpacking it whole. */
void hx_image_rgb_row(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b);
/* Row y of the alpha of an image that has one (either layout), clamped. */
void hx_image_alpha_row(const heic_image *img, uint32_t y, uint16_t *a);
/* Gives the memory of the first rows of plane 0 back to the system where
 * it can (Linux; elsewhere nothing happens): their samples read as zeros
 * afterwards.  Only for an image the library owns and will free without
 * reading those rows again - heic_context_encode_image_consume() converting
 * from the top down, so that the RGB image shrinks as the YCbCr planes
 * grow. */
void hx_image_release_rows(heic_image *img, uint32_t rows);

/* The HDR metadata given with heic_image_set_hdr (zeroed when none). */
heic_hdr hx_image_hdr(const heic_image *img);

#endif
