/*
 * Tests of imageio's readers: PNG of every kind, JPEG with its metadata,
 * Exif orientation parsing and rewriting, and format sniffing.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 *   test_imageio [CORPUS_DIR]
 *
 * PNG and JPEG files are made here (libpng and libjpeg directly, and
 * imageio's own PNG writer) so that every expectation is known exactly.
 * With CORPUS_DIR (the shared corpus), its JPEG inputs are read as well;
 * without it those checks are skipped, not failed.  Exit 0 on success, 1 on
 * any failed check.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t without including them */

#include <heic/heic.h>
#include <heic/heic_encode.h>

#include "exif.h"
#include "image_read.h"
#include "jpeg_read.h"
#include "png_read.h"
#include "png_write.h"

static int failures;
static char tmpdir[64];

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                            \
    }                                                                        \
  } while (0)

/* CHECK that also says which case failed; returns from the caller on
 * failure when the rest of the case would only cascade. */
#define REQUIRE(cond, ...)                                                   \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);             \
      fprintf(stderr, __VA_ARGS__);                                          \
      fputc('\n', stderr);                                                   \
      failures++;                                                            \
      return;                                                                \
    }                                                                        \
  } while (0)

static void temp_path(char *buf, size_t size, const char *name) {
  snprintf(buf, size, "%s/%s", tmpdir, name);
}

static uint8_t *read_whole(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  uint8_t *buf = NULL;
  if (fseek(fp, 0, SEEK_END) == 0) {
    long n = ftell(fp);
    if (n >= 0 && fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
      if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        *size = (size_t)n;
      }
    }
  }
  fclose(fp);
  return buf;
}

static int write_whole(const char *path, const void *data, size_t size) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  int ok = fwrite(data, 1, size, fp) == size;
  return fclose(fp) == 0 && ok ? 0 : -1;
}

/* ---- crafted Exif ----------------------------------------------------- */

typedef struct tiff_entry {
  uint16_t tag, type;
  uint32_t count, value;
} tiff_entry;

