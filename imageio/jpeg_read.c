/*
 * libheic image I/O: read a JPEG into memory (libjpeg-turbo).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "jpeg_read.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h> /* after jpeglib.h, which it needs */

#include "png_read.h" /* IMAGEIO_MAX_PIXELS */

static const char exif_header[6] = {'E', 'x', 'i', 'f', 0, 0};
static const char xmp_header[29] = "http://ns.adobe.com/xap/1.0/"; /* with its NUL: 29 bytes */
static const char icc_header[12] = "ICC_PROFILE";                  /* likewise: 12 bytes */
/* Extended XMP (XMP spec part 3, 1.1.3.1): a packet too large for one
 * segment continues in APP1 segments with this header, then a 32-byte GUID,
 * the full length and an offset (4 bytes each). */
static const char xmp_ext_header[35] = "http://ns.adobe.com/xmp/extension/"; /* 35 with its NUL */
enum { XMP_EXT_PREFIX = 35 + 32 + 4 + 4 };
enum { ICC_CHUNK_HEADER = 14 }; /* "ICC_PROFILE\0", sequence number, chunk count */

/* libjpeg reports fatal errors by calling error_exit, which must not return.
 * Everything the body allocates is reachable from this struct, which lives
 * in the caller's frame: after the longjmp the one cleanup path in
 * imageio_jpeg_read releases it, whatever stage the decoder had reached.
 * (Locals of the function that called setjmp would be indeterminate.) */
typedef struct jpeg_reader {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  jmp_buf jmp;
  int created; /* jpeg_create_decompress was called: destroy it */
  int saw_eof; /* libjpeg hit the end of the file and made up an EOI */
  FILE *fp;
  uint8_t *cmyk_row; /* one CMYK scanline before conversion (malloc'd) */
  imageio_jpeg_image *out;
  char error[JMSG_LENGTH_MAX + 64];
} jpeg_reader;

static void on_jpeg_error(j_common_ptr cinfo) {
  jpeg_reader *r = cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  cinfo->err->format_message(cinfo, text);
  /* A file cut short inside its headers shows up as a consequence ("no
   * image", "bogus marker length") of the EOI libjpeg substituted; the
   * cause is what the user can act on. */
  if (r->saw_eof)
    snprintf(r->error, sizeof r->error, "the file is truncated (libjpeg: %s)", text);
  else
    snprintf(r->error, sizeof r->error, "libjpeg: %s", text);
  longjmp(r->jmp, 1);
}

/* Whether a libjpeg warning means pixels were lost: the scan data ends
 * early or cannot be decoded, and libjpeg made up what was missing (grey).
 * Others are harmless to the picture: stray bytes before a marker (common
 * in camera files), an unknown JFIF revision or Adobe transform, a bad ICC
 * marker (the profile is checked on its own). */
static int loses_pixels(int code) {
  return code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
         code == JWRN_ARITH_BAD_CODE || code == JWRN_MUST_RESYNC || code == JWRN_BOGUS_PROGRESSION;
}

/* level -1 is a warning about the data; higher levels are trace output,
 * which a reader has no use for.  Only the first warning is kept: a broken
 * stream tends to produce a cascade of them.  Damage is kept apart, with
 * truncation named as such even when a corrupt-data warning came first
 * (a cut scan often shows as "premature end of data segment" too). */
static void on_jpeg_message(j_common_ptr cinfo, int level) {
  jpeg_reader *r = cinfo->client_data;
  if (level >= 0) return;
  int code = cinfo->err->msg_code;
  char text[JMSG_LENGTH_MAX];
  cinfo->err->format_message(cinfo, text);
  if (code == JWRN_JPEG_EOF && !r->saw_eof) {
    r->saw_eof = 1;
    snprintf(r->out->damage, sizeof r->out->damage, "the file is truncated (libjpeg: %.150s)", text);
  } else if (loses_pixels(code) && !r->out->damage[0]) {
    snprintf(r->out->damage, sizeof r->out->damage, "corrupt data (libjpeg: %.150s)", text);
  }
  if (r->out->warning[0]) return;
  /* Precision keeps gcc from warning that a 200-byte message could be cut. */
  snprintf(r->out->warning, sizeof r->out->warning, "libjpeg: %.180s", text);
}

