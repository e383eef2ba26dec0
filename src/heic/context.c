/*
 * Context: configuration, reading, and the item/metadata queries.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "context.h"
#include "encode_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buffer.h"
#include "decode_plan.h"
#include "hevc_sps.h"
#include "heif/heif_write.h"
#include "transform.h"

#define DEFAULT_MAX_PIXELS (UINT64_C(1) << 28)
#define DEFAULT_MAX_ITEMS 10000u
#define DEFAULT_MAX_BOX_DEPTH 16u
#define DEFAULT_MAX_TILES 65536u
#define DEFAULT_MAX_MEMORY (UINT64_C(1) << 32)
#define DEFAULT_MAX_FILE_SIZE (UINT64_C(1) << 32)
#define DEFAULT_MAX_EXTENTS 32u
#define DEFAULT_MAX_OVERLAY_LAYERS 256u
#define DEFAULT_MAX_ITEM_DECODES 16u
#define DEFAULT_MAX_DECODE_RATIO 4u

unsigned heic_version_number(void) { return HEIC_VERSION_NUMBER; }

const char *heic_version_string(void) { return "0.1.0"; }

void heic_context_config_init(heic_context_config *cfg) {
  if (cfg) memset(cfg, 0, sizeof(*cfg));
}

heic_status hx_ctx_result(heic_context *ctx, heic_status st) {
  if (st == HEIC_OK) {
    hc_err_clear(&ctx->err);
  } else if (ctx->err.code == HEIC_OK) {
    /* Every failure must carry a message; fall back to the status text. */
    hc_fail(&ctx->err, st, "%s", heic_status_string(st));
  }
  return st;
}

heic_status heic_context_new(heic_context **out, const heic_context_config *cfg) {
  if (!out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  heic_context_config def;
  if (!cfg) {
    heic_context_config_init(&def);
    cfg = &def;
  }
  heic_allocator *alloc = NULL;
  if (cfg->allocator) {
    alloc = hc_allocator_ref(cfg->allocator);
  } else {
    heic_status st = heic_allocator_new(&alloc, NULL);
    if (st != HEIC_OK) return st;
  }
  heic_limits lim = cfg->limits;
  if (!lim.max_pixels) lim.max_pixels = DEFAULT_MAX_PIXELS;
  if (!lim.max_items) lim.max_items = DEFAULT_MAX_ITEMS;
  if (!lim.max_box_depth) lim.max_box_depth = DEFAULT_MAX_BOX_DEPTH;
  if (!lim.max_tiles) lim.max_tiles = DEFAULT_MAX_TILES;
  if (!lim.max_memory) lim.max_memory = DEFAULT_MAX_MEMORY;
  if (!lim.max_file_size) lim.max_file_size = DEFAULT_MAX_FILE_SIZE;
  if (!lim.max_extents) lim.max_extents = DEFAULT_MAX_EXTENTS;
  if (!lim.max_overlay_layers) lim.max_overlay_layers = DEFAULT_MAX_OVERLAY_LAYERS;
  if (!lim.max_item_decodes) lim.max_item_decodes = DEFAULT_MAX_ITEM_DECODES;
  if (!lim.max_decode_ratio) lim.max_decode_ratio = DEFAULT_MAX_DECODE_RATIO;

  heic_context *ctx = hc_allocator_malloc(alloc, sizeof(*ctx));
  if (!ctx) {
    hc_allocator_unref(alloc);
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  memset(ctx, 0, sizeof(*ctx));
  ctx->alloc = alloc;
  hc_mem_init(&ctx->mem, alloc, lim.max_memory > SIZE_MAX ? SIZE_MAX : (size_t)lim.max_memory);
  ctx->log.fn = cfg->log;
  ctx->log.opaque = cfg->log_opaque;
  ctx->limits = lim;
  ctx->threads = cfg->threads > 0 ? cfg->threads : hc_cpu_count();
  ctx->own_threads = ctx->threads;
  ctx->file_fd = -1;
  *out = ctx;
  return HEIC_OK;
}

static void forget_file(heic_context *ctx) {
  hx_plan_cache_free(ctx);
  hf_file_clear(&ctx->file);
  HC_FREEP(&ctx->mem, &ctx->file_data);
  ctx->file_size = 0;
  if (ctx->file_fd >= 0) close(ctx->file_fd);
  ctx->file_fd = -1;
  HC_FREEP(&ctx->mem, &ctx->top_level);
  ctx->top_level_count = 0;
  ctx->primary = 0;
}

void heic_context_free(heic_context **pctx) {
  if (!pctx || !*pctx) return;
  heic_context *ctx = *pctx;
  *pctx = NULL;
  forget_file(ctx);
  hf_writer_free(&ctx->writer);
  hx_spool_free(&ctx->enc_spool); /* after the writer, which reads it */
  if (ctx->pool_borrowed)
    ctx->pool = NULL;
  else
    hc_pool_free(&ctx->pool);
  heic_allocator *alloc = ctx->alloc;
  hc_allocator_free(alloc, ctx);
  hc_allocator_unref(alloc);
}

const char *heic_context_last_error(const heic_context *ctx) {
  return ctx ? ctx->err.message : "no context";
}

/* ---- item data ---- */

heic_status hx_item_data_check(const heic_context *ctx, const hf_item *it, uint64_t *size, hc_err *err) {
  *size = 0;
  if (it->extent_count > ctx->limits.max_extents)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "item %u has %u extents, more than the limit of %u (max_extents)", it->id,
                   it->extent_count, ctx->limits.max_extents);
  heic_status st = hf_item_data_size(&ctx->file, it, size, err);
  /* A coded picture, a grid or an overlay is nothing without its data: an
   * iloc entry giving no bytes (no extents, or an extent "to the end" that
   * starts at the end of a truncated file) is data missing, as much as an
   * extent past the end is. */
  if (st == HEIC_OK && *size == 0 &&
      (it->type == HF_4CC('h', 'v', 'c', '1') || it->type == HF_4CC('g', 'r', 'i', 'd') ||
       it->type == HF_4CC('i', 'o', 'v', 'l')))
    st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "item %u has no data (its iloc entry gives 0 bytes)",
                 it->id);
  return st;
}

