/*
 * libheic image I/O: write a decoded heic_image as PNG (libpng).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_PNG_WRITE_H
#define IMAGEIO_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

#include "outfile.h"

typedef struct imageio_png_options {
  /* ICC profile for an iCCP chunk; NULL or size 0: none.  Borrowed for the
   * duration of the call. */
  const uint8_t *icc;
  size_t icc_size;
  /* Exif for an eXIf chunk: a TIFF stream starting "II*\0" or "MM\0*" (not
   * the 4-byte offset that precedes it in a HEIF Exif item); NULL or size 0:
   * none.  Borrowed for the duration of the call. */
  const uint8_t *exif;
  size_t exif_size;
  /* Asked between rows; non-zero stops the write (-1, msg "stopped",
   * nothing written).  NULL: never stop. */
  imageio_stop_fn stop;
  void *stop_opaque;
} imageio_png_options;

/* Writes img (HEIC_LAYOUT_RGB, 3 or 4 components) to path as an 8-bit PNG
 * when its bit depth is 8, otherwise as 16-bit with the samples scaled up by
 * bit replication.  Premultiplied colour is converted to straight alpha, as
 * PNG requires.  opts may be NULL.
 *
 * path is never seen partial (see outfile.h): on failure, or if the process
 * is killed, it is left as it was.
 *
 * Returns 0 on success, with msg holding a note for the user ("" when there
 * is none, e.g. when libpng refused the ICC profile and it was left out), or
 * -1 with the reason in msg.  msg may be NULL when msg_size is 0. */
int imageio_png_write(const char *path, const heic_image *img, const imageio_png_options *opts,
                      char *msg, size_t msg_size);

#endif
