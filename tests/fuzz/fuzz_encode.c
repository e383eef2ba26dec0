/*
 * Fuzz target: encode an image whose parameters and pixels come from the
 * input, write the file to memory, read it back and decode it.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Input layout (FUZZ_HEADER bytes, then pixels; a shorter input is padded
 * with zeros so every input means something):
 *   [0] width - 1          (1..256)
 *   [1] height - 1         (1..256)
 *   [2] flags: 0x01 10-bit (16-bit samples), 0x02 alpha, 0x04 YCbCr 4:2:0
 *              input (else interleaved RGB), 0x08 no_grid, 0x10 no_alpha,
 *              0x20 premultiplied, 0x40 full-range nclx (YCbCr input),
 *              0x80 metadata (Exif, XMP and a fuzzed "ICC" blob)
 *   [3] quality            (value % 101)
 *   [4] tile size          (16 + value % 113: 16..128)
 *   [5] thumbnail size     (0 = none; else 8 + value % 249)
 *   [6] orientation        (value % 9: 0..8)
 *   [7] matrix code        ({0, 1, 5, 6, 9}[value % 5])
 *   [8] builtin encoder parameters: bits 0-1 preset (3 = "medium", else
 *       "fast": the default "medium" search is ~4x slower under ASan and
 *       the fuzzer needs executions; "slow" is left to the encoder's own
 *       tests), 0x04 sao=0, 0x08 deblock=0, 0x10 qp=value>>5 overrides
 *       quality (0..7: the near-lossless end, the most coefficients)
 * The remaining bytes are the samples, repeated to fill every plane (10-bit
 * samples take two bytes, masked to 10 bits: the API's contract).
 *
 * Checked: encoding valid parameters succeeds, the file we wrote reads and
 * decodes in a fresh context at the expected size, and both contexts'
 * allocators end at zero outstanding bytes.
 */
#include <string.h>

#include <heic/heic.h>

#include "fuzz_common.h"

#define FUZZ_HEADER 9u

typedef struct params {
  uint32_t w, h;
  int depth, alpha, ycbcr, no_grid, no_alpha, premul, full_range, metadata;
  int quality, orientation, matrix;
  uint32_t tile, thumb;
  int medium, no_sao, no_deblock, qp; /* qp -1: from quality */
} params;

static params parse_params(const uint8_t *data, size_t size) {
  uint8_t b[FUZZ_HEADER] = {0};
  static const int matrices[5] = {0, 1, 5, 6, 9};
  memcpy(b, data, size < FUZZ_HEADER ? size : FUZZ_HEADER);
  params p;
  p.w = (uint32_t)b[0] + 1;
  p.h = (uint32_t)b[1] + 1;
  p.depth = (b[2] & 0x01) ? 10 : 8;
  p.alpha = !!(b[2] & 0x02);
  p.ycbcr = !!(b[2] & 0x04);
  p.no_grid = !!(b[2] & 0x08);
  p.no_alpha = !!(b[2] & 0x10);
  p.premul = !!(b[2] & 0x20);
  p.full_range = !!(b[2] & 0x40);
  p.metadata = !!(b[2] & 0x80);
  p.quality = b[3] % 101;
  p.tile = 16u + b[4] % 113u;
  p.thumb = b[5] ? 8u + b[5] % 249u : 0u;
  p.orientation = b[6] % 9;
  p.matrix = matrices[b[7] % 5];
  p.medium = (b[8] & 3) == 3;
  p.no_sao = !!(b[8] & 0x04);
  p.no_deblock = !!(b[8] & 0x08);
  p.qp = (b[8] & 0x10) ? b[8] >> 5 : -1;
  return p;
}

/* Cycles through the pixel bytes of the input (or zeros when it has none). */
typedef struct byte_source {
  const uint8_t *data;
  size_t size, pos;
} byte_source;

static uint8_t next_byte(byte_source *s) {
  if (!s->size) return 0;
  uint8_t v = s->data[s->pos];
  s->pos = (s->pos + 1) % s->size;
  return v;
}