heic_status hx_item_bytes(heic_context *ctx, const hf_item *it, uint8_t **data, size_t *size,
                          hc_err *err) {
  *data = NULL;
  *size = 0;
  uint64_t total;
  heic_status st = hx_item_data_check(ctx, it, &total, err);
  return st == HEIC_OK ? hf_item_data(&ctx->file, it, data, size, err) : st;
}

/* ---- relations between items ---- */

int hx_is_image_type(hf_fourcc t) {
  return t == HF_4CC('h', 'v', 'c', '1') || t == HF_4CC('g', 'r', 'i', 'd') ||
         t == HF_4CC('i', 'o', 'v', 'l') || t == HF_4CC('i', 'd', 'e', 'n') ||
         t == HF_4CC('a', 'v', '0', '1') || t == HF_4CC('j', 'p', 'e', 'g') ||
         t == HF_4CC('u', 'n', 'c', 'i') || t == HF_4CC('l', 'h', 'v', '1') ||
         t == HF_4CC('h', 'v', 't', '1') || t == HF_4CC('v', 'v', 'c', '1');
}

static uint32_t ref_target(const hf_file *f, uint32_t from, hf_fourcc type) {
  const hf_ref *r = hf_find_ref(f, from, type);
  return r && r->count ? r->to[0] : 0;
}

uint32_t hx_thumbnail_of(const hf_file *f, uint32_t id) {
  return ref_target(f, id, HF_4CC('t', 'h', 'm', 'b'));
}

uint32_t hx_auxiliary_of(const hf_file *f, uint32_t id) {
  return ref_target(f, id, HF_4CC('a', 'u', 'x', 'l'));
}

const char *hx_aux_type(const hf_file *f, const hf_item *item) {
  const hf_property *p = hf_item_property(f, item, HF_4CC('a', 'u', 'x', 'C'));
  return p && p->parsed && p->u.auxc.aux_type ? p->u.auxc.aux_type : "";
}

int hx_is_alpha_urn(const char *urn) {
  return !strcmp(urn, "urn:mpeg:hevc:2015:auxid:1") ||
         !strcmp(urn, "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha");
}

int hx_is_depth_urn(const char *urn) {
  return !strcmp(urn, "urn:mpeg:hevc:2015:auxid:2") ||
         !strcmp(urn, "urn:mpeg:mpegB:cicp:systems:auxiliary:depth");
}

/* The index-th item with a reference of `type` to item (in iref order), 0
 * when there are fewer. */
static uint32_t nth_referrer(const hf_file *f, uint32_t item, hf_fourcc type, uint32_t index) {
  uint32_t n;
  const hf_ref_edge *e = hf_refs_to(f, hf_find_item(f, item), type, &n);
  return index < n ? f->refs[e[index].ref].from : 0;
}

uint32_t hx_find_aux(const hf_file *f, uint32_t master, int (*pred)(const char *)) {
  uint32_t n;
  const hf_ref_edge *e = hf_refs_to(f, hf_find_item(f, master), HF_4CC('a', 'u', 'x', 'l'), &n);
  for (uint32_t i = 0; i < n; i++) {
    const hf_ref *r = &f->refs[e[i].ref];
    const hf_item *aux = hf_find_item(f, r->from);
    if (aux && pred(hx_aux_type(f, aux))) return r->from;
  }
  return 0;
}