static void note(imageio_jpeg_image *out, const char *text) {
  if (!out->warning[0]) snprintf(out->warning, sizeof out->warning, "%s", text);
}

static int has_prefix(const jpeg_saved_marker_ptr m, const char *prefix, size_t n) {
  return m->data_length >= n && memcmp(m->data, prefix, n) == 0;
}

/* Joins the APP2 ICC chunks.  A profile is only usable whole, so any sign
 * that pieces are missing or repeated drops it (with a note) rather than
 * handing on a corrupt profile.  Returns 0, or -1 when out of memory. */
static int collect_icc(jpeg_reader *r) {
  imageio_jpeg_image *out = r->out;
  unsigned char seen[256] = {0};
  unsigned count = 0, chunks = 0;
  size_t total = 0;
  int bad = 0;
  for (jpeg_saved_marker_ptr m = r->cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 2 || !has_prefix(m, icc_header, sizeof icc_header)) continue;
    if (m->data_length < ICC_CHUNK_HEADER) {
      bad = 1;
      break;
    }
    unsigned seq = m->data[12], n = m->data[13];
    if (!chunks) chunks = n;
    if (n == 0 || n != chunks || seq == 0 || seq > n || seen[seq]) {
      bad = 1;
      break;
    }
    seen[seq] = 1;
    count++;
    total += m->data_length - ICC_CHUNK_HEADER;
  }
  if (!chunks) return 0;
  if (bad || count != chunks || total == 0) {
    note(out, "the ICC profile's APP2 chunks are incomplete or inconsistent; profile left out");
    return 0;
  }
  out->icc = malloc(total);
  if (!out->icc) return -1;
  size_t at = 0;
  for (unsigned seq = 1; seq <= chunks; seq++)
    for (jpeg_saved_marker_ptr m = r->cinfo.marker_list; m; m = m->next)
      if (m->marker == JPEG_APP0 + 2 && has_prefix(m, icc_header, sizeof icc_header) &&
          m->data[12] == seq) {
        memcpy(out->icc + at, m->data + ICC_CHUNK_HEADER, m->data_length - ICC_CHUNK_HEADER);
        at += m->data_length - ICC_CHUNK_HEADER;
        break;
      }
  out->icc_size = total;
  return 0;
}

static int copy_payload(jpeg_saved_marker_ptr m, size_t skip, uint8_t **data, size_t *size) {
  size_t n = m->data_length - skip;
  *data = malloc(n);
  if (!*data) return -1;
  memcpy(*data, m->data + skip, n);
  *size = n;
  return 0;
}

/* Exif, XMP and ICC from the saved APP1/APP2 markers; the first segment of
 * each kind wins, as in every reader we know.  Extended XMP is counted, not
 * kept (see jpeg_read.h).  Returns 0, or -1 when out of memory. */
static int collect_metadata(jpeg_reader *r) {
  imageio_jpeg_image *out = r->out;
  for (jpeg_saved_marker_ptr m = r->cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1) continue;
    if (!out->exif && has_prefix(m, exif_header, sizeof exif_header) &&
        m->data_length > sizeof exif_header) {
      if (copy_payload(m, sizeof exif_header, &out->exif, &out->exif_size) != 0) return -1;
    } else if (!out->xmp && has_prefix(m, xmp_header, sizeof xmp_header) &&
               m->data_length > sizeof xmp_header) {
      if (copy_payload(m, sizeof xmp_header, &out->xmp, &out->xmp_size) != 0) return -1;
    } else if (has_prefix(m, xmp_ext_header, sizeof xmp_ext_header)) {
      out->xmp_extended_segments++;
      if (m->data_length > XMP_EXT_PREFIX) out->xmp_extended_bytes += m->data_length - XMP_EXT_PREFIX;
    }
  }
  return collect_icc(r);
}

/* CMYK to RGB without a colour management system: good enough to see the
 * picture, not to reproduce print colours.  Photoshop (the Adobe marker)
 * stores CMYK inverted, which libjpeg passes through unchanged. */
