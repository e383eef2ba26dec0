/*
 * HEIF reader: boxes to the hf_file model.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Layouts follow ISO/IEC 14496-12 (ISOBMFF: ftyp, meta, hdlr, pitm, iinf,
 * infe, iloc, idat, iref, grpl), ISO/IEC 23008-12 (HEIF: iprp, ipco, ipma,
 * ispe, pixi, irot, imir, auxC, colr) and ISO/IEC 14496-15 (hvcC).
 *
 * Every read goes through box_reader, whose window never leaves the current
 * box.  Counts read from the file are checked against the bytes that remain
 * before anything is allocated for them, so a small file cannot make us
 * allocate much.  Every array is owned by f as soon as it is allocated (the
 * count that covers a slot is raised before the slot is filled), so that the
 * single cleanup path, hf_file_clear, releases whatever a failure left.
 */
#include "heif/heif_file.h"

#include <stdlib.h>
#include <string.h>

#include "heif/box_reader.h"

#define DEFAULT_MAX_ITEMS 10000u
#define DEFAULT_MAX_BOX_DEPTH 16u
#define DEFAULT_MAX_PIXELS (UINT64_C(1) << 28)

#define T_FTYP HF_4CC('f', 't', 'y', 'p')
#define T_META HF_4CC('m', 'e', 't', 'a')
#define T_MOOV HF_4CC('m', 'o', 'o', 'v')
#define T_MINI HF_4CC('m', 'i', 'n', 'i')
#define T_INFE HF_4CC('i', 'n', 'f', 'e')
#define T_IPCO HF_4CC('i', 'p', 'c', 'o')
#define T_IPMA HF_4CC('i', 'p', 'm', 'a')
#define T_MIME HF_4CC('m', 'i', 'm', 'e')
#define T_URI HF_4CC('u', 'r', 'i', ' ')
#define T_ISPE HF_4CC('i', 's', 'p', 'e')
#define T_PIXI HF_4CC('p', 'i', 'x', 'i')
#define T_COLR HF_4CC('c', 'o', 'l', 'r')
#define T_HVCC HF_4CC('h', 'v', 'c', 'C')
#define T_IROT HF_4CC('i', 'r', 'o', 't')
#define T_IMIR HF_4CC('i', 'm', 'i', 'r')
#define T_CLAP HF_4CC('c', 'l', 'a', 'p')
#define T_AUXC HF_4CC('a', 'u', 'x', 'C')
#define T_NCLX HF_4CC('n', 'c', 'l', 'x')
#define T_PROF HF_4CC('p', 'r', 'o', 'f')
#define T_RICC HF_4CC('r', 'I', 'C', 'C')
#define T_CLLI HF_4CC('c', 'l', 'l', 'i')
#define T_MDCV HF_4CC('m', 'd', 'c', 'v')

/* The children of 'meta' that we read, each at most once. */
enum meta_child { M_HDLR, M_PITM, M_IINF, M_ILOC, M_IDAT, M_IREF, M_IPRP, M_GRPL, M_COUNT };

static const hf_fourcc meta_child_type[M_COUNT] = {
    [M_HDLR] = HF_4CC('h', 'd', 'l', 'r'), [M_PITM] = HF_4CC('p', 'i', 't', 'm'),
    [M_IINF] = HF_4CC('i', 'i', 'n', 'f'), [M_ILOC] = HF_4CC('i', 'l', 'o', 'c'),
    [M_IDAT] = HF_4CC('i', 'd', 'a', 't'), [M_IREF] = HF_4CC('i', 'r', 'e', 'f'),
    [M_IPRP] = HF_4CC('i', 'p', 'r', 'p'), [M_GRPL] = HF_4CC('g', 'r', 'p', 'l'),
};

typedef struct parser {
  hf_file *f;
  hc_err *err;
  hf_limits lim;
  /* Allocated lengths of the arrays that grow while parsing. */
  uint32_t item_cap, prop_cap, ref_cap, group_cap;
  /* Allocated length of each item's assocs (indexed like f->items): an item
   * may appear in many ipma entries, and exact-size growth would make a
   * file repeating one item quadratic to read. */
  uint32_t *assoc_cap;
} parser;

void hf_fourcc_str(hf_fourcc cc, char out[5]) {
  for (int i = 0; i < 4; i++) {
    unsigned c = (cc >> (24 - 8 * i)) & 0xFF;
    out[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
  }
  out[4] = 0;
}

/* ---- helpers ---- */

static heic_status oom(parser *p) { return hc_fail_oom(p->err); }

/* The message for a payload that ended inside a field (the reader's sticky
 * error), naming the box being read. */
static heic_status truncated(parser *p, const hf_reader *r) {
  char cc[5];
  hf_fourcc_str(r->type, cc);
  return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                 "box '%s' at offset %zu is truncated: a field runs past its end at offset %zu",
                 cc, r->box_offset, r->end);
}

/* Makes sure arr (count elements used) has room for one more, doubling its
 * capacity so that n appends cost O(n) copying.  New slots are zeroed, which
 * is what lets hf_file_clear free a slot that was only partly filled.
 * Returns the (possibly moved) array, or NULL with arr still valid. */