const char *hx_undecodable_reason(const hf_file *f, const hf_item *item, char *buf, size_t size) {
  char cc[5];
  hf_fourcc_str(item->type, cc);
  if (!hx_is_image_type(item->type)) {
    snprintf(buf, size, "item %u of type '%s' is not an image", item->id, cc);
    return buf;
  }
  if (item->type == HF_4CC('a', 'v', '0', '1')) return "AV1-coded images (AVIF) are not supported yet";
  if (item->type != HF_4CC('h', 'v', 'c', '1') && item->type != HF_4CC('g', 'r', 'i', 'd') &&
      item->type != HF_4CC('i', 'o', 'v', 'l') && item->type != HF_4CC('i', 'd', 'e', 'n')) {
    snprintf(buf, size, "image items of type '%s' are not supported", cc);
    return buf;
  }
  for (uint32_t i = 0; i < item->assoc_count; i++) {
    const hf_property *p = &f->props[item->assocs[i].index];
    if (item->assocs[i].essential && !p->parsed) {
      hf_fourcc_str(p->type, cc);
      snprintf(buf, size, "item %u has an essential property '%s' that libheic does not know",
               item->id, cc);
      return buf;
    }
  }
  if (item->type == HF_4CC('h', 'v', 'c', '1') &&
      !hf_item_property(f, item, HF_4CC('h', 'v', 'c', 'C'))) {
    snprintf(buf, size, "HEVC item %u has no hvcC property", item->id);
    return buf;
  }
  if (item->protection_index) {
    snprintf(buf, size, "item %u is protected (encrypted)", item->id);
    return buf;
  }
  return NULL;
}

/* Top-level images: image items that are not hidden and are not a thumbnail
 * or auxiliary image or a tile (dimg input) of another item. */
static heic_status find_top_level(heic_context *ctx, hc_err *err) {
  const hf_file *f = &ctx->file;
  ctx->top_level = hc_calloc(&ctx->mem, f->item_count ? f->item_count : 1, sizeof(uint32_t));
  if (!ctx->top_level) return hc_fail_oom(err);
  uint32_t n = 0;
  ctx->primary = hf_find_item(f, f->primary_id) ? f->primary_id : 0;
  /* A pitm naming a thumbnail (allowed by the letter of the standard, seen
   * in Nokia's conformance files) shows the image it is a thumbnail of, as
   * libheif does: a viewer should not open a file on its 128x72 preview. */
  uint32_t master = ctx->primary ? hx_thumbnail_of(f, ctx->primary) : 0;
  if (master && hf_find_item(f, master)) ctx->primary = master;
  if (ctx->primary) ctx->top_level[n++] = ctx->primary;
  for (uint32_t i = 0; i < f->item_count; i++) {
    const hf_item *it = &f->items[i];
    if (it->id == ctx->primary || it->hidden || !hx_is_image_type(it->type)) continue;
    if (hx_thumbnail_of(f, it->id) || hx_auxiliary_of(f, it->id)) continue;
    uint32_t dimg, base;
    (void)hf_refs_to(f, it, HF_4CC('d', 'i', 'm', 'g'), &dimg);
    (void)hf_refs_to(f, it, HF_4CC('b', 'a', 's', 'e'), &base);
    if (!dimg && !base) ctx->top_level[n++] = it->id;
  }
  ctx->top_level_count = n;
  return HEIC_OK;
}

heic_status heic_context_read_memory(heic_context *ctx, const void *data, size_t size) {
  if (!ctx) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  if (!data && size) return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_INVALID_ARGUMENT, "no data"));
  forget_file(ctx);
  if (size > ctx->limits.max_file_size)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_LIMIT_EXCEEDED,
                                      "input of %zu bytes exceeds the limit of %llu (max_file_size)",
                                      size, (unsigned long long)ctx->limits.max_file_size));
  ctx->file_data = hc_malloc(&ctx->mem, size);
  if (!ctx->file_data) return hx_ctx_result(ctx, hc_fail_oom(&ctx->err));
  if (size) memcpy(ctx->file_data, data, size);
  ctx->file_size = size;
  hf_limits lim = {ctx->limits.max_items, ctx->limits.max_box_depth, ctx->limits.max_pixels};
  heic_status st = hf_parse(&ctx->file, &ctx->mem, ctx->file_data, size, &lim, &ctx->err);
  if (st == HEIC_OK) st = find_top_level(ctx, &ctx->err);
  if (st != HEIC_OK) forget_file(ctx);
  return hx_ctx_result(ctx, st);
}

/* pread() all of dst, or fail naming the file's problem. */
static heic_status read_at(int fd, uint64_t offset, uint8_t *dst, size_t len, hc_err *err) {
  while (len) {
    size_t n = len > ((size_t)1 << 30) ? (size_t)1 << 30 : len;
    ssize_t k = pread(fd, dst, n, (off_t)offset);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0)
      return hc_fail(err, HEIC_ERR_IO, "cannot read the input at offset %llu: %s",
                     (unsigned long long)offset, strerror(errno));
    if (k == 0)
      return hc_fail(err, HEIC_ERR_IO,
                     "the input ends at offset %llu, before the data its boxes gave (was it "
                     "cut short while open?)",
                     (unsigned long long)offset);
    dst += k;
    len -= (size_t)k;
    offset += (uint64_t)k;
  }
  return HEIC_OK;
}

/* hf_file.read for a file left open by heic_context_read_file. */
static heic_status read_lazy(void *opaque, uint64_t offset, uint8_t *dst, size_t len, hc_err *err) {
  const heic_context *ctx = opaque;
  return read_at(ctx->file_fd, offset, dst, len, err);
}

