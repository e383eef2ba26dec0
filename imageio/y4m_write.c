/*
 * libheic image I/O: write a one-frame YUV4MPEG2 file, a band of rows at a
 * time or from a whole decoded heic_image.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "y4m_write.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "spool.h"

struct imageio_y4m_writer {
  imageio_outfile *out;
  imageio_spool *spool;  /* chroma rows waiting for the luma plane; NULL until needed */
  imageio_stop_fn stop;
  void *stop_opaque;
  imageio_y4m_format fmt;
  int out_depth;
  int nplanes;
  uint32_t cw, ch;       /* chroma plane size */
  size_t out_bytes;      /* bytes a sample in the file: 1 or 2 */
  uint32_t rows_done, chroma_done;
  int failed;            /* a call failed: only abort is left */
  uint8_t *row;          /* one converted row, width * 2 bytes (malloc'd; NULL at 8 bits) */
  char error[256];
};

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

/* One source row as it goes into the file: the row itself at 8 bits, else
 * w->row filled with little-endian samples at the output depth. */
static const uint8_t *file_row(imageio_y4m_writer *w, const uint8_t *src, uint32_t width) {
  const int depth = w->fmt.bit_depth, out_depth = w->out_depth;
  if (depth == 8) return src;
  const uint32_t max = (1u << depth) - 1;
  for (uint32_t x = 0; x < width; x++) {
    uint16_t s;
    memcpy(&s, src + 2 * (size_t)x, 2); /* rows need not be 2-byte aligned */
    uint32_t v = s > max ? max : s;
    if (out_depth != depth) /* bit replication: keeps 0 and max at the ends */
      v = ((v << (out_depth - depth)) | (v >> (2 * depth - out_depth))) & ((1u << out_depth) - 1);
    /* Y4M high-bit-depth samples are little-endian whatever the host. */
    w->row[2 * (size_t)x] = (uint8_t)v;
    w->row[2 * (size_t)x + 1] = (uint8_t)(v >> 8);
  }
  return w->row;
}

/* Writes count rows of plane p, starting at row first of that plane, to
 * the file (spooled = 0: they come next in it) or to the spool. */
static int put_rows(imageio_y4m_writer *w, int p, const uint8_t *src, size_t stride,
                    uint32_t first, uint32_t count, int spooled) {
  const uint32_t width = p ? w->cw : w->fmt.width;
  const size_t row_bytes = (size_t)width * w->out_bytes;
  const uint64_t plane_bytes = (uint64_t)row_bytes * w->ch;
  for (uint32_t y = 0; y < count; y++) {
    /* Checked a row at a time so that a stop request (a signal, a
     * deadline) is honoured quickly even on a huge picture. */
    if (w->stop && w->stop(w->stop_opaque)) {
      snprintf(w->error, sizeof w->error, "stopped");
      return -1;
    }
    const uint8_t *bytes = file_row(w, src + (size_t)y * stride, width);
    int rc = spooled ? imageio_spool_put(w->spool, (uint64_t)(p - 1) * plane_bytes +
                                                       (uint64_t)(first + y) * row_bytes,
                                         bytes, row_bytes, w->error, sizeof w->error)
                     : imageio_outfile_write(w->out, bytes, row_bytes, w->error, sizeof w->error);
    if (rc != 0) return -1;
  }
  return 0;
}