static void *grow(hc_mem *mem, void *arr, uint32_t count, uint32_t *cap, size_t elem) {
  if (count < *cap) return arr;
  if (*cap > UINT32_MAX / 2) return NULL;
  uint32_t ncap = *cap ? *cap * 2 : 8;
  uint8_t *n = hc_realloc_array(mem, arr, ncap, elem);
  if (!n) return NULL;
  memset(n + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
  *cap = ncap;
  return n;
}

/* An owned, NUL-terminated copy of a span (never NULL on success). */
static heic_status dup_span(parser *p, hf_span s, char **out) {
  /* s lies inside the file, so s.size + 1 cannot wrap. */
  char *d = hc_malloc(p->f->mem, s.size + 1);
  if (!d) return oom(p);
  if (s.size) memcpy(d, s.data, s.size);
  d[s.size] = 0;
  *out = d;
  return HEIC_OK;
}

/* Item ids and indices packed into one key, so that sorting by it sorts by
 * id with no comparison callback that needs the items. */
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_edge(const void *a, const void *b) {
  const hf_ref_edge *x = a, *y = b;
  if (x->type != y->type) return x->type < y->type ? -1 : 1;
  if (x->ref != y->ref) return x->ref < y->ref ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static hf_item *lookup(const parser *p, uint32_t id) { return hf_find_item(p->f, id); }

/* ---- ftyp ---- */

static heic_status parse_ftyp(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  f->major_brand = hf_read_fourcc(r);
  f->minor_version = hf_read_u32(r);
  if (r->error) return truncated(p, r);
  /* A few writers leave a partial brand at the end; it names nothing, so it
   * is ignored rather than rejected. */
  size_t n = hf_reader_remaining(r) / 4;
  if (n > UINT32_MAX) n = UINT32_MAX;
  if (n) {
    f->brands = hc_malloc_array(f->mem, n, sizeof(*f->brands));
    if (!f->brands) return oom(p);
    for (size_t i = 0; i < n; i++) f->brands[i] = hf_read_fourcc(r);
    f->brand_count = (uint32_t)n;
  }
  f->has_ftyp = 1;
  return HEIC_OK;
}

/* ---- hdlr, pitm ---- */

static heic_status parse_hdlr(parser *p, hf_reader *r) {
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  hf_skip(r, 4); /* pre_defined */
  p->f->handler = hf_read_fourcc(r);
  /* reserved[3] and the name tell a reader nothing it needs. */
  return r->error ? truncated(p, r) : HEIC_OK;
}

static heic_status parse_pitm(parser *p, hf_reader *r) {
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  p->f->primary_id = version == 0 ? hf_read_u16(r) : hf_read_u32(r);
  return r->error ? truncated(p, r) : HEIC_OK;
}

/* ---- iinf / infe ---- */

static heic_status too_many_items(parser *p, uint64_t n) {
  return hc_fail(p->err, HEIC_ERR_LIMIT_EXCEEDED,
                 "file has %llu items, more than the limit of %u (max_items)",
                 (unsigned long long)n, p->lim.max_items);
}

/* An optional string: present when the box still has bytes. */
static hf_span optional_cstr(hf_reader *r) {
  hf_span none = {NULL, 0};
  return hf_reader_remaining(r) ? hf_read_cstr(r) : none;
}

static heic_status parse_infe(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  if (r->error) return truncated(p, r);
  /* A later infe version would have a layout we cannot know, not even where
   * its item id is: the entry is left out, as an unknown box would be. */
  if (version > 3) return HEIC_OK;
  if (f->item_count >= p->lim.max_items) return too_many_items(p, (uint64_t)f->item_count + 1);
  hf_item *items = grow(f->mem, f->items, f->item_count, &p->item_cap, sizeof(*items));
  if (!items) return oom(p);
  f->items = items;
  hf_item *it = &items[f->item_count++];
  hf_span name = {NULL, 0}, ctype = {NULL, 0}, cenc = {NULL, 0}, uri = {NULL, 0};
  if (version < 2) {
    /* ItemInfoEntry v0/v1 (old MPEG-21 style): no item type, so the item is
     * kept (its id can be referenced) but is of no known kind. */
    it->id = hf_read_u16(r);
    it->protection_index = hf_read_u16(r);
    name = optional_cstr(r);
    ctype = optional_cstr(r);
    cenc = optional_cstr(r);
    /* v1's extension (e.g. FD item info) is of no use here. */
  } else {
    it->id = version == 2 ? hf_read_u16(r) : hf_read_u32(r);
    it->protection_index = hf_read_u16(r);
    it->type = hf_read_fourcc(r);
    name = optional_cstr(r);
    if (it->type == T_MIME) {
      ctype = hf_read_cstr(r);
      cenc = optional_cstr(r);
    } else if (it->type == T_URI) {
      uri = hf_read_cstr(r);
    }
  }
  if (r->error) return truncated(p, r);
  it->hidden = flags & 1;
  it->has_infe = 1;
  heic_status st = dup_span(p, name, &it->name);
  if (st == HEIC_OK) st = dup_span(p, ctype, &it->content_type);
  if (st == HEIC_OK) st = dup_span(p, cenc, &it->content_encoding);
  if (st == HEIC_OK) st = dup_span(p, uri, &it->item_uri_type);
  return st;
}

static heic_status parse_iinf(parser *p, hf_reader *r) {
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  uint32_t count = version == 0 ? hf_read_u16(r) : hf_read_u32(r);
  if (r->error) return truncated(p, r);
  if (count > p->lim.max_items) return too_many_items(p, count);
  /* The declared count is not trusted for allocation: items are added as
   * infe boxes are actually found. */
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(r, &box, &body, p->lim.max_box_depth, p->err);
    if (st == HEIC_OK && box.type == T_INFE) st = parse_infe(p, &body);
    if (st != HEIC_OK) return st;
  }
  return HEIC_OK;
}

/* Builds f->by_id (iloc and ipma look items up once per entry, and a linear
 * search would make those boxes quadratic) and rejects duplicate ids, which
 * would make every later reference to that id ambiguous. */
static heic_status index_items(parser *p) {
  hf_file *f = p->f;
  if (!f->item_count) return HEIC_OK;
  uint64_t *keys = hc_malloc_array(f->mem, f->item_count, sizeof(*keys));
  f->by_id = hc_malloc_array(f->mem, f->item_count, sizeof(*f->by_id));
  p->assoc_cap = hc_calloc(f->mem, f->item_count, sizeof(*p->assoc_cap));
  if (!keys || !f->by_id || !p->assoc_cap) {
    hc_free(f->mem, keys);
    return oom(p);
  }
  for (uint32_t i = 0; i < f->item_count; i++) keys[i] = (uint64_t)f->items[i].id << 32 | i;
  qsort(keys, f->item_count, sizeof(*keys), cmp_u64);
  heic_status st = HEIC_OK;
  for (uint32_t i = 0; i < f->item_count; i++) {
    f->by_id[i] = (uint32_t)keys[i];
    if (i && keys[i] >> 32 == keys[i - 1] >> 32 && st == HEIC_OK)
      st = hc_fail(p->err, HEIC_ERR_INVALID_INPUT, "iinf: item id %u appears twice",
                   (uint32_t)(keys[i] >> 32));
  }
  hc_free(f->mem, keys);
  return st;
}

/* Builds the reference indexes of hf_file (out_start/out_refs and
 * in_start/in_edges) by counting sort: O(items + references + targets). */
static heic_status index_refs(parser *p) {
  hf_file *f = p->f;
  if (!f->item_count) return HEIC_OK;
  hc_mem *mem = f->mem;
  f->out_start = hc_calloc(mem, (size_t)f->item_count + 1, sizeof(uint32_t));
  f->in_start = hc_calloc(mem, (size_t)f->item_count + 1, sizeof(uint32_t));
  /* from[r]: index of the item reference r starts at, UINT32_MAX for none */
  uint32_t *from = hc_malloc_array(mem, f->ref_count ? f->ref_count : 1, sizeof(uint32_t));
  heic_status st = HEIC_OK;
  if (!f->out_start || !f->in_start || !from) {
    st = oom(p);
    goto done;
  }
  uint64_t targets = 0;
  uint32_t outs = 0;
  for (uint32_t r = 0; r < f->ref_count; r++) {
    const hf_item *it = hf_find_item(f, f->refs[r].from);
    from[r] = it ? hf_item_index(f, it) : UINT32_MAX;
    if (!it) continue;
    f->out_start[from[r] + 1]++;
    outs++;
    for (uint32_t j = 0; j < f->refs[r].count; j++) {
      const hf_item *to = hf_find_item(f, f->refs[r].to[j]);
      if (to) {
        f->in_start[hf_item_index(f, to) + 1]++;
        targets++;
      }
    }
  }
  /* Each target takes 2 or 4 bytes of iref inside the file, so this
   * cannot exceed what a size_t can count; checked anyway. */
  if (targets > UINT32_MAX) {
    st = hc_fail(p->err, HEIC_ERR_LIMIT_EXCEEDED, "iref: %llu reference targets are too many",
                 (unsigned long long)targets);
    goto done;
  }
  for (uint32_t i = 0; i < f->item_count; i++) {
    f->out_start[i + 1] += f->out_start[i];
    f->in_start[i + 1] += f->in_start[i];
  }
  f->out_refs = hc_malloc_array(mem, outs ? outs : 1, sizeof(uint32_t));
  f->in_edges = hc_malloc_array(mem, targets ? (size_t)targets : 1, sizeof(hf_ref_edge));
  if (!f->out_refs || !f->in_edges) {
    st = oom(p);
    goto done;
  }
  /* Fill in iref order, using the start of the next slot as a cursor; the
   * starts are restored afterwards by shifting them back. */
  for (uint32_t r = 0; r < f->ref_count; r++) {
    if (from[r] == UINT32_MAX) continue;
    f->out_refs[f->out_start[from[r]]++] = r;
    for (uint32_t j = 0; j < f->refs[r].count; j++) {
      const hf_item *to = hf_find_item(f, f->refs[r].to[j]);
      if (to) f->in_edges[f->in_start[hf_item_index(f, to)]++] = (hf_ref_edge){f->refs[r].type, r, j};
    }
  }
  for (uint32_t i = f->item_count; i > 0; i--) {
    f->out_start[i] = f->out_start[i - 1];
    f->in_start[i] = f->in_start[i - 1];
  }
  f->out_start[0] = f->in_start[0] = 0;
  /* Grouped by type, so that "the n-th thumbnail of X" is a lookup, not a
   * scan (a thmb box may name its target 65535 times). */
  for (uint32_t i = 0; i < f->item_count; i++)
    qsort(f->in_edges + f->in_start[i], f->in_start[i + 1] - f->in_start[i], sizeof(hf_ref_edge),
          cmp_edge);
done:
  hc_free(mem, from);
  return st;
}

/* ---- iloc ---- */

static heic_status check_field_size(parser *p, const char *name, unsigned v) {
  if (v == 0 || v == 4 || v == 8) return HEIC_OK;
  return hc_fail(p->err, HEIC_ERR_INVALID_INPUT, "iloc: %s %u is not 0, 4 or 8", name, v);
}

static heic_status parse_iloc(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  if (r->error) return truncated(p, r);
  if (version > 2)
    return hc_fail(p->err, HEIC_ERR_UNSUPPORTED, "iloc: version %u is not supported", version);
  uint8_t b = hf_read_u8(r);
  unsigned offset_size = b >> 4, length_size = b & 15;
  b = hf_read_u8(r);
  unsigned base_offset_size = b >> 4, index_size = version ? b & 15u : 0;
  uint32_t count = version < 2 ? hf_read_u16(r) : hf_read_u32(r);
  if (r->error) return truncated(p, r);
  heic_status st = check_field_size(p, "offset_size", offset_size);
  if (st == HEIC_OK) st = check_field_size(p, "length_size", length_size);
  if (st == HEIC_OK) st = check_field_size(p, "base_offset_size", base_offset_size);
  if (st == HEIC_OK) st = check_field_size(p, "index_size", index_size);
  if (st != HEIC_OK) return st;
  size_t per_extent = index_size + offset_size + length_size;
  for (uint32_t i = 0; i < count && !r->error; i++) {
    uint32_t id = version < 2 ? hf_read_u16(r) : hf_read_u32(r);
    unsigned method = version ? hf_read_u16(r) & 15u : 0;
    uint16_t dref = hf_read_u16(r);
    uint64_t base = hf_read_uint(r, base_offset_size);
    uint16_t extents = hf_read_u16(r);
    if (r->error) break;
    if (method > 2)
      return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                     "iloc: item %u has construction_method %u (0, 1 or 2 are defined)", id,
                     method);
    /* With every field zero-sized an extent takes no bytes, so its count is
     * the only thing bounding the allocation; more than one such extent
     * (each "the whole resource") is meaningless anyway. */
    if (per_extent == 0 && extents > 1)
      return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                     "iloc: item %u has %u extents but zero-sized offset and length fields", id,
                     extents);
    if (per_extent && extents > hf_reader_remaining(r) / per_extent) {
      r->error = 1;
      break;
    }
    hf_item *it = lookup(p, id);
    if (!it) {
      /* A location for an item iinf does not declare cannot be used. */
      hf_skip(r, extents * per_extent);
      continue;
    }
    if (it->has_location)
      return hc_fail(p->err, HEIC_ERR_INVALID_INPUT, "iloc: item %u is listed twice", id);
    it->has_location = 1;
    it->construction_method = (uint8_t)method;
    it->data_reference_index = dref;
    if (extents) {
      it->extents = hc_calloc(f->mem, extents, sizeof(*it->extents));
      if (!it->extents) return oom(p);
      it->extent_count = extents;
    }
    for (uint32_t e = 0; e < extents; e++) {
      hf_skip(r, index_size); /* extent_index: only for construction method 2 */
      uint64_t off = hf_read_uint(r, offset_size);
      uint64_t len = hf_read_uint(r, length_size);
      if (off > UINT64_MAX - base)
        return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                       "iloc: item %u: base_offset %llu + extent offset %llu overflows", id,
                       (unsigned long long)base, (unsigned long long)off);
      it->extents[e].offset = base + off;
      it->extents[e].length = len;
    }
  }
  return r->error ? truncated(p, r) : HEIC_OK;
}

