/*
 * libheic image I/O: the interleaved RGB(A) rows the PNG and JPEG writers
 * take, described once for both.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "rgb_rows.h"

#include <stdio.h>

static int fail(char *msg, size_t msg_size, const char *who, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s: %s", who, text);
  return -1;
}

int imageio_rgb_format_check(const imageio_rgb_format *fmt, const char *who, char *msg,
                             size_t msg_size) {
  if (fmt->components != 3 && fmt->components != 4)
    return fail(msg, msg_size, who, "the image has neither 3 nor 4 components");
  if (fmt->bit_depth < 8 || fmt->bit_depth > 16)
    return fail(msg, msg_size, who, "unsupported bit depth (8..16 expected)");
  return 0;
}

int imageio_rgb_band_check(const imageio_rgb_format *fmt, uint32_t done, const uint8_t *rows,
                           size_t stride, uint32_t count, const char *who, char *msg,
                           size_t msg_size) {
  if (done > fmt->height || count > fmt->height - done)
    return fail(msg, msg_size, who, "more rows than the image has");
  if (count && (!rows || stride < imageio_rgb_row_bytes(fmt)))
    return fail(msg, msg_size, who, "rows shorter than the image is wide");
  return 0;
}

const uint8_t *imageio_rgb_image(const heic_image *img, imageio_rgb_format *fmt, size_t *stride,
                                 const char *who, char *msg, size_t msg_size) {
  if (heic_image_layout(img) != HEIC_LAYOUT_RGB) {
    fail(msg, msg_size, who, "the image is not in RGB layout");
    return NULL;
  }
  fmt->width = heic_image_width(img);
  fmt->height = heic_image_height(img);
  fmt->components = heic_image_components(img);
  fmt->bit_depth = heic_image_bit_depth(img);
  fmt->premultiplied = fmt->components == 4 && heic_image_alpha_premultiplied(img);
  if (imageio_rgb_format_check(fmt, who, msg, msg_size) != 0) return NULL;
  const uint8_t *pixels = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, stride, NULL, NULL);
  if (!pixels || *stride < imageio_rgb_row_bytes(fmt)) {
    fail(msg, msg_size, who, "the image has no pixel plane of the expected size");
    return NULL;
  }
  return pixels;
}
