/*
 * The queries heic-info makes, shared by the parse and decode fuzz targets.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Public API only.  Any status is acceptable from a hostile file; what is
 * checked is what the header promises whatever the file: strings are there
 * and terminated, a reason accompanies every undecodable image, borrowed
 * arrays are readable, a failed query leaves nothing behind.
 */
#include "fuzz_query.h"

#include <string.h>

#include "fuzz_common.h"

/* Per-list caps (see FUZZ_MAX_ITEMS). */
#define MAX_ITEMS_QUERIED 64u
#define MAX_LIST_QUERIED 32u
#define MAX_TOP_LEVEL 8u
#define MAX_BRANDS 64u

void fuzz_config(heic_context_config *cfg, heic_allocator *alloc, int threads) {
  heic_context_config_init(cfg);
  cfg->allocator = alloc;
  cfg->limits.max_pixels = FUZZ_MAX_PIXELS;
  cfg->limits.max_memory = FUZZ_MAX_MEMORY;
  cfg->limits.max_items = FUZZ_MAX_ITEMS;
  cfg->limits.max_tiles = FUZZ_MAX_TILES;
  cfg->threads = threads;
}

static void touch_string(const char *s, const char *what) {
  fuzz_check(s != NULL, "%s is NULL (\"\" when empty)", what);
  fuzz_touch((const uint8_t *)s, 0, strlen(s), 1);
}

static void query_buffer(heic_status st, heic_buffer **buf) {
  if (st == HEIC_OK) {
    fuzz_check(*buf != NULL, "success without a buffer");
    fuzz_touch(heic_buffer_data(*buf), 0, heic_buffer_size(*buf), 1);
    heic_buffer_unref(buf);
    fuzz_check(*buf == NULL, "heic_buffer_unref left the pointer set");
  } else {
    fuzz_check(*buf == NULL, "failure left a buffer");
  }
}

/* heic_context_item_info with the checks every answer must pass.  The
 * strings are only valid until the next item_info call. */
static heic_status item_info(heic_context *ctx, uint32_t id, heic_item_info *info) {
  heic_status st = heic_context_item_info(ctx, id, info);
  if (st != HEIC_OK) {
    fuzz_check(heic_context_last_error(ctx) != NULL, "no error text");
    return st;
  }
  fuzz_check(info->id == id, "item_info of %u describes item %u", id, info->id);
  fuzz_check(memchr(info->type, 0, sizeof(info->type)) != NULL, "type not terminated");
  touch_string(info->name, "name");
  touch_string(info->content_type, "content_type");
  touch_string(info->aux_type, "aux_type");
  touch_string(info->why_not, "why_not");
  touch_string(info->data_error, "data_error");
  if (info->is_image) {
    /* heic-info prints the reason of an image that cannot be decoded. */
    fuzz_check(info->decodable || info->why_not[0], "item %u: undecodable without a reason", id);
    fuzz_check(!info->decodable || !info->why_not[0], "item %u: decodable with a reason: %s", id,
               info->why_not);
  }
  fuzz_check(!info->data_error[0] || info->data_size == 0,
             "item %u: unreadable data (%s) but %llu bytes reported", id, info->data_error,
             (unsigned long long)info->data_size);
  return HEIC_OK;
}

