/*
 * Test: libheif-libheic.so (libheif-plugin/) driven the way libheif drives
 * it, through Debian's libheif and through the plugin's own table.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * This program links libheif (the plugin never does) and loads the plugin
 * with heif_load_plugin(), as heif_init() does from LIBHEIF_PLUGIN_PATH.
 *
 *  api    - the table: id_name, priority, API version (3 under libheif
 *           1.13-1.20), the version 4 members after it, the encoder listed
 *           first by libheif; parameters through libheif's API (every one
 *           listed, read back after a set, unknown names and bad values
 *           refused with libheif's codes and a message); pictures through
 *           the table: each picture's NAL units whole and in order (VPS,
 *           SPS with a VUI, PPS, the SEI naming libheic, the slice), a
 *           second encode_image() dropping what the first left unread,
 *           type NULL accepted, 4:4:4 and over-large pictures refused,
 *           12-bit monochrome taken; free_encoder() of an encoder never
 *           used, between pictures and in the middle of one; and through
 *           libheif: an RGBA image with an ICC profile (so that libheif
 *           writes no nclx and the colours rest on our VUI) encoded and
 *           decoded back close to the input.  After each part the plugin's
 *           allocations must be back where they were.
 *  alloc  - the allocation-failure loop: count the plugin's allocations in
 *           one scenario through libheif's API (encoder, parameters, an
 *           RGBA 8-bit image with alpha and a 10-bit RGB image on one
 *           encoder, the file written to memory), then rerun it failing
 *           each allocation in turn (heic_libheif_plugin_fail_at): every
 *           run must end in a libheif error (Memory_allocation_error) with
 *           nothing of the plugin left allocated, and an unfailed run must
 *           still succeed at the end.  Leaks outside the plugin's counter
 *           (libheif's, or a bug making the counter lie) are LSan's and
 *           valgrind's to find.
 *
 * usage: test_libheif_plugin PLUGIN.so [api|alloc]...   (both by default)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NOLOAD */
#endif
#include <dlfcn.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libheif/heif.h>
#include <libheif/heif_plugin.h>

#include "plugin_test.h"

static int g_failed;
static heic_libheif_plugin_fail_at_fn g_fail_at;
static heic_libheif_plugin_allocations_fn g_allocations;
static heic_libheif_plugin_outstanding_fn g_outstanding;
static const struct heif_encoder_plugin *g_table;

#define CHECK(cond, ...)                                       \
  do {                                                         \
    if (!(cond)) {                                             \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                            \
      fprintf(stderr, "\n");                                   \
      g_failed++;                                              \
    }                                                          \
  } while (0)

/* dlsym's object pointer into a function pointer, without the cast C
 * forbids. */
static int find(void *lib, const char *name, void *fn, size_t size) {
  void *sym = dlsym(lib, name);
  if (!sym || size != sizeof(sym)) return 0;
  memcpy(fn, &sym, size);
  return 1;
}

/* ---- images ---- */

/* A w x h RGB(A) image, 8 bits or (deep) 10 bits little-endian: smooth
 * gradients with a little texture, alpha a ramp. */
static struct heif_image *make_rgb(int w, int h, int alpha, int deep) {
  struct heif_image *img = NULL;
  enum heif_chroma c = deep ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                            : (alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
  if (heif_image_create(w, h, heif_colorspace_RGB, c, &img).code) return NULL;
  if (heif_image_add_plane(img, heif_channel_interleaved, w, h, deep ? 10 : 8).code) {
    heif_image_release(img);
    return NULL;
  }
  int stride = 0;
  uint8_t *p = heif_image_get_plane(img, heif_channel_interleaved, &stride);
  int comps = alpha ? 4 : 3, max = deep ? 1023 : 255;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < comps; k++) {
        int gx = (x * max) / (w > 1 ? w - 1 : 1), gy = (y * max) / (h > 1 ? h - 1 : 1);
        int v = k == 0 ? gx : k == 1 ? gy : k == 2 ? (gx + gy) / 2 : max - gx;
        if (k < 3) v = v * 7 / 8 + ((x * y) % 5) * (max / 64); /* a little texture */
        if (deep) {
          p[(size_t)y * stride + (size_t)(x * comps + k) * 2] = (uint8_t)(v & 0xff);
          p[(size_t)y * stride + (size_t)(x * comps + k) * 2 + 1] = (uint8_t)(v >> 8);
        } else {
          p[(size_t)y * stride + (size_t)(x * comps + k)] = (uint8_t)v;
        }
      }
  return img;
}

