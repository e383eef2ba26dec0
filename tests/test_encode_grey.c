/*
 * Unit test: grey, monochrome and lossless images through the public encode
 * API (src/heic/encode.c) and back through the decoder.
 *
 *  - RGB input whose every pixel has R = G = B is coded as 4:0:0 by an
 *    encoder that codes it (builtin): hvcC 4:0:0, pixi one channel, brand
 *    'heix'; lossless it decodes to the input exactly, alpha included (an
 *    alpha image is 4:0:0 too, padded and cropped like its master);
 *  - YCbCr 4:0:0 input is coded as 4:0:0 (builtin) and, for an encoder
 *    without 4:0:0 (x265), as 4:2:0 with neutral chroma;
 *  - YCbCr 4:2:0 input lossless decodes to its own samples;
 *  - lossless colour RGB, which needs 4:4:4, is refused by the builtin
 *    encoder as unsupported with a message that says why.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heic/heic.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

/* A value at (x, y) of plane c, 0 .. max. */
static unsigned sample(uint32_t x, uint32_t y, int c, unsigned max) {
  unsigned v = (x * 7 + y * 13 + (x * y) % 11 + 40 * (unsigned)c) % (max + 1);
  return (x / 5 + y / 3) % 4 == 0 ? max - v : v;
}

static heic_image *rgb_image(uint32_t w, uint32_t h, int depth, int alpha, int grey) {
  heic_image *img = NULL;
  if (heic_image_new(&img, NULL, w, h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, depth, alpha) != HEIC_OK)
    return NULL;
  size_t stride;
  uint8_t *p = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
  int comps = alpha ? 4 : 3;
  unsigned max = (1u << depth) - 1;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++)
      for (int c = 0; c < comps; c++) {
        unsigned v = c == 3 ? sample(x, y, 7, max) : sample(x, y, grey ? 0 : c, max);
        if (depth == 8)
          p[y * stride + (size_t)x * comps + c] = (uint8_t)v;
        else
          ((uint16_t *)(p + y * stride))[(size_t)x * comps + c] = (uint16_t)v;
      }
  return img;
}

static heic_image *ycbcr_image(uint32_t w, uint32_t h, heic_chroma chroma, int depth) {
  heic_image *img = NULL;
  if (heic_image_new(&img, NULL, w, h, HEIC_LAYOUT_YCBCR, chroma, depth, 0) != HEIC_OK) return NULL;
  heic_nclx nclx = {1, 13, 6, 1};
  heic_image_set_nclx(img, &nclx);
  unsigned max = (1u << depth) - 1;
  for (int c = 0; c < (chroma == HEIC_CHROMA_400 ? 1 : 3); c++) {
    size_t stride;
    uint8_t *p = heic_image_plane_mut(img, (heic_plane_id)c, &stride);
    uint32_t pw = c ? (w + 1) / 2 : w, ph = c ? (h + 1) / 2 : h;
    for (uint32_t y = 0; y < ph; y++)
      for (uint32_t x = 0; x < pw; x++) {
        unsigned v = sample(x, y, c, max);
        if (depth == 8)
          p[y * stride + x] = (uint8_t)v;
        else
          ((uint16_t *)(p + y * stride))[x] = (uint16_t)v;
      }
  }
  return img;
}

/* Encodes img with opts into a buffer; returns the status. */
static heic_status encode(const heic_image *img, const heic_encode_options *opts, heic_buffer **out,
                          char *msg, size_t msg_size) {
  heic_context *ctx = NULL;
  *out = NULL;
  heic_status st = heic_context_new(&ctx, NULL);
  if (st != HEIC_OK) return st;
  st = heic_context_encode_image(ctx, img, opts, NULL);
  if (st == HEIC_OK) st = heic_context_write_memory(ctx, out);
  snprintf(msg, msg_size, "%s", st == HEIC_OK ? "" : heic_context_last_error(ctx));
  heic_context_free(&ctx);
  return st;
}

/* The primary item's info and its decode (layout as asked). */
static heic_status decode(const heic_buffer *file, heic_layout layout, heic_item_info *info,
                          char brand[5], heic_image **out) {
  heic_context *ctx = NULL;
  *out = NULL;
  heic_status st = heic_context_new(&ctx, NULL);
  if (st != HEIC_OK) return st;
  st = heic_context_read_memory(ctx, heic_buffer_data(file), heic_buffer_size(file));
  if (st == HEIC_OK) st = heic_context_item_info(ctx, heic_context_primary_item(ctx), info);
  if (st == HEIC_OK) heic_context_major_brand(ctx, brand);
  heic_decode_options o;
  heic_decode_options_init(&o);
  o.layout = layout;
  if (st == HEIC_OK) st = heic_context_decode_item(ctx, heic_context_primary_item(ctx), &o, out);
  if (st != HEIC_OK) fprintf(stderr, "decode: %s\n", heic_context_last_error(ctx));
  heic_context_free(&ctx);
  return st;
}