static void put16(uint8_t *p, uint32_t v, int be) {
  p[be ? 0 : 1] = (uint8_t)(v >> 8);
  p[be ? 1 : 0] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v, int be) {
  for (int i = 0; i < 4; i++) p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* A TIFF stream with IFD0 at offset 8 holding the given entries.  SHORT
 * values are stored left-justified in the value field, as TIFF requires. */
static size_t make_tiff(uint8_t *buf, int be, const tiff_entry *e, int n) {
  memcpy(buf, be ? "MM\0*" : "II*\0", 4);
  put32(buf + 4, 8, be);
  put16(buf + 8, (uint32_t)n, be);
  uint8_t *p = buf + 10;
  for (int i = 0; i < n; i++, p += 12) {
    put16(p, e[i].tag, be);
    put16(p + 2, e[i].type, be);
    put32(p + 4, e[i].count, be);
    memset(p + 8, 0, 4);
    if (e[i].type == 3)
      put16(p + 8, e[i].value, be);
    else
      put32(p + 8, e[i].value, be);
  }
  put32(p, 0, be); /* no next IFD */
  return (size_t)(p + 4 - buf);
}

static void test_exif(void) {
  uint8_t buf[256], copy[256];
  for (int be = 0; be <= 1; be++) {
    for (uint32_t type = 3; type <= 4; type++) {
      tiff_entry e[] = {{0x010F, 2, 4, 0x6E6F6E00u}, /* Make */
                        {0x0110, 2, 4, 0x6E6F6E00u}, /* Model */
                        {0x0112, (uint16_t)type, 1, 6},
                        {0x011A, 5, 1, 200}};
      size_t n = make_tiff(buf, be, e, 4);
      CHECK(imageio_exif_tiff_offset(buf, n) == 0);
      CHECK(imageio_exif_orientation(buf, n) == 6);

      /* Every truncation: never a read past the end, and the tag is seen
       * exactly when its whole entry is inside the buffer. */
      size_t entry_end = 10 + 3 * 12;
      for (size_t cut = 0; cut < n; cut++) {
        uint8_t *t = malloc(cut ? cut : 1); /* exact size, so ASan sees overreads */
        memcpy(t, buf, cut);
        int o = imageio_exif_orientation(t, cut);
        CHECK(o == (cut >= entry_end ? 6 : 0));
        int r = imageio_exif_reset_orientation(t, cut);
        CHECK(cut >= entry_end ? r == 1 : r <= 0);
        free(t);
      }

      /* The rewrite touches the value and nothing else. */
      memcpy(copy, buf, n);
      CHECK(imageio_exif_reset_orientation(copy, n) == 1);
      CHECK(imageio_exif_orientation(copy, n) == 1);
      for (size_t i = 0; i < n; i++)
        if (i < 10 + 2 * 12 + 8 || i >= 10 + 2 * 12 + 12) CHECK(copy[i] == buf[i]);

      /* With the JPEG APP1 header in front. */
      uint8_t app1[270];
      memcpy(app1, "Exif\0\0", 6);
      memcpy(app1 + 6, buf, n);
      CHECK(imageio_exif_tiff_offset(app1, n + 6) == 6);
      CHECK(imageio_exif_orientation(app1, n + 6) == 6);
      CHECK(imageio_exif_reset_orientation(app1, n + 6) == 1);
      CHECK(imageio_exif_orientation(app1 + 6, n) == 1);
    }

    /* Out-of-range values mean "none"; a reset still makes them 1. */
    tiff_entry bad[] = {{0x0112, 3, 1, 9}};
    size_t n = make_tiff(buf, be, bad, 1);
    CHECK(imageio_exif_orientation(buf, n) == 0);
    CHECK(imageio_exif_reset_orientation(buf, n) == 1);
    CHECK(imageio_exif_orientation(buf, n) == 1);

    /* Wrong type or count: malformed, left untouched. */
    tiff_entry odd[] = {{0x0112, 3, 2, 6}};
    n = make_tiff(buf, be, odd, 1);
    memcpy(copy, buf, n);
    CHECK(imageio_exif_orientation(buf, n) == 0);
    CHECK(imageio_exif_reset_orientation(buf, n) == -1);
    CHECK(memcmp(copy, buf, n) == 0);

    /* No orientation tag at all. */
    tiff_entry none[] = {{0x010F, 2, 4, 0}};
    n = make_tiff(buf, be, none, 1);
    CHECK(imageio_exif_orientation(buf, n) == 0);
    CHECK(imageio_exif_reset_orientation(buf, n) == 0);

    /* IFD0 offsets outside the block, and an entry count far beyond it. */
    tiff_entry one[] = {{0x0112, 3, 1, 8}};
    n = make_tiff(buf, be, one, 1);
    CHECK(imageio_exif_orientation(buf, n) == 8);
    uint32_t offsets[] = {0, 7, (uint32_t)n - 1, (uint32_t)n, 0xFFFFFFFFu, 0x80000000u};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
      memcpy(copy, buf, n);
      put32(copy + 4, offsets[i], be);
      CHECK(imageio_exif_orientation(copy, n) == 0);
      CHECK(imageio_exif_reset_orientation(copy, n) == -1);
    }
    memcpy(copy, buf, n);
    put16(copy + 8, 0xFFFF, be);
    CHECK(imageio_exif_orientation(copy, n) == 8); /* the one entry that is there */
  }

  /* Not TIFF at all. */
  CHECK(imageio_exif_tiff_offset((const uint8_t *)"IM*\0\0\0\0\0", 8) == -1);
  CHECK(imageio_exif_tiff_offset((const uint8_t *)"Exif\0\0MM", 8) == -1);
  CHECK(imageio_exif_orientation(NULL, 0) == 0);
  CHECK(imageio_exif_reset_orientation(NULL, 0) == -1);

  /* XMP: attribute and element forms; other values and names left alone. */
  char xmp[] = "<rdf:Description tiff:Orientation=\"6\" tiff:OrientationX=\"3\" "
               "exif:Foo='5'/><tiff:Orientation> 7 </tiff:Orientation>"
               "<tiff:Orientation>8</tiff:Orientation><a tiff:Orientation = '3'/>";
  int k = imageio_xmp_reset_orientation((uint8_t *)xmp, strlen(xmp));
  CHECK(k == 3);
  CHECK(strstr(xmp, "tiff:Orientation=\"1\"") != NULL);
  CHECK(strstr(xmp, "tiff:OrientationX=\"3\"") != NULL);
  CHECK(strstr(xmp, "> 7 <") != NULL);
  CHECK(strstr(xmp, "<tiff:Orientation>1</tiff:Orientation>") != NULL);
  CHECK(strstr(xmp, "tiff:Orientation = '1'") != NULL);
  char cut[] = "tiff:Orientation=\"6";
  CHECK(imageio_xmp_reset_orientation((uint8_t *)cut, strlen(cut)) == 0);

  /* xmpNote:HasExtendedXMP, attribute and element, under any prefix, is
   * blanked with the length kept; mentions, longer names and a packet cut
   * short are left alone. */
  char ext[] = "<rdf:Description xmpNote:HasExtendedXMP=\"ABC\" dc:x='1'>"
               "<n:HasExtendedXMP>ABC</n:HasExtendedXMP><n:HasExtendedXMP2>k</n:HasExtendedXMP2>"
               "<m:HasExtendedXMP/>text :HasExtendedXMP</rdf:Description>";
  size_t ext_len = strlen(ext);
  CHECK(imageio_xmp_remove_extended_note((uint8_t *)ext, ext_len) == 3);
  CHECK(strlen(ext) == ext_len);
  CHECK(strstr(ext, "xmpNote:HasExtendedXMP") == NULL && strstr(ext, "ABC") == NULL);
  CHECK(strstr(ext, "<n:HasExtendedXMP>") == NULL && strstr(ext, "<m:HasExtendedXMP/>") == NULL);
  CHECK(strstr(ext, "dc:x='1'") != NULL);
  CHECK(strstr(ext, "<n:HasExtendedXMP2>k</n:HasExtendedXMP2>") != NULL);
  CHECK(strstr(ext, "text :HasExtendedXMP<") != NULL);
  char ext_cut[] = "<a xmpNote:HasExtendedXMP=\"AB";
  CHECK(imageio_xmp_remove_extended_note((uint8_t *)ext_cut, strlen(ext_cut)) == 0);
  char elem_cut[] = "<n:HasExtendedXMP>AB</n:HasExt";
  CHECK(imageio_xmp_remove_extended_note((uint8_t *)elem_cut, strlen(elem_cut)) == 0);
  CHECK(imageio_xmp_remove_extended_note(NULL, 0) == 0);
}

/* ---- PNG via libpng ---------------------------------------------------- */

typedef struct png_spec {
  uint32_t width, height;
  int color_type, bit_depth, interlace;
  /* Unpacked sample values, one uint16_t per sample (palette index for
   * palette images); packed into PNG rows by the writer. */
  const uint16_t *samples;
  const png_color *palette;
  int npalette;
  const png_byte *trans_alpha; /* palette tRNS */
  int ntrans;
  const png_color_16 *trans_color; /* grey / RGB tRNS */
  const uint8_t *icc;
  size_t icc_size;
  const uint8_t *exif;
  size_t exif_size;
  const char *xmp;              /* iTXt XML:com.adobe.xmp */
  const char *legacy_exif_text; /* zTXt "Raw profile type exif" */
  int metadata_after_idat;      /* put text and eXIf after the image data */
} png_spec;

typedef struct png_out {
  png_structp png;
  png_infop info;
  FILE *fp;
  uint8_t *row;
} png_out;

static void on_test_png_error(png_structp png, png_const_charp msg) {
  fprintf(stderr, "libpng (test writer): %s\n", msg);
  png_longjmp(png, 1);
}

static void on_test_png_warning(png_structp png, png_const_charp msg) {
  (void)png;
  fprintf(stderr, "libpng (test writer) warning: %s\n", msg);
}

static int png_spec_channels(const png_spec *s) {
  switch (s->color_type) {
  case PNG_COLOR_TYPE_GRAY: return 1;
  case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
  case PNG_COLOR_TYPE_RGB: return 3;
  case PNG_COLOR_TYPE_RGBA: return 4;
  default: return 1; /* palette: one index */
  }
}

