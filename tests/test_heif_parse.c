/*
 * Tests of the HEIF reader (src/heif).  SPDX-License-Identifier: BSD-2-Clause
 *
 * Builds small HEIF files in memory with a box writer of its own, checks
 * every parsed field, then breaks those files in every way it can think of
 * (truncation at each byte, every box size field replaced, limits) and
 * checks that each parse ends cleanly with nothing left allocated.  Every
 * parse reads from a heap block of exactly the file's size, so that AddressSanitizer
 * sees any read past the end.
 *
 * With a directory argument (the shared corpus), it also parses every file
 * under it and prints one line per file.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "heif/box_reader.h"
#include "heif/heif_file.h"

static int failures;
static unsigned long checks;

#define CHECK(cond)                                                         \
  do {                                                                      \
    checks++;                                                               \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                           \
    }                                                                       \
  } while (0)

#define CHECK_MSG(err, text)                                                          \
  do {                                                                                \
    if (!strstr((err).message, (text))) {                                             \
      fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,     \
              (err).message, (text));                                                 \
      failures++;                                                                     \
    }                                                                                 \
  } while (0)

/* ---- a little box writer ---- */

#define MAX_BOXES 128
#define MAX_PATCHES 16

typedef struct patch {
  size_t pos;
  unsigned bytes;
  uint64_t addend; /* the value written is addend + the mdat payload offset */
} patch;

typedef struct wbuf {
  uint8_t *d;
  size_t n, cap;
  size_t open[16]; /* starts of the boxes being written */
  int depth;
  size_t boxes[MAX_BOXES]; /* start of every box written (for size mutations) */
  int skipped_top[MAX_BOXES]; /* a top-level box the reader skips (may be clipped) */
  int nboxes;
  patch patches[MAX_PATCHES];
  int npatches;
} wbuf;

static void put(wbuf *b, const void *src, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + n) cap *= 2;
    uint8_t *d = realloc(b->d, cap);
    if (!d) abort();
    b->d = d;
    b->cap = cap;
  }
  memcpy(b->d + b->n, src, n);
  b->n += n;
}

static void putn(wbuf *b, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++) {
    uint8_t c = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(b, &c, 1);
  }
}
static void put8(wbuf *b, uint64_t v) { putn(b, v, 1); }
static void put16(wbuf *b, uint64_t v) { putn(b, v, 2); }
static void put32(wbuf *b, uint64_t v) { putn(b, v, 4); }
static void put4cc(wbuf *b, const char *cc) { put(b, cc, 4); }
static void putstr(wbuf *b, const char *s) { put(b, s, strlen(s) + 1); }

static void patch_here(wbuf *b, unsigned bytes, uint64_t addend) {
  if (b->npatches == MAX_PATCHES) abort();
  b->patches[b->npatches++] = (patch){b->n, bytes, addend};
  putn(b, 0, bytes);
}

static void box_begin(wbuf *b, const char *type) {
  if (b->nboxes < MAX_BOXES) {
    b->skipped_top[b->nboxes] = b->depth == 0 && strcmp(type, "ftyp") && strcmp(type, "meta");
    b->boxes[b->nboxes++] = b->n;
  }
  b->open[b->depth++] = b->n;
  put32(b, 0);
  put4cc(b, type);
}

static void fullbox_begin(wbuf *b, const char *type, unsigned version, uint32_t flags) {
  box_begin(b, type);
  put32(b, ((uint32_t)version << 24) | flags);
}