static unsigned get(const uint8_t *row, int depth, size_t i) {
  return depth == 8 ? row[i] : ((const uint16_t *)row)[i];
}

/* Number of samples of a's planes (RGB interleaved, or Y[/Cb/Cr]) that
 * differ in b. */
static size_t differences(const heic_image *a, const heic_image *b) {
  if (heic_image_width(a) != heic_image_width(b) || heic_image_height(a) != heic_image_height(b) ||
      heic_image_layout(a) != heic_image_layout(b) || heic_image_bit_depth(a) != heic_image_bit_depth(b))
    return (size_t)-1;
  size_t n = 0;
  int depth = heic_image_bit_depth(a);
  for (int c = 0; c < 4; c++) {
    size_t sa, sb;
    uint32_t w, h;
    const uint8_t *pa = heic_image_plane(a, (heic_plane_id)c, &sa, &w, &h);
    const uint8_t *pb = heic_image_plane(b, (heic_plane_id)c, &sb, NULL, NULL);
    if (!pa) continue;
    if (!pb) return (size_t)-1;
    size_t per_row = heic_image_layout(a) == HEIC_LAYOUT_RGB ? (size_t)w * heic_image_components(a) : w;
    for (uint32_t y = 0; y < h; y++)
      for (size_t i = 0; i < per_row; i++) n += get(pa + y * sa, depth, i) != get(pb + y * sb, depth, i);
    if (heic_image_layout(a) == HEIC_LAYOUT_RGB) break;
  }
  return n;
}

static void test_grey_rgb(uint32_t w, uint32_t h, int alpha, int lossless) {
  heic_image *img = rgb_image(w, h, 8, alpha, 1);
  CHECK(img != NULL);
  if (!img) return;
  heic_encode_options opts;
  heic_encode_options_init(&opts);
  opts.lossless = lossless;
  opts.quality = 80;
  heic_buffer *file = NULL;
  char msg[512];
  heic_status st = encode(img, &opts, &file, msg, sizeof(msg));
  if (st != HEIC_OK) fprintf(stderr, "grey %ux%u alpha %d lossless %d: %s\n", w, h, alpha, lossless, msg);
  CHECK(st == HEIC_OK);
  if (st == HEIC_OK) {
    heic_item_info info;
    heic_image *dec = NULL;
    char brand[5] = "";
    CHECK(decode(file, HEIC_LAYOUT_RGB, &info, brand, &dec) == HEIC_OK);
    CHECK(info.chroma == HEIC_CHROMA_400 && info.bit_depth == 8);
    CHECK(!strcmp(brand, "heix")); /* a Monochrome profile */
    CHECK(info.width == w && info.height == h); /* 4:0:0: the exact size, no clap */
    CHECK(!alpha == !info.alpha_item);
    if (dec) {
      CHECK(heic_image_has_alpha(dec) == alpha);
      size_t d = differences(img, dec);
      if (lossless) {
        if (d) fprintf(stderr, "grey %ux%u alpha %d lossless: %zu samples differ\n", w, h, alpha, d);
        CHECK(d == 0);
      } else {
        CHECK(d != (size_t)-1);
      }
      heic_image_free(&dec);
    }
  }
  heic_buffer_unref(&file);
  heic_image_free(&img);
}