/* A planar YCbCr (or monochrome) image at depth bits, given chroma. */
static struct heif_image *make_planar(int w, int h, enum heif_colorspace cs, enum heif_chroma chroma,
                                      int depth) {
  struct heif_image *img = NULL;
  if (heif_image_create(w, h, cs, chroma, &img).code) return NULL;
  int planes = chroma == heif_chroma_monochrome ? 1 : 3;
  for (int i = 0; i < planes; i++) {
    int pw = w, ph = h;
    if (i && chroma != heif_chroma_444) pw = (w + 1) / 2;
    if (i && chroma == heif_chroma_420) ph = (h + 1) / 2;
    enum heif_channel ch = i == 0 ? heif_channel_Y : i == 1 ? heif_channel_Cb : heif_channel_Cr;
    if (heif_image_add_plane(img, ch, pw, ph, depth).code) {
      heif_image_release(img);
      return NULL;
    }
    int stride = 0;
    uint8_t *p = heif_image_get_plane(img, ch, &stride);
    for (int y = 0; y < ph; y++)
      for (int x = 0; x < pw; x++) {
        int v = ((x + y) * 5) % (1 << depth);
        if (depth > 8) {
          p[(size_t)y * stride + 2 * (size_t)x] = (uint8_t)(v & 0xff);
          p[(size_t)y * stride + 2 * (size_t)x + 1] = (uint8_t)(v >> 8);
        } else {
          p[(size_t)y * stride + (size_t)x] = (uint8_t)v;
        }
      }
  }
  return img;
}

/* ---- through libheif's API ---- */

typedef struct membuf {
  uint8_t *data;
  size_t size;
} membuf;

static struct heif_error mem_write(struct heif_context *ctx, const void *data, size_t size, void *opaque) {
  (void)ctx;
  membuf *m = opaque;
  struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
  uint8_t *grown = realloc(m->data, m->size + size);
  if (!grown) {
    struct heif_error e = {heif_error_Memory_allocation_error, heif_suberror_Unspecified, "test"};
    return e;
  }
  memcpy(grown + m->size, data, size);
  m->data = grown;
  m->size += size;
  return ok;
}

/* libheif 1.15's heif_context_get_encoder() hands out its wrapper even
 * when the plugin's new_encoder() failed: release it on every path. */
static struct heif_error get_encoder(struct heif_context *ctx, struct heif_encoder **enc) {
  const struct heif_encoder_descriptor *d = NULL;
  *enc = NULL;
  if (heif_context_get_encoder_descriptors(ctx, heif_compression_HEVC, "libheic", &d, 1) != 1) {
    struct heif_error e = {heif_error_Unsupported_feature, heif_suberror_Unspecified, "libheic not registered"};
    return e;
  }
  return heif_context_get_encoder(ctx, d, enc);
}

/* The allocation loop's scenario.  Returns libheif's first error (code 0:
 * success); *bytes gets the file's size. */
static struct heif_error scenario(size_t *bytes) {
  struct heif_error err = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
  struct heif_context *ctx = heif_context_alloc();
  struct heif_encoder *enc = NULL;
  struct heif_image *rgba = make_rgb(33, 17, 1, 0), *deep = make_rgb(20, 10, 0, 1);
  struct heif_encoding_options *opts = heif_encoding_options_alloc();
  struct heif_image_handle *h1 = NULL, *h2 = NULL;
  membuf out = {NULL, 0};
  *bytes = 0;
  if (!ctx || !rgba || !deep || !opts) {
    err.code = heif_error_Memory_allocation_error;
    err.message = "test setup";
    goto done;
  }
  opts->save_alpha_channel = 1;
  err = get_encoder(ctx, &enc);
  if (!err.code) err = heif_encoder_set_lossy_quality(enc, 60);
  if (!err.code) err = heif_encoder_set_lossless(enc, 0);
  if (!err.code) err = heif_encoder_set_parameter(enc, "preset", "fast");
  if (!err.code) err = heif_encoder_set_parameter_boolean(enc, "sao", 0);
  if (!err.code) err = heif_context_encode_image(ctx, rgba, enc, opts, &h1);
  if (!err.code) err = heif_context_encode_image(ctx, deep, enc, opts, &h2);
  if (!err.code) {
    struct heif_writer w = {1, mem_write};
    err = heif_context_write(ctx, &w, &out);
    *bytes = out.size;
  }
done:
  free(out.data);
  heif_image_handle_release(h1);
  heif_image_handle_release(h2);
  heif_encoding_options_free(opts);
  heif_image_release(rgba);
  heif_image_release(deep);
  heif_encoder_release(enc);
  heif_context_free(ctx);
  return err;
}

