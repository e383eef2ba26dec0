/*
 * libheic image I/O: write PNG (libpng), a band of rows at a time or from
 * a whole decoded heic_image.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_PNG_WRITE_H
#define IMAGEIO_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

#include "outfile.h"
#include "rgb_rows.h"

typedef struct imageio_png_options {
  /* ICC profile for an iCCP chunk; NULL or size 0: none.  Borrowed for the
   * duration of the call (libpng copies it when the file is opened). */
  const uint8_t *icc;
  size_t icc_size;
  /* Exif for an eXIf chunk: a TIFF stream starting "II*\0" or "MM\0*" (not
   * the 4-byte offset that precedes it in a HEIF Exif item); NULL or size 0:
   * none.  Borrowed for the duration of the call. */
  const uint8_t *exif;
  size_t exif_size;
  /* XMP packet for an iTXt chunk with the keyword XML:com.adobe.xmp (as
   * Adobe's XMP specification part 3 puts it in PNG), uncompressed; NULL or
   * size 0: none.  Borrowed like exif. */
  const uint8_t *xmp;
  size_t xmp_size;
  /* Asked before every row; non-zero stops the write (-1, msg "stopped",
   * nothing written).  NULL: never stop.  Kept by a row writer until it is
   * finished or aborted. */
  imageio_stop_fn stop;
  void *stop_opaque;
} imageio_png_options;

/* The PNG written: 8-bit when the rows are 8-bit, otherwise 16-bit with
 * the samples scaled up by bit replication; RGB or RGBA as the rows are.
 * Premultiplied colour is converted to straight alpha, as PNG requires.
 *
 * The file (path, or imageio_stdout) is never seen partial (see
 * outfile.h): it appears when finished, and on failure, abort, or if the
 * process is killed, it is left as it was.
 *
 * Every function below returns 0, or -1 with the reason in msg (msg may
 * be NULL when msg_size is 0). */
typedef struct imageio_png_writer imageio_png_writer;

/* Starts the file and writes its header (with the ICC and Exif of opts,
 * which may be NULL).  On failure *out is NULL and nothing was created. */
int imageio_png_writer_open(imageio_png_writer **out, const char *path,
                            const imageio_rgb_format *fmt, const imageio_png_options *opts,
                            char *msg, size_t msg_size);

/* Writes the next count rows, stride bytes apart, in the layout of fmt.
 * After a failure the writer only accepts imageio_png_writer_abort. */
int imageio_png_writer_rows(imageio_png_writer *w, const uint8_t *rows, size_t stride,
                            uint32_t count, char *msg, size_t msg_size);

/* Ends the file, once every row was written, and makes it visible.  On
 * success msg holds a note for the user ("" when there is none, e.g. when
 * libpng refused the ICC profile and it was left out).  Either way *w is
 * freed and set to NULL. */
int imageio_png_writer_finish(imageio_png_writer **w, char *msg, size_t msg_size);

/* Drops the file (nothing of it remains), frees *w and sets it to NULL.
 * Accepts NULL and an already released writer. */
void imageio_png_writer_abort(imageio_png_writer **w);

/* The whole image img (HEIC_LAYOUT_RGB, 3 or 4 components) at once, with
 * the row writer above.  Returns as imageio_png_writer_finish. */
int imageio_png_write(const char *path, const heic_image *img, const imageio_png_options *opts,
                      char *msg, size_t msg_size);

#endif
