/*
 * Torture tests: allocation failure, thread-creation failure, cancellation
 * and I/O failure.  SPDX-License-Identifier: BSD-2-Clause
 *
 *   test_torture alloc  [--max-full N] [--sample N] [--seed S] [--data DIR] [--corpus DIR]
 *                       [--only TEXT] [--skip TEXT] [--verbose]
 *   test_torture cancel [--data DIR]
 *   test_torture io     [--data DIR]
 *
 * alloc: every scenario runs once on a fresh heic_allocator to count its
 * allocation attempts N (heic_allocator_allocation_count; the thread pool
 * counts each pthread_create as one attempt, so thread-creation failure is
 * injected the same way).  Then it is rerun with heic_allocator_fail_at(k)
 * for every k <= --max-full, plus --sample distinct k drawn at random from
 * (max-full, N] with a printed seed.  Every rerun must either end with
 * HEIC_ERR_OUT_OF_MEMORY or succeed with output identical to the unfailed
 * run's (an allocation whose failure is absorbed is fine only when nothing
 * is lost); in both cases the allocator must be back at 0 outstanding
 * bytes.  In the sanitizer tree ASan/LSan/UBSan report the rest.
 *
 * Allocations made inside third-party libraries (libde265 while decoding,
 * libx265 in the x265 plugin, libpng in the tools) do not go through the
 * allocator and cannot be failed from here: LSan and valgrind check them.
 *
 * cancel: a progress callback cancels at each of its call points of a grid
 * encode (threads 1 and 2) and a grid decode: HEIC_ERR_CANCELLED, 0 bytes
 * outstanding, and a cancelled encode cannot be written (no file, no
 * temporary left in the directory).
 *
 * io: heic_context_write_file to a full device, below a regular file used
 * as a directory (ENOTDIR) and below a missing directory: HEIC_ERR_IO, the
 * message names the path, nothing is left behind, and a later write to a
 * good path still succeeds.  As root the full device is a private node
 * made with mknod (same device numbers as /dev/full) in a temporary
 * directory, because the temporary file is made beside the target and root
 * may create files in /dev.
 */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <heic/heic.h>
#include <heic/heic_plugin.h>

#include "plugins/encoder_registry.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static int g_failures;
static int g_verbose;

#define FAIL(...)                                        \
  do {                                                   \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                        \
    fputc('\n', stderr);                                 \
    g_failures++;                                        \
  } while (0)

#define CHECK(cond)                              \
  do {                                           \
    if (!(cond)) FAIL("check failed: %s", #cond); \
  } while (0)

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A growable byte string in the test's own memory (never the allocator
 * under test), holding what a scenario produced so that runs compare. */
typedef struct blob {
  uint8_t *p;
  size_t n, cap;
  int oom; /* the test itself ran out of memory */
} blob;

static void blob_add(blob *b, const void *data, size_t size) {
  if (b->oom || !size) return;
  if (b->n + size > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + size) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, data, size);
  b->n += size;
}

static void blob_printf(blob *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void blob_printf(blob *b, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) blob_add(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void blob_u32(blob *b, uint32_t v) { blob_add(b, &v, sizeof v); }

static void blob_clear(blob *b) {
  free(b->p);
  memset(b, 0, sizeof(*b));
}

static int blob_equal(const blob *a, const blob *b) {
  return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static uint8_t *read_whole_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *p = realloc(data, cap);
      if (!p) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = p;
    }
    size_t got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *size = n;
  return data;
}

/* xorshift64*: the sample of k beyond --max-full. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* The last error message of the failing call, for reports. */
static char g_last_msg[512];

static void note_error(const heic_context *ctx, const char *what, heic_status st) {
  snprintf(g_last_msg, sizeof g_last_msg, "%s: %s: %s", what, heic_status_string(st),
           ctx ? heic_context_last_error(ctx) : "");
}

/* ------------------------------------------------------------------ */
/* Test images                                                          */
/* ------------------------------------------------------------------ */

static const uint8_t k_exif[] = {
    'I', 'I', 42, 0, 8, 0, 0, 0, /* TIFF header, IFD at 8 */
    1, 0,                         /* one entry */
    0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, /* Orientation = 1 */
    0, 0, 0, 0};

static const uint8_t k_icc_stub[] = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'I', 'C', 'C', ' ',
                                     'p', 'r', 'o', 'f', 'i', 'l', 'e', '!', 0};

/* The builtin encoder's fastest preset: the loops rerun each encode
 * hundreds of times, and the allocation pattern is the same. */
static const char *const k_fast[] = {"preset=fast", NULL};

/* An RGB(A) 8-bit image with smooth gradients and some texture, drawn from
 * alloc (so that its own allocations are part of the scenario). */
static heic_status make_rgb(heic_allocator *alloc, uint32_t w, uint32_t h, int alpha,
                            heic_image **out) {
  heic_status st = heic_image_new(out, alloc, w, h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, 8, alpha);
  if (st != HEIC_OK) return st;
  size_t stride = 0;
  uint8_t *p = heic_image_plane_mut(*out, HEIC_PLANE_INTERLEAVED, &stride);
  if (!p) {
    heic_image_free(out);
    return HEIC_ERR_INTERNAL;
  }
  int comps = alpha ? 4 : 3;
  for (uint32_t y = 0; y < h; y++) {
    uint8_t *row = p + y * stride;
    for (uint32_t x = 0; x < w; x++) {
      uint8_t *px = row + (size_t)x * (size_t)comps;
      px[0] = (uint8_t)(x * 255 / (w ? w : 1));
      px[1] = (uint8_t)(y * 255 / (h ? h : 1));
      px[2] = (uint8_t)(((x / 16 + y / 16) & 1) ? 200 : 40);
      if (alpha) px[3] = (uint8_t)(x < w / 4 ? 0 : (x < w / 2 ? 128 : 255));
    }
  }
  return HEIC_OK;
}