/* ---- iref ---- */

static heic_status parse_iref(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  if (r->error) return truncated(p, r);
  if (version > 1)
    return hc_fail(p->err, HEIC_ERR_UNSUPPORTED, "iref: version %u is not supported", version);
  unsigned id_size = version ? 4 : 2;
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader c;
    heic_status st = hf_box_next(r, &box, &c, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    hf_ref *refs = grow(f->mem, f->refs, f->ref_count, &p->ref_cap, sizeof(*refs));
    if (!refs) return oom(p);
    f->refs = refs;
    hf_ref *ref = &refs[f->ref_count++];
    ref->type = box.type; /* each child box is one reference type */
    ref->from = (uint32_t)hf_read_uint(&c, id_size);
    uint16_t n = hf_read_u16(&c);
    if (!c.error && n > hf_reader_remaining(&c) / id_size) c.error = 1;
    if (c.error) return truncated(p, &c);
    if (n) {
      ref->to = hc_malloc_array(f->mem, n, sizeof(*ref->to));
      if (!ref->to) return oom(p);
      for (uint32_t i = 0; i < n; i++) ref->to[i] = (uint32_t)hf_read_uint(&c, id_size);
      ref->count = n;
    }
  }
  return HEIC_OK;
}

/* ---- properties ---- */

