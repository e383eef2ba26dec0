/*
 * libheic image I/O: read the first frame of a YUV4MPEG2 file.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_Y4M_READ_H
#define IMAGEIO_Y4M_READ_H

#include <stddef.h>
#include <stdint.h>

/* A 4:2:0 picture with samples widened to uint16_t whatever the file's
 * depth.  The planes are malloc'd and owned by the struct: release them with
 * imageio_y4m_free(). */
typedef struct imageio_y4m {
  uint32_t width, height;
  int bit_depth;            /* 8 or 10 */
  uint16_t *planes[3];      /* Y, Cb, Cr */
  size_t strides[3];        /* in samples */
  uint32_t plane_w[3], plane_h[3];
  int full_range;           /* XCOLORRANGE=FULL was given */
} imageio_y4m;

/* Reads the first frame of path.  Accepts the 4:2:0 colour spaces C420,
 * C420jpeg, C420paldv, C420mpeg2 (8 bits) and C420p10 (10 bits, 16-bit
 * little-endian samples).  Returns 0, or -1 with a message naming the
 * problem in msg (and *img left empty). */
int imageio_y4m_read(const char *path, imageio_y4m *img, char *msg, size_t msg_size);

/* Frees the planes and zeroes *img.  Safe on a zeroed struct. */
void imageio_y4m_free(imageio_y4m *img);

#endif
