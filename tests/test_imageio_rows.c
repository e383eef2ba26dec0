/*
 * Tests of imageio's row writers (PNG, JPEG, Y4M a band of rows at a
 * time, issue 17): the bands give the same bytes as the whole image at once
 * whatever their size, the Y4M chroma spool leaves nothing in TMPDIR, and
 * a writer that is stopped, aborted, given too many rows or finished too
 * early leaves no file.  (Over the corpus, through heic-dec:
 * tests/dec_stream.sh.)
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <heic/heic.h>

#include "image_read.h"
#include "jpeg_write.h"
#include "png_write.h"
#include "y4m_write.h"

static int failures;
static char dir[64];       /* outputs */
static char spool_dir[80]; /* the writers' TMPDIR */

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                            \
    }                                                                        \
  } while (0)

static uint8_t *read_whole(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *p = realloc(buf, cap);
      if (!p) break;
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n, fp);
    n += got;
    if (got == 0) break;
  }
  fclose(fp);
  *size = n;
  return buf;
}

/* Whether files a and b hold the same bytes (both must exist). */
static int same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  uint8_t *x = read_whole(a, &na), *y = read_whole(b, &nb);
  int same = x && y && na == nb && na > 0 && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Entries of d other than . and .. */
static int entries(const char *d) {
  DIR *dp = opendir(d);
  if (!dp) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(dp)) != NULL;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(dp);
  return n;
}

/* An image with a different value in every sample. */
static heic_image *make_image(uint32_t w, uint32_t h, heic_layout layout, heic_chroma chroma,
                              int depth, int alpha) {
  heic_image *img = NULL;
  if (heic_image_new(&img, NULL, w, h, layout, chroma, depth, alpha) != HEIC_OK) return NULL;
  const uint32_t max = (1u << depth) - 1;
  for (int p = 0; p < 4; p++) {
    size_t stride;
    uint32_t pw = 0, ph = 0;
    if (!heic_image_plane(img, (heic_plane_id)p, &stride, &pw, &ph)) continue;
    uint8_t *plane = heic_image_plane_mut(img, (heic_plane_id)p, &stride);
    const uint32_t samples = layout == HEIC_LAYOUT_RGB ? pw * (uint32_t)heic_image_components(img) : pw;
    for (uint32_t y = 0; y < ph; y++)
      for (uint32_t x = 0; x < samples; x++) {
        uint32_t v = (x * 37u + y * 101u + (uint32_t)p * 53u) & max;
        if (depth == 8) {
          plane[y * stride + x] = (uint8_t)v;
        } else {
          uint16_t s = (uint16_t)v;
          memcpy(plane + y * stride + 2 * (size_t)x, &s, 2);
        }
      }
  }
  return img;
}

static int stop_after;
static int stop_countdown(void *opaque) {
  (void)opaque;
  return --stop_after < 0;
}

/* PNG and JPEG in bands of band rows against the whole image. */
static void rgb_case(uint32_t w, uint32_t h, int depth, int alpha, uint32_t band) {
  heic_image *img = make_image(w, h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, depth, alpha);
  CHECK(img != NULL);
  if (!img) return;
  imageio_rgb_format fmt;
  size_t stride;
  char msg[256];
  const uint8_t *px = imageio_rgb_image(img, &fmt, &stride, "test", msg, sizeof msg);
  CHECK(px != NULL);
  char whole[128], rows[128];
  for (int jpeg = 0; jpeg <= 1 && px; jpeg++) {
    snprintf(whole, sizeof whole, "%s/whole.%s", dir, jpeg ? "jpg" : "png");
    snprintf(rows, sizeof rows, "%s/rows.%s", dir, jpeg ? "jpg" : "png");
    imageio_png_options po = {0};
    imageio_jpeg_options jo = {.quality = 80};
    CHECK((jpeg ? imageio_jpeg_write(whole, img, &jo, msg, sizeof msg)
                : imageio_png_write(whole, img, &po, msg, sizeof msg)) == 0);
    imageio_png_writer *pw = NULL;
    imageio_jpeg_writer *jw = NULL;
    CHECK((jpeg ? imageio_jpeg_writer_open(&jw, rows, &fmt, &jo, msg, sizeof msg)
                : imageio_png_writer_open(&pw, rows, &fmt, &po, msg, sizeof msg)) == 0);
    CHECK(!exists(rows)); /* never seen partial */
    for (uint32_t y = 0; y < h; y += band) {
      uint32_t n = h - y < band ? h - y : band;
      CHECK((jpeg ? imageio_jpeg_writer_rows(jw, px + y * stride, stride, n, msg, sizeof msg)
                  : imageio_png_writer_rows(pw, px + y * stride, stride, n, msg, sizeof msg)) == 0);
    }
    CHECK(!exists(rows));
    CHECK((jpeg ? imageio_jpeg_writer_finish(&jw, msg, sizeof msg)
                : imageio_png_writer_finish(&pw, msg, sizeof msg)) == 0);
    CHECK(pw == NULL && jw == NULL);
    if (!same_file(whole, rows))
      fprintf(stderr, "%s %ux%u depth %d alpha %d bands of %u: not the same bytes\n",
              jpeg ? "jpeg" : "png", (unsigned)w, (unsigned)h, depth, alpha, (unsigned)band);
    CHECK(same_file(whole, rows));
    unlink(whole);
    unlink(rows);
  }
  heic_image_free(&img);
}

