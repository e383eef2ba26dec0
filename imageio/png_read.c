/*
 * libheic image I/O: read a PNG into memory (libpng).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "png_read.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exif.h"

/* State shared with the libpng callbacks and the setjmp-protected body; it
 * lives in the caller's frame so that it survives a longjmp intact.  Every
 * allocation is recorded here (or in *out) the moment it is made, so the
 * single cleanup in imageio_png_read frees it whichever way the body left. */
typedef struct png_reader {
  png_structp png;
  png_infop info;
  FILE *fp;
  png_bytep *rows; /* row pointers into out->data (malloc'd) */
  int in_pixels;   /* the headers are read: a truncation is damage, not failure */
  imageio_png_image *out;
  char error[256];
} png_reader;

static void on_png_error(png_structp png, png_const_charp text) {
  png_reader *r = png_get_error_ptr(png);
  snprintf(r->error, sizeof r->error, "libpng: %s", text);
  png_longjmp(png, 1); /* an error handler must not return */
}

/* Readers want the pixels, not libpng's opinions about ancillary chunks
 * (it warns, for instance, about sRGB profiles it knows to be slightly off,
 * which it then keeps anyway). */
static void on_png_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

/* Our own read callback: libpng's default one says only "Read Error",
 * where the user needs to know whether the file is cut short or the disk
 * failed. */
static void on_png_read(png_structp png, png_bytep data, size_t len) {
  png_reader *r = png_get_io_ptr(png);
  if (fread(data, 1, len, r->fp) == len) return;
  if (ferror(r->fp))
    snprintf(r->error, sizeof r->error, "read error: %s", strerror(errno));
  else if (r->in_pixels)
    snprintf(r->out->damage, sizeof r->out->damage, "the file is truncated (%s)",
             r->in_pixels == 1 ? "inside the image data" : "after the image data");
  else
    snprintf(r->error, sizeof r->error, "the file is truncated");
  png_longjmp(png, 1);
}

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  uint8_t first;
  memcpy(&first, &one, 1);
  return first == 1;
}

static void *copy_bytes(const void *src, size_t n) {
  void *d = malloc(n ? n : 1);
  if (d && n) memcpy(d, src, n);
  return d;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Decodes an ImageMagick-style raw profile: "\n<name>\n<spaces><length>\n"
 * followed by 2 * length hex digits broken into lines.  Returns 1 with a
 * malloc'd *data, 0 when the text is not such a profile (left out, as
 * damaged metadata is), -1 when out of memory. */
