/*
 * Unit test: imageio's row readers (imageio_image_rows_*, PNG and JPEG)
 * give, band by band, exactly the samples and metadata imageio_image_read()
 * gives whole - over every PNG and JPEG given on the command line (the
 * corpus inputs and tests/data), in bands of 7 rows, then again after a
 * rewind half way; files they do not take (interlaced PNG, ...) are
 * counted; a copy cut inside the pixels fails its read with "truncated".
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_read.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

static int same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
  return na == nb && (!na || !memcmp(a, b, na));
}

/* 1: streamed and compared, 0: not streamable, -1: failed. */
static int check_file(const char *path) {
  imageio_image whole, info;
  char err[256];
  if (imageio_image_read(path, &whole, err, sizeof err) != 0) return 0;
  imageio_rows *r = NULL;
  int rc = imageio_image_rows_open(path, &r, &info, err, sizeof err);
  if (rc != 0) {
    CHECK(rc == 1 && !r);
    imageio_image_free(&whole);
    return 0;
  }
  int ok = info.width == whole.width && info.height == whole.height && info.channels == whole.channels &&
           info.bit_depth == whole.bit_depth && info.stride == whole.stride && !info.data &&
           info.orientation == whole.orientation && same_bytes(info.exif, info.exif_size, whole.exif, whole.exif_size) &&
           same_bytes(info.xmp, info.xmp_size, whole.xmp, whole.xmp_size) &&
           same_bytes(info.icc, info.icc_size, whole.icc, whole.icc_size);
  uint8_t *band = malloc(whole.stride * 7 + 1);
  for (int pass = 0; ok && pass < 2 && band; pass++) {
    uint32_t stop = pass ? whole.height : whole.height / 2;
    for (uint32_t y = 0; ok && y < stop; y += 7) {
      uint32_t n = stop - y < 7 ? stop - y : 7;
      if (imageio_image_rows_read(r, band, whole.stride, n, err, sizeof err) != 0) {
        fprintf(stderr, "%s: row %u: %s\n", path, y, err);
        ok = 0;
        break;
      }
      ok = !memcmp(band, whole.data + (size_t)y * whole.stride, (size_t)n * whole.stride);
    }
    if (ok && pass == 0) ok = imageio_image_rows_rewind(r, err, sizeof err) == 0;
  }
  free(band);
  if (!ok) fprintf(stderr, "%s: rows differ from the whole read\n", path);
  imageio_image_rows_close(&r);
  CHECK(!r);
  imageio_image_rows_close(&r); /* NULL is fine */
  imageio_image_free(&info);
  imageio_image_free(&whole);
  return ok ? 1 : -1;
}

/* A copy of path cut to 3/4 of its bytes must fail its row read with
 * "truncated" (or not be taken at all). */
static void check_cut(const char *path, const char *tmpdir) {
  FILE *in = fopen(path, "rb");
  if (!in) return;
  fseek(in, 0, SEEK_END);
  long size = ftell(in);
  rewind(in);
  char *buf = malloc((size_t)size);
  size_t got = buf ? fread(buf, 1, (size_t)size, in) : 0;
  fclose(in);
  char cut[4096];
  snprintf(cut, sizeof cut, "%s/cut-%d", tmpdir, (int)(size & 0xffff));
  FILE *out = fopen(cut, "wb");
  if (out) {
    fwrite(buf, 1, got * 3 / 4, out);
    fclose(out);
  }
  free(buf);
  imageio_image info;
  imageio_rows *r = NULL;
  char err[256];
  if (imageio_image_rows_open(cut, &r, &info, err, sizeof err) == 0) {
    uint8_t *band = malloc(info.stride * 16);
    int failed = 0;
    for (uint32_t y = 0; y < info.height && band; y += 16) {
      uint32_t n = info.height - y < 16 ? info.height - y : 16;
      if (imageio_image_rows_read(r, band, info.stride, n, err, sizeof err) != 0) {
        failed = 1;
        break;
      }
    }
    if (!failed || !strstr(err, "truncated")) {
      fprintf(stderr, "%s cut to 3/4: read %s (%s)\n", path, failed ? "failed" : "succeeded", err);
      failures++;
    }
    free(band);
    imageio_image_rows_close(&r);
    imageio_image_free(&info);
  }
  remove(cut);
}

int main(int argc, char **argv) {
  int streamed = 0, whole_only = 0;
  const char *tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  for (int i = 1; i < argc; i++) {
    int rc = check_file(argv[i]);
    if (rc < 0) failures++;
    if (rc > 0) streamed++;
    if (rc == 0) whole_only++;
    if (rc > 0) check_cut(argv[i], tmpdir);
  }
  printf("%d files read row by row as read whole, %d read whole only\n", streamed, whole_only);
  CHECK(argc < 2 || streamed > 0);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