static heic_status parse_hvcc(parser *p, hf_reader *r, hf_hvcc *h) {
  hc_mem *mem = p->f->mem;
  h->configuration_version = hf_read_u8(r);
  uint8_t b = hf_read_u8(r);
  h->general_profile_space = b >> 6;
  h->general_tier_flag = (b >> 5) & 1;
  h->general_profile_idc = b & 31;
  h->general_profile_compatibility_flags = hf_read_u32(r);
  h->general_constraint_indicator_flags = hf_read_uint(r, 6);
  h->general_level_idc = hf_read_u8(r);
  h->min_spatial_segmentation_idc = hf_read_u16(r) & 0x0FFF;
  h->parallelism_type = hf_read_u8(r) & 3;
  h->chroma_format_idc = hf_read_u8(r) & 3;
  h->bit_depth_luma = (uint8_t)((hf_read_u8(r) & 7) + 8);
  h->bit_depth_chroma = (uint8_t)((hf_read_u8(r) & 7) + 8);
  h->avg_frame_rate = hf_read_u16(r);
  b = hf_read_u8(r);
  h->constant_frame_rate = b >> 6;
  h->num_temporal_layers = (b >> 3) & 7;
  h->temporal_id_nested = (b >> 2) & 1;
  /* lengthSizeMinusOne 2 (3-byte lengths) is odd but unambiguous; the
   * decoder decides whether to take it. */
  h->length_size = (uint8_t)((b & 3) + 1);
  uint8_t arrays = hf_read_u8(r);
  /* Each array needs at least 3 bytes: check before allocating for them. */
  if (r->error || arrays > hf_reader_remaining(r) / 3) return truncated(p, r);
  if (!arrays) return HEIC_OK;
  h->arrays = hc_calloc(mem, arrays, sizeof(*h->arrays));
  if (!h->arrays) return oom(p);
  h->array_count = arrays;
  for (uint32_t a = 0; a < arrays; a++) {
    hf_hvcc_array *arr = &h->arrays[a];
    b = hf_read_u8(r);
    arr->array_completeness = b >> 7;
    arr->nal_type = b & 63;
    uint16_t n = hf_read_u16(r);
    if (r->error || n > hf_reader_remaining(r) / 2) return truncated(p, r);
    if (!n) continue;
    arr->nals = hc_calloc(mem, n, sizeof(*arr->nals));
    if (!arr->nals) return oom(p);
    arr->count = n;
    for (uint32_t i = 0; i < n; i++) {
      /* A zero length is kept as an empty span: it breaks no bound, and the
       * decoder skips it with a message of its own. */
      uint16_t len = hf_read_u16(r);
      arr->nals[i].data = hf_read_span(r, len);
      arr->nals[i].size = len;
      if (r->error) return truncated(p, r);
    }
  }
  return HEIC_OK;
}