/* The HEIC every decode/parse scenario can count on: 700x500 RGBA, a grid
 * of 256 tiles (colour and alpha), a 96-pixel thumbnail and Exif. */
static uint8_t *make_test_heic(size_t *size) {
  heic_allocator *alloc = NULL;
  heic_image *img = NULL;
  heic_context *ctx = NULL;
  heic_buffer *file = NULL;
  uint8_t *copy = NULL;
  heic_context_config cfg;
  heic_encode_options opts;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return NULL;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 2;
  heic_encode_options_init(&opts);
  opts.quality = 60;
  opts.params = k_fast;
  opts.tile_size = 256;
  opts.thumbnail_size = 96;
  opts.exif = k_exif;
  opts.exif_size = sizeof k_exif;
  heic_status st = make_rgb(alloc, 700, 500, 1, &img);
  if (st == HEIC_OK) st = heic_context_new(&ctx, &cfg);
  if (st == HEIC_OK) st = heic_context_encode_image(ctx, img, &opts, NULL);
  if (st == HEIC_OK) st = heic_context_write_memory(ctx, &file);
  if (st == HEIC_OK) {
    *size = heic_buffer_size(file);
    copy = malloc(*size);
    if (copy) memcpy(copy, heic_buffer_data(file), *size);
  } else {
    fprintf(stderr, "cannot make the test HEIC: %s: %s\n", heic_status_string(st),
            ctx ? heic_context_last_error(ctx) : "");
  }
  heic_buffer_unref(&file);
  heic_context_free(&ctx);
  heic_image_free(&img);
  if (heic_allocator_outstanding_bytes(alloc) != 0) FAIL("making the test HEIC leaked");
  heic_allocator_free(&alloc);
  return copy;
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                            */
/* ------------------------------------------------------------------ */

typedef struct file_arg {
  const char *name;
  const uint8_t *data;
  size_t size;
} file_arg;

typedef heic_status (*scenario_fn)(heic_allocator *alloc, const void *arg, blob *out);

static heic_status new_context(heic_allocator *alloc, int threads, heic_context **ctx) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = threads;
  heic_status st = heic_context_new(ctx, &cfg);
  if (st != HEIC_OK) note_error(NULL, "heic_context_new", st);
  return st;
}

static void add_image(blob *out, const heic_image *img) {
  blob_printf(out, "image %ux%u layout %d chroma %d depth %d alpha %d prem %d comps %d\n",
              heic_image_width(img), heic_image_height(img), (int)heic_image_layout(img),
              (int)heic_image_chroma(img), heic_image_bit_depth(img), heic_image_has_alpha(img),
              heic_image_alpha_premultiplied(img), heic_image_components(img));
  heic_nclx n = heic_image_nclx(img);
  blob_printf(out, "nclx %u/%u/%u/%u\n", n.colour_primaries, n.transfer_characteristics,
              n.matrix_coefficients, n.full_range);
  for (int p = 0; p < 4; p++) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *d = heic_image_plane(img, (heic_plane_id)p, &stride, &w, &h);
    if (!d) continue;
    size_t bytes = (size_t)w * (heic_image_bit_depth(img) > 8 ? 2 : 1) *
                   (size_t)(heic_image_layout(img) == HEIC_LAYOUT_RGB ? heic_image_components(img) : 1);
    blob_printf(out, "plane %d %ux%u\n", p, w, h);
    for (uint32_t y = 0; y < h; y++) blob_add(out, d + y * stride, bytes);
  }
}

/* (a) decode the primary image (with alpha), its first thumbnail and its
 * metadata; 2 threads, so the pool's thread creation is counted too. */
static heic_status scen_decode(heic_allocator *alloc, const void *arg, blob *out) {
  const file_arg *f = arg;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  heic_buffer *buf = NULL;
  heic_status st = new_context(alloc, 2, &ctx);
  if (st != HEIC_OK) return st;
  st = heic_context_read_memory(ctx, f->data, f->size);
  if (st != HEIC_OK) {
    note_error(ctx, "read", st);
    goto done;
  }
  uint32_t primary = heic_context_primary_item(ctx);
  blob_printf(out, "primary %u\n", primary);
  st = heic_context_decode_item(ctx, primary, NULL, &img);
  if (st != HEIC_OK) {
    note_error(ctx, "decode primary", st);
    goto done;
  }
  add_image(out, img);
  heic_image_free(&img);
  heic_item_info info;
  st = heic_context_item_info(ctx, primary, &info);
  if (st != HEIC_OK) {
    note_error(ctx, "item_info", st);
    goto done;
  }
  if (info.thumbnail_count) {
    uint32_t t = heic_context_thumbnail_id(ctx, primary, 0);
    blob_printf(out, "thumbnail %u\n", t);
    st = heic_context_decode_item(ctx, t, NULL, &img);
    if (st != HEIC_OK) {
      note_error(ctx, "decode thumbnail", st);
      goto done;
    }
    add_image(out, img);
    heic_image_free(&img);
  }
  uint32_t nmeta = heic_context_metadata_count(ctx, primary);
  for (uint32_t i = 0; i < nmeta; i++) {
    uint32_t m = heic_context_metadata_id(ctx, primary, i);
    st = heic_context_item_data(ctx, m, &buf);
    blob_printf(out, "metadata %u: %d\n", m, (int)st);
    if (st == HEIC_OK) {
      blob_add(out, heic_buffer_data(buf), heic_buffer_size(buf));
      heic_buffer_unref(&buf);
    } else if (st == HEIC_ERR_OUT_OF_MEMORY) {
      note_error(ctx, "item_data", st);
      goto done;
    }
    st = HEIC_OK;
  }
done:
  heic_buffer_unref(&buf);
  heic_image_free(&img);
  heic_context_free(&ctx);
  return st;
}

typedef struct encode_arg {
  uint32_t w, h;
  int alpha;
  uint32_t thumbnail, tile;
  int threads;
  int metadata;
  int consume; /* through heic_context_encode_image_consume() */
} encode_arg;


