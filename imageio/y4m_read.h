/*
 * libheic image I/O: read the first frame of a YUV4MPEG2 file.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_Y4M_READ_H
#define IMAGEIO_Y4M_READ_H

#include <stddef.h>
#include <stdint.h>

/* A 4:2:0, 4:2:2, 4:4:4 or monochrome picture with samples widened to uint16_t whatever
 * the file's depth.  The planes are malloc'd and owned by the struct:
 * release them with imageio_y4m_free().  Monochrome pictures have
 * planes[1] and planes[2] NULL. */
typedef struct imageio_y4m {
  uint32_t width, height;
  int bit_depth;            /* 8, 10 or 12 */
  int mono;                 /* 1: Cmono* (4:0:0), 0: with chroma */
  int chroma;               /* chroma_format_idc: 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4 */
  uint16_t *planes[3];      /* Y, Cb, Cr */
  size_t strides[3];        /* in samples */
  uint32_t plane_w[3], plane_h[3];
  int full_range;           /* XCOLORRANGE=FULL was given */
} imageio_y4m;

/* Reads the first frame of path.  Accepts C420, C420jpeg, C420paldv,
 * C420mpeg2, C422, C444 and Cmono (8 bits), C420p10, C422p10, C444p10 and
 * Cmono10, C420p12, C422p12, C444p12 and Cmono12
 * (16-bit little-endian samples); a caller that codes less refuses the
 * rest itself.  Returns 0, or -1 with a message naming the
 * problem in msg (and *img left empty). */
int imageio_y4m_read(const char *path, imageio_y4m *img, char *msg, size_t msg_size);

/* Frees the planes and zeroes *img.  Safe on a zeroed struct. */
void imageio_y4m_free(imageio_y4m *img);

#endif
