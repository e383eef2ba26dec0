/*
 * libheif-libheic.so: a libheif image as libheic's encoder takes it.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libheic's encoder codes YCbCr 4:2:0 at 8 or 10 bits from uint16_t
 * planes (heic_plugin_picture).  libheif hands over 8-bit planes as bytes
 * and deeper ones as uint16_t, and codes alpha (and depth) planes as
 * monochrome images.  lp_picture_from_heif() copies the samples into one
 * block of its own:
 *  - YCbCr 4:2:0 is copied; monochrome (grey images, alpha and depth
 *    planes) is coded as 4:0:0, as heic-enc codes them, padded to even
 *    sizes like 4:2:0 (lp_query_encoded_size);
 *  - up to 8 bits are coded at 8, deeper samples at 10: more than 10 bits
 *    (vips asks for 12 when saving 16-bit images) are rescaled with
 *    rounding, as heic-enc stores 16-bit PNGs;
 *  - anything else (4:2:2, 4:4:4, RGB) is refused; query_input_colorspace
 *    asks libheif for 4:2:0 so that it converts before calling us;
 *  - the image's nclx (how libheif made the YCbCr samples) becomes the VUI
 *    the SPS will carry (vui.h); without one, libheif's own default: full
 *    range, nothing else said.
 */
#ifndef LP_PICTURE_H
#define LP_PICTURE_H

#include <heic/heic_plugin.h>
#include <libheif/heif.h>

#include "host.h"
#include "message.h"
#include "vui.h"

typedef struct lp_picture {
  heic_plugin_picture pic; /* planes point into samples */
  uint16_t *samples;       /* from lp_malloc; NULL when empty */
  lp_vui colour;           /* the samples' range and colour description */
} lp_picture;

/* Fills *out from img (see above).  On failure *out is empty, nothing is
 * held and msg says why. */
heic_status lp_picture_from_heif(const lp_host *api, const struct heif_image *img,
                                 lp_picture *out, lp_message *msg);
/* Releases the samples and empties *p.  Safe on an empty picture. */
void lp_picture_clear(lp_picture *p);

#endif /* LP_PICTURE_H */