static int decode_raw_profile(const char *text, size_t len, uint8_t **data, size_t *size) {
  size_t i = 0;
  while (i < len && is_space(text[i])) i++;
  while (i < len && text[i] != '\n') i++; /* the profile's name */
  while (i < len && is_space(text[i])) i++;
  size_t n = 0;
  int digits = 0;
  for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
    /* A length beyond what the text could hold is a lie; stopping here
     * also keeps n from overflowing. */
    n = n * 10 + (size_t)(text[i] - '0');
    if (n > len / 2) return 0;
  }
  if (!digits || n == 0) return 0;
  uint8_t *d = malloc(n);
  if (!d) return -1;
  size_t got = 0;
  int high = -1;
  for (; i < len && got < n; i++) {
    if (is_space(text[i])) continue;
    int v = hex_value(text[i]);
    if (v < 0) break;
    if (high < 0) {
      high = v;
    } else {
      d[got++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  if (got != n) {
    free(d);
    return 0;
  }
  *data = d;
  *size = n;
  return 1;
}

/* Keeps exif (malloc'd, ownership passed in) as out's Exif if it is a TIFF
 * stream, with a JPEG "Exif\0\0" header removed; frees it otherwise. */
static int adopt_exif(imageio_png_image *out, uint8_t *exif, size_t size) {
  long start = imageio_exif_tiff_offset(exif, size);
  if (start < 0) {
    free(exif);
    return 0;
  }
  if (start > 0) memmove(exif, exif + start, size - (size_t)start);
  out->exif = exif;
  out->exif_size = size - (size_t)start;
  return 0;
}

/* Collects ICC, Exif and XMP from the chunks libpng kept.  No libpng call
 * here can longjmp.  Returns 0, or -1 when out of memory. */
static int collect_metadata(png_reader *r) {
  imageio_png_image *out = r->out;
  png_charp name;
  int compression;
  png_bytep profile;
  png_uint_32 profile_len;
  if (png_get_iCCP(r->png, r->info, &name, &compression, &profile, &profile_len) == PNG_INFO_iCCP &&
      profile_len) {
    out->icc = copy_bytes(profile, profile_len);
    if (!out->icc) return -1;
    out->icc_size = profile_len;
  }

  png_bytep exif;
  png_uint_32 exif_len;
  if (png_get_eXIf_1(r->png, r->info, &exif_len, &exif) == PNG_INFO_eXIf && exif_len) {
    uint8_t *copy = copy_bytes(exif, exif_len);
    if (!copy) return -1;
    adopt_exif(out, copy, exif_len);
  }

  png_textp text = NULL;
  int num_text = 0;
  png_get_text(r->png, r->info, &text, &num_text);
  for (int i = 0; i < num_text; i++) {
    const png_text *t = &text[i];
    if (!t->key || !t->text) continue;
    /* iTXt lengths live in itxt_length, tEXt/zTXt ones in text_length. */
    size_t len = t->compression >= PNG_ITXT_COMPRESSION_NONE ? t->itxt_length : t->text_length;
    if (!len) len = strlen(t->text);
    uint8_t *data = NULL;
    size_t size = 0;
    int got;
    if (strcmp(t->key, "XML:com.adobe.xmp") == 0 && !out->xmp && len) {
      out->xmp = copy_bytes(t->text, len);
      if (!out->xmp) return -1;
      out->xmp_size = len;
    } else if (strcmp(t->key, "Raw profile type xmp") == 0 && !out->xmp) {
      if ((got = decode_raw_profile(t->text, len, &data, &size)) < 0) return -1;
      if (got) {
        out->xmp = data;
        out->xmp_size = size;
      }
    } else if ((strcmp(t->key, "Raw profile type exif") == 0 ||
                strcmp(t->key, "Raw profile type APP1") == 0) && !out->exif) {
      /* "APP1" may hold XMP instead of Exif; adopt_exif tells them apart. */
      if ((got = decode_raw_profile(t->text, len, &data, &size)) < 0) return -1;
      if (got) adopt_exif(out, data, size);
    }
  }
  return 0;
}

static int read_png_body(png_reader *r) {
  imageio_png_image *out = r->out;
  /* A file cut short after its pixels began keeps what was read (zeroed
   * data beyond it), and its metadata from before the cut. */
  if (setjmp(png_jmpbuf(r->png))) {
    if (!out->damage[0]) return -1;
    if (collect_metadata(r) == 0) return 0;
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }

  png_set_read_fn(r->png, r, on_png_read);
  png_set_sig_bytes(r->png, 8);
  /* libpng's defaults bound what a hostile file can make it keep (1000
   * ancillary chunks, 8 MB each); real XMP packets are far below that. */
  png_read_info(r->png, r->info);

  png_set_expand(r->png); /* palette -> RGB, grey < 8 -> 8, tRNS -> alpha */
  if (png_get_bit_depth(r->png, r->info) == 16 && host_is_little_endian())
    png_set_swap(r->png); /* PNG stores big-endian; callers want uint16_t */
  int passes = png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);

  out->width = png_get_image_width(r->png, r->info);
  out->height = png_get_image_height(r->png, r->info);
  out->channels = png_get_channels(r->png, r->info);
  out->bit_depth = png_get_bit_depth(r->png, r->info);
  if (out->channels < 1 || out->channels > 4 || (out->bit_depth != 8 && out->bit_depth != 16)) {
    snprintf(r->error, sizeof r->error, "unexpected PNG format after expansion");
    return -1;
  }
  if ((uint64_t)out->width * out->height > IMAGEIO_MAX_PIXELS) {
    snprintf(r->error, sizeof r->error, "%ux%u is more pixels than the limit of %llu", out->width,
             out->height, (unsigned long long)IMAGEIO_MAX_PIXELS);
    return -1;
  }
  out->stride = png_get_rowbytes(r->png, r->info);
  /* libpng limits width and height to 2^31 and its user limits; the product
   * is checked here because it is ours to allocate. */
  if (out->stride == 0 || (size_t)out->height > SIZE_MAX / out->stride) {
    snprintf(r->error, sizeof r->error, "PNG too large for memory");
    return -1;
  }
  /* Zeroed: rows a truncated file never reaches are black, not garbage. */
  out->data = calloc(out->height, out->stride);
  r->rows = calloc(out->height, sizeof(png_bytep)); /* calloc checks the product */
  if (!out->data || !r->rows) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  for (uint32_t y = 0; y < out->height; y++) r->rows[y] = out->data + (size_t)y * out->stride;
  /* png_read_image(), a row at a time, so that a truncation keeps the
   * rows before it. */
  r->in_pixels = 1;
  for (int pass = 0; pass < passes; pass++)
    for (uint32_t y = 0; y < out->height; y++) png_read_row(r->png, r->rows[y], NULL);

  /* iCCP, eXIf and text may come after IDAT; png_read_end collects the
   * trailing chunks into the same info struct. */
  r->in_pixels = 2;
  png_read_end(r->png, r->info);
  if (collect_metadata(r) != 0) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  return 0;
}

void imageio_png_image_free(imageio_png_image *img) {
  if (!img) return;
  free(img->data);
  free(img->icc);
  free(img->exif);
  free(img->xmp);
  memset(img, 0, sizeof *img);
}

int imageio_png_read(const char *path, imageio_png_image *out, char *err, size_t err_size) {
  png_reader r;
  memset(&r, 0, sizeof r);
  memset(out, 0, sizeof *out);
  r.out = out;
  int rc = -1;

  r.fp = fopen(path, "rb");
  if (!r.fp) {
    snprintf(r.error, sizeof r.error, "cannot open: %s", strerror(errno));
    goto done;
  }
  /* Checking the signature first turns "not a PNG" into a plain message
   * rather than libpng's complaint about a bad IHDR. */
  png_byte sig[8];
  if (fread(sig, 1, 8, r.fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
    snprintf(r.error, sizeof r.error, "not a PNG file");
    goto done;
  }
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_png_error, on_png_warning);
  if (r.png) r.info = png_create_info_struct(r.png);
  if (!r.png || !r.info) {
    snprintf(r.error, sizeof r.error, "out of memory");
    goto done;
  }
  if (read_png_body(&r) == 0) rc = 0;

done:
  if (r.png) png_destroy_read_struct(&r.png, r.info ? &r.info : NULL, NULL);
  if (r.fp) fclose(r.fp);
  free(r.rows);
  if (rc != 0) {
    imageio_png_image_free(out);
    if (err && err_size) snprintf(err, err_size, "%s", r.error);
  } else if (err && err_size) {
    err[0] = '\0';
  }
  return rc;
}

/* ---- ICC profile check (a write struct, so libpng applies its write-side
 * rules; nothing is written anywhere) ---- */

typedef struct icc_probe {
  png_structp png;
  png_infop info;
  char why[200];
} icc_probe;

static void on_probe_error(png_structp png, png_const_charp text) {
  icc_probe *p = png_get_error_ptr(png);
  snprintf(p->why, sizeof p->why, "%s", text);
  png_longjmp(png, 1);
}

static void on_probe_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static int probe_icc(icc_probe *p, const uint8_t *icc, size_t size) {
  if (setjmp(png_jmpbuf(p->png))) return 1;
  /* The colour type decides which profile colour space is acceptable. */
  png_set_IHDR(p->png, p->info, 1, 1, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_iCCP(p->png, p->info, "icc", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)size);
  return 0;
}

int imageio_png_icc_rejected(const uint8_t *icc, size_t size, char *why, size_t why_size) {
  icc_probe p;
  memset(&p, 0, sizeof p);
  if (why && why_size) why[0] = '\0';
  if (size > 0xFFFFFFFFu) {
    if (why && why_size) snprintf(why, why_size, "profile too large for PNG");
    return 1;
  }
  p.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &p, on_probe_error, on_probe_warning);
  if (p.png) p.info = png_create_info_struct(p.png);
  int rc = -1;
  if (p.png && p.info) {
    rc = probe_icc(&p, icc, size);
    if (rc == 1 && why && why_size) snprintf(why, why_size, "libpng: %s", p.why);
  }
  if (p.png) png_destroy_write_struct(&p.png, p.info ? &p.info : NULL);
  return rc;
}

