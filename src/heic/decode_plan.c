/*
 * The decode plan (see decode_plan.h).  SPDX-License-Identifier: BSD-2-Clause
 *
 * Nodes of the graph are (item, with_alpha) pairs: the same item is decoded
 * with its alpha auxiliary when it is the image, a grid tile or an overlay
 * layer (blended onto the canvas by its alpha), without when it is an
 * identity source or an alpha plane itself.
 * Edges carry a multiplicity: a grid naming one tile k times is one edge of
 * multiplicity k, so repetition costs nothing to plan.
 *
 * The walk is a depth-first search (recursive, but never deeper than
 * HX_MAX_DERIVATION_DEPTH + 1 frames: a longer path fails first) that
 * colours nodes to find cycles and records a post-order.  Reversed, that
 * order lists every node before its inputs, so one pass pushes "times
 * decoded" down from the image to every coded picture.
 */
#include "decode_plan.h"

#include <stdlib.h>
#include <string.h>

#include "hevc_sps.h"

#define T_HVC1 HF_4CC('h', 'v', 'c', '1')
#define T_GRID HF_4CC('g', 'r', 'i', 'd')
#define T_IOVL HF_4CC('i', 'o', 'v', 'l')
#define T_IDEN HF_4CC('i', 'd', 'e', 'n')
#define T_DIMG HF_4CC('d', 'i', 'm', 'g')
#define T_ISPE HF_4CC('i', 's', 'p', 'e')
#define T_HVCC HF_4CC('h', 'v', 'c', 'C')

enum { WHITE = 0, GREY, BLACK };

/* One distinct input of an item and how many times the item uses it. */
typedef struct plan_kid {
  uint32_t item; /* index into file.items */
  uint32_t mult;
} plan_kid;

/* What the planner knows about one item of the file, independent of which
 * image is being planned. */
typedef struct plan_item {
  uint8_t built;     /* the fields below are known (and the item's own checks passed) */
  uint8_t coded;     /* a coded picture (hvc1) */
  uint8_t tiles;     /* its inputs are grid tiles (decoded with their alpha) */
  uint8_t layers;    /* its inputs are overlay layers (decoded with their alpha,
                        which blends them onto the canvas, whatever the output) */
  uint8_t ok_plan[2]; /* plan[no_alpha] below is a successful plan of this item */
  uint64_t area;     /* coded: its picture; derived: its canvas; 0 unknown */
  uint32_t kids_first, kids_count; /* into cache.kids */
  uint32_t alpha;    /* index + 1 of its alpha auxiliary, 0 when none */
  hx_plan plan[2];
} plan_item;

struct hx_plan_cache {
  uint32_t item_count;
  plan_item *items;
  plan_kid *kids;
  uint32_t kid_count, kid_cap;
  /* One walk's state, indexed by node = 2 * item + with_alpha; every node a
   * walk touches is listed in `touched` so the next walk resets only those. */
  uint8_t *color;
  uint8_t *height; /* longest path below the node, in edges */
  uint64_t *uses;  /* times the node is decoded for the image */
  uint32_t *order; /* finished nodes, in post-order */
  uint32_t *touched;
  uint32_t order_count, touched_count;
};

/* Saturating arithmetic: counts only need to be compared with limits. */
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) {
  return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint32_t read_be(const uint8_t *p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
  return v;
}

static heic_status check_canvas(const heic_context *ctx, const hf_item *it, const char *kind,
                                uint32_t w, uint32_t h, hc_err *err) {
  if (!w || !h) return hc_fail(err, HEIC_ERR_INVALID_INPUT, "%s item %u has a zero output size", kind, it->id);
  if ((uint64_t)w * h > ctx->limits.max_pixels)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "%s item %u: canvas of %ux%u pixels exceeds the limit of %llu (max_pixels)",
                   kind, it->id, w, h, (unsigned long long)ctx->limits.max_pixels);
  return HEIC_OK;
}

/* ---- descriptions of derived images ---- */

