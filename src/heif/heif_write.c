/*
 * HEIF writer: items, properties and references to boxes.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Layouts follow ISO/IEC 14496-12 (ftyp, meta, hdlr, pitm, iinf, infe, iref,
 * iloc, idat, mdat), ISO/IEC 23008-12 (iprp, ipco, ipma, ispe, pixi, colr,
 * irot, imir, clap, auxC) and ISO/IEC 14496-15 8.3.3 (hvcC).
 *
 * Everything is held in memory until hf_writer_write, which serialises ftyp
 * and meta into one buffer and then streams the mdat header and each item's
 * bytes straight from the writer's copies.  Each box picks the smallest
 * version that can hold its values (16-bit ids while every id fits, 32-bit
 * iloc offsets while the file is under 4 GiB): older readers know only the
 * small forms, and the large ones cost bytes in every file.
 *
 * The writer owns what it holds through arrays whose counts are raised only
 * once a slot is complete, so hf_writer_free is the one cleanup path, and a
 * failed call leaves nothing half-added.  Any failure is latched in w->err:
 * a file missing a piece the caller tried to add is worse than no file.
 */
#include "heif/heif_write.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heif/box_writer.h"

#define T_FTYP HF_4CC('f', 't', 'y', 'p')
#define T_META HF_4CC('m', 'e', 't', 'a')
#define T_HDLR HF_4CC('h', 'd', 'l', 'r')
#define T_PICT HF_4CC('p', 'i', 'c', 't')
#define T_PITM HF_4CC('p', 'i', 't', 'm')
#define T_IINF HF_4CC('i', 'i', 'n', 'f')
#define T_INFE HF_4CC('i', 'n', 'f', 'e')
#define T_IREF HF_4CC('i', 'r', 'e', 'f')
#define T_IPRP HF_4CC('i', 'p', 'r', 'p')
#define T_IPCO HF_4CC('i', 'p', 'c', 'o')
#define T_IPMA HF_4CC('i', 'p', 'm', 'a')
#define T_ILOC HF_4CC('i', 'l', 'o', 'c')
#define T_IDAT HF_4CC('i', 'd', 'a', 't')
#define T_MDAT HF_4CC('m', 'd', 'a', 't')
#define T_MIME HF_4CC('m', 'i', 'm', 'e')
#define T_URI HF_4CC('u', 'r', 'i', ' ')
#define T_ISPE HF_4CC('i', 's', 'p', 'e')
#define T_PIXI HF_4CC('p', 'i', 'x', 'i')
#define T_COLR HF_4CC('c', 'o', 'l', 'r')
#define T_NCLX HF_4CC('n', 'c', 'l', 'x')
#define T_PROF HF_4CC('p', 'r', 'o', 'f')
#define T_IROT HF_4CC('i', 'r', 'o', 't')
#define T_IMIR HF_4CC('i', 'm', 'i', 'r')
#define T_CLAP HF_4CC('c', 'l', 'a', 'p')
#define T_AUXC HF_4CC('a', 'u', 'x', 'C')
#define T_HVCC HF_4CC('h', 'v', 'c', 'C')

/* ipma's widest property index has 15 bits (index 0 means "none"). */
#define MAX_PROPERTIES 0x7FFFu
/* ipma's association_count is one byte. */
#define MAX_ASSOCS 255u
/* ipma uses 7-bit indices (flags & 1 clear) while ipco holds this many. */
#define MAX_NARROW_INDEX 127u
/* Ids, counts and box versions switch to 32 bits from here. */
#define WIDE_FROM 0x10000u

/* HEVC NAL unit types carried in hvcC's leading arrays (H.265 Table 7-1). */
enum { NAL_VPS = 32, NAL_SPS = 33, NAL_PPS = 34 };

typedef struct wr_assoc {
  uint16_t prop; /* 0-based index into props (< MAX_PROPERTIES) */
  uint8_t essential;
} wr_assoc;

typedef struct wr_item {
  hf_fourcc type;
  int hidden;
  char *name;         /* owned, never NULL once the item exists */
  char *content_type; /* owned; NULL until set (mime items only) */
  int has_data;       /* hf_writer_set_item_data was called */
  int in_idat;
  uint8_t *data; /* owned copy */
  size_t size;
  /* hf_writer_set_item_data_fn: the payload is read at write time (data NULL) */
  int (*read)(void *opaque, uint64_t offset, uint8_t *buf, size_t n);
  void *read_opaque;
  wr_assoc *assocs; /* owned, in call order (the order transforms apply) */
  uint32_t assoc_count, assoc_cap;
} wr_item;

typedef struct wr_prop {
  hf_fourcc type;
  int full_box;
  uint8_t version;
  uint32_t flags;
  uint8_t *payload; /* owned copy */
  size_t size;
  uint64_t hash; /* of all the fields above: the dedup key */
} wr_prop;

typedef struct wr_ref {
  hf_fourcc type;
  uint32_t from;
  uint32_t count;
  uint32_t *to; /* owned */
} wr_ref;

struct hf_writer {
  hc_mem *mem;
  hc_err err; /* sticky: the first failure, repeated by every later call */

  int have_brands;
  hf_fourcc major;
  hf_fourcc *brands; /* owned */
  uint32_t brand_count;

  uint32_t primary; /* 0: not set */

  wr_item *items; /* item id i + 1 is items[i] */
  uint32_t item_count, item_cap;

  wr_prop *props;
  uint32_t prop_count, prop_cap;
  /* Open-addressing hash set over props (slot value: index + 1, 0 empty),
   * so that deduplicating stays O(1) per property even when every tile of
   * a large grid adds its own ispe and hvcC. */
  uint32_t *slots;
  uint32_t slot_cap; /* a power of two, at least twice prop_count */

  wr_ref *refs;
  uint32_t ref_count, ref_cap;
};

/* ---- errors ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static heic_status
wfail(hf_writer *w, hc_err *err, heic_status code, const char *fmt, ...) {
  if (w->err.code == HEIC_OK) {
    w->err.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err.message, sizeof(w->err.message), fmt, ap);
    va_end(ap);
  }
  if (err) hc_err_merge(err, &w->err);
  return w->err.code;
}

static heic_status woom(hf_writer *w, hc_err *err) {
  return wfail(w, err, HEIC_ERR_OUT_OF_MEMORY, "out of memory");
}

/* Every entry point starts here: a missing writer cannot latch anything,
 * and a latched failure is repeated. */
static heic_status enter(hf_writer *w, hc_err *err, const char *fn) {
  if (!w) return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "%s: writer is NULL", fn);
  if (w->err.code != HEIC_OK) {
    if (err) hc_err_merge(err, &w->err);
    return w->err.code;
  }
  return HEIC_OK;
}