/* Top-level boxes after the last one the parser reads (ftyp, meta, ...) that
 * are only item data (mdat) or padding (free, skip): where the run of them
 * that ends the file starts, or `size` when the file does not end so, or
 * when its boxes are too many or malformed to tell (the whole file is then
 * read, and the parser names the problem).  Only the box headers are read. */
static uint64_t data_tail_start(int fd, uint64_t size) {
  uint64_t pos = 0, tail = size;
  for (uint32_t n = 0; pos < size; n++) {
    uint8_t h[16];
    size_t want = size - pos < sizeof(h) ? (size_t)(size - pos) : sizeof(h);
    hc_err e;
    if (n >= 4096 || want < 8 || read_at(fd, pos, h, want, &e) != HEIC_OK) return size;
    uint64_t box = (uint64_t)h[0] << 24 | (uint64_t)h[1] << 16 | (uint64_t)h[2] << 8 | h[3];
    uint64_t head = 8;
    if (box == 1) {
      if (want < 16) return size;
      box = 0;
      for (int i = 8; i < 16; i++) box = box << 8 | h[i];
      head = 16;
    } else if (box == 0) {
      box = size - pos;
    }
    if (box < head) return size;
    int data = !memcmp(h + 4, "mdat", 4) || !memcmp(h + 4, "free", 4) || !memcmp(h + 4, "skip", 4);
    if (!data) tail = size;
    else if (tail == size) tail = pos;
    if (box >= size - pos) break; /* the last box (maybe cut short: the parser clips it) */
    pos += box;
  }
  return tail;
}

/* Reads the file's boxes up to its trailing item data into memory and
 * parses them; that data stays in the file, read as items are decoded
 * (read_lazy), so memory does not grow with the coded size of a picture.
 * Below LAZY_MIN_BYTES of such data the whole file is read. */
#define LAZY_MIN_BYTES ((uint64_t)1 << 20)
heic_status heic_context_read_file(heic_context *ctx, const char *path) {
  if (!ctx || !path) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  heic_status st = HEIC_OK;
  uint8_t *buf = NULL;
  struct stat sb;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    st = hc_fail(&ctx->err, HEIC_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    goto done;
  }
  if (fstat(fd, &sb) != 0) {
    st = hc_fail(&ctx->err, HEIC_ERR_IO, "cannot determine the size of '%s': %s", path,
                 strerror(errno));
    goto done;
  }
  /* Its data is read as it is decoded, so it must be there to read again
   * (a pipe or a device is not); a directory names itself. */
  if (!S_ISREG(sb.st_mode)) {
    st = hc_fail(&ctx->err, HEIC_ERR_IO, "cannot read '%s': %s", path,
                 S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
    goto done;
  }
  uint64_t len = (uint64_t)sb.st_size;
  if (len > ctx->limits.max_file_size) {
    st = hc_fail(&ctx->err, HEIC_ERR_LIMIT_EXCEEDED,
                 "'%s' is %llu bytes, more than the limit of %llu (max_file_size)", path,
                 (unsigned long long)len, (unsigned long long)ctx->limits.max_file_size);
    goto done;
  }
  if (len > SIZE_MAX) {
    st = hc_fail(&ctx->err, HEIC_ERR_LIMIT_EXCEEDED, "'%s' is too large to read here", path);
    goto done;
  }
  /* A file whose trailing item data is small is read whole, in one read,
   * and nothing is kept open. */
  uint64_t head = data_tail_start(fd, len);
  if (len - head < LAZY_MIN_BYTES) head = len;
  buf = hc_malloc(&ctx->mem, (size_t)head);
  if (!buf && head) {
    st = hc_fail_oom(&ctx->err);
    goto done;
  }
  hc_err why;
  hc_err_clear(&why);
  if (head && read_at(fd, 0, buf, (size_t)head, &why) != HEIC_OK) {
    st = hc_fail(&ctx->err, HEIC_ERR_IO, "cannot read '%s': %s", path, why.message);
    goto done;
  }
  /* Parse straight from buf and keep it, rather than copying it again. */
  forget_file(ctx);
  ctx->file_data = buf;
  ctx->file_size = (size_t)head;
  buf = NULL;
  {
    hf_limits lim = {ctx->limits.max_items, ctx->limits.max_box_depth, ctx->limits.max_pixels};
    st = hf_parse(&ctx->file, &ctx->mem, ctx->file_data, ctx->file_size, &lim, &ctx->err);
    if (st == HEIC_OK && head < len) {
      ctx->file_fd = fd;
      fd = -1;
      ctx->file.file_size = len;
      ctx->file.read = read_lazy;
      ctx->file.read_opaque = ctx;
    }
    if (st == HEIC_OK) st = find_top_level(ctx, &ctx->err);
    if (st != HEIC_OK) forget_file(ctx);
  }
done:
  if (fd >= 0) close(fd);
  hc_free(&ctx->mem, buf);
  return hx_ctx_result(ctx, st);
}

/* ---- brands ---- */

void heic_context_major_brand(const heic_context *ctx, char out[5]) {
  hf_fourcc_str(ctx && ctx->file.has_ftyp ? ctx->file.major_brand : 0, out);
}

uint32_t heic_context_minor_version(const heic_context *ctx) {
  return ctx ? ctx->file.minor_version : 0;
}

uint32_t heic_context_brand_count(const heic_context *ctx) { return ctx ? ctx->file.brand_count : 0; }

void heic_context_brand(const heic_context *ctx, uint32_t index, char out[5]) {
  hf_fourcc_str(ctx && index < ctx->file.brand_count ? ctx->file.brands[index] : 0, out);
}

/* ---- items ---- */

uint32_t heic_context_item_count(const heic_context *ctx) { return ctx ? ctx->file.item_count : 0; }

uint32_t heic_context_item_id(const heic_context *ctx, uint32_t index) {
  return ctx && index < ctx->file.item_count ? ctx->file.items[index].id : 0;
}

uint32_t heic_context_primary_item(const heic_context *ctx) { return ctx ? ctx->primary : 0; }

uint32_t heic_context_top_level_count(const heic_context *ctx) {
  return ctx ? ctx->top_level_count : 0;
}

uint32_t heic_context_top_level_id(const heic_context *ctx, uint32_t index) {
  return ctx && index < ctx->top_level_count ? ctx->top_level[index] : 0;
}

static heic_status no_item(heic_context *ctx, uint32_t id) {
  return hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND, "the file has no item with id %u", id);
}

