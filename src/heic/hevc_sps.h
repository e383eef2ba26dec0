/*
 * Facts from an HEVC sequence parameter set: the decoded (cropped) size and
 * the VUI colour description.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The decoder side needs the colour: a HEIF file without an nclx colr box
 * still says how to convert its samples in the SPS VUI
 * (video_full_range_flag and, optionally, primaries, transfer and matrix),
 * and readers (libheif among them) use it.  The encoder side needs the size:
 * a plugin may code a picture larger than it was given (x265 pads small
 * pictures), and ispe must give the size a decoder will produce.
 */
#ifndef HEIC_HEVC_SPS_H
#define HEIC_HEVC_SPS_H

#include <stddef.h>
#include <stdint.h>

#include "heic/heic_image.h"

typedef struct hx_sps_info {
  uint32_t width, height; /* after the conformance window */
  int chroma_format_idc;
  /* VUI colour; fields the VUI leaves out get the values H.265 infers
   * (unspecified code points, limited range). */
  heic_nclx nclx;
  /* 1 when the VUI says the range (video_signal_type_present_flag), 2 when
   * it also gives primaries, transfer and matrix; 0 when all is inferred. */
  int colour_signalled;
} hx_sps_info;

/* Parses one SPS NAL unit (with its 2-byte NAL header, emulation prevention
 * bytes still in) up to the end of its VUI colour fields.  Returns 1 on
 * success, 0 when the NAL is not an SPS or is malformed.  Never reads past
 * size. */
int hx_sps_parse(const uint8_t *nal, size_t size, hx_sps_info *out);

#endif