static void test_alloc(void) {
  size_t base = g_outstanding(), bytes = 0;
  uint64_t before = g_allocations();
  struct heif_error e = scenario(&bytes);
  uint64_t n = g_allocations() - before;
  CHECK(e.code == heif_error_Ok && bytes > 0, "unfailed scenario: %d.%d %s", e.code, e.subcode, e.message);
  CHECK(g_outstanding() == base, "unfailed scenario left %zu blocks", g_outstanding() - base);
  CHECK(n > 10, "the scenario made only %llu allocations", (unsigned long long)n);
  int wrong = 0;
  for (uint64_t k = 1; k <= n; k++) {
    g_fail_at(k);
    e = scenario(&bytes);
    g_fail_at(0);
    if (e.code != heif_error_Memory_allocation_error || g_outstanding() != base) {
      if (wrong++ < 10)
        CHECK(0, "allocation %llu of %llu failed: libheif said %d.%d '%s', %zu blocks left",
              (unsigned long long)k, (unsigned long long)n, e.code, e.subcode, e.message ? e.message : "",
              g_outstanding() - base);
      else
        g_failed++;
    }
  }
  e = scenario(&bytes);
  CHECK(e.code == heif_error_Ok && bytes > 0, "scenario after the loop: %d.%d %s", e.code, e.subcode, e.message);
  CHECK(g_outstanding() == base, "%zu blocks left after the loop", g_outstanding() - base);
  printf("alloc: %llu allocations, each failed in turn: %s\n", (unsigned long long)n,
         wrong ? "FAILED" : "a libheif error every time, nothing left allocated");
}

/* ---- the table ---- */

typedef struct nal_list {
  int count;
  int types[16];
  size_t sizes[16];
  int sps_vui;   /* vui_parameters_present_flag of the SPS, -1 none seen */
  int sei_named; /* the SEI's text starts "libheic " */
} nal_list;

/* A bit reader for the SPS check below, written from H.265 7.3.2.2 apart
 * from the plugin's own (libheif-plugin/vui.c). */
typedef struct rbsp_reader {
  uint8_t b[1024];
  size_t n, pos;
} rbsp_reader;

static unsigned rd(rbsp_reader *r, int bits) {
  unsigned v = 0;
  for (int i = 0; i < bits; i++, r->pos++)
    v = v << 1 | (r->pos < r->n * 8 ? (r->b[r->pos / 8] >> (7 - r->pos % 8)) & 1u : 0u);
  return v;
}

static unsigned rd_ue(rbsp_reader *r) {
  int zeros = 0;
  while (!rd(r, 1) && r->pos < r->n * 8 && zeros < 32) zeros++;
  return zeros ? (1u << zeros) - 1 + rd(r, zeros) : 0;
}

/* vui_parameters_present_flag of an SPS without sub-layers, scaling list
 * data, PCM or reference picture sets (libheic's), or -1. */
static int sps_vui_flag(const uint8_t *nal, size_t size) {
  static rbsp_reader r;
  memset(&r, 0, sizeof(r));
  int zeros = 0;
  for (size_t i = 2; i < size && r.n < sizeof(r.b); i++) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    r.b[r.n++] = nal[i];
    zeros = nal[i] ? 0 : zeros + 1;
  }
  rd(&r, 4);
  if (rd(&r, 3)) return -1; /* sub-layers */
  rd(&r, 1 + 96);           /* temporal_id_nesting, profile_tier_level */
  rd_ue(&r);
  if (rd_ue(&r) == 3) rd(&r, 1);
  rd_ue(&r);
  rd_ue(&r);
  if (rd(&r, 1))
    for (int i = 0; i < 4; i++) rd_ue(&r);
  for (int i = 0; i < 3; i++) rd_ue(&r);
  rd(&r, 1);
  for (int i = 0; i < 3 + 6; i++) rd_ue(&r);
  if (rd(&r, 1)) return -1; /* scaling lists */
  rd(&r, 2);
  if (rd(&r, 1)) return -1; /* PCM */
  if (rd_ue(&r)) return -1; /* short-term reference picture sets */
  if (rd(&r, 1)) return -1; /* long-term */
  rd(&r, 2);
  int flag = (int)rd(&r, 1);
  return r.pos <= r.n * 8 ? flag : -1;
}

