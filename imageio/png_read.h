/*
 * libheic image I/O: read a PNG into memory (libpng), with its colour
 * profile and metadata, for the tools and the tests.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_PNG_READ_H
#define IMAGEIO_PNG_READ_H

#include <stddef.h>
#include <stdint.h>

/* Images with more pixels than this are refused before their samples are
 * allocated (the library's default max_pixels: 2^28, i.e. 16384^2). */
#define IMAGEIO_MAX_PIXELS ((uint64_t)1 << 28)

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
  /* Exif as a TIFF stream ("II*\0" / "MM\0*" first), malloc'd; NULL when
   * none.  From the eXIf chunk, else from the text chunk ImageMagick and
   * exiftool used before eXIf existed ("Raw profile type exif" or
   * "Raw profile type APP1", hex-encoded).  A JPEG-style "Exif\0\0" header
   * in front of the TIFF stream is removed. */
  uint8_t *exif;
  size_t exif_size;
  /* XMP packet (UTF-8, not NUL-terminated), malloc'd; NULL when none.  From
   * the iTXt chunk "XML:com.adobe.xmp", else "Raw profile type xmp". */
  uint8_t *xmp;
  size_t xmp_size;
  /* Set when the file ends early: "the file is truncated ..." (""
   * otherwise).  Cut inside the image data, the rows read are kept and
   * the rest are zero (black, transparent); cut after it, the pixels are
   * whole and only later chunks are lost.  Cut before the image data, the
   * read fails instead. */
  char damage[200];
} imageio_png_image;

/* Reads path into *out.  Palette images are expanded to RGB(A), grey below
 * 8 bits to 8 bits, and a tRNS chunk to an alpha channel; sample values are
 * otherwise as stored (no gamma or sBIT adjustment).  Metadata that is
 * damaged (an ICC profile libpng rejects, bad hex in a text chunk) is left
 * out rather than failing the read: the pixels are what matters.  A file
 * cut short once its pixels have started is read as far as it goes and
 * described in damage, for the caller to refuse or accept.
 * Returns 0, or -1 with the reason in err (err may be NULL when err_size is
 * 0) and *out zeroed.  The reason does not repeat path: callers prefix it.
 * On success the caller releases *out with imageio_png_image_free. */
int imageio_png_read(const char *path, imageio_png_image *out, char *err, size_t err_size);

/* Frees what *img owns and zeroes it.  Safe on a zeroed struct and twice. */
void imageio_png_image_free(imageio_png_image *img);

/* Row by row: the same samples as imageio_png_read(), a band at a time, so
 * that a large PNG is never held whole.  ICC, Exif or text after the image
 * data (libpng reaches them only after the rows) cost a first pass in
 * open() that decodes the rows into one row's memory.  open() returns 0 with *out and
 * *info (size, format, stride of one row, and the metadata: owned by the
 * caller, who frees it with imageio_png_image_free(); data is NULL); 1
 * when the file is not one to read this way - interlaced (its rows come
 * in seven passes) or cut short - with that reason in err, so that the
 * caller reads it whole with imageio_png_read(), which says what is wrong
 * with a damaged file; -1 with the
 * reason in err.  read() gives the next count rows (at most the rows left)
 * into rows, stride bytes apart: 0, or -1 with the reason (a truncated or
 * corrupt file) after which only rewind() and close() work.  rewind()
 * starts again from row 0 (reopening the file).  close() frees the reader
 * and sets *r to NULL (NULL is fine). */
typedef struct imageio_png_rows imageio_png_rows;
int imageio_png_rows_open(const char *path, imageio_png_rows **out, imageio_png_image *info, char *err,
                          size_t err_size);
int imageio_png_rows_read(imageio_png_rows *r, uint8_t *rows, size_t stride, uint32_t count, char *err,
                          size_t err_size);
int imageio_png_rows_rewind(imageio_png_rows *r, char *err, size_t err_size);
void imageio_png_rows_close(imageio_png_rows **r);

/* Whether libpng refuses to write icc into an RGB PNG.  libpng knows some
 * widespread sRGB profiles to be wrong and treats them as an error when
 * writing (as libheif's heif-convert does), so an image carrying one cannot
 * be converted to PNG by such tools.  Returns 1 with libpng's reason in why
 * (may be NULL when why_size is 0), 0 when the profile is accepted (its
 * warnings do not count), -1 when out of memory. */
int imageio_png_icc_rejected(const uint8_t *icc, size_t size, char *why, size_t why_size);

#endif