static int write_png_body(png_out *o, const png_spec *s) {
  if (setjmp(png_jmpbuf(o->png))) return -1;
  png_init_io(o->png, o->fp);
  png_set_IHDR(o->png, o->info, s->width, s->height, s->bit_depth, s->color_type,
               s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (s->palette) png_set_PLTE(o->png, o->info, s->palette, s->npalette);
  if (s->trans_alpha || s->trans_color)
    png_set_tRNS(o->png, o->info, s->trans_alpha, s->ntrans, s->trans_color);
  if (s->icc) png_set_iCCP(o->png, o->info, "test", 0, s->icc, (png_uint_32)s->icc_size);
  png_text text[2];
  int ntext = 0;
  memset(text, 0, sizeof text);
  if (s->xmp) {
    text[ntext].compression = PNG_ITXT_COMPRESSION_NONE;
    text[ntext].key = (png_charp) "XML:com.adobe.xmp";
    text[ntext].text = (png_charp)s->xmp;
    text[ntext].itxt_length = strlen(s->xmp);
    ntext++;
  }
  if (s->legacy_exif_text) {
    text[ntext].compression = PNG_TEXT_COMPRESSION_zTXt;
    text[ntext].key = (png_charp) "Raw profile type exif";
    text[ntext].text = (png_charp)s->legacy_exif_text;
    text[ntext].text_length = strlen(s->legacy_exif_text);
    ntext++;
  }
  if (!s->metadata_after_idat) {
    if (ntext) png_set_text(o->png, o->info, text, ntext);
    if (s->exif) png_set_eXIf_1(o->png, o->info, (png_uint_32)s->exif_size, (png_bytep)s->exif);
  }
  png_write_info(o->png, o->info);

  int ch = png_spec_channels(s);
  int passes = png_set_interlace_handling(o->png);
  size_t rowbytes = ((size_t)s->width * ch * s->bit_depth + 7) / 8;
  for (int pass = 0; pass < passes; pass++) {
    for (uint32_t y = 0; y < s->height; y++) {
      /* Pack the row as PNG stores it: big-endian 16-bit, or several
       * samples per byte from the most significant bits down. */
      memset(o->row, 0, rowbytes);
      const uint16_t *src = s->samples + (size_t)y * s->width * ch;
      for (size_t i = 0; i < (size_t)s->width * ch; i++) {
        if (s->bit_depth == 16) {
          o->row[2 * i] = (uint8_t)(src[i] >> 8);
          o->row[2 * i + 1] = (uint8_t)src[i];
        } else if (s->bit_depth == 8) {
          o->row[i] = (uint8_t)src[i];
        } else {
          size_t bit = i * (size_t)s->bit_depth;
          o->row[bit / 8] |= (uint8_t)(src[i] << (8 - s->bit_depth - bit % 8));
        }
      }
      png_write_row(o->png, o->row);
    }
  }
  if (s->metadata_after_idat) {
    if (ntext) png_set_text(o->png, o->info, text, ntext);
    if (s->exif) png_set_eXIf_1(o->png, o->info, (png_uint_32)s->exif_size, (png_bytep)s->exif);
  }
  png_write_end(o->png, o->info);
  return 0;
}

static int write_png(const char *path, const png_spec *s) {
  png_out o;
  memset(&o, 0, sizeof o);
  int rc = -1;
  o.fp = fopen(path, "wb");
  o.row = malloc((size_t)s->width * 8 + 8);
  if (!o.fp || !o.row) goto done;
  o.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_test_png_error, on_test_png_warning);
  if (o.png) o.info = png_create_info_struct(o.png);
  if (!o.png || !o.info) goto done;
  rc = write_png_body(&o, s);
done:
  if (o.png) png_destroy_write_struct(&o.png, o.info ? &o.info : NULL);
  if (o.fp && fclose(o.fp) != 0) rc = -1;
  free(o.row);
  return rc;
}

/* A syntactically valid ICC profile: enough for libpng's header checks.
 * space is "RGB " or "GRAY".  Its one tag holds pseudo-random bytes because
 * libpng 1.6 drops an iCCP chunk ("too short") whose compressed profile fits
 * in the first 81 bytes it reads for the keyword; real profiles never do. */
static size_t make_icc(uint8_t *icc, size_t cap, const char *space) {
  const size_t text = 200, n = 132 + 12 + 8 + text;
  if (cap < n) return 0;
  memset(icc, 0, n);
  put32(icc, (uint32_t)n, 1);
  put32(icc + 8, 0x02100000u, 1); /* version 2.1 */
  memcpy(icc + 12, "mntr", 4);
  memcpy(icc + 16, space, 4);
  memcpy(icc + 20, "XYZ ", 4);
  memcpy(icc + 36, "acsp", 4);
  put32(icc + 68, 0x0000F6D6u, 1); /* D50 illuminant, as PNG insists */
  put32(icc + 72, 0x00010000u, 1);
  put32(icc + 76, 0x0000D32Du, 1);
  put32(icc + 128, 1, 1); /* tag count */
  memcpy(icc + 132, "cprt", 4);
  put32(icc + 136, 144, 1);
  put32(icc + 140, (uint32_t)(8 + text), 1);
  memcpy(icc + 144, "text", 4);
  uint32_t x = 0x12345678u;
  for (size_t i = 152; i < n; i++) {
    x = x * 1103515245u + 12345u;
    icc[i] = (uint8_t)(x >> 24);
  }
  return n;
}

static uint16_t sample_of(uint32_t x, uint32_t y, int c, int depth) {
  uint32_t v = x * 2654435761u ^ (y + 1) * 40503u ^ (uint32_t)(c + 1) * 977u;
  v ^= v >> 13;
  return (uint16_t)(v & ((1u << depth) - 1));
}

static uint16_t read_sample(const imageio_png_image *img, uint32_t x, uint32_t y, int c) {
  const uint8_t *row = img->data + (size_t)y * img->stride;
  size_t i = (size_t)x * img->channels + c;
  if (img->bit_depth == 8) return row[i];
  uint16_t v;
  memcpy(&v, row + 2 * i, 2);
  return v;
}

/* Low bit depths are widened by replication: 1 -> 255, 2 -> 85 * v. */
static uint16_t widen(uint16_t v, int depth) {
  return depth >= 8 ? v : (uint16_t)(v * (255 / ((1u << depth) - 1)));
}