static void setn(uint8_t *d, size_t pos, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++) d[pos + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static void box_end(wbuf *b) {
  size_t start = b->open[--b->depth];
  setn(b->d, start, b->n - start, 4);
}

static void wbuf_free(wbuf *b) {
  free(b->d);
  memset(b, 0, sizeof(*b));
}

/* ---- the reference file ---- */

typedef struct variant {
  const char *name;
  unsigned iloc_version;
  int wide;  /* 32-bit item ids everywhere (infe v3, pitm/iinf/iref/ipma v1; needs iloc v2) */
  unsigned off_size, len_size, base_size, index_size;
  int mdat_size0; /* write the mdat box with size 0 (up to the end of the file) */
} variant;

static const variant variants[] = {
    {"iloc v0, 16-bit ids", 0, 0, 4, 4, 4, 0, 0},
    {"iloc v1, no base offset", 1, 0, 4, 4, 0, 0, 0},
    {"iloc v1, 64-bit fields, extent_index", 1, 0, 8, 8, 8, 4, 0},
    {"iloc v2, 32-bit ids", 2, 1, 4, 4, 4, 0, 1},
    {"iloc v2, 32-bit ids, 64-bit offsets, 8-byte index", 2, 1, 8, 4, 0, 8, 0},
};

#define MDAT_LEN 64
#define IDAT_LEN 10

/* Item ids: small ones, or ones that need 32 bits. */
static uint32_t item_id(const variant *v, uint32_t n) { return v->wide ? 0x10000u + n : n; }

static const uint8_t icc_bytes[] = {'I', 'C', 'C', 0, 1, 2, 3};
static const uint8_t idat_bytes[IDAT_LEN] = {0xEE, 0xEE, 0, 0, 1, 1, 0, 64, 0, 48};

static void put_id(wbuf *b, const variant *v, uint32_t n) { putn(b, item_id(v, n), v->wide ? 4 : 2); }

static void write_infe(wbuf *b, const variant *v, uint32_t n, const char *type, uint32_t flags,
                       const char *name) {
  fullbox_begin(b, "infe", v->wide ? 3 : 2, flags);
  put_id(b, v, n);
  put16(b, 0);
  put4cc(b, type);
  putstr(b, name);
}

/* One iloc entry; offsets get the mdat payload offset added when rel_mdat. */
static void write_iloc_item(wbuf *b, const variant *v, uint32_t n, unsigned method, int rel_mdat,
                            unsigned count, const uint64_t *offs, const uint64_t *lens) {
  putn(b, item_id(v, n), v->iloc_version < 2 ? 2 : 4);
  if (v->iloc_version) put16(b, method);
  put16(b, 0); /* data_reference_index */
  int base_patched = rel_mdat && v->base_size;
  if (v->base_size) {
    if (base_patched) patch_here(b, v->base_size, 0);
    else putn(b, 0, v->base_size);
  }
  put16(b, count);
  for (unsigned e = 0; e < count; e++) {
    if (v->iloc_version && v->index_size) putn(b, e + 1, v->index_size);
    if (rel_mdat && !base_patched) patch_here(b, v->off_size, offs[e]);
    else putn(b, offs[e], v->off_size);
    putn(b, lens[e], v->len_size);
  }
}

static void write_hvcc(wbuf *b) {
  box_begin(b, "hvcC");
  put8(b, 1);                       /* configurationVersion */
  put8(b, 0x21);                    /* space 0, tier 1, profile 1 */
  put32(b, 0x60000000);             /* compatibility flags */
  putn(b, UINT64_C(0x900000000000), 6);
  put8(b, 93);                      /* level */
  put16(b, 0xF000 | 5);             /* min_spatial_segmentation_idc */
  put8(b, 0xFC | 1);                /* parallelismType */
  put8(b, 0xFC | 1);                /* chroma 4:2:0 */
  put8(b, 0xF8 | 2);                /* luma 10 bits */
  put8(b, 0xF8 | 2);                /* chroma 10 bits */
  put16(b, 0x1234);                 /* avgFrameRate */
  put8(b, (1 << 6) | (2 << 3) | (1 << 2) | 3);
  put8(b, 3);                       /* numOfArrays */
  put8(b, 0x80 | 32);
  put16(b, 1);
  put16(b, 3);
  put(b, "\x40\x01\xAA", 3);
  put8(b, 33);
  put16(b, 2);
  put16(b, 2);
  put(b, "\x42\x01", 2);
  put16(b, 4);
  put(b, "\x42\x01\xBB\xCC", 4);
  put8(b, 0x80 | 34);
  put16(b, 1);
  put16(b, 3);
  put(b, "\x44\x01\xC0", 3);
  box_end(b);
}

static void write_ipco(wbuf *b) {
  box_begin(b, "ipco");
  write_hvcc(b);                                   /* 1 */
  fullbox_begin(b, "ispe", 0, 0);                  /* 2 */
  put32(b, 64);
  put32(b, 48);
  box_end(b);
  box_begin(b, "colr");                            /* 3 */
  put4cc(b, "nclx");
  put16(b, 1);
  put16(b, 13);
  put16(b, 6);
  put8(b, 0x80);
  box_end(b);
  box_begin(b, "colr");                            /* 4 */
  put4cc(b, "prof");
  put(b, icc_bytes, sizeof(icc_bytes));
  box_end(b);
  fullbox_begin(b, "pixi", 0, 0);                  /* 5 */
  put8(b, 3);
  put(b, "\x08\x08\x0A", 3);
  box_end(b);
  box_begin(b, "irot");                            /* 6 */
  put8(b, 0xFD);                                   /* reserved bits set: angle 1 */
  box_end(b);
  box_begin(b, "imir");                            /* 7 */
  put8(b, 1);
  box_end(b);
  box_begin(b, "clap");                            /* 8 */
  put32(b, 60);
  put32(b, 1);
  put32(b, 40);
  put32(b, 1);
  put32(b, 0xFFFFFFFEu);                           /* -2 */
  put32(b, 1);
  put32(b, 3);
  put32(b, 2);
  box_end(b);
  fullbox_begin(b, "auxC", 0, 0);                  /* 9 */
  putstr(b, "urn:mpeg:hevc:2015:auxid:1");
  put(b, "\x11\x22", 2);
  box_end(b);
  box_begin(b, "abcd");                            /* 10: unknown */
  put32(b, 7);
  box_end(b);
  box_end(b);
}

static void write_ipma(wbuf *b, const variant *v) {
  fullbox_begin(b, "ipma", v->wide, 0);
  put32(b, 3);
  put_id(b, v, 1);
  put8(b, 5);
  put(b, "\x81\x02\x03\x04\x05", 5);
  put_id(b, v, 4);
  put8(b, 4);
  put(b, "\x02\x00\x06\x87", 4); /* 0: no property */
  put_id(b, v, 99);              /* an item iinf does not declare */
  put8(b, 1);
  put8(b, 1);
  box_end(b);
  fullbox_begin(b, "ipma", v->wide, 1); /* a second ipma, 15-bit indices */
  put32(b, 2);
  put_id(b, v, 1);
  put8(b, 1);
  put16(b, 8);
  put_id(b, v, 5);
  put8(b, 2);
  put16(b, 0x8009);
  put16(b, 10);
  box_end(b);
}

static void write_ref(wbuf *b, const variant *v, const char *type, uint32_t from, unsigned n,
                      const uint32_t *to) {
  box_begin(b, type);
  put_id(b, v, from);
  put16(b, n);
  for (unsigned i = 0; i < n; i++) put_id(b, v, to[i]);
  box_end(b);
}

/* Writes the reference file for variant v into b. */
static void build_file(wbuf *b, const variant *v) {
  memset(b, 0, sizeof(*b));
  box_begin(b, "ftyp");
  put4cc(b, "heic");
  put32(b, 7);
  put4cc(b, "mif1");
  put4cc(b, "heic");
  box_end(b);
  /* Boxes the reader must skip: a uuid box and a free box with a largesize. */
  box_begin(b, "uuid");
  put(b, "0123456789abcdef", 16);
  put32(b, 0);
  box_end(b);
  b->skipped_top[b->nboxes] = 1;
  b->boxes[b->nboxes++] = b->n;
  put32(b, 1);
  put4cc(b, "free");
  putn(b, 20, 8);
  put32(b, 0);

  fullbox_begin(b, "meta", 0, 0);
  fullbox_begin(b, "hdlr", 0, 0);
  put32(b, 0);
  put4cc(b, "pict");
  put32(b, 0);
  put32(b, 0);
  put32(b, 0);
  putstr(b, "");
  box_end(b);
  /* iloc before iinf: the reader must not depend on the order. */
  fullbox_begin(b, "iloc", v->iloc_version, 0);
  put8(b, (v->off_size << 4) | v->len_size);
  put8(b, (v->base_size << 4) | (v->iloc_version ? v->index_size : 0));
  unsigned nloc = v->iloc_version ? 4 : 3;
  putn(b, nloc, v->iloc_version < 2 ? 2 : 4);
  const uint64_t o1[] = {0, 20}, l1[] = {10, 5};
  write_iloc_item(b, v, 1, 0, 1, 2, o1, l1);
  const uint64_t o2[] = {30}, l2[] = {0}; /* length 0: to the end of the file */
  write_iloc_item(b, v, 2, 0, 1, 1, o2, l2);
  if (v->iloc_version) {
    const uint64_t o4[] = {2}, l4[] = {8}; /* in idat */
    write_iloc_item(b, v, 4, 1, 0, 1, o4, l4);
    const uint64_t o5[] = {0}, l5[] = {4};
    write_iloc_item(b, v, 5, 2, 0, 1, o5, l5);
  } else {
    const uint64_t o4[] = {40}, l4[] = {8};
    write_iloc_item(b, v, 4, 0, 1, 1, o4, l4);
  }
  box_end(b);
  fullbox_begin(b, "pitm", v->wide, 0);
  put_id(b, v, 1);
  box_end(b);
  fullbox_begin(b, "iinf", v->wide, 0);
  putn(b, 5, v->wide ? 4 : 2);
  write_infe(b, v, 1, "hvc1", 0, "");
  box_end(b);
  write_infe(b, v, 2, "Exif", 1, "exif");
  box_end(b);
  write_infe(b, v, 3, "mime", 0, "XMP");
  putstr(b, "application/rdf+xml");
  putstr(b, "gzip");
  box_end(b);
  write_infe(b, v, 4, "grid", 0, "g");
  box_end(b);
  write_infe(b, v, 5, "uri ", 0, "u");
  putstr(b, "urn:x");
  box_end(b);
  box_end(b);
  box_begin(b, "idat");
  put(b, idat_bytes, IDAT_LEN);
  box_end(b);
  fullbox_begin(b, "iref", v->wide, 0);
  write_ref(b, v, "dimg", 4, 2, (const uint32_t[]){1, 1});
  write_ref(b, v, "cdsc", 2, 1, (const uint32_t[]){1});
  write_ref(b, v, "thmb", 5, 1, (const uint32_t[]){1});
  box_end(b);
  box_begin(b, "iprp");
  write_ipma(b, v); /* ipma before ipco, too */
  write_ipco(b);
  box_end(b);
  box_begin(b, "grpl");
  fullbox_begin(b, "altr", 0, 0);
  put32(b, 100);
  put32(b, 2);
  put32(b, item_id(v, 1));
  put32(b, item_id(v, 4));
  box_end(b);
  fullbox_begin(b, "ster", 0, 0);
  put32(b, 101);
  put32(b, 2);
  put32(b, item_id(v, 1));
  put32(b, item_id(v, 5));
  box_end(b);
  box_end(b);
  box_begin(b, "dinf"); /* unknown child of meta */
  box_end(b);
  box_end(b); /* meta */

  box_begin(b, "mdat");
  size_t payload = b->n;
  for (int i = 0; i < MDAT_LEN; i++) put8(b, (uint8_t)(i * 7 + 1));
  box_end(b);
  if (v->mdat_size0) setn(b->d, payload - 8, 0, 4);
  for (int i = 0; i < b->npatches; i++)
    setn(b->d, b->patches[i].pos, b->patches[i].addend + payload, b->patches[i].bytes);
}

/* ---- parsing helpers ---- */

typedef struct env {
  heic_allocator *alloc;
  hc_mem mem;
} env;

static void env_init(env *e) {
  if (heic_allocator_new(&e->alloc, NULL) != HEIC_OK) abort();
  hc_mem_init(&e->mem, e->alloc, 0);
}

static void env_done(env *e) {
  CHECK(heic_allocator_outstanding_bytes(e->alloc) == 0);
  heic_allocator_free(&e->alloc);
}

/* Parses a private, exactly sized copy of data (so that ASan catches any
 * over-read).  *copy receives it, for spans into the file. */
static heic_status parse_copy(env *e, hf_file *f, const uint8_t *data, size_t size,
                              const hf_limits *lim, hc_err *err, uint8_t **copy) {
  *copy = malloc(size ? size : 1);
  if (!*copy) abort();
  if (size) memcpy(*copy, data, size);
  hc_err_clear(err);
  memset(f, 0, sizeof(*f));
  heic_status st = hf_parse(f, &e->mem, *copy, size, lim, err);
  if (st != HEIC_OK) {
    /* On failure nothing may stay allocated, and there must be a message. */
    CHECK(heic_allocator_outstanding_bytes(e->alloc) == 0);
    CHECK(err->message[0] != 0);
    CHECK(f->items == NULL && f->props == NULL && f->item_count == 0);
  }
  return st;
}

/* Fetches every item's data (the bounds checks must hold on any input). */
static void read_all_items(const hf_file *f) {
  for (uint32_t i = 0; i < f->item_count; i++) {
    hc_err err;
    hc_err_clear(&err);
    uint8_t *data = NULL;
    size_t size = 0;
    uint64_t total = 0;
    heic_status st = hf_item_data_size(f, &f->items[i], &total, &err);
    heic_status st2 = hf_item_data(f, &f->items[i], &data, &size, &err);
    CHECK(st == st2);
    if (st2 == HEIC_OK) CHECK(size == total);
    else CHECK(data == NULL && err.message[0]);
    hc_free(f->mem, data);
  }
}

static int span_is(hf_span s, const void *bytes, size_t n) {
  return s.size == n && (n == 0 || memcmp(s.data, bytes, n) == 0);
}

/* ---- the checks on the reference file ---- */

static void check_item_data(const hf_file *f, uint32_t id, const uint8_t *expect, size_t n) {
  hc_err err;
  hc_err_clear(&err);
  uint8_t *data = NULL;
  size_t size = 0;
  heic_status st = hf_item_data(f, hf_find_item(f, id), &data, &size, &err);
  CHECK(st == HEIC_OK);
  if (st == HEIC_OK) {
    CHECK(size == n);
    CHECK(size == n && memcmp(data, expect, n) == 0);
  } else {
    fprintf(stderr, "  item %u: %s\n", id, err.message);
  }
  hc_free(f->mem, data);
}

static void check_reference(const variant *v, const hf_file *f, const uint8_t *file) {
  size_t fsize = f->size;
  const uint8_t *mdat = file + fsize - MDAT_LEN;
  CHECK(f->has_ftyp);
  CHECK(f->major_brand == HF_4CC('h', 'e', 'i', 'c'));
  CHECK(f->minor_version == 7);
  CHECK(f->brand_count == 2);
  if (f->brand_count == 2) {
    CHECK(f->brands[0] == HF_4CC('m', 'i', 'f', '1'));
    CHECK(f->brands[1] == HF_4CC('h', 'e', 'i', 'c'));
  }
  CHECK(f->has_meta && !f->has_moov);
  CHECK(f->handler == HF_4CC('p', 'i', 'c', 't'));
  CHECK(f->primary_id == item_id(v, 1));

  /* items, in iinf order */
  CHECK(f->item_count == 5);
  if (f->item_count != 5) return;
  static const char *types[] = {"hvc1", "Exif", "mime", "grid", "uri "};
  static const char *names[] = {"", "exif", "XMP", "g", "u"};
  for (uint32_t i = 0; i < 5; i++) {
    const hf_item *it = &f->items[i];
    CHECK(it->id == item_id(v, i + 1));
    CHECK(hf_find_item(f, it->id) == it);
    CHECK(it->type == HF_4CC(types[i][0], types[i][1], types[i][2], types[i][3]));
    CHECK(it->name && strcmp(it->name, names[i]) == 0);
    CHECK(it->has_infe);
    CHECK(it->hidden == (i == 1));
    CHECK(it->protection_index == 0);
    CHECK(it->content_type && it->content_encoding && it->item_uri_type);
  }
  CHECK(strcmp(f->items[2].content_type, "application/rdf+xml") == 0);
  CHECK(strcmp(f->items[2].content_encoding, "gzip") == 0);
  CHECK(strcmp(f->items[0].content_type, "") == 0);
  CHECK(strcmp(f->items[4].item_uri_type, "urn:x") == 0);
  CHECK(hf_find_item(f, item_id(v, 6)) == NULL);
  CHECK(hf_find_item(f, 99) == NULL);

  /* iloc */
  const hf_item *i1 = &f->items[0], *i2 = &f->items[1], *i3 = &f->items[2];
  const hf_item *i4 = &f->items[3], *i5 = &f->items[4];
  CHECK(i1->has_location && i1->construction_method == 0 && i1->extent_count == 2);
  if (i1->extent_count == 2) {
    CHECK(i1->extents[0].offset == (uint64_t)(mdat - file) && i1->extents[0].length == 10);
    CHECK(i1->extents[1].offset == (uint64_t)(mdat - file) + 20 && i1->extents[1].length == 5);
  }
  CHECK(i2->has_location && i2->extent_count == 1);
  if (i2->extent_count == 1) CHECK(i2->extents[0].length == 0);
  CHECK(!i3->has_location && i3->extent_count == 0);
  CHECK(i4->has_location && i4->construction_method == (v->iloc_version ? 1 : 0));
  CHECK(i5->has_location == (v->iloc_version != 0));
  if (v->iloc_version) CHECK(i5->construction_method == 2);

  /* item data: two extents concatenated; length 0 up to the end; idat */
  uint8_t expect1[15];
  memcpy(expect1, mdat, 10);
  memcpy(expect1 + 10, mdat + 20, 5);
  check_item_data(f, item_id(v, 1), expect1, 15);
  check_item_data(f, item_id(v, 2), mdat + 30, MDAT_LEN - 30);
  check_item_data(f, item_id(v, 4), v->iloc_version ? idat_bytes + 2 : mdat + 40, 8);
  uint64_t total = 0;
  hc_err err;
  hc_err_clear(&err);
  CHECK(hf_item_data_size(f, i1, &total, &err) == HEIC_OK && total == 15);
  CHECK(span_is(f->idat, idat_bytes, IDAT_LEN));
  uint8_t *data = (uint8_t *)1;
  size_t size = 1;
  hc_err_clear(&err);
  CHECK(hf_item_data(f, i3, &data, &size, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK(data == NULL && size == 0);
  char msg[64];
  snprintf(msg, sizeof(msg), "item %u has no data (no iloc entry)", i3->id);
  CHECK_MSG(err, msg);
  if (v->iloc_version) {
    hc_err_clear(&err);
    CHECK(hf_item_data(f, i5, &data, &size, &err) == HEIC_ERR_UNSUPPORTED);
    CHECK_MSG(err, "construction method 2");
  }

  /* iref, in order */
  CHECK(f->ref_count == 3);
  if (f->ref_count == 3) {
    CHECK(f->refs[0].type == HF_4CC('d', 'i', 'm', 'g') && f->refs[0].from == item_id(v, 4));
    CHECK(f->refs[0].count == 2 && f->refs[0].to[0] == item_id(v, 1) &&
          f->refs[0].to[1] == item_id(v, 1));
    CHECK(f->refs[1].type == HF_4CC('c', 'd', 's', 'c') && f->refs[1].from == item_id(v, 2));
    CHECK(f->refs[1].count == 1 && f->refs[1].to[0] == item_id(v, 1));
    CHECK(f->refs[2].type == HF_4CC('t', 'h', 'm', 'b') && f->refs[2].from == item_id(v, 5));
  }
  CHECK(hf_find_ref(f, item_id(v, 4), HF_4CC('d', 'i', 'm', 'g')) == &f->refs[0]);
  CHECK(hf_find_ref(f, item_id(v, 4), HF_4CC('t', 'h', 'm', 'b')) == NULL);
  CHECK(hf_find_ref(f, item_id(v, 1), HF_4CC('d', 'i', 'm', 'g')) == NULL);

  /* properties */
  CHECK(f->prop_count == 10);
  if (f->prop_count != 10) return;
  const hf_property *p = f->props;
  CHECK(p[0].type == HF_4CC('h', 'v', 'c', 'C') && p[0].parsed);
  const hf_hvcc *h = &p[0].u.hvcc;
  CHECK(h->configuration_version == 1);
  CHECK(h->general_profile_space == 0 && h->general_tier_flag == 1 && h->general_profile_idc == 1);
  CHECK(h->general_profile_compatibility_flags == 0x60000000u);
  CHECK(h->general_constraint_indicator_flags == UINT64_C(0x900000000000));
  CHECK(h->general_level_idc == 93);
  CHECK(h->min_spatial_segmentation_idc == 5 && h->parallelism_type == 1);
  CHECK(h->chroma_format_idc == 1 && h->bit_depth_luma == 10 && h->bit_depth_chroma == 10);
  CHECK(h->avg_frame_rate == 0x1234 && h->constant_frame_rate == 1);
  CHECK(h->num_temporal_layers == 2 && h->temporal_id_nested == 1 && h->length_size == 4);
  CHECK(h->array_count == 3);
  if (h->array_count == 3) {
    CHECK(h->arrays[0].nal_type == 32 && h->arrays[0].array_completeness == 1);
    CHECK(h->arrays[0].count == 1 && span_is(h->arrays[0].nals[0], "\x40\x01\xAA", 3));
    CHECK(h->arrays[1].nal_type == 33 && h->arrays[1].array_completeness == 0);
    CHECK(h->arrays[1].count == 2 && span_is(h->arrays[1].nals[0], "\x42\x01", 2) &&
          span_is(h->arrays[1].nals[1], "\x42\x01\xBB\xCC", 4));
    CHECK(h->arrays[2].nal_type == 34 && h->arrays[2].count == 1 &&
          span_is(h->arrays[2].nals[0], "\x44\x01\xC0", 3));
    /* spans point into the file, not into copies */
    CHECK(h->arrays[0].nals[0].data > file && h->arrays[0].nals[0].data < file + fsize);
  }
  CHECK(p[1].parsed && p[1].u.ispe.width == 64 && p[1].u.ispe.height == 48);
  CHECK(p[2].parsed && p[2].u.colr.kind == HF_COLR_NCLX);
  CHECK(p[2].u.colr.nclx.colour_primaries == 1 && p[2].u.colr.nclx.transfer_characteristics == 13);
  CHECK(p[2].u.colr.nclx.matrix_coefficients == 6 && p[2].u.colr.nclx.full_range == 1);
  CHECK(p[3].parsed && p[3].u.colr.kind == HF_COLR_ICC);
  CHECK(span_is(p[3].u.colr.icc, icc_bytes, sizeof(icc_bytes)));
  CHECK(p[4].parsed && p[4].u.pixi.channels == 3 && p[4].u.pixi.depth[0] == 8 &&
        p[4].u.pixi.depth[2] == 10);
  CHECK(p[5].parsed && p[5].u.irot.angle == 1);
  CHECK(p[6].parsed && p[6].u.imir.axis == 1);
  const hf_clap *c = &p[7].u.clap;
  CHECK(p[7].parsed && c->width_n == 60 && c->width_d == 1 && c->height_n == 40 &&
        c->height_d == 1);
  CHECK(c->horiz_off_n == -2 && c->horiz_off_d == 1 && c->vert_off_n == 3 && c->vert_off_d == 2);
  CHECK(p[8].parsed && p[8].u.auxc.aux_type &&
        strcmp(p[8].u.auxc.aux_type, "urn:mpeg:hevc:2015:auxid:1") == 0);
  CHECK(span_is(p[8].u.auxc.subtype, "\x11\x22", 2));
  CHECK(p[9].type == HF_4CC('a', 'b', 'c', 'd') && !p[9].parsed);

  /* ipma: two boxes, 7- and 15-bit indices, essential bits, index 0 skipped */
  CHECK(i1->assoc_count == 6);
  if (i1->assoc_count == 6) {
    static const uint32_t idx[] = {0, 1, 2, 3, 4, 7};
    for (int i = 0; i < 6; i++) {
      CHECK(i1->assocs[i].index == idx[i]);
      CHECK(i1->assocs[i].essential == (i == 0));
    }
  }
  CHECK(i4->assoc_count == 3);
  if (i4->assoc_count == 3) {
    CHECK(i4->assocs[0].index == 1 && i4->assocs[1].index == 5 && i4->assocs[2].index == 6);
    CHECK(!i4->assocs[0].essential && i4->assocs[2].essential);
  }
  CHECK(i5->assoc_count == 2);
  if (i5->assoc_count == 2) {
    CHECK(i5->assocs[0].index == 8 && i5->assocs[0].essential);
    CHECK(i5->assocs[1].index == 9 && !i5->assocs[1].essential);
  }
  CHECK(i2->assoc_count == 0);
  CHECK(hf_item_property(f, i1, HF_4CC('c', 'o', 'l', 'r')) == &p[2]); /* the first one */
  CHECK(hf_item_property(f, i1, HF_4CC('c', 'l', 'a', 'p')) == &p[7]);
  CHECK(hf_item_property(f, i1, HF_4CC('i', 'r', 'o', 't')) == NULL);
  CHECK(hf_item_property(f, i2, HF_4CC('i', 's', 'p', 'e')) == NULL);

  /* grpl */
  CHECK(f->group_count == 2);
  if (f->group_count == 2) {
    CHECK(f->groups[0].type == HF_4CC('a', 'l', 't', 'r') && f->groups[0].group_id == 100);
    CHECK(f->groups[0].count == 2 && f->groups[0].entities[0] == item_id(v, 1) &&
          f->groups[0].entities[1] == item_id(v, 4));
    CHECK(f->groups[1].type == HF_4CC('s', 't', 'e', 'r') && f->groups[1].group_id == 101);
  }
}

static void test_reference_files(void) {
  for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
    const variant *v = &variants[k];
    env e;
    env_init(&e);
    wbuf b;
    build_file(&b, v);
    hf_file f;
    hc_err err;
    uint8_t *copy;
    heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy);
    CHECK(st == HEIC_OK);
    if (st == HEIC_OK) check_reference(v, &f, copy);
    else fprintf(stderr, "  %s: %s\n", v->name, err.message);
    hf_file_clear(&f);
    CHECK(f.items == NULL && f.item_count == 0 && f.mem == NULL);
    hf_file_clear(&f); /* twice is harmless */
    free(copy);
    wbuf_free(&b);
    env_done(&e);
  }
}

/* ---- the box reader on its own ---- */

static void test_box_reader(void) {
  wbuf b;
  memset(&b, 0, sizeof(b));
  box_begin(&b, "uuid");
  put(&b, "0123456789abcdef", 16);
  put(&b, "ab\0cd", 5); /* a string, then one without its NUL */
  box_end(&b);
  put32(&b, 1); /* largesize */
  put4cc(&b, "big ");
  putn(&b, 16 + 11, 8);
  put16(&b, 0x0102);
  put32(&b, 0x03040506);
  put(&b, "\x07\x08\x09\x0A\x0B", 5);
  put32(&b, 0); /* size 0: to the end */
  put4cc(&b, "last");
  put8(&b, 0xFF);
  uint8_t *data = malloc(b.n);
  if (!data) abort();
  memcpy(data, b.d, b.n);
  hc_err err;
  hc_err_clear(&err);
  hf_reader r, body;
  hf_box box;
  hf_reader_init(&r, data, b.n);
  CHECK(hf_box_next(&r, &box, &body, 16, &err) == HEIC_OK);
  CHECK(box.type == HF_4CC('u', 'u', 'i', 'd') && box.header_size == 24 && box.size == 29);
  CHECK(memcmp(box.uuid, "0123456789abcdef", 16) == 0 && body.depth == 1);
  CHECK(hf_reader_remaining(&body) == 5);
  hf_span str = hf_read_cstr(&body);
  CHECK(span_is(str, "ab", 2) && hf_reader_remaining(&body) == 2);
  str = hf_read_cstr(&body);
  CHECK(span_is(str, "cd", 2) && !body.error);
  str = hf_read_cstr(&body); /* nothing left: missing */
  CHECK(body.error && str.size == 0);

  CHECK(hf_box_next(&r, &box, &body, 16, &err) == HEIC_OK);
  CHECK(box.type == HF_4CC('b', 'i', 'g', ' ') && box.header_size == 16 && box.size == 27);
  CHECK(hf_read_uint(&body, 0) == 0);
  CHECK(hf_read_u16(&body) == 0x0102 && hf_read_u32(&body) == 0x03040506);
  CHECK(hf_read_uint(&body, 3) == 0x070809);
  CHECK(hf_read_u32(&body) == 0 && body.error); /* 2 bytes left: refused, sticky */
  CHECK(hf_reader_remaining(&body) == 2);
  CHECK(hf_read_u8(&body) == 0 && hf_read_span(&body, 1) == NULL);

  CHECK(hf_box_next(&r, &box, &body, 16, &err) == HEIC_OK);
  CHECK(box.type == HF_4CC('l', 'a', 's', 't') && box.size == 9 && box.declared_size == 0);
  CHECK(hf_reader_remaining(&r) == 0 && hf_read_u8(&body) == 0xFF);

  /* depth: the file's boxes are at depth 1 */
  hf_reader_init(&r, data, b.n);
  CHECK(hf_box_next(&r, &box, &body, 0, &err) == HEIC_ERR_LIMIT_EXCEEDED);
  CHECK_MSG(err, "at offset 0 is nested 1 deep, more than the limit of 0 (max_box_depth)");
  free(data);
  wbuf_free(&b);
}

/* ---- damaged files ---- */

/* Truncation at every byte: each prefix fails cleanly or parses. */
static void test_truncation(void) {
  for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
    env e;
    env_init(&e);
    wbuf b;
    build_file(&b, &variants[k]);
    size_t mdat_start = b.n - MDAT_LEN - 8;
    for (size_t n = 0; n < b.n; n++) {
      hf_file f;
      hc_err err;
      uint8_t *copy;
      heic_status st = parse_copy(&e, &f, b.d, n, NULL, &err, &copy);
      /* Whole: the prefix that ends exactly before mdat, and any that keeps
       * mdat's header (a last box cut short is accepted; its items' data
       * is then refused one by one). */
      int whole = n == mdat_start || n >= mdat_start + 8;
      if (n == mdat_start) {
        CHECK(st == HEIC_OK);
        if (st == HEIC_OK) {
          /* item 1's data lay in the missing mdat */
          hc_err_clear(&err);
          uint8_t *data = NULL;
          size_t size;
          CHECK(hf_item_data(&f, hf_find_item(&f, item_id(&variants[k], 1)), &data, &size,
                             &err) == HEIC_ERR_INVALID_INPUT);
          CHECK_MSG(err, "lies past the end of the file");
          char msg[64];
          snprintf(msg, sizeof(msg), "file size %zu)", n);
          CHECK_MSG(err, msg);
        }
      } else {
        CHECK(st == (whole ? HEIC_OK : HEIC_ERR_INVALID_INPUT));
        if (st == HEIC_OK) {
          /* item 1 is the first 25 bytes of mdat's payload */
          uint64_t total;
          hc_err_clear(&err);
          heic_status ds =
              hf_item_data_size(&f, hf_find_item(&f, item_id(&variants[k], 1)), &total, &err);
          CHECK(ds == (n >= mdat_start + 8 + 25 ? HEIC_OK : HEIC_ERR_INVALID_INPUT));
        }
      }
      if (st == HEIC_OK) read_all_items(&f);
      hf_file_clear(&f);
      CHECK(heic_allocator_outstanding_bytes(e.alloc) == 0);
      free(copy);
    }
    wbuf_free(&b);
    env_done(&e);
  }
}

