/*
 * Fuzz target: the tools' image readers (imageio/image_read.h: PNG, JPEG and
 * Y4M, recognised by content) on arbitrary bytes.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The readers take a path, so the input is written to a temporary file
 * that is created once, unlinked at once (nothing is left behind, not even
 * when libFuzzer stops the process on a crash) and reached again through
 * /proc/self/fd/N - a fresh open of that link gives the reader its own file
 * offset at 0.  Where /proc is missing the file keeps its name until exit.
 * Checked: no sanitizer report, every sample of the result is readable, and
 * imageio_image_free releases everything (LSan reports the rest).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "image_read.h"

static int g_fd = -1;
static char g_path[64];
static char g_named[4096]; /* the name to unlink at exit, when kept */

static void remove_named(void) {
  if (g_named[0]) unlink(g_named);
}

static void open_tmp(void) {
  const char *dir = getenv("TMPDIR");
  char templ[4096];
  snprintf(templ, sizeof(templ), "%s/heic-fuzz-imageio-XXXXXX", dir && *dir ? dir : "/tmp");
  g_fd = mkstemp(templ);
  fuzz_check(g_fd >= 0, "mkstemp %s: %s", templ, strerror(errno));
  snprintf(g_path, sizeof(g_path), "/proc/self/fd/%d", g_fd);
  if (access(g_path, R_OK) == 0) {
    unlink(templ);
  } else {
    snprintf(g_path, sizeof(g_path), "%s", "");
    snprintf(g_named, sizeof(g_named), "%s", templ);
    atexit(remove_named);
  }
}

static const char *input_path(void) { return g_path[0] ? g_path : g_named; }

static void write_input(const uint8_t *data, size_t size) {
  fuzz_check(ftruncate(g_fd, 0) == 0, "ftruncate: %s", strerror(errno));
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(g_fd, data + done, size - done, (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    fuzz_check(n > 0, "pwrite: %s", strerror(errno));
    done += (size_t)n;
  }
}

static void touch_result(const imageio_image *img) {
  fuzz_check(img->width > 0 && img->height > 0, "read a %ux%u image", img->width, img->height);
  if (img->format == IMAGEIO_FORMAT_Y4M) {
    fuzz_check(img->yuv.bit_depth == 8 || img->yuv.bit_depth == 10, "Y4M depth %d", img->yuv.bit_depth);
    for (int i = 0; i < 3; i++) {
      fuzz_check(img->yuv.planes[i] != NULL, "Y4M plane %d missing", i);
      fuzz_check(img->yuv.strides[i] >= img->yuv.plane_w[i], "Y4M plane %d stride", i);
      fuzz_touch((const uint8_t *)img->yuv.planes[i], img->yuv.strides[i] * 2,
                 (size_t)img->yuv.plane_w[i] * 2, img->yuv.plane_h[i]);
    }
  } else {
    fuzz_check(img->channels >= 1 && img->channels <= 4, "%d channels", img->channels);
    fuzz_check(img->bit_depth == 8 || img->bit_depth == 16, "depth %d", img->bit_depth);
    size_t row = (size_t)img->width * (size_t)img->channels * (size_t)(img->bit_depth / 8);
    fuzz_check(img->data != NULL && img->stride >= row, "stride %zu for rows of %zu", img->stride, row);
    fuzz_touch(img->data, img->stride, row, img->height);
  }
  fuzz_touch(img->icc, 0, img->icc_size, 1);
  fuzz_touch(img->exif, 0, img->exif_size, 1);
  fuzz_touch(img->xmp, 0, img->xmp_size, 1);
  fuzz_check(img->orientation >= 1 && img->orientation <= 8, "orientation %d", img->orientation);
  fuzz_check(memchr(img->warning, 0, sizeof(img->warning)) != NULL, "warning not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (g_fd < 0) open_tmp();
  write_input(data, size);

  imageio_image img;
  char err[256];
  memset(&img, 0xA5, sizeof(img)); /* the reader must zero *out itself, on failure too */
  err[0] = '\0';
  if (imageio_image_read(input_path(), &img, err, sizeof(err)) == 0) {
    touch_result(&img);
  } else {
    fuzz_check(memchr(err, 0, sizeof(err)) != NULL && err[0], "failure without a reason");
    fuzz_check(img.data == NULL && img.icc == NULL && img.exif == NULL && img.xmp == NULL &&
                   img.yuv.planes[0] == NULL,
               "failed read left *out set");
  }
  imageio_image_free(&img);
  imageio_image_free(&img); /* documented safe twice */

  /* The row reader (heic-enc's streaming input) on the same bytes: opened,
   * read to the end in bands, rewound and read again, or refused with a
   * reason; nothing it hands over is made up. */
  imageio_rows *rows = NULL;
  imageio_image info;
  memset(&info, 0xA5, sizeof(info));
  err[0] = '\0';
  int rc = imageio_image_rows_open(input_path(), &rows, &info, err, sizeof(err));
  if (rc == 0) {
    fuzz_check(rows != NULL && info.data == NULL && info.width > 0 && info.height > 0, "rows open");
    size_t row = (size_t)info.width * (size_t)info.channels * (size_t)(info.bit_depth / 8);
    enum { BAND = 16 };
    uint8_t *buf = malloc(row * BAND);
    fuzz_check(buf != NULL, "out of memory for a band of %zu-byte rows", row);
    for (int pass = 0; pass < 2; pass++) {
      if (pass && imageio_image_rows_rewind(rows, err, sizeof(err)) != 0) break;
      for (uint32_t y = 0; y < info.height;) {
        uint32_t n = info.height - y < BAND ? info.height - y : BAND;
        if (imageio_image_rows_read(rows, buf, row, n, err, sizeof(err)) != 0) {
          fuzz_check(err[0] != 0, "row read failed without a reason");
          break;
        }
        fuzz_touch(buf, row, row, n);
        y += n;
      }
    }
    free(buf);
  } else {
    fuzz_check(rows == NULL && err[0], "rows open %d without a reason", rc);
  }
  imageio_image_rows_close(&rows);
  imageio_image_free(&info);
  return 0;
}
