/*
 * libheic image I/O: write a decoded heic_image as a one-frame YUV4MPEG2 file.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "y4m_write.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

static int fail(char *msg, size_t msg_size, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s", text);
  return -1;
}

/* The Y4M sample depth a source depth is written at: 8, 10, 12 or 16,
 * the ones that readers (ffmpeg, our own hevc-enc) agree on. */
static int y4m_depth(int depth) {
  if (depth <= 8) return 8;
  if (depth <= 10) return 10;
  if (depth <= 12) return 12;
  return 16;
}

/* Where the rows go and when to stop. */
typedef struct y4m_sink {
  imageio_outfile *out;
  imageio_stop_fn stop;
  void *stop_opaque;
  char *error;
  size_t error_size;
} y4m_sink;

/* Writes one plane row by row.  row is a scratch buffer of w * 2 bytes. */
static int write_plane(const y4m_sink *k, const uint8_t *plane, size_t stride, uint32_t w,
                       uint32_t h, int depth, int out_depth, uint8_t *row) {
  for (uint32_t y = 0; y < h; y++) {
    /* Checked a row at a time so that a stop request (a signal, a
     * deadline) is honoured quickly even on a huge picture. */
    if (k->stop && k->stop(k->stop_opaque)) {
      snprintf(k->error, k->error_size, "stopped");
      return -1;
    }
    const uint8_t *src = plane + (size_t)y * stride;
    if (depth == 8) {
      if (imageio_outfile_write(k->out, src, w, k->error, k->error_size) != 0) return -1;
      continue;
    }
    const uint32_t max = (1u << depth) - 1;
    for (uint32_t x = 0; x < w; x++) {
      uint16_t s;
      memcpy(&s, src + 2 * (size_t)x, 2); /* rows need not be 2-byte aligned */
      uint32_t v = s > max ? max : s;
      if (out_depth != depth) /* bit replication: keeps 0 and max at the ends */
        v = ((v << (out_depth - depth)) | (v >> (2 * depth - out_depth))) & ((1u << out_depth) - 1);
      /* Y4M high-bit-depth samples are little-endian whatever the host. */
      row[2 * (size_t)x] = (uint8_t)v;
      row[2 * (size_t)x + 1] = (uint8_t)(v >> 8);
    }
    if (imageio_outfile_write(k->out, row, 2 * (size_t)w, k->error, k->error_size) != 0) return -1;
  }
  return 0;
}

int imageio_y4m_write(const char *path, const heic_image *img, imageio_stop_fn stop,
                      void *stop_opaque, char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "y4m: no image or no file name");
  if (heic_image_layout(img) != HEIC_LAYOUT_YCBCR)
    return fail(msg, msg_size, "y4m: the image is not in YCbCr layout");

  const uint32_t width = heic_image_width(img), height = heic_image_height(img);
  const int depth = heic_image_bit_depth(img);
  const heic_chroma chroma = heic_image_chroma(img);
  if (width == 0 || height == 0) return fail(msg, msg_size, "y4m: empty image");
  if (depth < 8 || depth > 16) return fail(msg, msg_size, "y4m: unsupported bit depth (8..16 expected)");
  const int out_depth = y4m_depth(depth);

  /* Chroma plane size, rounded up as every Y4M reader computes it. */
  uint32_t cw = width, ch = height;
  const char *tag, *ss;
  switch (chroma) {
  case HEIC_CHROMA_400: tag = "mono"; ss = NULL; cw = ch = 0; break;
  case HEIC_CHROMA_420: tag = "420"; ss = "420"; cw = width / 2 + (width & 1); ch = height / 2 + (height & 1); break;
  case HEIC_CHROMA_422: tag = "422"; ss = "422"; cw = width / 2 + (width & 1); break;
  case HEIC_CHROMA_444: tag = "444"; ss = "444"; break;
  default: return fail(msg, msg_size, "y4m: unknown chroma format");
  }

  const uint8_t *planes[3] = {NULL, NULL, NULL};
  size_t strides[3] = {0, 0, 0};
  const int nplanes = chroma == HEIC_CHROMA_400 ? 1 : 3;
  const size_t bytes = depth == 8 ? 1 : 2;
  for (int p = 0; p < nplanes; p++) {
    uint32_t pw = 0, ph = 0;
    planes[p] = heic_image_plane(img, (heic_plane_id)p, &strides[p], &pw, &ph);
    uint32_t ew = p ? cw : width, eh = p ? ch : height;
    /* A reader derives every plane size from W, H and C: planes of any
     * other size would shift all the samples after them. */
    if (!planes[p] || pw != ew || ph != eh || strides[p] < (size_t)ew * bytes)
      return fail(msg, msg_size, "y4m: a plane is missing or does not match the chroma format");
  }

  char header[160];
  const heic_nclx nclx = heic_image_nclx(img);
  char ctag[32];
  if (chroma == HEIC_CHROMA_400)
    snprintf(ctag, sizeof ctag, out_depth == 8 ? "Cmono" : "Cmono%d", out_depth);
  else if (out_depth == 8)
    /* C420jpeg is the plain 4:2:0 tag every reader accepts and what ffmpeg
     * writes when the chroma siting is unknown, as it is to us here. */
    snprintf(ctag, sizeof ctag, "C%s%s XYSCSS=%s%s", tag, chroma == HEIC_CHROMA_420 ? "jpeg" : "", ss,
             chroma == HEIC_CHROMA_420 ? "JPEG" : "");
  else
    snprintf(ctag, sizeof ctag, "C%sp%d XYSCSS=%sP%d", tag, out_depth, ss, out_depth);
  /* F25:1 and A1:1: a still image has no frame rate, but readers insist on
   * one; XCOLORRANGE is the extension ffmpeg reads and writes. */
  snprintf(header, sizeof header, "YUV4MPEG2 W%u H%u F25:1 Ip A1:1 %s XCOLORRANGE=%s\nFRAME\n",
           (unsigned)width, (unsigned)height, ctag, nclx.full_range ? "FULL" : "LIMITED");

  imageio_outfile *out = NULL;
  char error[256] = "";
  uint8_t *row = NULL;
  int rc = -1;
  if (depth != 8) {
    row = malloc((size_t)width * 2);
    if (!row) {
      snprintf(error, sizeof error, "y4m: out of memory");
      goto done;
    }
  }
  if (imageio_outfile_open(&out, path, error, sizeof error) != 0) goto done;
  y4m_sink sink = {out, stop, stop_opaque, error, sizeof error};
  if (imageio_outfile_write(out, header, strlen(header), error, sizeof error) != 0) goto done;
  for (int p = 0; p < nplanes; p++) {
    if (write_plane(&sink, planes[p], strides[p], p ? cw : width, p ? ch : height, depth,
                    out_depth, row) != 0)
      goto done;
  }
  if (imageio_outfile_commit(&out, error, sizeof error) != 0) goto done;
  rc = 0;
  if (out_depth != depth && msg && msg_size)
    snprintf(msg, msg_size, "%d-bit samples written as %d-bit (Y4M has no %d-bit format)", depth,
             out_depth, depth);

done:
  imageio_outfile_abort(&out);
  free(row);
  if (rc != 0 && msg && msg_size) snprintf(msg, msg_size, "%s", error);
  return rc;
}
