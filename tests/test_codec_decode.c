/*
 * Tests of the decoder plugin registry, the libde265 plugin and the host
 * driver hx_decode_hevc (src/plugins, src/heic/codec_decode.c).
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * usage: test_codec_decode DATA_DIR   (tests/data: samples and ref/ PNGs)
 *
 * The samples are read with hf_parse; their hvc1 items' hvcC and data go
 * through hx_decode_hevc with the libde265 plugin wrapped in a counting
 * plugin, so that every test can check rule D1 of heic_plugin.h (one close
 * per successful open, on every path) and that nothing is left allocated.
 * Colour output is compared with what Debian's libheif 1.15 (heif-convert)
 * wrote for the same files (tests/data/ref).
 */
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "heic/codec_decode.h"
#include "heic/colour.h"
#include "heif/heif_file.h"
#include "plugins/decoder_registry.h"

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                                \
  do {                                                                             \
    g_checks++;                                                                    \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      g_failures++;                                                                \
    }                                                                              \
  } while (0)

/* ---- a counting wrapper around the real plugin --------------------------
 * A plugin's entry points receive nothing but their state and the host, so
 * the counters have to live at file scope; they are test-only. */

typedef struct counts {
  int opens, open_ok, closes, pushes, decodes;
} counts;
static counts g_counts;

static const heic_decoder_plugin *inner(void) {
  return hp_find_decoder(HEIC_CODEC_HEVC);
}

static heic_status cnt_open(void **state, const heic_plugin_host *host) {
  g_counts.opens++;
  CHECK(*state == NULL);
  heic_status st = inner()->open(state, host);
  if (st == HEIC_OK) g_counts.open_ok++;
  else CHECK(*state == NULL);
  return st;
}

static heic_status cnt_push(void *state, const uint8_t *nal, size_t size) {
  g_counts.pushes++;
  return inner()->push_nal(state, nal, size);
}

static heic_status cnt_decode(void *state, heic_plugin_picture *pic) {
  g_counts.decodes++;
  return inner()->decode(state, pic);
}

static void cnt_close(void **state) {
  g_counts.closes++;
  CHECK(g_counts.closes <= g_counts.open_ok);
  inner()->close(state);
  CHECK(*state == NULL);
}

static const heic_decoder_plugin k_counting = {
  .api_version = HEIC_PLUGIN_API_VERSION,
  .name = "counting-libde265",
  .description = "libde265 with open/close counting (test)",
  .codec = HEIC_CODEC_HEVC,
  .open = cnt_open,
  .push_nal = cnt_push,
  .decode = cnt_decode,
  .close = cnt_close,
};

static void counts_reset(void) {
  memset(&g_counts, 0, sizeof(g_counts));
}

static int counts_paired(void) {
  return g_counts.open_ok == g_counts.closes;
}

/* ---- fixtures -------------------------------------------------------------- */

typedef struct logbuf {
  int messages, errors;
  char last[512];
} logbuf;

static void log_to_buf(void *opaque, heic_log_level level, const char *message) {
  logbuf *lb = opaque;
  lb->messages++;
  if (level == HEIC_LOG_ERROR) lb->errors++;
  snprintf(lb->last, sizeof(lb->last), "%s", message);
}

typedef struct env {
  heic_allocator *alloc;
  hc_mem mem;
  logbuf lb;
  hc_log log;
} env;

static void env_init(env *e) {
  memset(e, 0, sizeof(*e));
  if (heic_allocator_new(&e->alloc, NULL) != HEIC_OK) exit(1);
  hc_mem_init(&e->mem, e->alloc, 0);
  e->log.fn = log_to_buf;
  e->log.opaque = &e->lb;
}

static void env_done(env *e) {
  CHECK(heic_allocator_outstanding_bytes(e->alloc) == 0);
  heic_allocator_free(&e->alloc);
}

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        *size = (size_t)n;
      }
    }
  }
  fclose(f);
  return buf;
}

/* A parsed sample: file bytes + hf_file. */
typedef struct sample {
  uint8_t *bytes;
  size_t size;
  hf_file f;
} sample;

static int sample_open(sample *s, env *e, const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  memset(s, 0, sizeof(*s));
  s->bytes = read_file(path, &s->size);
  if (!s->bytes) {
    fprintf(stderr, "cannot read %s\n", path);
    g_failures++;
    return 0;
  }
  hc_err err;
  hc_err_clear(&err);
  if (hf_parse(&s->f, &e->mem, s->bytes, s->size, NULL, &err) != HEIC_OK) {
    fprintf(stderr, "%s: hf_parse failed: %s\n", name, err.message);
    g_failures++;
    free(s->bytes);
    return 0;
  }
  return 1;
}