static heic_status bad_id(hf_writer *w, hc_err *err, const char *fn, uint32_t id) {
  return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: no item with id %u (the writer has %u)", fn,
               id, w->item_count);
}

static wr_item *item_of(hf_writer *w, uint32_t id) {
  return id >= 1 && id <= w->item_count ? &w->items[id - 1] : NULL;
}

/* ---- growth ---- */

/* Makes sure *arr (count used, *cap allocated) has room for one more,
 * doubling so that n appends cost O(n) copying.  New slots are zeroed.
 * Returns 0, or -1 with *arr untouched. */
static int grow(hc_mem *mem, void **arr, uint32_t count, uint32_t *cap, size_t elem) {
  if (count < *cap) return 0;
  if (*cap > UINT32_MAX / 2) return -1;
  uint32_t ncap = *cap ? *cap * 2 : 8;
  uint8_t *n = hc_realloc_array(mem, *arr, ncap, elem);
  if (!n) return -1;
  memset(n + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
  *arr = n;
  *cap = ncap;
  return 0;
}

/* ---- life cycle ---- */

heic_status hf_writer_new(hf_writer **out, hc_mem *mem, hc_err *err) {
  if (!out || !mem)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hf_writer_new: missing argument");
  *out = NULL;
  hf_writer *w = hc_calloc(mem, 1, sizeof(*w));
  if (!w) return hc_fail_oom(err);
  w->mem = mem;
  hc_err_clear(&w->err);
  *out = w;
  return HEIC_OK;
}

void hf_writer_free(hf_writer **pw) {
  if (!pw || !*pw) return;
  hf_writer *w = *pw;
  hc_mem *mem = w->mem;
  hc_free(mem, w->brands);
  for (uint32_t i = 0; i < w->item_count; i++) {
    wr_item *it = &w->items[i];
    hc_free(mem, it->name);
    hc_free(mem, it->content_type);
    hc_free(mem, it->data);
    hc_free(mem, it->assocs);
  }
  hc_free(mem, w->items);
  for (uint32_t i = 0; i < w->prop_count; i++) hc_free(mem, w->props[i].payload);
  hc_free(mem, w->props);
  hc_free(mem, w->slots);
  for (uint32_t i = 0; i < w->ref_count; i++) hc_free(mem, w->refs[i].to);
  hc_free(mem, w->refs);
  hc_free(mem, w);
  *pw = NULL;
}

/* ---- brands, items, references ---- */

heic_status hf_writer_set_brands(hf_writer *w, hf_fourcc major, const hf_fourcc *compatible,
                                 uint32_t count, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_set_brands");
  if (st != HEIC_OK) return st;
  if (count && !compatible)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_set_brands: %u compatible brands but no array", count);
  /* ftyp's size is 32 bits: 8 header + 8 + 4 per brand. */
  if (count > (UINT32_MAX - 16) / 4)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_set_brands: %u compatible brands do not fit in an ftyp box", count);
  hf_fourcc *copy = NULL;
  if (count) {
    copy = hc_malloc_array(w->mem, count, sizeof(*copy));
    if (!copy) return woom(w, err);
    memcpy(copy, compatible, (size_t)count * sizeof(*copy));
  }
  hc_free(w->mem, w->brands);
  w->brands = copy;
  w->brand_count = count;
  w->major = major;
  w->have_brands = 1;
  return HEIC_OK;
}

heic_status hf_writer_add_item(hf_writer *w, hf_fourcc type, const char *name, int hidden,
                               uint32_t *id, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_add_item");
  if (st != HEIC_OK) return st;
  if (!id) return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "hf_writer_add_item: id is NULL");
  *id = 0;
  /* infe stores an item_uri_type for 'uri ' items, which this API has no
   * way to pass: writing one without it would break the infe layout. */
  if (type == T_URI)
    return wfail(w, err, HEIC_ERR_UNSUPPORTED,
                 "hf_writer_add_item: 'uri ' items (which need an item_uri_type) are not "
                 "supported");
  if (w->item_count == UINT32_MAX)
    return wfail(w, err, HEIC_ERR_LIMIT_EXCEEDED,
                 "hf_writer_add_item: item ids are 32 bits and all %u are used", UINT32_MAX);
  char *copy = hc_strndup(w->mem, name ? name : "", SIZE_MAX);
  if (!copy) return woom(w, err);
  void *arr = w->items;
  if (grow(w->mem, &arr, w->item_count, &w->item_cap, sizeof(*w->items))) {
    hc_free(w->mem, copy);
    return woom(w, err);
  }
  w->items = arr;
  wr_item *it = &w->items[w->item_count];
  memset(it, 0, sizeof(*it));
  it->type = type;
  it->hidden = hidden != 0;
  it->name = copy;
  *id = ++w->item_count;
  return HEIC_OK;
}

heic_status hf_writer_set_content_type(hf_writer *w, uint32_t id, const char *content_type,
                                       hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_set_content_type");
  if (st != HEIC_OK) return st;
  wr_item *it = item_of(w, id);
  if (!it) return bad_id(w, err, "hf_writer_set_content_type", id);
  if (!content_type)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_set_content_type: content type of item %u is NULL", id);
  if (it->type != T_MIME) {
    char cc[5];
    hf_fourcc_str(it->type, cc);
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_set_content_type: item %u is a '%s' item; only 'mime' items have a "
                 "content type",
                 id, cc);
  }
  char *copy = hc_strndup(w->mem, content_type, SIZE_MAX);
  if (!copy) return woom(w, err);
  hc_free(w->mem, it->content_type);
  it->content_type = copy;
  return HEIC_OK;
}

heic_status hf_writer_set_item_data(hf_writer *w, uint32_t id, const uint8_t *data, size_t size,
                                    int in_idat, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_set_item_data");
  if (st != HEIC_OK) return st;
  wr_item *it = item_of(w, id);
  if (!it) return bad_id(w, err, "hf_writer_set_item_data", id);
  if (size && !data)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_set_item_data: item %u: %zu bytes but data is NULL", id, size);
  uint8_t *copy = NULL;
  if (size) {
    copy = hc_malloc(w->mem, size);
    if (!copy) return woom(w, err);
    memcpy(copy, data, size);
  }
  hc_free(w->mem, it->data);
  it->data = copy;
  it->size = size;
  it->read = NULL;
  it->read_opaque = NULL;
  it->in_idat = in_idat != 0;
  it->has_data = 1;
  return HEIC_OK;
}