static void cmyk_to_rgb(uint8_t *dst, const uint8_t *src, uint32_t width, int inverted) {
  for (uint32_t x = 0; x < width; x++) {
    unsigned c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
    if (!inverted) {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    dst[3 * x] = (uint8_t)((c * k + 127) / 255);
    dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
    dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
  }
}

/* Creates the decompressor on r->fp, keeps the Exif (APP1) and ICC (APP2)
 * markers, reads the header and checks the pixel limit; -1 with r->error
 * set when the picture is too big.  Called after the caller's setjmp: a
 * libjpeg error in here longjmps to that frame, which is still live.
 * jpeg_create_decompress keeps err and client_data while zeroing the rest,
 * so an allocation failure inside it already reaches on_jpeg_error.  It
 * counts as created from before the call: destroying a struct whose memory
 * manager never came up is a no-op, while one that failed halfway has pools
 * to release. */
static int read_header(jpeg_reader *r) {
  struct jpeg_decompress_struct *cinfo = &r->cinfo;
  cinfo->client_data = r;
  r->created = 1;
  jpeg_create_decompress(cinfo);
  jpeg_stdio_src(cinfo, r->fp);
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF);
  jpeg_read_header(cinfo, TRUE);
  if ((uint64_t)cinfo->image_width * cinfo->image_height > IMAGEIO_MAX_PIXELS) {
    snprintf(r->error, sizeof r->error, "%ux%u is more pixels than the limit of %llu",
             (unsigned)cinfo->image_width, (unsigned)cinfo->image_height,
             (unsigned long long)IMAGEIO_MAX_PIXELS);
    return -1;
  }
  return 0;
}

/* After read_header: the output colour space (grey stays grey, CMYK and
 * YCCK come as CMYK - *cmyk set - for the caller to convert, the rest as
 * RGB) and the metadata kept from the markers; -1 with r->error set. */
static int prepare_output(jpeg_reader *r, int *cmyk) {
  struct jpeg_decompress_struct *cinfo = &r->cinfo;
  *cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  if (cinfo->jpeg_color_space == JCS_GRAYSCALE)
    cinfo->out_color_space = JCS_GRAYSCALE;
  else if (*cmyk)
    cinfo->out_color_space = JCS_CMYK;
  else
    cinfo->out_color_space = JCS_RGB;
  if (collect_metadata(r) != 0) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  return 0;
}

static int read_jpeg_body(jpeg_reader *r) {
  imageio_jpeg_image *out = r->out;
  struct jpeg_decompress_struct *cinfo = &r->cinfo;
  cinfo->err = jpeg_std_error(&r->jerr);
  r->jerr.error_exit = on_jpeg_error;
  r->jerr.emit_message = on_jpeg_message;
  if (setjmp(r->jmp)) return -1;

  int cmyk;
  if (read_header(r) || prepare_output(r, &cmyk)) return -1;
  if (cmyk) {
    out->converted_from_cmyk = 1;
    /* The profile describes the CMYK samples, which are gone. */
    free(out->icc);
    out->icc = NULL;
    out->icc_size = 0;
  }

  jpeg_start_decompress(cinfo);
  out->width = cinfo->output_width;
  out->height = cinfo->output_height;
  out->channels = cmyk ? 3 : cinfo->output_components;
  if ((out->channels != 1 && out->channels != 3) || (cmyk && cinfo->output_components != 4)) {
    snprintf(r->error, sizeof r->error, "unexpected JPEG output format (%d components)",
             cinfo->output_components);
    return -1;
  }
  /* JPEG dimensions are at most 65500, so the row fits easily; the height
   * product is still checked, being ours to allocate. */
  out->stride = (size_t)out->width * (size_t)out->channels;
  if (out->stride == 0 || (size_t)out->height > SIZE_MAX / out->stride) {
    snprintf(r->error, sizeof r->error, "JPEG too large for memory");
    return -1;
  }
  out->data = malloc(out->stride * out->height);
  if (cmyk) r->cmyk_row = malloc((size_t)out->width * 4);
  if (!out->data || (cmyk && !r->cmyk_row)) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  while (cinfo->output_scanline < cinfo->output_height) {
    uint8_t *row = out->data + (size_t)cinfo->output_scanline * out->stride;
    JSAMPROW target = cmyk ? r->cmyk_row : row;
    if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
      /* Only a suspending data source returns 0 lines; stdio never does. */
      snprintf(r->error, sizeof r->error, "libjpeg returned no scanline");
      return -1;
    }
    if (cmyk) cmyk_to_rgb(row, r->cmyk_row, out->width, cinfo->saw_Adobe_marker);
  }
  jpeg_finish_decompress(cinfo);
  return 0;
}