static void test_png_kind(const char *label, png_spec *s) {
  char path[128];
  temp_path(path, sizeof path, "kind.png");
  int ch = png_spec_channels(s);
  size_t n = (size_t)s->width * s->height * ch;
  uint16_t *samples = malloc(n * sizeof *samples);
  REQUIRE(samples != NULL, "%s", label);
  int value_depth = s->color_type == PNG_COLOR_TYPE_PALETTE ? 0 : s->bit_depth;
  for (uint32_t y = 0; y < s->height; y++)
    for (uint32_t x = 0; x < s->width; x++)
      for (int c = 0; c < ch; c++)
        samples[((size_t)y * s->width + x) * ch + c] =
            value_depth ? sample_of(x, y, c, value_depth)
                        : (uint16_t)(sample_of(x, y, 0, 8) % (unsigned)s->npalette);
  s->samples = samples;
  int wrote = write_png(path, s);
  if (wrote != 0) free(samples);
  REQUIRE(wrote == 0, "%s: writing the test PNG", label);

  int want_alpha = s->trans_alpha || s->trans_color;
  int want_ch = s->color_type == PNG_COLOR_TYPE_PALETTE ? 3 + want_alpha : ch + want_alpha;
  int want_depth = s->bit_depth == 16 ? 16 : 8;

  imageio_png_image img;
  char err[256];
  int rc = imageio_png_read(path, &img, err, sizeof err);
  if (rc != 0) fprintf(stderr, "%s: %s\n", label, err);
  CHECK(rc == 0);
  if (rc == 0) {
    CHECK(img.width == s->width && img.height == s->height);
    CHECK(img.channels == want_ch);
    CHECK(img.bit_depth == want_depth);
    int bad = 0;
    for (uint32_t y = 0; y < s->height && img.channels == want_ch; y++) {
      for (uint32_t x = 0; x < s->width; x++) {
        const uint16_t *px = samples + ((size_t)y * s->width + x) * ch;
        uint16_t expect[4];
        if (s->color_type == PNG_COLOR_TYPE_PALETTE) {
          const png_color *pc = &s->palette[px[0]];
          expect[0] = pc->red;
          expect[1] = pc->green;
          expect[2] = pc->blue;
          expect[3] = px[0] < s->ntrans ? s->trans_alpha[px[0]] : 255;
        } else {
          for (int c = 0; c < ch; c++) expect[c] = widen(px[c], s->bit_depth);
          if (s->trans_color) {
            int match = ch == 1 ? px[0] == s->trans_color->gray
                                : px[0] == s->trans_color->red && px[1] == s->trans_color->green &&
                                      px[2] == s->trans_color->blue;
            expect[ch] = match ? 0 : (uint16_t)((1u << want_depth) - 1);
          }
        }
        for (int c = 0; c < want_ch; c++)
          if (read_sample(&img, x, y, c) != expect[c]) bad++;
      }
    }
    if (bad) fprintf(stderr, "%s: %d samples differ\n", label, bad);
    CHECK(bad == 0);
    CHECK((img.icc != NULL) == (s->icc != NULL));
    if (img.icc && s->icc) CHECK(img.icc_size == s->icc_size && !memcmp(img.icc, s->icc, s->icc_size));
    if (s->xmp) CHECK(img.xmp && img.xmp_size == strlen(s->xmp) && !memcmp(img.xmp, s->xmp, img.xmp_size));
    else CHECK(!img.xmp);
    imageio_png_image_free(&img);
    CHECK(img.data == NULL);
    imageio_png_image_free(&img); /* twice is safe */
  }

  /* The same file through the format-neutral reader. */
  imageio_image any;
  rc = imageio_image_read(path, &any, err, sizeof err);
  CHECK(rc == 0);
  if (rc == 0) {
    CHECK(any.format == IMAGEIO_FORMAT_PNG);
    CHECK(any.channels == want_ch && any.bit_depth == want_depth);
    CHECK(any.width == s->width);
    imageio_image_free(&any);
  }
  free(samples);
  s->samples = NULL;
  unlink(path);
}