heic_status hf_writer_set_item_data_fn(hf_writer *w, uint32_t id, uint64_t size,
                                       int (*read)(void *opaque, uint64_t offset, uint8_t *buf, size_t n),
                                       void *opaque, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_set_item_data_fn");
  if (st != HEIC_OK) return st;
  wr_item *it = item_of(w, id);
  if (!it) return bad_id(w, err, "hf_writer_set_item_data_fn", id);
  if (!read || size > SIZE_MAX)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "hf_writer_set_item_data_fn: item %u: no read function",
                 id);
  hc_free(w->mem, it->data);
  it->data = NULL;
  it->size = (size_t)size;
  it->read = read;
  it->read_opaque = opaque;
  it->in_idat = 0;
  it->has_data = 1;
  return HEIC_OK;
}

heic_status hf_writer_set_primary(hf_writer *w, uint32_t id, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_set_primary");
  if (st != HEIC_OK) return st;
  if (!item_of(w, id)) return bad_id(w, err, "hf_writer_set_primary", id);
  w->primary = id;
  return HEIC_OK;
}

heic_status hf_writer_add_ref(hf_writer *w, hf_fourcc type, uint32_t from, const uint32_t *to,
                              uint32_t n, hc_err *err) {
  heic_status st = enter(w, err, "hf_writer_add_ref");
  if (st != HEIC_OK) return st;
  if (!item_of(w, from)) return bad_id(w, err, "hf_writer_add_ref", from);
  /* reference_count is 16 bits; an empty reference says nothing. */
  if (n == 0 || n > 0xFFFFu || !to)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "hf_writer_add_ref: item %u: %u target items (1 to 65535 are possible)", from, n);
  for (uint32_t i = 0; i < n; i++)
    if (!item_of(w, to[i])) return bad_id(w, err, "hf_writer_add_ref", to[i]);
  uint32_t *copy = hc_malloc_array(w->mem, n, sizeof(*copy));
  if (!copy) return woom(w, err);
  memcpy(copy, to, (size_t)n * sizeof(*copy));
  void *arr = w->refs;
  if (grow(w->mem, &arr, w->ref_count, &w->ref_cap, sizeof(*w->refs))) {
    hc_free(w->mem, copy);
    return woom(w, err);
  }
  w->refs = arr;
  w->refs[w->ref_count++] = (wr_ref){type, from, n, copy};
  return HEIC_OK;
}

/* ---- properties ---- */

/* A payload given in up to two pieces (a fixed prefix such as colr's
 * 'prof' and the caller's bytes), so that no helper copies a large ICC
 * profile only to have it copied again. */
typedef struct pieces {
  const uint8_t *p[2];
  size_t n[2];
} pieces;

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  return h;
}

static uint64_t prop_hash(hf_fourcc type, int full_box, uint8_t version, uint32_t flags,
                          const pieces *pc) {
  uint8_t key[10];
  for (int i = 0; i < 4; i++) key[i] = (uint8_t)(type >> (24 - 8 * i));
  key[4] = (uint8_t)full_box;
  key[5] = version;
  for (int i = 0; i < 4; i++) key[6 + i] = (uint8_t)(flags >> (24 - 8 * i));
  uint64_t h = fnv1a(UINT64_C(0xcbf29ce484222325), key, sizeof(key));
  for (int i = 0; i < 2; i++) h = fnv1a(h, pc->p[i], pc->n[i]);
  return h;
}

static int prop_equal(const wr_prop *p, hf_fourcc type, int full_box, uint8_t version,
                      uint32_t flags, const pieces *pc) {
  if (p->type != type || p->full_box != full_box || p->version != version || p->flags != flags ||
      p->size != pc->n[0] + pc->n[1])
    return 0;
  return (!pc->n[0] || !memcmp(p->payload, pc->p[0], pc->n[0])) &&
         (!pc->n[1] || !memcmp(p->payload + pc->n[0], pc->p[1], pc->n[1]));
}

static void slot_insert(uint32_t *slots, uint32_t cap, uint64_t hash, uint32_t index) {
  uint32_t mask = cap - 1;
  for (uint32_t s = (uint32_t)hash & mask;; s = (s + 1) & mask) {
    if (!slots[s]) {
      slots[s] = index + 1;
      return;
    }
  }
}

/* Keeps the table at most half full (so probes stay short and always end at
 * an empty slot) for one more property.  0, or -1 with nothing changed. */
static int slots_reserve(hf_writer *w) {
  if ((uint64_t)(w->prop_count + 1) * 2 <= w->slot_cap) return 0;
  uint32_t cap = w->slot_cap ? w->slot_cap * 2 : 64;
  uint32_t *slots = hc_calloc(w->mem, cap, sizeof(*slots));
  if (!slots) return -1;
  for (uint32_t i = 0; i < w->prop_count; i++) slot_insert(slots, cap, w->props[i].hash, i);
  hc_free(w->mem, w->slots);
  w->slots = slots;
  w->slot_cap = cap;
  return 0;
}

static heic_status add_property(hf_writer *w, uint32_t id, hf_fourcc type, int full_box,
                                uint8_t version, uint32_t flags, const pieces *pc, int essential,
                                hc_err *err, const char *fn) {
  wr_item *it = item_of(w, id);
  if (!it) return bad_id(w, err, fn, id);
  char cc[5];
  hf_fourcc_str(type, cc);
  if (flags > 0xFFFFFFu)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: '%s' flags 0x%x exceed 24 bits", fn, cc,
                 flags);
  if (!full_box) version = 0, flags = 0; /* not written, so not part of the identity */
  size_t header = full_box ? 12 : 8;
  if (pc->n[0] > UINT32_MAX - header || pc->n[1] > UINT32_MAX - header - pc->n[0])
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "%s: '%s' property of %zu bytes does not fit in a box", fn, cc,
                 pc->n[0] + pc->n[1]);
  if (it->assoc_count == MAX_ASSOCS)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "%s: item %u already has %u properties, the most ipma can associate", fn, id,
                 MAX_ASSOCS);

  uint64_t hash = prop_hash(type, full_box, version, flags, pc);
  uint32_t index = UINT32_MAX;
  if (w->slot_cap) {
    uint32_t mask = w->slot_cap - 1;
    for (uint32_t s = (uint32_t)hash & mask; w->slots[s]; s = (s + 1) & mask) {
      const wr_prop *p = &w->props[w->slots[s] - 1];
      if (p->hash == hash && prop_equal(p, type, full_box, version, flags, pc)) {
        index = w->slots[s] - 1;
        break;
      }
    }
  }

  /* Every allocation happens before anything is linked in, so a failure
   * leaves the writer as it was (bar spare capacity). */
  uint8_t *copy = NULL;
  size_t size = pc->n[0] + pc->n[1];
  if (index == UINT32_MAX) {
    if (w->prop_count == MAX_PROPERTIES)
      return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                   "%s: a new '%s' property would be the %uth distinct one; ipma can index only "
                   "%u",
                   fn, cc, MAX_PROPERTIES + 1, MAX_PROPERTIES);
    copy = hc_malloc(w->mem, size);
    if (!copy) return woom(w, err);
    if (pc->n[0]) memcpy(copy, pc->p[0], pc->n[0]);
    if (pc->n[1]) memcpy(copy + pc->n[0], pc->p[1], pc->n[1]);
    void *arr = w->props;
    int failed = grow(w->mem, &arr, w->prop_count, &w->prop_cap, sizeof(*w->props));
    w->props = arr; /* grown or untouched: valid either way */
    if (failed || slots_reserve(w)) {
      hc_free(w->mem, copy);
      return woom(w, err);
    }
  }
  void *assocs = it->assocs;
  if (grow(w->mem, &assocs, it->assoc_count, &it->assoc_cap, sizeof(*it->assocs))) {
    hc_free(w->mem, copy);
    return woom(w, err);
  }
  it->assocs = assocs;

  if (index == UINT32_MAX) {
    index = w->prop_count;
    w->props[w->prop_count++] = (wr_prop){type, full_box, version, flags, copy, size, hash};
    slot_insert(w->slots, w->slot_cap, hash, index);
  }
  it->assocs[it->assoc_count++] = (wr_assoc){(uint16_t)index, (uint8_t)(essential != 0)};
  return HEIC_OK;
}