/* Every box's size field replaced by 0, 1, 7, 0xFFFFFFFF and "past the end". */
static void test_box_sizes(void) {
  for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
    env e;
    env_init(&e);
    wbuf b;
    build_file(&b, &variants[k]);
    uint8_t *m = malloc(b.n);
    if (!m) abort();
    size_t mdat_start = b.n - MDAT_LEN - 8;
    for (int i = 0; i < b.nboxes; i++) {
      size_t at = b.boxes[i];
      const uint64_t sizes[] = {0, 1, 7, 0xFFFFFFFFu, b.n - at + 1};
      for (int s = 0; s < 5; s++) {
        memcpy(m, b.d, b.n);
        setn(m, at, sizes[s], 4);
        hf_file f;
        hc_err err;
        uint8_t *copy;
        heic_status st = parse_copy(&e, &f, m, b.n, NULL, &err, &copy);
        if (s >= 3 && b.skipped_top[i]) {
          /* A skipped top-level box may run past the end of the file: the
           * last one (mdat) is then merely short, an earlier one swallows
           * the meta box after it. */
          CHECK(st == (at == mdat_start ? HEIC_OK : HEIC_ERR_INVALID_INPUT));
        } else if (s >= 2) {
          /* Too small for a header, or larger than its parent: fatal, and
           * the message names the offset of the box. */
          CHECK(st == HEIC_ERR_INVALID_INPUT);
          char off[48];
          snprintf(off, sizeof(off), "at offset %zu", at);
          if (st != HEIC_OK) CHECK_MSG(err, off);
        }
        if (st == HEIC_OK) read_all_items(&f);
        hf_file_clear(&f);
        CHECK(heic_allocator_outstanding_bytes(e.alloc) == 0);
        free(copy);
      }
    }
    free(m);
    wbuf_free(&b);
    env_done(&e);
  }
}

