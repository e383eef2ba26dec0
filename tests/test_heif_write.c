/*
 * Tests of the HEIF writer (src/heif/heif_write.c).  SPDX-License-Identifier: BSD-2-Clause
 *
 *   test_heif_write DATA_DIR
 *
 * Builds files with the writer in memory from the coded data of the
 * samples in DATA_DIR (tests/data) and reads them back with hf_parse,
 * checking every field the writer was given, the box layout it chose
 * (versions, field widths, order) and the hvcC it derived from the SPS
 * against the record the sample's own writer made.  Then: 32-bit item ids
 * (70000 items), wide ipma indices, argument and sticky errors, failing
 * every allocation in turn, and - when Debian's heif-info and heif-convert
 * (libheif) are installed - re-wrapped samples written to a temporary
 * directory, which libheif must accept and decode to exactly the pixels it
 * decodes from the originals.
 *
 * Every parse reads from a heap block of exactly the file's size, so that
 * AddressSanitizer sees any read past the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heif/box_reader.h"
#include "heif/heif_file.h"
#include "heif/heif_write.h"
#include "png_read.h"

static int failures;
static unsigned long checks;

#define CHECK(cond)                                                            \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                                            \
  do {                                                                                            \
    checks++;                                                                                     \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                \
    if (a_ != b_) {                                                                               \
      fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", __FILE__, __LINE__, #a, a_, #b, \
              b_);                                                                                \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

#define CHECK_MSG(err, text)                                                                     \
  do {                                                                                           \
    checks++;                                                                                    \
    if (!strstr((err).message, (text))) {                                                        \
      fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (err).message, \
              (text));                                                                           \
      failures++;                                                                                \
    }                                                                                            \
  } while (0)

#define CC(s) HF_4CC((s)[0], (s)[1], (s)[2], (s)[3])

static const char *data_dir;

/* ---- plumbing ---- */

typedef struct env {
  heic_allocator *alloc;
  hc_mem mem;
} env;

static void env_init(env *e) {
  if (heic_allocator_new(&e->alloc, NULL) != HEIC_OK) abort();
  hc_mem_init(&e->mem, e->alloc, 0);
}

static void env_done(env *e) {
  CHECK_EQ(hc_mem_outstanding(&e->mem), 0);
  CHECK_EQ(heic_allocator_outstanding_bytes(e->alloc), 0);
  heic_allocator_free(&e->alloc);
}

/* The output of hf_writer_write, gathered with plain malloc (not counted
 * by the allocator under test).  fail_at > 0 makes the fail_at-th chunk
 * report an error. */
typedef struct sink {
  uint8_t *d;
  size_t n, cap;
  unsigned calls, fail_at;
} sink;

static int sink_write(void *opaque, const uint8_t *data, size_t size) {
  sink *s = opaque;
  if (++s->calls == s->fail_at) return -1;
  if (s->n + size > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->n + size) cap *= 2;
    uint8_t *d = realloc(s->d, cap);
    if (!d) abort();
    s->d = d;
    s->cap = cap;
  }
  memcpy(s->d + s->n, data, size);
  s->n += size;
  return 0;
}

static void sink_free(sink *s) {
  free(s->d);
  memset(s, 0, sizeof(*s));
}

/* A heap block of exactly the written size (see the header comment). */
static uint8_t *exact_copy(const sink *s) {
  uint8_t *d = malloc(s->n ? s->n : 1);
  if (!d) abort();
  memcpy(d, s->d, s->n);
  return d;
}

static uint8_t *read_whole(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  uint8_t *d = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *nd = realloc(d, cap);
      if (!nd) abort();
      d = nd;
    }
    size_t got = fread(d + n, 1, cap - n, fp);
    n += got;
    if (got == 0) break;
  }
  fclose(fp);
  *size = n;
  return d;
}

static int write_whole(const char *path, const uint8_t *d, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  int ok = fwrite(d, 1, n, fp) == n;
  return fclose(fp) == 0 && ok ? 0 : -1;
}

