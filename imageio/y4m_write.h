/*
 * libheic image I/O: write a one-frame YUV4MPEG2 file, a band of rows at a
 * time or from a whole decoded heic_image.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_Y4M_WRITE_H
#define IMAGEIO_Y4M_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

#include "outfile.h"

/* What a writer is opened with. */
typedef struct imageio_y4m_format {
  uint32_t width, height; /* of the luma plane */
  heic_chroma chroma;
  int bit_depth;          /* 8: one byte a sample; 9..16: native-endian uint16_t */
  int full_range;         /* the nclx range, for the XCOLORRANGE tag */
} imageio_y4m_format;

/* The next rows of every plane, as a heic_rows_band has them: rows luma
 * rows and chroma_rows rows of each chroma plane (none for 4:0:0). */
typedef struct imageio_y4m_band {
  uint32_t rows, chroma_rows;
  const uint8_t *planes[3]; /* Y, Cb, Cr */
  size_t strides[3];        /* bytes from one row of a plane to the next */
  uint32_t widths[3];       /* samples per row, checked against the format */
} imageio_y4m_band;

/* The Y4M written: C420jpeg / C422 / C444 / Cmono for 8-bit samples, the
 * p10 / p12 / p16 variants (Cmono10 / Cmono12 / Cmono16 for monochrome)
 * with little-endian 16-bit samples otherwise.  Depths without a Y4M tag
 * of their own (9, 11, 13..15) are widened to the next one by bit
 * replication.  Y4M has no alpha: the caller leaves it out (and tells the
 * user).
 *
 * Y4M stores the planes one after the other.  Bands of rows come with the
 * rows of every plane: the luma rows are written at once, the chroma rows
 * are kept in a nameless temporary file (spool.h, in $TMPDIR) until the
 * luma plane is complete, so memory stays one row of each plane.  A single
 * band with the whole image is written straight through.
 *
 * The file (path, or imageio_stdout) is never seen partial (see
 * outfile.h): it appears when finished, and on failure, abort, or if the
 * process is killed, it is left as it was.  stop (NULL: never) is asked
 * before every row; when it returns non-zero the call fails with msg
 * "stopped".
 *
 * Every function below returns 0, or -1 with the reason in msg (msg may
 * be NULL when msg_size is 0). */
typedef struct imageio_y4m_writer imageio_y4m_writer;

/* Starts the file and writes its header.  On failure *out is NULL and
 * nothing was created. */
int imageio_y4m_writer_open(imageio_y4m_writer **out, const char *path,
                            const imageio_y4m_format *fmt, imageio_stop_fn stop,
                            void *stop_opaque, char *msg, size_t msg_size);

/* Writes the next band.  After a failure the writer only accepts
 * imageio_y4m_writer_abort. */
int imageio_y4m_writer_rows(imageio_y4m_writer *w, const imageio_y4m_band *band, char *msg,
                            size_t msg_size);

/* Ends the file, once every row of every plane was written, and makes it
 * visible.  On success msg holds a note ("" when none, e.g. about widened
 * samples).  Either way *w is freed and set to NULL. */
int imageio_y4m_writer_finish(imageio_y4m_writer **w, char *msg, size_t msg_size);

/* Drops the file (nothing of it remains), frees *w and sets it to NULL.
 * Accepts NULL and an already released writer. */
void imageio_y4m_writer_abort(imageio_y4m_writer **w);

/* The whole image img (HEIC_LAYOUT_YCBCR) at once, with the row writer
 * above; the nclx range of img goes into the XCOLORRANGE tag.  Returns as
 * imageio_y4m_writer_finish. */
int imageio_y4m_write(const char *path, const heic_image *img, imageio_stop_fn stop,
                      void *stop_opaque, char *msg, size_t msg_size);

#endif
