/*
 * RGB -> YCbCr for encoding, with chroma downsampling.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The matrix and range come from an nclx (the one that will be written to
 * the file, so readers invert exactly what was done).  Subsampled chroma is
 * the mean of the 2x2 (4:2:0) or 2x1 (4:2:2) pixels it covers - centre
 * siting, as in JPEG - which is the least-squares value for the
 * nearest-neighbour upsampling that libheif 1.15 and our own decoder's
 * default apply.  Edges repeat the last sample.
 */
#ifndef HEIC_COLOUR_ENCODE_H
#define HEIC_COLOUR_ENCODE_H

#include "core/error.h"
#include "heic/heic_image.h"
#include "picture.h"

/* Converts an RGB picture in place to YCbCr planes of the given chroma
 * format (4:0:0 keeps only luma) at out_depth bits; the alpha plane is
 * rescaled to out_depth.  On failure pic is unchanged. */
heic_status hx_rgb_to_ycbcr(hx_picture *pic, const heic_nclx *nclx, heic_chroma chroma,
                            int out_depth, hc_err *err);
/* Rescales every plane of a picture to out_depth (rounding). */
void hx_picture_set_depth(hx_picture *pic, int out_depth);

#endif