heic_status hx_grid_describe(heic_context *ctx, const hf_item *it, hx_grid *g, const uint32_t **tiles,
                             hc_err *err) {
  memset(g, 0, sizeof(*g));
  *tiles = NULL;
  uint8_t *data = NULL;
  size_t size = 0;
  heic_status st = hx_item_bytes(ctx, it, &data, &size, err);
  if (st != HEIC_OK) return st;
  if (size < 8) {
    st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u: description of %zu bytes is too short",
                 it->id, size);
  } else if (data[0] != 0) {
    st = hc_fail(err, HEIC_ERR_UNSUPPORTED, "grid item %u: unknown grid version %u", it->id, data[0]);
  } else if ((data[1] & 1) && size < 12) {
    st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u: description too short", it->id);
  } else {
    int fb = data[1] & 1 ? 4 : 2;
    g->rows = data[2] + 1u;
    g->cols = data[3] + 1u;
    g->width = read_be(data + 4, fb);
    g->height = read_be(data + 4 + fb, fb);
  }
  hc_free(&ctx->mem, data);
  if (st == HEIC_OK) st = check_canvas(ctx, it, "grid", g->width, g->height, err);
  if (st != HEIC_OK) return st;
  uint32_t n = g->rows * g->cols;
  if (n > ctx->limits.max_tiles)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "grid item %u has %u tiles, more than the limit of %u (max_tiles)", it->id, n,
                   ctx->limits.max_tiles);
  const hf_ref *ref = hf_find_ref(&ctx->file, it->id, T_DIMG);
  if (!ref || ref->count < n)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "grid item %u needs %u tiles but references %u",
                   it->id, n, ref ? ref->count : 0);
  *tiles = ref->to;
  return HEIC_OK;
}

heic_status hx_overlay_describe(heic_context *ctx, const hf_item *it, hx_overlay *ov, hc_err *err) {
  memset(ov, 0, sizeof(*ov));
  const hf_ref *ref = hf_find_ref(&ctx->file, it->id, T_DIMG);
  if (!ref || !ref->count)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "overlay item %u has no inputs", it->id);
  if (ref->count > ctx->limits.max_overlay_layers)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "overlay item %u has %u layers, more than the limit of %u (max_overlay_layers)",
                   it->id, ref->count, ctx->limits.max_overlay_layers);
  size_t size = 0;
  heic_status st = hx_item_bytes(ctx, it, &ov->data, &size, err);
  if (st != HEIC_OK) return st;
  ov->field_bytes = size >= 2 && (ov->data[1] & 1) ? 4 : 2;
  size_t fb = (size_t)ov->field_bytes;
  size_t need = 2 + 8 + 2 * fb + (size_t)ref->count * 2 * fb;
  if (size < need || ov->data[0] != 0) {
    st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "overlay item %u: description of %zu bytes, need %zu",
                 it->id, size, need);
  } else {
    for (int c = 0; c < 4; c++) ov->fill[c] = (uint16_t)read_be(ov->data + 2 + 2 * c, 2);
    ov->width = read_be(ov->data + 10, ov->field_bytes);
    ov->height = read_be(ov->data + 10 + fb, ov->field_bytes);
    ov->layers = ref->count;
    ov->inputs = ref->to;
    st = check_canvas(ctx, it, "overlay", ov->width, ov->height, err);
  }
  if (st != HEIC_OK) hx_overlay_clear(ctx, ov);
  return st;
}

void hx_overlay_offset(const hx_overlay *ov, uint32_t k, int32_t *x, int32_t *y) {
  size_t fb = (size_t)ov->field_bytes;
  const uint8_t *o = ov->data + 10 + 2 * fb + (size_t)k * 2 * fb;
  *x = fb == 4 ? (int32_t)read_be(o, 4) : (int16_t)read_be(o, 2);
  *y = fb == 4 ? (int32_t)read_be(o + fb, 4) : (int16_t)read_be(o + fb, 2);
}

void hx_overlay_clear(heic_context *ctx, hx_overlay *ov) {
  hc_free(&ctx->mem, ov->data);
  memset(ov, 0, sizeof(*ov));
}