/* (b), (c) encode with the builtin encoder and write to memory. */
static heic_status scen_encode(heic_allocator *alloc, const void *arg, blob *out) {
  const encode_arg *e = arg;
  heic_image *img = NULL;
  heic_context *ctx = NULL;
  heic_buffer *file = NULL;
  heic_status st = make_rgb(alloc, e->w, e->h, e->alpha, &img);
  if (st != HEIC_OK) {
    note_error(NULL, "heic_image_new", st);
    return st;
  }
  st = new_context(alloc, e->threads, &ctx);
  if (st == HEIC_OK) {
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.quality = 55;
    opts.params = k_fast;
    opts.thumbnail_size = e->thumbnail;
    opts.tile_size = e->tile;
    if (e->metadata) {
      opts.exif = k_exif;
      opts.exif_size = sizeof k_exif;
      opts.icc = k_icc_stub;
      opts.icc_size = sizeof k_icc_stub;
    }
    uint32_t item = 0;
    st = e->consume ? heic_context_encode_image_consume(ctx, &img, &opts, &item)
                    : heic_context_encode_image(ctx, img, &opts, &item);
    if (e->consume && img) FAIL("encode_image_consume left the image to the caller");
    if (st != HEIC_OK) note_error(ctx, "encode", st);
    if (st == HEIC_OK) {
      st = heic_context_write_memory(ctx, &file);
      if (st != HEIC_OK) note_error(ctx, "write_memory", st);
    }
    if (st == HEIC_OK) {
      blob_printf(out, "item %u\n", item);
      blob_add(out, heic_buffer_data(file), heic_buffer_size(file));
    }
  }
  heic_buffer_unref(&file);
  heic_context_free(&ctx);
  heic_image_free(&img);
  return st;
}

/* (d) read-only parse plus every query heic-info makes. */
static heic_status scen_parse(heic_allocator *alloc, const void *arg, blob *out) {
  const file_arg *f = arg;
  heic_context *ctx = NULL;
  heic_buffer *buf = NULL;
  heic_status st = new_context(alloc, 1, &ctx);
  if (st != HEIC_OK) return st;
  st = heic_context_read_memory(ctx, f->data, f->size);
  if (st != HEIC_OK) {
    note_error(ctx, "read", st);
    goto done;
  }
  char brand[5];
  heic_context_major_brand(ctx, brand);
  blob_printf(out, "brand %s minor %u:", brand, heic_context_minor_version(ctx));
  for (uint32_t i = 0; i < heic_context_brand_count(ctx); i++) {
    heic_context_brand(ctx, i, brand);
    blob_printf(out, " %s", brand);
  }
  blob_printf(out, "\nprimary %u\n", heic_context_primary_item(ctx));
  uint32_t items = heic_context_item_count(ctx);
  for (uint32_t i = 0; i < items; i++) {
    uint32_t id = heic_context_item_id(ctx, i);
    heic_item_info info;
    st = heic_context_item_info(ctx, id, &info);
    blob_printf(out, "item %u info %d\n", id, (int)st);
    if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
    if (st == HEIC_OK) {
      blob_printf(out, " %s '%s' '%s' h%d img%d p%d %ux%u d%d c%d size %" PRIu64
                       " a%u dep%u th%u of%u aux%u '%s' prem%d dec%d '%s'\n",
                  info.type, info.name, info.content_type, info.hidden, info.is_image,
                  info.is_primary, info.width, info.height, info.bit_depth, (int)info.chroma,
                  info.data_size, info.alpha_item, info.depth_item, info.thumbnail_count,
                  info.thumbnail_of, info.auxiliary_of, info.aux_type, info.premultiplied,
                  info.decodable, info.why_not);
      for (uint32_t t = 0; t < info.thumbnail_count; t++)
        blob_printf(out, " thumb %u\n", heic_context_thumbnail_id(ctx, id, t));
    }
    uint32_t np = heic_context_property_count(ctx, id);
    for (uint32_t p = 0; p < np; p++) {
      char type[5] = "", desc[256] = "";
      int essential = 0;
      st = heic_context_property(ctx, id, p, type, &essential, desc, sizeof desc);
      blob_printf(out, " prop %u %d %s %d %s\n", p, (int)st, type, essential, desc);
      if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
    }
    uint32_t nr = heic_context_reference_count(ctx, id);
    for (uint32_t r = 0; r < nr; r++) {
      char type[5] = "";
      const uint32_t *to = NULL;
      uint32_t count = 0;
      st = heic_context_reference(ctx, id, r, type, &to, &count);
      blob_printf(out, " ref %u %d %s ->", r, (int)st, type);
      if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
      for (uint32_t t = 0; st == HEIC_OK && t < count; t++) blob_printf(out, " %u", to[t]);
      blob_printf(out, "\n");
    }
  }
  uint32_t top = heic_context_top_level_count(ctx);
  for (uint32_t i = 0; i < top; i++) {
    uint32_t id = heic_context_top_level_id(ctx, i);
    blob_printf(out, "top %u\n", id);
    uint32_t nm = heic_context_metadata_count(ctx, id);
    for (uint32_t m = 0; m < nm; m++) {
      uint32_t mid = heic_context_metadata_id(ctx, id, m);
      st = heic_context_item_data(ctx, mid, &buf);
      blob_printf(out, " meta %u %d\n", mid, (int)st);
      if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
      if (st == HEIC_OK) blob_add(out, heic_buffer_data(buf), heic_buffer_size(buf));
      heic_buffer_unref(&buf);
    }
    st = heic_context_item_icc(ctx, id, &buf);
    blob_printf(out, " icc %d\n", (int)st);
    if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
    if (st == HEIC_OK) blob_add(out, heic_buffer_data(buf), heic_buffer_size(buf));
    heic_buffer_unref(&buf);
    heic_nclx nclx;
    memset(&nclx, 0, sizeof nclx);
    st = heic_context_item_nclx(ctx, id, &nclx);
    blob_printf(out, " nclx %d %u/%u/%u/%u\n", (int)st, nclx.colour_primaries,
                nclx.transfer_characteristics, nclx.matrix_coefficients, nclx.full_range);
    if (st == HEIC_ERR_OUT_OF_MEMORY) goto oom;
  }
  st = HEIC_OK;
  goto done;
oom:
  note_error(ctx, "query", st);
done:
  heic_buffer_unref(&buf);
  heic_context_free(&ctx);
  return st;
}