static uint64_t be(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

/* ---- raw box walking, to check what the parser abstracts away ---- */

/* Finds the first child of type `type` in r's window.  *hdr receives the
 * box; *body a reader over its payload (for a FullBox: starting at the
 * version byte).  Returns 1 when found. */
static int find_child(const hf_reader *r, hf_fourcc type, hf_box *hdr, hf_reader *body) {
  hf_reader it = *r;
  hc_err err;
  hc_err_clear(&err);
  while (hf_reader_remaining(&it)) {
    if (hf_box_next(&it, hdr, body, 32, &err) != HEIC_OK) return 0;
    if (hdr->type == type) return 1;
  }
  return 0;
}

/* The child types of r's window, in order, as a string "ftyp meta ...". */
static void child_list(const hf_reader *r, char *out, size_t size) {
  hf_reader it = *r;
  hc_err err;
  hc_err_clear(&err);
  out[0] = 0;
  while (hf_reader_remaining(&it)) {
    hf_box b;
    hf_reader body;
    if (hf_box_next(&it, &b, &body, 32, &err) != HEIC_OK) break;
    char cc[5];
    hf_fourcc_str(b.type, cc);
    size_t len = strlen(out);
    snprintf(out + len, size - len, "%s%s", len ? " " : "", cc);
  }
}

/* meta's payload after its version/flags. */
static int find_meta(const uint8_t *d, size_t n, hf_reader *meta) {
  hf_reader top;
  hf_reader_init(&top, d, n);
  hf_box b;
  if (!find_child(&top, CC("meta"), &b, meta)) return 0;
  hf_skip(meta, 4);
  return 1;
}

/* version and flags of the FullBox meta/<path...> (NULL-terminated). */
static int full_box_header(const uint8_t *d, size_t n, const char *const *path, uint8_t *version,
                           uint32_t *flags, hf_reader *body) {
  hf_reader r;
  if (!find_meta(d, n, &r)) return 0;
  for (int i = 0; path[i]; i++) {
    hf_box b;
    hf_reader c;
    if (!find_child(&r, CC(path[i]), &b, &c)) return 0;
    r = c;
  }
  hf_read_full_header(&r, version, flags);
  if (body) *body = r;
  return !r.error;
}

/* ---- samples ---- */

typedef struct source {
  uint8_t *bytes;
  size_t size;
  hf_file f;
} source;

static int source_load(source *s, hc_mem *mem, const char *name) {
  memset(s, 0, sizeof(*s));
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", data_dir, name);
  s->bytes = read_whole(path, &s->size);
  if (!s->bytes) {
    fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
    failures++;
    return -1;
  }
  hc_err err;
  hc_err_clear(&err);
  if (hf_parse(&s->f, mem, s->bytes, s->size, NULL, &err) != HEIC_OK) {
    fprintf(stderr, "%s: %s\n", name, err.message);
    failures++;
    free(s->bytes);
    s->bytes = NULL;
    return -1;
  }
  return 0;
}

static void source_free(source *s) {
  hf_file_clear(&s->f);
  free(s->bytes);
  memset(s, 0, sizeof(*s));
}

/* The NAL units of an hvcC record, flattened in array order. */
static uint32_t hvcc_nals(const hf_hvcc *h, hf_span *out, uint32_t max) {
  uint32_t n = 0;
  for (uint32_t a = 0; a < h->array_count; a++)
    for (uint32_t i = 0; i < h->arrays[a].count && n < max; i++) out[n++] = h->arrays[a].nals[i];
  return n;
}

static const hf_hvcc *item_hvcc(const hf_file *f, const hf_item *it) {
  const hf_property *p = hf_item_property(f, it, CC("hvcC"));
  return p && p->parsed ? &p->u.hvcc : NULL;
}

/* The profile_tier_level fields that hvcC repeats, read from the first
 * SPS's bytes (byte-aligned up to general_level_idc), as an oracle apart
 * from the writer's bit reader. */
static void check_hvcc_against_sps(const hf_hvcc *h) {
  const hf_span *sps = NULL;
  for (uint32_t a = 0; a < h->array_count && !sps; a++)
    if (h->arrays[a].nal_type == 33 && h->arrays[a].count) sps = &h->arrays[a].nals[0];
  CHECK(sps != NULL);
  if (!sps) return;
  uint8_t r[13];
  size_t n = 0;
  unsigned zeros = 0;
  for (size_t i = 2; i < sps->size && n < sizeof(r); i++) {
    if (zeros >= 2 && sps->data[i] == 3) { /* emulation prevention */
      zeros = 0;
      continue;
    }
    r[n++] = sps->data[i];
    zeros = sps->data[i] ? 0 : zeros + 1;
  }
  CHECK_EQ(n, sizeof(r));
  if (n < sizeof(r)) return;
  CHECK_EQ(h->num_temporal_layers, ((r[0] >> 1) & 7) + 1);
  CHECK_EQ(h->temporal_id_nested, r[0] & 1);
  CHECK_EQ(h->general_profile_space, r[1] >> 6);
  CHECK_EQ(h->general_tier_flag, (r[1] >> 5) & 1);
  CHECK_EQ(h->general_profile_idc, r[1] & 31);
  CHECK_EQ(h->general_profile_compatibility_flags, be(r + 2, 4));
  CHECK_EQ(h->general_constraint_indicator_flags, be(r + 6, 6));
  CHECK_EQ(h->general_level_idc, r[12]);
}

/* Every field of two hvcC records, and their NAL units byte for byte.
 * Left out: array_completeness, the source writer's choice, and the
 * constraint flags, which libheif (the samples' writer) leaves at 0 where
 * the SPS has some set; check_hvcc_against_sps checks ours. */
static void check_hvcc_equal(const hf_hvcc *a, const hf_hvcc *b) {
  CHECK_EQ(a->general_profile_space, b->general_profile_space);
  CHECK_EQ(a->general_tier_flag, b->general_tier_flag);
  CHECK_EQ(a->general_profile_idc, b->general_profile_idc);
  CHECK_EQ(a->general_profile_compatibility_flags, b->general_profile_compatibility_flags);
  CHECK_EQ(a->general_level_idc, b->general_level_idc);
  CHECK_EQ(a->chroma_format_idc, b->chroma_format_idc);
  CHECK_EQ(a->bit_depth_luma, b->bit_depth_luma);
  CHECK_EQ(a->bit_depth_chroma, b->bit_depth_chroma);
  CHECK_EQ(a->length_size, b->length_size);
  CHECK_EQ(a->num_temporal_layers, b->num_temporal_layers);
  CHECK_EQ(a->temporal_id_nested, b->temporal_id_nested);
  CHECK_EQ(a->array_count, b->array_count);
  for (uint32_t i = 0; i < a->array_count && i < b->array_count; i++) {
    CHECK_EQ(a->arrays[i].nal_type, b->arrays[i].nal_type);
    CHECK_EQ(a->arrays[i].count, b->arrays[i].count);
    for (uint32_t j = 0; j < a->arrays[i].count && j < b->arrays[i].count; j++) {
      CHECK_EQ(a->arrays[i].nals[j].size, b->arrays[i].nals[j].size);
      CHECK(
          a->arrays[i].nals[j].size == b->arrays[i].nals[j].size &&
          !memcmp(a->arrays[i].nals[j].data, b->arrays[i].nals[j].data, a->arrays[i].nals[j].size));
    }
  }
}

/* What our writer always puts in the fields it does not take from the SPS. */
static void check_hvcc_constants(const hf_hvcc *h) {
  CHECK_EQ(h->configuration_version, 1);
  CHECK_EQ(h->min_spatial_segmentation_idc, 0);
  CHECK_EQ(h->parallelism_type, 0);
  CHECK_EQ(h->avg_frame_rate, 0);
  CHECK_EQ(h->constant_frame_rate, 0);
  CHECK_EQ(h->length_size, 4);
  static const uint8_t first_types[3] = {32, 33, 34};
  for (uint32_t i = 0; i < h->array_count; i++) {
    if (i < 3) CHECK_EQ(h->arrays[i].nal_type, first_types[i]);
    CHECK_EQ(h->arrays[i].array_completeness,
             h->arrays[i].nal_type >= 32 && h->arrays[i].nal_type <= 34);
  }
}

/* The reserved bits of every hvcC box in the file (the parser masks them). */
static void check_hvcc_reserved_bits(const uint8_t *d, size_t n) {
  const char *const path[] = {"iprp", "ipco", NULL};
  hf_reader r;
  CHECK(find_meta(d, n, &r));
  for (int i = 0; path[i]; i++) {
    hf_box b;
    hf_reader c;
    CHECK(find_child(&r, CC(path[i]), &b, &c));
    r = c;
  }
  hc_err err;
  hc_err_clear(&err);
  int seen = 0;
  while (hf_reader_remaining(&r)) {
    hf_box b;
    hf_reader body;
    if (hf_box_next(&r, &b, &body, 32, &err) != HEIC_OK) break;
    if (b.type != CC("hvcC")) continue;
    seen++;
    const uint8_t *p = d + body.pos;
    CHECK(hf_reader_remaining(&body) >= 23);
    CHECK_EQ(p[13] & 0xF0, 0xF0); /* before min_spatial_segmentation_idc */
    CHECK_EQ(p[15] & 0xFC, 0xFC); /* before parallelismType */
    CHECK_EQ(p[16] & 0xFC, 0xFC); /* before chroma_format_idc */
    CHECK_EQ(p[17] & 0xF8, 0xF8); /* before bit_depth_luma_minus8 */
    CHECK_EQ(p[18] & 0xF8, 0xF8); /* before bit_depth_chroma_minus8 */
    CHECK_EQ(p[21] & 3, 3);       /* lengthSizeMinusOne */
  }
  CHECK(seen > 0);
}

/* ---- the sample file: every API call once or more ---- */

typedef struct sample_ids {
  uint32_t colour, alpha, exif, xmp, grid, empty;
} sample_ids;

typedef struct sample_src {
  hf_span colour_nals[16], alpha_nals[16];
  uint32_t colour_nal_count, alpha_nal_count;
  uint8_t *colour_data, *alpha_data; /* hc_malloc'd from the source's mem */
  size_t colour_size, alpha_size;
  const hf_hvcc *colour_hvcc, *alpha_hvcc;
} sample_src;

static const uint8_t exif_bytes[] = {0, 0, 0, 6, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42};
static const char xmp_text[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>";
static const uint8_t grid_desc[8] = {0, 0, 0, 1, 0, 128, 0, 128}; /* 1x2 tiles, 128x128... */
static const uint8_t icc_bytes[] = {0, 0, 1, 2, 'a', 'c', 's', 'p', 9, 8, 7};
static const hf_clap sample_clap = {120, 1, 100, 1, -3, 2, 5, 1};
static const heic_nclx sample_nclx = {1, 13, 6, 1};
static const uint8_t fake_payload[] = {'a', 'b', 'c'};
static const uint8_t plain_payload[] = {1, 2, 3, 4, 5};
#define AUX_ALPHA "urn:mpeg:hevc:2015:auxid:1"

static int sample_src_load(sample_src *ss, const source *s) {
  memset(ss, 0, sizeof(*ss));
  const hf_file *f = &s->f;
  hf_item *colour = hf_find_item(f, f->primary_id);
  const hf_ref *auxl = NULL;
  for (uint32_t i = 0; i < f->ref_count && !auxl; i++)
    if (f->refs[i].type == CC("auxl") && f->refs[i].count == 1 && f->refs[i].to[0] == f->primary_id)
      auxl = &f->refs[i];
  hf_item *alpha = auxl ? hf_find_item(f, auxl->from) : NULL;
  if (!colour || !alpha) return -1;
  ss->colour_hvcc = item_hvcc(f, colour);
  ss->alpha_hvcc = item_hvcc(f, alpha);
  if (!ss->colour_hvcc || !ss->alpha_hvcc) return -1;
  ss->colour_nal_count = hvcc_nals(ss->colour_hvcc, ss->colour_nals, 16);
  ss->alpha_nal_count = hvcc_nals(ss->alpha_hvcc, ss->alpha_nals, 16);
  hc_err err;
  hc_err_clear(&err);
  if (hf_item_data(f, colour, &ss->colour_data, &ss->colour_size, &err) != HEIC_OK) return -1;
  if (hf_item_data(f, alpha, &ss->alpha_data, &ss->alpha_size, &err) != HEIC_OK) return -1;
  return 0;
}

static void sample_src_free(sample_src *ss, hc_mem *mem) {
  hc_free(mem, ss->colour_data);
  hc_free(mem, ss->alpha_data);
  memset(ss, 0, sizeof(*ss));
}

#define TRY(call)                   \
  do {                              \
    heic_status st_ = (call);       \
    if (st_ != HEIC_OK) return st_; \
  } while (0)

static heic_status build_sample(hf_writer *w, const sample_src *ss, sample_ids *ids, hc_err *err) {
  static const hf_fourcc compat[] = {CC("mif1"), CC("heic"), CC("miaf")};
  static const uint8_t depth3[3] = {8, 8, 8}, depth1[1] = {8};
  TRY(hf_writer_set_brands(w, CC("heic"), compat, 3, err));

  TRY(hf_writer_add_item(w, CC("hvc1"), "Colour", 0, &ids->colour, err));
  TRY(hf_writer_set_item_data(w, ids->colour, ss->colour_data, ss->colour_size, 0, err));
  TRY(hf_writer_add_hvcc(w, ids->colour, ss->colour_nals, ss->colour_nal_count, err));
  TRY(hf_writer_add_ispe(w, ids->colour, 128, 128, err));
  TRY(hf_writer_add_pixi(w, ids->colour, 3, depth3, err));
  TRY(hf_writer_add_colr_nclx(w, ids->colour, &sample_nclx, err));
  TRY(hf_writer_add_colr_icc(w, ids->colour, icc_bytes, sizeof(icc_bytes), err));
  TRY(hf_writer_add_clap(w, ids->colour, &sample_clap, err));
  TRY(hf_writer_add_irot(w, ids->colour, 5, err)); /* 5 quarter turns: angle 1 */
  TRY(hf_writer_add_imir(w, ids->colour, 1, err));
  TRY(hf_writer_add_property(w, ids->colour, CC("fake"), 1, 1, 0x123, fake_payload,
                             sizeof(fake_payload), 1, err));

  TRY(hf_writer_add_item(w, CC("hvc1"), "Alpha", 1, &ids->alpha, err));
  TRY(hf_writer_set_item_data(w, ids->alpha, ss->alpha_data, ss->alpha_size, 0, err));
  TRY(hf_writer_add_hvcc(w, ids->alpha, ss->alpha_nals, ss->alpha_nal_count, err));
  TRY(hf_writer_add_ispe(w, ids->alpha, 128, 128, err)); /* shared with colour's */
  TRY(hf_writer_add_pixi(w, ids->alpha, 1, depth1, err));
  TRY(hf_writer_add_auxc(w, ids->alpha, AUX_ALPHA, err));
  TRY(hf_writer_add_ref(w, CC("auxl"), ids->alpha, &ids->colour, 1, err));

  TRY(hf_writer_add_item(w, CC("Exif"), NULL, 1, &ids->exif, err));
  TRY(hf_writer_set_item_data(w, ids->exif, exif_bytes, sizeof(exif_bytes), 0, err));
  TRY(hf_writer_add_ref(w, CC("cdsc"), ids->exif, &ids->colour, 1, err));

  TRY(hf_writer_add_item(w, CC("mime"), "XMP", 1, &ids->xmp, err));
  TRY(hf_writer_set_content_type(w, ids->xmp, "application/rdf+xml", err));
  TRY(hf_writer_set_item_data(w, ids->xmp, (const uint8_t *)xmp_text, strlen(xmp_text), 0, err));
  TRY(hf_writer_add_ref(w, CC("cdsc"), ids->xmp, &ids->colour, 1, err));

  TRY(hf_writer_add_item(w, CC("grid"), "Grid", 0, &ids->grid, err));
  /* Data set twice: the second call replaces the first. */
  TRY(hf_writer_set_item_data(w, ids->grid, exif_bytes, sizeof(exif_bytes), 0, err));
  TRY(hf_writer_set_item_data(w, ids->grid, grid_desc, sizeof(grid_desc), 1, err));
  uint32_t tiles[2] = {ids->colour, ids->colour};
  TRY(hf_writer_add_ref(w, CC("dimg"), ids->grid, tiles, 2, err));
  TRY(hf_writer_add_ispe(w, ids->grid, 256, 128, err));
  TRY(hf_writer_add_irot(w, ids->grid, 1, err)); /* shared with colour's */
  TRY(hf_writer_add_property(w, ids->grid, CC("fake"), 1, 1, 0x123, fake_payload,
                             sizeof(fake_payload), 0, err)); /* shared; not essential here */
  TRY(hf_writer_add_property(w, ids->grid, CC("fake"), 1, 1, 0x124, fake_payload,
                             sizeof(fake_payload), 0, err)); /* other flags: not shared */

  TRY(hf_writer_add_item(w, CC("unkn"), "", 0, &ids->empty, err));
  TRY(hf_writer_set_item_data(w, ids->empty, NULL, 0, 0, err));
  /* version and flags of a plain box are not written, so not compared */
  TRY(hf_writer_add_property(w, ids->empty, CC("plai"), 0, 7, 9, plain_payload,
                             sizeof(plain_payload), 0, err));
  TRY(hf_writer_add_property(w, ids->empty, CC("plai"), 0, 0, 0, plain_payload,
                             sizeof(plain_payload), 0, err));

  TRY(hf_writer_set_primary(w, ids->colour, err));
  return HEIC_OK;
}

static heic_status write_sample(hc_mem *mem, const sample_src *ss, sample_ids *ids, sink *out,
                                hc_err *err) {
  hf_writer *w = NULL;
  heic_status st = hf_writer_new(&w, mem, err);
  if (st == HEIC_OK) st = build_sample(w, ss, ids, err);
  if (st == HEIC_OK) st = hf_writer_write(w, sink_write, out, err);
  hf_writer_free(&w);
  CHECK(w == NULL);
  return st;
}

/* The property index of item's association number k, and its essential bit. */
static uint32_t assoc_index(const hf_item *it, uint32_t k) {
  return k < it->assoc_count ? it->assocs[k].index : UINT32_MAX;
}

static void check_item_bytes(const hf_file *f, const hf_item *it, const void *want, size_t size) {
  hc_err err;
  hc_err_clear(&err);
  uint8_t *d = NULL;
  size_t n = 0;
  CHECK(hf_item_data(f, it, &d, &n, &err) == HEIC_OK);
  CHECK_EQ(n, size);
  CHECK(n == size && (!size || !memcmp(d, want, size)));
  hc_free(f->mem, d);
}

static void test_sample(void) {
  env e;
  env_init(&e);
  source src;
  sample_src ss;
  if (source_load(&src, &e.mem, "RGBA_8__128x128.heif")) {
    env_done(&e);
    return;
  }
  if (sample_src_load(&ss, &src)) {
    fprintf(stderr, "RGBA_8__128x128.heif: no colour+alpha hvc1 pair\n");
    failures++;
    sample_src_free(&ss, &e.mem);
    source_free(&src);
    env_done(&e);
    return;
  }

  env we;
  env_init(&we);
  sample_ids ids;
  sink out = {0};
  hc_err err;
  hc_err_clear(&err);
  heic_status st = write_sample(&we.mem, &ss, &ids, &out, &err);
  if (st != HEIC_OK) fprintf(stderr, "write_sample: %s\n", err.message);
  CHECK(st == HEIC_OK);
  CHECK_EQ(heic_allocator_outstanding_bytes(we.alloc), 0);
  CHECK_EQ(ids.colour, 1);
  CHECK_EQ(ids.empty, 6);

  /* A second write of the same writer gives the same bytes. */
  {
    hf_writer *w = NULL;
    sample_ids ids2;
    sink a = {0}, b = {0};
    CHECK(hf_writer_new(&w, &we.mem, &err) == HEIC_OK);
    CHECK(build_sample(w, &ss, &ids2, &err) == HEIC_OK);
    CHECK(hf_writer_write(w, sink_write, &a, &err) == HEIC_OK);
    CHECK(hf_writer_write(w, sink_write, &b, &err) == HEIC_OK);
    CHECK(a.n == out.n && b.n == out.n && !memcmp(a.d, out.d, out.n) && !memcmp(b.d, out.d, out.n));
    hf_writer_free(&w);
    hf_writer_free(&w); /* NULL is fine */
    sink_free(&a);
    sink_free(&b);
  }

  uint8_t *d = exact_copy(&out);
  size_t n = out.n;
  hf_file f;
  st = hf_parse(&f, &e.mem, d, n, NULL, &err);
  if (st != HEIC_OK) fprintf(stderr, "parse: %s\n", err.message);
  CHECK(st == HEIC_OK);
  if (st == HEIC_OK) {
    CHECK_EQ(f.major_brand, CC("heic"));
    CHECK_EQ(f.minor_version, 0);
    CHECK_EQ(f.brand_count, 3);
    if (f.brand_count == 3) {
      CHECK_EQ(f.brands[0], CC("mif1"));
      CHECK_EQ(f.brands[1], CC("heic"));
      CHECK_EQ(f.brands[2], CC("miaf"));
    }
    CHECK_EQ(f.handler, CC("pict"));
    CHECK_EQ(f.primary_id, ids.colour);
    CHECK_EQ(f.item_count, 6);
    CHECK(!f.has_moov);

    static const struct {
      const char *type, *name;
      int hidden;
    } want[6] = {{"hvc1", "Colour", 0}, {"hvc1", "Alpha", 1}, {"Exif", "", 1},
                 {"mime", "XMP", 1},    {"grid", "Grid", 0},  {"unkn", "", 0}};
    for (uint32_t i = 0; i < f.item_count && i < 6; i++) {
      const hf_item *it = &f.items[i];
      CHECK_EQ(it->id, i + 1);
      CHECK_EQ(it->type, CC(want[i].type));
      CHECK(!strcmp(it->name, want[i].name));
      CHECK_EQ(it->hidden, want[i].hidden);
      CHECK(!strcmp(it->content_type, i + 1 == ids.xmp ? "application/rdf+xml" : ""));
      CHECK(!strcmp(it->content_encoding, ""));
      CHECK_EQ(it->protection_index, 0);
      CHECK(it->has_location);
      CHECK_EQ(it->construction_method, i + 1 == ids.grid ? 1 : 0);
      CHECK_EQ(it->data_reference_index, 0);
      CHECK_EQ(it->extent_count, i + 1 == ids.empty ? 0 : 1);
    }

    const hf_item *colour = hf_find_item(&f, ids.colour), *alpha = hf_find_item(&f, ids.alpha);
    const hf_item *exif = hf_find_item(&f, ids.exif), *xmp = hf_find_item(&f, ids.xmp);
    const hf_item *grid = hf_find_item(&f, ids.grid), *empty = hf_find_item(&f, ids.empty);
    check_item_bytes(&f, colour, ss.colour_data, ss.colour_size);
    check_item_bytes(&f, alpha, ss.alpha_data, ss.alpha_size);
    check_item_bytes(&f, exif, exif_bytes, sizeof(exif_bytes));
    check_item_bytes(&f, xmp, xmp_text, strlen(xmp_text));
    check_item_bytes(&f, grid, grid_desc, sizeof(grid_desc));
    check_item_bytes(&f, empty, NULL, 0);
    CHECK_EQ(f.idat.size, sizeof(grid_desc));
    if (grid->extent_count) CHECK_EQ(grid->extents[0].offset, 0);

    /* Layout: ftyp, meta, mdat, and mdat holds the mdat items in id order,
     * back to back from its first payload byte to the end of the file. */
    char list[256];
    hf_reader top;
    hf_reader_init(&top, d, n);
    child_list(&top, list, sizeof(list));
    CHECK(!strcmp(list, "ftyp meta mdat"));
    hf_box mdat;
    hf_reader mbody;
    CHECK(find_child(&top, CC("mdat"), &mdat, &mbody));
    CHECK_EQ(mdat.header_size, 8);
    CHECK_EQ(mdat.offset + mdat.size, n);
    uint64_t pos = mdat.offset + 8;
    const hf_item *in_mdat[4] = {colour, alpha, exif, xmp};
    for (int i = 0; i < 4; i++) {
      if (!in_mdat[i]->extent_count) continue;
      CHECK_EQ(in_mdat[i]->extents[0].offset, pos);
      pos += in_mdat[i]->extents[0].length;
    }
    CHECK_EQ(pos, n);
    hf_reader meta;
    CHECK(find_meta(d, n, &meta));
    child_list(&meta, list, sizeof(list));
    CHECK(!strcmp(list, "hdlr pitm iinf iref iprp iloc idat"));
    {
      hf_box b;
      hf_reader hb;
      CHECK(find_child(&meta, CC("hdlr"), &b, &hb));
      CHECK_EQ(b.size, 8 + 4 + 4 + 4 + 12 + 1);
      const uint8_t *p = d + hb.pos;
      CHECK_EQ(be(p, 4), 0);     /* version, flags */
      CHECK_EQ(be(p + 4, 4), 0); /* pre_defined */
      CHECK_EQ(be(p + 8, 4), CC("pict"));
      CHECK_EQ(be(p + 12, 8), 0); /* reserved */
      CHECK_EQ(be(p + 20, 4), 0);
      CHECK_EQ(p[24], 0); /* empty name */
    }
    static const char *const p_pitm[] = {"pitm", NULL}, *const p_iinf[] = {"iinf", NULL},
                             *const p_iref[] = {"iref", NULL},
                             *const p_ipma[] = {"iprp", "ipma", NULL},
                             *const p_iloc[] = {"iloc", NULL};
    uint8_t v;
    uint32_t fl;
    hf_reader body;
    CHECK(full_box_header(d, n, p_pitm, &v, &fl, NULL) && v == 0);
    CHECK(full_box_header(d, n, p_iinf, &v, &fl, &body) && v == 0);
    CHECK_EQ(hf_read_u16(&body), 6);
    {
      /* infe boxes follow iinf's version, flags and 16-bit count */
      hf_reader iinf;
      hf_box b;
      CHECK(find_child(&meta, CC("iinf"), &b, &iinf));
      hf_skip(&iinf, 6);
      unsigned k = 0;
      while (hf_reader_remaining(&iinf) && !iinf.error) {
        hf_box ib;
        hf_reader ibody;
        if (hf_box_next(&iinf, &ib, &ibody, 32, &err) != HEIC_OK) break;
        hf_read_full_header(&ibody, &v, &fl);
        CHECK_EQ(ib.type, CC("infe"));
        CHECK_EQ(v, 2);
        CHECK_EQ(fl, want[k].hidden);
        k++;
      }
      CHECK_EQ(k, 6);
    }
    CHECK(full_box_header(d, n, p_iref, &v, &fl, NULL) && v == 0);
    CHECK(full_box_header(d, n, p_ipma, &v, &fl, NULL) && v == 0 && fl == 0);
    CHECK(full_box_header(d, n, p_iloc, &v, &fl, &body) && v == 1);
    CHECK_EQ(hf_read_u8(&body), 0x44); /* offset_size 4, length_size 4 */
    CHECK_EQ(hf_read_u8(&body), 0x00); /* base_offset_size 0, index_size 0 */
    CHECK_EQ(hf_read_u16(&body), 6);
    check_hvcc_reserved_bits(d, n);

    /* References, in call order. */
    CHECK_EQ(f.ref_count, 4);
    if (f.ref_count == 4) {
      CHECK(f.refs[0].type == CC("auxl") && f.refs[0].from == ids.alpha && f.refs[0].count == 1 &&
            f.refs[0].to[0] == ids.colour);
      CHECK(f.refs[1].type == CC("cdsc") && f.refs[1].from == ids.exif && f.refs[1].count == 1 &&
            f.refs[1].to[0] == ids.colour);
      CHECK(f.refs[2].type == CC("cdsc") && f.refs[2].from == ids.xmp && f.refs[2].count == 1 &&
            f.refs[2].to[0] == ids.colour);
      CHECK(f.refs[3].type == CC("dimg") && f.refs[3].from == ids.grid && f.refs[3].count == 2 &&
            f.refs[3].to[0] == ids.colour && f.refs[3].to[1] == ids.colour);
    }

    /* Properties: associations in call order, essential bits by type,
     * one ipco entry per distinct property. */
    static const struct {
      const char *type;
      int essential;
    } cprops[] = {{"hvcC", 1}, {"ispe", 0}, {"pixi", 0}, {"colr", 0}, {"colr", 0},
                  {"clap", 1}, {"irot", 1}, {"imir", 1}, {"fake", 1}};
    CHECK_EQ(colour->assoc_count, 9);
    for (uint32_t k = 0; k < colour->assoc_count && k < 9; k++) {
      CHECK_EQ(f.props[colour->assocs[k].index].type, CC(cprops[k].type));
      CHECK_EQ(colour->assocs[k].essential, cprops[k].essential);
    }
    CHECK_EQ(alpha->assoc_count, 4);
    CHECK_EQ(grid->assoc_count, 4);
    CHECK_EQ(empty->assoc_count, 2);
    CHECK_EQ(exif->assoc_count + xmp->assoc_count, 0);
    CHECK_EQ(assoc_index(alpha, 1), assoc_index(colour, 1)); /* ispe 128x128 */
    CHECK(assoc_index(grid, 0) != assoc_index(colour, 1));   /* ispe 256x128 */
    CHECK_EQ(assoc_index(grid, 1), assoc_index(colour, 6));  /* irot 1 */
    CHECK_EQ(assoc_index(grid, 2), assoc_index(colour, 8));  /* fake v1 0x123 */
    CHECK(assoc_index(grid, 3) != assoc_index(colour, 8));   /* fake v1 0x124 */
    CHECK_EQ(assoc_index(empty, 0), assoc_index(empty, 1));  /* plai, version ignored */
    if (grid->assoc_count == 4) {
      CHECK_EQ(grid->assocs[1].essential, 1);
      CHECK_EQ(grid->assocs[2].essential, 0); /* per association, not per property */
    }
    CHECK_EQ(f.props[assoc_index(alpha, 3)].type, CC("auxC"));
    CHECK_EQ(alpha->assocs[3].essential, 1);
    int same_hvcc = ss.colour_nal_count == ss.alpha_nal_count;
    for (uint32_t i = 0; same_hvcc && i < ss.colour_nal_count; i++)
      same_hvcc = ss.colour_nals[i].size == ss.alpha_nals[i].size &&
                  !memcmp(ss.colour_nals[i].data, ss.alpha_nals[i].data, ss.colour_nals[i].size);
    /* colour 9 + alpha (hvcC?) pixi auxC + grid ispe, fake 0x124 + plai */
    CHECK_EQ(f.prop_count, 9u + !same_hvcc + 2 + 2 + 1);

    if (colour->assoc_count == 9 && alpha->assoc_count == 4 && empty->assoc_count == 2) {
      const hf_property *p = &f.props[colour->assocs[1].index];
      CHECK(p->parsed && p->u.ispe.width == 128 && p->u.ispe.height == 128);
      p = &f.props[grid->assocs[0].index];
      CHECK(p->parsed && p->u.ispe.width == 256 && p->u.ispe.height == 128);
      p = &f.props[colour->assocs[2].index];
      CHECK(p->parsed && p->u.pixi.channels == 3 && p->u.pixi.depth[0] == 8 &&
            p->u.pixi.depth[2] == 8);
      p = &f.props[alpha->assocs[2].index];
      CHECK(p->parsed && p->u.pixi.channels == 1 && p->u.pixi.depth[0] == 8);
      p = &f.props[colour->assocs[3].index];
      CHECK(p->parsed && p->u.colr.kind == HF_COLR_NCLX && p->u.colr.nclx.colour_primaries == 1 &&
            p->u.colr.nclx.transfer_characteristics == 13 &&
            p->u.colr.nclx.matrix_coefficients == 6 && p->u.colr.nclx.full_range == 1);
      p = &f.props[colour->assocs[4].index];
      CHECK(p->parsed && p->u.colr.kind == HF_COLR_ICC && p->u.colr.icc.size == sizeof(icc_bytes) &&
            !memcmp(p->u.colr.icc.data, icc_bytes, sizeof(icc_bytes)));
      p = &f.props[colour->assocs[5].index];
      CHECK(p->parsed && !memcmp(&p->u.clap, &sample_clap, sizeof(sample_clap)));
      p = &f.props[colour->assocs[6].index];
      CHECK(p->parsed && p->u.irot.angle == 1);
      p = &f.props[colour->assocs[7].index];
      CHECK(p->parsed && p->u.imir.axis == 1);
      p = &f.props[alpha->assocs[3].index];
      CHECK(p->parsed && !strcmp(p->u.auxc.aux_type, AUX_ALPHA) && p->u.auxc.subtype.size == 0);
      const hf_hvcc *hc = item_hvcc(&f, colour), *ha = item_hvcc(&f, alpha);
      CHECK(hc && ha);
      if (hc && ha) {
        check_hvcc_equal(hc, ss.colour_hvcc);
        check_hvcc_equal(ha, ss.alpha_hvcc);
        check_hvcc_constants(hc);
        check_hvcc_constants(ha);
        check_hvcc_against_sps(hc);
        check_hvcc_against_sps(ha);
      }
    }
    /* The raw bytes of the generic properties. */
    {
      const char *const path[] = {"iprp", "ipco", NULL};
      hf_reader r = meta;
      for (int i = 0; path[i]; i++) {
        hf_box b;
        hf_reader c;
        CHECK(find_child(&r, CC(path[i]), &b, &c));
        r = c;
      }
      hf_box b;
      hf_reader pb;
      CHECK(find_child(&r, CC("fake"), &b, &pb));
      CHECK_EQ(b.size, 8 + 4 + 3);
      CHECK_EQ(be(d + pb.pos, 4), 0x01000123u);
      CHECK(!memcmp(d + pb.pos + 4, fake_payload, 3));
      CHECK(find_child(&r, CC("plai"), &b, &pb));
      CHECK_EQ(b.size, 8 + 5);
      CHECK(!memcmp(d + pb.pos, plain_payload, 5));
      CHECK(find_child(&r, CC("irot"), &b, &pb));
      CHECK(b.size == 9 && d[pb.pos] == 1);
      CHECK(find_child(&r, CC("ispe"), &b, &pb));
      CHECK(b.size == 20 && be(d + pb.pos, 4) == 0);
      CHECK(find_child(&r, CC("auxC"), &b, &pb));
      CHECK(b.size == 12 + sizeof(AUX_ALPHA) && be(d + pb.pos, 4) == 0);
      CHECK(find_child(&r, CC("colr"), &b, &pb));
      CHECK(b.size == 19 && d[pb.pos + 10] == 0x80);
    }
    hf_file_clear(&f);
  }
  free(d);
  sink_free(&out);
  env_done(&we);
  sample_src_free(&ss, &e.mem);
  source_free(&src);
  env_done(&e);
}

/* ---- hvcC from a synthetic SPS ---- */

typedef struct bits {
  uint8_t d[256];
  size_t n;
  unsigned acc, nacc;
} bits;

static void put_bits(bits *b, uint64_t v, unsigned n) {
  for (unsigned i = n; i-- > 0;) {
    b->acc = (b->acc << 1) | (unsigned)((v >> i) & 1);
    if (++b->nacc == 8) {
      b->d[b->n++] = (uint8_t)b->acc;
      b->acc = b->nacc = 0;
    }
  }
}

static void put_ue(bits *b, uint32_t v) {
  uint64_t x = (uint64_t)v + 1;
  unsigned len = 0;
  while ((x >> len) > 1) len++;
  put_bits(b, 0, len);
  put_bits(b, x, len + 1);
}

/* rbsp_trailing_bits, then emulation prevention (H.265 7.4.2): 0x03 after
 * two zero bytes whenever the next byte is 0..3. */
static size_t finish_nal(bits *b, uint8_t h0, uint8_t h1, uint8_t *out) {
  put_bits(b, 1, 1);
  while (b->nacc) put_bits(b, 0, 1);
  size_t n = 0;
  unsigned zeros = 0;
  out[n++] = h0;
  out[n++] = h1;
  for (size_t i = 0; i < b->n; i++) {
    if (zeros >= 2 && b->d[i] <= 3) {
      out[n++] = 3;
      zeros = 0;
    }
    out[n++] = b->d[i];
    zeros = b->d[i] ? 0 : zeros + 1;
  }
  return n;
}

static void test_synthetic_sps(void) {
  bits b;
  memset(&b, 0, sizeof(b));
  put_bits(&b, 0, 4);            /* sps_video_parameter_set_id */
  put_bits(&b, 2, 3);            /* sps_max_sub_layers_minus1 */
  put_bits(&b, 0, 1);            /* sps_temporal_id_nesting_flag */
  put_bits(&b, 1, 2);            /* general_profile_space */
  put_bits(&b, 1, 1);            /* general_tier_flag */
  put_bits(&b, 4, 5);            /* general_profile_idc */
  put_bits(&b, 0x08000000u, 32); /* compatibility: profile 4 */
  put_bits(&b, UINT64_C(0x900000000001), 48);
  put_bits(&b, 153, 8);                           /* general_level_idc */
  put_bits(&b, 1, 1);                             /* sub-layer 0: profile present */
  put_bits(&b, 1, 1);                             /*              level present */
  put_bits(&b, 0, 1);                             /* sub-layer 1: profile absent */
  put_bits(&b, 1, 1);                             /*              level present */
  for (int i = 2; i < 8; i++) put_bits(&b, 0, 2); /* reserved_zero_2bits */
  put_bits(&b, 0, 44);                            /* sub-layer 0 profile: zeros, */
  put_bits(&b, 0, 44);                            /* which need emulation prevention */
  put_bits(&b, 0x5A, 8);                          /* sub-layer 0 level */
  put_bits(&b, 0xA5, 8);                          /* sub-layer 1 level */
  put_ue(&b, 0);                                  /* sps_seq_parameter_set_id */
  put_ue(&b, 3);                                  /* chroma_format_idc 4:4:4 */
  put_bits(&b, 0, 1);                             /* separate_colour_plane_flag */
  put_ue(&b, 64);
  put_ue(&b, 48);
  put_bits(&b, 1, 1); /* conformance_window_flag */
  put_ue(&b, 0);
  put_ue(&b, 2);
  put_ue(&b, 0);
  put_ue(&b, 2);
  put_ue(&b, 2); /* bit_depth_luma_minus8 */
  put_ue(&b, 4); /* bit_depth_chroma_minus8 */
  uint8_t sps[300];
  size_t sps_size = finish_nal(&b, 0x42, 0x01, sps);
  int escaped = 0;
  for (size_t i = 2; i + 2 < sps_size; i++) escaped |= !sps[i] && !sps[i + 1] && sps[i + 2] == 3;
  CHECK(escaped);

  static const uint8_t vps[] = {0x40, 0x01, 0x0C}, pps[] = {0x44, 0x01, 0xC1};
  static const uint8_t sei1[] = {0x4E, 0x01, 0x05, 0x01, 0x80}, sei2[] = {0x4E, 0x01, 0x06, 0x80};
  static const uint8_t suffix[] = {0x50, 0x01, 0x80};
  /* Given out of order, with SEI among them. */
  hf_span ps[6] = {{sei1, sizeof(sei1)}, {pps, sizeof(pps)},   {suffix, sizeof(suffix)},
                   {sps, sps_size},      {sei2, sizeof(sei2)}, {vps, sizeof(vps)}};

  env e;
  env_init(&e);
  hc_err err;
  hc_err_clear(&err);
  hf_writer *w = NULL;
  uint32_t id = 0;
  static const hf_fourcc compat[] = {CC("mif1")};
  CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
  CHECK(hf_writer_set_brands(w, CC("mif1"), compat, 1, &err) == HEIC_OK);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, &err) == HEIC_OK);
  CHECK(hf_writer_add_hvcc(w, id, ps, 6, &err) == HEIC_OK);
  CHECK(hf_writer_set_primary(w, id, &err) == HEIC_OK);
  sink out = {0};
  CHECK(hf_writer_write(w, sink_write, &out, &err) == HEIC_OK);
  if (err.code) fprintf(stderr, "synthetic SPS: %s\n", err.message);
  hf_writer_free(&w);

  uint8_t *d = exact_copy(&out);
  hf_file f;
  CHECK(hf_parse(&f, &e.mem, d, out.n, NULL, &err) == HEIC_OK);
  const hf_hvcc *h = f.item_count == 1 ? item_hvcc(&f, &f.items[0]) : NULL;
  CHECK(h != NULL);
  if (h) {
    check_hvcc_constants(h);
    CHECK_EQ(h->general_profile_space, 1);
    CHECK_EQ(h->general_tier_flag, 1);
    CHECK_EQ(h->general_profile_idc, 4);
    CHECK_EQ(h->general_profile_compatibility_flags, 0x08000000u);
    CHECK_EQ(h->general_constraint_indicator_flags, UINT64_C(0x900000000001));
    CHECK_EQ(h->general_level_idc, 153);
    CHECK_EQ(h->chroma_format_idc, 3);
    CHECK_EQ(h->bit_depth_luma, 10);
    CHECK_EQ(h->bit_depth_chroma, 12);
    CHECK_EQ(h->num_temporal_layers, 3);
    CHECK_EQ(h->temporal_id_nested, 0);
    static const struct {
      uint8_t type;
      uint32_t count;
      const uint8_t *first;
    } want[5] = {{32, 1, vps}, {33, 1, NULL}, {34, 1, pps}, {39, 2, sei1}, {40, 1, suffix}};
    CHECK_EQ(h->array_count, 5);
    for (uint32_t a = 0; a < h->array_count && a < 5; a++) {
      CHECK_EQ(h->arrays[a].nal_type, want[a].type);
      CHECK_EQ(h->arrays[a].count, want[a].count);
      const uint8_t *first = want[a].first ? want[a].first : sps;
      CHECK(h->arrays[a].count && !memcmp(h->arrays[a].nals[0].data, first, 2));
    }
    if (h->array_count == 5 && h->arrays[3].count == 2) {
      CHECK(h->arrays[3].nals[1].size == sizeof(sei2) &&
            !memcmp(h->arrays[3].nals[1].data, sei2, sizeof(sei2)));
      CHECK(h->arrays[1].nals[0].size == sps_size &&
            !memcmp(h->arrays[1].nals[0].data, sps, sps_size));
    }
  }
  hf_file_clear(&f);
  free(d);
  sink_free(&out);

  /* A truncated SPS, a missing PPS, a 16-bit depth. */
  hf_span cut[3] = {{vps, sizeof(vps)}, {sps, 20}, {pps, sizeof(pps)}};
  CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, &err) == HEIC_OK);
  hc_err_clear(&err);
  CHECK(hf_writer_add_hvcc(w, id, cut, 3, &err) == HEIC_ERR_INVALID_INPUT);
  CHECK_MSG(err, "SPS of 20 bytes ends before its bit depths");
  hf_writer_free(&w);

  CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, &err) == HEIC_OK);
  hc_err_clear(&err);
  CHECK(hf_writer_add_hvcc(w, id, ps + 2, 4, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(err, "no PPS among the 4 NAL units");
  hf_writer_free(&w);

  memset(&b, 0, sizeof(b));
  put_bits(&b, 0, 8);    /* vps id, 1 sub-layer, no nesting */
  put_bits(&b, 0x01, 8); /* space 0, tier 0, profile 1 */
  put_bits(&b, 0x60000000u, 32);
  put_bits(&b, UINT64_C(0x900000000000), 48);
  put_bits(&b, 90, 8);
  put_ue(&b, 0);
  put_ue(&b, 1);
  put_ue(&b, 16);
  put_ue(&b, 16);
  put_bits(&b, 0, 1);
  put_ue(&b, 8); /* 16-bit luma */
  put_ue(&b, 0);
  sps_size = finish_nal(&b, 0x42, 0x01, sps);
  hf_span deep[3] = {{vps, sizeof(vps)}, {sps, sps_size}, {pps, sizeof(pps)}};
  CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, &err) == HEIC_OK);
  hc_err_clear(&err);
  CHECK(hf_writer_add_hvcc(w, id, deep, 3, &err) == HEIC_ERR_UNSUPPORTED);
  CHECK_MSG(err, "bit depths 16/8 cannot be written in hvcC");
  hf_writer_free(&w);
  env_done(&e);
}