/* What heic-info prints for one item. */
static void query_item(heic_context *ctx, uint32_t id) {
  heic_item_info info;
  if (item_info(ctx, id, &info) != HEIC_OK) return;
  const int is_image = info.is_image;

  uint32_t n = heic_context_property_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_LIST_QUERIED; i++) {
    char type[5], desc[256];
    int essential = 0;
    if (heic_context_property(ctx, id, i, type, &essential, desc, sizeof(desc)) == HEIC_OK) {
      fuzz_check(memchr(type, 0, sizeof(type)) != NULL, "property type not terminated");
      fuzz_check(memchr(desc, 0, sizeof(desc)) != NULL, "property description not terminated");
    }
  }
  /* A description must fit any buffer it is given, down to one byte. */
  if (n) {
    char type[5], tiny[1];
    int essential = 0;
    if (heic_context_property(ctx, id, 0, type, &essential, tiny, sizeof(tiny)) == HEIC_OK)
      fuzz_check(tiny[0] == 0, "one-byte description not terminated");
  }
  n = heic_context_reference_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_LIST_QUERIED; i++) {
    char type[5];
    const uint32_t *to = NULL;
    uint32_t count = 0;
    if (heic_context_reference(ctx, id, i, type, &to, &count) == HEIC_OK && count) {
      fuzz_check(to != NULL, "reference of %u targets without them", count);
      fuzz_touch((const uint8_t *)to, 0, (size_t)count * sizeof(*to), 1);
    }
  }
  if (!is_image) {
    heic_buffer *buf = NULL;
    query_buffer(heic_context_item_data(ctx, id, &buf), &buf);
  }
}

/* What heic-info prints for one top-level image. */
static void query_top_level(heic_context *ctx, uint32_t id) {
  heic_item_info info;
  if (item_info(ctx, id, &info) != HEIC_OK) return;
  /* Copied: the calls below reuse the storage of info's strings. */
  const uint32_t thumbs = info.thumbnail_count, alpha = info.alpha_item, depth = info.depth_item;
  for (uint32_t i = 0; i < thumbs && i < MAX_LIST_QUERIED; i++) {
    uint32_t tid = heic_context_thumbnail_id(ctx, id, i);
    fuzz_check(tid != 0, "thumbnail %u of %u reported but not there", i, thumbs);
    heic_item_info t;
    (void)item_info(ctx, tid, &t);
  }
  fuzz_check(heic_context_thumbnail_id(ctx, id, thumbs) == 0, "more thumbnails than counted");
  heic_item_info aux;
  if (alpha) (void)item_info(ctx, alpha, &aux);
  if (depth) (void)item_info(ctx, depth, &aux);

  uint32_t n = heic_context_metadata_count(ctx, id);
  for (uint32_t i = 0; i < n && i < MAX_LIST_QUERIED; i++) {
    uint32_t mid = heic_context_metadata_id(ctx, id, i);
    heic_item_info m;
    if (item_info(ctx, mid, &m) != HEIC_OK) continue;
    heic_buffer *buf = NULL;
    query_buffer(heic_context_item_data(ctx, mid, &buf), &buf);
  }

  heic_nclx nclx;
  heic_status st = heic_context_item_nclx(ctx, id, &nclx);
  if (st == HEIC_OK) fuzz_touch(&nclx.full_range, 0, 1, 1);
  heic_buffer *icc = NULL;
  query_buffer(heic_context_item_icc(ctx, id, &icc), &icc);
}

void fuzz_query_file(heic_context *ctx) {
  char brand[5];
  heic_context_major_brand(ctx, brand);
  fuzz_check(memchr(brand, 0, sizeof(brand)) != NULL, "brand not terminated");
  (void)heic_context_minor_version(ctx);
  uint32_t nb = heic_context_brand_count(ctx);
  for (uint32_t i = 0; i < nb && i < MAX_BRANDS; i++) heic_context_brand(ctx, i, brand);
  uint32_t primary = heic_context_primary_item(ctx);

  uint32_t items = heic_context_item_count(ctx);
  for (uint32_t i = 0; i < items && i < MAX_ITEMS_QUERIED; i++)
    query_item(ctx, heic_context_item_id(ctx, i));
  /* Ids no item is likely to have: refused, not looked up out of bounds. */
  query_item(ctx, 0);
  query_item(ctx, 0xFFFFFFFFu);

  uint32_t top = heic_context_top_level_count(ctx);
  fuzz_check(!primary || (top && heic_context_top_level_id(ctx, 0) == primary),
             "the primary item %u is not the first top-level image", primary);
  for (uint32_t t = 0; t < top && t < MAX_TOP_LEVEL; t++)
    query_top_level(ctx, heic_context_top_level_id(ctx, t));
  if (primary) {
    heic_item_info info;
    (void)item_info(ctx, primary, &info);
  }
}