heic_status hf_writer_add_property(hf_writer *w, uint32_t id, hf_fourcc type, int full_box,
                                   uint8_t version, uint32_t flags, const uint8_t *payload,
                                   size_t size, int essential, hc_err *err) {
  const char *fn = "hf_writer_add_property";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (size && !payload)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: %zu bytes but payload is NULL", fn, size);
  pieces pc = {{payload, NULL}, {size, 0}};
  return add_property(w, id, type, full_box != 0, version, flags, &pc, essential, err, fn);
}

static void put_be(uint8_t *d, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; i++) d[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

heic_status hf_writer_add_ispe(hf_writer *w, uint32_t id, uint32_t width, uint32_t height,
                               hc_err *err) {
  const char *fn = "hf_writer_add_ispe";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!width || !height)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: image size %ux%u is empty", fn,
                 id, width, height);
  uint8_t b[8];
  put_be(b, width, 4);
  put_be(b + 4, height, 4);
  pieces pc = {{b, NULL}, {sizeof(b), 0}};
  return add_property(w, id, T_ISPE, 1, 0, 0, &pc, 0, err, fn);
}

heic_status hf_writer_add_pixi(hf_writer *w, uint32_t id, uint8_t channels, const uint8_t *depths,
                               hc_err *err) {
  const char *fn = "hf_writer_add_pixi";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!channels || !depths)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: no channels given", fn, id);
  uint8_t b[1];
  b[0] = channels;
  pieces pc = {{b, depths}, {1, channels}};
  return add_property(w, id, T_PIXI, 1, 0, 0, &pc, 0, err, fn);
}

heic_status hf_writer_add_colr_nclx(hf_writer *w, uint32_t id, const heic_nclx *nclx, hc_err *err) {
  const char *fn = "hf_writer_add_colr_nclx";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!nclx) return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: nclx is NULL", fn);
  uint8_t b[11];
  put_be(b, T_NCLX, 4);
  put_be(b + 4, nclx->colour_primaries, 2);
  put_be(b + 6, nclx->transfer_characteristics, 2);
  put_be(b + 8, nclx->matrix_coefficients, 2);
  b[10] = nclx->full_range ? 0x80 : 0; /* full_range_flag, then 7 reserved zero bits */
  pieces pc = {{b, NULL}, {sizeof(b), 0}};
  return add_property(w, id, T_COLR, 0, 0, 0, &pc, 0, err, fn);
}

heic_status hf_writer_add_colr_icc(hf_writer *w, uint32_t id, const uint8_t *icc, size_t size,
                                   hc_err *err) {
  const char *fn = "hf_writer_add_colr_icc";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!icc || !size)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: empty ICC profile", fn, id);
  uint8_t b[4];
  put_be(b, T_PROF, 4);
  pieces pc = {{b, icc}, {sizeof(b), size}};
  return add_property(w, id, T_COLR, 0, 0, 0, &pc, 0, err, fn);
}

heic_status hf_writer_add_irot(hf_writer *w, uint32_t id, unsigned quarter_turns_anticlockwise,
                               hc_err *err) {
  const char *fn = "hf_writer_add_irot";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  /* Four quarter turns are no turn: the count is taken modulo 4, which is
   * all the 2-bit field can say. */
  uint8_t b[1] = {(uint8_t)(quarter_turns_anticlockwise & 3)};
  pieces pc = {{b, NULL}, {1, 0}};
  return add_property(w, id, T_IROT, 0, 0, 0, &pc, 1, err, fn);
}

heic_status hf_writer_add_imir(hf_writer *w, uint32_t id, unsigned axis, hc_err *err) {
  const char *fn = "hf_writer_add_imir";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (axis > 1)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                 "%s: item %u: mirror axis %u (0 top-bottom, 1 left-right)", fn, id, axis);
  uint8_t b[1] = {(uint8_t)axis};
  pieces pc = {{b, NULL}, {1, 0}};
  return add_property(w, id, T_IMIR, 0, 0, 0, &pc, 1, err, fn);
}

heic_status hf_writer_add_clap(hf_writer *w, uint32_t id, const hf_clap *clap, hc_err *err) {
  const char *fn = "hf_writer_add_clap";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!clap) return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: clap is NULL", fn);
  if (!clap->width_d || !clap->height_d || !clap->horiz_off_d || !clap->vert_off_d)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: a denominator is zero", fn, id);
  uint8_t b[32];
  put_be(b, clap->width_n, 4);
  put_be(b + 4, clap->width_d, 4);
  put_be(b + 8, clap->height_n, 4);
  put_be(b + 12, clap->height_d, 4);
  /* The offsets are signed, stored as two's complement. */
  put_be(b + 16, (uint32_t)clap->horiz_off_n, 4);
  put_be(b + 20, clap->horiz_off_d, 4);
  put_be(b + 24, (uint32_t)clap->vert_off_n, 4);
  put_be(b + 28, clap->vert_off_d, 4);
  pieces pc = {{b, NULL}, {sizeof(b), 0}};
  return add_property(w, id, T_CLAP, 0, 0, 0, &pc, 1, err, fn);
}

