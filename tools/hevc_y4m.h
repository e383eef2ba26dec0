/*
 * hevc-enc's YUV4MPEG2 reader.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_TOOLS_HEVC_Y4M_H
#define HEIC_TOOLS_HEVC_Y4M_H

#include <stddef.h>
#include <stdint.h>

/* One picture with samples widened to uint16_t whatever the file's depth.
 * The planes are malloc'd and owned by the struct: release them with
 * hevc_y4m_free().  Monochrome pictures have planes[1], planes[2] NULL. */
typedef struct hevc_y4m {
  uint32_t width, height;
  int bit_depth;            /* 8, 10 or 12 */
  int mono;                 /* 1: Cmono* (4:0:0), 0: 4:2:0 */
  uint16_t *planes[3];      /* Y, Cb, Cr */
  size_t strides[3];        /* in samples */
  uint32_t plane_w[3], plane_h[3];
} hevc_y4m;

/* Reads the first frame of path.  Accepts C420, C420jpeg, C420paldv,
 * C420mpeg2 and Cmono (8 bits), C420p10 and Cmono10, C420p12 and Cmono12
 * (16-bit little-endian samples).  Returns 0, or -1 with a message naming
 * the problem in msg (and *img left empty). */
int hevc_y4m_read(const char *path, hevc_y4m *img, char *msg, size_t msg_size);

/* Frees the planes and zeroes *img.  Safe on a zeroed struct. */
void hevc_y4m_free(hevc_y4m *img);

#endif