/* (e) an encoder plugin through the plugin interface: open (with the
 * host's allocator), set every parameter to its default, encode a small
 * picture, close. */
typedef struct plugin_arg {
  const heic_encoder_plugin *plugin;
} plugin_arg;

static heic_status blob_sink(void *opaque, const uint8_t *nal, size_t size) {
  blob *b = opaque;
  uint32_t n = (uint32_t)size;
  blob_u32(b, n);
  blob_add(b, nal, size);
  return b->oom ? HEIC_ERR_OUT_OF_MEMORY : HEIC_OK;
}

static heic_status scen_plugin(heic_allocator *alloc, const void *arg, blob *out) {
  const heic_encoder_plugin *pl = ((const plugin_arg *)arg)->plugin;
  heic_plugin_host host;
  memset(&host, 0, sizeof host);
  host.allocator = alloc;
  void *state = NULL;
  heic_status st = pl->open(&state, &host);
  if (st != HEIC_OK) {
    if (state) FAIL("%s: open failed but left a state", pl->name);
    note_error(NULL, "open", st);
    return st;
  }
  for (uint32_t i = 0; st == HEIC_OK && pl->param_info(i); i++) {
    const heic_param_info *p = pl->param_info(i);
    st = pl->set_param(state, p->name, p->default_value);
    if (st != HEIC_OK) note_error(NULL, p->name, st);
  }
  if (st == HEIC_OK) {
    st = pl->set_param(state, "quality", "60");
    if (st != HEIC_OK) note_error(NULL, "set_param quality", st);
  }
  if (st == HEIC_OK) {
    enum { W = 64, H = 64 };
    uint16_t *planes = malloc(sizeof(uint16_t) * (W * H + 2 * (W / 2) * (H / 2)));
    if (!planes) {
      st = HEIC_ERR_INTERNAL;
    } else {
      heic_plugin_picture pic;
      memset(&pic, 0, sizeof pic);
      pic.width = W;
      pic.height = H;
      pic.chroma = HEIC_CHROMA_420;
      pic.bit_depth_luma = pic.bit_depth_chroma = 8;
      pic.planes[0] = planes;
      pic.planes[1] = planes + W * H;
      pic.planes[2] = planes + W * H + (W / 2) * (H / 2);
      for (int c = 0; c < 3; c++) {
        pic.plane_w[c] = c ? W / 2 : W;
        pic.plane_h[c] = c ? H / 2 : H;
        pic.strides[c] = pic.plane_w[c];
        for (uint32_t y = 0; y < pic.plane_h[c]; y++)
          for (uint32_t x = 0; x < pic.plane_w[c]; x++)
            pic.planes[c][y * pic.strides[c] + x] = (uint16_t)((x * 4 + y * 3 + (uint32_t)c * 50) & 255);
      }
      st = pl->encode(state, &pic, blob_sink, out);
      if (st != HEIC_OK) note_error(NULL, "encode", st);
      free(planes);
    }
  }
  pl->close(&state);
  if (state) FAIL("%s: close left the state pointer set", pl->name);
  return st;
}

/* ------------------------------------------------------------------ */
/* The allocation-failure loop                                          */
/* ------------------------------------------------------------------ */

typedef struct loop_options {
  uint64_t max_full;
  uint64_t sample;
  uint64_t seed;
} loop_options;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The k to fail: 1..min(N, max_full), then up to `sample` distinct values
 * from (max_full, N], sorted.  Returns the count; *ks is malloc'd. */
static size_t choose_ks(uint64_t n, const loop_options *lo, uint64_t *seed, uint64_t **ks) {
  uint64_t full = n < lo->max_full ? n : lo->max_full;
  uint64_t rest = n - full;
  uint64_t extra = rest < lo->sample ? rest : lo->sample;
  *ks = malloc(sizeof(uint64_t) * (size_t)(full + extra + 1));
  if (!*ks) return 0;
  size_t count = 0;
  for (uint64_t k = 1; k <= full; k++) (*ks)[count++] = k;
  if (extra == rest) {
    for (uint64_t k = full + 1; k <= n; k++) (*ks)[count++] = k;
  } else {
    /* Rejection of duplicates: extra <= 500, so a linear check is cheap. */
    size_t start = count;
    while (count - start < extra) {
      uint64_t k = full + 1 + rng_next(seed) % rest;
      int dup = 0;
      for (size_t i = start; i < count && !dup; i++) dup = (*ks)[i] == k;
      if (!dup) (*ks)[count++] = k;
    }
    qsort(*ks + start, count - start, sizeof(uint64_t), cmp_u64);
  }
  return count;
}