/* The chroma rows of luma rows [y, y + n) of an image h rows high. */
static uint32_t chroma_rows(heic_chroma c, uint32_t y, uint32_t n, uint32_t h) {
  if (c == HEIC_CHROMA_400) return 0;
  if (c != HEIC_CHROMA_420) return n;
  uint32_t end = y + n == h ? (h + 1) / 2 : (y + n) / 2;
  return end - y / 2;
}

/* Y4M in bands of band rows (even, as heic_rows_band makes them for 4:2:0)
 * against the whole image. */
static void y4m_case(uint32_t w, uint32_t h, heic_chroma chroma, int depth, uint32_t band) {
  heic_image *img = make_image(w, h, HEIC_LAYOUT_YCBCR, chroma, depth, 0);
  CHECK(img != NULL);
  if (!img) return;
  char whole[128], rows[128], msg[256];
  snprintf(whole, sizeof whole, "%s/whole.y4m", dir);
  snprintf(rows, sizeof rows, "%s/rows.y4m", dir);
  CHECK(imageio_y4m_write(whole, img, NULL, NULL, msg, sizeof msg) == 0);
  imageio_y4m_format fmt = {w, h, chroma, depth, heic_image_nclx(img).full_range};
  imageio_y4m_writer *yw = NULL;
  CHECK(imageio_y4m_writer_open(&yw, rows, &fmt, NULL, NULL, msg, sizeof msg) == 0);
  for (uint32_t y = 0; y < h && yw; y += band) {
    imageio_y4m_band b = {.rows = h - y < band ? h - y : band};
    b.chroma_rows = chroma_rows(chroma, y, b.rows, h);
    uint32_t cy = chroma == HEIC_CHROMA_420 ? y / 2 : y;
    for (int p = 0; p < 3; p++) {
      uint32_t ph = 0;
      const uint8_t *pl = heic_image_plane(img, (heic_plane_id)p, &b.strides[p], &b.widths[p], &ph);
      b.planes[p] = pl ? pl + (size_t)(p ? cy : y) * b.strides[p] : NULL;
    }
    CHECK(imageio_y4m_writer_rows(yw, &b, msg, sizeof msg) == 0);
  }
  CHECK(!exists(rows));
  CHECK(imageio_y4m_writer_finish(&yw, msg, sizeof msg) == 0);
  if (!same_file(whole, rows))
    fprintf(stderr, "y4m %ux%u chroma %d depth %d bands of %u: not the same bytes\n", (unsigned)w,
            (unsigned)h, (int)chroma, depth, (unsigned)band);
  CHECK(same_file(whole, rows));
  CHECK(entries(spool_dir) == 0); /* the spool has no name */
  unlink(whole);
  unlink(rows);
  heic_image_free(&img);
}

/* Premultiplied rows become straight colour in the PNG. */
static void premultiplied_case(void) {
  const uint8_t px[2 * 4] = {50, 25, 100, 100, 10, 20, 30, 0};
  imageio_rgb_format fmt = {2, 1, 4, 8, 1};
  char path[128], msg[256];
  snprintf(path, sizeof path, "%s/premul.png", dir);
  imageio_png_writer *w = NULL;
  CHECK(imageio_png_writer_open(&w, path, &fmt, NULL, msg, sizeof msg) == 0);
  CHECK(imageio_png_writer_rows(w, px, sizeof px, 1, msg, sizeof msg) == 0);
  CHECK(imageio_png_writer_finish(&w, msg, sizeof msg) == 0);
  imageio_image back;
  CHECK(imageio_image_read(path, &back, msg, sizeof msg) == 0);
  /* (c * 255 + a / 2) / a; alpha 0 carries no colour */
  const uint8_t want[8] = {128, 64, 255, 100, 0, 0, 0, 0};
  CHECK(back.channels == 4 && memcmp(back.data, want, sizeof want) == 0);
  imageio_image_free(&back);
  unlink(path);
}

