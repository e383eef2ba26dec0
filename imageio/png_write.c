/*
 * libheic image I/O: write a decoded heic_image as PNG (libpng).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "png_write.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "samples.h"

/* Everything the libpng callbacks and the setjmp-protected body touch lives
 * here, in the caller's frame: locals of the function that calls setjmp
 * would be indeterminate after the longjmp unless volatile. */
typedef struct png_writer {
  png_structp png;
  png_infop info;
  imageio_outfile *out;
  uint8_t *row;       /* one converted output row (malloc'd) */
  char error[256];    /* what went wrong ("" while all is well) */
  char note[256];     /* first libpng warning, shown to the user */
} png_writer;

static void on_png_error(png_structp png, png_const_charp text) {
  png_writer *w = png_get_error_ptr(png);
  snprintf(w->error, sizeof w->error, "libpng: %s", text);
  /* libpng requires an error handler not to return. */
  png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp text) {
  png_writer *w = png_get_error_ptr(png);
  /* The first warning is the informative one (e.g. why an ICC profile was
   * refused); later ones are usually consequences. */
  if (!w->note[0]) snprintf(w->note, sizeof w->note, "libpng: %s", text);
}

/* Our own write callback: libpng's default one reports only "Write Error",
 * while the user needs to know the disk is full. */
static void on_png_write(png_structp png, png_bytep data, size_t len) {
  png_writer *w = png_get_io_ptr(png);
  if (imageio_outfile_write(w->out, data, len, w->error, sizeof w->error) != 0) png_longjmp(png, 1);
}

/* Flushing is left to imageio_outfile_commit, which checks the result. */
static void on_png_flush(png_structp png) { (void)png; }

/* Converts one source row into the output row: unpremultiplies if asked,
 * then widens to 16 bits big-endian (PNG's byte order) when depth > 8.
 * Bit replication (v << (16-d) | v >> (2d-16)) maps 0 to 0 and the
 * maximum to 65535, which a plain shift would not. */
static void convert_row(uint8_t *dst, const uint8_t *src, uint32_t width, int comps, int depth,
                        int premultiplied) {
  const uint32_t max = (1u << depth) - 1;
  for (uint32_t x = 0; x < width; x++) {
    size_t base = (size_t)x * (size_t)comps;
    uint32_t a = comps == 4 ? imageio_load_sample(src, base + 3, depth) : max;
    if (a > max) a = max;
    for (int c = 0; c < comps; c++) {
      uint32_t v = imageio_load_sample(src, base + (size_t)c, depth);
      if (v > max) v = max; /* out-of-range input must not spill into other bits */
      if (premultiplied && c < 3) v = imageio_unpremultiply(v, a, max);
      if (depth == 8) {
        dst[base + (size_t)c] = (uint8_t)v;
      } else {
        uint32_t w = ((v << (16 - depth)) | (v >> (2 * depth - 16))) & 0xFFFFu;
        dst[2 * (base + (size_t)c)] = (uint8_t)(w >> 8);
        dst[2 * (base + (size_t)c) + 1] = (uint8_t)w;
      }
    }
  }
}

typedef struct png_job {
  const uint8_t *pixels;
  size_t stride;
  uint32_t width, height;
  int comps, depth, premultiplied;
  const imageio_png_options *opts;
} png_job;