static void drain(void *enc, nal_list *l, int max) {
  memset(l, 0, sizeof(*l));
  l->sps_vui = -1;
  for (int i = 0; i < max; i++) {
    uint8_t *data = NULL;
    int size = -1;
    enum heif_encoded_data_type type = 0;
    struct heif_error e = g_table->get_compressed_data(enc, &data, &size, i % 2 ? NULL : &type);
    CHECK(e.code == heif_error_Ok, "get_compressed_data: %s", e.message);
    if (!data) {
      CHECK(size == 0, "end of data with size %d", size);
      return;
    }
    int nut = (data[0] >> 1) & 0x3f;
    if (i % 2 == 0)
      CHECK((int)type == (nut >= 32 && nut <= 34 ? heif_encoded_data_type_HEVC_header
                                                  : heif_encoded_data_type_HEVC_image),
            "NAL %d: type %d", nut, (int)type);
    if (l->count < 16) {
      l->types[l->count] = nut;
      l->sizes[l->count] = (size_t)size;
      l->count++;
    }
    if (nut == 33) l->sps_vui = sps_vui_flag(data, (size_t)size);
    if (nut == 39) l->sei_named = size > 2 + 3 + 16 + 8 && !memcmp(data + 2 + 2 + 16, "libheic ", 8);
  }
}

static void check_picture(const nal_list *l, const char *what) {
  static const int want[] = {32, 33, 34, 39};
  CHECK(l->count == 5, "%s: %d NAL units", what, l->count);
  for (int i = 0; i < 4 && i < l->count; i++)
    CHECK(l->types[i] == want[i], "%s: NAL %d has type %d, not %d", what, i, l->types[i], want[i]);
  CHECK(l->count >= 5 && l->types[4] >= 16 && l->types[4] <= 21, "%s: no IRAP slice last", what);
  CHECK(l->sps_vui == 1, "%s: the SPS has no VUI (%d)", what, l->sps_vui);
  CHECK(l->sei_named, "%s: the SEI does not name libheic", what);
}

