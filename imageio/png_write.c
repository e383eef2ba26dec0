/*
 * libheic image I/O: write PNG (libpng), a band of rows at a time or from
 * a whole decoded heic_image.
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

/* Everything the libpng callbacks and the setjmp-protected bodies touch
 * lives here, on the heap: it outlives each call, and locals of a function
 * that calls setjmp would be indeterminate after the longjmp unless
 * volatile. */
struct imageio_png_writer {
  png_structp png;
  png_infop info;
  imageio_outfile *out;
  imageio_rgb_format fmt;
  imageio_stop_fn stop;
  void *stop_opaque;
  uint32_t rows_done;
  int failed;         /* a call failed: only abort is left */
  uint8_t *row;       /* one converted output row (malloc'd) */
  char *xmp_text;     /* the XMP as a C string for libpng (malloc'd) */
  char error[256];    /* what went wrong ("" while all is well) */
  char note[256];     /* first libpng warning, shown to the user */
};

static void on_png_error(png_structp png, png_const_charp text) {
  imageio_png_writer *w = png_get_error_ptr(png);
  snprintf(w->error, sizeof w->error, "libpng: %s", text);
  /* libpng requires an error handler not to return. */
  png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp text) {
  imageio_png_writer *w = png_get_error_ptr(png);
  /* The first warning is the informative one (e.g. why an ICC profile was
   * refused); later ones are usually consequences. */
  if (!w->note[0]) snprintf(w->note, sizeof w->note, "libpng: %s", text);
}

/* Our own write callback: libpng's default one reports only "Write Error",
 * while the user needs to know the disk is full. */
static void on_png_write(png_structp png, png_bytep data, size_t len) {
  imageio_png_writer *w = png_get_io_ptr(png);
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

/* The libpng calls of open, under their own setjmp.  Returns 0 or -1. */
static int png_start(imageio_png_writer *w, const imageio_png_options *o) {
  if (setjmp(png_jmpbuf(w->png))) return -1;

  png_set_write_fn(w->png, w, on_png_write, on_png_flush);
  /* A malformed ICC profile is an "app error" in libpng, fatal by default;
   * as a warning the profile is left out and the image still written, which
   * is what a user converting a photo wants. */
  png_set_benign_errors(w->png, 1);
  /* libpng's default width/height limit (1e6) is a reading safeguard; when
   * writing, the decoder has already applied our own limits. */
  png_set_user_limits(w->png, 0x7fffffffu, 0x7fffffffu);
  png_set_IHDR(w->png, w->info, w->fmt.width, w->fmt.height, w->fmt.bit_depth == 8 ? 8 : 16,
               w->fmt.components == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
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
  if (o && o->xmp && o->xmp_size) {
    /* libpng takes text as a C string (it measures it with strlen): a
     * NUL-terminated copy, which it copies again.  The packet is XML, so a
     * NUL inside would end it anyway. */
    char *text = w->xmp_text = malloc(o->xmp_size + 1); /* freed with the writer */
    if (!text) png_error(w->png, "out of memory for the XMP packet");
    memcpy(text, o->xmp, o->xmp_size);
    text[o->xmp_size] = '\0';
    png_text t;
    memset(&t, 0, sizeof t);
    t.compression = PNG_ITXT_COMPRESSION_NONE;
    t.key = (png_charp) "XML:com.adobe.xmp";
    t.text = text;
    t.lang = (png_charp) "";
    t.lang_key = (png_charp) "";
    png_set_text(w->png, w->info, &t, 1);
  }
  png_write_info(w->png, w->info);
  return 0;
}

/* The libpng calls of rows, under their own setjmp.  Returns 0 or -1. */
static int png_rows(imageio_png_writer *w, const uint8_t *rows, size_t stride, uint32_t count) {
  if (setjmp(png_jmpbuf(w->png))) return -1;
  const int needs_copy = w->fmt.bit_depth != 8 || w->fmt.premultiplied;
  for (uint32_t y = 0; y < count; y++) {
    /* A large picture takes seconds to compress: a stop request (a signal,
     * a deadline) is honoured within a row. */
    if (w->stop && w->stop(w->stop_opaque)) {
      snprintf(w->error, sizeof w->error, "stopped");
      return -1;
    }
    const uint8_t *src = rows + (size_t)y * stride;
    if (needs_copy) {
      convert_row(w->row, src, w->fmt.width, w->fmt.components, w->fmt.bit_depth,
                  w->fmt.premultiplied);
      png_write_row(w->png, w->row);
    } else {
      /* libpng does not write to the row; the cast only satisfies its
       * prototype. */
      png_write_row(w->png, (png_bytep)(uintptr_t)src);
    }
    w->rows_done++;
  }
  return 0;
}

/* The libpng calls of finish, under their own setjmp.  Returns 0 or -1. */
static int png_end(imageio_png_writer *w) {
  if (setjmp(png_jmpbuf(w->png))) return -1;
  png_write_end(w->png, NULL);
  return 0;
}

static int fail(char *msg, size_t msg_size, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s", text);
  return -1;
}

int imageio_png_writer_open(imageio_png_writer **out, const char *path,
                            const imageio_rgb_format *fmt, const imageio_png_options *opts,
                            char *msg, size_t msg_size) {
  *out = NULL;
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !fmt) return fail(msg, msg_size, "png: no image or no file name");
  if (imageio_rgb_format_check(fmt, "png", msg, msg_size) != 0) return -1;
  /* PNG's own limit is 2^31-1 in each direction. */
  if (fmt->width == 0 || fmt->height == 0 || fmt->width > 0x7fffffffu || fmt->height > 0x7fffffffu)
    return fail(msg, msg_size, "png: image size out of range for PNG");
  if (opts && opts->icc && opts->icc_size > 0x7fffffffu)
    return fail(msg, msg_size, "png: ICC profile too large for PNG");
  if (opts && opts->exif && opts->exif_size) {
    static const uint8_t ii[4] = {'I', 'I', 42, 0}, mm[4] = {'M', 'M', 0, 42};
    if (opts->exif_size < 8 ||
        (memcmp(opts->exif, ii, 4) != 0 && memcmp(opts->exif, mm, 4) != 0))
      return fail(msg, msg_size, "png: Exif data does not start with a TIFF header");
    if (opts->exif_size > 0x7fffffffu) return fail(msg, msg_size, "png: Exif too large for PNG");
  }
  if (opts && opts->xmp && opts->xmp_size > 0x7fff0000u)
    return fail(msg, msg_size, "png: XMP too large for PNG");

  imageio_png_writer *w = calloc(1, sizeof *w);
  if (!w) return fail(msg, msg_size, "png: out of memory");
  w->fmt = *fmt;
  w->fmt.premultiplied = fmt->components == 4 && fmt->premultiplied;
  if (opts) {
    w->stop = opts->stop;
    w->stop_opaque = opts->stop_opaque;
  }
  /* An output row has the bytes of an input row (16-bit samples stay
   * 16-bit, only big-endian); width < 2^31, comps <= 4, 2 bytes: fits in
   * 64-bit size_t. */
  w->row = malloc(imageio_rgb_row_bytes(fmt));
  if (!w->row) {
    snprintf(w->error, sizeof w->error, "png: out of memory");
    goto failed;
  }
  if (imageio_outfile_open(&w->out, path, w->error, sizeof w->error) != 0) goto failed;
  w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, on_png_error, on_png_warning);
  if (w->png) w->info = png_create_info_struct(w->png);
  if (!w->png || !w->info) {
    snprintf(w->error, sizeof w->error, "png: out of memory");
    goto failed;
  }
  if (png_start(w, opts) != 0) goto failed;
  *out = w;
  return 0;

failed:
  fail(msg, msg_size, w->error);
  imageio_png_writer_abort(&w);
  return -1;
}