static void run_loop(const char *name, scenario_fn fn, const void *arg, const loop_options *lo,
                     const char *note) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    FAIL("%s: cannot make an allocator", name);
    return;
  }
  blob ref = {0};
  double t0 = now_seconds();
  uint64_t before = heic_allocator_allocation_count(alloc);
  g_last_msg[0] = 0;
  heic_status st = fn(alloc, arg, &ref);
  uint64_t n = heic_allocator_allocation_count(alloc) - before;
  double t_ref = now_seconds() - t0;
  if (st != HEIC_OK || ref.oom) {
    FAIL("%s: the unfailed run fails: %s", name, st != HEIC_OK ? g_last_msg : "test out of memory");
    blob_clear(&ref);
    heic_allocator_free(&alloc);
    return;
  }
  if (heic_allocator_outstanding_bytes(alloc) != 0)
    FAIL("%s: %zu bytes outstanding after the unfailed run", name,
         heic_allocator_outstanding_bytes(alloc));

  uint64_t seed = lo->seed;
  uint64_t *ks = NULL;
  size_t nk = choose_ks(n, lo, &seed, &ks);
  if (!ks) {
    FAIL("%s: out of memory in the test", name);
    blob_clear(&ref);
    heic_allocator_free(&alloc);
    return;
  }
  printf("%-34s N = %6" PRIu64 " allocation attempts (%.3f s per run); failing %s", name, n, t_ref,
         nk == n ? "every k" : "");
  if (nk != n)
    printf("k = 1..%" PRIu64 " and %zu k sampled from %" PRIu64 "..%" PRIu64 " (seed %" PRIu64 ")",
           lo->max_full < n ? lo->max_full : n, nk - (size_t)(lo->max_full < n ? lo->max_full : n),
           lo->max_full + 1, n, lo->seed);
  printf("\n");
  if (note) printf("  note: %s\n", note);
  fflush(stdout);

  uint64_t oom = 0, absorbed = 0, bad = 0, thread_fail = 0;
  for (size_t i = 0; i < nk && bad < 10; i++) {
    uint64_t k = ks[i];
    blob out = {0};
    g_last_msg[0] = 0;
    heic_allocator_fail_at(alloc, k);
    st = fn(alloc, arg, &out);
    heic_allocator_fail_at(alloc, 0);
    size_t left = heic_allocator_outstanding_bytes(alloc);
    if (out.oom) {
      FAIL("%s: k = %" PRIu64 ": the test ran out of memory", name, k);
      bad++;
    } else if (st == HEIC_OK) {
      if (!blob_equal(&out, &ref)) {
        FAIL("%s: k = %" PRIu64 ": succeeded with output different from the unfailed run's "
             "(%zu vs %zu bytes): data lost silently", name, k, out.n, ref.n);
        bad++;
      } else {
        absorbed++;
      }
    } else if (st != HEIC_ERR_OUT_OF_MEMORY) {
      FAIL("%s: k = %" PRIu64 ": failed with %s instead of out of memory (%s)", name, k,
           heic_status_string(st), g_last_msg);
      bad++;
    } else {
      oom++;
      if (strstr(g_last_msg, "could not create worker thread")) thread_fail++;
      if (g_verbose) printf("  k = %" PRIu64 ": %s\n", k, g_last_msg);
    }
    if (left != 0) {
      FAIL("%s: k = %" PRIu64 ": %zu bytes outstanding after freeing everything (%s)", name, k,
           left, g_last_msg);
      bad++;
      /* The allocator is poisoned for the next k: start a fresh one. */
      heic_allocator_free(&alloc);
      if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
        blob_clear(&out);
        break;
      }
    }
    blob_clear(&out);
  }
  if (bad >= 10) printf("  (stopped after 10 failures)\n");
  printf("  %" PRIu64 " runs: %" PRIu64 " out of memory, %" PRIu64
         " succeeded with identical output, %" PRIu64 " wrong (%.1f s)\n",
         oom + absorbed + bad, oom, absorbed, bad, now_seconds() - t0);
  if (thread_fail)
    printf("  %" PRIu64 " of the out-of-memory runs were a failed worker-thread creation\n", thread_fail);
  fflush(stdout);
  free(ks);
  blob_clear(&ref);
  heic_allocator_free(&alloc);
}

