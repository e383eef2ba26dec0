/*
 * libheif-libheic.so: the colour description in libheic's SPS.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Why: libheif 1.15 writes no nclx colr box by default (its macOS
 * compatibility option, on by default, leaves it out), and later versions
 * write none when the image has an ICC profile - which vips, ImageMagick
 * and heif-enc pass on from most photos.  Readers then take the range and
 * matrix from the HEVC stream's VUI, and without one they assume limited
 * range: the colours come out wrong (27 dB instead of 40 on a corpus
 * photo).  libheic's encoder writes no VUI yet (a later issue adds the
 * colour description to it), so the plugin adds one to the SPS it returns,
 * as libheif's x265 plugin has x265 do: the range always, the primaries,
 * transfer and matrix for colour images.
 * When the SPS already has a VUI it is left as it is.
 */
#ifndef LP_VUI_H
#define LP_VUI_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp_vui {
  int full_range;           /* video_full_range_flag */
  int described;            /* colour_description_present_flag */
  uint8_t primaries, transfer, matrix;
} lp_vui;

/* The largest SPS NAL unit lp_vui_add() takes, and room enough for what it
 * writes from one (the VUI and emulation prevention bytes added). */
#define LP_VUI_SPS_MAX 1024
#define LP_VUI_OUT_MAX (2 * LP_VUI_SPS_MAX + 64)

/* Writes sps[n] (a whole SPS NAL unit) with vui into out[cap]
 * (cap >= LP_VUI_OUT_MAX) and returns its size; returns n with the SPS
 * copied unchanged when it already has a VUI, and 0 when it uses syntax
 * this rewriter does not parse (scaling lists, sub-layers, reference
 * picture sets: none of them in a libheic still picture). */
size_t lp_vui_add(const uint8_t *sps, size_t n, const lp_vui *vui, uint8_t *out, size_t cap);

#endif /* LP_VUI_H */
