/*
 * Unit test: the HEVC encoder's streaming input (hevc_encoder_begin / push /
 * finish) codes the same bytes as hevc_encoder_encode() for any band
 * height, size (odd, partial CTUs, one CTU row), chroma format, CTU size
 * and thread count; misuse is refused; an allocation-failure loop over a
 * streamed picture ends every run in a clean error with nothing left.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hevc/hevc_encoder.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

enum { MAXW = 330, MAXH = 300 };
static uint16_t planes[3][MAXW * MAXH];

/* The NAL units of out, concatenated (malloc'd; *n bytes). */
static uint8_t *flatten(const hevc_enc_output *out, size_t *n) {
  size_t total = 0;
  for (int i = 0; i < out->count; i++) total += heic_buffer_size(out->nal[i].buf);
  uint8_t *b = malloc(total ? total : 1);
  *n = 0;
  for (int i = 0; i < out->count && b; i++) {
    memcpy(b + *n, heic_buffer_data(out->nal[i].buf), heic_buffer_size(out->nal[i].buf));
    *n += heic_buffer_size(out->nal[i].buf);
  }
  return b;
}

/* Codes the w x h picture (stride MAXW) whole (band 0) or in bands of
 * `band` lines; the bytes in *bytes (malloc'd) on success. */
static heic_status code(hc_mem *mem, const hevc_enc_config *cfg, uint32_t w, uint32_t h,
                        uint32_t band, uint8_t **bytes, size_t *n) {
  hc_err err;
  hc_err_clear(&err);
  hevc_encoder *enc = NULL;
  hevc_enc_output out;
  memset(&out, 0, sizeof(out));
  if (bytes) *bytes = NULL;
  heic_status st = hevc_encoder_new(&enc, mem, cfg, &err);
  if (st == HEIC_OK && !band) {
    hevc_enc_picture pic = {w, h, {planes[0], planes[1], planes[2]}, {MAXW, MAXW, MAXW}};
    st = hevc_encoder_encode(enc, &pic, &out, &err);
  } else if (st == HEIC_OK) {
    st = hevc_encoder_begin(enc, w, h, &err);
    for (uint32_t y = 0; st == HEIC_OK && y < h; y += band) {
      uint32_t lines = h - y < band ? h - y : band;
      /* chroma lines: half the luma ones in 4:2:0 only */
      size_t cy = cfg->chroma_format == HEVC_CHROMA_420 ? y / 2 : y;
      hevc_enc_picture b = {w, lines,
                            {planes[0] + (size_t)y * MAXW, planes[1] + cy * MAXW,
                             planes[2] + cy * MAXW},
                            {MAXW, MAXW, MAXW}};
      st = hevc_encoder_push(enc, &b, &err);
    }
    if (st == HEIC_OK) st = hevc_encoder_finish(enc, &out, &err);
  }
  if (st != HEIC_OK) CHECK(err.message[0] != 0 && out.count == 0);
  if (st == HEIC_OK && bytes) *bytes = flatten(&out, n);
  hevc_enc_output_clear(&out);
  hevc_encoder_free(&enc);
  return st;
}

