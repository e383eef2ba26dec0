/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Decoded pictures.  A heic_image is produced by heic_context_decode_item()
 * and owned by the caller, who releases it with heic_image_free().  Its memory
 * comes from the allocator of the context that made it; the image holds a
 * reference to that allocator, so it may outlive the context.
 */
#ifndef HEIC_IMAGE_H
#define HEIC_IMAGE_H

#include "heic_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum heic_chroma {
  HEIC_CHROMA_400 = 0, /* monochrome */
  HEIC_CHROMA_420 = 1,
  HEIC_CHROMA_422 = 2,
  HEIC_CHROMA_444 = 3
} heic_chroma;

typedef enum heic_layout {
  /* One plane of interleaved R,G,B[,A] samples. */
  HEIC_LAYOUT_RGB = 0,
  /* Planes Y, Cb, Cr (Cb/Cr absent for 4:0:0), sized by the chroma format,
   * plus a full-size alpha plane when the image has alpha. */
  HEIC_LAYOUT_YCBCR = 1
} heic_layout;

typedef enum heic_plane_id {
  HEIC_PLANE_INTERLEAVED = 0, /* HEIC_LAYOUT_RGB */
  HEIC_PLANE_Y = 0,
  HEIC_PLANE_CB = 1,
  HEIC_PLANE_CR = 2,
  HEIC_PLANE_ALPHA = 3 /* HEIC_LAYOUT_YCBCR only; RGB carries alpha inline */
} heic_plane_id;

/* Colour description as in an nclx colr box (ISO/IEC 23091-2 code points). */
typedef struct heic_nclx {
  uint16_t colour_primaries;         /* 1 = BT.709, 2 = unspecified, 9 = BT.2020 ... */
  uint16_t transfer_characteristics; /* 13 = sRGB, 16 = PQ ... */
  uint16_t matrix_coefficients;      /* 0 = identity, 1 = BT.709, 5/6 = BT.601 ... */
  uint8_t full_range;                /* 1 = full range, 0 = limited ("video") */
} heic_nclx;

/* HDR metadata: the content light level ('clli') and mastering display
 * colour volume ('mdcv') properties of ISO/IEC 23008-12, with the fields
 * and units of H.265's SEI messages (D.2.28, D.2.35). */
typedef struct heic_hdr {
  int has_clli;
  uint16_t max_cll;            /* maximum content light level, cd/m2 */
  uint16_t max_fall;           /* maximum frame-average light level, cd/m2 */
  int has_mdcv;
  /* Display primaries, in the order given (H.265 suggests G, B, R), and
   * white point: CIE 1931 x and y in units of 0.00002. */
  uint16_t primaries_x[3], primaries_y[3];
  uint16_t white_x, white_y;
  uint32_t max_luminance;      /* units of 0.0001 cd/m2 */
  uint32_t min_luminance;      /* units of 0.0001 cd/m2 */
} heic_hdr;

typedef struct heic_image heic_image;

HEIC_API void heic_image_free(heic_image **img);

HEIC_API uint32_t heic_image_width(const heic_image *img);
HEIC_API uint32_t heic_image_height(const heic_image *img);
HEIC_API heic_layout heic_image_layout(const heic_image *img);
/* For HEIC_LAYOUT_RGB this is HEIC_CHROMA_444. */
HEIC_API heic_chroma heic_image_chroma(const heic_image *img);
/* Significant bits per sample (8..16).  Samples are uint8_t when this is 8,
 * otherwise native-endian uint16_t holding values 0 .. 2^depth - 1. */
HEIC_API int heic_image_bit_depth(const heic_image *img);
HEIC_API int heic_image_has_alpha(const heic_image *img);
/* 1 when the colour samples were premultiplied by alpha (a 'prem' reference). */
HEIC_API int heic_image_alpha_premultiplied(const heic_image *img);
/* Interleaved components per pixel for HEIC_LAYOUT_RGB (3 or 4), else 1. */
HEIC_API int heic_image_components(const heic_image *img);
/* The colour description the samples are in (for YCbCr output: how to
 * convert them; for RGB output: what was used to convert). */
HEIC_API heic_nclx heic_image_nclx(const heic_image *img);

/* Borrowed pointer to the first sample of a plane and its stride in bytes;
 * NULL (and *stride = 0) when the image has no such plane.  w/h receive the
 * plane's size in samples (may be NULL). */
HEIC_API const uint8_t *heic_image_plane(const heic_image *img, heic_plane_id plane,
                                         size_t *stride, uint32_t *w, uint32_t *h);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_IMAGE_H */
