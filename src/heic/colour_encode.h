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

/* Fills r, g and b with the width samples of row y of an RGB source, at
 * the source's depth (0 .. 2^depth - 1). */
typedef void (*hx_rgb_row_fn)(const void *src, uint32_t y, uint16_t *r, uint16_t *g, uint16_t *b);

/* Converts a w x h RGB source, read a row at a time through row(src, ...),
 * into a new YCbCr picture *out (overwritten; allocated from mem) of the
 * given chroma format at out_depth, without alpha.  Reading rows instead of
 * taking a picture lets the caller convert straight from its own samples,
 * with no full-size RGB copy.  pad_even: the picture is made the size its
 * chroma format can code (even width for 4:2:0 and 4:2:2, even height for
 * 4:2:0) by repeating the last column / row, as the encoder needs.  On
 * failure *out is zeroed. */
heic_status hx_rgb_rows_to_ycbcr(hx_rgb_row_fn row, const void *src, uint32_t w, uint32_t h,
                                 int in_depth, hc_mem *mem, const heic_nclx *nclx,
                                 heic_chroma chroma, int out_depth, int pad_even, hx_picture *out,
                                 hc_err *err);
/* Converts an RGB picture in place to YCbCr planes of the given chroma
 * format (4:0:0 keeps only luma) at out_depth bits; the alpha plane is
 * rescaled to out_depth.  On failure pic is unchanged. */
heic_status hx_rgb_to_ycbcr(hx_picture *pic, const heic_nclx *nclx, heic_chroma chroma,
                            int out_depth, hc_err *err);
/* Rescales every plane of a picture to out_depth (rounding). */
void hx_picture_set_depth(hx_picture *pic, int out_depth);
/* Rescales n samples in place from one depth to another (rounding). */
void hx_rescale_row(uint16_t *v, uint32_t n, int from, int to);

#endif
