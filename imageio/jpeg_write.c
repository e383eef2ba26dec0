/*
 * libheic image I/O: write JPEG (libjpeg-turbo), a band of rows at a time
 * or from a whole decoded heic_image.
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

/* Everything the libjpeg callbacks and the setjmp-protected bodies touch
 * lives here, on the heap: it outlives each call, and locals of a function
 * that calls setjmp would be indeterminate after the longjmp unless
 * volatile. */
struct imageio_jpeg_writer {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  struct jpeg_destination_mgr dest;
  jmp_buf jmp;
  int created;          /* jpeg_create_compress succeeded */
  imageio_outfile *out;
  imageio_rgb_format fmt;
  imageio_stop_fn stop;
  void *stop_opaque;
  uint32_t rows_done;
  int failed;           /* a call failed: only abort is left */
  uint8_t *row;         /* one 8-bit RGB row (malloc'd) */
  char error[256];      /* what went wrong ("" while all is well) */
  char note[256];       /* first libjpeg warning */
  JOCTET buf[JPEG_DEST_BUFFER];
};

/* libjpeg reports fatal errors by calling error_exit, which must not
 * return; the message is kept and the body's setjmp gets control back. */
static void on_jpeg_error(j_common_ptr cinfo) {
  imageio_jpeg_writer *w = cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (!w->error[0]) snprintf(w->error, sizeof w->error, "libjpeg: %s", text);
  longjmp(w->jmp, 1);
}

/* Warnings are not printed by the library (its default writes to stderr
 * from whatever thread): the first one becomes the note. */
static void on_jpeg_message(j_common_ptr cinfo) {
  imageio_jpeg_writer *w = cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  if (!w->note[0]) snprintf(w->note, sizeof w->note, "libjpeg: %s", text);
}

/* Our own destination, writing through outfile: libjpeg's stdio one
 * would neither keep the file unseen until complete nor say why a write
 * failed. */
static void on_init_destination(j_compress_ptr cinfo) {
  imageio_jpeg_writer *w = cinfo->client_data;
  w->dest.next_output_byte = w->buf;
  w->dest.free_in_buffer = sizeof w->buf;
}

static boolean on_empty_output_buffer(j_compress_ptr cinfo) {
  imageio_jpeg_writer *w = cinfo->client_data;
  /* libjpeg calls this with the whole buffer full, whatever
   * free_in_buffer says. */
  if (imageio_outfile_write(w->out, w->buf, sizeof w->buf, w->error, sizeof w->error) != 0)
    longjmp(w->jmp, 1);
  w->dest.next_output_byte = w->buf;
  w->dest.free_in_buffer = sizeof w->buf;
  return TRUE;
}

static void on_term_destination(j_compress_ptr cinfo) {
  imageio_jpeg_writer *w = cinfo->client_data;
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

/* The identifiers that start an APP1 marker's data: Exif (Exif 2.3, 4.7.2)
 * and XMP (XMP specification part 3, 1.1.3), NULs included. */
static const uint8_t EXIF_ID[6] = {'E', 'x', 'i', 'f', 0, 0};
static const uint8_t XMP_ID[29] = "http://ns.adobe.com/xap/1.0/";
#define APP1_MAX 65533u /* a marker's data: 65535 less its length field */

/* An APP1 marker of id then data (their sizes checked at open). */
static void write_app1(j_compress_ptr c, const uint8_t *id, size_t id_size, const uint8_t *data,
                       size_t size) {
  jpeg_write_m_header(c, JPEG_APP0 + 1, (unsigned int)(id_size + size));
  for (size_t i = 0; i < id_size; i++) jpeg_write_m_byte(c, id[i]);
  for (size_t i = 0; i < size; i++) jpeg_write_m_byte(c, data[i]);
}

/* The libjpeg calls of open, under their own setjmp.  Returns 0 or -1. */
static int jpeg_start(imageio_jpeg_writer *w, int quality, const imageio_jpeg_options *o) {
  if (setjmp(w->jmp)) return -1;
  jpeg_create_compress(&w->cinfo);
  w->created = 1;
  w->cinfo.client_data = w;
  w->dest.init_destination = on_init_destination;
  w->dest.empty_output_buffer = on_empty_output_buffer;
  w->dest.term_destination = on_term_destination;
  w->cinfo.dest = &w->dest;
  w->cinfo.image_width = w->fmt.width;
  w->cinfo.image_height = w->fmt.height;
  w->cinfo.input_components = 3;
  w->cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&w->cinfo);
  jpeg_set_quality(&w->cinfo, quality, TRUE);
  /* Optimised Huffman tables: a few percent smaller, for keeping every
   * coefficient until finish (see jpeg_write.h). */
  w->cinfo.optimize_coding = TRUE;
  /* Exif wants its APP1 right after SOI, where JFIF's APP0 would go; a
   * file with Exif needs no JFIF header (readers take Exif's resolution). */
  if (o && o->exif && o->exif_size) w->cinfo.write_JFIF_header = FALSE;
  jpeg_start_compress(&w->cinfo, TRUE);
  if (o && o->exif && o->exif_size) write_app1(&w->cinfo, EXIF_ID, sizeof EXIF_ID, o->exif, o->exif_size);
  if (o && o->xmp && o->xmp_size) write_app1(&w->cinfo, XMP_ID, sizeof XMP_ID, o->xmp, o->xmp_size);
  if (o && o->icc && o->icc_size)
    jpeg_write_icc_profile(&w->cinfo, o->icc, (unsigned int)o->icc_size);
  return 0;
}