/* Fault injection: fail each allocation of a parse in turn. */
static void test_allocation_failures(void) {
  env e;
  env_init(&e);
  wbuf b;
  build_file(&b, &variants[2]);
  hf_file f;
  hc_err err;
  uint8_t *copy;
  uint64_t before = heic_allocator_allocation_count(e.alloc);
  CHECK(parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy) == HEIC_OK);
  uint64_t count = heic_allocator_allocation_count(e.alloc) - before;
  hf_file_clear(&f);
  free(copy);
  CHECK(count > 10);
  for (uint64_t n = 1; n <= count; n++) {
    heic_allocator_fail_at(e.alloc, n);
    heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy);
    CHECK(st == HEIC_ERR_OUT_OF_MEMORY);
    hf_file_clear(&f);
    CHECK(heic_allocator_outstanding_bytes(e.alloc) == 0);
    free(copy);
  }
  heic_allocator_fail_at(e.alloc, 0);
  wbuf_free(&b);
  env_done(&e);
}

static void test_limits(void) {
  const variant *v = &variants[0];
  wbuf b;
  build_file(&b, v);
  struct {
    hf_limits lim;
    heic_status expect;
    const char *text;
  } cases[] = {
      {{4, 0, 0}, HEIC_ERR_LIMIT_EXCEEDED, "file has 5 items, more than the limit of 4 (max_items)"},
      {{5, 0, 0}, HEIC_OK, NULL},
      {{0, 3, 0}, HEIC_ERR_LIMIT_EXCEEDED, "nested 4 deep, more than the limit of 3 (max_box_depth)"},
      {{0, 1, 0}, HEIC_ERR_LIMIT_EXCEEDED, "(max_box_depth)"},
      {{0, 4, 0}, HEIC_OK, NULL},
      {{0, 0, 64 * 48 - 1}, HEIC_ERR_LIMIT_EXCEEDED, "64x48 pixels exceeds the limit of 3071 (max_pixels)"},
      {{0, 0, 64 * 48}, HEIC_OK, NULL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    env e;
    env_init(&e);
    hf_file f;
    hc_err err;
    uint8_t *copy;
    heic_status st = parse_copy(&e, &f, b.d, b.n, &cases[i].lim, &err, &copy);
    CHECK(st == cases[i].expect);
    if (cases[i].text) CHECK_MSG(err, cases[i].text);
    hf_file_clear(&f);
    free(copy);
    env_done(&e);
  }
  wbuf_free(&b);
}

/* A file from the pieces given: ftyp (unless no_ftyp), then `body` boxes. */
typedef void (*body_fn)(wbuf *b);

static heic_status parse_built(body_fn body, int with_ftyp, hc_err *err) {
  env e;
  env_init(&e);
  wbuf b;
  memset(&b, 0, sizeof(b));
  if (with_ftyp) {
    box_begin(&b, "ftyp");
    put4cc(&b, "heic");
    put32(&b, 0);
    put4cc(&b, "mif1");
    put(&b, "he", 2); /* a partial brand is ignored */
    box_end(&b);
  }
  body(&b);
  hf_file f;
  uint8_t *copy;
  heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, err, &copy);
  if (st == HEIC_OK) {
    CHECK(f.brand_count == 1);
    read_all_items(&f);
  }
  hf_file_clear(&f);
  free(copy);
  wbuf_free(&b);
  env_done(&e);
  return st;
}

