/*
 * Geometric transformations of a picture: clap, irot, imir.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Each operates in place on every plane of an hx_picture (colour and alpha),
 * replacing the planes with new ones; on failure the picture is unchanged.
 * Subsampled chroma planes are transformed at their own resolution, so the
 * caller must first make the picture 4:4:4 (hx_upsample_444) when an
 * operation cannot keep the subsampling (odd crop offsets, a quarter turn of
 * 4:2:2).
 */
#ifndef HEIC_TRANSFORM_H
#define HEIC_TRANSFORM_H

#include "heif/heif_file.h"
#include "picture.h"

/* Crop to the rectangle [x, x+w) x [y, y+h) in luma samples. */
heic_status hx_crop(hx_picture *pic, uint32_t x, uint32_t y, uint32_t w, uint32_t h, hc_err *err);
/* Rotate anticlockwise by quarter_turns * 90 degrees. */
heic_status hx_rotate(hx_picture *pic, unsigned quarter_turns, hc_err *err);
/* imir semantics as clarified by ISO/IEC 23008-12:2022: axis 0 exchanges top
 * and bottom, axis 1 exchanges left and right (libheif agrees). */
heic_status hx_mirror(hx_picture *pic, unsigned axis, hc_err *err);
/* Resolves a clap box against a w x h picture into an integer rectangle
 * (rounded to nearest).  Fails on zero denominators or a window outside. */
heic_status hx_clap_rect(const hf_clap *clap, uint32_t w, uint32_t h, uint32_t *x, uint32_t *y,
                         uint32_t *cw, uint32_t *ch, hc_err *err);
/* Replicates chroma samples so that the picture becomes 4:4:4. */
heic_status hx_upsample_444(hx_picture *pic, hc_err *err);
/* Whether op can run on pic as it is (no chroma re-siting needed). */
int hx_crop_keeps_chroma(const hx_picture *pic, uint32_t x, uint32_t y);
int hx_rotate_keeps_chroma(const hx_picture *pic, unsigned quarter_turns);

#endif