uint32_t heic_context_thumbnail_id(const heic_context *ctx, uint32_t item, uint32_t index) {
  return ctx ? nth_referrer(&ctx->file, item, HF_4CC('t', 'h', 'm', 'b'), index) : 0;
}

/* How many items have a reference of `type` to item. */
static uint32_t count_referrers(const hf_file *f, uint32_t item, hf_fourcc type) {
  uint32_t n;
  (void)hf_refs_to(f, hf_find_item(f, item), type, &n);
  return n;
}

/* The size heic_context_decode_item gives an image item: its samples (its
 * ispe; for an identity item, its source as decoded) through its own clap,
 * irot and imir in ipma order, as the decoder's apply_transforms takes
 * them.  0 x 0 when that cannot be known (no ispe, a clean aperture that
 * does not fit, a broken identity chain): the decode then fails or finds
 * the size in the coded data. */
static void displayed_size(const hf_file *f, const hf_item *it, int depth, uint32_t *w, uint32_t *h) {
  *w = *h = 0;
  if (it->type == HF_4CC('i', 'd', 'e', 'n')) {
    const hf_ref *ref = hf_find_ref(f, it->id, HF_4CC('d', 'i', 'm', 'g'));
    const hf_item *src = ref && ref->count == 1 ? hf_find_item(f, ref->to[0]) : NULL;
    if (!src || depth >= HX_MAX_DERIVATION_DEPTH) return;
    displayed_size(f, src, depth + 1, w, h);
  } else {
    const hf_property *p = hf_item_property(f, it, HF_4CC('i', 's', 'p', 'e'));
    if (p && p->parsed) {
      *w = p->u.ispe.width;
      *h = p->u.ispe.height;
    }
  }
  for (uint32_t i = 0; i < it->assoc_count && *w && *h; i++) {
    const hf_property *p = &f->props[it->assocs[i].index];
    if (!p->parsed) continue;
    if (p->type == HF_4CC('c', 'l', 'a', 'p')) {
      uint32_t x, y, cw = 0, ch = 0;
      hc_err err;
      hc_err_clear(&err);
      if (hx_clap_rect(&p->u.clap, *w, *h, &x, &y, &cw, &ch, &err) != HEIC_OK) cw = ch = 0;
      *w = cw;
      *h = ch;
    } else if (p->type == HF_4CC('i', 'r', 'o', 't') && (p->u.irot.angle & 1)) {
      uint32_t t = *w;
      *w = *h;
      *h = t;
    }
  }
  if (!*w || !*h) *w = *h = 0;
}

