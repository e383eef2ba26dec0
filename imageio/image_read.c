/*
 * libheic image I/O: read any supported image file by its content.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "image_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exif.h"
#include "jpeg_read.h"
#include "png_read.h"

const char *imageio_format_name(imageio_format format) {
  switch (format) {
  case IMAGEIO_FORMAT_PNG: return "PNG";
  case IMAGEIO_FORMAT_JPEG: return "JPEG";
  case IMAGEIO_FORMAT_Y4M: return "Y4M";
  case IMAGEIO_FORMAT_UNKNOWN: break;
  }
  return "unknown";
}

void imageio_image_free(imageio_image *img) {
  if (!img) return;
  free(img->data);
  imageio_y4m_free(&img->yuv);
  free(img->icc);
  free(img->exif);
  free(img->xmp);
  memset(img, 0, sizeof *img);
}

/* The format from the first bytes of the file, or UNKNOWN. */
static imageio_format sniff(const unsigned char *head, size_t n) {
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n >= 8 && memcmp(head, png_sig, 8) == 0) return IMAGEIO_FORMAT_PNG;
  if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return IMAGEIO_FORMAT_JPEG;
  if (n >= 10 && memcmp(head, "YUV4MPEG2 ", 10) == 0) return IMAGEIO_FORMAT_Y4M;
  return IMAGEIO_FORMAT_UNKNOWN;
}

/* The Y4M reader starts its messages with "<path>: "; ours leave the name
 * to the caller, so it is taken off rather than printed twice. */
static void copy_without_path(char *err, size_t err_size, const char *msg, const char *path) {
  size_t n = strlen(path);
  if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ') msg += n + 2;
  snprintf(err, err_size, "%s", msg);
}

/* The Exif an image read found, as the encoder needs it: the TIFF stream
 * itself (a JPEG-style header left in front, seen in the wild inside PNG
 * eXIf, is cut off; anything that is not Exif at all is dropped rather than
 * stored as such), and the orientation it gives.  Both the whole read and
 * the row reader end with it. */
static void settle_exif(imageio_image *out) {
  if (out->exif) {
    long start = imageio_exif_tiff_offset(out->exif, out->exif_size);
    if (start < 0) {
      free(out->exif);
      out->exif = NULL;
      out->exif_size = 0;
      if (!out->warning[0])
        snprintf(out->warning, sizeof out->warning, "Exif block is not a TIFF stream; left out");
    } else if (start > 0) {
      out->exif_size -= (size_t)start;
      memmove(out->exif, out->exif + start, out->exif_size);
    }
  }
  int orientation = imageio_exif_orientation(out->exif, out->exif_size);
  out->orientation = orientation ? orientation : 1;
}

int imageio_image_read(const char *path, imageio_image *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  char msg[256] = "";
  unsigned char head[16];
  size_t n = 0;

  FILE *fp = fopen(path, "rb");
  if (!fp) {
    snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
    goto fail;
  }
  n = fread(head, 1, sizeof head, fp);
  int read_error = ferror(fp);
  fclose(fp);
  if (read_error) {
    snprintf(msg, sizeof msg, "cannot read: %s", strerror(errno));
    goto fail;
  }

  out->format = sniff(head, n);
  switch (out->format) {
  case IMAGEIO_FORMAT_PNG: {
    imageio_png_image png;
    if (imageio_png_read(path, &png, msg, sizeof msg) != 0) goto fail;
    /* Ownership of every buffer moves to *out; png is left empty. */
    out->width = png.width;
    out->height = png.height;
    out->channels = png.channels;
    out->bit_depth = png.bit_depth;
    out->stride = png.stride;
    out->data = png.data;
    out->icc = png.icc;
    out->icc_size = png.icc_size;
    out->exif = png.exif;
    out->exif_size = png.exif_size;
    out->xmp = png.xmp;
    out->xmp_size = png.xmp_size;
    snprintf(out->damage, sizeof out->damage, "%s", png.damage);
    memset(&png, 0, sizeof png);
    break;
  }
  case IMAGEIO_FORMAT_JPEG: {
    imageio_jpeg_image jpg;
    if (imageio_jpeg_read(path, &jpg, msg, sizeof msg) != 0) goto fail;
    out->width = jpg.width;
    out->height = jpg.height;
    out->channels = jpg.channels;
    out->bit_depth = 8;
    out->stride = jpg.stride;
    out->data = jpg.data;
    out->icc = jpg.icc;
    out->icc_size = jpg.icc_size;
    out->exif = jpg.exif;
    out->exif_size = jpg.exif_size;
    out->xmp = jpg.xmp;
    out->xmp_size = jpg.xmp_size;
    out->xmp_extended_segments = jpg.xmp_extended_segments;
    out->xmp_extended_bytes = jpg.xmp_extended_bytes;
    snprintf(out->warning, sizeof out->warning, "%s", jpg.warning);
    snprintf(out->damage, sizeof out->damage, "%s", jpg.damage);
    memset(&jpg, 0, sizeof jpg);
    break;
  }
  case IMAGEIO_FORMAT_Y4M: {
    char ymsg[256] = "";
    if (imageio_y4m_read(path, &out->yuv, ymsg, sizeof ymsg) != 0) {
      copy_without_path(msg, sizeof msg, ymsg, path);
      goto fail;
    }
    /* heic-enc codes Y4M as it comes: 4:2:0 at 8 or 10 bits (hevc-enc,
     * which codes monochrome and 12 bits too, reads Y4M directly). */
    if (out->yuv.chroma != 1 || out->yuv.bit_depth > 10) {
      static const char *const fmt[4] = {"monochrome ", "", "4:2:2 ", "4:4:4 "};
      snprintf(msg, sizeof msg, "%s%d-bit Y4M not supported (4:2:0 at 8 or 10 bits only)",
               fmt[out->yuv.chroma & 3], out->yuv.bit_depth);
      goto fail;
    }
    out->width = out->yuv.width;
    out->height = out->yuv.height;
    out->bit_depth = out->yuv.bit_depth;
    break;
  }
  case IMAGEIO_FORMAT_UNKNOWN:
    snprintf(msg, sizeof msg, n ? "not a PNG, JPEG or Y4M file" : "empty file");
    goto fail;
  }

  settle_exif(out);
  if (err && err_size) err[0] = '\0';
  return 0;

fail:
  imageio_image_free(out);
  if (err && err_size) snprintf(err, err_size, "%s", msg);
  return -1;
}