heic_status hx_iden_source(const heic_context *ctx, const hf_item *it, uint32_t *source, hc_err *err) {
  const hf_ref *ref = hf_find_ref(&ctx->file, it->id, T_DIMG);
  if (!ref || ref->count != 1)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "identity item %u must reference exactly one image",
                   it->id);
  *source = ref->to[0];
  return HEIC_OK;
}

/* ---- the cache ---- */

void hx_plan_cache_free(heic_context *ctx) {
  struct hx_plan_cache *c = ctx->plan;
  if (!c) return;
  hc_mem *mem = &ctx->mem;
  hc_free(mem, c->items);
  hc_free(mem, c->kids);
  hc_free(mem, c->color);
  hc_free(mem, c->height);
  hc_free(mem, c->uses);
  hc_free(mem, c->order);
  hc_free(mem, c->touched);
  hc_free(mem, c);
  ctx->plan = NULL;
}

static heic_status cache_get(heic_context *ctx, struct hx_plan_cache **out, hc_err *err) {
  if (ctx->plan) {
    *out = ctx->plan;
    return HEIC_OK;
  }
  hc_mem *mem = &ctx->mem;
  size_t n = ctx->file.item_count ? ctx->file.item_count : 1, nodes = 2 * n;
  struct hx_plan_cache *c = hc_calloc(mem, 1, sizeof(*c));
  if (!c) return hc_fail_oom(err);
  ctx->plan = c;
  c->item_count = ctx->file.item_count;
  c->items = hc_calloc(mem, n, sizeof(*c->items));
  c->color = hc_calloc(mem, nodes, sizeof(*c->color));
  c->height = hc_calloc(mem, nodes, sizeof(*c->height));
  c->uses = hc_calloc(mem, nodes, sizeof(*c->uses));
  c->order = hc_malloc_array(mem, nodes, sizeof(*c->order));
  c->touched = hc_malloc_array(mem, nodes, sizeof(*c->touched));
  if (!c->items || !c->color || !c->height || !c->uses || !c->order || !c->touched) {
    hx_plan_cache_free(ctx);
    return hc_fail_oom(err);
  }
  *out = c;
  return HEIC_OK;
}

/* ---- what one item needs ---- */