int main(void) {
  /* grey RGB: lossy and lossless, odd and even sizes, with and without alpha */
  test_grey_rgb(37, 23, 0, 1);
  test_grey_rgb(37, 23, 1, 1);
  test_grey_rgb(64, 40, 1, 0);
  test_grey_rgb(1, 1, 0, 1);

  /* colour RGB lossless: 4:4:4 GBR, the decoded RGB the input exactly
   * (odd size, with and without alpha, 8 and 10 bits) */
  for (int k = 0; k < 4; k++) {
    int alpha = k & 1, depth = k & 2 ? 10 : 8;
    heic_image *img = rgb_image(21, 11, depth, alpha, 0);
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.lossless = 1;
    /* (4:0:0 asked for changes nothing: lossless colour is not its luma) */
    opts.chroma = k == 1 ? HEIC_CHROMA_400 : HEIC_CHROMA_420;
    heic_buffer *file = NULL;
    char msg[512];
    heic_status st = img ? encode(img, &opts, &file, msg, sizeof(msg)) : HEIC_ERR_OUT_OF_MEMORY;
    if (st != HEIC_OK) fprintf(stderr, "lossless RGB %d: %s\n", k, msg);
    CHECK(st == HEIC_OK);
    if (st == HEIC_OK) {
      heic_item_info info;
      heic_image *dec = NULL;
      char brand[5] = "";
      CHECK(decode(file, HEIC_LAYOUT_RGB, &info, brand, &dec) == HEIC_OK);
      CHECK(info.chroma == HEIC_CHROMA_444 && info.bit_depth == depth);
      CHECK(info.width == 21 && info.height == 11);
      CHECK(dec && differences(img, dec) == 0);
      heic_image_free(&dec);
    }
    heic_buffer_unref(&file);
    heic_image_free(&img);
  }
  /* 16-bit samples cannot be lossless (at most 12 bits are coded) */
  {
    heic_image *img = rgb_image(6, 4, 16, 0, 0);
    if (img) {
      heic_encode_options opts;
      heic_encode_options_init(&opts);
      opts.lossless = 1;
      opts.bit_depth = 12;
      heic_buffer *file = NULL;
      char msg[512] = "";
      CHECK(encode(img, &opts, &file, msg, sizeof(msg)) == HEIC_ERR_UNSUPPORTED);
      CHECK(strstr(msg, "lossless") && strstr(msg, "16-bit"));
      CHECK(file == NULL);
      heic_image_free(&img);
    }
  }
  {
    heic_image *img = rgb_image(20, 10, 8, 0, 0);
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.chroma = HEIC_CHROMA_400;
    heic_buffer *file = NULL;
    char msg[512];
    /* lossy with 4:0:0 asked for: the luma alone, a grey image */
    opts.lossless = 0;
    heic_status st = img ? encode(img, &opts, &file, msg, sizeof(msg)) : HEIC_ERR_OUT_OF_MEMORY;
    CHECK(st == HEIC_OK);
    if (st == HEIC_OK) {
      heic_item_info info;
      heic_image *dec = NULL;
      char brand[5] = "";
      CHECK(decode(file, HEIC_LAYOUT_RGB, &info, brand, &dec) == HEIC_OK);
      CHECK(info.chroma == HEIC_CHROMA_400);
      heic_image_free(&dec);
    }
    heic_buffer_unref(&file);
    heic_image_free(&img);
  }

  /* YCbCr input: 4:0:0 (10 bits) and 4:2:0 (8 bits), lossless and
   * decoded as YCbCr; 4:0:0 with x265 (no 4:0:0): as 4:2:0, lossy */
  for (int k = 0; k < 3; k++) {
    int mono = k != 1;
    heic_image *img = ycbcr_image(33, 17, mono ? HEIC_CHROMA_400 : HEIC_CHROMA_420, mono ? 10 : 8);
    heic_encode_options opts;
    heic_encode_options_init(&opts);
    opts.lossless = k < 2;
    opts.encoder = k == 2 ? "x265" : NULL;
    int have_x265 = 0;
    for (uint32_t i = 0; heic_encoder_name(i); i++) have_x265 |= !strcmp(heic_encoder_name(i), "x265");
    if (k == 2 && !have_x265) {
      heic_image_free(&img);
      break; /* no x265 in this build */
    }
    heic_buffer *file = NULL;
    char msg[512];
    heic_status st = img ? encode(img, &opts, &file, msg, sizeof(msg)) : HEIC_ERR_OUT_OF_MEMORY;
    if (st != HEIC_OK) fprintf(stderr, "YCbCr case %d: %s\n", k, msg);
    CHECK(st == HEIC_OK);
    if (st == HEIC_OK) {
      heic_item_info info;
      heic_image *dec = NULL;
      char brand[5] = "";
      CHECK(decode(file, HEIC_LAYOUT_YCBCR, &info, brand, &dec) == HEIC_OK);
      CHECK(info.chroma == (k == 0 ? HEIC_CHROMA_400 : HEIC_CHROMA_420));
      CHECK(!strcmp(brand, k == 0 || mono ? "heix" : "heic")); /* 10 bits or 4:0:0: heix */
      if (dec && k < 2) CHECK(differences(img, dec) == 0);
      heic_image_free(&dec);
    }
    heic_buffer_unref(&file);
    heic_image_free(&img);
  }
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