void imageio_jpeg_image_free(imageio_jpeg_image *img) {
  if (!img) return;
  free(img->data);
  free(img->icc);
  free(img->exif);
  free(img->xmp);
  memset(img, 0, sizeof *img);
}

int imageio_jpeg_read(const char *path, imageio_jpeg_image *out, char *err, size_t err_size) {
  jpeg_reader r;
  memset(&r, 0, sizeof r);
  memset(out, 0, sizeof *out);
  r.out = out;
  int rc = -1;

  r.fp = fopen(path, "rb");
  if (!r.fp) {
    snprintf(r.error, sizeof r.error, "cannot open: %s", strerror(errno));
    goto done;
  }
  /* SOI and the first marker's 0xFF: a plain "not a JPEG" beats libjpeg's
   * "Not a JPEG file: starts with 0x89 0x50". */
  unsigned char magic[3];
  if (fread(magic, 1, 3, r.fp) != 3 || magic[0] != 0xFF || magic[1] != 0xD8 || magic[2] != 0xFF) {
    snprintf(r.error, sizeof r.error, "not a JPEG file");
    goto done;
  }
  rewind(r.fp);
  if (read_jpeg_body(&r) == 0) rc = 0;

done:
  if (r.created) jpeg_destroy_decompress(&r.cinfo);
  if (r.fp) fclose(r.fp);
  free(r.cmyk_row);
  if (rc != 0) {
    imageio_jpeg_image_free(out);
    if (err && err_size) snprintf(err, err_size, "%s", r.error);
  } else if (err && err_size) {
    err[0] = '\0';
  }
  return rc;
}

/* ---- row by row (imageio_jpeg_rows_*) ---- */

struct imageio_jpeg_rows {
  char *path;
  jpeg_reader r;           /* its cinfo, fp, cmyk_row; r.out points at meta */
  imageio_jpeg_image meta; /* geometry, damage and warnings; metadata handed out */
  int cmyk;
};

/* Opens the file and reads up to the first scanline (setjmp-protected;
 * the metadata goes to meta). */
static int jrows_start(imageio_jpeg_rows *jr) {
  jpeg_reader *r = &jr->r;
  imageio_jpeg_image *out = &jr->meta;
  r->fp = fopen(jr->path, "rb");
  if (!r->fp) {
    snprintf(r->error, sizeof r->error, "cannot open: %s", strerror(errno));
    return -1;
  }
  struct jpeg_decompress_struct *cinfo = &r->cinfo;
  cinfo->err = jpeg_std_error(&r->jerr);
  r->jerr.error_exit = on_jpeg_error;
  r->jerr.emit_message = on_jpeg_message;
  if (setjmp(r->jmp)) return -1;
  if (read_header(r) || prepare_output(r, &jr->cmyk)) return -1;
  if (jr->cmyk) {
    out->converted_from_cmyk = 1;
    free(out->icc);
    out->icc = NULL;
    out->icc_size = 0;
  }
  jpeg_start_decompress(cinfo);
  out->width = cinfo->output_width;
  out->height = cinfo->output_height;
  out->channels = jr->cmyk ? 3 : cinfo->output_components;
  if ((out->channels != 1 && out->channels != 3) || (jr->cmyk && cinfo->output_components != 4)) {
    snprintf(r->error, sizeof r->error, "unexpected JPEG output format (%d components)",
             cinfo->output_components);
    return -1;
  }
  out->stride = (size_t)out->width * (size_t)out->channels;
  if (jr->cmyk && !r->cmyk_row) r->cmyk_row = malloc((size_t)out->width * 4);
  if (jr->cmyk && !r->cmyk_row) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  return 0;
}

static void jrows_stop(imageio_jpeg_rows *jr) {
  jpeg_reader *r = &jr->r;
  if (r->created) jpeg_destroy_decompress(&r->cinfo);
  r->created = 0;
  if (r->fp) fclose(r->fp);
  r->fp = NULL;
  r->saw_eof = 0;
}