/* Largest picture any SPS of the hvcC describes (0 when none parses). */
static uint64_t hvcc_area(const hf_hvcc *h) {
  uint64_t best = 0;
  for (uint32_t a = 0; a < h->array_count; a++)
    for (uint32_t i = 0; i < h->arrays[a].count; i++) {
      hx_sps_info sps;
      if (hx_sps_parse(h->arrays[a].nals[i].data, h->arrays[a].nals[i].size, &sps) &&
          (uint64_t)sps.width * sps.height > best)
        best = (uint64_t)sps.width * sps.height;
    }
  return best;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Appends the distinct items of ids[0..n) with their multiplicities to the
 * cache's kid pool as pi's inputs.  A missing item fails, naming `what`. */
static heic_status add_kids(heic_context *ctx, struct hx_plan_cache *c, plan_item *pi,
                            const hf_item *it, const char *what, const uint32_t *ids, uint32_t n,
                            hc_err *err) {
  const hf_file *f = &ctx->file;
  uint32_t *idx = hc_malloc_array(&ctx->mem, n ? n : 1, sizeof(*idx));
  if (!idx) return hc_fail_oom(err);
  heic_status st = HEIC_OK;
  for (uint32_t k = 0; k < n && st == HEIC_OK; k++) {
    const hf_item *kid = hf_find_item(f, ids[k]);
    if (!kid)
      st = hc_fail(err, HEIC_ERR_INVALID_INPUT, "item %u: %s %u is item %u, which does not exist",
                   it->id, what, k + 1, ids[k]);
    else
      idx[k] = hf_item_index(f, kid);
  }
  if (st == HEIC_OK) qsort(idx, n, sizeof(*idx), cmp_u32);
  uint32_t distinct = 0;
  for (uint32_t k = 0; k < n && st == HEIC_OK; k++) distinct += !k || idx[k] != idx[k - 1];
  if (st == HEIC_OK && c->kid_count + (uint64_t)distinct > c->kid_cap) {
    uint64_t cap = c->kid_cap ? (uint64_t)c->kid_cap * 2 : 64;
    if (cap < (uint64_t)c->kid_count + distinct) cap = (uint64_t)c->kid_count + distinct;
    plan_kid *k2 = cap <= UINT32_MAX ? hc_realloc_array(&ctx->mem, c->kids, (size_t)cap, sizeof(*k2)) : NULL;
    if (!k2) st = hc_fail_oom(err);
    else {
      c->kids = k2;
      c->kid_cap = (uint32_t)cap;
    }
  }
  if (st == HEIC_OK) {
    pi->kids_first = c->kid_count;
    for (uint32_t k = 0; k < n; k++) {
      if (k && idx[k] == idx[k - 1]) c->kids[c->kid_count - 1].mult++;
      else c->kids[c->kid_count++] = (plan_kid){idx[k], 1};
    }
    pi->kids_count = distinct;
  }
  hc_free(&ctx->mem, idx);
  return st;
}

/* The item's own checks, and its inputs; cached in pi on success.  On
 * failure nothing is cached, so asking again gives the message again. */
static heic_status build_item(heic_context *ctx, struct hx_plan_cache *c, uint32_t index, hc_err *err) {
  plan_item *pi = &c->items[index];
  if (pi->built) return HEIC_OK;
  const hf_file *f = &ctx->file;
  const hf_item *it = &f->items[index];
  char why[256];
  const char *reason = hx_undecodable_reason(f, it, why, sizeof(why));
  if (reason)
    return hc_fail(err, it->type == T_HVC1 ? HEIC_ERR_INVALID_INPUT : HEIC_ERR_UNSUPPORTED, "%s", reason);
  uint64_t ispe_area = 0;
  const hf_property *ispe = hf_item_property(f, it, T_ISPE);
  if (ispe && ispe->parsed) {
    ispe_area = (uint64_t)ispe->u.ispe.width * ispe->u.ispe.height;
    if (ispe_area > ctx->limits.max_pixels)
      return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                     "image item %u of %ux%u pixels exceeds the limit of %llu (max_pixels)", it->id,
                     ispe->u.ispe.width, ispe->u.ispe.height,
                     (unsigned long long)ctx->limits.max_pixels);
  }
  uint32_t alpha = hx_find_aux(f, it->id, hx_is_alpha_urn);
  heic_status st = HEIC_OK;
  plan_item fresh;
  memset(&fresh, 0, sizeof(fresh));
  switch (it->type) {
    case T_HVC1: {
      uint64_t size;
      if (!it->has_location)
        return hc_fail(err, HEIC_ERR_INVALID_INPUT, "item %u has no data (no iloc entry)", it->id);
      st = hx_item_data_check(ctx, it, &size, err);
      if (st != HEIC_OK) return st;
      const hf_property *hvcc = hf_item_property(f, it, T_HVCC);
      uint64_t area = hvcc && hvcc->parsed ? hvcc_area(&hvcc->u.hvcc) : 0;
      if (area > ctx->limits.max_pixels)
        return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                       "item %u: its parameter set describes %llu pixels, more than the limit of "
                       "%llu (max_pixels)",
                       it->id, (unsigned long long)area, (unsigned long long)ctx->limits.max_pixels);
      fresh.coded = 1;
      fresh.area = area ? area : ispe_area;
      break;
    }
    case T_GRID: {
      hx_grid g;
      const uint32_t *tiles;
      st = hx_grid_describe(ctx, it, &g, &tiles, err);
      if (st == HEIC_OK) st = add_kids(ctx, c, &fresh, it, "tile", tiles, g.rows * g.cols, err);
      fresh.tiles = 1;
      fresh.area = (uint64_t)g.width * g.height;
      break;
    }
    case T_IOVL: {
      hx_overlay ov;
      st = hx_overlay_describe(ctx, it, &ov, err);
      if (st == HEIC_OK) st = add_kids(ctx, c, &fresh, it, "layer", ov.inputs, ov.layers, err);
      fresh.layers = 1;
      fresh.area = (uint64_t)ov.width * ov.height;
      hx_overlay_clear(ctx, &ov);
      break;
    }
    case T_IDEN: {
      uint32_t source = 0;
      st = hx_iden_source(ctx, it, &source, err);
      if (st == HEIC_OK) st = add_kids(ctx, c, &fresh, it, "source", &source, 1, err);
      break; /* its area is its source's, known once the source is planned */
    }
    default:
      return hc_fail(err, HEIC_ERR_UNSUPPORTED, "item %u: unsupported image type", it->id);
  }
  if (st != HEIC_OK) return st;
  const hf_item *a = alpha ? hf_find_item(f, alpha) : NULL;
  fresh.alpha = a ? hf_item_index(f, a) + 1 : 0;
  fresh.built = 1;
  *pi = fresh;
  return HEIC_OK;
}

