/*
 * libheic image I/O: reading the samples of a decoded heic_image's
 * interleaved rows, shared by the PNG and JPEG writers.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_IMAGEIO_SAMPLES_H
#define HEIC_IMAGEIO_SAMPLES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The sample at index i of a row, in the image's own bit depth (8: one
 * byte; above: native-endian 16-bit). */
static inline uint32_t imageio_load_sample(const uint8_t *row, size_t i, int depth) {
  if (depth == 8) return row[i];
  uint16_t v;
  memcpy(&v, row + 2 * i, 2); /* memcpy: rows need not be 2-byte aligned */
  return v;
}

/* Straight (unpremultiplied) colour from premultiplied c and alpha a, both
 * 0..max, rounded to nearest.  a == 0 carries no colour at all. */
static inline uint32_t imageio_unpremultiply(uint32_t c, uint32_t a, uint32_t max) {
  if (a == 0) return 0;
  if (c >= a) return max;
  return (c * max + a / 2) / a;
}

#endif