static void fill_plane(heic_image *img, heic_plane_id plane, int depth, size_t samples_per_row,
                       byte_source *src) {
  size_t stride = 0;
  uint32_t w = 0, h = 0;
  uint8_t *p = heic_image_plane_mut(img, plane, &stride);
  if (!p) return;
  size_t ro_stride = 0;
  (void)heic_image_plane(img, plane, &ro_stride, &w, &h);
  size_t n = samples_per_row ? samples_per_row : w;
  for (uint32_t y = 0; y < h; y++) {
    uint8_t *row = p + (size_t)y * stride;
    if (depth == 8) {
      for (size_t x = 0; x < n; x++) row[x] = next_byte(src);
    } else {
      for (size_t x = 0; x < n; x++) {
        uint16_t v = (uint16_t)(next_byte(src) | next_byte(src) << 8);
        v &= (uint16_t)((1u << depth) - 1);
        memcpy(row + 2 * x, &v, 2); /* rows need not be 2-byte aligned for us */
      }
    }
  }
}

static void touch_decoded(const heic_image *img) {
  for (int pl = 0; pl <= HEIC_PLANE_ALPHA; pl++) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, (heic_plane_id)pl, &stride, &w, &h);
    if (!p) continue;
    size_t bps = heic_image_bit_depth(img) > 8 ? 2 : 1;
    size_t comps = heic_image_layout(img) == HEIC_LAYOUT_RGB ? (size_t)heic_image_components(img) : 1;
    fuzz_touch(p, stride, (size_t)w * comps * bps, h);
  }
}

static heic_context *new_context(heic_allocator *alloc) {
  heic_context_config cfg;
  heic_context *ctx = NULL;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = 1; /* one core for the fuzzer; reproducible crashes */
  fuzz_check(heic_context_new(&ctx, &cfg) == HEIC_OK, "no context");
  return ctx;
}

/* Reads back what we wrote.  Our own output must decode: any failure here
 * is a bug in the writer or the reader. */