/* Parses one ipco child into prop (zeroed, type set, already owned by f). */
static heic_status parse_property(parser *p, hf_reader *r, hf_property *prop) {
  uint8_t version = 0;
  uint32_t flags;
  switch (prop->type) {
    case T_ISPE: {
      hf_read_full_header(r, &version, &flags);
      if (version != 0) break; /* a layout we do not know: keep it unparsed */
      prop->u.ispe.width = hf_read_u32(r);
      prop->u.ispe.height = hf_read_u32(r);
      if (r->error) return truncated(p, r);
      uint64_t pixels = (uint64_t)prop->u.ispe.width * prop->u.ispe.height;
      if (pixels > p->lim.max_pixels)
        return hc_fail(p->err, HEIC_ERR_LIMIT_EXCEEDED,
                       "ispe at offset %zu: image of %ux%u pixels exceeds the limit of %llu "
                       "(max_pixels)",
                       r->box_offset, prop->u.ispe.width, prop->u.ispe.height,
                       (unsigned long long)p->lim.max_pixels);
      prop->parsed = 1;
      return HEIC_OK;
    }
    case T_PIXI: {
      hf_read_full_header(r, &version, &flags);
      if (version != 0) break;
      uint8_t n = hf_read_u8(r);
      prop->u.pixi.channels = n;
      for (unsigned i = 0; i < n; i++) {
        uint8_t d = hf_read_u8(r);
        if (i < 8) prop->u.pixi.depth[i] = d;
      }
      prop->parsed = 1;
      break;
    }
    case T_COLR: {
      hf_fourcc kind = hf_read_fourcc(r);
      if (kind == T_NCLX) {
        prop->u.colr.kind = HF_COLR_NCLX;
        prop->u.colr.nclx.colour_primaries = hf_read_u16(r);
        prop->u.colr.nclx.transfer_characteristics = hf_read_u16(r);
        prop->u.colr.nclx.matrix_coefficients = hf_read_u16(r);
        prop->u.colr.nclx.full_range = hf_read_u8(r) >> 7;
        prop->parsed = 1;
      } else if (kind == T_PROF || kind == T_RICC) {
        prop->u.colr.kind = HF_COLR_ICC;
        prop->u.colr.icc = hf_read_rest(r);
        prop->parsed = 1;
      }
      /* Other colour types (QuickTime 'nclc', ...) stay unparsed. */
      break;
    }
    case T_HVCC: {
      heic_status st = parse_hvcc(p, r, &prop->u.hvcc);
      if (st != HEIC_OK) return st;
      prop->parsed = 1;
      break;
    }
    case T_CLLI:
      prop->u.clli.max_cll = hf_read_u16(r);
      prop->u.clli.max_fall = hf_read_u16(r);
      prop->parsed = 1;
      break;
    case T_MDCV: {
      heic_hdr *m = &prop->u.mdcv;
      for (int c = 0; c < 3; c++) {
        m->primaries_x[c] = hf_read_u16(r);
        m->primaries_y[c] = hf_read_u16(r);
      }
      m->white_x = hf_read_u16(r);
      m->white_y = hf_read_u16(r);
      m->max_luminance = hf_read_u32(r);
      m->min_luminance = hf_read_u32(r);
      prop->parsed = 1;
      break;
    }
    case T_IROT:
      prop->u.irot.angle = hf_read_u8(r) & 3;
      prop->parsed = 1;
      break;
    case T_IMIR:
      prop->u.imir.axis = hf_read_u8(r) & 1;
      prop->parsed = 1;
      break;
    case T_CLAP: {
      hf_clap *c = &prop->u.clap;
      c->width_n = hf_read_u32(r);
      c->width_d = hf_read_u32(r);
      c->height_n = hf_read_u32(r);
      c->height_d = hf_read_u32(r);
      /* The offsets are signed: two's complement in the file. */
      c->horiz_off_n = (int32_t)hf_read_u32(r);
      c->horiz_off_d = hf_read_u32(r);
      c->vert_off_n = (int32_t)hf_read_u32(r);
      c->vert_off_d = hf_read_u32(r);
      /* Zero denominators are the consumer's to reject: only it knows
       * whether the crop is applied at all. */
      prop->parsed = 1;
      break;
    }
    case T_AUXC: {
      hf_read_full_header(r, &version, &flags);
      if (version != 0) break;
      hf_span urn = hf_read_cstr(r);
      if (r->error) return truncated(p, r);
      heic_status st = dup_span(p, urn, &prop->u.auxc.aux_type);
      if (st != HEIC_OK) return st;
      prop->u.auxc.subtype = hf_read_rest(r);
      prop->parsed = 1;
      break;
    }
    default:
      break;
  }
  if (r->error) {
    prop->parsed = 0;
    return truncated(p, r);
  }
  return HEIC_OK;
}

/* ipma's widest index field has 15 bits: properties past this one can never
 * be associated with an item, so they are not kept (which also bounds the
 * memory a huge ipco can cost). */
#define MAX_PROPERTIES 0x7FFFu

static heic_status parse_ipco(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(r, &box, &body, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    if (f->prop_count == MAX_PROPERTIES) continue;
    hf_property *props = grow(f->mem, f->props, f->prop_count, &p->prop_cap, sizeof(*props));
    if (!props) return oom(p);
    f->props = props;
    hf_property *prop = &props[f->prop_count++];
    prop->type = box.type;
    st = parse_property(p, &body, prop);
    if (st != HEIC_OK) return st;
  }
  return HEIC_OK;
}

static heic_status parse_ipma(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  uint32_t count = hf_read_u32(r);
  if (r->error) return truncated(p, r);
  if (version > 1)
    return hc_fail(p->err, HEIC_ERR_UNSUPPORTED, "ipma: version %u is not supported", version);
  int wide = flags & 1;
  unsigned entry_size = wide ? 2 : 1;
  for (uint32_t i = 0; i < count && !r->error; i++) {
    uint32_t id = version ? hf_read_u32(r) : hf_read_u16(r);
    uint8_t n = hf_read_u8(r);
    if (r->error || n > hf_reader_remaining(r) / entry_size) {
      r->error = 1;
      break;
    }
    hf_item *it = lookup(p, id);
    uint32_t *cap = it ? &p->assoc_cap[it - f->items] : NULL;
    if (it && (uint64_t)it->assoc_count + n > *cap) {
      uint64_t need = (uint64_t)it->assoc_count + n, ncap = (uint64_t)*cap * 2;
      if (ncap < need) ncap = need;
      if (ncap > UINT32_MAX) ncap = need;
      if (ncap > UINT32_MAX) return oom(p);
      hf_prop_assoc *a = hc_realloc_array(f->mem, it->assocs, (size_t)ncap, sizeof(*a));
      if (!a) return oom(p);
      it->assocs = a;
      *cap = (uint32_t)ncap;
    }
    for (unsigned j = 0; j < n; j++) {
      unsigned v = wide ? hf_read_u16(r) : hf_read_u8(r);
      unsigned essential = v >> (wide ? 15 : 7);
      uint32_t index = v & (wide ? 0x7FFFu : 0x7Fu);
      if (index == 0) continue; /* 0 means "no property" */
      if (index > f->prop_count)
        return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                       "ipma references property %u but ipco holds %u", index, f->prop_count);
      if (it) {
        it->assocs[it->assoc_count].index = index - 1;
        it->assocs[it->assoc_count].essential = (uint8_t)essential;
        it->assoc_count++;
      }
    }
  }
  return r->error ? truncated(p, r) : HEIC_OK;
}

