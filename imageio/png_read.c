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

/* State shared with the libpng callbacks and the setjmp-protected body; it
 * lives in the caller's frame so that it survives a longjmp intact. */
typedef struct png_reader {
  png_structp png;
  png_infop info;
  FILE *fp;
  png_bytep *rows; /* row pointers into out->data (malloc'd) */
  imageio_png_image *out;
  char error[256];
} png_reader;

static void on_png_error(png_structp png, png_const_charp text) {
  png_reader *r = png_get_error_ptr(png);
  snprintf(r->error, sizeof r->error, "libpng: %s", text);
  png_longjmp(png, 1); /* an error handler must not return */
}

/* Readers of test output want the pixels, not libpng's opinions about
 * ancillary chunks. */
static void on_png_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
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

static int read_png_body(png_reader *r) {
  imageio_png_image *out = r->out;
  if (setjmp(png_jmpbuf(r->png))) return -1;

  png_init_io(r->png, r->fp);
  png_set_sig_bytes(r->png, 8);
  png_read_info(r->png, r->info);

  png_set_expand(r->png); /* palette -> RGB, grey < 8 -> 8, tRNS -> alpha */
  if (png_get_bit_depth(r->png, r->info) == 16 && host_is_little_endian())
    png_set_swap(r->png); /* PNG stores big-endian; callers want uint16_t */
  png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);

  out->width = png_get_image_width(r->png, r->info);
  out->height = png_get_image_height(r->png, r->info);
  out->channels = png_get_channels(r->png, r->info);
  out->bit_depth = png_get_bit_depth(r->png, r->info);
  if (out->channels < 1 || out->channels > 4 || (out->bit_depth != 8 && out->bit_depth != 16)) {
    snprintf(r->error, sizeof r->error, "unexpected PNG format after expansion");
    return -1;
  }
  out->stride = png_get_rowbytes(r->png, r->info);
  /* libpng limits width and height to 2^31 and its user limits; the product
   * is checked here because it is ours to allocate. */
  if (out->stride == 0 || (size_t)out->height > SIZE_MAX / out->stride) {
    snprintf(r->error, sizeof r->error, "PNG too large for memory");
    return -1;
  }
  out->data = malloc(out->stride * out->height);
  r->rows = calloc(out->height, sizeof(png_bytep)); /* calloc checks the product */
  if (!out->data || !r->rows) {
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
  }
  for (uint32_t y = 0; y < out->height; y++) r->rows[y] = out->data + (size_t)y * out->stride;
  png_read_image(r->png, r->rows);

  /* iCCP and eXIf may come after IDAT in principle; png_read_end collects
   * the trailing chunks into the same info struct. */
  png_read_end(r->png, r->info);
  png_charp name;
  int compression;
  png_bytep profile;
  png_uint_32 profile_len;
  if (png_get_iCCP(r->png, r->info, &name, &compression, &profile, &profile_len) == PNG_INFO_iCCP) {
    out->icc = copy_bytes(profile, profile_len);
    out->icc_size = profile_len;
  }
  png_bytep exif;
  png_uint_32 exif_len;
  if (png_get_eXIf_1(r->png, r->info, &exif_len, &exif) == PNG_INFO_eXIf) {
    out->exif = copy_bytes(exif, exif_len);
    out->exif_size = exif_len;
  }
  if ((out->icc_size && !out->icc) || (out->exif_size && !out->exif)) {
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
    snprintf(r.error, sizeof r.error, "cannot open %s: %s", path, strerror(errno));
    goto done;
  }
  /* Checking the signature first turns "not a PNG" into a plain message
   * rather than libpng's complaint about a bad IHDR. */
  png_byte sig[8];
  if (fread(sig, 1, 8, r.fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
    snprintf(r.error, sizeof r.error, "%s is not a PNG file", path);
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