heic_status heic_context_item_info(const heic_context *cctx, uint32_t id, heic_item_info *info) {
  heic_context *ctx = (heic_context *)cctx; /* only the error record changes */
  if (!ctx || !info) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  memset(info, 0, sizeof(*info));
  const hf_file *f = &ctx->file;
  const hf_item *it = hf_find_item(f, id);
  if (!it) return hx_ctx_result(ctx, no_item(ctx, id));
  info->id = id;
  hf_fourcc_str(it->type, info->type);
  info->name = it->name ? it->name : "";
  info->content_type = it->content_type ? it->content_type : "";
  info->hidden = it->hidden;
  info->is_image = hx_is_image_type(it->type);
  info->is_primary = id == ctx->primary;
  const hf_property *p = hf_item_property(f, it, HF_4CC('i', 's', 'p', 'e'));
  if (p && p->parsed) {
    info->width = p->u.ispe.width;
    info->height = p->u.ispe.height;
  }
  if (hx_is_image_type(it->type)) displayed_size(f, it, 0, &info->display_width, &info->display_height);
  const hf_hvcc *hvcc = hx_item_hvcc(f, id); /* a grid's format is its tiles' */
  if (hvcc) {
    info->bit_depth = hvcc->bit_depth_luma;
    info->chroma = (heic_chroma)hvcc->chroma_format_idc;
  }
  p = hf_item_property(f, it, HF_4CC('p', 'i', 'x', 'i'));
  if (p && p->parsed && p->u.pixi.channels) info->bit_depth = p->u.pixi.depth[0];
  uint64_t size = 0;
  hc_err data_err;
  hc_err_clear(&data_err);
  info->data_error = "";
  if (it->has_location) {
    if (hx_item_data_check(ctx, it, &size, &data_err) == HEIC_OK) {
      info->data_size = size;
    } else {
      snprintf(ctx->data_why, sizeof(ctx->data_why), "%s", data_err.message);
      info->data_error = ctx->data_why;
    }
  } else if (it->type == HF_4CC('h', 'v', 'c', '1') || it->type == HF_4CC('g', 'r', 'i', 'd') ||
             it->type == HF_4CC('i', 'o', 'v', 'l')) {
    /* These are nothing without their data (an identity item has none). */
    snprintf(ctx->data_why, sizeof(ctx->data_why), "item %u has no data (no iloc entry)", id);
    info->data_error = ctx->data_why;
  }
  info->alpha_item = hx_find_aux(f, id, hx_is_alpha_urn);
  info->depth_item = hx_find_aux(f, id, hx_is_depth_urn);
  info->thumbnail_count = count_referrers(f, id, HF_4CC('t', 'h', 'm', 'b'));
  info->thumbnail_of = hx_thumbnail_of(f, id);
  info->auxiliary_of = hx_auxiliary_of(f, id);
  info->aux_type = hx_aux_type(f, it);
  info->premultiplied = hf_find_ref(f, id, HF_4CC('p', 'r', 'e', 'm')) != NULL;
  info->decodable = 0;
  info->why_not = "";
  if (info->is_image) {
    /* Decodable means the whole decode was planned and checked, as
     * heic_context_decode_item would before decoding anything: the same
     * answer, from the same code. */
    hx_plan plan;
    hc_err why;
    hc_err_clear(&why);
    heic_status st = hx_plan_image(ctx, id, 0, &plan, &why);
    if (st == HEIC_ERR_OUT_OF_MEMORY || st == HEIC_ERR_INTERNAL) {
      hc_err_merge(&ctx->err, &why);
      return hx_ctx_result(ctx, st);
    }
    info->decodable = st == HEIC_OK;
    /* The texts live in the context so that they stay valid without an
     * allocation; the next item_info call overwrites them. */
    if (st != HEIC_OK) {
      snprintf(ctx->why_not, sizeof(ctx->why_not), "%s", why.message);
      info->why_not = ctx->why_not;
    }
  } else {
    const char *why = hx_undecodable_reason(f, it, ctx->why_not, sizeof(ctx->why_not));
    info->why_not = why ? why : "";
  }
  return HEIC_OK;
}

/* ---- properties and references ---- */

uint32_t heic_context_property_count(const heic_context *ctx, uint32_t item) {
  const hf_item *it = ctx ? hf_find_item(&ctx->file, item) : NULL;
  return it ? it->assoc_count : 0;
}

static void describe_property(const hf_property *p, char *buf, size_t size) {
  char cc[5];
  hf_fourcc_str(p->type, cc);
  if (!p->parsed) {
    snprintf(buf, size, "%s", cc);
    return;
  }
  switch (p->type) {
    case HF_4CC('i', 's', 'p', 'e'):
      snprintf(buf, size, "ispe %ux%u", p->u.ispe.width, p->u.ispe.height);
      break;
    case HF_4CC('p', 'i', 'x', 'i'): {
      int n = snprintf(buf, size, "pixi %u channel(s), bits", p->u.pixi.channels);
      for (unsigned c = 0; c < p->u.pixi.channels && c < 8 && n > 0 && (size_t)n < size; c++)
        n += snprintf(buf + n, size - (size_t)n, " %u", p->u.pixi.depth[c]);
      break;
    }
    case HF_4CC('c', 'o', 'l', 'r'):
      if (p->u.colr.kind == HF_COLR_NCLX)
        snprintf(buf, size, "colr nclx primaries %u transfer %u matrix %u %s range",
                 p->u.colr.nclx.colour_primaries, p->u.colr.nclx.transfer_characteristics,
                 p->u.colr.nclx.matrix_coefficients, p->u.colr.nclx.full_range ? "full" : "limited");
      else
        snprintf(buf, size, "colr ICC profile, %zu bytes", p->u.colr.icc.size);
      break;
    case HF_4CC('h', 'v', 'c', 'C'): {
      static const char *const chroma[4] = {"4:0:0", "4:2:0", "4:2:2", "4:4:4"};
      snprintf(buf, size, "hvcC profile %u level %.1f, %s, %u-bit luma, %u-bit chroma, %u NAL array(s)",
               p->u.hvcc.general_profile_idc, p->u.hvcc.general_level_idc / 30.0,
               chroma[p->u.hvcc.chroma_format_idc & 3], p->u.hvcc.bit_depth_luma,
               p->u.hvcc.bit_depth_chroma, p->u.hvcc.array_count);
      break;
    }
    case HF_4CC('i', 'r', 'o', 't'):
      snprintf(buf, size, "irot %u degrees anticlockwise", p->u.irot.angle * 90u);
      break;
    case HF_4CC('i', 'm', 'i', 'r'):
      snprintf(buf, size, "imir %s", p->u.imir.axis ? "left-right exchanged" : "top-bottom exchanged");
      break;
    case HF_4CC('c', 'l', 'a', 'p'):
      snprintf(buf, size, "clap %u/%u x %u/%u, offset %d/%u, %d/%u", p->u.clap.width_n,
               p->u.clap.width_d, p->u.clap.height_n, p->u.clap.height_d, p->u.clap.horiz_off_n,
               p->u.clap.horiz_off_d, p->u.clap.vert_off_n, p->u.clap.vert_off_d);
      break;
    case HF_4CC('a', 'u', 'x', 'C'):
      snprintf(buf, size, "auxC %s", p->u.auxc.aux_type ? p->u.auxc.aux_type : "");
      break;
    default:
      snprintf(buf, size, "%s", cc);
      break;
  }
}

