/*
 * libheic image I/O: YUV4MPEG2 reader.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "y4m_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(imageio_y4m *img, FILE *fp, char *msg, size_t msg_size, const char *fmt, ...) {
  if (msg && msg_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msg_size, fmt, ap);
    va_end(ap);
  }
  if (fp) fclose(fp);
  imageio_y4m_free(img);
  return -1;
}

void imageio_y4m_free(imageio_y4m *img) {
  if (!img) return;
  for (int c = 0; c < 3; c++) free(img->planes[c]);
  memset(img, 0, sizeof(*img));
}

/* Reads a header line (without the newline) of at most cap - 1 bytes. */
static int read_line(FILE *fp, char *buf, size_t cap) {
  size_t n = 0;
  int ch;
  while ((ch = fgetc(fp)) != EOF && ch != '\n') {
    if (n + 1 >= cap) return -1;
    buf[n++] = (char)ch;
  }
  buf[n] = 0;
  return ch == '\n' ? 0 : -1;
}

/* The colour spaces taken: name (after 'C'), chroma_format_idc, bit depth. */
static const struct {
  const char *name;
  int chroma, depth;
} k_spaces[] = {{"420", 1, 8},     {"420jpeg", 1, 8}, {"420paldv", 1, 8}, {"420mpeg2", 1, 8},
                {"420p10", 1, 10}, {"420p12", 1, 12}, {"mono", 0, 8},     {"mono10", 0, 10},
                {"mono12", 0, 12}, {"422", 2, 8},     {"422p10", 2, 10},  {"422p12", 2, 12},
                {"444", 3, 8},     {"444p10", 3, 10}, {"444p12", 3, 12}};

int imageio_y4m_read(const char *path, imageio_y4m *img, char *msg, size_t msg_size) {
  memset(img, 0, sizeof(*img));
  if (msg && msg_size) msg[0] = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return fail(img, NULL, msg, msg_size, "%s: %s", path, strerror(errno));
  char line[1024];
  if (read_line(fp, line, sizeof(line)) || strncmp(line, "YUV4MPEG2", 9) != 0)
    return fail(img, fp, msg, msg_size, "%s: not a YUV4MPEG2 file", path);
  long w = 0, h = 0;
  char cs[32] = "420jpeg"; /* the format's default colour space */
  for (char *tok = strtok(line + 9, " "); tok; tok = strtok(NULL, " ")) {
    if (tok[0] == 'W') w = strtol(tok + 1, NULL, 10);
    if (tok[0] == 'H') h = strtol(tok + 1, NULL, 10);
    if (tok[0] == 'C') snprintf(cs, sizeof(cs), "%s", tok + 1);
    if (!strcmp(tok, "XCOLORRANGE=FULL")) img->full_range = 1;
  }
  if (w < 1 || h < 1 || w > 65536 || h > 65536)
    return fail(img, fp, msg, msg_size, "%s: missing or invalid size W%ld H%ld", path, w, h);
  int found = -1;
  for (size_t i = 0; i < sizeof(k_spaces) / sizeof(k_spaces[0]); i++)
    if (!strcmp(cs, k_spaces[i].name)) found = (int)i;
  if (found < 0)
    return fail(img, fp, msg, msg_size,
                "%s: colour space C%s not supported (C420, C420jpeg, C420paldv, C420mpeg2, "
                "C420p10, C420p12, C422, C422p10, C422p12, C444, C444p10, C444p12, Cmono, "
                "Cmono10, Cmono12)",
                path, cs);
  if (read_line(fp, line, sizeof(line)) || strncmp(line, "FRAME", 5) != 0)
    return fail(img, fp, msg, msg_size, "%s: no frame", path);
  img->width = (uint32_t)w;
  img->height = (uint32_t)h;
  img->chroma = k_spaces[found].chroma;
  img->mono = img->chroma == 0;
  img->bit_depth = k_spaces[found].depth;
  int bytes = img->bit_depth > 8 ? 2 : 1;
  int planes = img->mono ? 1 : 3;
  for (int c = 0; c < planes; c++) {
    uint32_t pw = c && img->chroma != 3 ? (img->width + 1) / 2 : img->width;
    uint32_t ph = c && img->chroma == 1 ? (img->height + 1) / 2 : img->height;
    img->plane_w[c] = pw;
    img->plane_h[c] = ph;
    img->strides[c] = pw;
    img->planes[c] = malloc((size_t)pw * ph * sizeof(uint16_t));
    if (!img->planes[c]) return fail(img, fp, msg, msg_size, "%s: out of memory", path);
    unsigned char *row = malloc((size_t)pw * (size_t)bytes);
    if (!row) return fail(img, fp, msg, msg_size, "%s: out of memory", path);
    for (uint32_t y = 0; y < ph; y++) {
      if (fread(row, (size_t)bytes, pw, fp) != pw) {
        free(row);
        return fail(img, fp, msg, msg_size, "%s: truncated frame", path);
      }
      uint16_t *dst = img->planes[c] + (size_t)y * pw;
      for (uint32_t x = 0; x < pw; x++)
        dst[x] = bytes == 1 ? row[x] : (uint16_t)(row[2 * x] | row[2 * x + 1] << 8);
    }
    free(row);
  }
  fclose(fp);
  return 0;
}