heic_status hf_writer_add_hdr(hf_writer *w, uint32_t id, const heic_hdr *hdr, hc_err *err) {
  const char *fn = "hf_writer_add_hdr";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!hdr) return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: hdr is NULL", fn);
  if (hdr->has_clli) {
    uint8_t b[4];
    put_be(b, hdr->max_cll, 2);
    put_be(b + 2, hdr->max_fall, 2);
    pieces pc = {{b, NULL}, {sizeof(b), 0}};
    st = add_property(w, id, HF_4CC('c', 'l', 'l', 'i'), 0, 0, 0, &pc, 0, err, fn);
  }
  if (st == HEIC_OK && hdr->has_mdcv) {
    uint8_t b[24];
    for (int c = 0; c < 3; c++) {
      put_be(b + 4 * c, hdr->primaries_x[c], 2);
      put_be(b + 4 * c + 2, hdr->primaries_y[c], 2);
    }
    put_be(b + 12, hdr->white_x, 2);
    put_be(b + 14, hdr->white_y, 2);
    put_be(b + 16, hdr->max_luminance, 4);
    put_be(b + 20, hdr->min_luminance, 4);
    pieces pc = {{b, NULL}, {sizeof(b), 0}};
    st = add_property(w, id, HF_4CC('m', 'd', 'c', 'v'), 0, 0, 0, &pc, 0, err, fn);
  }
  return st;
}

heic_status hf_writer_add_auxc(hf_writer *w, uint32_t id, const char *urn, hc_err *err) {
  const char *fn = "hf_writer_add_auxc";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!urn || !urn[0])
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: empty aux_type URN", fn, id);
  /* aux_type with its NUL; no aux_subtype. */
  pieces pc = {{(const uint8_t *)urn, NULL}, {strlen(urn) + 1, 0}};
  return add_property(w, id, T_AUXC, 1, 0, 0, &pc, 1, err, fn);
}

/* ---- hvcC ---- */

/* A bit reader over a NAL unit's payload that drops emulation prevention
 * bytes (0x03 after two zero bytes) as it goes, so the SPS is parsed in
 * place with no allocation.  Reads past the end give 0 and set `error`. */
typedef struct rbsp {
  const uint8_t *d;
  size_t size, pos;
  unsigned zeros; /* zero bytes just read, in a row */
  unsigned cur;   /* the byte being read */
  unsigned left;  /* its bits not yet read */
  int error;
} rbsp;

static unsigned rbsp_bit(rbsp *r) {
  if (!r->left) {
    if (r->zeros >= 2 && r->pos < r->size && r->d[r->pos] == 3) {
      r->pos++;
      r->zeros = 0;
    }
    if (r->pos >= r->size) {
      r->error = 1;
      return 0;
    }
    r->cur = r->d[r->pos++];
    r->zeros = r->cur ? 0 : r->zeros + 1;
    r->left = 8;
  }
  r->left--;
  return (r->cur >> r->left) & 1;
}

static uint64_t rbsp_bits(rbsp *r, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = (v << 1) | rbsp_bit(r);
  return v;
}

static void rbsp_skip(rbsp *r, unsigned n) {
  for (unsigned i = 0; i < n; i++) rbsp_bit(r);
}

/* ue(v), H.265 9.2.  Values needing more than 32 bits are malformed here. */
static uint32_t rbsp_ue(rbsp *r) {
  unsigned zeros = 0;
  while (!rbsp_bit(r)) {
    if (r->error || ++zeros > 31) {
      r->error = 1;
      return 0;
    }
  }
  return (uint32_t)((UINT64_C(1) << zeros) - 1 + rbsp_bits(r, zeros));
}

typedef struct sps_info {
  uint8_t profile_space, tier, profile_idc, level;
  uint32_t compatibility;
  uint64_t constraints; /* 48 bits: the four source flags and 44 constraint bits */
  uint8_t max_sub_layers, temporal_id_nesting;
  uint32_t chroma_format_idc, bit_depth_luma_minus8, bit_depth_chroma_minus8;
} sps_info;

/* Reads what hvcC repeats from an SPS (H.265 7.3.2.2 up to the bit depths,
 * with profile_tier_level from 7.3.3). */
static heic_status parse_sps(hf_writer *w, hf_span nal, sps_info *s, hc_err *err) {
  const char *fn = "hf_writer_add_hvcc";
  rbsp r = {nal.data + 2, nal.size - 2, 0, 0, 0, 0, 0};
  rbsp_skip(&r, 4); /* sps_video_parameter_set_id */
  unsigned sub_layers_minus1 = (unsigned)rbsp_bits(&r, 3);
  s->max_sub_layers = (uint8_t)(sub_layers_minus1 + 1);
  s->temporal_id_nesting = (uint8_t)rbsp_bit(&r);
  if (sub_layers_minus1 > 6)
    return wfail(w, err, HEIC_ERR_INVALID_INPUT,
                 "%s: SPS has sps_max_sub_layers_minus1 %u (at most 6)", fn, sub_layers_minus1);
  s->profile_space = (uint8_t)rbsp_bits(&r, 2);
  s->tier = (uint8_t)rbsp_bit(&r);
  s->profile_idc = (uint8_t)rbsp_bits(&r, 5);
  s->compatibility = (uint32_t)rbsp_bits(&r, 32);
  s->constraints = rbsp_bits(&r, 48);
  s->level = (uint8_t)rbsp_bits(&r, 8);
  unsigned profile_present[8] = {0}, level_present[8] = {0};
  for (unsigned i = 0; i < sub_layers_minus1; i++) {
    profile_present[i] = rbsp_bit(&r);
    level_present[i] = rbsp_bit(&r);
  }
  if (sub_layers_minus1)
    rbsp_skip(&r, 2 * (8 - sub_layers_minus1)); /* reserved_zero_2bits */
  for (unsigned i = 0; i < sub_layers_minus1; i++) {
    if (profile_present[i]) rbsp_skip(&r, 88); /* sub-layer profile, as general's */
    if (level_present[i]) rbsp_skip(&r, 8);
  }
  rbsp_ue(&r); /* sps_seq_parameter_set_id */
  s->chroma_format_idc = rbsp_ue(&r);
  if (s->chroma_format_idc == 3) rbsp_skip(&r, 1); /* separate_colour_plane_flag */
  rbsp_ue(&r); /* pic_width_in_luma_samples */
  rbsp_ue(&r); /* pic_height_in_luma_samples */
  /* conformance_window_flag, then the window's four offsets */
  if (rbsp_bit(&r))
    for (int i = 0; i < 4; i++) rbsp_ue(&r);
  s->bit_depth_luma_minus8 = rbsp_ue(&r);
  s->bit_depth_chroma_minus8 = rbsp_ue(&r);
  if (r.error)
    return wfail(w, err, HEIC_ERR_INVALID_INPUT, "%s: SPS of %zu bytes ends before its bit depths",
                 fn, nal.size);
  if (s->chroma_format_idc > 3)
    return wfail(w, err, HEIC_ERR_INVALID_INPUT, "%s: SPS has chroma_format_idc %u (0 to 3)", fn,
                 s->chroma_format_idc);
  /* H.265 allows depths up to 16, but hvcC's fields have 3 bits (8..15). */
  if (s->bit_depth_luma_minus8 > 7 || s->bit_depth_chroma_minus8 > 7)
    return wfail(w, err, HEIC_ERR_UNSUPPORTED,
                 "%s: SPS bit depths %u/%u cannot be written in hvcC (8 to 15)", fn,
                 s->bit_depth_luma_minus8 + 8, s->bit_depth_chroma_minus8 + 8);
  return HEIC_OK;
}