/* The libjpeg calls of rows, under their own setjmp.  Returns 0 or -1. */
static int jpeg_rows(imageio_jpeg_writer *w, const uint8_t *rows, size_t stride, uint32_t count) {
  if (setjmp(w->jmp)) return -1;
  const int needs_copy = w->fmt.bit_depth != 8 || w->fmt.components != 3 || w->fmt.premultiplied;
  for (uint32_t y = 0; y < count; y++) {
    if (w->stop && w->stop(w->stop_opaque)) {
      snprintf(w->error, sizeof w->error, "stopped");
      return -1;
    }
    const uint8_t *src = rows + (size_t)y * stride;
    JSAMPROW row = (JSAMPROW)(uintptr_t)src; /* libjpeg does not write to it */
    if (needs_copy) {
      convert_row(w->row, src, w->fmt.width, w->fmt.components, w->fmt.bit_depth,
                  w->fmt.premultiplied);
      row = w->row;
    }
    jpeg_write_scanlines(&w->cinfo, &row, 1);
    w->rows_done++;
  }
  return 0;
}

/* The libjpeg calls of finish, under their own setjmp.  Returns 0 or -1. */
static int jpeg_end(imageio_jpeg_writer *w) {
  if (setjmp(w->jmp)) return -1;
  jpeg_finish_compress(&w->cinfo);
  return 0;
}

static int fail(char *msg, size_t msg_size, const char *text) {
  if (msg && msg_size) snprintf(msg, msg_size, "%s", text);
  return -1;
}

int imageio_jpeg_writer_open(imageio_jpeg_writer **out, const char *path,
                             const imageio_rgb_format *fmt, const imageio_jpeg_options *opts,
                             char *msg, size_t msg_size) {
  *out = NULL;
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !fmt) return fail(msg, msg_size, "jpeg: no image or no file name");
  if (imageio_rgb_format_check(fmt, "jpeg", msg, msg_size) != 0) return -1;
  int quality = opts && opts->quality > 0 ? opts->quality : JPEG_DEFAULT_QUALITY;
  if (quality > 100) quality = 100;
  /* JPEG's own limit: 16 bits for each dimension. */
  if (fmt->width == 0 || fmt->height == 0 || fmt->width > 65500 || fmt->height > 65500)
    return fail(msg, msg_size, "jpeg: image size out of range for JPEG (at most 65500 x 65500)");
  if (opts && opts->icc && opts->icc_size > 65519u * 255u)
    return fail(msg, msg_size, "jpeg: ICC profile too large for JPEG");
  if (opts && opts->exif && opts->exif_size > APP1_MAX - sizeof EXIF_ID)
    return fail(msg, msg_size, "jpeg: Exif larger than one APP1 marker");
  if (opts && opts->xmp && opts->xmp_size > APP1_MAX - sizeof XMP_ID)
    return fail(msg, msg_size, "jpeg: XMP larger than one APP1 marker (extended XMP is not written)");

  imageio_jpeg_writer *w = calloc(1, sizeof *w);
  if (!w) return fail(msg, msg_size, "jpeg: out of memory");
  w->fmt = *fmt;
  w->fmt.premultiplied = fmt->components == 4 && fmt->premultiplied;
  if (opts) {
    w->stop = opts->stop;
    w->stop_opaque = opts->stop_opaque;
  }
  w->cinfo.err = jpeg_std_error(&w->jerr);
  w->jerr.error_exit = on_jpeg_error;
  w->jerr.output_message = on_jpeg_message;
  /* (client_data is set again once the struct is created, which clears
   * it; errors before then come from jpeg_create_compress itself) */
  w->cinfo.client_data = w;
  w->row = malloc((size_t)fmt->width * 3);
  if (!w->row) {
    snprintf(w->error, sizeof w->error, "jpeg: out of memory");
    goto failed;
  }
  if (imageio_outfile_open(&w->out, path, w->error, sizeof w->error) != 0) goto failed;
  if (jpeg_start(w, quality, opts) != 0) goto failed;
  *out = w;
  return 0;

