/*
 * Fuzz target: read a HEIF file from memory, query everything and decode
 * every top-level image, its thumbnails and its alpha image.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Any status is acceptable (hostile input may be refused); what is checked
 * is memory: the sanitizers watch every access, and after the context and
 * every image are freed the context's private allocator must be back at zero
 * outstanding bytes - the library's central promise (DESIGN.md rule 4).
 * Public API only, so the target sees what an application sees.
 */
#include <string.h>

#include <heic/heic.h>

#include "fuzz_common.h"

/* Caps on what one input may make us do.  Without them the fuzzer spends
 * its time in a few huge allocations and decodes rather than exploring the
 * parser: 2^22 pixels (2048x2048) is far beyond any interesting structure. */
#define FUZZ_MAX_PIXELS ((uint64_t)1 << 22)
#define FUZZ_MAX_MEMORY ((uint64_t)256 << 20)
#define FUZZ_MAX_ITEMS 1000u
#define FUZZ_MAX_TILES 1024u
#define MAX_ITEMS_QUERIED 64u
#define MAX_PROPS_QUERIED 32u
#define MAX_TOP_LEVEL 8u
#define MAX_THUMBS 4u

/* Reads every sample of every plane (see fuzz_touch) and sanity-checks the
 * description against the planes. */
static void touch_image(const heic_image *img) {
  uint32_t iw = heic_image_width(img), ih = heic_image_height(img);
  int depth = heic_image_bit_depth(img);
  size_t bps = depth > 8 ? 2 : 1;
  fuzz_check(iw > 0 && ih > 0, "decoded image of %ux%u", iw, ih);
  fuzz_check(depth >= 8 && depth <= 16, "bit depth %d", depth);
  (void)heic_image_nclx(img);
  (void)heic_image_alpha_premultiplied(img);
  (void)heic_image_chroma(img);
  if (heic_image_layout(img) == HEIC_LAYOUT_RGB) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, HEIC_PLANE_INTERLEAVED, &stride, &w, &h);
    int comps = heic_image_components(img);
    fuzz_check(p != NULL, "RGB image without its plane");
    fuzz_check(comps == 3 || comps == 4, "%d components", comps);
    fuzz_check(w == iw && h == ih, "plane %ux%u, image %ux%u", w, h, iw, ih);
    fuzz_check(stride >= (size_t)w * comps * bps, "stride %zu too small", stride);
    fuzz_touch(p, stride, (size_t)w * comps * bps, h);
    return;
  }
  for (int pl = HEIC_PLANE_Y; pl <= HEIC_PLANE_ALPHA; pl++) {
    size_t stride = 0;
    uint32_t w = 0, h = 0;
    const uint8_t *p = heic_image_plane(img, (heic_plane_id)pl, &stride, &w, &h);
    if (!p) continue;
    fuzz_check(w > 0 && h > 0 && w <= iw && h <= ih, "plane %d of %ux%u in %ux%u", pl, w, h, iw, ih);
    fuzz_check(stride >= (size_t)w * bps, "plane %d stride %zu too small", pl, stride);
    fuzz_touch(p, stride, (size_t)w * bps, h);
  }
}

/* Decodes one item twice (RGB with default options, YCbCr raw with bilinear
 * upsampling and no transform) so both conversion paths run. */
static void decode_item(heic_context *ctx, uint32_t id) {
  heic_decode_options opts;
  heic_decode_options_init(&opts);
  for (int pass = 0; pass < 2; pass++) {
    heic_image *img = NULL;
    opts.layout = pass ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
    opts.no_transform = pass;
    opts.upsampling = pass ? HEIC_UPSAMPLING_BILINEAR : HEIC_UPSAMPLING_DEFAULT;
    heic_status st = heic_context_decode_item(ctx, id, &opts, &img);
    if (st == HEIC_OK) {
      fuzz_check(img != NULL, "decode of item %u succeeded without an image", id);
      touch_image(img);
      heic_image_free(&img);
      fuzz_check(img == NULL, "heic_image_free left the pointer set");
    } else {
      fuzz_check(img == NULL, "failed decode of item %u left an image", id);
      fuzz_check(heic_context_last_error(ctx) != NULL, "no error text");
    }
  }
}

static void query_buffer(heic_status st, heic_buffer **buf) {
  if (st == HEIC_OK) {
    fuzz_check(*buf != NULL, "success without a buffer");
    fuzz_touch(heic_buffer_data(*buf), 0, heic_buffer_size(*buf), 1);
    heic_buffer_unref(buf);
  } else {
    fuzz_check(*buf == NULL, "failure left a buffer");
  }
}