static unsigned nal_type(hf_span nal) { return (nal.data[0] >> 1) & 63; }

/* Writes the array of every NAL unit of `type` in param_sets (count > 0). */
static void put_nal_array(hf_bw *b, const hf_span *ps, uint32_t count, unsigned type,
                          unsigned complete, uint32_t n) {
  hf_bw_u8(b, (complete << 7) | type); /* array_completeness, reserved 0, NAL_unit_type */
  hf_bw_u16(b, n);
  for (uint32_t i = 0; i < count; i++) {
    if (nal_type(ps[i]) != type) continue;
    hf_bw_u16(b, (uint32_t)ps[i].size);
    hf_bw_bytes(b, ps[i].data, ps[i].size);
  }
}

heic_status hf_writer_add_hvcc(hf_writer *w, uint32_t id, const hf_span *param_sets, uint32_t count,
                               hc_err *err) {
  const char *fn = "hf_writer_add_hvcc";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!item_of(w, id)) return bad_id(w, err, fn, id);
  if (!param_sets || !count)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: no parameter sets", fn, id);
  /* Counts per NAL unit type, and a check of each unit against the record's
   * 16-bit length fields. */
  uint32_t per_type[64] = {0};
  for (uint32_t i = 0; i < count; i++) {
    hf_span nal = param_sets[i];
    if (!nal.data || nal.size < 3 || nal.size > 0xFFFFu)
      return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                   "%s: item %u: NAL unit %u has %zu bytes (3 to 65535 fit in hvcC)", fn, id, i,
                   nal.data ? nal.size : 0);
    if (nal.data[0] & 0x80)
      return wfail(w, err, HEIC_ERR_INVALID_INPUT,
                   "%s: item %u: NAL unit %u has forbidden_zero_bit set", fn, id, i);
    if (++per_type[nal_type(nal)] > 0xFFFFu)
      return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                   "%s: item %u: more than 65535 NAL units of type %u", fn, id, nal_type(nal));
  }
  static const char *const required_name[3] = {"VPS", "SPS", "PPS"};
  for (unsigned t = NAL_VPS; t <= NAL_PPS; t++)
    if (!per_type[t])
      return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: item %u: no %s among the %u NAL units",
                   fn, id, required_name[t - NAL_VPS], count);
  const hf_span *first_sps = NULL;
  for (uint32_t i = 0; i < count && !first_sps; i++)
    if (nal_type(param_sets[i]) == NAL_SPS) first_sps = &param_sets[i];
  sps_info s;
  memset(&s, 0, sizeof(s));
  st = parse_sps(w, *first_sps, &s, err);
  if (st != HEIC_OK) return st;

  unsigned arrays = 0;
  for (unsigned t = 0; t < 64; t++) arrays += per_type[t] != 0;

  hf_bw b;
  hf_bw_init(&b, w->mem);
  hf_bw_u8(&b, 1); /* configurationVersion */
  hf_bw_u8(&b, ((unsigned)s.profile_space << 6) | ((unsigned)s.tier << 5) | s.profile_idc);
  hf_bw_u32(&b, s.compatibility);
  hf_bw_uint(&b, s.constraints, 6);
  hf_bw_u8(&b, s.level);
  hf_bw_u16(&b, 0xF000);                    /* reserved 1111, min_spatial_segmentation_idc 0 */
  hf_bw_u8(&b, 0xFC);                       /* reserved 111111, parallelismType 0 (unknown) */
  hf_bw_u8(&b, 0xFC | s.chroma_format_idc); /* reserved 111111, chroma_format_idc */
  hf_bw_u8(&b, 0xF8 | s.bit_depth_luma_minus8);
  hf_bw_u8(&b, 0xF8 | s.bit_depth_chroma_minus8);
  hf_bw_u16(&b, 0); /* avgFrameRate: unspecified */
  /* constantFrameRate 0; numTemporalLayers and temporalIdNested from the
   * SPS (1 and 1 for a still image); lengthSizeMinusOne 3: 4-byte lengths. */
  hf_bw_u8(&b, ((unsigned)s.max_sub_layers << 3) | ((unsigned)s.temporal_id_nesting << 2) | 3);
  hf_bw_u8(&b, arrays);
  /* Parameter sets first, in the order a decoder needs them; they are
   * complete (a still image has no others in its stream).  Other types
   * (SEI, ...) follow in the order given, and may also occur in the stream. */
  for (unsigned t = NAL_VPS; t <= NAL_PPS; t++)
    put_nal_array(&b, param_sets, count, t, 1, per_type[t]);
  for (uint32_t i = 0; i < count; i++) {
    unsigned t = nal_type(param_sets[i]);
    if (t >= NAL_VPS && t <= NAL_PPS) continue;
    int seen = 0;
    for (uint32_t j = 0; j < i && !seen; j++) seen = nal_type(param_sets[j]) == t;
    if (!seen) put_nal_array(&b, param_sets, count, t, 0, per_type[t]);
  }
  if (b.error) {
    hf_bw_clear(&b);
    return woom(w, err);
  }
  pieces pc = {{b.data, NULL}, {b.size, 0}};
  st = add_property(w, id, T_HVCC, 0, 0, 0, &pc, 1, err, fn);
  hf_bw_clear(&b);
  return st;
}

/* ---- serialisation ---- */

typedef struct layout {
  unsigned offset_size, length_size; /* iloc field widths: 4 or 8 */
  uint64_t mdat_base;                /* file offset of the first byte of mdat's payload */
} layout;

static int item_in_mdat(const wr_item *it) { return it->has_data && !it->in_idat; }

