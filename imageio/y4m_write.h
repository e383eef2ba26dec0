/*
 * libheic image I/O: write a decoded heic_image as a one-frame YUV4MPEG2 file.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_Y4M_WRITE_H
#define IMAGEIO_Y4M_WRITE_H

#include <stddef.h>

#include <heic/heic.h>

#include "outfile.h"

/* Writes img (HEIC_LAYOUT_YCBCR) to path as a single-frame Y4M:
 * C420jpeg / C422 / C444 / Cmono for 8-bit samples, the p10 / p12 / p16
 * variants (Cmono10 / Cmono12 / Cmono16 for monochrome) with little-endian
 * 16-bit samples otherwise.  Depths without a Y4M tag of their own (9, 11,
 * 13..15) are widened to the next one by bit replication.  The nclx range
 * goes into an XCOLORRANGE tag.  Y4M has no alpha: an alpha plane is not
 * written (the caller tells the user).
 *
 * path is never seen partial (see outfile.h): on failure, or if the process
 * is killed, it is left as it was.  stop (NULL: never) is asked between
 * rows; when it returns non-zero the write fails with msg "stopped".
 *
 * Returns 0 on success, with msg holding a note ("" when none, e.g. about
 * widened samples), or -1 with the reason in msg.  msg may be NULL when
 * msg_size is 0. */
int imageio_y4m_write(const char *path, const heic_image *img, imageio_stop_fn stop,
                      void *stop_opaque, char *msg, size_t msg_size);

#endif
