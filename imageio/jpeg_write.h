/*
 * libheic image I/O: write a decoded heic_image as JPEG (libjpeg-turbo).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_JPEG_WRITE_H
#define IMAGEIO_JPEG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

#include "outfile.h"

typedef struct imageio_jpeg_options {
  int quality; /* 1..100, libjpeg's scale; 0: the default (90) */
  /* ICC profile, written as APP2 ICC_PROFILE markers; NULL or size 0:
   * none.  Borrowed for the duration of the call. */
  const uint8_t *icc;
  size_t icc_size;
  /* Asked between rows; non-zero stops the write (-1, msg "stopped",
   * nothing written).  NULL: never stop. */
  imageio_stop_fn stop;
  void *stop_opaque;
} imageio_jpeg_options;

/* Writes img (HEIC_LAYOUT_RGB, 3 or 4 components) to path as a baseline
 * 8-bit YCbCr JPEG with optimised Huffman tables, chroma subsampled 4:2:0
 * (libjpeg's default).  Deeper samples are rounded to 8 bits.  JPEG has no
 * alpha: an alpha channel is left out (premultiplied colour is first
 * brought back to straight colour), and msg says so.  opts may be NULL.
 *
 * path is never seen partial (see outfile.h): on failure, or if the
 * process is killed, it is left as it was.
 *
 * Returns 0 on success, with msg holding a note for the user ("" when
 * none), or -1 with the reason in msg.  msg may be NULL when msg_size is 0. */
int imageio_jpeg_write(const char *path, const heic_image *img, const imageio_jpeg_options *opts,
                       char *msg, size_t msg_size);

#endif