static int file_exists(const char *path) {
  struct stat s;
  return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

static const char *g_skip;

static int want(const char *only, const char *name) {
  if (g_skip && strstr(name, g_skip)) return 0;
  return !only || strstr(name, only) != NULL;
}

static int cmd_alloc(int argc, char **argv) {
  loop_options lo = {2000, 500, 0};
  const char *data_dir = NULL, *corpus = NULL, *only = NULL;
  int have_seed = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--max-full") && i + 1 < argc) {
      lo.max_full = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--sample") && i + 1 < argc) {
      lo.sample = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      lo.seed = strtoull(argv[++i], NULL, 10);
      have_seed = 1;
    } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) {
      corpus = argv[++i];
    } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else if (!strcmp(argv[i], "--skip") && i + 1 < argc) {
      g_skip = argv[++i];
    } else if (!strcmp(argv[i], "--verbose")) {
      g_verbose = 1;
    } else {
      fprintf(stderr, "test_torture alloc: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (!have_seed) {
    const char *env = getenv("HEIC_TORTURE_SEED");
    lo.seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
  }
  if (!lo.seed) lo.seed = 1;
  printf("allocation-failure loops: every k up to %" PRIu64 ", then %" PRIu64
         " sampled k; seed %" PRIu64 " (rerun with --seed %" PRIu64 " or HEIC_TORTURE_SEED)\n",
         lo.max_full, lo.sample, lo.seed, lo.seed);
  printf("Allocations inside libde265, libx265 and libpng do not go through the libheic\n"
         "allocator and cannot be failed from here; LSan and valgrind check them.\n");
  double t0 = now_seconds();

  size_t gen_size = 0;
  uint8_t *gen = make_test_heic(&gen_size);
  if (!gen) {
    FAIL("cannot make the generated test file");
    return 1;
  }
  /* Decode files: the generated one, then samples that have grid, alpha,
   * thumbnails and Exif. */
  char path[4096];
  struct {
    const char *label;
    const char *dir;
    const char *rel;
  } files[] = {
      {"blue_grid_alpha", NULL, "blue_grid_alpha.heic"},
      {"L_exif_xmp_iptc", NULL, "L_exif_xmp_iptc.heic"},
      {"libheif_example", "corpus", "heif/libheif/example.heic"},
  };
  file_arg fa[4];
  uint8_t *owned[4] = {NULL, NULL, NULL, NULL};
  size_t nfa = 0;
  fa[nfa].name = "generated 700x500 grid+alpha+thumb+exif";
  fa[nfa].data = gen;
  fa[nfa].size = gen_size;
  nfa++;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    const char *base = files[i].dir ? corpus : data_dir;
    if (!base) continue;
    snprintf(path, sizeof path, "%s/%s", base, files[i].rel);
    if (!file_exists(path)) {
      printf("(%s not found: skipped)\n", path);
      continue;
    }
    size_t size = 0;
    owned[nfa] = read_whole_file(path, &size);
    if (!owned[nfa]) {
      FAIL("cannot read %s", path);
      continue;
    }
    fa[nfa].name = files[i].label;
    fa[nfa].data = owned[nfa];
    fa[nfa].size = size;
    nfa++;
  }

  char name[128];
  for (size_t i = 0; i < nfa; i++) {
    snprintf(name, sizeof name, "(a) decode %s", fa[i].name);
    if (want(only, name))
      run_loop(name, scen_decode, &fa[i], &lo,
               "libde265's own allocations (inside HEVC decoding) are not failable from here");
  }
  encode_arg eb = {160, 112, 1, 40, 0, 1, 1, 0};
  if (want(only, "(b) encode"))
    run_loop("(b) encode RGBA 160x112 +alpha +thumb 40 +exif +icc", scen_encode, &eb, &lo, NULL);
  /* Odd size, alpha and a thumbnail, the image freed by the library. */
  encode_arg ef = {161, 113, 1, 40, 0, 1, 0, 1};
  if (want(only, "(b) encode"))
    run_loop("(b) encode RGBA 161x113 +alpha +thumb 40, consumed", scen_encode, &ef, &lo, NULL);
  encode_arg ec = {184, 136, 0, 0, 96, 2, 0, 0};
  if (want(only, "(c) encode"))
    run_loop("(c) encode grid 184x136 tile 96 threads 2", scen_encode, &ec, &lo,
             "each worker-thread creation counts as one attempt");
  for (size_t i = 0; i < nfa; i++) {
    snprintf(name, sizeof name, "(d) parse %s", fa[i].name);
    if (want(only, name)) run_loop(name, scen_parse, &fa[i], &lo, NULL);
  }
  for (size_t i = 0; hp_encoder_at(i); i++) {
    plugin_arg pa = {hp_encoder_at(i)};
    snprintf(name, sizeof name, "(e) plugin %s", pa.plugin->name);
    if (!want(only, name)) continue;
    const char *note = NULL;
    if (strcmp(pa.plugin->name, "builtin") != 0)
      note = "this plugin allocates with its own malloc (and libx265's): none of its allocations "
             "are failable from here; LSan/valgrind check them";
    else
      note = "open() charges its state and the HEVC encoder to the host's allocator";
    run_loop(name, scen_plugin, &pa, &lo, note);
  }
  for (size_t i = 0; i < nfa; i++) free(owned[i]);
  free(gen);
  printf("alloc: %d failure(s), %.1f s\n", g_failures, now_seconds() - t0);
  return g_failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Temporary directories                                                */
/* ------------------------------------------------------------------ */