static void sample_close(sample *s) {
  hf_file_clear(&s->f);
  free(s->bytes);
  memset(s, 0, sizeof(*s));
}

static const hf_hvcc *item_hvcc(const hf_file *f, const hf_item *it) {
  const hf_property *p = hf_item_property(f, it, HF_4CC('h', 'v', 'c', 'C'));
  return p && p->parsed ? &p->u.hvcc : NULL;
}

/* The hvc1 item that carries the primary image's pixels (the first tile for
 * a grid). */
static const hf_item *primary_coded_item(const hf_file *f) {
  const hf_item *it = hf_find_item(f, f->primary_id);
  if (it && it->type == HF_4CC('g', 'r', 'i', 'd')) {
    const hf_ref *r = hf_find_ref(f, it->id, HF_4CC('d', 'i', 'm', 'g'));
    it = r && r->count ? hf_find_item(f, r->to[0]) : NULL;
  }
  return it && it->type == HF_4CC('h', 'v', 'c', '1') ? it : NULL;
}

static heic_status decode_item(env *e, const heic_decoder_plugin *plugin, const hf_file *f,
                               const hf_item *it, hx_picture *out, hc_err *err) {
  uint8_t *data = NULL;
  size_t size = 0;
  heic_status st = hf_item_data(f, it, &data, &size, err);
  if (st == HEIC_OK) st = hx_decode_hevc(plugin, &e->mem, &e->log, item_hvcc(f, it), data, size, UINT64_MAX, 0, out, err);
  hc_free(&e->mem, data);
  return st;
}

/* ---- PNG references -------------------------------------------------------- */

typedef struct rgbimg {
  uint32_t w, h;
  int depth;
  uint16_t *px; /* w * h * 3 */
} rgbimg;