static void read_back(const heic_buffer *file, const params *p, heic_allocator *alloc) {
  heic_context *ctx = new_context(alloc);
  heic_status st = heic_context_read_memory(ctx, heic_buffer_data(file), heic_buffer_size(file));
  fuzz_check(st == HEIC_OK, "reading our own file: %s", heic_context_last_error(ctx));
  uint32_t primary = heic_context_primary_item(ctx);
  fuzz_check(primary != 0, "our file has no primary image");

  heic_decode_options opts;
  heic_decode_options_init(&opts);
  heic_image *img = NULL;
  st = heic_context_decode_item(ctx, primary, &opts, &img);
  fuzz_check(st == HEIC_OK, "decoding our own %ux%u image: %s", p->w, p->h, heic_context_last_error(ctx));
  /* Orientations 5..8 include a quarter turn: width and height swap. */
  int swap = p->orientation >= 5;
  uint32_t ew = swap ? p->h : p->w, eh = swap ? p->w : p->h;
  fuzz_check(heic_image_width(img) == ew && heic_image_height(img) == eh,
             "decoded %ux%u, expected %ux%u (orientation %d)", heic_image_width(img),
             heic_image_height(img), ew, eh, p->orientation);
  int want_alpha = p->alpha && !p->no_alpha;
  fuzz_check(heic_image_has_alpha(img) == want_alpha, "alpha %d, expected %d",
             heic_image_has_alpha(img), want_alpha);
  touch_decoded(img);
  heic_image_free(&img);

  /* The raw YCbCr path and the thumbnail too. */
  opts.layout = HEIC_LAYOUT_YCBCR;
  opts.no_transform = 1;
  st = heic_context_decode_item(ctx, primary, &opts, &img);
  fuzz_check(st == HEIC_OK, "decoding our own image as YCbCr: %s", heic_context_last_error(ctx));
  touch_decoded(img);
  heic_image_free(&img);

  heic_item_info info;
  fuzz_check(heic_context_item_info(ctx, primary, &info) == HEIC_OK, "no info on our primary");
  for (uint32_t k = 0; k < info.thumbnail_count && k < 2; k++) {
    heic_decode_options_init(&opts);
    st = heic_context_decode_item(ctx, heic_context_thumbnail_id(ctx, primary, k), &opts, &img);
    fuzz_check(st == HEIC_OK, "decoding our own thumbnail: %s", heic_context_last_error(ctx));
    touch_decoded(img);
    heic_image_free(&img);
  }
  heic_context_free(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  params p = parse_params(data, size);
  byte_source src = {size > FUZZ_HEADER ? data + FUZZ_HEADER : NULL,
                     size > FUZZ_HEADER ? size - FUZZ_HEADER : 0, 0};
  heic_allocator *alloc = NULL;
  fuzz_check(heic_allocator_new(&alloc, NULL) == HEIC_OK, "no allocator");

  heic_image *img = NULL;
  heic_status st = heic_image_new(&img, alloc, p.w, p.h, p.ycbcr ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB,
                                  p.ycbcr ? HEIC_CHROMA_420 : HEIC_CHROMA_444, p.depth, p.alpha);
  fuzz_check(st == HEIC_OK && img, "heic_image_new %ux%u: %s", p.w, p.h, heic_status_string(st));
  if (p.ycbcr) {
    for (int pl = HEIC_PLANE_Y; pl <= HEIC_PLANE_ALPHA; pl++)
      fill_plane(img, (heic_plane_id)pl, p.depth, 0, &src);
    heic_nclx nclx = {1, 13, (uint16_t)(p.matrix ? p.matrix : 6), (uint8_t)p.full_range};
    heic_image_set_nclx(img, &nclx);
  } else {
    fill_plane(img, HEIC_PLANE_INTERLEAVED, p.depth, (size_t)p.w * (p.alpha ? 4 : 3), &src);
  }
  heic_image_set_premultiplied(img, p.premul);

  heic_encode_options opts;
  heic_encode_options_init(&opts);
  opts.quality = p.quality;
  opts.tile_size = p.tile;
  opts.no_grid = p.no_grid;
  opts.no_alpha = p.no_alpha;
  opts.thumbnail_size = p.thumb;
  opts.orientation = p.orientation;
  opts.matrix_coefficients = p.ycbcr ? 0 : p.matrix;
  /* Small fixed Exif/XMP and an "ICC profile" of fuzzed bytes: they are
   * stored, not interpreted, and exercise the metadata item paths. */
  static const uint8_t exif[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
  if (p.metadata) {
    opts.exif = exif;
    opts.exif_size = sizeof(exif);
    opts.xmp = (const uint8_t *)xmp;
    opts.xmp_size = sizeof(xmp) - 1;
    if (src.size) {
      opts.icc = src.data;
      opts.icc_size = src.size < 512 ? src.size : 512;
    }
  }

  /* Parameters as "name=value" strings; the buffers live for the call. */
  char qp_param[16];
  const char *params_list[5];
  int np = 0;
  params_list[np++] = p.medium ? "preset=medium" : "preset=fast";
  if (p.no_sao) params_list[np++] = "sao=0";
  if (p.no_deblock) params_list[np++] = "deblock=0";
  if (p.qp >= 0) {
    snprintf(qp_param, sizeof(qp_param), "qp=%d", p.qp);
    params_list[np++] = qp_param;
  }
  params_list[np] = NULL;
  opts.params = params_list;

  heic_context *ctx = new_context(alloc);
  uint32_t item = 0;
  st = heic_context_encode_image(ctx, img, &opts, &item);
  fuzz_check(st == HEIC_OK, "encoding %ux%u %d-bit %s alpha=%d tile=%u thumb=%u o=%d q=%d m=%d: %s", p.w,
             p.h, p.depth, p.ycbcr ? "YCbCr" : "RGB", p.alpha, p.tile, p.thumb, p.orientation,
             p.quality, p.matrix, heic_context_last_error(ctx));
  heic_buffer *file = NULL;
  st = heic_context_write_memory(ctx, &file);
  fuzz_check(st == HEIC_OK && file, "write_memory: %s", heic_context_last_error(ctx));
  heic_context_free(&ctx);
  heic_image_free(&img);
  /* The encoded file holds its own reference to the allocator: reading it
   * back in a context on the same allocator checks everything together. */
  read_back(file, &p, alloc);
  heic_buffer_unref(&file);

  size_t left = heic_allocator_outstanding_bytes(alloc);
  fuzz_check(left == 0, "%zu bytes outstanding after freeing everything", left);
  heic_allocator_free(&alloc);
  return 0;
}
