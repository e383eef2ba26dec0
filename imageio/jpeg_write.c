/*
 * libheic image I/O: write a decoded heic_image as JPEG (libjpeg-turbo).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "jpeg_write.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "outfile.h"
#include "samples.h"

enum {
  JPEG_DEFAULT_QUALITY = 90,
  /* libjpeg hands over what it has coded in pieces of this size; outfile
   * buffers again, so it need not be large. */
  JPEG_DEST_BUFFER = 16 * 1024
};

/* Everything the libjpeg callbacks and the setjmp-protected body touch
 * lives here, in the caller's frame: locals of the function that calls
 * setjmp would be indeterminate after the longjmp unless volatile. */
typedef struct jpeg_writer {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  struct jpeg_destination_mgr dest;
  jmp_buf jmp;
  int created;          /* jpeg_create_compress succeeded */
  imageio_outfile *out;
  uint8_t *row;         /* one 8-bit RGB row (malloc'd) */
  char error[256];      /* what went wrong ("" while all is well) */
  char note[256];       /* first libjpeg warning */
  JOCTET buf[JPEG_DEST_BUFFER];
} jpeg_writer;

/* libjpeg reports fatal errors by calling error_exit, which must not
 * return; the message is kept and the body's setjmp gets control back. */
static void on_jpeg_error(j_common_ptr cinfo) {
  jpeg_writer *w = cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (!w->error[0]) snprintf(w->error, sizeof w->error, "libjpeg: %s", text);
  longjmp(w->jmp, 1);
}

/* Warnings are not printed by the library (its default writes to stderr
 * from whatever thread): the first one becomes the note. */
static void on_jpeg_message(j_common_ptr cinfo) {
  jpeg_writer *w = cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (!w->note[0]) snprintf(w->note, sizeof w->note, "libjpeg: %s", text);
}

/* Our own destination, writing through outfile: libjpeg's stdio one
 * would neither keep the file unseen until complete nor say why a write
 * failed. */
static void on_init_destination(j_compress_ptr cinfo) {
  jpeg_writer *w = cinfo->client_data;
  w->dest.next_output_byte = w->buf;
  w->dest.free_in_buffer = sizeof w->buf;
}

static boolean on_empty_output_buffer(j_compress_ptr cinfo) {
  jpeg_writer *w = cinfo->client_data;
  /* libjpeg calls this with the whole buffer full, whatever
   * free_in_buffer says. */
  if (imageio_outfile_write(w->out, w->buf, sizeof w->buf, w->error, sizeof w->error) != 0)
    longjmp(w->jmp, 1);
  w->dest.next_output_byte = w->buf;
  w->dest.free_in_buffer = sizeof w->buf;
  return TRUE;
}

static void on_term_destination(j_compress_ptr cinfo) {
  jpeg_writer *w = cinfo->client_data;
  size_t used = sizeof w->buf - w->dest.free_in_buffer;
  if (used && imageio_outfile_write(w->out, w->buf, used, w->error, sizeof w->error) != 0)
    longjmp(w->jmp, 1);
}

/* One source row to 8-bit RGB: straight colour from premultiplied, deeper
 * samples rounded to nearest (v * 255 / max), alpha dropped. */
static void convert_row(uint8_t *dst, const uint8_t *src, uint32_t width, int comps, int depth,
                        int premultiplied) {
  const uint32_t max = (1u << depth) - 1;
  for (uint32_t x = 0; x < width; x++) {
    size_t base = (size_t)x * (size_t)comps;
    uint32_t a = comps == 4 ? imageio_load_sample(src, base + 3, depth) : max;
    if (a > max) a = max;
    for (int c = 0; c < 3; c++) {
      uint32_t v = imageio_load_sample(src, base + (size_t)c, depth);
      if (v > max) v = max;
      if (premultiplied) v = imageio_unpremultiply(v, a, max);
      dst[(size_t)x * 3 + (size_t)c] = depth == 8 ? (uint8_t)v : (uint8_t)((v * 255u + max / 2) / max);
    }
  }
}

typedef struct jpeg_job {
  const uint8_t *pixels;
  size_t stride;
  uint32_t width, height;
  int comps, depth, premultiplied, quality;
  const imageio_jpeg_options *opts;
} jpeg_job;