static int read_png(const char *path, rgbimg *img) {
  memset(img, 0, sizeof(*img));
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  png_bytep buf = NULL;
  png_bytepp rows = NULL;
  int ok = 0;
  if (!info) goto out;
  if (setjmp(png_jmpbuf(png))) goto out;
  png_init_io(png, fp);
  png_read_info(png, info);
  img->w = png_get_image_width(png, info);
  img->h = png_get_image_height(png, info);
  img->depth = png_get_bit_depth(png, info);
  int ct = png_get_color_type(png, info);
  if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (ct == PNG_COLOR_TYPE_GRAY || ct == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  if (ct & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  if (img->depth < 8) png_set_packing(png);
  png_read_update_info(png, info);
  size_t rb = png_get_rowbytes(png, info);
  buf = malloc(rb * img->h);
  rows = malloc(sizeof(png_bytep) * img->h);
  img->px = malloc(sizeof(uint16_t) * 3 * (size_t)img->w * img->h);
  if (!buf || !rows || !img->px) goto out;
  for (uint32_t y = 0; y < img->h; y++) rows[y] = buf + rb * y;
  png_read_image(png, rows);
  for (uint32_t y = 0; y < img->h; y++)
    for (uint32_t x = 0; x < img->w * 3; x++)
      img->px[(size_t)y * img->w * 3 + x] =
          img->depth == 16 ? (uint16_t)((rows[y][2 * x] << 8) | rows[y][2 * x + 1]) : rows[y][x];
  ok = 1;
out:
  png_destroy_read_struct(&png, &info, NULL);
  free(buf);
  free(rows);
  fclose(fp);
  if (!ok) {
    free(img->px);
    img->px = NULL;
  }
  return ok;
}

/* PSNR of pic (RGB) against the top-left of ref, at the PNG's depth.  Deeper
 * samples are taken to the PNG depth by a left shift: that is what
 * heif-convert 1.15 does (a 10-bit 1023 becomes 65472, not 65535). */
static double psnr_vs_ref(const hx_picture *pic, const rgbimg *ref) {
  double sse = 0, maxv = (double)((1u << ref->depth) - 1);
  int sh = ref->depth - pic->bit_depth;
  for (uint32_t y = 0; y < ref->h; y++)
    for (uint32_t x = 0; x < ref->w; x++)
      for (int c = 0; c < 3; c++) {
        const hx_plane *pl = &pic->planes[c];
        double o = (double)((uint32_t)pl->data[(size_t)y * pl->stride + x] << (sh > 0 ? sh : 0));
        double d = o - ref->px[((size_t)y * ref->w + x) * 3 + (size_t)c];
        sse += d * d;
      }
  double mse = sse / ((double)ref->w * ref->h * 3);
  return mse == 0 ? 999.0 : 10.0 * log10(maxv * maxv / mse);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_registry(void) {
  const heic_decoder_plugin *p = hp_find_decoder(HEIC_CODEC_HEVC);
  CHECK(p == &hp_decoder_libde265);
  CHECK(hp_find_decoder((heic_codec)0) == NULL);
  CHECK(hp_decoder_count() >= 1);
  CHECK(hp_decoder_at(hp_decoder_count()) == NULL);
  for (size_t i = 0; i < hp_decoder_count(); i++) {
    const heic_decoder_plugin *d = hp_decoder_at(i);
    CHECK(d && d->api_version == HEIC_PLUGIN_API_VERSION && d->name && d->description);
    CHECK(d->open && d->push_nal && d->decode && d->close);
  }
  /* D1: close accepts NULL state. */
  void *state = NULL;
  p->close(&state);
  p->close(NULL);
}

/* Every hvc1 item of the samples decodes to the format its hvcC and ispe
 * promise, with the plugin opened and closed once per item. */
static void test_samples(const char *dir) {
  static const char *const files[] = {"RGB_8_chroma444.heif", "RGB_10__29x100.heif",
                                      "L_8__29x100.heif",     "RGBA_8__128x128.heif",
                                      "blue_grid_alpha.heic", "zPug_3.heic"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    env e;
    env_init(&e);
    sample s;
    if (sample_open(&s, &e, dir, files[i])) {
      int decoded = 0;
      for (uint32_t k = 0; k < s.f.item_count; k++) {
        const hf_item *it = &s.f.items[k];
        const hf_hvcc *hv = item_hvcc(&s.f, it);
        if (it->type != HF_4CC('h', 'v', 'c', '1') || !hv) continue;
        counts_reset();
        hx_picture pic;
        hc_err err;
        hc_err_clear(&err);
        heic_status st = decode_item(&e, &k_counting, &s.f, it, &pic, &err);
        CHECK(st == HEIC_OK);
        if (st != HEIC_OK) fprintf(stderr, "  %s item %u: %s\n", files[i], it->id, err.message);
        CHECK(g_counts.opens == 1 && counts_paired() && g_counts.decodes == 1);
        CHECK(g_counts.pushes >= 4); /* VPS, SPS, PPS and at least one slice */
        if (st == HEIC_OK) {
          decoded++;
          CHECK(pic.chroma == (heic_chroma)hv->chroma_format_idc);
          CHECK(pic.bit_depth == hv->bit_depth_luma);
          CHECK(!pic.is_rgb && !pic.has_alpha && pic.mem == &e.mem);
          const hf_property *ispe = hf_item_property(&s.f, it, HF_4CC('i', 's', 'p', 'e'));
          if (ispe && ispe->parsed)
            CHECK(pic.width == ispe->u.ispe.width && pic.height == ispe->u.ispe.height);
          CHECK((pic.chroma == HEIC_CHROMA_400) == (pic.planes[1].data == NULL));
        }
        hx_picture_clear(&pic);
      }
      CHECK(decoded > 0);
      sample_close(&s);
    }
    env_done(&e);
  }
}

/* Decoded and converted with the settings that match libheif 1.15 (nearest
 * chroma, BT.601 for unspecified matrices), the samples agree with
 * heif-convert's PNGs.  None of these files has an nclx box; libheif then
 * takes matrix and range from the HEVC VUI, which in all of them says
 * full range, so nclx {2, 2, 2, full} is what libheif used. */
static void test_against_libheif(const char *dir) {
  static const struct {
    const char *file, *ref;
  } cases[] = {
    {"RGB_8_chroma444.heif", "ref/RGB_8_chroma444.png"}, /* 4:4:4 8-bit, clap */
    {"RGB_10__29x100.heif", "ref/RGB_10__29x100.png"},   /* 4:2:0 10-bit, 1x1 grid */
    {"L_8__29x100.heif", "ref/L_8__29x100.png"},         /* 4:0:0 */
    {"RGBA_8__128x128.heif", "ref/RGBA_8__128x128.png"}, /* 4:2:0 8-bit */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    env e;
    env_init(&e);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, cases[i].ref);
    rgbimg ref;
    sample s;
    if (!read_png(path, &ref)) {
      fprintf(stderr, "cannot read %s\n", path);
      g_failures++;
    } else if (sample_open(&s, &e, dir, cases[i].file)) {
      const hf_item *it = primary_coded_item(&s.f);
      CHECK(it != NULL);
      hx_picture pic;
      memset(&pic, 0, sizeof(pic));
      hc_err err;
      hc_err_clear(&err);
      heic_status st = it ? decode_item(&e, hp_find_decoder(HEIC_CODEC_HEVC), &s.f, it, &pic, &err)
                          : HEIC_ERR_NOT_FOUND;
      CHECK(st == HEIC_OK);
      if (st == HEIC_OK) {
        int chroma = (int)pic.chroma;
        heic_nclx nclx = {2, 2, 2, 1};
        CHECK(hx_ycbcr_to_rgb(&pic, &nclx, HX_UPSAMPLE_NEAREST, &err) == HEIC_OK);
        /* The references are cropped (clap / grid output size) from the top
         * left of the coded picture. */
        CHECK(ref.w <= pic.width && ref.h <= pic.height);
        if (ref.w <= pic.width && ref.h <= pic.height) {
          double db = psnr_vs_ref(&pic, &ref);
          printf("  %-22s %ux%u depth %d chroma %d: %.2f dB against heif-convert\n", cases[i].file,
                 pic.width, pic.height, pic.bit_depth, chroma, db);
          CHECK(db >= 45.0);
        }
      }
      hx_picture_clear(&pic);
      sample_close(&s);
    }
    free(ref.px);
    env_done(&e);
  }
}

/* A hvc1 item's hvcC and data, copied out of a sample for tampering. */
typedef struct coded {
  hf_hvcc hvcc;
  uint8_t *data;
  size_t size;
} coded;

static int coded_get(env *e, sample *s, const char *dir, const char *file, coded *c) {
  if (!sample_open(s, e, dir, file)) return 0;
  const hf_item *it = primary_coded_item(&s->f);
  hc_err err;
  hc_err_clear(&err);
  if (!it || hf_item_data(&s->f, it, &c->data, &c->size, &err) != HEIC_OK) {
    sample_close(s);
    g_failures++;
    return 0;
  }
  c->hvcc = *item_hvcc(&s->f, it);
  return 1;
}

static void coded_put(env *e, sample *s, coded *c) {
  hc_free(&e->mem, c->data);
  sample_close(s);
}

/* Runs one decode through the counting plugin and checks the invariants
 * that hold on every path. */
static heic_status run(env *e, const hf_hvcc *hv, const uint8_t *data, size_t size, hc_err *err) {
  counts_reset();
  hx_picture pic;
  memset(&pic, 0xA5, sizeof(pic)); /* must be zeroed by the callee */
  hc_err_clear(err);
  size_t before = heic_allocator_outstanding_bytes(e->alloc);
  heic_status st = hx_decode_hevc(&k_counting, &e->mem, &e->log, hv, data, size, UINT64_MAX, 0, &pic, err);
  CHECK(counts_paired());
  CHECK(g_counts.opens <= 1);
  CHECK((st == HEIC_OK) == (err->code == HEIC_OK));
  if (st != HEIC_OK) {
    CHECK(pic.mem == NULL && pic.planes[0].data == NULL && pic.width == 0);
    CHECK(err->message[0] != 0);
    CHECK(heic_allocator_outstanding_bytes(e->alloc) == before);
  }
  hx_picture_clear(&pic);
  CHECK(heic_allocator_outstanding_bytes(e->alloc) == before);
  return st;
}

/* The NAL splitter: bad length structures are invalid input naming the
 * offset; a different length field size decodes the same picture. */
static void test_nal_splitting(const char *dir) {
  env e;
  env_init(&e);
  sample s;
  coded c;
  if (!coded_get(&e, &s, dir, "RGB_8_chroma444.heif", &c)) {
    env_done(&e);
    return;
  }
  hc_err err;
  CHECK(c.hvcc.length_size == 4);
  CHECK(run(&e, &c.hvcc, c.data, c.size, &err) == HEIC_OK);

  uint8_t *buf = malloc(c.size + 16);
  /* A zero-length NAL after the real ones. */
  memcpy(buf, c.data, c.size);
  memset(buf + c.size, 0, 4);
  CHECK(run(&e, &c.hvcc, buf, c.size + 4, &err) == HEIC_ERR_INVALID_INPUT);
  char want[64];
  snprintf(want, sizeof(want), "offset %zu", c.size);
  CHECK(strstr(err.message, want) != NULL && strstr(err.message, "zero-length") != NULL);
  CHECK(g_counts.open_ok == 1 && g_counts.closes == 1);
  /* A length that runs past the end. */
  memcpy(buf, c.data, c.size);
  CHECK(run(&e, &c.hvcc, buf, c.size - 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK(strstr(err.message, "offset") != NULL);
  /* A length field cut short. */
  memcpy(buf + c.size, "\0\0", 2);
  CHECK(run(&e, &c.hvcc, buf, c.size + 2, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK(strstr(err.message, "truncated") != NULL);
  /* No data at all, and invalid length sizes. */
  CHECK(run(&e, &c.hvcc, c.data, 0, &err) == HEIC_ERR_INVALID_INPUT);
  hf_hvcc bad = c.hvcc;
  bad.length_size = 0;
  CHECK(run(&e, &bad, c.data, c.size, &err) == HEIC_ERR_INVALID_INPUT);
  bad.length_size = 5;
  CHECK(run(&e, &bad, c.data, c.size, &err) == HEIC_ERR_INVALID_INPUT);
  free(buf);

  /* Re-wrap the NALs with 2- and 3-byte lengths: same picture. */
  hx_picture ref;
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&k_counting, &e.mem, NULL, &c.hvcc, c.data, c.size, UINT64_MAX, 0, &ref, &err) == HEIC_OK);
  for (unsigned ls = 2; ls <= 3; ls++) {
    uint8_t *re = malloc(c.size);
    size_t n = 0;
    int fits = 1;
    for (size_t off = 0; off + 4 <= c.size;) {
      size_t len = ((size_t)c.data[off] << 24) | ((size_t)c.data[off + 1] << 16) |
                   ((size_t)c.data[off + 2] << 8) | c.data[off + 3];
      if (len >> (8 * ls)) fits = 0;
      for (unsigned b = 0; b < ls; b++) re[n++] = (uint8_t)(len >> (8 * (ls - 1 - b)));
      memcpy(re + n, c.data + off + 4, len);
      n += len;
      off += 4 + len;
    }
    if (fits) {
      hf_hvcc hv = c.hvcc;
      hv.length_size = (uint8_t)ls;
      hx_picture pic;
      hc_err_clear(&err);
      CHECK(hx_decode_hevc(&k_counting, &e.mem, NULL, &hv, re, n, UINT64_MAX, 0, &pic, &err) == HEIC_OK);
      CHECK(pic.width == ref.width && pic.height == ref.height && pic.chroma == ref.chroma);
      for (int p = 0; p < 3 && pic.planes[p].data; p++)
        CHECK(memcmp(pic.planes[p].data, ref.planes[p].data,
                     pic.planes[p].stride * pic.planes[p].h * sizeof(uint16_t)) == 0);
      hx_picture_clear(&pic);
    }
    free(re);
  }
  /* 8-bit storage (narrow): the same samples, one byte each, for this 8-bit
   * picture; an API-4 plugin is given 16-bit planes all the same. */
  {
    hx_picture pic;
    hc_err_clear(&err);
    CHECK(hx_decode_hevc(&k_counting, &e.mem, NULL, &c.hvcc, c.data, c.size, UINT64_MAX, 1, &pic, &err) == HEIC_OK);
    CHECK(ref.bit_depth == 8 && pic.bit_depth == 8 && pic.width == ref.width && pic.height == ref.height);
    uint16_t *row = malloc(ref.width * sizeof(*row));
    for (int p = 0; p < 3; p++) {
      CHECK(pic.planes[p].bytes && !pic.planes[p].data);
      CHECK(pic.planes[p].w == ref.planes[p].w && pic.planes[p].h == ref.planes[p].h);
      for (uint32_t y = 0; y < pic.planes[p].h; y++) {
        hx_plane_read_row(&pic.planes[p], y, 0, pic.planes[p].w, row);
        CHECK(memcmp(row, ref.planes[p].data + y * ref.planes[p].stride, pic.planes[p].w * 2) == 0);
      }
    }
    free(row);
    hx_picture_clear(&pic);
    heic_decoder_plugin old = k_counting;
    old.api_version = 4;
    CHECK(hx_decode_hevc(&old, &e.mem, NULL, &c.hvcc, c.data, c.size, UINT64_MAX, 1, &pic, &err) == HEIC_OK);
    CHECK(pic.planes[0].data && !pic.planes[0].bytes);
    CHECK(memcmp(pic.planes[0].data, ref.planes[0].data, ref.planes[0].stride * ref.planes[0].h * 2) == 0);
    hx_picture_clear(&pic);
  }
  hx_picture_clear(&ref);

  /* An empty NAL unit in hvcC (the parser keeps it as a span). */
  hf_hvcc hv = c.hvcc;
  hf_hvcc_array arr[8];
  hf_span spans[8][4];
  CHECK(hv.array_count >= 1 && hv.array_count <= 8);
  for (uint32_t a = 0; a < hv.array_count && a < 8; a++) {
    arr[a] = hv.arrays[a];
    CHECK(arr[a].count >= 1 && arr[a].count <= 4);
    memcpy(spans[a], arr[a].nals, sizeof(hf_span) * (arr[a].count < 4 ? arr[a].count : 4));
    arr[a].nals = spans[a];
  }
  hv.arrays = arr;
  spans[0][0].size = 0;
  CHECK(run(&e, &hv, c.data, c.size, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK(strstr(err.message, "hvcC") != NULL);
  coded_put(&e, &s, &c);
  env_done(&e);
}

/* The malformed sample with a zero-length NAL in hvcC fails cleanly. */
static void test_hvcc_zero_length_sample(const char *dir) {
  env e;
  env_init(&e);
  sample s;
  if (sample_open(&s, &e, dir, "hvcc_nal_zero_length.heic")) {
    int tried = 0;
    for (uint32_t k = 0; k < s.f.item_count; k++) {
      const hf_item *it = &s.f.items[k];
      if (it->type != HF_4CC('h', 'v', 'c', '1') || !item_hvcc(&s.f, it)) continue;
      uint8_t *data = NULL;
      size_t size = 0;
      hc_err err;
      hc_err_clear(&err);
      if (hf_item_data(&s.f, it, &data, &size, &err) != HEIC_OK) continue;
      tried++;
      CHECK(run(&e, item_hvcc(&s.f, it), data, size, &err) == HEIC_ERR_INVALID_INPUT);
      hc_free(&e.mem, data);
    }
    CHECK(tried > 0);
    sample_close(&s);
  }
  env_done(&e);
}

/* Garbage where the slice data should be: a decoder error that names
 * libde265, the plugin closed, nothing leaked. */
static void test_garbage(const char *dir) {
  env e;
  env_init(&e);
  sample s;
  coded c;
  if (!coded_get(&e, &s, dir, "RGB_8_chroma444.heif", &c)) {
    env_done(&e);
    return;
  }
  hc_err err;
  uint32_t seed = 1;
  uint8_t junk[4 + 300];
  for (int round = 0; round < 20; round++) {
    junk[0] = 0;
    junk[1] = 0;
    junk[2] = 300 >> 8;
    junk[3] = 300 & 255;
    for (int i = 4; i < 304; i++) {
      seed = seed * 1103515245u + 12345u;
      junk[i] = (uint8_t)(seed >> 16);
    }
    /* Half the rounds look like an IDR slice header, the rest like any NAL;
     * the forbidden_zero_bit is kept clear so libde265 reads on. */
    junk[4] = round & 1 ? (uint8_t)(19 << 1) : (uint8_t)(junk[4] & 0x7e);
    junk[5] = 1;
    e.lb.errors = 0;
    heic_status st = run(&e, &c.hvcc, junk, sizeof(junk), &err);
    CHECK(st != HEIC_OK);
    CHECK(st == HEIC_ERR_DECODER || st == HEIC_ERR_INVALID_INPUT);
    if (st == HEIC_ERR_DECODER) {
      CHECK(strstr(err.message, "libde265") != NULL);
      CHECK(e.lb.errors >= 1);
    }
    CHECK(g_counts.open_ok == 1 && g_counts.closes == 1);
  }
  /* Real slice data cut in half: whatever libde265 makes of it, the rules hold. */
  size_t half = c.size / 2;
  uint8_t *cut = malloc(c.size);
  memcpy(cut, c.data, c.size);
  /* Rewrite the last NAL's length so that the splitter accepts the cut. */
  size_t off = 0, last = 0;
  while (off + 4 <= half) {
    size_t len = ((size_t)cut[off] << 24) | ((size_t)cut[off + 1] << 16) | ((size_t)cut[off + 2] << 8) | cut[off + 3];
    last = off;
    if (off + 4 + len > half) break;
    off += 4 + len;
  }
  size_t nl = half - last - 4;
  cut[last] = (uint8_t)(nl >> 24);
  cut[last + 1] = (uint8_t)(nl >> 16);
  cut[last + 2] = (uint8_t)(nl >> 8);
  cut[last + 3] = (uint8_t)nl;
  (void)run(&e, &c.hvcc, cut, half, &err);
  free(cut);
  coded_put(&e, &s, &c);
  env_done(&e);
}

/* Every allocation of a decode failed in turn. */
static void test_alloc_failure(const char *dir) {
  env e;
  env_init(&e);
  sample s;
  coded c;
  if (!coded_get(&e, &s, dir, "RGB_10__29x100.heif", &c)) {
    env_done(&e);
    return;
  }
  hc_err err;
  uint64_t before = heic_allocator_allocation_count(e.alloc);
  CHECK(run(&e, &c.hvcc, c.data, c.size, &err) == HEIC_OK);
  uint64_t count = heic_allocator_allocation_count(e.alloc) - before;
  CHECK(count >= 3);
  for (uint64_t n = 1; n <= count; n++) {
    heic_allocator_fail_at(e.alloc, n);
    heic_status st = run(&e, &c.hvcc, c.data, c.size, &err);
    heic_allocator_fail_at(e.alloc, 0);
    CHECK(st == HEIC_ERR_OUT_OF_MEMORY);
    CHECK(g_counts.open_ok == 1 && g_counts.closes == 1);
  }
  coded_put(&e, &s, &c);
  env_done(&e);
}

/* ---- fake plugins that break the contract ------------------------------ */

typedef struct fake_state {
  const heic_plugin_host *host;
  int mode;
} fake_state;

enum { FAKE_ALLOC_TWICE, FAKE_ALLOC_TWICE_IGNORE, FAKE_NO_PICTURE, FAKE_DEPTH_UP, FAKE_DEPTH_DOWN, FAKE_PUSH_FAILS };

/* The mode travels in the plugin's name, since open() sees nothing else. */
static heic_status fake_open_mode(void **state, const heic_plugin_host *host, int mode) {
  fake_state *s = calloc(1, sizeof(*s));
  if (!s) return HEIC_ERR_OUT_OF_MEMORY;
  s->host = host;
  s->mode = mode;
  *state = s;
  g_counts.opens++;
  g_counts.open_ok++;
  return HEIC_OK;
}

static heic_status fake_push(void *state, const uint8_t *nal, size_t size) {
  fake_state *s = state;
  (void)nal;
  (void)size;
  g_counts.pushes++;
  if (s->mode == FAKE_PUSH_FAILS) {
    s->host->log(s->host->opaque, HEIC_LOG_ERROR, "fake: cannot take this NAL");
    return HEIC_ERR_DECODER;
  }
  return HEIC_OK;
}

static heic_status fake_decode(void *state, heic_plugin_picture *pic) {
  fake_state *s = state;
  g_counts.decodes++;
  heic_status st;
  switch (s->mode) {
    case FAKE_ALLOC_TWICE:
      st = s->host->alloc_planes(s->host->opaque, pic, 8, 8, HEIC_CHROMA_420, 8, 8);
      if (st != HEIC_OK) return st;
      return s->host->alloc_planes(s->host->opaque, pic, 8, 8, HEIC_CHROMA_420, 8, 8);
    case FAKE_ALLOC_TWICE_IGNORE:
      /* Ignores the host's refusal and claims success. */
      (void)s->host->alloc_planes(s->host->opaque, pic, 8, 8, HEIC_CHROMA_420, 8, 8);
      (void)s->host->alloc_planes(s->host->opaque, pic, 8, 8, HEIC_CHROMA_420, 8, 8);
      return HEIC_OK;
    case FAKE_NO_PICTURE: return HEIC_OK;
    case FAKE_DEPTH_UP:
    case FAKE_DEPTH_DOWN: {
      int up = s->mode == FAKE_DEPTH_UP;
      st = s->host->alloc_planes(s->host->opaque, pic, 4, 2, HEIC_CHROMA_420, up ? 10 : 8, up ? 8 : 10);
      if (st != HEIC_OK) return st;
      static const uint16_t c8[2] = {255, 1}, c10[2] = {1023, 513};
      for (int c = 1; c <= 2; c++)
        for (uint32_t x = 0; x < pic->plane_w[c]; x++) pic->planes[c][x] = up ? c8[x] : c10[x];
      return HEIC_OK;
    }
    default: return HEIC_ERR_DECODER;
  }
}

static void fake_close(void **state) {
  if (!state || !*state) return;
  g_counts.closes++;
  free(*state);
  *state = NULL;
}

#define FAKE_OPEN(name, mode)                                             \
  static heic_status name(void **state, const heic_plugin_host *host) { \
    return fake_open_mode(state, host, mode);                             \
  }
FAKE_OPEN(open_alloc_twice, FAKE_ALLOC_TWICE)
FAKE_OPEN(open_alloc_twice_ignore, FAKE_ALLOC_TWICE_IGNORE)
FAKE_OPEN(open_no_picture, FAKE_NO_PICTURE)
FAKE_OPEN(open_depth_up, FAKE_DEPTH_UP)
FAKE_OPEN(open_depth_down, FAKE_DEPTH_DOWN)
FAKE_OPEN(open_push_fails, FAKE_PUSH_FAILS)

static heic_status open_fails(void **state, const heic_plugin_host *host) {
  (void)host;
  *state = NULL;
  g_counts.opens++;
  return HEIC_ERR_OUT_OF_MEMORY;
}

static heic_decoder_plugin fake_plugin(heic_status (*open)(void **, const heic_plugin_host *)) {
  heic_decoder_plugin p = {HEIC_PLUGIN_API_VERSION, "fake", "contract breaker (test)",
                           HEIC_CODEC_HEVC, open, fake_push, fake_decode, fake_close};
  return p;
}

static void test_contract_breakers(void) {
  env e;
  env_init(&e);
  static const uint8_t nal[] = {0, 0, 0, 3, 0x40, 0x01, 0x0c};
  hf_hvcc hv;
  memset(&hv, 0, sizeof(hv));
  hv.length_size = 4;
  hc_err err;

  heic_decoder_plugin p = fake_plugin(open_alloc_twice);
  counts_reset();
  hx_picture pic;
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_ERR_DECODER);
  CHECK(strstr(err.message, "more than once") != NULL);
  CHECK(counts_paired() && g_counts.closes == 1 && pic.planes[0].data == NULL);
  CHECK(heic_allocator_outstanding_bytes(e.alloc) == 0);

  p = fake_plugin(open_alloc_twice_ignore);
  counts_reset();
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_ERR_DECODER);
  CHECK(err.code == HEIC_ERR_DECODER && strstr(err.message, "more than once") != NULL);
  CHECK(counts_paired() && pic.planes[0].data == NULL);
  CHECK(heic_allocator_outstanding_bytes(e.alloc) == 0);

  p = fake_plugin(open_no_picture);
  counts_reset();
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_ERR_DECODER);
  CHECK(strstr(err.message, "without a picture") != NULL);
  CHECK(counts_paired() && g_counts.closes == 1);

  p = fake_plugin(open_push_fails);
  counts_reset();
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_ERR_DECODER);
  CHECK(strstr(err.message, "fake: cannot take this NAL") != NULL);
  CHECK(counts_paired() && g_counts.closes == 1 && g_counts.decodes == 0);

  /* D1: never close after a failed open. */
  p = fake_plugin(open_fails);
  counts_reset();
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_ERR_OUT_OF_MEMORY);
  CHECK(g_counts.opens == 1 && g_counts.closes == 0 && g_counts.pushes == 0);

  /* Chroma deeper or shallower than luma is brought to the luma depth. */
  p = fake_plugin(open_depth_up);
  counts_reset();
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_OK);
  CHECK(pic.bit_depth == 10);
  CHECK(pic.planes[1].data[0] == 1020 && pic.planes[1].data[1] == 4);
  CHECK(pic.planes[2].data[0] == 1020 && pic.planes[2].data[1] == 4);
  hx_picture_clear(&pic);
  p = fake_plugin(open_depth_down);
  hc_err_clear(&err);
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, &err) == HEIC_OK);
  CHECK(pic.bit_depth == 8);
  /* (1023 + 2) >> 2 = 256 clamps to 255; (513 + 2) >> 2 = 128. */
  CHECK(pic.planes[1].data[0] == 255 && pic.planes[1].data[1] == 128);
  hx_picture_clear(&pic);
  CHECK(counts_paired());

  /* A table that is not an HEVC decoder is refused before it is opened. */
  p = fake_plugin(open_no_picture);
  p.push_nal = NULL;
  counts_reset();
  CHECK(hx_decode_hevc(&p, &e.mem, &e.log, &hv, nal, sizeof(nal), UINT64_MAX, 0, &pic, NULL) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(g_counts.opens == 0);
  env_done(&e);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_codec_decode DATA_DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  test_registry();
  test_samples(dir);
  test_against_libheif(dir);
  test_nal_splitting(dir);
  test_hvcc_zero_length_sample(dir);
  test_garbage(dir);
  test_alloc_failure(dir);
  test_contract_breakers();
  printf("test_codec_decode: %d checks, %d failed\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