/* ---- row by row (imageio_png_rows_*) ---- */

struct imageio_png_rows {
  char *path;
  uint8_t *skim_row;      /* the first pass's one row (metadata after the pixels) */
  png_reader r;           /* its fp, png, info; r.out points at meta */
  imageio_png_image meta; /* metadata of the first open; no data */
  uint32_t next;          /* the next row libpng gives */
};

/* Walks the chunks of an open PNG (just past the signature) without
 * decoding them: 1 when the file can be read row by row as it is - not
 * interlaced (IHDR), complete up to IEND -, 2 when it can but has ICC,
 * Exif or text after the image data (libpng gives those only once the
 * rows are read: a first pass decodes the rows into one row's memory to
 * reach them), 0 when not, with *why (static) saying why (the caller
 * reads it whole, which says what is wrong with a damaged file), -1 on a
 * read error. */
static int png_streamable(FILE *fp, const char **why) {
  int seen_idat = 0, trailing = 0;
  *why = "cut short or damaged";
  for (;;) {
    unsigned char h[13];
    if (fread(h, 1, 8, fp) != 8) return ferror(fp) ? -1 : 0;
    uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    if (len > 0x7fffffffu) return 0;
    if (!memcmp(h + 4, "IHDR", 4)) {
      if (len != 13 || fread(h, 1, 13, fp) != 13) return 0;
      if (h[12] != 0) {
        *why = "interlaced: its rows come in seven passes";
        return 0;
      }
      len = 0; /* read */
    } else if (!memcmp(h + 4, "IDAT", 4)) {
      seen_idat = 1;
    } else if (!memcmp(h + 4, "IEND", 4)) {
      return seen_idat ? 1 + trailing : 0;
    } else if (seen_idat && (!memcmp(h + 4, "iCCP", 4) || !memcmp(h + 4, "eXIf", 4) ||
                             !memcmp(h + 4, "tEXt", 4) || !memcmp(h + 4, "zTXt", 4) ||
                             !memcmp(h + 4, "iTXt", 4))) {
      trailing = 1;
    }
    if (fseek(fp, (long)len + 4, SEEK_CUR) != 0) return ferror(fp) ? -1 : 0;
  }
}

