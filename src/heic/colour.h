/*
 * YCbCr -> RGB conversion of internal pictures.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Matrix coefficients (nclx matrix_coefficients, ISO/IEC 23091-2):
 *   0            identity: the planes are G, B, R and are only reordered
 *                (and range-expanded, all three like luma, when limited)
 *   1            BT.709            4  FCC          5, 6  BT.601
 *   7            SMPTE 240M        9, 10  BT.2020 (10, constant luminance,
 *                                  is treated as 9, as libheif does)
 *   2 and every other value: BT.601, which is what libheif does.
 * full_range = 0 means limited range: luma 16..235 and chroma 16..240,
 * times 2^(depth - 8).  Output RGB has the picture's bit depth and full range,
 * clamped and rounded to nearest.
 *
 * Chroma upsampling (4:2:0 and 4:2:2):
 *   HX_UPSAMPLE_NEAREST   each chroma sample covers its 2x2 (2x1) luma block.
 *   HX_UPSAMPLE_BILINEAR  linear interpolation with HEVC's default chroma
 *                         siting (chroma_sample_loc_type 0): horizontally
 *                         co-sited with the even luma columns ("left"),
 *                         vertically half-way between two luma rows for
 *                         4:2:0 ("centre"), i.e. weights 1/2,1/2 between
 *                         columns and 3/4,1/4 between rows.  Edges repeat
 *                         the last sample.
 * Debian's libheif 1.15 (heif-convert) upsamples by nearest neighbour: with
 * HX_UPSAMPLE_NEAREST our output matches it to +-1 (rounding), while
 * bilinear is 37..57 dB away from it on the corpus.
 */
#ifndef HEIC_COLOUR_H
#define HEIC_COLOUR_H

#include "core/error.h"
#include "heic/heic_image.h"
#include "heic/picture.h"

typedef enum hx_upsampling { HX_UPSAMPLE_NEAREST, HX_UPSAMPLE_BILINEAR } hx_upsampling;

/* Converts pic (Y, Cb, Cr planes at pic->bit_depth 8..16, any chroma format)
 * to R, G, B in place: on success planes 0..2 are new full-size R, G, B
 * planes from pic->mem, the old ones are freed, is_rgb = 1 and chroma = 444;
 * the alpha plane is not touched.  Monochrome gives R = G = B.
 * On failure pic is unchanged and err says why (HEIC_ERR_INVALID_ARGUMENT
 * for a picture whose planes do not fit its format or that is already RGB,
 * HEIC_ERR_OUT_OF_MEMORY). */
HEIC_NODISCARD heic_status hx_ycbcr_to_rgb(hx_picture *pic, const heic_nclx *nclx,
                                           hx_upsampling up, hc_err *err);

/* Luma weights Kr, Kb of a matrix_coefficients value (BT.601 for unknown
 * ones; for 0, identity, the BT.601 weights too - callers handle identity). */
void hx_matrix_kr_kb(uint16_t matrix, double *kr, double *kb);

#endif