/* All libpng calls happen here, under one setjmp.  Returns 0 or -1. */
static int write_png_body(png_writer *w, const png_job *job) {
  if (setjmp(png_jmpbuf(w->png))) return -1;

  png_set_write_fn(w->png, w, on_png_write, on_png_flush);
  /* A malformed ICC profile is an "app error" in libpng, fatal by default;
   * as a warning the profile is left out and the image still written, which
   * is what a user converting a photo wants. */
  png_set_benign_errors(w->png, 1);
  /* libpng's default width/height limit (1e6) is a reading safeguard; when
   * writing, the decoder has already applied our own limits. */
  png_set_user_limits(w->png, 0x7fffffffu, 0x7fffffffu);
  png_set_IHDR(w->png, w->info, job->width, job->height, job->depth == 8 ? 8 : 16,
               job->comps == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  const imageio_png_options *o = job->opts;
  if (o && o->icc && o->icc_size) {
    /* libpng checks the profile and (see png_set_benign_errors above) drops
     * it with a warning when it is malformed or does not suit an RGB image;
     * that warning becomes the note the tool prints. */
    png_set_iCCP(w->png, w->info, "ICC Profile", PNG_COMPRESSION_TYPE_BASE, o->icc,
                 (png_uint_32)o->icc_size);
  }
  if (o && o->exif && o->exif_size) {
    /* libpng copies the data; the cast only satisfies its prototype. */
    png_set_eXIf_1(w->png, w->info, (png_uint_32)o->exif_size, (png_bytep)(uintptr_t)o->exif);
  }
  png_write_info(w->png, w->info);

  const int needs_copy = job->depth != 8 || job->premultiplied;
  for (uint32_t y = 0; y < job->height; y++) {
    /* A large picture takes seconds to compress: a stop request (a signal,
     * a deadline) is honoured within a row. */
    if (o && o->stop && o->stop(o->stop_opaque)) {
      snprintf(w->error, sizeof w->error, "stopped");
      return -1;
    }
    const uint8_t *src = job->pixels + (size_t)y * job->stride;
    if (needs_copy) {
      convert_row(w->row, src, job->width, job->comps, job->depth, job->premultiplied);
      png_write_row(w->png, w->row);
    } else {
      png_write_row(w->png, src);
    }
  }
  png_write_end(w->png, NULL);
  return 0;
}

static int fail(char *msg, size_t msg_size, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s", text);
  return -1;
}

int imageio_png_write(const char *path, const heic_image *img, const imageio_png_options *opts,
                      char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "png: no image or no file name");

  png_job job = {.opts = opts};
  if (heic_image_layout(img) != HEIC_LAYOUT_RGB)
    return fail(msg, msg_size, "png: the image is not in RGB layout");
  job.width = heic_image_width(img);
  job.height = heic_image_height(img);
  job.comps = heic_image_components(img);
  job.depth = heic_image_bit_depth(img);
  job.premultiplied = job.comps == 4 && heic_image_alpha_premultiplied(img);
  if (job.comps != 3 && job.comps != 4)
    return fail(msg, msg_size, "png: the image has neither 3 nor 4 components");
  if (job.depth < 8 || job.depth > 16)
    return fail(msg, msg_size, "png: unsupported bit depth (8..16 expected)");
  /* PNG's own limit is 2^31-1 in each direction. */
  if (job.width == 0 || job.height == 0 || job.width > 0x7fffffffu || job.height > 0x7fffffffu)
    return fail(msg, msg_size, "png: image size out of range for PNG");
  job.pixels = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &job.stride, NULL, NULL);
  const size_t bytes = job.depth == 8 ? 1 : 2;
  /* width < 2^31, comps <= 4, bytes <= 2: fits in 64-bit size_t. */
  const size_t row_bytes = (size_t)job.width * (size_t)job.comps * bytes;
  if (!job.pixels || job.stride < row_bytes)
    return fail(msg, msg_size, "png: the image has no pixel plane of the expected size");
  if (opts && opts->icc && opts->icc_size > 0x7fffffffu)
    return fail(msg, msg_size, "png: ICC profile too large for PNG");
  if (opts && opts->exif && opts->exif_size) {
    static const uint8_t ii[4] = {'I', 'I', 42, 0}, mm[4] = {'M', 'M', 0, 42};
    if (opts->exif_size < 8 ||
        (memcmp(opts->exif, ii, 4) != 0 && memcmp(opts->exif, mm, 4) != 0))
      return fail(msg, msg_size, "png: Exif data does not start with a TIFF header");
    if (opts->exif_size > 0x7fffffffu) return fail(msg, msg_size, "png: Exif too large for PNG");
  }

  png_writer w;
  memset(&w, 0, sizeof w);
  int rc = -1;
  w.row = malloc(row_bytes);
  if (!w.row) {
    snprintf(w.error, sizeof w.error, "png: out of memory");
    goto done;
  }
  if (imageio_outfile_open(&w.out, path, w.error, sizeof w.error) != 0) goto done;
  w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_png_error, on_png_warning);
  if (w.png) w.info = png_create_info_struct(w.png);
  if (!w.png || !w.info) {
    snprintf(w.error, sizeof w.error, "png: out of memory");
    goto done;
  }
  if (write_png_body(&w, &job) != 0) goto done;
  /* libpng is done with the output before it is committed. */
  png_destroy_write_struct(&w.png, &w.info);
  if (imageio_outfile_commit(&w.out, w.error, sizeof w.error) != 0) goto done;
  rc = 0;

done:
  if (w.png) png_destroy_write_struct(&w.png, &w.info);
  imageio_outfile_abort(&w.out); /* no-op after a successful commit */
  free(w.row);
  if (msg && msg_size) snprintf(msg, msg_size, "%s", rc == 0 ? w.note : w.error);
  return rc;
}