static void test_png_kinds(void) {
  png_color palette[16];
  png_byte trans[3] = {0, 77, 200};
  for (int i = 0; i < 16; i++) palette[i] = (png_color){(png_byte)(i * 16), (png_byte)(255 - i * 9), (png_byte)(i * i)};
  png_color_16 grey_key = {.gray = 2};
  png_color_16 rgb_key = {.red = 5, .green = 7, .blue = 9};
  uint8_t grey_icc[512], rgb_icc[512];
  size_t grey_icc_size = make_icc(grey_icc, sizeof grey_icc, "GRAY");
  size_t rgb_icc_size = make_icc(rgb_icc, sizeof rgb_icc, "RGB ");
  uint8_t tiff[64];
  tiff_entry orient[] = {{0x0112, 3, 1, 3}};
  size_t tiff_size = make_tiff(tiff, 1, orient, 1);
  const char *xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta>";

  struct {
    const char *label;
    png_spec spec;
  } cases[] = {
      {"grey 8", {.width = 7, .height = 5, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 8,
                  .icc = grey_icc, .icc_size = grey_icc_size, .xmp = xmp}},
      {"grey+alpha 8", {.width = 9, .height = 4, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .bit_depth = 8}},
      {"grey 16", {.width = 3, .height = 6, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 16,
                   .exif = tiff, .exif_size = tiff_size}},
      {"grey+alpha 16", {.width = 5, .height = 5, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .bit_depth = 16}},
      {"grey 1", {.width = 13, .height = 3, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 1}},
      {"grey 2 tRNS", {.width = 11, .height = 4, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 2,
                       .trans_color = &grey_key}},
      {"grey 4", {.width = 5, .height = 2, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 4}},
      {"palette 4 tRNS", {.width = 9, .height = 7, .color_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 4,
                          .palette = palette, .npalette = 16, .trans_alpha = trans, .ntrans = 3}},
      {"palette 8", {.width = 6, .height = 6, .color_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 8,
                     .palette = palette, .npalette = 12}},
      {"palette 1", {.width = 10, .height = 3, .color_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 1,
                     .palette = palette, .npalette = 2}},
      {"RGB 8", {.width = 8, .height = 8, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8,
                 .icc = rgb_icc, .icc_size = rgb_icc_size, .exif = tiff, .exif_size = tiff_size,
                 .xmp = xmp, .metadata_after_idat = 1}},
      {"RGB 8 tRNS", {.width = 16, .height = 16, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8,
                      .trans_color = &rgb_key}},
      {"RGB 16 interlaced", {.width = 17, .height = 11, .color_type = PNG_COLOR_TYPE_RGB,
                             .bit_depth = 16, .interlace = 1}},
      {"RGBA 8 interlaced", {.width = 5, .height = 9, .color_type = PNG_COLOR_TYPE_RGBA,
                             .bit_depth = 8, .interlace = 1}},
      {"RGBA 16", {.width = 4, .height = 3, .color_type = PNG_COLOR_TYPE_RGBA, .bit_depth = 16}},
      {"1x1", {.width = 1, .height = 1, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_png_kind(cases[i].label, &cases[i].spec);

  /* Exif from eXIf (before and after IDAT) reaches the neutral reader with
   * its orientation. */
  char path[128], err[256];
  temp_path(path, sizeof path, "exif.png");
  uint16_t px[3 * 4] = {0};
  png_spec s = {.width = 2, .height = 2, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8,
                .samples = px, .exif = tiff, .exif_size = tiff_size};
  for (int after = 0; after <= 1; after++) {
    s.metadata_after_idat = after;
    CHECK(write_png(path, &s) == 0);
    imageio_image img;
    CHECK(imageio_image_read(path, &img, err, sizeof err) == 0);
    CHECK(img.exif && img.exif_size == tiff_size && !memcmp(img.exif, tiff, tiff_size));
    CHECK(img.orientation == 3);
    imageio_image_free(&img);
  }

  /* The ImageMagick text form: hex after a name and a length, and an Exif
   * header to drop. */
  char legacy[512];
  int at = snprintf(legacy, sizeof legacy, "\nexif\n%8zu\n", tiff_size + 6);
  const uint8_t head[6] = {'E', 'x', 'i', 'f', 0, 0};
  for (size_t i = 0; i < 6 + tiff_size; i++) {
    uint8_t b = i < 6 ? head[i] : tiff[i - 6];
    at += snprintf(legacy + at, sizeof legacy - (size_t)at, "%02x%s", b, i % 36 == 35 ? "\n" : "");
  }
  s.exif = NULL;
  s.exif_size = 0;
  s.legacy_exif_text = legacy;
  CHECK(write_png(path, &s) == 0);
  imageio_png_image png;
  CHECK(imageio_png_read(path, &png, err, sizeof err) == 0);
  CHECK(png.exif && png.exif_size == tiff_size && !memcmp(png.exif, tiff, tiff_size));
  imageio_png_image_free(&png);

  /* A lying length is ignored, not trusted. */
  snprintf(legacy, sizeof legacy, "\nexif\n   99999\n4d4d002a");
  CHECK(write_png(path, &s) == 0);
  CHECK(imageio_png_read(path, &png, err, sizeof err) == 0);
  CHECK(png.exif == NULL);
  imageio_png_image_free(&png);
  unlink(path);
}

/* imageio's own writer (heic_image in, PNG out) read back by the reader. */
/* A PNG cut short: before its pixels a failure; inside them the rows read
 * so far and damage saying so (interlaced too, whatever the passes left);
 * after them the whole picture, with damage. */
static void test_png_truncated(void) {
  /* Several IDAT chunks (libpng reads a whole one at a time), so that a
   * cut in the middle leaves rows decoded before it. */
  enum { W = 128, H = 96 };
  uint16_t *samples = malloc((size_t)W * H * 3 * sizeof *samples);
  REQUIRE(samples != NULL, "allocating test samples");
  uint32_t seed = 12345;
  for (size_t i = 0; i < (size_t)W * H * 3; i++) {
    seed = seed * 1103515245u + 12345u; /* noise: the data must not compress away */
    samples[i] = (uint16_t)(seed >> 24);
  }
  for (int interlace = 0; interlace <= 1; interlace++) {
    char path[128], cut_path[128], err[256];
    temp_path(path, sizeof path, "whole.png");
    temp_path(cut_path, sizeof cut_path, "cut.png");
    png_spec spec = {.width = W, .height = H, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8,
                     .interlace = interlace, .samples = samples};
    REQUIRE(write_png(path, &spec) == 0, "writing the test PNG");
    size_t size = 0;
    uint8_t *whole = read_whole(path, &size);
    REQUIRE(whole != NULL && size > 4000, "reading back the test PNG");
    size_t cuts[] = {30, size / 2, size - 12};
    for (size_t k = 0; k < 3; k++) {
      CHECK(write_whole(cut_path, whole, cuts[k]) == 0);
      imageio_png_image img;
      int rc = imageio_png_read(cut_path, &img, err, sizeof err);
      if (k == 0) {
        CHECK(rc == -1 && strstr(err, "truncated") != NULL && img.data == NULL);
      } else {
        CHECK(rc == 0);
        CHECK(strstr(img.damage, k == 1 ? "inside the image data" : "after the image data") != NULL);
        if (rc == 0 && (k == 2 || !interlace)) {
          /* The first row (all of them when only IEND is missing) as written. */
          int bad = 0;
          for (uint32_t y = 0; y < (k == 2 ? (uint32_t)H : 1u); y++)
            for (uint32_t x = 0; x < W; x++)
              for (int c = 0; c < 3; c++)
                if (read_sample(&img, x, y, c) != samples[((size_t)y * W + x) * 3 + (size_t)c]) bad++;
          if (bad) fprintf(stderr, "truncated PNG (interlace %d, cut %zu of %zu): %d samples differ\n", interlace,
                           cuts[k], size, bad);
          CHECK(bad == 0);
        }
      }
      imageio_png_image_free(&img);
    }
    free(whole);
    unlink(path);
    unlink(cut_path);
  }
  free(samples);
}

static void test_png_writer_round_trip(void) {
  char path[128], msg[256];
  temp_path(path, sizeof path, "rt.png");
  uint8_t icc[512];
  size_t icc_size = make_icc(icc, sizeof icc, "RGB ");
  uint8_t tiff[64];
  tiff_entry orient[] = {{0x0112, 3, 1, 6}};
  size_t tiff_size = make_tiff(tiff, 0, orient, 1);

  for (int depth = 8; depth <= 10; depth += 2) {
    for (int alpha = 0; alpha <= 1; alpha++) {
      const uint32_t w = 13, h = 7;
      heic_image *img = NULL;
      heic_status st = heic_image_new(&img, NULL, w, h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, depth, alpha);
      REQUIRE(st == HEIC_OK, "heic_image_new: %s", heic_status_string(st));
      size_t stride;
      uint8_t *plane = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
      int comps = alpha ? 4 : 3;
      for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
          for (int c = 0; c < comps; c++) {
            uint16_t v = sample_of(x, y, c, depth);
            if (c == 3) v = (uint16_t)((1u << depth) - 1); /* opaque: no premultiply question */
            if (depth == 8)
              plane[y * stride + (size_t)x * comps + c] = (uint8_t)v;
            else
              memcpy(plane + y * stride + ((size_t)x * comps + c) * 2, &v, 2);
          }
      imageio_png_options opts = {.icc = icc, .icc_size = icc_size, .exif = tiff, .exif_size = tiff_size};
      int wrc = imageio_png_write(path, img, &opts, msg, sizeof msg);
      if (wrc) fprintf(stderr, "png_write: %s\n", msg);
      CHECK(wrc == 0);

      imageio_image back;
      int rrc = imageio_image_read(path, &back, msg, sizeof msg);
      CHECK(rrc == 0);
      if (rrc == 0) {
        CHECK(back.channels == comps && back.bit_depth == (depth == 8 ? 8 : 16));
        int bad = 0;
        for (uint32_t y = 0; y < h; y++)
          for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < comps; c++) {
              size_t i = (size_t)x * comps + c;
              uint16_t want, got;
              if (depth == 8) {
                want = plane[y * stride + i];
                got = back.data[y * back.stride + i];
              } else {
                uint16_t v;
                memcpy(&v, plane + y * stride + 2 * i, 2);
                want = (uint16_t)(v << 6 | v >> 4); /* the writer's bit replication */
                memcpy(&got, back.data + y * back.stride + 2 * i, 2);
              }
              if (want != got) bad++;
            }
        CHECK(bad == 0);
        CHECK(back.icc && back.icc_size == icc_size && !memcmp(back.icc, icc, icc_size));
        CHECK(back.exif && back.exif_size == tiff_size && !memcmp(back.exif, tiff, tiff_size));
        CHECK(back.orientation == 6);
        imageio_image_free(&back);
      }
      heic_image_free(&img);
    }
  }
  unlink(path);
}

/* ---- JPEG ---------------------------------------------------------------- */

typedef struct jpeg_out {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  jmp_buf jmp;
  int created;
  FILE *fp;
  uint8_t *row;
} jpeg_out;

static void on_test_jpeg_error(j_common_ptr cinfo) {
  jpeg_out *o = cinfo->client_data;
  (*cinfo->err->output_message)(cinfo);
  longjmp(o->jmp, 1);
}

typedef struct jpeg_marker_spec {
  int marker;
  const uint8_t *data;
  size_t size;
} jpeg_marker_spec;

static int write_jpeg_body(jpeg_out *o, uint32_t w, uint32_t h, int grey, const jpeg_marker_spec *m,
                           int nm) {
  o->cinfo.err = jpeg_std_error(&o->jerr);
  o->jerr.error_exit = on_test_jpeg_error;
  o->cinfo.client_data = o;
  if (setjmp(o->jmp)) return -1;
  o->created = 1;
  jpeg_create_compress(&o->cinfo);
  jpeg_stdio_dest(&o->cinfo, o->fp);
  o->cinfo.image_width = w;
  o->cinfo.image_height = h;
  o->cinfo.input_components = grey ? 1 : 3;
  o->cinfo.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&o->cinfo);
  jpeg_set_quality(&o->cinfo, 98, TRUE);
  jpeg_start_compress(&o->cinfo, TRUE);
  for (int i = 0; i < nm; i++) jpeg_write_marker(&o->cinfo, m[i].marker, m[i].data, (unsigned)m[i].size);
  int comps = grey ? 1 : 3;
  while (o->cinfo.next_scanline < h) {
    /* Flat colour: what comes back must be within a step or two. */
    for (uint32_t x = 0; x < w; x++)
      for (int c = 0; c < comps; c++) o->row[(size_t)x * comps + c] = (uint8_t)(60 + 50 * c);
    JSAMPROW r = o->row;
    jpeg_write_scanlines(&o->cinfo, &r, 1);
  }
  jpeg_finish_compress(&o->cinfo);
  return 0;
}

static int write_jpeg(const char *path, uint32_t w, uint32_t h, int grey, const jpeg_marker_spec *m,
                      int nm) {
  jpeg_out o;
  memset(&o, 0, sizeof o);
  int rc = -1;
  o.fp = fopen(path, "wb");
  o.row = malloc((size_t)w * 3);
  if (o.fp && o.row) rc = write_jpeg_body(&o, w, h, grey, m, nm);
  if (o.created) jpeg_destroy_compress(&o.cinfo);
  if (o.fp && fclose(o.fp) != 0) rc = -1;
  free(o.row);
  return rc;
}

static void test_jpeg_made(void) {
  char path[128], err[256];
  temp_path(path, sizeof path, "made.jpg");

  uint8_t tiff[64];
  tiff_entry orient[] = {{0x0112, 3, 1, 8}};
  size_t tiff_size = make_tiff(tiff, 1, orient, 1);
  uint8_t exif_seg[80];
  memcpy(exif_seg, "Exif\0\0", 6);
  memcpy(exif_seg + 6, tiff, tiff_size);

  static const char xmp_packet[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";
  uint8_t xmp_seg[128];
  memcpy(xmp_seg, "http://ns.adobe.com/xap/1.0/", 29);
  memcpy(xmp_seg + 29, xmp_packet, sizeof xmp_packet - 1);

  /* An ICC "profile" of 1000 bytes in three chunks, written out of order:
   * the reader must go by sequence number, not file order. */
  uint8_t icc[1000];
  for (size_t i = 0; i < sizeof icc; i++) icc[i] = (uint8_t)(i * 7 + 3);
  uint8_t chunk[3][14 + 400];
  size_t chunk_size[3];
  for (int k = 0; k < 3; k++) {
    size_t from = (size_t)k * 400, n = k < 2 ? 400 : 200;
    memcpy(chunk[k], "ICC_PROFILE", 12);
    chunk[k][12] = (uint8_t)(k + 1);
    chunk[k][13] = 3;
    memcpy(chunk[k] + 14, icc + from, n);
    chunk_size[k] = 14 + n;
  }
  jpeg_marker_spec markers[] = {
      {JPEG_APP0 + 1, exif_seg, 6 + tiff_size},
      {JPEG_APP0 + 1, xmp_seg, 29 + sizeof xmp_packet - 1},
      {JPEG_APP0 + 2, chunk[1], chunk_size[1]},
      {JPEG_APP0 + 2, chunk[0], chunk_size[0]},
      {JPEG_APP0 + 2, chunk[2], chunk_size[2]},
  };

  for (int grey = 0; grey <= 1; grey++) {
    REQUIRE(write_jpeg(path, 33, 17, grey, markers, 5) == 0, "writing a test JPEG");
    imageio_jpeg_image j;
    int rc = imageio_jpeg_read(path, &j, err, sizeof err);
    if (rc) fprintf(stderr, "jpeg_read: %s\n", err);
    CHECK(rc == 0);
    if (rc) continue;
    CHECK(j.width == 33 && j.height == 17 && j.channels == (grey ? 1 : 3));
    CHECK(j.stride == (size_t)33 * j.channels);
    int far = 0;
    for (uint32_t y = 0; y < j.height; y++)
      for (uint32_t x = 0; x < j.width; x++)
        for (int c = 0; c < j.channels; c++) {
          int d = j.data[y * j.stride + (size_t)x * j.channels + c] - (60 + 50 * c);
          if (d < -3 || d > 3) far++;
        }
    CHECK(far == 0);
    CHECK(j.exif && j.exif_size == tiff_size && !memcmp(j.exif, tiff, tiff_size));
    CHECK(j.xmp && j.xmp_size == sizeof xmp_packet - 1 && !memcmp(j.xmp, xmp_packet, j.xmp_size));
    CHECK(j.icc && j.icc_size == sizeof icc && !memcmp(j.icc, icc, sizeof icc));
    CHECK(j.warning[0] == '\0' && j.damage[0] == '\0');
    imageio_jpeg_image_free(&j);

    imageio_image any;
    CHECK(imageio_image_read(path, &any, err, sizeof err) == 0);
    CHECK(any.format == IMAGEIO_FORMAT_JPEG && any.bit_depth == 8 && any.channels == (grey ? 1 : 3));
    CHECK(any.orientation == 8);
    imageio_image_free(&any);
  }

  /* A missing chunk, or a repeated one: no profile, and a note. */
  jpeg_marker_spec broken[][3] = {
      {{JPEG_APP0 + 2, chunk[0], chunk_size[0]}, {JPEG_APP0 + 2, chunk[2], chunk_size[2]}, {0, NULL, 0}},
      {{JPEG_APP0 + 2, chunk[0], chunk_size[0]}, {JPEG_APP0 + 2, chunk[0], chunk_size[0]},
       {JPEG_APP0 + 2, chunk[2], chunk_size[2]}},
  };
  for (int b = 0; b < 2; b++) {
    REQUIRE(write_jpeg(path, 8, 8, 0, broken[b], broken[b][2].data ? 3 : 2) == 0, "broken ICC JPEG");
    imageio_jpeg_image j;
    CHECK(imageio_jpeg_read(path, &j, err, sizeof err) == 0);
    CHECK(j.icc == NULL && j.icc_size == 0);
    CHECK(strstr(j.warning, "ICC") != NULL);
    imageio_jpeg_image_free(&j);
  }

  /* Truncation: in the middle of the scan libjpeg pads and warns; in the
   * headers it cannot go on, and the reader must fail cleanly (the
   * sanitizer and valgrind runs of this test check for leaks). */
  REQUIRE(write_jpeg(path, 64, 64, 0, markers, 5) == 0, "writing a test JPEG");
  size_t size = 0;
  uint8_t *whole = read_whole(path, &size);
  REQUIRE(whole != NULL, "reading back the test JPEG");
  size_t sos = 0; /* start of scan: before it the headers, after it the data */
  for (size_t i = 2; i + 1 < size && !sos; i++)
    if (whole[i] == 0xFF && whole[i + 1] == 0xDA) sos = i;
  REQUIRE(sos > 0 && sos + 60 < size, "finding the scan of the test JPEG");
  size_t cuts[] = {size - 40, sos + 60, 2, 3, 20, 300, 1200, sos - 4};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    char cut_path[128];
    temp_path(cut_path, sizeof cut_path, "cut.jpg");
    CHECK(write_whole(cut_path, whole, cuts[i]) == 0);
    imageio_jpeg_image j;
    int rc = imageio_jpeg_read(cut_path, &j, err, sizeof err);
    if (cuts[i] > sos) {
      CHECK(rc == 0);
      CHECK(j.warning[0] != '\0');
      /* Pixels were made up: the caller is told it is damage. */
      CHECK(strstr(j.damage, "the file is truncated") != NULL);
    } else {
      CHECK(rc == -1);
      CHECK(err[0] != '\0');
      CHECK(j.data == NULL && j.icc == NULL && j.exif == NULL);
    }
    imageio_jpeg_image_free(&j);
    unlink(cut_path);
  }
  /* Garbage after a valid SOI. */
  memset(whole + 3, 0x5A, size - 3);
  CHECK(write_whole(path, whole, size) == 0);
  imageio_jpeg_image j;
  CHECK(imageio_jpeg_read(path, &j, err, sizeof err) == -1);
  free(whole);
  unlink(path);
}

static void test_jpeg_corpus(const char *corpus) {
  char path[1024], err[256];
  snprintf(path, sizeof path, "%s/inputs/jpeg/paris_exif_orientation_5.jpg", corpus);
  if (access(path, R_OK) != 0) {
    fprintf(stderr, "test_imageio: no corpus JPEGs under %s: skipped\n", corpus);
    return;
  }
  imageio_image img;
  int rc = imageio_image_read(path, &img, err, sizeof err);
  if (rc) fprintf(stderr, "%s: %s\n", path, err);
  CHECK(rc == 0);
  if (rc == 0) {
    CHECK(img.format == IMAGEIO_FORMAT_JPEG && img.channels == 3 && img.bit_depth == 8);
    CHECK(img.orientation == 5);
    CHECK(img.exif && imageio_exif_tiff_offset(img.exif, img.exif_size) == 0);
    /* Reset and re-read: the tag now says upright. */
    CHECK(imageio_exif_reset_orientation(img.exif, img.exif_size) == 1);
    CHECK(imageio_exif_orientation(img.exif, img.exif_size) == 1);
    imageio_image_free(&img);
  }

  snprintf(path, sizeof path, "%s/inputs/jpeg/paris_exif_xmp_icc.jpg", corpus);
  rc = imageio_image_read(path, &img, err, sizeof err);
  CHECK(rc == 0);
  if (rc == 0) {
    CHECK(img.width == 403 && img.height == 302);
    CHECK(img.exif && imageio_exif_tiff_offset(img.exif, img.exif_size) == 0);
    CHECK(img.xmp && img.xmp_size > 20);
    if (img.xmp) {
      char *text = malloc(img.xmp_size + 1);
      memcpy(text, img.xmp, img.xmp_size);
      text[img.xmp_size] = '\0';
      CHECK(strstr(text, "xmpmeta") != NULL);
      free(text);
    }
    /* A whole profile: its header states its own length and signature. */
    CHECK(img.icc && img.icc_size >= 132);
    if (img.icc && img.icc_size >= 132) {
      uint32_t declared = (uint32_t)img.icc[0] << 24 | (uint32_t)img.icc[1] << 16 |
                          (uint32_t)img.icc[2] << 8 | img.icc[3];
      CHECK(declared == img.icc_size);
      CHECK(memcmp(img.icc + 36, "acsp", 4) == 0);
      CHECK(memcmp(img.icc + 16, "RGB ", 4) == 0);
    }
    imageio_image_free(&img);
  }

  snprintf(path, sizeof path, "%s/inputs/jpeg/kite_2560x1600_olympus.jpg", corpus);
  if (access(path, R_OK) == 0) {
    rc = imageio_image_read(path, &img, err, sizeof err);
    CHECK(rc == 0);
    if (rc == 0) {
      CHECK(img.width == 2560 && img.height == 1600);
      CHECK(img.exif != NULL && img.icc != NULL);
      CHECK(img.orientation >= 1 && img.orientation <= 8);
      imageio_image_free(&img);
    }
  }
}

/* ---- sniffing and Y4M ---------------------------------------------------- */

static void test_sniffing(void) {
  char path[128], err[256];
  temp_path(path, sizeof path, "frame.y4m");
  /* 4x2 4:2:0: 8 luma samples, 2 + 2 chroma. */
  static const char header[] = "YUV4MPEG2 W4 H2 F25:1 Ip A1:1 C420jpeg\nFRAME\n";
  uint8_t file[sizeof header - 1 + 12];
  memcpy(file, header, sizeof header - 1);
  for (int i = 0; i < 12; i++) file[sizeof header - 1 + i] = (uint8_t)(16 + i * 10);
  CHECK(write_whole(path, file, sizeof file) == 0);
  imageio_image img;
  int rc = imageio_image_read(path, &img, err, sizeof err);
  if (rc) fprintf(stderr, "y4m: %s\n", err);
  CHECK(rc == 0);
  if (rc == 0) {
    CHECK(img.format == IMAGEIO_FORMAT_Y4M && img.width == 4 && img.height == 2);
    CHECK(img.channels == 0 && img.data == NULL && img.bit_depth == 8);
    CHECK(img.yuv.planes[0] && img.yuv.planes[0][1] == 26);
    CHECK(img.orientation == 1);
    imageio_image_free(&img);
  }

  /* Truncated Y4M: the error does not repeat the path. */
  CHECK(write_whole(path, file, sizeof file - 3) == 0);
  CHECK(imageio_image_read(path, &img, err, sizeof err) == -1);
  CHECK(strstr(err, path) == NULL);

  CHECK(write_whole(path, "GIF89a....", 10) == 0);
  CHECK(imageio_image_read(path, &img, err, sizeof err) == -1);
  CHECK(strstr(err, "not a PNG, JPEG or Y4M") != NULL);
  CHECK(img.format == IMAGEIO_FORMAT_UNKNOWN && img.data == NULL);

  CHECK(write_whole(path, "", 0) == 0);
  CHECK(imageio_image_read(path, &img, err, sizeof err) == -1);
  CHECK(strstr(err, "empty") != NULL);

  /* A PNG signature with nothing after it. */
  CHECK(write_whole(path, "\x89PNG\r\n\x1a\n\0\0", 10) == 0);
  CHECK(imageio_image_read(path, &img, err, sizeof err) == -1);
  CHECK(err[0] != '\0');
  unlink(path);

  temp_path(path, sizeof path, "does-not-exist.png");
  CHECK(imageio_image_read(path, &img, err, sizeof err) == -1);
  CHECK(strstr(err, "cannot open") != NULL);
  CHECK(imageio_png_read(path, (imageio_png_image[1]){{0}}, err, sizeof err) == -1);
  CHECK(imageio_jpeg_read(path, (imageio_jpeg_image[1]){{0}}, err, sizeof err) == -1);
  CHECK(imageio_format_name(IMAGEIO_FORMAT_JPEG)[0] == 'J');
}

int main(int argc, char **argv) {
  const char *base = getenv("TMPDIR"); /* the build tree's, under ctest */
  snprintf(tmpdir, sizeof tmpdir, "%s/test_imageio.XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    fprintf(stderr, "test_imageio: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  test_exif();
  test_png_kinds();
  test_png_truncated();
  test_png_writer_round_trip();
  test_jpeg_made();
  test_sniffing();
  if (argc > 1) test_jpeg_corpus(argv[1]);
  rmdir(tmpdir);
  if (failures) {
    fprintf(stderr, "test_imageio: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_imageio: all checks passed\n");
  return 0;
}
