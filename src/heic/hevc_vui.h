/*
 * Colour description from an HEVC sequence parameter set's VUI.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A HEIF file without an nclx colr box still says how to convert its
 * samples: the SPS VUI carries video_full_range_flag and, optionally, the
 * colour primaries, transfer and matrix.  Readers (libheif among them) use
 * it, so we do too.
 */
#ifndef HEIC_HEVC_VUI_H
#define HEIC_HEVC_VUI_H

#include <stddef.h>
#include <stdint.h>

#include "heic/heic_image.h"

/* Parses one SPS NAL unit (with its 2-byte NAL header, emulation prevention
 * bytes still in).  Returns 1 and fills *out when the SPS could be read up
 * to the end of its VUI colour fields; fields the VUI leaves out get the
 * values H.265 infers (unspecified code points, limited range).  Returns 0
 * when the NAL is not an SPS or is malformed.  Never reads past size. */
int hx_sps_colour(const uint8_t *nal, size_t size, heic_nclx *out);

#endif