/* Opens the file and reads up to the first row (setjmp-protected). */
static int rows_start(imageio_png_rows *pr) {
  png_reader *r = &pr->r;
  r->fp = fopen(pr->path, "rb");
  if (!r->fp) {
    snprintf(r->error, sizeof r->error, "cannot open: %s", strerror(errno));
    return -1;
  }
  png_byte sig[8];
  if (fread(sig, 1, 8, r->fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
    snprintf(r->error, sizeof r->error, "not a PNG file");
    return -1;
  }
  r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, on_png_error, on_png_warning);
  if (r->png) r->info = png_create_info_struct(r->png);
  if (!r->png || !r->info) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  if (setjmp(png_jmpbuf(r->png))) {
    if (!r->error[0]) snprintf(r->error, sizeof r->error, "%s", pr->meta.damage);
    return -1;
  }
  png_set_read_fn(r->png, r, on_png_read);
  png_set_sig_bytes(r->png, 8);
  png_read_info(r->png, r->info);
  png_set_expand(r->png);
  if (png_get_bit_depth(r->png, r->info) == 16 && host_is_little_endian()) png_set_swap(r->png);
  png_read_update_info(r->png, r->info);
  pr->next = 0;
  r->in_pixels = 1;
  return 0;
}

static void rows_stop(imageio_png_rows *pr) {
  png_reader *r = &pr->r;
  if (r->png) png_destroy_read_struct(&r->png, r->info ? &r->info : NULL, NULL);
  r->png = NULL;
  r->info = NULL;
  if (r->fp) fclose(r->fp);
  r->fp = NULL;
}

/* The first pass for metadata after the pixels: every row decoded into
 * one row's memory, then the chunks after them (setjmp-protected). */
static int rows_skim(imageio_png_rows *pr) {
  png_reader *r = &pr->r;
  if (setjmp(png_jmpbuf(r->png))) return -1;
  for (uint32_t y = 0; y < pr->meta.height; y++) png_read_row(r->png, pr->skim_row, NULL);
  r->in_pixels = 2;
  png_read_end(r->png, r->info);
  return 0;
}

void imageio_png_rows_close(imageio_png_rows **pr) {
  if (!pr || !*pr) return;
  rows_stop(*pr);
  free((*pr)->skim_row);
  imageio_png_image_free(&(*pr)->meta);
  free((*pr)->path);
  free(*pr);
  *pr = NULL;
}

