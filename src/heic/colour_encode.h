/*
 * RGB -> YCbCr for encoding, with chroma downsampling.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The matrix and range come from an nclx (the one that will be written to
 * the file, so readers invert exactly what was done).  Subsampled chroma is
 * filtered, not point-sampled, at HEVC's default chroma siting
 * (chroma_sample_loc_type 0): horizontally co-sited with even luma columns,
 * so a [1 2 1]/4 filter centred there; vertically (4:2:0) half-way between
 * two rows, so their average.  Edges repeat the last sample.
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
