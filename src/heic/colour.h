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

/* ---- row by row ----
 * The conversion of hx_ycbcr_to_rgb() one span of a row at a time, for the
 * streaming decoder (decode_rows.c), which holds only bands of a picture:
 * hx_ycbcr_to_rgb() itself runs through these, so both give identical
 * samples, including bilinear chroma read across tile seams (the caller
 * hands over the chroma rows and columns of the whole picture that a span
 * reads, wherever it keeps them). */
typedef struct hx_rgb_conv {
  int64_t m[3][3]; /* rows R, G, B; columns Y, Cb8, Cr8 (chroma in 1/8 units) */
  int64_t off[3];
  int64_t mono_m, mono_off; /* 4:0:0: grey = range-expanded luma */
  int32_t maxv;
  heic_chroma chroma;
  hx_upsampling up;
} hx_rgb_conv;

/* For pictures of bit depth 8..16 in chroma format `chroma` (4:0:0 too). */
void hx_rgb_conv_init(hx_rgb_conv *cv, const heic_nclx *nclx, int depth, heic_chroma chroma,
                      hx_upsampling up);
/* The chroma rows luma row y reads, in a picture with ch chroma rows: near
 * and far (equal unless 4:2:0 bilinear). */
void hx_rgb_conv_rows(const hx_rgb_conv *cv, uint32_t y, uint32_t ch, uint32_t *near, uint32_t *far);
/* The chroma columns [*c0, *c1) that luma columns [x0, x1) (x0 < x1) read,
 * in a picture with cw chroma columns. */
void hx_rgb_conv_cols(const hx_rgb_conv *cv, uint32_t x0, uint32_t x1, uint32_t cw, uint32_t *c0,
                      uint32_t *c1);
/* Converts luma columns [x0, x1) of one row into r, g, b[0 .. x1 - x0).
 * yr[0] is the luma sample of column x0; the four chroma rows are those
 * hx_rgb_conv_rows() named, element 0 of each being chroma column c0 of
 * hx_rgb_conv_cols() (all four unused, may be NULL, for 4:0:0).  tmp holds
 * (c1 - c0) + 2 * (x1 - x0) entries. */
void hx_rgb_conv_span(const hx_rgb_conv *cv, const uint16_t *yr, const uint16_t *cb_near,
                      const uint16_t *cb_far, const uint16_t *cr_near, const uint16_t *cr_far,
                      uint32_t cw, uint32_t x0, uint32_t x1, int32_t *tmp, uint16_t *r, uint16_t *g,
                      uint16_t *b);

/* Luma weights Kr, Kb of a matrix_coefficients value (BT.601 for unknown
 * ones; for 0, identity, the BT.601 weights too - callers handle identity). */
void hx_matrix_kr_kb(uint16_t matrix, double *kr, double *kb);
/* 1 when matrix has weights of its own in that table (1, 4, 5, 6, 7, 9,
 * 10): the matrices RGB is converted with, besides identity (0). */
int hx_matrix_known(uint16_t matrix);

#endif