static heic_status parse_iprp(parser *p, hf_reader *r) {
  /* ipma indexes into ipco, which may come after it: a first pass reads
   * ipco, a second the ipma boxes. */
  hf_reader scan = *r;
  int have_ipco = 0;
  while (hf_reader_remaining(&scan)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(&scan, &box, &body, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    if (box.type != T_IPCO) continue;
    if (have_ipco)
      return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                     "iprp holds a second 'ipco' box (at offset %zu)", box.offset);
    have_ipco = 1;
    st = parse_ipco(p, &body);
    if (st != HEIC_OK) return st;
  }
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(r, &box, &body, p->lim.max_box_depth, p->err);
    if (st == HEIC_OK && box.type == T_IPMA) st = parse_ipma(p, &body);
    if (st != HEIC_OK) return st;
  }
  return HEIC_OK;
}

/* ---- grpl ---- */

static heic_status parse_grpl(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader c;
    heic_status st = hf_box_next(r, &box, &c, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    /* Every EntityToGroupBox shares this layout, whatever its type. */
    uint8_t version;
    uint32_t flags;
    hf_read_full_header(&c, &version, &flags);
    uint32_t group_id = hf_read_u32(&c);
    uint32_t n = hf_read_u32(&c);
    if (!c.error && n > hf_reader_remaining(&c) / 4) c.error = 1;
    if (c.error) return truncated(p, &c);
    hf_group *groups = grow(f->mem, f->groups, f->group_count, &p->group_cap, sizeof(*groups));
    if (!groups) return oom(p);
    f->groups = groups;
    hf_group *g = &groups[f->group_count++];
    g->type = box.type;
    g->group_id = group_id;
    if (n) {
      g->entities = hc_malloc_array(f->mem, n, sizeof(*g->entities));
      if (!g->entities) return oom(p);
      for (uint32_t i = 0; i < n; i++) g->entities[i] = hf_read_u32(&c);
      g->count = n;
    }
  }
  return HEIC_OK;
}

/* ---- meta ---- */

static heic_status parse_meta(parser *p, hf_reader *r) {
  hf_file *f = p->f;
  uint8_t version;
  uint32_t flags;
  hf_read_full_header(r, &version, &flags);
  if (r->error) return truncated(p, r);
  if (version != 0)
    return hc_fail(p->err, HEIC_ERR_UNSUPPORTED, "meta: version %u is not supported", version);
  f->has_meta = 1;
  hf_reader child[M_COUNT];
  int found[M_COUNT] = {0};
  memset(child, 0, sizeof(child));
  while (hf_reader_remaining(r)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(r, &box, &body, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    for (int k = 0; k < M_COUNT; k++) {
      if (box.type != meta_child_type[k]) continue;
      if (found[k]) {
        char cc[5];
        hf_fourcc_str(box.type, cc);
        return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                       "meta holds a second '%s' box (at offset %zu)", cc, box.offset);
      }
      found[k] = 1;
      child[k] = body;
    }
  }
  /* The children may come in any order, but each depends on the ones
   * before it here: items first, then what refers to them. */
  heic_status st = HEIC_OK;
  if (found[M_HDLR]) st = parse_hdlr(p, &child[M_HDLR]);
  if (st == HEIC_OK && found[M_PITM]) st = parse_pitm(p, &child[M_PITM]);
  if (st == HEIC_OK && found[M_IINF]) st = parse_iinf(p, &child[M_IINF]);
  if (st == HEIC_OK) st = index_items(p);
  if (st == HEIC_OK && found[M_ILOC]) st = parse_iloc(p, &child[M_ILOC]);
  if (st == HEIC_OK && found[M_IDAT]) f->idat = hf_read_rest(&child[M_IDAT]);
  if (st == HEIC_OK && found[M_IREF]) st = parse_iref(p, &child[M_IREF]);
  if (st == HEIC_OK && found[M_IPRP]) st = parse_iprp(p, &child[M_IPRP]);
  if (st == HEIC_OK && found[M_GRPL]) st = parse_grpl(p, &child[M_GRPL]);
  if (st == HEIC_OK) st = index_refs(p);
  return st;
}

/* ---- top level ---- */

/* The image format whose signature starts data, for a file that does not
 * begin with an ftyp box: a PNG given to a HEIF reader deserves "this is
 * a PNG file", not "no 'ftyp' box", which means nothing to most users.
 * NULL when none is recognised.  The JPEG XL container is an ISOBMFF file
 * itself, with a 'JXL ' box before its ftyp. */
static const char *other_format(const uint8_t *d, size_t n) {
  static const struct {
    const char *name;
    size_t size;
    const char *magic;
    size_t at; /* a second signature at this offset, for RIFF files */
    const char *then;
  } known[] = {
      {"PNG", 8, "\x89PNG\r\n\x1a\n", 0, NULL},
      {"JPEG", 3, "\xff\xd8\xff", 0, NULL},
      {"GIF", 6, "GIF87a", 0, NULL},
      {"GIF", 6, "GIF89a", 0, NULL},
      {"WebP", 4, "RIFF", 8, "WEBP"},
      {"TIFF", 4, "II*\0", 0, NULL},
      {"TIFF", 4, "MM\0*", 0, NULL},
      {"BigTIFF", 4, "II+\0", 0, NULL},
      {"BigTIFF", 4, "MM\0+", 0, NULL},
      {"Y4M (YUV4MPEG2)", 10, "YUV4MPEG2 ", 0, NULL},
      {"JPEG XL", 2, "\xff\x0a", 0, NULL},
      {"JPEG XL", 12, "\0\0\0\x0cJXL \r\n\x87\n", 0, NULL},
  };
  for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
    if (n < known[k].size || memcmp(d, known[k].magic, known[k].size) != 0) continue;
    if (known[k].then && (n < known[k].at + 4 || memcmp(d + known[k].at, known[k].then, 4) != 0))
      continue;
    return known[k].name;
  }
  return NULL;
}

