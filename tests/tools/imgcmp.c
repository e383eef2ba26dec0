/*
 * imgcmp: compare two decoded images.  SPDX-License-Identifier: BSD-2-Clause
 *
 *   imgcmp A B [MIN_PSNR]
 *
 * A and B are both PNG (8 or 16 bit, grey or RGB, with or without alpha) or
 * both single-frame Y4M.  Samples are normalised to [0, 1] (value / (2^bits
 * - 1)) so that an 8-bit and a 16-bit rendering of the same picture compare
 * fairly; grey is expanded to RGB when the other image is in colour.
 *
 * Prints one line: "PSNR <min> dB (<channel group> <psnr>, ...) WxH", where
 * <min> is the lowest of the groups (RGB, and alpha when either image has
 * one; a missing alpha counts as opaque).  Y4M files compare their Y, Cb
 * and Cr planes as one group.
 *
 * Exit status: 0 when the images are identical or PSNR >= MIN_PSNR (without
 * MIN_PSNR, only identical images pass), 1 when they differ more, 2 on any
 * error (unreadable file, size or format mismatch).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_read.h"

enum { EXIT_SAME = 0, EXIT_DIFFERENT = 1, EXIT_ERROR = 2 };

/* Running sum of squared differences for one group of channels. */
typedef struct err_acc {
  double sse;
  uint64_t count;
  double max_abs; /* in normalised units */
} err_acc;

static void acc_add(err_acc *acc, double a, double b) {
  double d = a - b;
  acc->sse += d * d;
  acc->count++;
  if (fabs(d) > acc->max_abs) acc->max_abs = fabs(d);
}

/* PSNR with a peak of 1.0 (the normalised range); INFINITY when equal. */
static double acc_psnr(const err_acc *acc) {
  if (acc->count == 0 || acc->sse == 0.0) return INFINITY;
  double mse = acc->sse / (double)acc->count;
  return 10.0 * log10(1.0 / mse);
}

static void format_psnr(char *buf, size_t size, double psnr) {
  if (isinf(psnr))
    snprintf(buf, size, "inf");
  else
    snprintf(buf, size, "%.2f", psnr);
}

/* ---- PNG ----------------------------------------------------------------- */

static double png_sample(const imageio_png_image *img, uint32_t x, uint32_t y, int c) {
  const uint8_t *row = img->data + (size_t)y * img->stride;
  size_t idx = (size_t)x * (size_t)img->channels + (size_t)c;
  if (img->bit_depth == 16) {
    uint16_t v;
    memcpy(&v, row + idx * 2, sizeof(v));
    return v / 65535.0;
  }
  return row[idx] / 255.0;
}

/* Colour channel c (0..2) of pixel (x, y): grey images answer with grey. */
static double png_colour(const imageio_png_image *img, uint32_t x, uint32_t y, int c) {
  int colour_channels = img->channels >= 3 ? 3 : 1;
  return png_sample(img, x, y, colour_channels == 3 ? c : 0);
}

static int png_has_alpha(const imageio_png_image *img) {
  return img->channels == 2 || img->channels == 4;
}

static double png_alpha(const imageio_png_image *img, uint32_t x, uint32_t y) {
  if (!png_has_alpha(img)) return 1.0;
  return png_sample(img, x, y, img->channels - 1);
}

static int compare_png(const char *pa, const char *pb, double min_psnr, int have_min) {
  imageio_png_image a, b;
  char err[256];
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  int rc = EXIT_ERROR;
  if (imageio_png_read(pa, &a, err, sizeof(err))) {
    fprintf(stderr, "imgcmp: %s: %s\n", pa, err);
    goto done;
  }
  if (imageio_png_read(pb, &b, err, sizeof(err))) {
    fprintf(stderr, "imgcmp: %s: %s\n", pb, err);
    goto done;
  }
  if (a.width != b.width || a.height != b.height) {
    fprintf(stderr, "imgcmp: size mismatch: %s is %ux%u, %s is %ux%u\n", pa, a.width, a.height,
            pb, b.width, b.height);
    goto done;
  }
  int colour = a.channels >= 3 || b.channels >= 3;
  int alpha = png_has_alpha(&a) || png_has_alpha(&b);
  err_acc rgb = {0, 0, 0}, al = {0, 0, 0};
  for (uint32_t y = 0; y < a.height; y++) {
    for (uint32_t x = 0; x < a.width; x++) {
      for (int c = 0; c < (colour ? 3 : 1); c++)
        acc_add(&rgb, png_colour(&a, x, y, c), png_colour(&b, x, y, c));
      if (alpha) acc_add(&al, png_alpha(&a, x, y), png_alpha(&b, x, y));
    }
  }
  double p_rgb = acc_psnr(&rgb);
  double p_alpha = alpha ? acc_psnr(&al) : INFINITY;
  double p_min = p_rgb < p_alpha ? p_rgb : p_alpha;
  char s_min[32], s_rgb[32], s_alpha[32];
  format_psnr(s_min, sizeof(s_min), p_min);
  format_psnr(s_rgb, sizeof(s_rgb), p_rgb);
  format_psnr(s_alpha, sizeof(s_alpha), p_alpha);
  printf("PSNR %s dB (%s %s", s_min, colour ? "rgb" : "grey", s_rgb);
  if (alpha) {
    printf(", alpha %s", s_alpha);
    if (png_has_alpha(&a) != png_has_alpha(&b))
      printf(" [only %s has alpha]", png_has_alpha(&a) ? "A" : "B");
  }
  printf(") %ux%u, %d/%d-bit, max diff %.4f\n", a.width, a.height, a.bit_depth, b.bit_depth,
         rgb.max_abs > al.max_abs ? rgb.max_abs : al.max_abs);
  if (isinf(p_min))
    rc = EXIT_SAME;
  else
    rc = have_min && p_min >= min_psnr ? EXIT_SAME : EXIT_DIFFERENT;
done:
  imageio_png_image_free(&a);
  imageio_png_image_free(&b);
  return rc;
}

