/*
 * libheif-libheic.so: the SEI that names the encoder in the stream.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Each picture the plugin codes carries, just before its slice, a prefix
 * SEI NAL unit (type 39) with one user_data_unregistered message (H.265
 * D.2.7): LP_SEI_UUID, then the text "libheic <version> (libheif plugin)"
 * followed by the settings used.  It is how a file written by any libheif
 * application can be told to be libheic's work (x265 marks its streams the
 * same way), and decoders skip it.
 */
#ifndef LP_SEI_H
#define LP_SEI_H

#include <stddef.h>
#include <stdint.h>

/* uuid_iso_iec_11578 of libheic's message (random, fixed forever). */
#define LP_SEI_UUID                                                                               \
  {0xf6, 0x1c, 0x49, 0x43, 0x70, 0xc9, 0x42, 0x50, 0x9d, 0x4a, 0x1a, 0x16, 0x3f, 0x9d, 0x65, 0x91}

/* Writes the whole NAL unit (header, payload with emulation prevention,
 * trailing bits) for the text into out[cap].  Returns its size, or 0 when
 * it does not fit. */
size_t lp_sei_write(const char *text, uint8_t *out, size_t cap);

#endif /* LP_SEI_H */