static int make_tmpdir(char *out, size_t size) {
  const char *base = getenv("TMPDIR");
  snprintf(out, size, "%s/heic-torture-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(out) ? 0 : -1;
}

/* Names in dir other than . and .. (including hidden ones), joined by
 * spaces into buf; returns how many. */
static int list_dir(const char *dir, char *buf, size_t size) {
  DIR *d = opendir(dir);
  int n = 0;
  if (size) buf[0] = 0;
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", n ? " " : "", e->d_name);
    n++;
  }
  closedir(d);
  return n;
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat s;
    if (lstat(path, &s) == 0 && S_ISDIR(s.st_mode))
      remove_tree(path);
    else
      unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* Cancellation                                                         */
/* ------------------------------------------------------------------ */

typedef struct cancel_state {
  int calls;
  int cancel_at; /* 1-based call to cancel at; 0 = never */
} cancel_state;

static int cancel_cb(void *opaque, uint32_t done, uint32_t total) {
  cancel_state *c = opaque;
  (void)done;
  (void)total;
  c->calls++;
  return c->cancel_at && c->calls == c->cancel_at;
}

/* One grid encode cancelled at call cancel_at (0: not cancelled).  Returns
 * the status of heic_context_encode_image; *calls gets the callbacks made. */
static heic_status cancel_encode_once(int threads, int cancel_at, const char *dir, int *calls) {
  heic_allocator *alloc = NULL;
  heic_image *img = NULL;
  heic_context *ctx = NULL;
  heic_buffer *buf = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return HEIC_ERR_INTERNAL;
  cancel_state cs = {0, cancel_at};
  heic_status st = make_rgb(alloc, 320, 200, 1, &img);
  if (st == HEIC_OK) st = new_context(alloc, threads, &ctx);
  if (st == HEIC_OK) {
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.tile_size = 128;
    opts.thumbnail_size = 64;
    opts.params = k_fast;
    opts.progress = cancel_cb;
    opts.progress_opaque = &cs;
    st = heic_context_encode_image(ctx, img, &opts, NULL);
    char out[4096], listing[1024];
    snprintf(out, sizeof out, "%s/out.heic", dir);
    if (st == HEIC_ERR_CANCELLED) {
      if (!strstr(heic_context_last_error(ctx), "cancel"))
        FAIL("encode cancelled at call %d: message '%s' does not say so", cancel_at,
             heic_context_last_error(ctx));
      heic_status ws = heic_context_write_file(ctx, out);
      if (ws == HEIC_OK) FAIL("threads %d, cancel at %d: a cancelled encode was written", threads, cancel_at);
      ws = heic_context_write_memory(ctx, &buf);
      if (ws == HEIC_OK) FAIL("threads %d, cancel at %d: a cancelled encode was written to memory", threads,
                              cancel_at);
      heic_buffer_unref(&buf);
      if (list_dir(dir, listing, sizeof listing) != 0)
        FAIL("threads %d, cancel at %d: files left in %s: %s", threads, cancel_at, dir, listing);
    } else if (st == HEIC_OK && cancel_at == 0) {
      heic_status ws = heic_context_write_file(ctx, out);
      if (ws != HEIC_OK) FAIL("uncancelled encode cannot be written: %s", heic_context_last_error(ctx));
      unlink(out);
    }
  }
  heic_context_free(&ctx);
  heic_image_free(&img);
  if (heic_allocator_outstanding_bytes(alloc) != 0)
    FAIL("encode, threads %d, cancel at %d: %zu bytes outstanding", threads, cancel_at,
         heic_allocator_outstanding_bytes(alloc));
  heic_allocator_free(&alloc);
  *calls = cs.calls;
  return st;
}

static heic_status cancel_decode_once(const uint8_t *data, size_t size, int threads, int cancel_at,
                                      int *calls) {
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  heic_image *img = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return HEIC_ERR_INTERNAL;
  cancel_state cs = {0, cancel_at};
  heic_status st = new_context(alloc, threads, &ctx);
  if (st == HEIC_OK) st = heic_context_read_memory(ctx, data, size);
  if (st == HEIC_OK) {
    heic_decode_options opts;
    heic_decode_options_init(&opts);
    opts.progress = cancel_cb;
    opts.progress_opaque = &cs;
    st = heic_context_decode_item(ctx, heic_context_primary_item(ctx), &opts, &img);
    if (st != HEIC_OK && img) FAIL("decode failed but returned an image");
    if (st == HEIC_ERR_CANCELLED && !strstr(heic_context_last_error(ctx), "cancel"))
      FAIL("decode cancelled at call %d: message '%s' does not say so", cancel_at,
           heic_context_last_error(ctx));
  }
  heic_image_free(&img);
  heic_context_free(&ctx);
  if (heic_allocator_outstanding_bytes(alloc) != 0)
    FAIL("decode, threads %d, cancel at %d: %zu bytes outstanding", threads, cancel_at,
         heic_allocator_outstanding_bytes(alloc));
  heic_allocator_free(&alloc);
  *calls = cs.calls;
  return st;
}

static int cmd_cancel(void) {
  char dir[4096];
  if (make_tmpdir(dir, sizeof dir) != 0) {
    FAIL("cannot make a temporary directory: %s", strerror(errno));
    return 1;
  }
  for (int threads = 1; threads <= 2; threads++) {
    int total = 0, calls = 0;
    heic_status st = cancel_encode_once(threads, 0, dir, &total);
    if (st != HEIC_OK || total < 2) {
      FAIL("grid encode (threads %d) without cancelling: %s, %d progress calls", threads,
           heic_status_string(st), total);
      continue;
    }
    int ok = 0;
    for (int at = 1; at <= total; at++) {
      st = cancel_encode_once(threads, at, dir, &calls);
      if (st != HEIC_ERR_CANCELLED)
        FAIL("grid encode (threads %d) cancelled at call %d of %d: %s", threads, at, total,
             heic_status_string(st));
      else if (calls != at)
        FAIL("grid encode (threads %d): progress called %d times after cancelling at %d", threads,
             calls, at);
      else
        ok++;
    }
    printf("encode 320x200 grid of 128 + alpha + thumbnail, threads %d: %d progress calls, "
           "cancelled at each: %d ok\n", threads, total, ok);
  }
  size_t gen_size = 0;
  uint8_t *gen = make_test_heic(&gen_size);
  if (!gen) {
    FAIL("cannot make the test file");
  } else {
    for (int threads = 1; threads <= 2; threads++) {
      int total = 0, calls = 0;
      heic_status st = cancel_decode_once(gen, gen_size, threads, 0, &total);
      if (st != HEIC_OK || total < 2) {
        FAIL("grid decode (threads %d) without cancelling: %s, %d progress calls", threads,
             heic_status_string(st), total);
        continue;
      }
      int ok = 0;
      for (int at = 1; at <= total; at++) {
        st = cancel_decode_once(gen, gen_size, threads, at, &calls);
        if (st != HEIC_ERR_CANCELLED)
          FAIL("grid decode (threads %d) cancelled at call %d of %d: %s", threads, at, total,
               heic_status_string(st));
        else if (calls != at)
          FAIL("grid decode (threads %d): progress called %d times after cancelling at %d",
               threads, calls, at);
        else
          ok++;
      }
      printf("decode 700x500 grid of 256 + alpha, threads %d: %d progress calls, cancelled at "
             "each: %d ok\n", threads, total, ok);
    }
    free(gen);
  }
  char listing[1024];
  if (list_dir(dir, listing, sizeof listing) != 0) FAIL("files left in %s: %s", dir, listing);
  remove_tree(dir);
  printf("cancel: %d failure(s)\n", g_failures);
  return g_failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* I/O failure                                                          */
/* ------------------------------------------------------------------ */

/* Encodes a small image into a fresh context on alloc. */
static heic_status small_encoded(heic_allocator *alloc, heic_context **ctx) {
  heic_image *img = NULL;
  heic_status st = make_rgb(alloc, 64, 48, 0, &img);
  if (st == HEIC_OK) st = new_context(alloc, 1, ctx);
  if (st == HEIC_OK) st = heic_context_encode_image(*ctx, img, NULL, NULL);
  heic_image_free(&img);
  return st;
}

/* Writes to target, expecting HEIC_ERR_IO naming target, and that the
 * listing of dir (and of extra_dir, when given) is unchanged. */
static void expect_io_failure(const char *what, heic_context *ctx, const char *target,
                              const char *dir, const char *extra_dir) {
  char before[2048], after[2048], xbefore[8192] = "", xafter[8192] = "";
  list_dir(dir, before, sizeof before);
  if (extra_dir) list_dir(extra_dir, xbefore, sizeof xbefore);
  heic_status st = heic_context_write_file(ctx, target);
  const char *msg = heic_context_last_error(ctx);
  if (st != HEIC_ERR_IO)
    FAIL("%s: writing %s gave %s (%s), expected I/O error", what, target, heic_status_string(st), msg);
  else if (!strstr(msg, target))
    FAIL("%s: the message does not name %s: '%s'", what, target, msg);
  else
    printf("%s: %s: %s\n", what, heic_status_string(st), msg);
  list_dir(dir, after, sizeof after);
  if (strcmp(before, after) != 0)
    FAIL("%s: %s changed: before [%s], after [%s]", what, dir, before, after);
  if (extra_dir) {
    list_dir(extra_dir, xafter, sizeof xafter);
    if (strcmp(xbefore, xafter) != 0) FAIL("%s: %s changed", what, extra_dir);
  }
}

static int cmd_io(void) {
  char dir[4096], path[4096 + 64], listing[1024];
  if (make_tmpdir(dir, sizeof dir) != 0) {
    FAIL("cannot make a temporary directory: %s", strerror(errno));
    return 1;
  }
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return 1;
  heic_status st = small_encoded(alloc, &ctx);
  if (st != HEIC_OK) {
    FAIL("cannot encode the test image: %s", heic_status_string(st));
    goto done;
  }

  /* 1. A full device.  Unprivileged: /dev/full itself (the temporary beside
   * it cannot be made in /dev).  As root a temporary could be made in /dev
   * and renamed over the device, so a private node with /dev/full's device
   * numbers in our own directory stands in for it. */
  struct stat devfull;
  if (stat("/dev/full", &devfull) != 0 || !S_ISCHR(devfull.st_mode)) {
    printf("full device: /dev/full is missing: skipped\n");
  } else if (geteuid() != 0) {
    expect_io_failure("full device", ctx, "/dev/full", dir, "/dev");
  } else {
    snprintf(path, sizeof path, "%s/full", dir);
    if (mknod(path, S_IFCHR | 0666, devfull.st_rdev) != 0) {
      printf("full device: running as root but mknod failed (%s): skipped\n", strerror(errno));
    } else {
      expect_io_failure("full device (private /dev/full node)", ctx, path, dir, NULL);
      struct stat s;
      if (lstat(path, &s) != 0 || !S_ISCHR(s.st_mode) || s.st_rdev != devfull.st_rdev)
        FAIL("full device: %s is no longer the device: the write replaced it", path);
      unlink(path);
    }
  }

  /* 2. A regular file where a directory is expected (ENOTDIR; the same
   * failure an unwritable directory gives, which root cannot be shown). */
  snprintf(path, sizeof path, "%s/notadir", dir);
  FILE *f = fopen(path, "wb");
  if (!f || fputs("a regular file\n", f) < 0 || fclose(f) != 0) {
    FAIL("cannot make %s", path);
  } else {
    snprintf(path, sizeof path, "%s/notadir/x.heic", dir);
    expect_io_failure("path below a regular file", ctx, path, dir, NULL);
    snprintf(path, sizeof path, "%s/notadir", dir);
    size_t n = 0;
    uint8_t *d = read_whole_file(path, &n);
    if (!d || n != 15 || memcmp(d, "a regular file\n", 15) != 0) FAIL("%s was changed", path);
    free(d);
    unlink(path);
  }

  /* 3. A directory without write permission: only meaningful unprivileged. */
  if (geteuid() != 0) {
    snprintf(path, sizeof path, "%s/ro", dir);
    if (mkdir(path, 0555) == 0) {
      char target[4200];
      snprintf(target, sizeof target, "%s/x.heic", path);
      expect_io_failure("read-only directory", ctx, target, path, NULL);
      rmdir(path);
    }
  } else {
    printf("read-only directory: running as root (permissions are not enforced): covered by "
           "the ENOTDIR case\n");
  }

  /* 4. A directory that does not exist. */
  snprintf(path, sizeof path, "%s/missing/x.heic", dir);
  expect_io_failure("missing directory", ctx, path, dir, NULL);

  /* The failures did not poison the context: a good path still works and
   * reads back. */
  snprintf(path, sizeof path, "%s/good.heic", dir);
  st = heic_context_write_file(ctx, path);
  if (st != HEIC_OK) {
    FAIL("writing %s after the failures: %s", path, heic_context_last_error(ctx));
  } else {
    heic_context *rd = NULL;
    heic_image *img = NULL;
    st = new_context(alloc, 1, &rd);
    if (st == HEIC_OK) st = heic_context_read_file(rd, path);
    if (st == HEIC_OK) st = heic_context_decode_item(rd, heic_context_primary_item(rd), NULL, &img);
    if (st != HEIC_OK || heic_image_width(img) != 64)
      FAIL("%s does not read back: %s", path, rd ? heic_context_last_error(rd) : "");
    heic_image_free(&img);
    heic_context_free(&rd);
    unlink(path);
  }
  if (list_dir(dir, listing, sizeof listing) != 0) FAIL("files left in %s: %s", dir, listing);
done:
  heic_context_free(&ctx);
  if (heic_allocator_outstanding_bytes(alloc) != 0)
    FAIL("%zu bytes outstanding", heic_allocator_outstanding_bytes(alloc));
  heic_allocator_free(&alloc);
  remove_tree(dir);
  printf("io: %d failure(s)\n", g_failures);
  return g_failures ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fprintf(stderr, "usage: test_torture alloc|cancel|io [options]\n");
    return 2;
  }
  /* --data is accepted (and unused) by cancel and io so all share a form. */
  if (!strcmp(argv[1], "alloc")) return cmd_alloc(argc - 2, argv + 2);
  if (!strcmp(argv[1], "cancel")) return cmd_cancel();
  if (!strcmp(argv[1], "io")) return cmd_io();
  fprintf(stderr, "test_torture: unknown command %s\n", argv[1]);
  return 2;
}
