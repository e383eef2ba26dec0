/*
 * libheic image I/O: write JPEG (libjpeg-turbo), a band of rows at a time
 * or from a whole decoded heic_image.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_JPEG_WRITE_H
#define IMAGEIO_JPEG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

#include "outfile.h"
#include "rgb_rows.h"

typedef struct imageio_jpeg_options {
  int quality; /* 1..100, libjpeg's scale; 0: the default (90) */
  /* ICC profile, written as APP2 ICC_PROFILE markers; NULL or size 0:
   * none.  Borrowed for the duration of the call (written out when the
   * file is opened). */
  const uint8_t *icc;
  size_t icc_size;
  /* Exif (a TIFF stream, "II*\0" or "MM\0*") as an APP1 "Exif" marker,
   * and an XMP packet as an APP1 marker of Adobe's XMP namespace; NULL or
   * size 0: none.  Each must fit one marker (65,533 bytes with its
   * header): larger ones are refused (the caller leaves them out). */
  const uint8_t *exif;
  size_t exif_size;
  const uint8_t *xmp;
  size_t xmp_size;
  /* Asked before every row; non-zero stops the write (-1, msg "stopped",
   * nothing written).  NULL: never stop.  Kept by a row writer until it is
   * finished or aborted. */
  imageio_stop_fn stop;
  void *stop_opaque;
} imageio_jpeg_options;

/* The JPEG written: baseline 8-bit YCbCr with optimised Huffman tables,
 * chroma subsampled 4:2:0 (libjpeg's default).  Deeper samples are rounded
 * to 8 bits.  JPEG has no alpha: an alpha channel is left out
 * (premultiplied colour is first brought back to straight colour), and the
 * note of finish says so.
 *
 * Memory: the optimised Huffman tables are computed from every DCT
 * coefficient of the image before the first is coded, so libjpeg keeps
 * all of them (2 bytes a sample: 1.5 x width x height x 2 at 4:2:0) until
 * finish, whether the rows come a band at a time or at once.
 *
 * The file (path, or imageio_stdout) is never seen partial (see
 * outfile.h): it appears when finished, and on failure, abort, or if the
 * process is killed, it is left as it was.
 *
 * Every function below returns 0, or -1 with the reason in msg (msg may
 * be NULL when msg_size is 0). */
typedef struct imageio_jpeg_writer imageio_jpeg_writer;

/* Starts the file and writes its header (with the ICC profile of opts,
 * which may be NULL).  On failure *out is NULL and nothing was created. */
int imageio_jpeg_writer_open(imageio_jpeg_writer **out, const char *path,
                             const imageio_rgb_format *fmt, const imageio_jpeg_options *opts,
                             char *msg, size_t msg_size);

/* Takes the next count rows, stride bytes apart, in the layout of fmt.
 * After a failure the writer only accepts imageio_jpeg_writer_abort. */
int imageio_jpeg_writer_rows(imageio_jpeg_writer *w, const uint8_t *rows, size_t stride,
                             uint32_t count, char *msg, size_t msg_size);

/* Ends the file, once every row was given, and makes it visible.  On
 * success msg holds a note for the user ("" when none).  Either way *w is
 * freed and set to NULL. */
int imageio_jpeg_writer_finish(imageio_jpeg_writer **w, char *msg, size_t msg_size);

/* Drops the file (nothing of it remains), frees *w and sets it to NULL.
 * Accepts NULL and an already released writer. */
void imageio_jpeg_writer_abort(imageio_jpeg_writer **w);

/* The whole image img (HEIC_LAYOUT_RGB, 3 or 4 components) at once, with
 * the row writer above.  Returns as imageio_jpeg_writer_finish. */
int imageio_jpeg_write(const char *path, const heic_image *img, const imageio_jpeg_options *opts,
                       char *msg, size_t msg_size);

#endif