static void test_table_pictures(void) {
  size_t base = g_outstanding();
  void *enc = NULL;
  /* Never used. */
  struct heif_error e = g_table->new_encoder(&enc);
  CHECK(e.code == heif_error_Ok && enc, "new_encoder: %s", e.message);
  g_table->free_encoder(enc);
  CHECK(g_outstanding() == base, "an unused encoder left %zu blocks", g_outstanding() - base);

  struct heif_image *c = make_planar(65, 33, heif_colorspace_YCbCr, heif_chroma_420, 8);
  struct heif_image *a = make_planar(65, 33, heif_colorspace_monochrome, heif_chroma_monochrome, 12);
  struct heif_image *f444 = make_planar(16, 16, heif_colorspace_YCbCr, heif_chroma_444, 8);
  struct heif_image *huge = make_planar(16386, 2, heif_colorspace_YCbCr, heif_chroma_420, 8);
  CHECK(c && a && f444 && huge, "cannot make the test images");
  if (!c || !a || !f444 || !huge) goto done;

  /* Colour then alpha on one encoder, each read to the end. */
  e = g_table->new_encoder(&enc);
  size_t state = g_outstanding();
  nal_list l;
  e = g_table->encode_image(enc, c, heif_image_input_class_normal);
  CHECK(e.code == heif_error_Ok, "colour: %s", e.message);
  drain(enc, &l, 64);
  check_picture(&l, "colour");
  size_t between = g_outstanding();
  e = g_table->encode_image(enc, a, heif_image_input_class_alpha);
  CHECK(e.code == heif_error_Ok, "12-bit monochrome alpha: %s", e.message);
  drain(enc, &l, 64);
  check_picture(&l, "alpha");
  CHECK(between == state, "between pictures the encoder holds %zu blocks besides its state",
        between - state);
  /* A picture left half read is dropped by the next one, whose NAL units
   * come out whole from the VPS on. */
  e = g_table->encode_image(enc, c, heif_image_input_class_normal);
  drain(enc, &l, 2);
  e = g_table->encode_image(enc, a, heif_image_input_class_alpha);
  drain(enc, &l, 64);
  check_picture(&l, "after a half-read picture");
  /* Refused pictures: a clear error and nothing held. */
  e = g_table->encode_image(enc, f444, heif_image_input_class_normal);
  CHECK(e.code == heif_error_Unsupported_feature && e.message && strstr(e.message, "4:2:0"),
        "4:4:4: %d '%s'", e.code, e.message ? e.message : "");
  drain(enc, &l, 64);
  CHECK(l.count == 0, "a refused picture left %d NAL units", l.count);
  e = g_table->encode_image(enc, huge, heif_image_input_class_normal);
  CHECK(e.code == heif_error_Encoder_plugin_error && e.subcode == heif_suberror_Invalid_image_size &&
            e.message && strstr(e.message, "16386"),
        "16386x2: %d.%d '%s'", e.code, e.subcode, e.message ? e.message : "");
  /* Freed in the middle of a picture. */
  e = g_table->encode_image(enc, c, heif_image_input_class_normal);
  drain(enc, &l, 3);
  g_table->free_encoder(enc);
  enc = NULL;
  CHECK(g_outstanding() == base, "encoders left %zu blocks", g_outstanding() - base);

  /* chroma=444: libheif is asked for 4:4:4, odd sizes are coded as they
   * are, and the colour and the alpha image of one encoder both code. */
  e = g_table->new_encoder(&enc);
  if (!e.code) e = g_table->set_parameter_string(enc, "chroma", "444");
  CHECK(!e.code, "chroma=444: %s", e.message);
  enum heif_colorspace qcs = heif_colorspace_RGB;
  enum heif_chroma qch = heif_chroma_interleaved_RGB;
  g_table->query_input_colorspace2(enc, &qcs, &qch);
  CHECK(qcs == heif_colorspace_YCbCr && qch == heif_chroma_444, "chroma=444 asks for %d/%d", qcs, qch);
  uint32_t qw = 0, qh = 0;
  g_table->query_encoded_size(enc, 65, 33, &qw, &qh);
  CHECK(qw == 65 && qh == 33, "chroma=444: 65x33 coded at %ux%u", qw, qh);
  e = g_table->encode_image(enc, f444, heif_image_input_class_normal);
  CHECK(e.code == heif_error_Ok, "4:4:4 colour: %s", e.message);
  drain(enc, &l, 64);
  check_picture(&l, "4:4:4 colour");
  e = g_table->encode_image(enc, a, heif_image_input_class_alpha);
  CHECK(e.code == heif_error_Ok, "alpha beside 4:4:4: %s", e.message);
  drain(enc, &l, 64);
  check_picture(&l, "alpha beside 4:4:4");
  e = g_table->encode_image(enc, c, heif_image_input_class_normal);
  CHECK(e.code == heif_error_Unsupported_feature && e.message && strstr(e.message, "4:4:4"),
        "4:2:0 into a 4:4:4 encoder: %d '%s'", e.code, e.message ? e.message : "");
  e = g_table->set_parameter_string(enc, "chroma", "422");
  CHECK(!e.code, "chroma=422: %s", e.message);
  g_table->query_encoded_size(enc, 65, 33, &qw, &qh);
  CHECK(qw == 66 && qh == 33, "chroma=422: 65x33 coded at %ux%u", qw, qh);
  g_table->free_encoder(enc);
  enc = NULL;
  CHECK(g_outstanding() == base, "4:4:4 encoders left %zu blocks", g_outstanding() - base);

  uint32_t ew = 0, eh = 0;
  g_table->query_encoded_size(NULL, 7, 5, &ew, &eh);
  CHECK(ew == 8 && eh == 6, "encoded size of 7x5: %ux%u", ew, eh);
  g_table->query_encoded_size(NULL, 64, 1, &ew, &eh);
  CHECK(ew == 64 && eh == 2, "encoded size of 64x1: %ux%u", ew, eh);
  enum heif_colorspace cs = heif_colorspace_RGB;
  enum heif_chroma ch = heif_chroma_interleaved_RGBA;
  g_table->query_input_colorspace2(NULL, &cs, &ch);
  CHECK(cs == heif_colorspace_YCbCr && ch == heif_chroma_420, "RGBA asks for %d/%d", cs, ch);
  cs = heif_colorspace_monochrome;
  ch = heif_chroma_monochrome;
  g_table->query_input_colorspace2(NULL, &cs, &ch);
  CHECK(cs == heif_colorspace_monochrome && ch == heif_chroma_monochrome, "mono asks for %d/%d", cs, ch);
done:
  heif_image_release(c);
  heif_image_release(a);
  heif_image_release(f444);
  heif_image_release(huge);
  printf("api: pictures through the table checked\n");
}