/* ---- the walk ---- */

typedef struct walk {
  heic_context *ctx;
  struct hx_plan_cache *c;
  uint32_t root;
  int no_alpha;
  hc_err *err;
} walk;

/* Whether an item's inputs are decoded with their alpha: grid tiles when
 * the output has alpha, overlay layers always (they are blended by it). */
static int kids_with_alpha(const plan_item *pi, int no_alpha) {
  return (pi->tiles && !no_alpha) || pi->layers;
}

static heic_status visit(walk *w, uint32_t item, int with_alpha, int depth) {
  struct hx_plan_cache *c = w->c;
  uint32_t node = 2 * item + (uint32_t)with_alpha;
  const hf_item *it = &w->ctx->file.items[item];
  if (c->color[node] == GREY)
    return hc_fail(w->err, HEIC_ERR_INVALID_INPUT,
                   "image %u: item %u refers back to itself through its inputs (a reference cycle)",
                   w->root, it->id);
  if (c->color[node] == BLACK ? depth + c->height[node] > HX_MAX_DERIVATION_DEPTH
                              : depth > HX_MAX_DERIVATION_DEPTH)
    return hc_fail(w->err, HEIC_ERR_INVALID_INPUT,
                   "image %u: derived images nest deeper than %d levels at item %u (tiles, overlay "
                   "layers, identity sources and alpha planes count alike)",
                   w->root, HX_MAX_DERIVATION_DEPTH, it->id);
  if (c->color[node] == BLACK) return HEIC_OK;
  heic_status st = build_item(w->ctx, c, item, w->err);
  if (st != HEIC_OK) return st;
  c->color[node] = GREY;
  c->touched[c->touched_count++] = node;
  plan_item *pi = &c->items[item];
  int kid_alpha = kids_with_alpha(pi, w->no_alpha);
  unsigned height = 0;
  for (uint32_t k = 0; k < pi->kids_count; k++) {
    uint32_t kid = c->kids[pi->kids_first + k].item;
    st = visit(w, kid, kid_alpha, depth + 1);
    if (st != HEIC_OK) return st;
    unsigned h = 1u + c->height[2 * kid + (uint32_t)kid_alpha];
    if (h > height) height = h;
  }
  if (with_alpha && pi->alpha) {
    st = visit(w, pi->alpha - 1, 0, depth + 1);
    if (st != HEIC_OK) return st;
    unsigned h = 1u + c->height[2 * (pi->alpha - 1)];
    if (h > height) height = h;
  }
  /* An identity item shows its source: same canvas. */
  if (it->type == T_IDEN && pi->kids_count) pi->area = c->items[c->kids[pi->kids_first].item].area;
  c->height[node] = (uint8_t)height;
  c->color[node] = BLACK;
  c->order[c->order_count++] = node;
  return HEIC_OK;
}

/* Pushes "times decoded" from the root down (reverse post-order visits
 * every node before its inputs) and checks the totals against the limits. */