static void put_ftyp(const hf_writer *w, hf_bw *b) {
  size_t box = hf_bw_box_begin(b, T_FTYP);
  hf_bw_fourcc(b, w->major);
  hf_bw_u32(b, 0); /* minor_version */
  for (uint32_t i = 0; i < w->brand_count; i++) hf_bw_fourcc(b, w->brands[i]);
  hf_bw_box_end(b, box);
}

static void put_iinf(const hf_writer *w, hf_bw *b) {
  int wide = w->item_count >= WIDE_FROM;
  size_t iinf = hf_bw_full_box_begin(b, T_IINF, wide ? 1 : 0, 0);
  hf_bw_uint(b, w->item_count, wide ? 4 : 2);
  for (uint32_t i = 0; i < w->item_count; i++) {
    const wr_item *it = &w->items[i];
    uint32_t id = i + 1;
    int v3 = id >= WIDE_FROM; /* infe v3 only widens item_ID */
    size_t infe = hf_bw_full_box_begin(b, T_INFE, v3 ? 3 : 2, (uint32_t)it->hidden);
    hf_bw_uint(b, id, v3 ? 4 : 2);
    hf_bw_u16(b, 0); /* item_protection_index: not protected */
    hf_bw_fourcc(b, it->type);
    hf_bw_cstr(b, it->name);
    if (it->type == T_MIME) {
      hf_bw_cstr(b, it->content_type);
      hf_bw_cstr(b, ""); /* content_encoding: none; written, as most writers do */
    }
    hf_bw_box_end(b, infe);
  }
  hf_bw_box_end(b, iinf);
}

static void put_iref(const hf_writer *w, hf_bw *b) {
  int wide = 0;
  for (uint32_t r = 0; r < w->ref_count && !wide; r++) {
    wide = w->refs[r].from >= WIDE_FROM;
    for (uint32_t i = 0; i < w->refs[r].count && !wide; i++) wide = w->refs[r].to[i] >= WIDE_FROM;
  }
  unsigned id_size = wide ? 4 : 2;
  size_t iref = hf_bw_full_box_begin(b, T_IREF, wide ? 1 : 0, 0);
  for (uint32_t r = 0; r < w->ref_count; r++) {
    const wr_ref *ref = &w->refs[r];
    size_t box = hf_bw_box_begin(b, ref->type);
    hf_bw_uint(b, ref->from, id_size);
    hf_bw_u16(b, ref->count);
    for (uint32_t i = 0; i < ref->count; i++) hf_bw_uint(b, ref->to[i], id_size);
    hf_bw_box_end(b, box);
  }
  hf_bw_box_end(b, iref);
}

static void put_iprp(const hf_writer *w, hf_bw *b) {
  size_t iprp = hf_bw_box_begin(b, T_IPRP);
  size_t ipco = hf_bw_box_begin(b, T_IPCO);
  for (uint32_t i = 0; i < w->prop_count; i++) {
    const wr_prop *p = &w->props[i];
    size_t box = p->full_box ? hf_bw_full_box_begin(b, p->type, p->version, p->flags)
                             : hf_bw_box_begin(b, p->type);
    hf_bw_bytes(b, p->payload, p->size);
    hf_bw_box_end(b, box);
  }
  hf_bw_box_end(b, ipco);
  uint32_t entries = 0, last = 0;
  for (uint32_t i = 0; i < w->item_count; i++)
    if (w->items[i].assoc_count) entries++, last = i + 1;
  int wide_ids = last >= WIDE_FROM;
  int wide_index = w->prop_count > MAX_NARROW_INDEX;
  size_t ipma = hf_bw_full_box_begin(b, T_IPMA, wide_ids ? 1 : 0, wide_index ? 1 : 0);
  hf_bw_u32(b, entries);
  for (uint32_t i = 0; i < w->item_count; i++) {
    const wr_item *it = &w->items[i];
    if (!it->assoc_count) continue;
    hf_bw_uint(b, i + 1, wide_ids ? 4 : 2);
    hf_bw_u8(b, it->assoc_count);
    for (uint32_t a = 0; a < it->assoc_count; a++) {
      uint32_t index = it->assocs[a].prop + 1u; /* ipma counts from 1 */
      if (wide_index)
        hf_bw_u16(b, ((uint32_t)it->assocs[a].essential << 15) | index);
      else
        hf_bw_u8(b, ((uint32_t)it->assocs[a].essential << 7) | index);
    }
  }
  hf_bw_box_end(b, ipma);
  hf_bw_box_end(b, iprp);
}

static void put_iloc(const hf_writer *w, hf_bw *b, const layout *lo) {
  uint32_t entries = 0, last = 0;
  for (uint32_t i = 0; i < w->item_count; i++)
    if (w->items[i].has_data) entries++, last = i + 1;
  /* v1 is what every reader knows and carries construction_method; v2 only
   * widens item_ID and item_count. */
  int v2 = last >= WIDE_FROM || entries >= WIDE_FROM;
  unsigned id_size = v2 ? 4 : 2;
  size_t iloc = hf_bw_full_box_begin(b, T_ILOC, v2 ? 2 : 1, 0);
  hf_bw_u8(b, (lo->offset_size << 4) | lo->length_size);
  hf_bw_u8(b, 0); /* base_offset_size 0, index_size 0 */
  hf_bw_uint(b, entries, id_size);
  uint64_t mdat_pos = lo->mdat_base, idat_pos = 0;
  for (uint32_t i = 0; i < w->item_count; i++) {
    const wr_item *it = &w->items[i];
    if (!it->has_data) continue;
    hf_bw_uint(b, i + 1, id_size);
    hf_bw_u16(b, it->in_idat ? 1 : 0); /* construction_method: 0 file, 1 idat */
    hf_bw_u16(b, 0);                   /* data_reference_index: this file */
    /* An extent of length 0 would mean "to the end of the file", so empty
     * data is written as no extent at all. */
    hf_bw_u16(b, it->size ? 1 : 0);
    if (!it->size) continue;
    uint64_t *pos = it->in_idat ? &idat_pos : &mdat_pos;
    hf_bw_uint(b, *pos, lo->offset_size);
    hf_bw_uint(b, it->size, lo->length_size);
    *pos += it->size;
  }
  hf_bw_box_end(b, iloc);
}

/* ftyp and meta, with iloc offsets counted from lo->mdat_base.  The size of
 * what is written depends on lo's field widths but not on mdat_base, which
 * is what lets hf_writer_write measure first and fill in after. */