/* ---- 32-bit ids, wide property indices ---- */

static void test_wide(void) {
  enum { N = 70000 };
  env e;
  env_init(&e);
  hc_err err;
  hc_err_clear(&err);
  hf_writer *w = NULL;
  static const hf_fourcc compat[] = {CC("mif1")};
  CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
  CHECK(hf_writer_set_brands(w, CC("mif1"), compat, 1, &err) == HEIC_OK);
  heic_status st = HEIC_OK;
  for (uint32_t i = 1; i <= N && st == HEIC_OK; i++) {
    uint32_t id;
    uint8_t byte = (uint8_t)(i * 7);
    st = hf_writer_add_item(w, CC("unkn"), i == N ? "last" : NULL, i != N, &id, &err);
    if (st == HEIC_OK && id != i) st = HEIC_ERR_INTERNAL;
    if (st == HEIC_OK) st = hf_writer_set_item_data(w, id, &byte, 1, i % 3 == 0, &err);
    /* 200 distinct properties: ipma needs 15-bit indices */
    if (st == HEIC_OK && i <= 200) st = hf_writer_add_ispe(w, id, i, 1, &err);
  }
  CHECK(st == HEIC_OK);
  uint32_t last = N, first = 1;
  CHECK(hf_writer_add_ispe(w, N, 4, 1, &err) == HEIC_OK); /* shared with item 4's */
  CHECK(hf_writer_add_irot(w, N, 2, &err) == HEIC_OK);
  CHECK(hf_writer_add_ref(w, CC("cdsc"), first, &last, 1, &err) == HEIC_OK);
  CHECK(hf_writer_set_primary(w, N, &err) == HEIC_OK);
  sink out = {0};
  CHECK(hf_writer_write(w, sink_write, &out, &err) == HEIC_OK);
  if (err.code) fprintf(stderr, "wide: %s\n", err.message);
  hf_writer_free(&w);

  uint8_t *d = exact_copy(&out);
  size_t n = out.n;
  hf_file f;
  hf_limits lim = {N + 10, 0, 0};
  st = hf_parse(&f, &e.mem, d, n, &lim, &err);
  if (st != HEIC_OK) fprintf(stderr, "wide parse: %s\n", err.message);
  CHECK(st == HEIC_OK);
  if (st == HEIC_OK) {
    CHECK_EQ(f.item_count, N);
    CHECK_EQ(f.primary_id, N);
    CHECK_EQ(f.prop_count, 201);
    int ids_ok = 1, data_ok = 1;
    for (uint32_t i = 0; i < f.item_count; i++) {
      const hf_item *it = &f.items[i];
      ids_ok &= it->id == i + 1 && it->hidden == (i + 1 != N);
      uint32_t id = i + 1;
      const uint8_t *src = it->construction_method ? f.idat.data : d;
      data_ok &= it->has_location && it->extent_count == 1 && it->extents[0].length == 1 &&
                 it->construction_method == (id % 3 == 0) &&
                 src[it->extents[0].offset] == (uint8_t)(id * 7);
    }
    CHECK(ids_ok);
    CHECK(data_ok);
    const hf_item *it = &f.items[N - 1];
    CHECK(!strcmp(it->name, "last"));
    CHECK_EQ(it->assoc_count, 2);
    if (it->assoc_count == 2) {
      CHECK_EQ(it->assocs[0].index, f.items[3].assocs[0].index);
      CHECK_EQ(it->assocs[0].essential, 0);
      CHECK_EQ(it->assocs[1].index, 200);
      CHECK_EQ(it->assocs[1].essential, 1);
      CHECK(f.props[200].parsed && f.props[200].u.irot.angle == 2);
    }
    const hf_item *i199 = &f.items[198];
    CHECK(i199->assoc_count == 1 && f.props[i199->assocs[0].index].u.ispe.width == 199);
    CHECK(f.ref_count == 1 && f.refs[0].from == 1 && f.refs[0].to[0] == N);

    static const char *const p_pitm[] = {"pitm", NULL}, *const p_iinf[] = {"iinf", NULL},
                             *const p_iref[] = {"iref", NULL},
                             *const p_ipma[] = {"iprp", "ipma", NULL},
                             *const p_iloc[] = {"iloc", NULL};
    uint8_t v;
    uint32_t fl;
    hf_reader body;
    CHECK(full_box_header(d, n, p_pitm, &v, &fl, NULL) && v == 1);
    CHECK(full_box_header(d, n, p_iinf, &v, &fl, &body) && v == 1);
    CHECK_EQ(hf_read_u32(&body), N);
    CHECK(full_box_header(d, n, p_iref, &v, &fl, NULL) && v == 1);
    CHECK(full_box_header(d, n, p_ipma, &v, &fl, NULL) && v == 1 && fl == 1);
    CHECK(full_box_header(d, n, p_iloc, &v, &fl, NULL) && v == 2);
    /* infe: v2 up to id 65535, v3 from 65536 */
    hf_reader meta, iinf;
    hf_box b;
    CHECK(find_meta(d, n, &meta));
    CHECK(find_child(&meta, CC("iinf"), &b, &iinf));
    hf_skip(&iinf, 8); /* version, flags, 32-bit count */
    unsigned seen2 = 0, seen3 = 0, bad = 0;
    for (uint32_t i = 1; hf_reader_remaining(&iinf); i++) {
      hf_box ib;
      hf_reader ibody;
      if (hf_box_next(&iinf, &ib, &ibody, 32, &err) != HEIC_OK) break;
      uint8_t iv = hf_read_u8(&ibody);
      if (iv == 2) seen2++;
      if (iv == 3) seen3++;
      bad += iv != (i < 65536 ? 2 : 3);
    }
    CHECK_EQ(seen2, 65535);
    CHECK_EQ(seen3, N - 65535);
    CHECK_EQ(bad, 0);
    hf_file_clear(&f);
  }
  free(d);
  sink_free(&out);

  /* 127 properties still fit 7-bit indices; 128 do not (props ispe + 1 imir). */
  for (uint32_t props = 126; props <= 127; props++) {
    CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
    CHECK(hf_writer_set_brands(w, CC("mif1"), compat, 1, &err) == HEIC_OK);
    uint32_t id;
    CHECK(hf_writer_add_item(w, CC("unkn"), NULL, 0, &id, &err) == HEIC_OK);
    for (uint32_t i = 0; i < props; i++) {
      CHECK(hf_writer_add_item(w, CC("unkn"), NULL, 1, &id, &err) == HEIC_OK);
      CHECK(hf_writer_add_ispe(w, id, i + 1, 1, &err) == HEIC_OK);
    }
    CHECK(hf_writer_add_imir(w, id, 0, &err) == HEIC_OK);
    CHECK(hf_writer_set_primary(w, 1, &err) == HEIC_OK);
    sink o = {0};
    CHECK(hf_writer_write(w, sink_write, &o, &err) == HEIC_OK);
    hf_writer_free(&w);
    uint8_t *od = exact_copy(&o);
    static const char *const p_ipma[] = {"iprp", "ipma", NULL}, *const p_pitm[] = {"pitm", NULL};
    uint8_t v;
    uint32_t fl;
    CHECK(full_box_header(od, o.n, p_ipma, &v, &fl, NULL) && v == 0 && fl == (props + 1 == 128));
    CHECK(full_box_header(od, o.n, p_pitm, &v, &fl, NULL) && v == 0);
    CHECK(hf_parse(&f, &e.mem, od, o.n, NULL, &err) == HEIC_OK);
    const hf_item *lastit = f.item_count == props + 1 ? &f.items[props] : NULL;
    CHECK(lastit && lastit->assoc_count == 2 && lastit->assocs[1].essential == 1 &&
          lastit->assocs[1].index == props && f.props[props].type == CC("imir") &&
          lastit->assocs[0].essential == 0 && f.props[props - 1].u.ispe.width == props);
    hf_file_clear(&f);
    free(od);
    sink_free(&o);
  }
  env_done(&e);
}