static heic_status parse_file(parser *p) {
  hf_file *f = p->f;
  if (f->size == 0) return hc_fail(p->err, HEIC_ERR_INVALID_INPUT, "file is empty");
  /* Every HEIF file starts with its ftyp box; only when it does not can the
   * file be another format's. */
  const char *other = f->size >= 8 && memcmp(f->data + 4, "ftyp", 4) == 0
                          ? NULL
                          : other_format(f->data, f->size);
  if (other)
    return hc_fail(p->err, HEIC_ERR_INVALID_INPUT, "this is a %s file, not a HEIF file", other);
  hf_reader r, meta;
  hf_reader_init(&r, f->data, f->size);
  memset(&meta, 0, sizeof(meta));
  /* A file cut short (an interrupted copy or download) usually loses the
   * end of its last box, mdat.  Boxes we only skip may therefore run past
   * the end; the items whose data is missing are named when that data is
   * asked for (hf_item_data).  Boxes we read must be whole. */
  r.clip_at_end = 1;
  int have_meta = 0, have_mini = 0;
  while (hf_reader_remaining(&r)) {
    hf_box box;
    hf_reader body;
    heic_status st = hf_box_next(&r, &box, &body, p->lim.max_box_depth, p->err);
    if (st != HEIC_OK) return st;
    if (box.clipped && (box.type == T_FTYP || box.type == T_META)) {
      char cc[5];
      hf_fourcc_str(box.type, cc);
      return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                     "box '%s' at offset %zu: size %llu runs past the end of the file (file "
                     "size %zu)",
                     cc, box.offset, (unsigned long long)box.declared_size, f->size);
    }
    if (box.type == T_FTYP && !f->has_ftyp) {
      st = parse_ftyp(p, &body);
    } else if (box.type == T_META) {
      if (have_meta)
        return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                       "file has a second top-level 'meta' box (at offset %zu)", box.offset);
      have_meta = 1;
      meta = body;
    } else if (box.type == T_MOOV) {
      f->has_moov = 1;
    } else if (box.type == T_MINI) {
      have_mini = 1;
    }
    if (st != HEIC_OK) return st;
  }
  if (!f->has_ftyp)
    return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                   "file has no 'ftyp' box (not an ISO base media file)");
  if (!have_meta) {
    /* The compact form of ISO/IEC 23008-12 (its 2024 amendment) puts a
     * 'mini' box where 'meta' would be; reading it is a reader of its own. */
    if (have_mini || f->major_brand == HF_4CC('m', 'i', 'f', '3'))
      return hc_fail(p->err, HEIC_ERR_UNSUPPORTED,
                     "compact ('mini' box, brand mif3) HEIF files are not supported");
    if (f->has_moov)
      return hc_fail(p->err, HEIC_ERR_UNSUPPORTED,
                     "image sequences without a still image are not supported");
    return hc_fail(p->err, HEIC_ERR_INVALID_INPUT,
                   "file has no 'meta' box (not a HEIF still image)");
  }
  return parse_meta(p, &meta);
}

heic_status hf_parse(hf_file *f, hc_mem *mem, const uint8_t *data, size_t size,
                     const hf_limits *limits, hc_err *err) {
  if (!f || !mem || (!data && size))
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hf_parse: missing argument");
  memset(f, 0, sizeof(*f));
  f->mem = mem;
  f->data = data;
  f->size = size;
  parser p;
  memset(&p, 0, sizeof(p));
  p.f = f;
  p.err = err;
  if (limits) p.lim = *limits;
  if (!p.lim.max_items) p.lim.max_items = DEFAULT_MAX_ITEMS;
  if (!p.lim.max_box_depth) p.lim.max_box_depth = DEFAULT_MAX_BOX_DEPTH;
  if (!p.lim.max_pixels) p.lim.max_pixels = DEFAULT_MAX_PIXELS;
  heic_status st = parse_file(&p);
  hc_free(mem, p.assoc_cap);
  if (st != HEIC_OK) hf_file_clear(f);
  return st;
}

/* ---- cleanup ---- */

static void property_clear(hc_mem *mem, hf_property *prop) {
  /* Chosen by type alone, not `parsed`: a payload that failed half-way
   * leaves the union holding what was allocated so far (the rest zero). */
  if (prop->type == T_HVCC) {
    hf_hvcc *h = &prop->u.hvcc;
    for (uint32_t a = 0; a < h->array_count; a++) hc_free(mem, h->arrays[a].nals);
    hc_free(mem, h->arrays);
  } else if (prop->type == T_AUXC) {
    hc_free(mem, prop->u.auxc.aux_type);
  }
}

void hf_file_clear(hf_file *f) {
  if (!f) return;
  hc_mem *mem = f->mem;
  if (mem) {
    hc_free(mem, f->brands);
    for (uint32_t i = 0; i < f->item_count; i++) {
      hf_item *it = &f->items[i];
      hc_free(mem, it->name);
      hc_free(mem, it->content_type);
      hc_free(mem, it->content_encoding);
      hc_free(mem, it->item_uri_type);
      hc_free(mem, it->extents);
      hc_free(mem, it->assocs);
    }
    hc_free(mem, f->items);
    for (uint32_t i = 0; i < f->prop_count; i++) property_clear(mem, &f->props[i]);
    hc_free(mem, f->props);
    for (uint32_t i = 0; i < f->ref_count; i++) hc_free(mem, f->refs[i].to);
    hc_free(mem, f->refs);
    for (uint32_t i = 0; i < f->group_count; i++) hc_free(mem, f->groups[i].entities);
    hc_free(mem, f->groups);
    hc_free(mem, f->by_id);
    hc_free(mem, f->out_start);
    hc_free(mem, f->out_refs);
    hc_free(mem, f->in_start);
    hc_free(mem, f->in_edges);
  }
  memset(f, 0, sizeof(*f));
}

/* ---- queries ---- */

