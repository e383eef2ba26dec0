/*
 * libheic image I/O: load an image file of any supported format, chosen by
 * its content, into one neutral struct (what heic-enc needs to build a
 * heic_image without caring where the pixels came from).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_IMAGE_READ_H
#define IMAGEIO_IMAGE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "y4m_read.h"

typedef enum imageio_format {
  IMAGEIO_FORMAT_UNKNOWN = 0,
  IMAGEIO_FORMAT_PNG,
  IMAGEIO_FORMAT_JPEG,
  IMAGEIO_FORMAT_Y4M
} imageio_format;

typedef struct imageio_image {
  imageio_format format;
  uint32_t width, height;
  /* PNG and JPEG: interleaved samples.  channels is 1 grey, 2 grey+alpha,
   * 3 RGB or 4 RGBA; bit_depth 8 (uint8_t samples) or 16 (uint16_t in the
   * host's byte order); data is malloc'd, rows of stride bytes.
   * Y4M: channels is 0, data NULL, and the YCbCr 4:2:0 planes are in yuv
   * (bit_depth 8 or 10, as there). */
  int channels;
  int bit_depth;
  size_t stride;
  uint8_t *data;
  imageio_y4m yuv;
  /* Metadata, each malloc'd or NULL when absent.  icc is the profile as
   * stored in the file (its colour space need not match the samples: a grey
   * PNG has a grey profile).  exif starts at the TIFF header ("II*\0" or
   * "MM\0*"); a block that does not is dropped.  xmp is the packet, not
   * NUL-terminated. */
  uint8_t *icc;
  size_t icc_size;
  uint8_t *exif;
  size_t exif_size;
  uint8_t *xmp;
  size_t xmp_size;
  /* JPEG extended XMP (APP1 "http://ns.adobe.com/xmp/extension/"): the
   * segments and their payload bytes, counted but not read (0 when none). */
  unsigned xmp_extended_segments;
  size_t xmp_extended_bytes;
  /* EXIF Orientation 1..8 from exif (1 when there is no Exif or no valid
   * tag).  The samples are as stored, not rotated. */
  int orientation;
  /* A problem that did not stop the read (truncated JPEG data, metadata
   * left out); "" when none. */
  char warning[200];
  /* Pixels were lost: "the file is truncated (...)", "corrupt data (...)";
   * "" when the picture was read whole.  The samples are still there (the
   * missing part grey for JPEG, black for PNG) for a caller that accepts
   * a damaged picture. */
  char damage[200];
} imageio_image;

/* Static name of a format ("PNG", "JPEG", "Y4M", "unknown"). */
const char *imageio_format_name(imageio_format format);

/* Reads path, recognising PNG, JPEG and YUV4MPEG2 by their first bytes (not
 * by the file name).  Returns 0, or -1 with the reason in err (err may be
 * NULL when err_size is 0) and *out zeroed.  The reason does not repeat
 * path: callers prefix it.  On success the caller releases *out with
 * imageio_image_free. */
int imageio_image_read(const char *path, imageio_image *out, char *err, size_t err_size);

/* Frees what *img owns and zeroes it.  Safe on a zeroed struct and twice. */
void imageio_image_free(imageio_image *img);

/* Row by row (issue 17): the samples imageio_image_read() would give, a
 * band at a time, for an encoder that never holds the picture whole.
 * open() returns 0 with *out and *info filled as imageio_image_read() fills
 * it - format, size, channels, bit depth, stride of one row, metadata and
 * orientation - but with data NULL (free *info with imageio_image_free());
 * 1 when the file is not read this way, *info zeroed and the reason in
 * err: the caller uses imageio_image_read() (what is streamed: PNG that is
 * not interlaced and is complete - metadata after its pixels costs a first
 * decoding pass -, JPEG not damaged where it starts; not Y4M nor standard
 * input); -1 with the reason in err.  read()
 * gives the next count rows into rows, stride bytes apart: 0, or -1 with
 * the reason (a file cut short or corrupt: no rows are made up, as
 * --allow-truncated would).  rewind() starts again from row 0.  close()
 * frees the reader and sets *r to NULL (NULL is fine). */
typedef struct imageio_rows imageio_rows;
int imageio_image_rows_open(const char *path, imageio_rows **out, imageio_image *info, char *err,
                            size_t err_size);
int imageio_image_rows_read(imageio_rows *r, uint8_t *rows, size_t stride, uint32_t count, char *err,
                            size_t err_size);
int imageio_image_rows_rewind(imageio_rows *r, char *err, size_t err_size);
void imageio_image_rows_close(imageio_rows **r);

#endif