static void meta_begin(wbuf *b) {
  fullbox_begin(b, "meta", 0, 0);
  fullbox_begin(b, "hdlr", 0, 0);
  put32(b, 0);
  put4cc(b, "pict");
  put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0", 13);
  box_end(b);
}

static void infe2(wbuf *b, uint32_t id, const char *type) {
  fullbox_begin(b, "infe", 2, 0);
  put16(b, id);
  put16(b, 0);
  put4cc(b, type);
  putstr(b, "");
  box_end(b);
}

static void body_empty_meta(wbuf *b) {
  meta_begin(b);
  box_end(b);
}
static void body_nothing(wbuf *b) {
  box_begin(b, "mdat");
  put32(b, 0);
  box_end(b);
}
static void body_moov(wbuf *b) {
  box_begin(b, "moov");
  box_begin(b, "mvhd");
  box_end(b);
  box_end(b);
}
static void body_mini(wbuf *b) {
  box_begin(b, "mini");
  put(b, "\x00\x01\x02\x03\x04\x05\x06\x07", 8);
  box_end(b);
}
static void body_dup_ids(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 2);
  infe2(b, 7, "hvc1");
  infe2(b, 7, "Exif");
  box_end(b);
  box_end(b);
}
static void body_ipma_range(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 1, "hvc1");
  box_end(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  for (int i = 0; i < 12; i++) {
    box_begin(b, "free");
    box_end(b);
  }
  box_end(b);
  fullbox_begin(b, "ipma", 0, 0);
  put32(b, 1);
  put16(b, 1);
  put8(b, 1);
  put8(b, 17);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_short_ispe(wbuf *b) {
  meta_begin(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  fullbox_begin(b, "ispe", 0, 0);
  put32(b, 64); /* height missing */
  box_end(b);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_hvcc_overcount(wbuf *b) {
  meta_begin(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  box_begin(b, "hvcC");
  put(b, "\x01\x01\x60\0\0\0\0\0\0\0\0\0\x5d\xf0\0\xfc\xfd\xf8\xf8\0\0\x0f", 22);
  put8(b, 200); /* 200 arrays announced, none present */
  box_end(b);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_infe_v0_and_unknowns(wbuf *b) {
  box_begin(b, "skip"); /* unknown top-level box */
  box_end(b);
  meta_begin(b);
  fullbox_begin(b, "iinf", 1, 0); /* v1: 32-bit count */
  put32(b, 2);
  fullbox_begin(b, "infe", 0, 0);
  put16(b, 3);
  put16(b, 0);
  putstr(b, "old");
  putstr(b, "text/plain");
  box_end(b);
  fullbox_begin(b, "infe", 2, 0);
  put16(b, 4);
  put16(b, 0);
  put4cc(b, "mime");
  putstr(b, "m");
  put(b, "a/b", 3); /* last string without its NUL */
  box_end(b);
  box_end(b);
  fullbox_begin(b, "iloc", 1, 0);
  put8(b, 0x00); /* offset_size 0, length_size 0: the whole idat */
  put8(b, 0x00);
  put16(b, 1);
  put16(b, 3);
  put16(b, 1); /* construction method 1 */
  put16(b, 0);
  put16(b, 1);
  box_end(b);
  box_begin(b, "idat");
  put(b, "hello", 5);
  box_end(b);
  box_end(b);
  /* A last box of size 0 runs to the end of the file. */
  put32(b, 0);
  put4cc(b, "mdat");
  put32(b, 0);
}
static void body_extent_past_end(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 5, "hvc1");
  box_end(b);
  fullbox_begin(b, "iloc", 0, 0);
  put8(b, 0x44);
  put8(b, 0x00);
  put16(b, 1);
  put16(b, 5);
  put16(b, 0);
  put16(b, 1);
  put32(b, 123456);
  put32(b, 9999);
  box_end(b);
  box_end(b);
}
static void body_bad_iloc_size(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iloc", 0, 0);
  put8(b, 0x34); /* offset_size 3 */
  put8(b, 0x00);
  put16(b, 0);
  box_end(b);
  box_end(b);
}
static void body_too_many_declared(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 1, 0);
  put32(b, 0xFFFFFFFFu); /* declared, not present */
  box_end(b);
  box_end(b);
}

/* 7-bit indices up to 127 and 15-bit ones past 255: 300 properties. */
static void body_many_props(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 1, "hvc1");
  box_end(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  for (int i = 1; i <= 300; i++) {
    if (i == 65 || i == 127 || i == 300) {
      box_begin(b, "irot");
      put8(b, (uint8_t)(i & 3));
    } else {
      box_begin(b, "free");
    }
    box_end(b);
  }
  box_end(b);
  fullbox_begin(b, "ipma", 0, 0);
  put32(b, 1);
  put16(b, 1);
  put8(b, 2);
  put8(b, 65);
  put8(b, 0x80 | 127);
  box_end(b);
  fullbox_begin(b, "ipma", 0, 1);
  put32(b, 1);
  put16(b, 1);
  put8(b, 1);
  put16(b, 0x8000 | 300);
  box_end(b);
  box_end(b);
  box_end(b);
}

static void test_property_indices(void) {
  env e;
  env_init(&e);
  wbuf b;
  memset(&b, 0, sizeof(b));
  box_begin(&b, "ftyp");
  put4cc(&b, "mif1");
  put32(&b, 0);
  box_end(&b);
  body_many_props(&b);
  hf_file f;
  hc_err err;
  uint8_t *copy;
  heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy);
  CHECK(st == HEIC_OK);
  if (st == HEIC_OK) {
    CHECK(f.prop_count == 300);
    const hf_item *it = hf_find_item(&f, 1);
    CHECK(it && it->assoc_count == 3);
    if (it && it->assoc_count == 3) {
      CHECK(it->assocs[0].index == 64 && !it->assocs[0].essential);
      CHECK(it->assocs[1].index == 126 && it->assocs[1].essential);
      CHECK(it->assocs[2].index == 299 && it->assocs[2].essential);
      const hf_property *p = hf_item_property(&f, it, HF_4CC('i', 'r', 'o', 't'));
      CHECK(p == &f.props[64] && p->parsed && p->u.irot.angle == 1);
      CHECK(f.props[299].u.irot.angle == 0 && f.props[126].u.irot.angle == 3);
    }
  }
  hf_file_clear(&f);
  free(copy);
  wbuf_free(&b);
  env_done(&e);
}

/* Counts announced larger than their box: each must be refused before it
 * is allocated for (a few bytes of file must not cost megabytes). */
static void body_big_extent_count(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 1, "hvc1");
  box_end(b);
  fullbox_begin(b, "iloc", 0, 0);
  put8(b, 0x44);
  put8(b, 0x00);
  put16(b, 1);
  put16(b, 1);
  put16(b, 0);
  put16(b, 0xFFFF);
  put32(b, 0);
  box_end(b);
  box_end(b);
}
static void body_big_nal_count(wbuf *b) {
  meta_begin(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  box_begin(b, "hvcC");
  put(b, "\x01\x01\x60\0\0\0\0\0\0\0\0\0\x5d\xf0\0\xfc\xfd\xf8\xf8\0\0\x0f", 22);
  put8(b, 1);
  put8(b, 32);
  put16(b, 0xFFFF);
  put16(b, 0);
  box_end(b);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_big_ref_count(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iref", 1, 0);
  box_begin(b, "dimg");
  put32(b, 1);
  put16(b, 0xFFFF);
  put32(b, 2);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_big_group(wbuf *b) {
  meta_begin(b);
  box_begin(b, "grpl");
  fullbox_begin(b, "altr", 0, 0);
  put32(b, 1);
  put32(b, 0xFFFFFFFFu);
  put32(b, 1);
  box_end(b);
  box_end(b);
  box_end(b);
}
static void body_idat_missing(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 1, "grid");
  box_end(b);
  fullbox_begin(b, "iloc", 1, 0);
  put8(b, 0x44);
  put8(b, 0x00);
  put16(b, 1);
  put16(b, 1);
  put16(b, 1); /* construction method 1, but there is no idat */
  put16(b, 0);
  put16(b, 1);
  put32(b, 0);
  put32(b, 4);
  box_end(b);
  box_end(b);
}

static heic_status parse_small(body_fn body, hc_err *err, size_t *peak, const char *data_error) {
  env e;
  env_init(&e);
  wbuf b;
  memset(&b, 0, sizeof(b));
  box_begin(&b, "ftyp");
  put4cc(&b, "mif1");
  put32(&b, 0);
  box_end(&b);
  body(&b);
  hf_file f;
  uint8_t *copy;
  heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, err, &copy);
  *peak = heic_allocator_peak_bytes(e.alloc);
  if (st == HEIC_OK && data_error) {
    uint8_t *data = NULL;
    size_t size;
    hc_err e2;
    hc_err_clear(&e2);
    CHECK(hf_item_data(&f, &f.items[0], &data, &size, &e2) == HEIC_ERR_INVALID_INPUT);
    CHECK_MSG(e2, data_error);
  }
  hf_file_clear(&f);
  free(copy);
  wbuf_free(&b);
  env_done(&e);
  return st;
}

static void test_announced_counts(void) {
  body_fn bodies[] = {body_big_extent_count, body_big_nal_count, body_big_ref_count,
                      body_big_group};
  const char *boxes[] = {"'iloc'", "'hvcC'", "'dimg'", "'altr'"};
  for (int i = 0; i < 4; i++) {
    hc_err err;
    size_t peak;
    CHECK(parse_small(bodies[i], &err, &peak, NULL) == HEIC_ERR_INVALID_INPUT);
    CHECK_MSG(err, boxes[i]);
    CHECK_MSG(err, "is truncated");
    CHECK(peak < 4096);
  }
  hc_err err;
  size_t peak;
  CHECK(parse_small(body_idat_missing, &err, &peak, "item 1 is stored in 'idat' but the file has no idat box") == HEIC_OK);
}

/* One item repeated in 3000 ipma entries, and more properties than ipma
 * can index. */
static void body_repeated_assocs(wbuf *b) {
  meta_begin(b);
  fullbox_begin(b, "iinf", 0, 0);
  put16(b, 1);
  infe2(b, 1, "hvc1");
  box_end(b);
  box_begin(b, "iprp");
  box_begin(b, "ipco");
  for (int i = 0; i < 32770; i++) {
    box_begin(b, "free");
    box_end(b);
  }
  box_end(b);
  fullbox_begin(b, "ipma", 0, 0);
  put32(b, 3000);
  for (int i = 0; i < 3000; i++) {
    put16(b, 1);
    put8(b, 1);
    put8(b, 1 + i % 100);
  }
  box_end(b);
  box_end(b);
  box_end(b);
}

static void test_repetition(void) {
  env e;
  env_init(&e);
  wbuf b;
  memset(&b, 0, sizeof(b));
  box_begin(&b, "ftyp");
  put4cc(&b, "mif1");
  put32(&b, 0);
  box_end(&b);
  body_repeated_assocs(&b);
  hf_file f;
  hc_err err;
  uint8_t *copy;
  uint64_t before = heic_allocator_allocation_count(e.alloc);
  heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy);
  CHECK(st == HEIC_OK);
  /* geometric growth: a few dozen allocations, not one per entry */
  CHECK(heic_allocator_allocation_count(e.alloc) - before < 100);
  if (st == HEIC_OK) {
    CHECK(f.prop_count == 32767);
    CHECK(f.item_count == 1 && f.items[0].assoc_count == 3000);
    if (f.items[0].assoc_count == 3000) CHECK(f.items[0].assocs[2999].index == 2999 % 100);
  }
  hf_file_clear(&f);
  free(copy);
  wbuf_free(&b);
  env_done(&e);
}

static void test_structure_errors(void) {
  hc_err err;
  CHECK(parse_built(body_empty_meta, 1, &err) == HEIC_OK);
  CHECK(parse_built(body_empty_meta, 0, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "no 'ftyp' box");
  CHECK(parse_built(body_nothing, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "file has no 'meta' box (not a HEIF still image)");
  CHECK(parse_built(body_moov, 1, &err) == HEIC_ERR_UNSUPPORTED);
  CHECK_MSG(err, "image sequences without a still image are not supported");
  /* The compact form (ISO/IEC 23008-12 amendment): a 'mini' box where
   * 'meta' would be, refused by name rather than as "no 'meta' box". */
  CHECK(parse_built(body_mini, 1, &err) == HEIC_ERR_UNSUPPORTED);
  CHECK_MSG(err, "compact ('mini' box, brand mif3) HEIF files are not supported");
  CHECK(parse_built(body_dup_ids, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "item id 7 appears twice");
  CHECK(parse_built(body_ipma_range, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "ipma references property 17 but ipco holds 12");
  CHECK(parse_built(body_short_ispe, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "'ispe'");
  CHECK(parse_built(body_hvcc_overcount, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "'hvcC'");
  CHECK(parse_built(body_bad_iloc_size, 1, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "iloc: offset_size 3 is not 0, 4 or 8");
  CHECK(parse_built(body_too_many_declared, 1, &err) == HEIC_ERR_LIMIT_EXCEEDED);
  CHECK_MSG(err, "(max_items)");

  /* Other image formats are named, not called "no 'ftyp' box". */
  {
    static const struct {
      const char *bytes;
      size_t size;
      const char *says;
    } other[] = {
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "this is a PNG file, not a HEIF file"},
        {"\xff\xd8\xff\xe0\0\x10JFIF\0", 11, "this is a JPEG file, not a HEIF file"},
        {"GIF89a\x01\0\x01\0", 10, "this is a GIF file, not a HEIF file"},
        {"RIFF\x24\0\0\0WEBPVP8 ", 16, "this is a WebP file, not a HEIF file"},
        {"II*\0\x08\0\0\0", 8, "this is a TIFF file, not a HEIF file"},
        {"MM\0*\0\0\0\x08", 8, "this is a TIFF file, not a HEIF file"},
        {"YUV4MPEG2 W2 H2 F25:1\n", 22, "this is a Y4M (YUV4MPEG2) file, not a HEIF file"},
        {"\xff\x0a\xfa\x1f", 4, "this is a JPEG XL file, not a HEIF file"},
        {"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14" "ftypjxl ", 24,
         "this is a JPEG XL file, not a HEIF file"},
        /* RIFF that is not WebP (a WAV file): no name to give */
        {"RIFF\x24\0\0\0WAVEfmt ", 16, "no 'ftyp' box"},
    };
    for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
      env e;
      env_init(&e);
      hf_file f;
      uint8_t *copy;
      CHECK(parse_copy(&e, &f, (const uint8_t *)other[k].bytes, other[k].size, NULL, &err, &copy) ==
            HEIC_ERR_INVALID_INPUT);
      CHECK_MSG(err, other[k].says);
      hf_file_clear(&f);
      free(copy);
      env_done(&e);
    }
  }

  /* an empty file */
  {
    env e;
    env_init(&e);
    hf_file f;
    uint8_t *copy;
    CHECK(parse_copy(&e, &f, NULL, 0, NULL, &err, &copy) == HEIC_ERR_INVALID_INPUT);
    CHECK_MSG(err, "empty");
    free(copy);
    env_done(&e);
  }

  /* infe v0 (no type), a mime string without its NUL, offset/length sizes 0
   * (the whole idat), unknown boxes skipped, a last box of size 0. */
  {
    env e;
    env_init(&e);
    wbuf b;
    memset(&b, 0, sizeof(b));
    box_begin(&b, "ftyp");
    put4cc(&b, "mif1");
    put32(&b, 0);
    box_end(&b);
    body_infe_v0_and_unknowns(&b);
    hf_file f;
    uint8_t *copy;
    heic_status st = parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy);
    CHECK(st == HEIC_OK);
    if (st == HEIC_OK) {
      CHECK(f.brand_count == 0 && f.brands == NULL);
      CHECK(f.item_count == 2);
      hf_item *it = hf_find_item(&f, 3);
      CHECK(it && it->type == 0 && it->has_infe && strcmp(it->name, "old") == 0 &&
            strcmp(it->content_type, "text/plain") == 0);
      it = hf_find_item(&f, 4);
      CHECK(it && strcmp(it->content_type, "a/b") == 0 && strcmp(it->content_encoding, "") == 0);
      uint8_t *data = NULL;
      size_t size = 0;
      CHECK(hf_item_data(&f, hf_find_item(&f, 3), &data, &size, &err) == HEIC_OK);
      CHECK(size == 5 && data && memcmp(data, "hello", 5) == 0);
      hc_free(&e.mem, data);
    } else {
      fprintf(stderr, "  %s\n", err.message);
    }
    hf_file_clear(&f);
    free(copy);
    wbuf_free(&b);
    env_done(&e);
  }

  /* An extent past the end of the file parses, but its data is refused. */
  {
    env e;
    env_init(&e);
    wbuf b;
    memset(&b, 0, sizeof(b));
    box_begin(&b, "ftyp");
    put4cc(&b, "mif1");
    put32(&b, 0);
    box_end(&b);
    body_extent_past_end(&b);
    hf_file f;
    uint8_t *copy;
    CHECK(parse_copy(&e, &f, b.d, b.n, NULL, &err, &copy) == HEIC_OK);
    uint8_t *data = NULL;
    size_t size = 0;
    uint64_t total = 0;
    hc_err_clear(&err);
    CHECK(hf_item_data_size(&f, hf_find_item(&f, 5), &total, &err) == HEIC_ERR_INVALID_INPUT);
    char msg[160];
    snprintf(msg, sizeof(msg),
             "iloc: extent of item 5 lies past the end of the file (offset 123456, length 9999, "
             "file size %zu)",
             b.n);
    CHECK_MSG(err, msg);
    hc_err_clear(&err);
    CHECK(hf_item_data(&f, hf_find_item(&f, 5), &data, &size, &err) == HEIC_ERR_INVALID_INPUT);
    CHECK(data == NULL);
    hf_file_clear(&f);
    free(copy);
    wbuf_free(&b);
    env_done(&e);
  }

  /* hf_file_clear on a zeroed file */
  hf_file z;
  memset(&z, 0, sizeof(z));
  hf_file_clear(&z);
  hf_file_clear(NULL);
  char cc[5];
  hf_fourcc_str(HF_4CC('h', 'v', 'c', 'C'), cc);
  CHECK(strcmp(cc, "hvcC") == 0);
  hf_fourcc_str(HF_4CC(0, 'a', 0x7F, 0xFF), cc);
  CHECK(strcmp(cc, "?a??") == 0);
}

/* ---- the corpus ---- */

typedef struct name_list {
  char **v;
  size_t n, cap;
} name_list;

static void collect(const char *dir, name_list *out) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    if (ent->d_name[0] == '.') continue;
    size_t len = strlen(dir) + strlen(ent->d_name) + 2;
    char *path = malloc(len);
    if (!path) abort();
    snprintf(path, len, "%s/%s", dir, ent->d_name);
    struct stat st;
    if (stat(path, &st) != 0) {
      free(path);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      collect(path, out);
      free(path);
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      free(path);
      continue;
    }
    if (out->n == out->cap) {
      out->cap = out->cap ? out->cap * 2 : 64;
      char **nv = realloc(out->v, out->cap * sizeof(*nv));
      if (!nv) abort();
      out->v = nv;
    }
    out->v[out->n++] = path;
  }
  closedir(d);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files that must parse: *.heic under these directories of the corpus. */
static int must_parse(const char *rel) {
  static const char *dirs[] = {"iphone/", "camera/", "nokia/", "libheif/", "variants/"};
  size_t n = strlen(rel);
  if (n < 5 || strcmp(rel + n - 5, ".heic") != 0) return 0;
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
    if (strncmp(rel, dirs[i], strlen(dirs[i])) == 0) return 1;
  return 0;
}

static void test_corpus(const char *root) {
  struct stat st;
  if (!root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("SKIP corpus\n");
    return;
  }
  name_list files = {NULL, 0, 0};
  collect(root, &files);
  if (files.n) qsort(files.v, files.n, sizeof(*files.v), cmp_str);
  size_t ok = 0;
  for (size_t i = 0; i < files.n; i++) {
    const char *rel = files.v[i] + strlen(root) + 1;
    FILE *fp = fopen(files.v[i], "rb");
    uint8_t *data = NULL;
    size_t size = 0;
    if (fp && fseek(fp, 0, SEEK_END) == 0) {
      long len = ftell(fp);
      if (len >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        size = (size_t)len;
        data = malloc(size ? size : 1);
        if (!data || (size && fread(data, 1, size, fp) != size)) abort();
      }
    }
    if (fp) fclose(fp);
    if (!data) {
      printf("%-60s cannot read\n", rel);
      continue;
    }
    env e;
    env_init(&e);
    hf_file f;
    hc_err err;
    uint8_t *copy;
    heic_status s = parse_copy(&e, &f, data, size, NULL, &err, &copy);
    if (s == HEIC_OK) {
      ok++;
      uint32_t readable = 0;
      for (uint32_t k = 0; k < f.item_count; k++) {
        uint64_t total;
        hc_err e2;
        hc_err_clear(&e2);
        readable += hf_item_data_size(&f, &f.items[k], &total, &e2) == HEIC_OK;
      }
      read_all_items(&f);
      printf("%-60s ok: %u items (%u with data), %u properties, %u refs, %u groups\n", rel,
             f.item_count, readable, f.prop_count, f.ref_count, f.group_count);
    } else {
      printf("%-60s %s: %s\n", rel, heic_status_string(s), err.message);
      if (must_parse(rel)) {
        fprintf(stderr, "corpus file %s must parse\n", rel);
        failures++;
      }
    }
    hf_file_clear(&f);
    free(copy);
    free(data);
    env_done(&e);
    free(files.v[i]);
  }
  printf("corpus: %zu of %zu files parsed\n", ok, files.n);
  free(files.v);
}

int main(int argc, char **argv) {
  test_box_reader();
  test_reference_files();
  test_truncation();
  test_box_sizes();
  test_allocation_failures();
  test_limits();
  test_structure_errors();
  test_property_indices();
  test_announced_counts();
  test_repetition();
  test_corpus(argc > 1 ? argv[1] : NULL);
  if (failures) {
    fprintf(stderr, "test_heif_parse: %d checks failed\n", failures);
    return 1;
  }
  printf("test_heif_parse: all %lu checks passed\n", checks);
  return 0;
}
