/*
 * libheic image I/O: read a JPEG into memory (libjpeg-turbo), with its
 * colour profile and metadata.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_JPEG_READ_H
#define IMAGEIO_JPEG_READ_H

#include <stddef.h>
#include <stdint.h>

typedef struct imageio_jpeg_image {
  uint32_t width, height;
  int channels;  /* 1 grey, 3 RGB */
  size_t stride; /* bytes per row: width * channels */
  uint8_t *data; /* 8-bit interleaved samples, rows top to bottom, malloc'd */
  /* ICC profile reassembled from its APP2 "ICC_PROFILE" chunks in sequence
   * order, malloc'd; NULL when none, or when the chunks do not form one
   * whole profile (missing, repeated or inconsistent pieces). */
  uint8_t *icc;
  size_t icc_size;
  /* The first APP1 "Exif\0\0" segment without that header, so that it starts
   * at the TIFF header; malloc'd, NULL when none. */
  uint8_t *exif;
  size_t exif_size;
  /* The first APP1 XMP packet without its "http://ns.adobe.com/xap/1.0/\0"
   * header; malloc'd, NULL when none.  Extended XMP (the continuation
   * segments a large packet is split into) is not joined to it: it is only
   * counted here, so that the caller can say it is left out. */
  uint8_t *xmp;
  size_t xmp_size;
  unsigned xmp_extended_segments; /* APP1 "http://ns.adobe.com/xmp/extension/" */
  size_t xmp_extended_bytes;      /* their payload, without the headers */
  /* 1 when the file was CMYK/YCCK and was converted to RGB without colour
   * management (the CMYK profile, if any, is then left out of icc). */
  int converted_from_cmyk;
  /* libjpeg's first warning about the data ("Premature end of JPEG file",
   * a corrupt marker it skipped), or about metadata left out; "" when none.
   * The image is usable, but the caller may want to tell the user. */
  char warning[200];
  /* Set when pixels were lost: "the file is truncated (libjpeg: ...)" or
   * "corrupt data (libjpeg: ...)"; the missing part is grey.  "" when the
   * scan decoded whole (harmless warnings, such as stray bytes before a
   * marker, leave it empty). */
  char damage[200];
} imageio_jpeg_image;

/* Reads path into *out: greyscale JPEGs as 1 channel, all others as RGB
 * (libjpeg's YCbCr conversion; CMYK by a naive formula).  Corrupt data that
 * libjpeg can recover from (a truncated scan) is accepted as it does, with
 * the missing part grey, and noted in warning; anything it cannot recover
 * from is an error.  Recovered damage is also described in damage, for
 * callers that refuse such a picture.
 * Returns 0, or -1 with the reason in err (err may be NULL when err_size is
 * 0) and *out zeroed.  The reason does not repeat path: callers prefix it.
 * On success the caller releases *out with imageio_jpeg_image_free. */
int imageio_jpeg_read(const char *path, imageio_jpeg_image *out, char *err, size_t err_size);

/* Frees what *img owns and zeroes it.  Safe on a zeroed struct and twice. */
void imageio_jpeg_image_free(imageio_jpeg_image *img);

/* Row by row: the scanlines imageio_jpeg_read() would give (grey, RGB, or
 * CMYK converted to RGB), a band at a time, so that a large JPEG is never
 * held whole (a progressive one is still buffered by libjpeg).  open()
 * returns 0 with *out and *info (size, channels, stride of one row, the
 * metadata and the warnings of the headers: owned by the caller, freed with
 * imageio_jpeg_image_free(); data NULL); 1 when the file is damaged
 * already at its start (the caller reads it whole, which says how); -1
 * with the reason in err.  read() gives the next count scanlines, stride
 * bytes apart: 0, or -1 with the reason - a file cut short or corrupt data
 * stop the read, where the whole read would make up grey rows - after
 * which only rewind() and close() work.  Warnings about harmless data met
 * after the headers are not reported.  rewind() starts again from the
 * first scanline (reopening the file).  close() frees the reader and sets
 * *r to NULL (NULL is fine). */
typedef struct imageio_jpeg_rows imageio_jpeg_rows;
int imageio_jpeg_rows_open(const char *path, imageio_jpeg_rows **out, imageio_jpeg_image *info, char *err,
                           size_t err_size);
int imageio_jpeg_rows_read(imageio_jpeg_rows *r, uint8_t *rows, size_t stride, uint32_t count, char *err,
                           size_t err_size);
int imageio_jpeg_rows_rewind(imageio_jpeg_rows *r, char *err, size_t err_size);
void imageio_jpeg_rows_close(imageio_jpeg_rows **r);

#endif
