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

#endif