int imageio_y4m_writer_open(imageio_y4m_writer **out, const char *path,
                            const imageio_y4m_format *fmt, imageio_stop_fn stop,
                            void *stop_opaque, char *msg, size_t msg_size) {
  *out = NULL;
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !fmt) return fail(msg, msg_size, "y4m: no image or no file name");
  const uint32_t width = fmt->width, height = fmt->height;
  const int depth = fmt->bit_depth;
  if (width == 0 || height == 0) return fail(msg, msg_size, "y4m: empty image");
  if (depth < 8 || depth > 16) return fail(msg, msg_size, "y4m: unsupported bit depth (8..16 expected)");
  const int out_depth = y4m_depth(depth);

  /* Chroma plane size, rounded up as every Y4M reader computes it. */
  uint32_t cw = width, ch = height;
  const char *tag, *ss;
  switch (fmt->chroma) {
  case HEIC_CHROMA_400: tag = "mono"; ss = NULL; cw = ch = 0; break;
  case HEIC_CHROMA_420: tag = "420"; ss = "420"; cw = width / 2 + (width & 1); ch = height / 2 + (height & 1); break;
  case HEIC_CHROMA_422: tag = "422"; ss = "422"; cw = width / 2 + (width & 1); break;
  case HEIC_CHROMA_444: tag = "444"; ss = "444"; break;
  default: return fail(msg, msg_size, "y4m: unknown chroma format");
  }

  char header[160];
  char ctag[32];
  if (fmt->chroma == HEIC_CHROMA_400)
    snprintf(ctag, sizeof ctag, out_depth == 8 ? "Cmono" : "Cmono%d", out_depth);
  else if (out_depth == 8)
    /* C420jpeg is the plain 4:2:0 tag every reader accepts and what ffmpeg
     * writes when the chroma siting is unknown, as it is to us here. */
    snprintf(ctag, sizeof ctag, "C%s%s XYSCSS=%s%s", tag, fmt->chroma == HEIC_CHROMA_420 ? "jpeg" : "", ss,
             fmt->chroma == HEIC_CHROMA_420 ? "JPEG" : "");
  else
    snprintf(ctag, sizeof ctag, "C%sp%d XYSCSS=%sP%d", tag, out_depth, ss, out_depth);
  /* F25:1 and A1:1: a still image has no frame rate, but readers insist on
   * one; XCOLORRANGE is the extension ffmpeg reads and writes. */
  snprintf(header, sizeof header, "YUV4MPEG2 W%u H%u F25:1 Ip A1:1 %s XCOLORRANGE=%s\nFRAME\n",
           (unsigned)width, (unsigned)height, ctag, fmt->full_range ? "FULL" : "LIMITED");

  imageio_y4m_writer *w = calloc(1, sizeof *w);
  if (!w) return fail(msg, msg_size, "y4m: out of memory");
  w->fmt = *fmt;
  w->stop = stop;
  w->stop_opaque = stop_opaque;
  w->out_depth = out_depth;
  w->nplanes = fmt->chroma == HEIC_CHROMA_400 ? 1 : 3;
  w->cw = cw;
  w->ch = ch;
  w->out_bytes = out_depth == 8 ? 1 : 2;
  if (depth != 8) {
    w->row = malloc((size_t)width * 2);
    if (!w->row) {
      snprintf(w->error, sizeof w->error, "y4m: out of memory");
      goto failed;
    }
  }
  if (imageio_outfile_open(&w->out, path, w->error, sizeof w->error) != 0) goto failed;
  if (imageio_outfile_write(w->out, header, strlen(header), w->error, sizeof w->error) != 0)
    goto failed;
  *out = w;
  return 0;

failed:
  fail(msg, msg_size, w->error);
  imageio_y4m_writer_abort(&w);
  return -1;
}

int imageio_y4m_writer_rows(imageio_y4m_writer *w, const imageio_y4m_band *band, char *msg,
                            size_t msg_size) {
  if (!w || w->failed) return fail(msg, msg_size, "y4m: the writer has failed");
  const size_t in_bytes = w->fmt.bit_depth == 8 ? 1 : 2;
  const uint32_t chroma_rows = w->nplanes == 3 ? band->chroma_rows : 0;
  /* (a refused band fails the writer too: the caller's rows no longer
   * make the image) */
  if (band->rows > w->fmt.height - w->rows_done || chroma_rows > w->ch - w->chroma_done) {
    snprintf(w->error, sizeof w->error, "y4m: more rows than the image has");
    goto failed;
  }
  for (int p = 0; p < w->nplanes; p++) {
    const uint32_t width = p ? w->cw : w->fmt.width;
    /* A reader derives every plane size from W, H and C: planes of any
     * other size would shift all the samples after them. */
    if ((p ? chroma_rows : band->rows) &&
        (!band->planes[p] || band->widths[p] != width || band->strides[p] < (size_t)width * in_bytes)) {
      snprintf(w->error, sizeof w->error, "y4m: a plane is missing or does not match the chroma format");
      goto failed;
    }
  }
  /* The whole picture in one band: every plane goes straight into the
   * file, one after the other.  Otherwise chroma waits in the spool. */
  const int whole = w->rows_done == 0 && band->rows == w->fmt.height;
  if (!whole && chroma_rows && !w->spool &&
      imageio_spool_open(&w->spool, w->error, sizeof w->error) != 0)
    goto failed;
  if (put_rows(w, 0, band->planes[0], band->strides[0], w->rows_done, band->rows, 0) != 0)
    goto failed;
  for (int p = 1; p < w->nplanes; p++)
    if (put_rows(w, p, band->planes[p], band->strides[p], w->chroma_done, chroma_rows, !whole) != 0)
      goto failed;
  w->rows_done += band->rows;
  w->chroma_done += chroma_rows;
  return 0;

failed:
  w->failed = 1;
  return fail(msg, msg_size, w->error);
}