heic_status heic_context_property(const heic_context *cctx, uint32_t item, uint32_t index,
                                  char type[5], int *essential, char *describe,
                                  size_t describe_size) {
  heic_context *ctx = (heic_context *)cctx;
  if (!ctx) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  const hf_item *it = hf_find_item(&ctx->file, item);
  if (!it) return hx_ctx_result(ctx, no_item(ctx, item));
  if (index >= it->assoc_count)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND,
                                      "item %u has only %u properties", item, it->assoc_count));
  const hf_property *p = &ctx->file.props[it->assocs[index].index];
  if (type) hf_fourcc_str(p->type, type);
  if (essential) *essential = it->assocs[index].essential;
  if (describe && describe_size) describe_property(p, describe, describe_size);
  return HEIC_OK;
}

uint32_t heic_context_reference_count(const heic_context *ctx, uint32_t item) {
  uint32_t n = 0;
  if (ctx) (void)hf_refs_from(&ctx->file, hf_find_item(&ctx->file, item), &n);
  return n;
}

heic_status heic_context_reference(const heic_context *cctx, uint32_t item, uint32_t index,
                                   char type[5], const uint32_t **to, uint32_t *count) {
  heic_context *ctx = (heic_context *)cctx;
  if (!ctx) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  uint32_t n;
  const uint32_t *list = hf_refs_from(&ctx->file, hf_find_item(&ctx->file, item), &n);
  if (index >= n)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND,
                                      "item %u has no reference number %u", item, index));
  const hf_ref *r = &ctx->file.refs[list[index]];
  if (type) hf_fourcc_str(r->type, type);
  if (to) *to = r->to;
  if (count) *count = r->count;
  return HEIC_OK;
}

/* Derived images (grids above all) often carry colour only on their inputs:
 * iPhone grids put colr on the grid item, other writers only on the tiles.
 * So a colour property is looked up on the item, then on its first input. */
const hf_property *hx_inherited_property(const hf_file *f, uint32_t id, hf_fourcc type,
                                         int (*match)(const hf_property *)) {
  for (int depth = 0; depth <= 8; depth++) {
    const hf_item *it = hf_find_item(f, id);
    if (!it) return NULL;
    for (uint32_t i = 0; i < it->assoc_count; i++) {
      const hf_property *p = &f->props[it->assocs[i].index];
      if (p->type == type && p->parsed && (!match || match(p))) return p;
    }
    id = ref_target(f, id, HF_4CC('d', 'i', 'm', 'g'));
  }
  return NULL;
}

static int is_nclx(const hf_property *p) { return p->u.colr.kind == HF_COLR_NCLX; }
static int is_icc(const hf_property *p) { return p->u.colr.kind == HF_COLR_ICC; }

const heic_nclx *hx_item_nclx(const hf_file *f, uint32_t id) {
  const hf_property *p = hx_inherited_property(f, id, HF_4CC('c', 'o', 'l', 'r'), is_nclx);
  return p ? &p->u.colr.nclx : NULL;
}

const hf_hvcc *hx_item_hvcc(const hf_file *f, uint32_t id) {
  const hf_property *p = hx_inherited_property(f, id, HF_4CC('h', 'v', 'c', 'C'), NULL);
  return p ? &p->u.hvcc : NULL;
}