int imageio_png_rows_open(const char *path, imageio_png_rows **out, imageio_png_image *info, char *err,
                          size_t err_size) {
  *out = NULL;
  memset(info, 0, sizeof *info);
  if (err && err_size) err[0] = '\0';
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    if (err && err_size) snprintf(err, err_size, "cannot open: %s", strerror(errno));
    return -1;
  }
  png_byte sig[8];
  const char *why = "not a PNG file";
  int ok = fread(sig, 1, 8, fp) == 8 && png_sig_cmp(sig, 0, 8) == 0 ? png_streamable(fp, &why) : 0;
  fclose(fp);
  if (ok < 0 && err && err_size) snprintf(err, err_size, "read error: %s", strerror(errno));
  if (ok == 0 && err && err_size) snprintf(err, err_size, "%s", why);
  if (ok <= 0) return ok < 0 ? -1 : 1; /* the whole read says what is wrong */
  imageio_png_rows *pr = calloc(1, sizeof *pr);
  if (pr) pr->path = copy_bytes(path, strlen(path) + 1);
  if (!pr || !pr->path) {
    free(pr);
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  pr->r.out = &pr->meta;
  int rc = rows_start(pr);
  imageio_png_image *m = &pr->meta;
  if (rc == 0) {
    m->width = png_get_image_width(pr->r.png, pr->r.info);
    m->height = png_get_image_height(pr->r.png, pr->r.info);
    m->channels = png_get_channels(pr->r.png, pr->r.info);
    m->bit_depth = png_get_bit_depth(pr->r.png, pr->r.info);
    m->stride = png_get_rowbytes(pr->r.png, pr->r.info);
    if (m->channels < 1 || m->channels > 4 || (m->bit_depth != 8 && m->bit_depth != 16)) {
      snprintf(pr->r.error, sizeof pr->r.error, "unexpected PNG format after expansion");
      rc = -1;
    } else if ((uint64_t)m->width * m->height > IMAGEIO_MAX_PIXELS) {
      snprintf(pr->r.error, sizeof pr->r.error, "%ux%u is more pixels than the limit of %llu", m->width,
               m->height, (unsigned long long)IMAGEIO_MAX_PIXELS);
      rc = -1;
    } else if (ok == 2 && !(pr->skim_row = malloc(m->stride))) {
      snprintf(pr->r.error, sizeof pr->r.error, "out of memory");
      rc = -1;
    } else if (ok == 2 && rows_skim(pr) != 0) {
      /* cut short or damaged: the whole read says how */
      if (err && err_size) snprintf(err, err_size, "cut short or damaged");
      imageio_png_rows_close(&pr);
      return 1;
    } else if (collect_metadata(&pr->r) != 0) {
      snprintf(pr->r.error, sizeof pr->r.error, "out of memory");
      rc = -1;
    }
    if (rc == 0 && ok == 2) {
      /* the metadata is in meta; back to the first row for the pixels */
      free(pr->skim_row);
      pr->skim_row = NULL;
      rows_stop(pr);
      rc = rows_start(pr);
    }
  }
  if (rc != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", pr->r.error);
    imageio_png_rows_close(&pr);
    return -1;
  }
  /* The caller gets its own copy of the metadata (info), the reader keeps
   * the geometry. */
  *info = *m;
  m->icc = m->exif = m->xmp = NULL;
  m->icc_size = m->exif_size = m->xmp_size = 0;
  *out = pr;
  return 0;
}

/* The rows themselves (setjmp-protected: a truncation or a corrupt
 * stream ends the read with its reason). */
static int rows_read(imageio_png_rows *pr, uint8_t *rows, size_t stride, uint32_t count) {
  png_reader *r = &pr->r;
  if (setjmp(png_jmpbuf(r->png))) {
    if (!r->error[0]) snprintf(r->error, sizeof r->error, "%s", pr->meta.damage);
    return -1;
  }
  for (uint32_t i = 0; i < count; i++) png_read_row(r->png, rows + (size_t)i * stride, NULL);
  pr->next += count;
  return 0;
}

int imageio_png_rows_read(imageio_png_rows *pr, uint8_t *rows, size_t stride, uint32_t count, char *err,
                          size_t err_size) {
  if (!pr->r.png || count > pr->meta.height - pr->next || stride < pr->meta.stride) {
    if (err && err_size) snprintf(err, err_size, "%s", pr->r.png ? "rows asked for out of order" : pr->r.error);
    return -1;
  }
  if (rows_read(pr, rows, stride, count) != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", pr->r.error);
    rows_stop(pr); /* libpng's state is undefined after a longjmp out of it */
    return -1;
  }
  return 0;
}

int imageio_png_rows_rewind(imageio_png_rows *pr, char *err, size_t err_size) {
  rows_stop(pr);
  pr->r.error[0] = '\0';
  pr->meta.damage[0] = '\0';
  if (rows_start(pr) != 0) {
    if (err && err_size) snprintf(err, err_size, "%s", pr->r.error);
    rows_stop(pr);
    return -1;
  }
  return 0;
}