int imageio_y4m_writer_finish(imageio_y4m_writer **wp, char *msg, size_t msg_size) {
  imageio_y4m_writer *w = *wp;
  if (!w || w->failed) {
    imageio_y4m_writer_abort(wp);
    return fail(msg, msg_size, "y4m: the writer has failed");
  }
  int rc = -1;
  if (w->rows_done != w->fmt.height || w->chroma_done != w->ch) {
    snprintf(w->error, sizeof w->error, "y4m: %u of %u rows written", (unsigned)w->rows_done,
             (unsigned)w->fmt.height);
  } else if (!w->spool ||
             imageio_spool_copy(w->spool, 0, 2 * (uint64_t)w->ch * w->cw * w->out_bytes, w->out,
                                w->stop, w->stop_opaque, w->error, sizeof w->error) == 0) {
    rc = imageio_outfile_commit(&w->out, w->error, sizeof w->error);
  }
  if (rc != 0)
    fail(msg, msg_size, w->error);
  else if (w->out_depth != w->fmt.bit_depth && msg && msg_size)
    snprintf(msg, msg_size, "%d-bit samples written as %d-bit (Y4M has no %d-bit format)",
             w->fmt.bit_depth, w->out_depth, w->fmt.bit_depth);
  imageio_y4m_writer_abort(wp); /* frees; the file is no longer its to drop */
  return rc;
}

void imageio_y4m_writer_abort(imageio_y4m_writer **wp) {
  if (!wp || !*wp) return;
  imageio_y4m_writer *w = *wp;
  imageio_outfile_abort(&w->out); /* no-op after a successful commit */
  imageio_spool_close(&w->spool);
  free(w->row);
  free(w);
  *wp = NULL;
}

int imageio_y4m_write(const char *path, const heic_image *img, imageio_stop_fn stop,
                      void *stop_opaque, char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "y4m: no image or no file name");
  if (heic_image_layout(img) != HEIC_LAYOUT_YCBCR)
    return fail(msg, msg_size, "y4m: the image is not in YCbCr layout");
  imageio_y4m_format fmt = {heic_image_width(img), heic_image_height(img), heic_image_chroma(img),
                            heic_image_bit_depth(img), heic_image_nclx(img).full_range};
  imageio_y4m_band band = {.rows = fmt.height};
  for (int p = 0; p < 3; p++) {
    uint32_t ph = 0;
    band.planes[p] = heic_image_plane(img, (heic_plane_id)p, &band.strides[p], &band.widths[p], &ph);
    if (p == 1) band.chroma_rows = ph;
    /* Planes of another height are refused below, as missing. */
    if ((p == 0 && ph != fmt.height) || (p == 2 && ph != band.chroma_rows)) band.planes[p] = NULL;
  }
  imageio_y4m_writer *w = NULL;
  if (imageio_y4m_writer_open(&w, path, &fmt, stop, stop_opaque, msg, msg_size) != 0) return -1;
  if (imageio_y4m_writer_rows(w, &band, msg, msg_size) != 0) {
    imageio_y4m_writer_abort(&w);
    return -1;
  }
  return imageio_y4m_writer_finish(&w, msg, msg_size);
}
