/*
 * libheif-libheic.so: a libheif image as libheic's encoder takes it.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libheic's encoder codes YCbCr 4:2:0, 4:2:2 and 4:4:4 at 8, 10 or 12 bits
 * from uint16_t planes (heic_plugin_picture).  libheif hands over 8-bit
 * planes as bytes and deeper ones as uint16_t, and codes alpha (and depth)
 * planes as monochrome images.  lp_picture_from_heif() copies the samples
 * into one block of its own:
 *  - YCbCr in the chroma format the encoder was set to (parameter chroma,
 *    4:2:0 by default; query_input_colorspace asks libheif for it, and
 *    libheif converts before calling us) is copied; monochrome (grey
 *    images, alpha and depth planes) is coded as 4:0:0, as heic-enc codes
 *    them, padded like the colour format (lp_encoded_size);
 *  - up to 8 bits are coded at 8, 9-10 bits at 10, deeper samples at 12:
 *    more than 12 bits are rescaled with rounding, as heic-enc stores
 *    16-bit PNGs;
 *  - anything else (another chroma format, RGB) is refused;
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

/* The size a w x h image is coded at in this chroma format (4:0:0 images
 * of the same encoder alike): odd sizes one larger where chroma is
 * subsampled (libheif crops with clap). */
void lp_encoded_size(heic_chroma chroma, uint32_t w, uint32_t h, uint32_t *ew, uint32_t *eh);
/* Fills *out from img (see above), for an encoder set to chroma (420, 422
 * or 444).  On failure *out is empty, nothing is held and msg says why. */
heic_status lp_picture_from_heif(const lp_host *api, const struct heif_image *img,
                                 heic_chroma chroma, lp_picture *out, lp_message *msg);
/* Releases the samples and empties *p.  Safe on an empty picture. */
void lp_picture_clear(lp_picture *p);

#endif /* LP_PICTURE_H */