hf_item *hf_find_item(const hf_file *f, uint32_t id) {
  if (!f || !f->by_id) return NULL;
  size_t lo = 0, hi = f->item_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    hf_item *it = &f->items[f->by_id[mid]];
    if (it->id == id) return it;
    if (it->id < id) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

const hf_property *hf_item_property(const hf_file *f, const hf_item *item, hf_fourcc type) {
  if (!f || !item) return NULL;
  for (uint32_t i = 0; i < item->assoc_count; i++) {
    uint32_t index = item->assocs[i].index;
    if (index < f->prop_count && f->props[index].type == type) return &f->props[index];
  }
  return NULL;
}

const uint32_t *hf_refs_from(const hf_file *f, const hf_item *item, uint32_t *count) {
  *count = 0;
  if (!f || !item || !f->out_start) return NULL;
  uint32_t i = hf_item_index(f, item);
  *count = f->out_start[i + 1] - f->out_start[i];
  return f->out_refs + f->out_start[i];
}

const hf_ref_edge *hf_refs_to(const hf_file *f, const hf_item *item, hf_fourcc type,
                              uint32_t *count) {
  *count = 0;
  if (!f || !item || !f->in_start) return NULL;
  uint32_t i = hf_item_index(f, item);
  const hf_ref_edge *e = f->in_edges + f->in_start[i];
  uint32_t n = f->in_start[i + 1] - f->in_start[i];
  if (!type) {
    *count = n;
    return e;
  }
  /* The first edge of the type, then the first of a greater type. */
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e[mid].type < type) lo = mid + 1;
    else hi = mid;
  }
  uint32_t first = lo;
  hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e[mid].type <= type) lo = mid + 1;
    else hi = mid;
  }
  *count = lo - first;
  return e + first;
}

const hf_ref *hf_find_ref(const hf_file *f, uint32_t from, hf_fourcc type) {
  const hf_item *it = hf_find_item(f, from);
  uint32_t n;
  const uint32_t *list = hf_refs_from(f, it, &n);
  for (uint32_t i = 0; i < n; i++)
    if (f->refs[list[i]].type == type) return &f->refs[list[i]];
  return NULL;
}

/* Where an item's extents point: the file or the idat payload. */
static heic_status item_source(const hf_file *f, const hf_item *it, hf_span *src,
                               const char **what, hc_err *err) {
  if (!it->has_location)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "item %u has no data (no iloc entry)", it->id);
  switch (it->construction_method) {
    case 0:
      if (it->data_reference_index != 0)
        return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                       "item %u: data in another file (data_reference_index %u) is not supported",
                       it->id, it->data_reference_index);
      if (f->read) {
        if (f->file_size > SIZE_MAX)
          return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED, "the file of %llu bytes is too large here",
                         (unsigned long long)f->file_size);
        src->data = NULL; /* read through f->read */
        src->size = (size_t)f->file_size;
      } else {
        src->data = f->data;
        src->size = f->size;
      }
      *what = "the file";
      return HEIC_OK;
    case 1:
      if (!f->idat.data)
        return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                       "item %u is stored in 'idat' but the file has no idat box", it->id);
      *src = f->idat;
      *what = "idat";
      return HEIC_OK;
    case 2:
      return hc_fail(err, HEIC_ERR_UNSUPPORTED,
                     "item %u: construction method 2 (item offsets) is not supported", it->id);
    default:
      return hc_fail(err, HEIC_ERR_INVALID_INPUT, "item %u: unknown construction method %u",
                     it->id, it->construction_method);
  }
}

/* The bytes of extent e, bounds-checked against src. */
static heic_status extent_bytes(const hf_item *it, uint32_t e, hf_span src, const char *what,
                                hf_span *out, hc_err *err) {
  const hf_extent *x = &it->extents[e];
  uint64_t len = x->length;
  if (x->offset > src.size || (len && len > src.size - x->offset))
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "iloc: extent of item %u lies past the end of %s (offset %llu, length %llu, "
                   "%s size %zu)",
                   it->id, what, (unsigned long long)x->offset, (unsigned long long)len,
                   it->construction_method == 1 ? "idat" : "file", src.size);
  if (!len) len = src.size - x->offset; /* 0: up to the end of the source */
  out->data = src.data ? src.data + x->offset : NULL;
  out->size = (size_t)len;
  return HEIC_OK;
}

heic_status hf_item_data_size(const hf_file *f, const hf_item *item, uint64_t *size, hc_err *err) {
  if (!f || !item || !size)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hf_item_data_size: missing argument");
  *size = 0;
  hf_span src;
  const char *what;
  heic_status st = item_source(f, item, &src, &what, err);
  if (st != HEIC_OK) return st;
  uint64_t total = 0;
  for (uint32_t e = 0; e < item->extent_count; e++) {
    hf_span x = {NULL, 0};
    st = extent_bytes(item, e, src, what, &x, err);
    if (st != HEIC_OK) return st;
    total += x.size;
    /* Extents of one item cover distinct bytes of their source, so together
     * they cannot be longer than it; more means they overlap, which a file
     * uses only to make a small file hand out a lot of data (65,535
     * extents of one NAL unit). */
    if (total > src.size)
      return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                     "item %u: its %u extents add up to more than the %zu bytes of %s "
                     "(overlapping extents)",
                     item->id, item->extent_count, src.size, what);
  }
  *size = total;
  return HEIC_OK;
}

heic_status hf_item_data(const hf_file *f, const hf_item *item, uint8_t **out, size_t *size,
                         hc_err *err) {
  if (!out || !size)
    return hc_fail(err, HEIC_ERR_INVALID_ARGUMENT, "hf_item_data: missing argument");
  *out = NULL;
  *size = 0;
  uint64_t total;
  heic_status st = hf_item_data_size(f, item, &total, err);
  if (st != HEIC_OK) return st;
  if (total > SIZE_MAX)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "item %u: %llu bytes of data do not fit in memory", item->id,
                   (unsigned long long)total);
  uint8_t *buf = hc_malloc(f->mem, (size_t)total);
  if (!buf) return hc_fail_oom(err);
  hf_span src;
  const char *what;
  size_t pos = 0;
  /* Already validated by hf_item_data_size; these calls cannot fail now. */
  (void)item_source(f, item, &src, &what, err);
  for (uint32_t e = 0; e < item->extent_count; e++) {
    hf_span x = {NULL, 0};
    (void)extent_bytes(item, e, src, what, &x, err);
    if (x.size && x.data) {
      memcpy(buf + pos, x.data, x.size);
    } else if (x.size) {
      st = f->read(f->read_opaque, item->extents[e].offset, buf + pos, x.size, err);
      if (st != HEIC_OK) {
        hc_free(f->mem, buf);
        return st;
      }
    }
    pos += x.size;
  }
  *out = buf;
  *size = pos;
  return HEIC_OK;
}