int hx_item_stream_colour(const hf_file *f, uint32_t id, heic_nclx *out) {
  const heic_nclx inferred = {2, 2, 2, 0};
  *out = inferred;
  const hf_hvcc *hvcc = hx_item_hvcc(f, id);
  for (uint32_t a = 0; hvcc && a < hvcc->array_count; a++)
    for (uint32_t i = 0; i < hvcc->arrays[a].count; i++) {
      hx_sps_info sps;
      if (!hx_sps_parse(hvcc->arrays[a].nals[i].data, hvcc->arrays[a].nals[i].size, &sps)) continue;
      *out = sps.nclx;
      return sps.colour_signalled;
    }
  return -1;
}

/* ---- metadata ---- */

uint32_t heic_context_metadata_count(const heic_context *ctx, uint32_t item) {
  return ctx ? count_referrers(&ctx->file, item, HF_4CC('c', 'd', 's', 'c')) : 0;
}

uint32_t heic_context_metadata_id(const heic_context *ctx, uint32_t item, uint32_t index) {
  return ctx ? nth_referrer(&ctx->file, item, HF_4CC('c', 'd', 's', 'c'), index) : 0;
}

heic_status heic_context_item_data(heic_context *ctx, uint32_t item, heic_buffer **out) {
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  hc_err_clear(&ctx->err);
  const hf_item *it = hf_find_item(&ctx->file, item);
  if (!it) return hx_ctx_result(ctx, no_item(ctx, item));
  uint8_t *data = NULL;
  size_t size = 0;
  heic_status st = hx_item_bytes(ctx, it, &data, &size, &ctx->err);
  if (st == HEIC_OK) {
    *out = hc_buffer_copy(&ctx->mem, data, size);
    if (!*out) st = hc_fail_oom(&ctx->err);
  }
  hc_free(&ctx->mem, data);
  return hx_ctx_result(ctx, st);
}

heic_status heic_context_item_icc(heic_context *ctx, uint32_t item, heic_buffer **out) {
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  hc_err_clear(&ctx->err);
  const hf_item *it = hf_find_item(&ctx->file, item);
  if (!it) return hx_ctx_result(ctx, no_item(ctx, item));
  const hf_property *p = hx_inherited_property(&ctx->file, item, HF_4CC('c', 'o', 'l', 'r'), is_icc);
  if (p) {
    *out = hc_buffer_copy(&ctx->mem, p->u.colr.icc.data, p->u.colr.icc.size);
    return hx_ctx_result(ctx, *out ? HEIC_OK : hc_fail_oom(&ctx->err));
  }
  return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND, "item %u has no ICC profile", item));
}

heic_status heic_context_item_nclx(const heic_context *cctx, uint32_t item, heic_nclx *out) {
  heic_context *ctx = (heic_context *)cctx;
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  if (!hf_find_item(&ctx->file, item)) return hx_ctx_result(ctx, no_item(ctx, item));
  const heic_nclx *n = hx_item_nclx(&ctx->file, item);
  if (!n)
    return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND, "item %u has no nclx colour", item));
  *out = *n;
  return HEIC_OK;
}

heic_status heic_context_item_hdr(const heic_context *cctx, uint32_t item, heic_hdr *out) {
  heic_context *ctx = (heic_context *)cctx;
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  memset(out, 0, sizeof(*out));
  const hf_item *it = hf_find_item(&ctx->file, item);
  if (!it) return hx_ctx_result(ctx, no_item(ctx, item));
  const hf_property *p = hf_item_property(&ctx->file, it, HF_4CC('c', 'l', 'l', 'i'));
  if (p && p->parsed) {
    out->has_clli = 1;
    out->max_cll = p->u.clli.max_cll;
    out->max_fall = p->u.clli.max_fall;
  }
  p = hf_item_property(&ctx->file, it, HF_4CC('m', 'd', 'c', 'v'));
  if (p && p->parsed) {
    heic_hdr m = p->u.mdcv;
    memcpy(out->primaries_x, m.primaries_x, sizeof(m.primaries_x));
    memcpy(out->primaries_y, m.primaries_y, sizeof(m.primaries_y));
    out->white_x = m.white_x;
    out->white_y = m.white_y;
    out->max_luminance = m.max_luminance;
    out->min_luminance = m.min_luminance;
    out->has_mdcv = 1;
  }
  if (out->has_clli || out->has_mdcv) return HEIC_OK;
  return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND,
                                    "item %u has no HDR metadata (clli, mdcv)", item));
}

heic_status heic_context_item_stream_nclx(const heic_context *cctx, uint32_t item, heic_nclx *out) {
  heic_context *ctx = (heic_context *)cctx;
  if (!ctx || !out) return HEIC_ERR_INVALID_ARGUMENT;
  hc_err_clear(&ctx->err);
  if (!hf_find_item(&ctx->file, item)) return hx_ctx_result(ctx, no_item(ctx, item));
  heic_nclx nclx;
  if (hx_item_stream_colour(&ctx->file, item, &nclx) > 0) {
    *out = nclx;
    return HEIC_OK;
  }
  return hx_ctx_result(ctx, hc_fail(&ctx->err, HEIC_ERR_NOT_FOUND,
                                    "item %u: its coded stream does not describe its colour", item));
}