/* ---- row by row ---- */

struct imageio_rows {
  imageio_png_rows *png;   /* one of the two */
  imageio_jpeg_rows *jpeg;
};

int imageio_image_rows_open(const char *path, imageio_rows **out, imageio_image *info, char *err,
                            size_t err_size) {
  *out = NULL;
  memset(info, 0, sizeof *info);
  if (err && err_size) err[0] = '\0';
  if (!strcmp(path, "-")) {
    if (err && err_size) snprintf(err, err_size, "standard input");
    return 1;
  }
  unsigned char head[16];
  FILE *fp = fopen(path, "rb");
  if (!fp) return 1; /* the whole read says why */
  size_t n = fread(head, 1, sizeof head, fp);
  fclose(fp);
  imageio_format format = sniff(head, n);
  if (format != IMAGEIO_FORMAT_PNG && format != IMAGEIO_FORMAT_JPEG) {
    if (err && err_size) snprintf(err, err_size, "%s input", imageio_format_name(format));
    return 1;
  }
  imageio_rows *r = calloc(1, sizeof *r);
  if (!r) {
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (format == IMAGEIO_FORMAT_JPEG) {
    imageio_jpeg_image jpg;
    int rc = imageio_jpeg_rows_open(path, &r->jpeg, &jpg, err, err_size);
    if (rc != 0) {
      free(r);
      return rc;
    }
    info->format = IMAGEIO_FORMAT_JPEG;
    info->width = jpg.width;
    info->height = jpg.height;
    info->channels = jpg.channels;
    info->bit_depth = 8;
    info->stride = jpg.stride;
    info->icc = jpg.icc;
    info->icc_size = jpg.icc_size;
    info->exif = jpg.exif;
    info->exif_size = jpg.exif_size;
    info->xmp = jpg.xmp;
    info->xmp_size = jpg.xmp_size;
    info->xmp_extended_segments = jpg.xmp_extended_segments;
    info->xmp_extended_bytes = jpg.xmp_extended_bytes;
    snprintf(info->warning, sizeof info->warning, "%s", jpg.warning);
    settle_exif(info);
    *out = r;
    return 0;
  }
  imageio_png_image png;
  int rc = imageio_png_rows_open(path, &r->png, &png, err, err_size);
  if (rc != 0) {
    free(r);
    return rc;
  }
  info->format = IMAGEIO_FORMAT_PNG;
  info->width = png.width;
  info->height = png.height;
  info->channels = png.channels;
  info->bit_depth = png.bit_depth;
  info->stride = png.stride;
  info->icc = png.icc;
  info->icc_size = png.icc_size;
  info->exif = png.exif;
  info->exif_size = png.exif_size;
  info->xmp = png.xmp;
  info->xmp_size = png.xmp_size;
  settle_exif(info);
  *out = r;
  return 0;
}

int imageio_image_rows_read(imageio_rows *r, uint8_t *rows, size_t stride, uint32_t count, char *err,
                            size_t err_size) {
  if (r->jpeg) return imageio_jpeg_rows_read(r->jpeg, rows, stride, count, err, err_size);
  return imageio_png_rows_read(r->png, rows, stride, count, err, err_size);
}

int imageio_image_rows_rewind(imageio_rows *r, char *err, size_t err_size) {
  if (r->jpeg) return imageio_jpeg_rows_rewind(r->jpeg, err, err_size);
  return imageio_png_rows_rewind(r->png, err, err_size);
}

void imageio_image_rows_close(imageio_rows **r) {
  if (!r || !*r) return;
  imageio_jpeg_rows_close(&(*r)->jpeg);
  imageio_png_rows_close(&(*r)->png);
  free(*r);
  *r = NULL;
}