static void put_head(const hf_writer *w, hf_bw *b, const layout *lo) {
  put_ftyp(w, b);
  size_t meta = hf_bw_full_box_begin(b, T_META, 0, 0);

  size_t hdlr = hf_bw_full_box_begin(b, T_HDLR, 0, 0);
  hf_bw_u32(b, 0); /* pre_defined */
  hf_bw_fourcc(b, T_PICT);
  for (int i = 0; i < 3; i++) hf_bw_u32(b, 0); /* reserved */
  hf_bw_cstr(b, "");                           /* name */
  hf_bw_box_end(b, hdlr);

  int wide = w->primary >= WIDE_FROM;
  size_t pitm = hf_bw_full_box_begin(b, T_PITM, wide ? 1 : 0, 0);
  hf_bw_uint(b, w->primary, wide ? 4 : 2);
  hf_bw_box_end(b, pitm);

  put_iinf(w, b);
  if (w->ref_count) put_iref(w, b);
  put_iprp(w, b);
  put_iloc(w, b, lo);

  int have_idat = 0;
  for (uint32_t i = 0; i < w->item_count && !have_idat; i++)
    have_idat = w->items[i].has_data && w->items[i].in_idat;
  if (have_idat) {
    size_t idat = hf_bw_box_begin(b, T_IDAT);
    for (uint32_t i = 0; i < w->item_count; i++) {
      const wr_item *it = &w->items[i];
      if (it->has_data && it->in_idat) hf_bw_bytes(b, it->data, it->size);
    }
    hf_bw_box_end(b, idat);
  }
  hf_bw_box_end(b, meta);
}

static heic_status head_error(hf_writer *w, const hf_bw *b, hc_err *err) {
  if (b->error == HF_BW_TOO_LARGE)
    return wfail(w, err, HEIC_ERR_LIMIT_EXCEEDED,
                 "hf_writer_write: the meta box would exceed 4 GiB (too much data in idat or too "
                 "many items)");
  return woom(w, err);
}

/* Checks that the file the writer holds is one readers can use. */
static heic_status validate(hf_writer *w, hc_err *err) {
  const char *fn = "hf_writer_write";
  if (!w->have_brands)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: no brands (hf_writer_set_brands)", fn);
  if (!w->primary)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: no primary item (hf_writer_set_primary)",
                 fn);
  if (w->items[w->primary - 1].hidden)
    return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: the primary item %u is hidden", fn,
                 w->primary);
  for (uint32_t i = 0; i < w->item_count; i++)
    if (w->items[i].type == T_MIME && !w->items[i].content_type)
      return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT,
                   "%s: 'mime' item %u has no content type (hf_writer_set_content_type)", fn,
                   i + 1);
  return HEIC_OK;
}

heic_status hf_writer_write(hf_writer *w,
                            int (*write_fn)(void *opaque, const uint8_t *data, size_t size),
                            void *opaque, hc_err *err) {
  const char *fn = "hf_writer_write";
  heic_status st = enter(w, err, fn);
  if (st != HEIC_OK) return st;
  if (!write_fn) return wfail(w, err, HEIC_ERR_INVALID_ARGUMENT, "%s: write_fn is NULL", fn);
  st = validate(w, err);
  if (st != HEIC_OK) return st;

  uint64_t mdat_payload = 0, longest = 0;
  for (uint32_t i = 0; i < w->item_count; i++) {
    const wr_item *it = &w->items[i];
    if (it->size > longest) longest = it->size;
    if (!item_in_mdat(it)) continue;
    if (it->size > UINT64_MAX - 16 - mdat_payload)
      return wfail(w, err, HEIC_ERR_LIMIT_EXCEEDED, "%s: item data exceeds 2^64 bytes", fn);
    mdat_payload += it->size;
  }
  /* mdat's 32-bit size covers its 8-byte header; past that, size 1 and a
   * 64-bit largesize after the type. */
  unsigned mdat_header = mdat_payload > UINT32_MAX - 8 ? 16 : 8;
  layout lo = {4, longest > UINT32_MAX ? 8 : 4, 0};

  /* Pass 1 measures ftyp+meta with 32-bit offsets.  Offsets become 64-bit
   * when the file would pass 4 GiB; that widens meta, which only makes the
   * file larger, so one re-measure settles it.  The last pass writes the
   * real offsets into a head of exactly the measured size. */
  hf_bw b;
  hf_bw_init(&b, w->mem);
  put_head(w, &b, &lo);
  if (b.error) goto head_failed;
  if ((uint64_t)b.size + mdat_header + mdat_payload > UINT32_MAX) {
    lo.offset_size = 8;
    hf_bw_rewind(&b);
    put_head(w, &b, &lo);
    if (b.error) goto head_failed;
  }
  size_t head_size = b.size;
  lo.mdat_base = (uint64_t)head_size + mdat_header;
  hf_bw_rewind(&b);
  put_head(w, &b, &lo);
  if (b.error) goto head_failed;
  if (b.size != head_size) {
    hf_bw_clear(&b);
    return wfail(w, err, HEIC_ERR_INTERNAL, "%s: meta changed size between passes (%zu, %zu)", fn,
                 head_size, b.size);
  }

  uint8_t hdr[16];
  if (mdat_header == 16) {
    put_be(hdr, 1, 4);
    put_be(hdr + 4, T_MDAT, 4);
    put_be(hdr + 8, mdat_payload + 16, 8);
  } else {
    put_be(hdr, mdat_payload + 8, 4);
    put_be(hdr + 4, T_MDAT, 4);
  }
  int failed = write_fn(opaque, b.data, b.size) || write_fn(opaque, hdr, mdat_header);
  hf_bw_clear(&b);
  uint8_t *chunk = NULL; /* for payloads read at write time */
  for (uint32_t i = 0; i < w->item_count && !failed; i++) {
    const wr_item *it = &w->items[i];
    if (!item_in_mdat(it) || !it->size) continue;
    if (!it->read) {
      failed = write_fn(opaque, it->data, it->size);
      continue;
    }
    enum { CHUNK = 1 << 16 };
    if (!chunk && !(chunk = hc_malloc(w->mem, CHUNK))) {
      hc_free(w->mem, chunk);
      return woom(w, err);
    }
    for (size_t off = 0; off < it->size && !failed;) {
      size_t n = it->size - off < CHUNK ? it->size - off : CHUNK;
      failed = it->read(it->read_opaque, off, chunk, n) != 0 || write_fn(opaque, chunk, n);
      off += n;
    }
  }
  hc_free(w->mem, chunk);
  if (failed)
    return wfail(w, err, HEIC_ERR_IO,
                 "%s: writing the file failed (the output callback reported "
                 "an error)",
                 fn);
  return HEIC_OK;

head_failed:
  st = head_error(w, &b, err);
  hf_bw_clear(&b);
  return st;
}