static heic_status count(walk *w, uint32_t root_node, hx_plan *out) {
  struct hx_plan_cache *c = w->c;
  const heic_limits *lim = &w->ctx->limits;
  const hf_file *f = &w->ctx->file;
  c->uses[root_node] = 1;
  for (uint32_t k = c->order_count; k-- > 0;) {
    uint32_t node = c->order[k];
    uint64_t u = c->uses[node];
    const plan_item *pi = &c->items[node / 2];
    uint32_t kid_alpha = (uint32_t)kids_with_alpha(pi, w->no_alpha);
    for (uint32_t j = 0; j < pi->kids_count; j++) {
      const plan_kid *kid = &c->kids[pi->kids_first + j];
      uint32_t kn = 2 * kid->item + kid_alpha;
      c->uses[kn] = sat_add(c->uses[kn], sat_mul(u, kid->mult));
    }
    if ((node & 1) && pi->alpha) c->uses[2 * (pi->alpha - 1)] = sat_add(c->uses[2 * (pi->alpha - 1)], u);
  }
  const plan_item *root = &c->items[root_node / 2];
  out->area_budget = sat_add(sat_mul(root->area, lim->max_decode_ratio), HX_DECODE_ALLOWANCE);
  for (uint32_t k = 0; k < c->order_count; k++) {
    uint32_t node = c->order[k];
    const plan_item *pi = &c->items[node / 2];
    if (!pi->coded) continue;
    /* A coded item decodes the same picture with or without alpha. */
    uint64_t times = sat_add(c->uses[node & ~1u], c->uses[node | 1u]);
    if (times > lim->max_item_decodes)
      return hc_fail(w->err, HEIC_ERR_LIMIT_EXCEEDED,
                     "image %u would decode item %u %llu times, more than the limit of %u "
                     "(max_item_decodes)",
                     w->root, f->items[node / 2].id, (unsigned long long)times, lim->max_item_decodes);
    out->pictures = sat_add(out->pictures, c->uses[node]);
    out->decoded_area = sat_add(out->decoded_area, sat_mul(c->uses[node], pi->area));
  }
  if (out->pictures > lim->max_tiles)
    return hc_fail(w->err, HEIC_ERR_LIMIT_EXCEEDED,
                   "image %u needs %llu coded pictures decoded, more than the limit of %u (max_tiles)",
                   w->root, (unsigned long long)out->pictures, lim->max_tiles);
  if (out->decoded_area > out->area_budget)
    return hc_fail(w->err, HEIC_ERR_LIMIT_EXCEEDED,
                   "image %u would decode %llu pixels for a canvas of %llu, more than %u per pixel "
                   "plus %llu (max_decode_ratio)",
                   w->root, (unsigned long long)out->decoded_area, (unsigned long long)root->area,
                   lim->max_decode_ratio, (unsigned long long)HX_DECODE_ALLOWANCE);
  return HEIC_OK;
}

heic_status hx_plan_image(heic_context *ctx, uint32_t id, int no_alpha, hx_plan *out, hc_err *err) {
  memset(out, 0, sizeof(*out));
  const hf_item *it = hf_find_item(&ctx->file, id);
  if (!it) return hc_fail(err, HEIC_ERR_NOT_FOUND, "the file has no item with id %u", id);
  struct hx_plan_cache *c = NULL;
  heic_status st = cache_get(ctx, &c, err);
  if (st != HEIC_OK) return st;
  no_alpha = no_alpha != 0;
  uint32_t index = hf_item_index(&ctx->file, it);
  if (c->items[index].ok_plan[no_alpha]) {
    *out = c->items[index].plan[no_alpha];
    return HEIC_OK;
  }
  walk w = {ctx, c, id, no_alpha, err};
  uint32_t root_node = 2 * index + (uint32_t)!no_alpha;
  st = visit(&w, index, !no_alpha, 0);
  if (st == HEIC_OK) st = count(&w, root_node, out);
  for (uint32_t k = 0; k < c->touched_count; k++) {
    uint32_t node = c->touched[k];
    c->color[node] = WHITE;
    c->height[node] = 0;
    c->uses[node] = 0;
  }
  c->touched_count = c->order_count = 0;
  if (st == HEIC_OK) {
    c->items[index].plan[no_alpha] = *out;
    c->items[index].ok_plan[no_alpha] = 1;
  } else {
    memset(out, 0, sizeof(*out));
  }
  return st;
}