/* ---- errors ---- */

static void test_errors(void) {
  env e;
  env_init(&e);
  hc_err err;
  hf_writer *w = NULL;
  uint32_t id = 0, id2 = 0;
  static const hf_fourcc compat[] = {CC("mif1")};

  hc_err_clear(&err);
  CHECK(hf_writer_new(NULL, &e.mem, &err) == HEIC_ERR_INVALID_ARGUMENT);
  hc_err_clear(&err);
  CHECK(hf_writer_add_item(NULL, CC("hvc1"), NULL, 0, &id, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(err, "writer is NULL");

  /* A bad id fails, and every later call repeats that failure. */
  CHECK(hf_writer_new(&w, &e.mem, NULL) == HEIC_OK);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, NULL) == HEIC_OK);
  hc_err_clear(&err);
  CHECK(hf_writer_set_item_data(w, 7, (const uint8_t *)"x", 1, 0, &err) ==
        HEIC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(err, "no item with id 7 (the writer has 1)");
  hc_err_clear(&err);
  CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id2, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(err, "no item with id 7");
  CHECK_EQ(id2, 0);
  hc_err_clear(&err);
  sink out = {0};
  CHECK(hf_writer_write(w, sink_write, &out, &err) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(err, "no item with id 7");
  CHECK_EQ(out.n, 0);
  hf_writer_free(&w);

  /* One writer per failure below (each failure is sticky). */
  struct {
    int what;
    heic_status want;
    const char *msg;
  } cases[] = {
      {0, HEIC_ERR_INVALID_ARGUMENT, "no brands"},
      {1, HEIC_ERR_INVALID_ARGUMENT, "no primary item"},
      {2, HEIC_ERR_INVALID_ARGUMENT, "'mime' item 2 has no content type"},
      {3, HEIC_ERR_INVALID_ARGUMENT, "item 1 is a 'hvc1' item; only 'mime' items"},
      {4, HEIC_ERR_INVALID_ARGUMENT, "mirror axis 2"},
      {5, HEIC_ERR_INVALID_ARGUMENT, "already has 255 properties"},
      {6, HEIC_ERR_INVALID_ARGUMENT, "ipma can index only 32767"},
      {7, HEIC_ERR_IO, "output callback reported an error"},
      {8, HEIC_ERR_INVALID_ARGUMENT, "the primary item 2 is hidden"},
      {9, HEIC_ERR_INVALID_ARGUMENT, "1 to 65535 are possible"},
      {10, HEIC_ERR_UNSUPPORTED, "'uri ' items"},
      {11, HEIC_ERR_INVALID_ARGUMENT, "a denominator is zero"},
      {12, HEIC_ERR_INVALID_ARGUMENT, "image size 0x5 is empty"},
      {13, HEIC_ERR_INVALID_ARGUMENT, "flags 0x1000000 exceed 24 bits"},
      {14, HEIC_ERR_INVALID_ARGUMENT, "NAL unit 0 has 2 bytes"},
  };
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    hc_err_clear(&err);
    CHECK(hf_writer_new(&w, &e.mem, &err) == HEIC_OK);
    CHECK(hf_writer_add_item(w, CC("hvc1"), NULL, 0, &id, &err) == HEIC_OK);
    if (cases[c].what != 0) CHECK(hf_writer_set_brands(w, CC("mif1"), compat, 1, &err) == HEIC_OK);
    if (cases[c].what >= 2) CHECK(hf_writer_set_primary(w, id, &err) == HEIC_OK);
    heic_status st = HEIC_OK;
    sink s = {0};
    switch (cases[c].what) {
      case 2:
        CHECK(hf_writer_add_item(w, CC("mime"), NULL, 1, &id2, &err) == HEIC_OK);
        break;
      case 3:
        st = hf_writer_set_content_type(w, id, "text/plain", &err);
        break;
      case 4:
        st = hf_writer_add_imir(w, id, 2, &err);
        break;
      case 5:
        for (uint32_t i = 0; i <= 255 && st == HEIC_OK; i++)
          st = hf_writer_add_ispe(w, id, 1, 1 + i % 3, &err);
        break;
      case 6:
        for (uint32_t i = 0; i <= 32767 && st == HEIC_OK; i++) {
          if (i % 200 == 0) st = hf_writer_add_item(w, CC("unkn"), NULL, 1, &id2, &err);
          if (st == HEIC_OK) st = hf_writer_add_ispe(w, id2, i + 1, 1, &err);
        }
        break;
      case 7:
        s.fail_at = 3;
        break;
      case 8:
        CHECK(hf_writer_add_item(w, CC("unkn"), NULL, 1, &id2, &err) == HEIC_OK);
        CHECK(hf_writer_set_primary(w, id2, &err) == HEIC_OK);
        break;
      case 9:
        st = hf_writer_add_ref(w, CC("dimg"), id, &id, 0, &err);
        break;
      case 10:
        st = hf_writer_add_item(w, CC("uri "), NULL, 0, &id2, &err);
        break;
      case 11: {
        hf_clap clap = sample_clap;
        clap.vert_off_d = 0;
        st = hf_writer_add_clap(w, id, &clap, &err);
        break;
      }
      case 12:
        st = hf_writer_add_ispe(w, id, 0, 5, &err);
        break;
      case 13:
        st = hf_writer_add_property(w, id, CC("abcd"), 1, 0, 0x1000000u, NULL, 0, 0, &err);
        break;
      case 14: {
        hf_span bad[1] = {{(const uint8_t *)"\x42\x01", 2}};
        st = hf_writer_add_hvcc(w, id, bad, 1, &err);
        break;
      }
      default:
        break;
    }
    if (st == HEIC_OK) {
      CHECK(hf_writer_set_item_data(w, id, (const uint8_t *)"abc", 3, 0, &err) == HEIC_OK);
      st = hf_writer_write(w, sink_write, &s, &err);
    }
    if (st != cases[c].want)
      fprintf(stderr, "error case %d: status %d (%s), want %d\n", cases[c].what, (int)st,
              err.message, (int)cases[c].want);
    CHECK(st == cases[c].want);
    CHECK_MSG(err, cases[c].msg);
    /* sticky: a later, valid call repeats the failure */
    hc_err e2;
    hc_err_clear(&e2);
    CHECK(hf_writer_set_primary(w, id, &e2) == cases[c].want);
    CHECK(!strcmp(e2.message, err.message));
    hf_writer_free(&w);
    sink_free(&s);
  }
  env_done(&e);
}

/* ---- allocation failure ---- */

static void test_alloc_failures(void) {
  env se; /* the source's allocator: never failed */
  env_init(&se);
  source src;
  sample_src ss;
  if (source_load(&src, &se.mem, "RGBA_8__128x128.heif")) {
    env_done(&se);
    return;
  }
  if (sample_src_load(&ss, &src)) {
    failures++;
    sample_src_free(&ss, &se.mem);
    source_free(&src);
    env_done(&se);
    return;
  }
  env e;
  env_init(&e);
  hc_err err;
  hc_err_clear(&err);
  sample_ids ids;
  sink ref = {0};
  uint64_t before = heic_allocator_allocation_count(e.alloc);
  CHECK(write_sample(&e.mem, &ss, &ids, &ref, &err) == HEIC_OK);
  uint64_t count = heic_allocator_allocation_count(e.alloc) - before;
  CHECK(count > 20);
  unsigned clean = 0;
  for (uint64_t k = 1; k <= count; k++) {
    hc_err_clear(&err);
    sink out = {0};
    heic_allocator_fail_at(e.alloc, k);
    heic_status st = write_sample(&e.mem, &ss, &ids, &out, &err);
    heic_allocator_fail_at(e.alloc, 0);
    int ok = st == HEIC_ERR_OUT_OF_MEMORY && err.code == HEIC_ERR_OUT_OF_MEMORY &&
             !strcmp(err.message, "out of memory") && out.n == 0 &&
             heic_allocator_outstanding_bytes(e.alloc) == 0 && hc_mem_outstanding(&e.mem) == 0;
    if (!ok)
      fprintf(stderr, "allocation %llu of %llu failed: status %d \"%s\", %zu bytes out, %zu left\n",
              (unsigned long long)k, (unsigned long long)count, (int)st, err.message, out.n,
              heic_allocator_outstanding_bytes(e.alloc));
    clean += ok;
    sink_free(&out);
  }
  CHECK_EQ(clean, count);
  /* and with no failure, the same bytes again */
  sink again = {0};
  CHECK(write_sample(&e.mem, &ss, &ids, &again, &err) == HEIC_OK);
  CHECK(again.n == ref.n && !memcmp(again.d, ref.d, ref.n));
  printf("allocation failure: %llu allocations, each failed in turn: %u clean\n",
         (unsigned long long)count, clean);
  sink_free(&again);
  sink_free(&ref);
  env_done(&e);
  sample_src_free(&ss, &se.mem);
  source_free(&src);
  env_done(&se);
}

/* ---- libheif: re-wrapped samples ---- */

/* Copies every item, its data, its known properties and references from s
 * into a fresh file (the hvcC rebuilt from its parameter sets).  pad hidden
 * items, each with a property of its own, come first: with more than 127
 * properties ipma needs its 15-bit indices. */
static heic_status rewrap(hf_writer *w, const source *s, uint32_t pad, hc_err *err) {
  const hf_file *f = &s->f;
  TRY(hf_writer_set_brands(w, f->major_brand, f->brands, f->brand_count, err));
  for (uint32_t i = 0; i < pad; i++) {
    uint32_t id;
    const uint8_t byte = (uint8_t)i;
    TRY(hf_writer_add_item(w, CC("unkn"), NULL, 1, &id, err));
    TRY(hf_writer_set_item_data(w, id, &byte, 1, i & 1, err));
    TRY(hf_writer_add_ispe(w, id, i + 1, 7, err));
  }
  uint32_t *map = calloc(f->item_count ? f->item_count : 1, sizeof(*map));
  if (!map) abort();
  heic_status st = HEIC_OK;
  for (uint32_t i = 0; i < f->item_count && st == HEIC_OK; i++) {
    const hf_item *it = &f->items[i];
    st = hf_writer_add_item(w, it->type, it->name, it->hidden, &map[i], err);
    if (st == HEIC_OK && it->type == CC("mime"))
      st = hf_writer_set_content_type(w, map[i], it->content_type, err);
    if (st == HEIC_OK && it->has_location) {
      uint8_t *d = NULL;
      size_t n = 0;
      st = hf_item_data(f, it, &d, &n, err);
      if (st == HEIC_OK)
        st = hf_writer_set_item_data(w, map[i], d, n, it->construction_method == 1, err);
      hc_free(f->mem, d);
    }
    for (uint32_t a = 0; a < it->assoc_count && st == HEIC_OK; a++) {
      const hf_property *p = &f->props[it->assocs[a].index];
      if (!p->parsed) {
        char cc[5];
        hf_fourcc_str(p->type, cc);
        printf("  (item %u: property '%s' not copied)\n", it->id, cc);
        continue;
      }
      switch (p->type) {
        case HF_4CC('i', 's', 'p', 'e'):
          st = hf_writer_add_ispe(w, map[i], p->u.ispe.width, p->u.ispe.height, err);
          break;
        case HF_4CC('p', 'i', 'x', 'i'):
          st = hf_writer_add_pixi(w, map[i], p->u.pixi.channels, p->u.pixi.depth, err);
          break;
        case HF_4CC('c', 'o', 'l', 'r'):
          st = p->u.colr.kind == HF_COLR_NCLX
                   ? hf_writer_add_colr_nclx(w, map[i], &p->u.colr.nclx, err)
                   : hf_writer_add_colr_icc(w, map[i], p->u.colr.icc.data, p->u.colr.icc.size, err);
          break;
        case HF_4CC('h', 'v', 'c', 'C'): {
          hf_span nals[64];
          uint32_t n = hvcc_nals(&p->u.hvcc, nals, 64);
          if (p->u.hvcc.length_size != 4) {
            fprintf(stderr, "  item %u: NAL length size %u (the writer's hvcC says 4)\n", it->id,
                    p->u.hvcc.length_size);
            failures++;
          }
          st = hf_writer_add_hvcc(w, map[i], nals, n, err);
          break;
        }
        case HF_4CC('i', 'r', 'o', 't'):
          st = hf_writer_add_irot(w, map[i], p->u.irot.angle, err);
          break;
        case HF_4CC('i', 'm', 'i', 'r'):
          st = hf_writer_add_imir(w, map[i], p->u.imir.axis, err);
          break;
        case HF_4CC('c', 'l', 'a', 'p'):
          st = hf_writer_add_clap(w, map[i], &p->u.clap, err);
          break;
        case HF_4CC('a', 'u', 'x', 'C'):
          st = hf_writer_add_auxc(w, map[i], p->u.auxc.aux_type, err);
          break;
        default:
          break;
      }
    }
  }
  for (uint32_t r = 0; r < f->ref_count && st == HEIC_OK; r++) {
    const hf_ref *ref = &f->refs[r];
    uint32_t to[256];
    uint32_t n = ref->count < 256 ? ref->count : 256;
    for (uint32_t k = 0; k < n; k++) {
      const hf_item *t = hf_find_item(f, ref->to[k]);
      to[k] = t ? map[t - f->items] : 0;
    }
    const hf_item *from = hf_find_item(f, ref->from);
    st = hf_writer_add_ref(w, ref->type, from ? map[from - f->items] : 0, to, n, err);
  }
  const hf_item *primary = hf_find_item(f, f->primary_id);
  if (st == HEIC_OK) st = hf_writer_set_primary(w, primary ? map[primary - f->items] : 0, err);
  free(map);
  return st;
}

static int have_tool(const char *name) {
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
  return system(cmd) == 0;
}

static int run(const char *fmt, const char *a, const char *b) {
  char cmd[8192];
  snprintf(cmd, sizeof(cmd), fmt, a, b);
  int rc = system(cmd);
  if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
  return rc;
}

static int same_png(const char *a, const char *b) {
  imageio_png_image x, y;
  char msg[256];
  if (imageio_png_read(a, &x, msg, sizeof(msg))) {
    fprintf(stderr, "%s: %s\n", a, msg);
    return 0;
  }
  if (imageio_png_read(b, &y, msg, sizeof(msg))) {
    fprintf(stderr, "%s: %s\n", b, msg);
    imageio_png_image_free(&x);
    return 0;
  }
  int same = x.width == y.width && x.height == y.height && x.channels == y.channels &&
             x.bit_depth == y.bit_depth && x.stride == y.stride &&
             !memcmp(x.data, y.data, x.stride * x.height);
  if (!same)
    fprintf(stderr, "%s (%ux%u, %d channels, %d bits) and %s (%ux%u, %d, %d) differ\n", a, x.width,
            x.height, x.channels, x.bit_depth, b, y.width, y.height, y.channels, y.bit_depth);
  imageio_png_image_free(&x);
  imageio_png_image_free(&y);
  return same;
}

static void test_libheif(void) {
  if (!have_tool("heif-info") || !have_tool("heif-convert")) {
    printf("SKIP libheif: heif-info or heif-convert not installed\n");
    return;
  }
  /* HEIF_WRITE_KEEP=1 keeps the files written, to look at with other readers. */
  int keep = getenv("HEIF_WRITE_KEEP") != NULL;
  /* TMPDIR: ctest points it into the build tree (tests/CMakeLists.txt). */
  const char *tmp = getenv("TMPDIR");
  char dir[400]; /* leaves room in the 512-byte paths below (-Wformat-truncation) */
  snprintf(dir, sizeof dir, "%s/heic_write_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
    failures++;
    return;
  }
  static const char *const samples[] = {
      "RGBA_8__128x128.heif", "blue_grid_alpha.heic", "RGB_10__29x100.heif", "L_8__29x100.heif",
      "RGB_8_chroma444.heif", "L_exif_xmp_iptc.heic", "blue_grid_alpha.heic"};
  /* The last one again behind 200 padding items (wide ipma indices). */
  static const uint32_t pads[] = {0, 0, 0, 0, 0, 0, 200};
  for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
    env e;
    env_init(&e);
    source src;
    if (source_load(&src, &e.mem, samples[i])) {
      env_done(&e);
      continue;
    }
    hc_err err;
    hc_err_clear(&err);
    hf_writer *w = NULL;
    sink out = {0};
    heic_status st = hf_writer_new(&w, &e.mem, &err);
    if (st == HEIC_OK) st = rewrap(w, &src, pads[i], &err);
    if (st == HEIC_OK) st = hf_writer_write(w, sink_write, &out, &err);
    hf_writer_free(&w);
    if (st != HEIC_OK) fprintf(stderr, "%s: rewrap: %s\n", samples[i], err.message);
    CHECK(st == HEIC_OK);

    char orig[512], heic[512], png_a[512], png_b[512], log[512];
    snprintf(orig, sizeof(orig), "%s/%s", data_dir, samples[i]);
    snprintf(heic, sizeof(heic), "%s/rewrap_%zu.heic", dir, i);
    snprintf(png_a, sizeof(png_a), "%s/orig_%zu.png", dir, i);
    snprintf(png_b, sizeof(png_b), "%s/rewrap_%zu.png", dir, i);
    snprintf(log, sizeof(log), "%s/log", dir);
    int ok = st == HEIC_OK && write_whole(heic, out.d, out.n) == 0;
    CHECK(ok);
    if (ok) {
      /* Our own reader sees the same structure. */
      uint8_t *d = exact_copy(&out);
      hf_file f;
      CHECK(hf_parse(&f, &e.mem, d, out.n, NULL, &err) == HEIC_OK);
      uint32_t pad = pads[i];
      CHECK_EQ(f.item_count, src.f.item_count + pad);
      CHECK_EQ(f.ref_count, src.f.ref_count);
      if (pad) CHECK(f.prop_count > 127);
      for (uint32_t k = 0; k + pad < f.item_count && k < src.f.item_count; k++) {
        const hf_item *mine = &f.items[k + pad];
        const hf_hvcc *a = item_hvcc(&f, mine), *b = item_hvcc(&src.f, &src.f.items[k]);
        CHECK(!a == !b);
        if (a && b) {
          check_hvcc_equal(a, b);
          check_hvcc_constants(a);
          check_hvcc_against_sps(a);
        }
        CHECK_EQ(mine->type, src.f.items[k].type);
        CHECK_EQ(mine->hidden, src.f.items[k].hidden);
        CHECK(!strcmp(mine->name, src.f.items[k].name));
        CHECK(!strcmp(mine->content_type, src.f.items[k].content_type));
      }
      hf_file_clear(&f);
      free(d);

      int info = run("heif-info '%s' >'%s' 2>&1", heic, log);
      CHECK(info == 0);
      int conv_a = run("heif-convert --quiet '%s' '%s' >/dev/null 2>&1", orig, png_a);
      int conv_b = run("heif-convert --quiet '%s' '%s' >/dev/null 2>&1", heic, png_b);
      CHECK(conv_a == 0 && conv_b == 0);
      int same = conv_a == 0 && conv_b == 0 && same_png(png_a, png_b);
      CHECK(same);
      printf("libheif: %-22s%s -> %zu bytes (original %zu): heif-info %s, pixels %s\n", samples[i],
             pad ? " +pad" : "", out.n, src.size, info ? "FAILED" : "ok",
             same ? "identical" : "DIFFER");
    }
    if (keep) {
      sink_free(&out);
      source_free(&src);
      env_done(&e);
      continue;
    }
    remove(heic);
    remove(png_a);
    remove(png_b);
    remove(log);
    sink_free(&out);
    source_free(&src);
    env_done(&e);
  }
  if (keep) {
    printf("libheif: files kept in %s (HEIF_WRITE_KEEP)\n", dir);
    return;
  }
  /* heif-convert may leave auxiliary images (e.g. -urn:...alpha) beside the PNG. */
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv) {
  data_dir = argc > 1 ? argv[1] : "tests/data";
  test_sample();
  test_synthetic_sps();
  test_wide();
  test_errors();
  test_alloc_failures();
  test_libheif();
  printf("%lu checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