/* The version 4 members libheif 1.21 reads after query_encoded_size. */
typedef struct v4_tail {
  uint32_t minimum_required_libheif_version;
  void (*fn[4])(void);
  int does_indicate_keyframes;
} v4_tail;

static void test_table_header(void) {
  CHECK(!strcmp(g_table->id_name, "libheic"), "id_name %s", g_table->id_name);
  CHECK(g_table->priority > 100, "priority %d", g_table->priority);
  CHECK(g_table->compression_format == heif_compression_HEVC, "format %d", g_table->compression_format);
  int want = heif_get_version_number() >= LIBHEIF_MAKE_VERSION(1, 21, 0) ? 4 : 3;
  CHECK(g_table->plugin_api_version == want, "API version %d under libheif %s", g_table->plugin_api_version,
        heif_get_version());
  v4_tail t;
  memcpy(&t, (const char *)g_table + offsetof(struct heif_encoder_plugin, query_encoded_size) +
                 sizeof(g_table->query_encoded_size),
         sizeof(t));
  CHECK(t.minimum_required_libheif_version == (uint32_t)LIBHEIF_MAKE_VERSION(1, 21, 0),
        "minimum_required_libheif_version %08x", t.minimum_required_libheif_version);
  for (int i = 0; i < 4; i++) CHECK(t.fn[i] != NULL, "version 4 function %d is NULL", i);
  const struct heif_encoder_descriptor *d[4];
  int n = heif_get_encoder_descriptors(heif_compression_HEVC, NULL, d, 4);
  CHECK(n >= 1 && !strcmp(heif_encoder_descriptor_get_id_name(d[0]), "libheic"),
        "libheif's first HEVC encoder is %s", n ? heif_encoder_descriptor_get_id_name(d[0]) : "none");
  printf("api: %s, API version %d under libheif %s, listed first\n", g_table->get_plugin_name(),
         g_table->plugin_api_version, heif_get_version());
}

static void expect_error(struct heif_error e, enum heif_error_code code, enum heif_suberror_code sub,
                         const char *needle, const char *what) {
  CHECK(e.code == code && e.subcode == sub && e.message && strstr(e.message, needle),
        "%s: got %d.%d '%s', want %d.%d with '%s'", what, e.code, e.subcode, e.message ? e.message : "",
        code, sub, needle);
}

