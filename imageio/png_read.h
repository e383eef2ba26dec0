/*
 * libheic image I/O: read a PNG into memory (libpng), mainly so that tests
 * can compare decoded images.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_PNG_READ_H
#define IMAGEIO_PNG_READ_H

#include <stddef.h>
#include <stdint.h>

typedef struct imageio_png_image {
  uint32_t width, height;
  int channels;  /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  int bit_depth; /* 8 or 16 */
  size_t stride; /* bytes per row: width * channels * bit_depth / 8 */
  /* Interleaved samples, rows top to bottom, malloc'd.  8-bit samples are
   * uint8_t; 16-bit ones are uint16_t in the host's byte order. */
  uint8_t *data;
  uint8_t *icc;   /* iCCP profile, decompressed, malloc'd; NULL when none */
  size_t icc_size;
  uint8_t *exif;  /* eXIf payload, malloc'd; NULL when none */
  size_t exif_size;
} imageio_png_image;

/* Reads path into *out.  Palette images are expanded to RGB(A), grey below
 * 8 bits to 8 bits, and a tRNS chunk to an alpha channel; sample values are
 * otherwise as stored (no gamma or sBIT adjustment).
 * Returns 0, or -1 with the reason in err (err may be NULL when err_size is
 * 0) and *out zeroed.  On success the caller releases *out with
 * imageio_png_image_free. */
int imageio_png_read(const char *path, imageio_png_image *out, char *err, size_t err_size);

/* Frees what *img owns and zeroes it.  Safe on a zeroed struct and twice. */
void imageio_png_image_free(imageio_png_image *img);

#endif