/* ---- Y4M ----------------------------------------------------------------- */

typedef struct y4m_image {
  uint32_t width, height;
  int cw_shift, ch_shift; /* chroma subsampling (log2); mono: planes = 1 */
  int planes;
  int bits;               /* 8 or 16-bit storage */
  int depth;              /* significant bits */
  uint8_t *data;          /* all planes, one after another */
  size_t plane_off[3];
  uint32_t plane_w[3], plane_h[3];
} y4m_image;

static int parse_colourspace(y4m_image *img, const char *tag) {
  /* "420jpeg", "420paldv", "420mpeg2", "420", "422", "444", "mono" with an
   * optional "p10"/"p12"/"p16" (or "10" for mono) suffix for deeper samples. */
  img->bits = 8;
  img->depth = 8;
  img->planes = 3;
  const char *rest;
  if (strncmp(tag, "420", 3) == 0) {
    img->cw_shift = img->ch_shift = 1;
    rest = tag + 3;
  } else if (strncmp(tag, "422", 3) == 0) {
    img->cw_shift = 1;
    img->ch_shift = 0;
    rest = tag + 3;
  } else if (strncmp(tag, "444", 3) == 0) {
    img->cw_shift = img->ch_shift = 0;
    rest = tag + 3;
  } else if (strncmp(tag, "mono", 4) == 0) {
    img->planes = 1;
    rest = tag + 4;
  } else {
    return -1;
  }
  if (*rest == 'p') rest++;
  if (*rest >= '0' && *rest <= '9') {
    int d = atoi(rest);
    if (d < 9 || d > 16) return -1;
    img->bits = 16;
    img->depth = d;
  }
  return 0;
}

static int read_y4m(const char *path, y4m_image *img) {
  memset(img, 0, sizeof(*img));
  img->cw_shift = img->ch_shift = 1; /* 4:2:0 when there is no C tag */
  img->planes = 3;
  img->bits = img->depth = 8;
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "imgcmp: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char header[512];
  size_t n = 0;
  int ch;
  while ((ch = fgetc(fp)) != EOF && ch != '\n' && n + 1 < sizeof(header)) header[n++] = (char)ch;
  header[n] = 0;
  if (ch != '\n' || strncmp(header, "YUV4MPEG2 ", 10) != 0) {
    fprintf(stderr, "imgcmp: %s: not a Y4M file\n", path);
    fclose(fp);
    return -1;
  }
  for (char *tok = strtok(header + 10, " "); tok; tok = strtok(NULL, " ")) {
    if (tok[0] == 'W') img->width = (uint32_t)strtoul(tok + 1, NULL, 10);
    if (tok[0] == 'H') img->height = (uint32_t)strtoul(tok + 1, NULL, 10);
    if (tok[0] == 'C' && parse_colourspace(img, tok + 1)) {
      fprintf(stderr, "imgcmp: %s: unsupported Y4M colourspace %s\n", path, tok);
      fclose(fp);
      return -1;
    }
  }
  if (!img->width || !img->height || img->width > 65536 || img->height > 65536) {
    fprintf(stderr, "imgcmp: %s: bad Y4M size\n", path);
    fclose(fp);
    return -1;
  }
  char frame[6];
  if (fread(frame, 1, 5, fp) != 5 || memcmp(frame, "FRAME", 5) != 0) {
    fprintf(stderr, "imgcmp: %s: no FRAME\n", path);
    fclose(fp);
    return -1;
  }
  while ((ch = fgetc(fp)) != EOF && ch != '\n') {
  }
  size_t bps = (size_t)img->bits / 8;
  size_t total = 0;
  for (int p = 0; p < img->planes; p++) {
    uint32_t w = img->width, h = img->height;
    if (p > 0) {
      w = (w + (1u << img->cw_shift) - 1) >> img->cw_shift;
      h = (h + (1u << img->ch_shift) - 1) >> img->ch_shift;
    }
    img->plane_w[p] = w;
    img->plane_h[p] = h;
    img->plane_off[p] = total;
    total += (size_t)w * h * bps;
  }
  img->data = malloc(total);
  if (!img->data) {
    fprintf(stderr, "imgcmp: %s: out of memory\n", path);
    fclose(fp);
    return -1;
  }
  if (fread(img->data, 1, total, fp) != total) {
    fprintf(stderr, "imgcmp: %s: truncated Y4M frame\n", path);
    free(img->data);
    img->data = NULL;
    fclose(fp);
    return -1;
  }
  fclose(fp);
  return 0;
}