int main(void) {
  srand(17);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < MAXW * MAXH; i++)
      planes[c][i] = (uint16_t)(((i % MAXW) * 3 + (i / MAXW) * (c + 1) + rand() % 24) & 255);
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return 1;
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);
  hevc_enc_config cfg;
  hevc_enc_config_default(&cfg);
  (void)hevc_enc_config_preset(&cfg, HEVC_PRESET_ULTRAFAST);
  cfg.qp = 32;
  cfg.threads = 1;

  static const uint32_t sizes[][2] = {{330, 300}, {75, 41}, {257, 129}, {64, 64}, {8, 3}, {200, 70}};
  static const uint32_t bands[] = {2, 6, 64, 66, 130, 1000};
  int cases = 0;
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
    for (int variant = 0; variant < 6; variant++) {
      hevc_enc_config c = cfg;
      c.chroma_format = variant & 1 ? HEVC_CHROMA_400 : HEVC_CHROMA_420;
      c.threads = variant & 2 ? 2 : 1;
      if (variant == 2) c.ctu_log2 = 5;
      if (variant == 3) c.wpp = 0;
      /* 4:2:2 on one thread, 4:4:4 on two */
      if (variant == 4) c.chroma_format = HEVC_CHROMA_422;
      if (variant == 5) c.chroma_format = HEVC_CHROMA_444;
      uint32_t w = sizes[s][0], h = sizes[s][1];
      uint8_t *whole = NULL;
      size_t nw = 0;
      CHECK(code(&mem, &c, w, h, 0, &whole, &nw) == HEIC_OK);
      for (size_t b = 0; b < sizeof(bands) / sizeof(bands[0]) + 1; b++) {
        /* odd bands only where chroma allows it: every format but 4:2:0 */
        uint32_t band = b < sizeof(bands) / sizeof(bands[0]) ? bands[b] : 1;
        if (band == 1 && c.chroma_format == HEVC_CHROMA_420) continue;
        uint8_t *streamed = NULL;
        size_t ns = 0;
        CHECK(code(&mem, &c, w, h, band, &streamed, &ns) == HEIC_OK);
        if (!(ns == nw && streamed && whole && !memcmp(streamed, whole, nw))) {
          fprintf(stderr, "%ux%u chroma %d threads %d ctu %d wpp %d band %u: bytes differ\n", w, h,
                  c.chroma_format, c.threads, 1 << c.ctu_log2, c.wpp, band);
          failures++;
        }
        free(streamed);
        cases++;
      }
      free(whole);
    }
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* misuse: push / finish without begin, a band too wide or too tall, an
   * odd band in the middle of a 4:2:0 picture, finish before the end */
  {
    hc_err err;
    hc_err_clear(&err);
    hevc_encoder *enc = NULL;
    hevc_enc_output out;
    memset(&out, 0, sizeof(out));
    CHECK(hevc_encoder_new(&enc, &mem, &cfg, &err) == HEIC_OK);
    hevc_enc_picture b = {100, 4, {planes[0], planes[1], planes[2]}, {MAXW, MAXW, MAXW}};
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_ERR_INVALID_ARGUMENT);
    CHECK(hevc_encoder_finish(enc, &out, &err) == HEIC_ERR_INVALID_ARGUMENT && out.count == 0);
    CHECK(hevc_encoder_begin(enc, 100, 10, &err) == HEIC_OK);
    b.width = 101;
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_ERR_INVALID_ARGUMENT);
    b.width = 100;
    b.height = 3;
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_ERR_INVALID_ARGUMENT);
    b.height = 4;
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_OK);
    CHECK(hevc_encoder_finish(enc, &out, &err) == HEIC_ERR_INVALID_ARGUMENT && out.count == 0);
    b.height = 8;
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_ERR_INVALID_ARGUMENT);
    /* given up half way: a new picture, or the free, releases the run */
    CHECK(hevc_encoder_begin(enc, 100, 10, &err) == HEIC_OK);
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_OK);
    CHECK(hevc_encoder_begin(enc, 0, 10, &err) == HEIC_ERR_UNSUPPORTED);
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_ERR_INVALID_ARGUMENT);
    CHECK(hevc_encoder_begin(enc, 100, 10, &err) == HEIC_OK);
    CHECK(hevc_encoder_push(enc, &b, &err) == HEIC_OK);
    hevc_encoder_free(&enc);
    CHECK(!enc);
  }
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* allocation failure at every point of a streamed picture, 2 threads */
  {
    hevc_enc_config c = cfg;
    c.threads = 2;
    uint64_t before = heic_allocator_allocation_count(alloc);
    CHECK(code(&mem, &c, 200, 150, 20, NULL, NULL) == HEIC_OK);
    uint64_t count = heic_allocator_allocation_count(alloc) - before;
    CHECK(count > 5);
    for (uint64_t i = 1; i <= count; i++) {
      heic_allocator_fail_at(alloc, i);
      heic_status st = code(&mem, &c, 200, 150, 20, NULL, NULL);
      heic_allocator_fail_at(alloc, 0);
      if (st == HEIC_OK) {
        fprintf(stderr, "allocation %llu failed but the encode succeeded\n", (unsigned long long)i);
        failures++;
      }
      if (hc_mem_outstanding(&mem) != 0 || heic_allocator_outstanding_bytes(alloc) != 0) {
        fprintf(stderr, "allocation %llu: bytes leaked\n", (unsigned long long)i);
        failures++;
      }
    }
  }
  heic_allocator_free(&alloc);
  printf("%d streamed encodes compared\n", cases);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