void imageio_jpeg_rows_close(imageio_jpeg_rows **jr) {
  if (!jr || !*jr) return;
  jrows_stop(*jr);
  free((*jr)->r.cmyk_row);
  imageio_jpeg_image_free(&(*jr)->meta);
  free((*jr)->path);
  free(*jr);
  *jr = NULL;
}

int imageio_jpeg_rows_open(const char *path, imageio_jpeg_rows **out, imageio_jpeg_image *info, char *err,
                           size_t err_size) {
  *out = NULL;
  memset(info, 0, sizeof *info);
  if (err && err_size) err[0] = '\0';
  imageio_jpeg_rows *jr = calloc(1, sizeof *jr);
  if (jr) jr->path = malloc(strlen(path) + 1);
  if (!jr || !jr->path) {
    free(jr);
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  memcpy(jr->path, path, strlen(path) + 1);
  jr->r.out = &jr->meta;
  if (jrows_start(jr) != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", jr->r.error);
    imageio_jpeg_rows_close(&jr);
    return -1;
  }
  if (jr->meta.damage[0]) {
    /* Damage found already (a progressive file is read whole when it
     * starts): the whole read says so as it always has. */
    if (err && err_size) snprintf(err, err_size, "damaged where it starts");
    imageio_jpeg_rows_close(&jr);
    return 1;
  }
  /* The caller gets the metadata; the reader keeps the geometry, and the
   * damage and warnings of what it reads next. */
  imageio_jpeg_image *m = &jr->meta;
  *info = *m;
  m->icc = m->exif = m->xmp = NULL;
  m->icc_size = m->exif_size = m->xmp_size = 0;
  *out = jr;
  return 0;
}

/* The scanlines (setjmp-protected).  Pixels lost to damage stop the read:
 * no row is made up. */
static int jrows_read(imageio_jpeg_rows *jr, uint8_t *rows, size_t stride, uint32_t count) {
  jpeg_reader *r = &jr->r;
  if (setjmp(r->jmp)) return -1;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t *row = rows + (size_t)i * stride;
    JSAMPROW target = jr->cmyk ? r->cmyk_row : row;
    if (jpeg_read_scanlines(&r->cinfo, &target, 1) != 1) {
      snprintf(r->error, sizeof r->error, "libjpeg returned no scanline");
      return -1;
    }
    if (jr->meta.damage[0]) {
      snprintf(r->error, sizeof r->error, "%s", jr->meta.damage);
      return -1;
    }
    if (jr->cmyk) cmyk_to_rgb(row, r->cmyk_row, jr->meta.width, r->cinfo.saw_Adobe_marker);
  }
  return 0;
}

int imageio_jpeg_rows_read(imageio_jpeg_rows *jr, uint8_t *rows, size_t stride, uint32_t count, char *err,
                           size_t err_size) {
  if (!jr->r.created || count > jr->meta.height - jr->r.cinfo.output_scanline || stride < jr->meta.stride) {
    if (err && err_size) snprintf(err, err_size, "%s", jr->r.created ? "rows asked for out of order" : jr->r.error);
    return -1;
  }
  if (jrows_read(jr, rows, stride, count) != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", jr->r.error);
    jrows_stop(jr); /* libjpeg's state is undefined after a longjmp out of it */
    return -1;
  }
  return 0;
}

int imageio_jpeg_rows_rewind(imageio_jpeg_rows *jr, char *err, size_t err_size) {
  jrows_stop(jr);
  jr->r.error[0] = '\0';
  jr->meta.damage[0] = '\0';
  int rc = jrows_start(jr);
  /* The metadata of the first open went to the caller; this copy goes. */
  free(jr->meta.icc);
  free(jr->meta.exif);
  free(jr->meta.xmp);
  jr->meta.icc = jr->meta.exif = jr->meta.xmp = NULL;
  jr->meta.icc_size = jr->meta.exif_size = jr->meta.xmp_size = 0;
  if (rc != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", jr->r.error);
    jrows_stop(jr);
    return -1;
  }
  return 0;
}