static void test_parameters(void) {
  size_t base = g_outstanding();
  struct heif_context *ctx = heif_context_alloc();
  struct heif_encoder *enc = NULL;
  int listed = 0;
  struct heif_error e = get_encoder(ctx, &enc);
  CHECK(e.code == heif_error_Ok, "get_encoder: %s", e.message);
  if (e.code) goto done;
  for (const struct heif_encoder_parameter *const *p = heif_encoder_list_parameters(enc); *p; p++) {
    const char *name = heif_encoder_parameter_get_name(*p);
    char value[64];
    listed++;
    CHECK(heif_encoder_has_default(enc, name), "%s has no default", name);
    e = heif_encoder_get_parameter(enc, name, value, sizeof(value));
    CHECK(e.code == heif_error_Ok, "get %s: %s", name, e.message);
    e = heif_encoder_set_parameter(enc, name, value); /* its own default back */
    CHECK(e.code == heif_error_Ok, "set %s=%s: %s", name, value, e.message);
  }
  CHECK(listed >= 9, "only %d parameters listed", listed);
  int v = 0;
  e = heif_encoder_set_lossy_quality(enc, 77);
  CHECK(!e.code && !heif_encoder_get_parameter_integer(enc, "quality", &v).code && v == 77, "quality 77 -> %d", v);
  e = heif_encoder_set_parameter(enc, "preset", "slow");
  char s[16] = "";
  CHECK(!e.code && !heif_encoder_get_parameter_string(enc, "preset", s, sizeof(s)).code && !strcmp(s, "slow"),
        "preset slow -> %s", s);
  e = heif_encoder_set_parameter(enc, "chroma-qp-offset", "-5");
  CHECK(!e.code && !heif_encoder_get_parameter_integer(enc, "chroma-qp-offset", &v).code && v == -5,
        "chroma-qp-offset -5 -> %d", v);
  e = heif_encoder_set_parameter(enc, "sao", "false");
  CHECK(!e.code && !heif_encoder_get_parameter_boolean(enc, "sao", &v).code && v == 0, "sao false -> %d", v);
  expect_error(heif_encoder_set_parameter(enc, "no-such", "1"), heif_error_Usage_error,
               heif_suberror_Unsupported_parameter, "no-such", "unknown parameter");
  e = heif_encoder_set_parameter(enc, "threads", "1");
  CHECK(!e.code && !heif_encoder_get_parameter_integer(enc, "threads", &v).code && v == 1,
        "threads 1 -> %d", v);
  expect_error(heif_encoder_set_parameter(enc, "threads", "2000"), heif_error_Usage_error,
               heif_suberror_Invalid_parameter_value, "Invalid", "threads=2000");
  expect_error(heif_encoder_set_parameter(enc, "preset", "ultra"), heif_error_Usage_error,
               heif_suberror_Invalid_parameter_value, "ultra", "preset=ultra");
  expect_error(heif_encoder_set_parameter_string(enc, "chroma", "400"), heif_error_Usage_error,
               heif_suberror_Invalid_parameter_value, "420, 422 or 444", "chroma=400");
  e = heif_encoder_set_parameter_string(enc, "chroma", "444");
  CHECK(!e.code, "chroma=444: %s", e.message);
  e = heif_encoder_set_parameter_string(enc, "chroma", "420");
  CHECK(!e.code, "chroma=420: %s", e.message);
  e = heif_encoder_set_lossless(enc, 1);
  CHECK(!e.code && !heif_encoder_get_parameter_boolean(enc, "lossless", &v).code && v == 1,
        "lossless 1 -> %d (%s)", v, e.message);
  e = heif_encoder_set_lossless(enc, 0);
  CHECK(!e.code, "lossless 0: %s", e.message);
  expect_error(heif_encoder_set_lossy_quality(enc, 101), heif_error_Usage_error,
               heif_suberror_Invalid_parameter_value, "quality", "quality 101");
  /* (libheif answers this one itself, with its own text) */
  expect_error(heif_encoder_set_parameter_integer(enc, "sao", 1), heif_error_Usage_error,
               heif_suberror_Unsupported_parameter, "", "sao as an integer");
  /* A refused value leaves the old one. */
  CHECK(!heif_encoder_get_parameter_string(enc, "preset", s, sizeof(s)).code && !strcmp(s, "slow"),
        "preset after a refused value: %s", s);
done:
  heif_encoder_release(enc);
  heif_context_free(ctx);
  CHECK(g_outstanding() == base, "parameters left %zu blocks", g_outstanding() - base);
  printf("api: %d parameters, set and read back, bad ones refused\n", listed);
}

/* RGBA with an ICC profile through libheif and back: libheif writes the
 * profile and no nclx, so the decoder's range comes from our VUI. */