/* All libjpeg calls happen here, under one setjmp.  Returns 0 or -1. */
static int write_jpeg_body(jpeg_writer *w, const jpeg_job *job) {
  if (setjmp(w->jmp)) return -1;
  jpeg_create_compress(&w->cinfo);
  w->created = 1;
  w->cinfo.client_data = w;
  w->dest.init_destination = on_init_destination;
  w->dest.empty_output_buffer = on_empty_output_buffer;
  w->dest.term_destination = on_term_destination;
  w->cinfo.dest = &w->dest;
  w->cinfo.image_width = job->width;
  w->cinfo.image_height = job->height;
  w->cinfo.input_components = 3;
  w->cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&w->cinfo);
  jpeg_set_quality(&w->cinfo, job->quality, TRUE);
  /* Optimised Huffman tables: a few percent smaller for one more pass
   * over coefficients already in memory. */
  w->cinfo.optimize_coding = TRUE;
  jpeg_start_compress(&w->cinfo, TRUE);
  const imageio_jpeg_options *o = job->opts;
  if (o && o->icc && o->icc_size)
    jpeg_write_icc_profile(&w->cinfo, o->icc, (unsigned int)o->icc_size);
  const int needs_copy = job->depth != 8 || job->comps != 3 || job->premultiplied;
  for (uint32_t y = 0; y < job->height; y++) {
    if (o && o->stop && o->stop(o->stop_opaque)) {
      snprintf(w->error, sizeof w->error, "stopped");
      return -1;
    }
    const uint8_t *src = job->pixels + (size_t)y * job->stride;
    JSAMPROW row = (JSAMPROW)(uintptr_t)src; /* libjpeg does not write to it */
    if (needs_copy) {
      convert_row(w->row, src, job->width, job->comps, job->depth, job->premultiplied);
      row = w->row;
    }
    jpeg_write_scanlines(&w->cinfo, &row, 1);
  }
  jpeg_finish_compress(&w->cinfo);
  return 0;
}

static int fail(char *msg, size_t msg_size, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s", text);
  return -1;
}

int imageio_jpeg_write(const char *path, const heic_image *img, const imageio_jpeg_options *opts,
                       char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "jpeg: no image or no file name");
  jpeg_job job = {.opts = opts};
  if (heic_image_layout(img) != HEIC_LAYOUT_RGB)
    return fail(msg, msg_size, "jpeg: the image is not in RGB layout");
  job.width = heic_image_width(img);
  job.height = heic_image_height(img);
  job.comps = heic_image_components(img);
  job.depth = heic_image_bit_depth(img);
  job.premultiplied = job.comps == 4 && heic_image_alpha_premultiplied(img);
  job.quality = opts && opts->quality > 0 ? opts->quality : JPEG_DEFAULT_QUALITY;
  if (job.quality > 100) job.quality = 100;
  if (job.comps != 3 && job.comps != 4)
    return fail(msg, msg_size, "jpeg: the image has neither 3 nor 4 components");
  if (job.depth < 8 || job.depth > 16)
    return fail(msg, msg_size, "jpeg: unsupported bit depth (8..16 expected)");
  /* JPEG's own limit: 16 bits for each dimension. */
  if (job.width == 0 || job.height == 0 || job.width > 65500 || job.height > 65500)
    return fail(msg, msg_size, "jpeg: image size out of range for JPEG (at most 65500 x 65500)");
  job.pixels = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &job.stride, NULL, NULL);
  const size_t row_bytes = (size_t)job.width * (size_t)job.comps * (job.depth == 8 ? 1u : 2u);
  if (!job.pixels || job.stride < row_bytes)
    return fail(msg, msg_size, "jpeg: the image has no pixel plane of the expected size");
  if (opts && opts->icc && opts->icc_size > 65519u * 255u)
    return fail(msg, msg_size, "jpeg: ICC profile too large for JPEG");

  jpeg_writer *w = calloc(1, sizeof *w);
  if (!w) return fail(msg, msg_size, "jpeg: out of memory");
  int rc = -1;
  w->cinfo.err = jpeg_std_error(&w->jerr);
  w->jerr.error_exit = on_jpeg_error;
  w->jerr.output_message = on_jpeg_message;
  /* (client_data is set again once the struct is created, which clears
   * it; errors before then come from jpeg_create_compress itself) */
  w->cinfo.client_data = w;
  w->row = malloc((size_t)job.width * 3);
  if (!w->row) {
    snprintf(w->error, sizeof w->error, "jpeg: out of memory");
    goto done;
  }
  if (imageio_outfile_open(&w->out, path, w->error, sizeof w->error) != 0) goto done;
  if (write_jpeg_body(w, &job) != 0) goto done;
  jpeg_destroy_compress(&w->cinfo);
  w->created = 0;
  if (imageio_outfile_commit(&w->out, w->error, sizeof w->error) != 0) goto done;
  rc = 0;

done:
  if (w->created) jpeg_destroy_compress(&w->cinfo);
  imageio_outfile_abort(&w->out); /* no-op after a successful commit */
  if (msg && msg_size) {
    if (rc != 0)
      snprintf(msg, msg_size, "%s", w->error[0] ? w->error : "jpeg: write failed");
    else if (job.comps == 4)
      snprintf(msg, msg_size, "alpha not written (JPEG has no alpha)%s%s", w->note[0] ? "; " : "", w->note);
    else
      snprintf(msg, msg_size, "%s", w->note);
  }
  free(w->row);
  free(w);
  return rc;
}