static double y4m_sample(const y4m_image *img, int p, size_t i) {
  const uint8_t *d = img->data + img->plane_off[p];
  if (img->bits == 16) {
    unsigned v = (unsigned)d[i * 2] | ((unsigned)d[i * 2 + 1] << 8); /* little-endian */
    return v / (double)((1u << img->depth) - 1);
  }
  return d[i] / 255.0;
}

static int compare_y4m(const char *pa, const char *pb, double min_psnr, int have_min) {
  y4m_image a, b;
  int rc = EXIT_ERROR;
  if (read_y4m(pa, &a)) return EXIT_ERROR;
  if (read_y4m(pb, &b)) {
    free(a.data);
    return EXIT_ERROR;
  }
  if (a.width != b.width || a.height != b.height) {
    fprintf(stderr, "imgcmp: size mismatch: %s is %ux%u, %s is %ux%u\n", pa, a.width, a.height,
            pb, b.width, b.height);
    goto done;
  }
  if (a.planes != b.planes || a.cw_shift != b.cw_shift || a.ch_shift != b.ch_shift) {
    fprintf(stderr, "imgcmp: chroma format differs between %s and %s\n", pa, pb);
    goto done;
  }
  err_acc acc = {0, 0, 0};
  for (int p = 0; p < a.planes; p++) {
    size_t n = (size_t)a.plane_w[p] * a.plane_h[p];
    for (size_t i = 0; i < n; i++) acc_add(&acc, y4m_sample(&a, p, i), y4m_sample(&b, p, i));
  }
  double psnr = acc_psnr(&acc);
  char s[32];
  format_psnr(s, sizeof(s), psnr);
  printf("PSNR %s dB (ycbcr %s) %ux%u, %d/%d-bit, max diff %.4f\n", s, s, a.width, a.height,
         a.depth, b.depth, acc.max_abs);
  if (isinf(psnr))
    rc = EXIT_SAME;
  else
    rc = have_min && psnr >= min_psnr ? EXIT_SAME : EXIT_DIFFERENT;
done:
  free(a.data);
  free(b.data);
  return rc;
}

/* ---- main ---------------------------------------------------------------- */

/* 1 PNG, 2 Y4M, 0 neither, -1 unreadable. */
static int sniff(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "imgcmp: %s: %s\n", path, strerror(errno));
    return -1;
  }
  unsigned char magic[10];
  size_t n = fread(magic, 1, sizeof(magic), fp);
  fclose(fp);
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 8 && memcmp(magic, png_sig, 8) == 0) return 1;
  if (n >= 10 && memcmp(magic, "YUV4MPEG2 ", 10) == 0) return 2;
  fprintf(stderr, "imgcmp: %s: neither PNG nor Y4M%s\n", path, n == 0 ? " (empty file)" : "");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr,
            "usage: imgcmp A B [MIN_PSNR]\n"
            "Compares two PNG (or two Y4M) images; exit 0 if identical or PSNR >= MIN_PSNR,\n"
            "1 if they differ more, 2 on error.\n");
    return EXIT_ERROR;
  }
  double min_psnr = 0.0;
  int have_min = 0;
  if (argc == 4) {
    char *end = NULL;
    min_psnr = strtod(argv[3], &end);
    if (!end || *end || end == argv[3]) {
      fprintf(stderr, "imgcmp: bad threshold '%s'\n", argv[3]);
      return EXIT_ERROR;
    }
    have_min = 1;
  }
  int ka = sniff(argv[1]);
  int kb = sniff(argv[2]);
  if (ka <= 0 || kb <= 0) return EXIT_ERROR;
  if (ka != kb) {
    fprintf(stderr, "imgcmp: %s and %s are of different formats\n", argv[1], argv[2]);
    return EXIT_ERROR;
  }
  return ka == 1 ? compare_png(argv[1], argv[2], min_psnr, have_min)
                 : compare_y4m(argv[1], argv[2], min_psnr, have_min);
}