static void test_round_trip(void) {
  size_t base = g_outstanding(), bytes = 0;
  struct heif_context *ctx = heif_context_alloc(), *back = heif_context_alloc();
  struct heif_encoder *enc = NULL;
  struct heif_image *img = make_rgb(96, 64, 1, 0), *dec = NULL;
  struct heif_encoding_options *opts = heif_encoding_options_alloc();
  struct heif_image_handle *h = NULL;
  membuf out = {NULL, 0};
  static const uint8_t icc[128] = {0}; /* contents do not matter to libheif */
  struct heif_error e = heif_image_set_raw_color_profile(img, "prof", icc, sizeof(icc));
  opts->save_alpha_channel = 1;
  if (!e.code) e = get_encoder(ctx, &enc);
  if (!e.code) e = heif_encoder_set_lossy_quality(enc, 90);
  if (!e.code) e = heif_context_encode_image(ctx, img, enc, opts, NULL);
  struct heif_writer w = {1, mem_write};
  if (!e.code) e = heif_context_write(ctx, &w, &out);
  if (!e.code) e = heif_context_read_from_memory_without_copy(back, out.data, out.size, NULL);
  if (!e.code) e = heif_context_get_primary_image_handle(back, &h);
  if (!e.code) e = heif_decode_image(h, &dec, heif_colorspace_RGB, heif_chroma_interleaved_RGBA, NULL);
  CHECK(!e.code, "round trip: %s", e.message);
  bytes = out.size;
  if (!e.code) {
    int sa = 0, sb = 0;
    const uint8_t *pa = heif_image_get_plane_readonly(img, heif_channel_interleaved, &sa);
    const uint8_t *pb = heif_image_get_plane_readonly(dec, heif_channel_interleaved, &sb);
    double se[2] = {0, 0};
    for (int y = 0; y < 64; y++)
      for (int x = 0; x < 96 * 4; x++) {
        double d = (double)pa[y * sa + x] - pb[y * sb + x];
        se[x % 4 == 3] += d * d;
      }
    double psnr_rgb = 10 * log10(255.0 * 255.0 / (se[0] / (96 * 64 * 3) + 1e-9));
    double psnr_a = 10 * log10(255.0 * 255.0 / (se[1] / (96 * 64) + 1e-9));
    CHECK(psnr_rgb > 30 && psnr_a > 35, "round trip PSNR rgb %.2f alpha %.2f dB", psnr_rgb, psnr_a);
    printf("api: RGBA with ICC through libheif and back: %zu bytes, PSNR rgb %.2f alpha %.2f dB\n", bytes,
           psnr_rgb, psnr_a);
  }
  heif_image_release(dec);
  heif_image_handle_release(h);
  heif_context_free(back);
  free(out.data);
  heif_encoding_options_free(opts);
  heif_image_release(img);
  heif_encoder_release(enc);
  heif_context_free(ctx);
  CHECK(g_outstanding() == base, "round trip left %zu blocks", g_outstanding() - base);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_libheif_plugin PLUGIN.so [api|alloc]...\n");
    return 2;
  }
  heif_init(NULL);
  const struct heif_plugin_info *info = NULL;
  struct heif_error e = heif_load_plugin(argv[1], &info);
  if (e.code || !info) {
    fprintf(stderr, "FAIL: libheif cannot load %s: %s\n", argv[1], e.message);
    heif_deinit();
    return 1;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
  int ok = lib && find(lib, "heic_libheif_plugin_fail_at", &g_fail_at, sizeof(g_fail_at)) &&
           find(lib, "heic_libheif_plugin_allocations", &g_allocations, sizeof(g_allocations)) &&
           find(lib, "heic_libheif_plugin_outstanding", &g_outstanding, sizeof(g_outstanding));
  g_table = info->plugin;
  if (!ok || info->type != heif_plugin_type_encoder) {
    fprintf(stderr, "FAIL: %s exports no test hook or is no encoder plugin\n", argv[1]);
    g_failed++;
  } else {
    static const char *const both[] = {"api", "alloc"};
    const char *const *parts = argc > 2 ? (const char *const *)argv + 2 : both;
    int count = argc > 2 ? argc - 2 : 2;
    for (int i = 0; i < count; i++) {
      if (!strcmp(parts[i], "api")) {
        test_table_header();
        test_parameters();
        test_table_pictures();
        test_round_trip();
      } else if (!strcmp(parts[i], "alloc")) {
        test_alloc();
      } else {
        fprintf(stderr, "unknown part %s\n", parts[i]);
        g_failed++;
      }
    }
    CHECK(g_outstanding() == 0, "the plugin holds %zu blocks at the end", g_outstanding());
  }
  if (lib) dlclose(lib);
  /* Not heif_unload_plugin(info): libheif 1.15 dlclose()s the plugin and
   * then reads info, which lived in it.  heif_deinit() unregisters first. */
  heif_deinit();
  printf("%s\n", g_failed ? "FAILED" : "ok");
  return g_failed ? 1 : 0;
}