/* Stopped, aborted, too many rows, finished early: no file, no spool. */
static void failure_cases(void) {
  heic_image *img = make_image(16, 8, HEIC_LAYOUT_YCBCR, HEIC_CHROMA_420, 10, 0);
  CHECK(img != NULL);
  if (!img) return;
  char path[128], msg[256];
  snprintf(path, sizeof path, "%s/fail.y4m", dir);
  imageio_y4m_format fmt = {16, 8, HEIC_CHROMA_420, 10, 0};
  imageio_y4m_band b = {.rows = 2, .chroma_rows = 1};
  for (int p = 0; p < 3; p++) {
    uint32_t ph;
    b.planes[p] = heic_image_plane(img, (heic_plane_id)p, &b.strides[p], &b.widths[p], &ph);
  }
  for (int mode = 0; mode < 4; mode++) {
    imageio_y4m_writer *w = NULL;
    stop_after = 5;
    CHECK(imageio_y4m_writer_open(&w, path, &fmt, mode == 0 ? stop_countdown : NULL, NULL, msg,
                                  sizeof msg) == 0);
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) rc = imageio_y4m_writer_rows(w, &b, msg, sizeof msg);
    if (mode == 0) { /* stopped in the second band */
      CHECK(rc != 0 && strcmp(msg, "stopped") == 0);
      CHECK(imageio_y4m_writer_rows(w, &b, msg, sizeof msg) != 0); /* failed stays failed */
      imageio_y4m_writer_abort(&w);
    } else if (mode == 1) { /* aborted when complete */
      CHECK(rc == 0);
      imageio_y4m_writer_abort(&w);
    } else if (mode == 2) { /* a fifth band: too many rows */
      CHECK(rc == 0);
      CHECK(imageio_y4m_writer_rows(w, &b, msg, sizeof msg) != 0);
      CHECK(imageio_y4m_writer_finish(&w, msg, sizeof msg) != 0);
    } else { /* finished after three bands of four */
      CHECK(rc == 0);
      imageio_y4m_writer *early = NULL;
      CHECK(imageio_y4m_writer_open(&early, path, &fmt, NULL, NULL, msg, sizeof msg) == 0);
      CHECK(imageio_y4m_writer_rows(early, &b, msg, sizeof msg) == 0);
      CHECK(imageio_y4m_writer_finish(&early, msg, sizeof msg) != 0);
      CHECK(early == NULL);
      CHECK(!exists(path));
      CHECK(imageio_y4m_writer_finish(&w, msg, sizeof msg) == 0); /* the complete one */
      CHECK(exists(path));
      unlink(path);
    }
    CHECK(w == NULL);
    CHECK(!exists(path));
    CHECK(entries(dir) == 1);       /* the spool directory alone */
    CHECK(entries(spool_dir) == 0);
  }
  /* PNG: stopped between rows, then aborted. */
  imageio_rgb_format rgb = {4, 4, 3, 8, 0};
  const uint8_t row[4 * 3 * 4] = {0};
  imageio_png_options po = {.stop = stop_countdown};
  stop_after = 2;
  imageio_png_writer *pw = NULL;
  CHECK(imageio_png_writer_open(&pw, path, &rgb, &po, msg, sizeof msg) == 0);
  CHECK(imageio_png_writer_rows(pw, row, 12, 4, msg, sizeof msg) != 0 && strcmp(msg, "stopped") == 0);
  CHECK(imageio_png_writer_finish(&pw, msg, sizeof msg) != 0);
  CHECK(pw == NULL && !exists(path));
  heic_image_free(&img);
}

int main(void) {
  const char *t = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/imageio-rows-XXXXXX", t && t[0] ? t : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(spool_dir, sizeof spool_dir, "%s/spool", dir);
  /* The writers' spool goes to TMPDIR: a directory of its own, so that
   * anything left there shows. */
  if (mkdir(spool_dir, 0700) != 0 || setenv("TMPDIR", spool_dir, 1) != 0) {
    perror(spool_dir);
    return 1;
  }
  static const uint32_t sizes[][2] = {{13, 7}, {16, 8}, {1, 1}, {3, 2}, {40, 33}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    const uint32_t w = sizes[i][0], h = sizes[i][1];
    for (uint32_t band = 2; band <= 6; band += 4) {
      for (int depth = 8; depth <= 12; depth += depth == 8 ? 1 : 3) {
        rgb_case(w, h, depth, 0, band);
        rgb_case(w, h, depth, 1, band);
        static const heic_chroma chromas[] = {HEIC_CHROMA_420, HEIC_CHROMA_422, HEIC_CHROMA_444,
                                              HEIC_CHROMA_400};
        for (int c = 0; c < 4; c++) y4m_case(w, h, chromas[c], depth, band);
      }
    }
  }
  premultiplied_case();
  failure_cases();
  CHECK(entries(spool_dir) == 0);
  rmdir(spool_dir);
  CHECK(entries(dir) == 0);
  rmdir(dir);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  puts("imageio row writers: all passed");
  return 0;
}