int imageio_png_writer_rows(imageio_png_writer *w, const uint8_t *rows, size_t stride,
                            uint32_t count, char *msg, size_t msg_size) {
  if (!w || w->failed) return fail(msg, msg_size, "png: the writer has failed");
  if (imageio_rgb_band_check(&w->fmt, w->rows_done, rows, stride, count, "png", msg, msg_size)) {
    w->failed = 1; /* the caller's rows no longer make the image */
    return -1;
  }
  if (png_rows(w, rows, stride, count) != 0) {
    w->failed = 1;
    return fail(msg, msg_size, w->error);
  }
  return 0;
}

int imageio_png_writer_finish(imageio_png_writer **wp, char *msg, size_t msg_size) {
  imageio_png_writer *w = *wp;
  if (!w || w->failed) {
    imageio_png_writer_abort(wp);
    return fail(msg, msg_size, "png: the writer has failed");
  }
  int rc = -1;
  if (w->rows_done != w->fmt.height) {
    snprintf(w->error, sizeof w->error, "png: %u of %u rows written", (unsigned)w->rows_done,
             (unsigned)w->fmt.height);
  } else if (png_end(w) == 0) {
    /* libpng is done with the output before it is committed. */
    png_destroy_write_struct(&w->png, &w->info);
    rc = imageio_outfile_commit(&w->out, w->error, sizeof w->error);
  }
  if (msg && msg_size) snprintf(msg, msg_size, "%s", rc == 0 ? w->note : w->error);
  imageio_png_writer_abort(wp); /* frees; the file is no longer its to drop */
  return rc;
}

void imageio_png_writer_abort(imageio_png_writer **wp) {
  if (!wp || !*wp) return;
  imageio_png_writer *w = *wp;
  if (w->png) png_destroy_write_struct(&w->png, &w->info);
  imageio_outfile_abort(&w->out); /* no-op after a successful commit */
  free(w->row);
  free(w->xmp_text);
  free(w);
  *wp = NULL;
}

int imageio_png_write(const char *path, const heic_image *img, const imageio_png_options *opts,
                      char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "png: no image or no file name");
  imageio_rgb_format fmt;
  size_t stride;
  const uint8_t *pixels = imageio_rgb_image(img, &fmt, &stride, "png", msg, msg_size);
  if (!pixels) return -1;
  imageio_png_writer *w = NULL;
  if (imageio_png_writer_open(&w, path, &fmt, opts, msg, msg_size) != 0) return -1;
  if (imageio_png_writer_rows(w, pixels, stride, fmt.height, msg, msg_size) != 0) {
    imageio_png_writer_abort(&w);
    return -1;
  }
  return imageio_png_writer_finish(&w, msg, msg_size);
}