/* Every per-item query heic-info makes. */
static void query_item(heic_context *ctx, uint32_t id) {
  heic_item_info info;
  if (heic_context_item_info(ctx, id, &info) != HEIC_OK) return;
  fuzz_touch((const uint8_t *)info.name, 0, strlen(info.name), 1);
  fuzz_touch((const uint8_t *)info.content_type, 0, strlen(info.content_type), 1);
  fuzz_touch((const uint8_t *)info.aux_type, 0, strlen(info.aux_type), 1);
  fuzz_touch((const uint8_t *)info.why_not, 0, strlen(info.why_not), 1);

  uint32_t n = heic_context_property_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_PROPS_QUERIED; i++) {
    char type[5], desc[256];
    int essential = 0;
    if (heic_context_property(ctx, id, i, type, &essential, desc, sizeof(desc)) == HEIC_OK)
      fuzz_check(memchr(desc, 0, sizeof(desc)) != NULL, "property description not terminated");
  }
  n = heic_context_reference_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_PROPS_QUERIED; i++) {
    char type[5];
    const uint32_t *to = NULL;
    uint32_t count = 0;
    if (heic_context_reference(ctx, id, i, type, &to, &count) == HEIC_OK && count)
      fuzz_touch((const uint8_t *)to, 0, (size_t)count * sizeof(*to), 1);
  }
  n = heic_context_metadata_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_PROPS_QUERIED; i++) {
    heic_buffer *buf = NULL;
    query_buffer(heic_context_item_data(ctx, heic_context_metadata_id(ctx, id, i), &buf), &buf);
  }
  if (!info.is_image) {
    heic_buffer *buf = NULL;
    query_buffer(heic_context_item_data(ctx, id, &buf), &buf);
  } else {
    heic_buffer *buf = NULL;
    heic_nclx nclx;
    query_buffer(heic_context_item_icc(ctx, id, &buf), &buf);
    /* Only the call matters (it must not read out of bounds); any answer goes. */
    if (heic_context_item_nclx(ctx, id, &nclx) == HEIC_OK) fuzz_touch(&nclx.full_range, 0, 1, 1);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  fuzz_check(heic_allocator_new(&alloc, NULL) == HEIC_OK, "no allocator");

  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.limits.max_pixels = FUZZ_MAX_PIXELS;
  cfg.limits.max_memory = FUZZ_MAX_MEMORY;
  cfg.limits.max_items = FUZZ_MAX_ITEMS;
  cfg.limits.max_tiles = FUZZ_MAX_TILES;
  /* One thread: the fuzzer gets one core, and a crash must reproduce. */
  cfg.threads = 1;
  fuzz_check(heic_context_new(&ctx, &cfg) == HEIC_OK, "no context");

  if (heic_context_read_memory(ctx, data, size) == HEIC_OK) {
    char brand[5];
    heic_context_major_brand(ctx, brand);
    (void)heic_context_minor_version(ctx);
    uint32_t nb = heic_context_brand_count(ctx);
    for (uint32_t i = 0; i < nb && i < 64; i++) heic_context_brand(ctx, i, brand);
    (void)heic_context_primary_item(ctx);

    uint32_t items = heic_context_item_count(ctx);
    for (uint32_t i = 0; i < items && i < MAX_ITEMS_QUERIED; i++)
      query_item(ctx, heic_context_item_id(ctx, i));
    /* Ids that exist nowhere must be refused, not looked up out of bounds. */
    query_item(ctx, 0);
    query_item(ctx, 0xFFFFFFFFu);

    uint32_t top = heic_context_top_level_count(ctx);
    for (uint32_t t = 0; t < top && t < MAX_TOP_LEVEL; t++) {
      uint32_t id = heic_context_top_level_id(ctx, t);
      heic_item_info info;
      decode_item(ctx, id);
      if (heic_context_item_info(ctx, id, &info) != HEIC_OK) continue;
      for (uint32_t k = 0; k < info.thumbnail_count && k < MAX_THUMBS; k++)
        decode_item(ctx, heic_context_thumbnail_id(ctx, id, k));
      if (info.alpha_item) decode_item(ctx, info.alpha_item);
    }
  }

  heic_context_free(&ctx);
  fuzz_check(ctx == NULL, "heic_context_free left the pointer set");
  size_t left = heic_allocator_outstanding_bytes(alloc);
  fuzz_check(left == 0, "%zu bytes outstanding after heic_context_free", left);
  heic_allocator_free(&alloc);
  return 0;
}