failed:
  fail(msg, msg_size, w->error[0] ? w->error : "jpeg: write failed");
  imageio_jpeg_writer_abort(&w);
  return -1;
}

int imageio_jpeg_writer_rows(imageio_jpeg_writer *w, const uint8_t *rows, size_t stride,
                             uint32_t count, char *msg, size_t msg_size) {
  if (!w || w->failed) return fail(msg, msg_size, "jpeg: the writer has failed");
  if (imageio_rgb_band_check(&w->fmt, w->rows_done, rows, stride, count, "jpeg", msg, msg_size)) {
    w->failed = 1; /* the caller's rows no longer make the image */
    return -1;
  }
  if (jpeg_rows(w, rows, stride, count) != 0) {
    w->failed = 1;
    return fail(msg, msg_size, w->error[0] ? w->error : "jpeg: write failed");
  }
  return 0;
}

int imageio_jpeg_writer_finish(imageio_jpeg_writer **wp, char *msg, size_t msg_size) {
  imageio_jpeg_writer *w = *wp;
  if (!w || w->failed) {
    imageio_jpeg_writer_abort(wp);
    return fail(msg, msg_size, "jpeg: the writer has failed");
  }
  int rc = -1;
  if (w->rows_done != w->fmt.height) {
    snprintf(w->error, sizeof w->error, "jpeg: %u of %u rows written", (unsigned)w->rows_done,
             (unsigned)w->fmt.height);
  } else if (jpeg_end(w) == 0) {
    /* libjpeg is done with the output before it is committed. */
    jpeg_destroy_compress(&w->cinfo);
    w->created = 0;
    rc = imageio_outfile_commit(&w->out, w->error, sizeof w->error);
  }
  if (msg && msg_size) {
    if (rc != 0)
      snprintf(msg, msg_size, "%s", w->error[0] ? w->error : "jpeg: write failed");
    else if (w->fmt.components == 4)
      snprintf(msg, msg_size, "alpha not written (JPEG has no alpha)%s%s", w->note[0] ? "; " : "",
               w->note);
    else
      snprintf(msg, msg_size, "%s", w->note);
  }
  imageio_jpeg_writer_abort(wp); /* frees; the file is no longer its to drop */
  return rc;
}

void imageio_jpeg_writer_abort(imageio_jpeg_writer **wp) {
  if (!wp || !*wp) return;
  imageio_jpeg_writer *w = *wp;
  if (w->created) jpeg_destroy_compress(&w->cinfo);
  imageio_outfile_abort(&w->out); /* no-op after a successful commit */
  free(w->row);
  free(w);
  *wp = NULL;
}

int imageio_jpeg_write(const char *path, const heic_image *img, const imageio_jpeg_options *opts,
                       char *msg, size_t msg_size) {
  if (msg && msg_size) msg[0] = '\0';
  if (!path || !img) return fail(msg, msg_size, "jpeg: no image or no file name");
  imageio_rgb_format fmt;
  size_t stride;
  const uint8_t *pixels = imageio_rgb_image(img, &fmt, &stride, "jpeg", msg, msg_size);
  if (!pixels) return -1;
  imageio_jpeg_writer *w = NULL;
  if (imageio_jpeg_writer_open(&w, path, &fmt, opts, msg, msg_size) != 0) return -1;
  if (imageio_jpeg_writer_rows(w, pixels, stride, fmt.height, msg, msg_size) != 0) {
    imageio_jpeg_writer_abort(&w);
    return -1;
  }
  return imageio_jpeg_writer_finish(&w, msg, msg_size);
}
