/*
 * libheic image I/O: the interleaved RGB(A) rows the PNG and JPEG writers
 * take, described once for both.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef IMAGEIO_RGB_ROWS_H
#define IMAGEIO_RGB_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <heic/heic.h>

/* What a writer is opened with: the rows it will be given, in the layout
 * of a heic_image's HEIC_PLANE_INTERLEAVED plane (and of a heic_rows_band's
 * interleaved plane). */
typedef struct imageio_rgb_format {
  uint32_t width, height;
  int components;    /* 3: R, G, B; 4: R, G, B, A */
  int bit_depth;     /* 8: one byte a sample; 9..16: native-endian uint16_t */
  int premultiplied; /* colour premultiplied by alpha (4 components only) */
} imageio_rgb_format;

/* 0 when fmt has 3 or 4 components and a bit depth of 8..16, else -1 with
 * the reason in msg, prefixed by who ("png", "jpeg"). */
int imageio_rgb_format_check(const imageio_rgb_format *fmt, const char *who, char *msg,
                             size_t msg_size);

/* The format and the rows of img (HEIC_LAYOUT_RGB), for the whole-image
 * writers.  Returns the first row (*stride bytes apart), or NULL with the
 * reason in msg, prefixed by who. */
const uint8_t *imageio_rgb_image(const heic_image *img, imageio_rgb_format *fmt, size_t *stride,
                                 const char *who, char *msg, size_t msg_size);

/* Whether count more rows, stride bytes apart from rows, may follow the
 * done rows already written of an image of fmt: 0, or -1 with the reason
 * in msg, prefixed by who. */
int imageio_rgb_band_check(const imageio_rgb_format *fmt, uint32_t done, const uint8_t *rows,
                           size_t stride, uint32_t count, const char *who, char *msg,
                           size_t msg_size);

/* Bytes in one row of fmt as given to a writer (no padding). */
static inline size_t imageio_rgb_row_bytes(const imageio_rgb_format *fmt) {
  return (size_t)fmt->width * (size_t)fmt->components * (fmt->bit_depth == 8 ? 1u : 2u);
}

#endif
