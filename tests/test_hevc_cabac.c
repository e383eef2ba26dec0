/*
 * Unit test: the CABAC encoder against an arithmetic decoder written here
 * from the decoding process of H.265 9.3.4.3 (DecodeDecision, DecodeBypass,
 * DecodeTerminate with their renormalisation), plus the counting twin.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/mem.h"
#include "hevc/cabac.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

typedef struct dec {
  const uint8_t *p;
  size_t n, pos;
  uint32_t range, offset;
  hevc_contexts ctx;
} dec;

static int bit(dec *d) {
  int b = d->pos / 8 < d->n ? (d->p[d->pos / 8] >> (7 - d->pos % 8)) & 1 : 0;
  d->pos++;
  return b;
}

static void dec_init(dec *d, const uint8_t *p, size_t n, const hevc_contexts *c) {
  d->p = p;
  d->n = n;
  d->pos = 0;
  d->range = 510;
  d->offset = 0;
  for (int i = 0; i < 9; i++) d->offset = d->offset << 1 | (uint32_t)bit(d);
  d->ctx = *c;
}

static int dec_decision(dec *d, int idx) {
  int state = d->ctx.s[idx] >> 1, mps = d->ctx.s[idx] & 1, bin;
  uint32_t lps = hevc_cabac_lps_range[state][(d->range >> 6) & 3];
  d->range -= lps;
  if (d->offset >= d->range) {
    bin = !mps;
    d->offset -= d->range;
    d->range = lps;
    if (state == 0) mps = 1 - mps;
    state = hevc_cabac_next_lps[state];
  } else {
    bin = mps;
    if (state < 62) state++;
  }
  d->ctx.s[idx] = (uint8_t)(state << 1 | mps);
  while (d->range < 256) {
    d->range <<= 1;
    d->offset = d->offset << 1 | (uint32_t)bit(d);
  }
  return bin;
}

static int dec_bypass(dec *d) {
  d->offset = d->offset << 1 | (uint32_t)bit(d);
  if (d->offset >= d->range) {
    d->offset -= d->range;
    return 1;
  }
  return 0;
}

static int dec_terminate(dec *d) {
  d->range -= 2;
  if (d->offset >= d->range) return 1;
  while (d->range < 256) {
    d->range <<= 1;
    d->offset = d->offset << 1 | (uint32_t)bit(d);
  }
  return 0;
}

enum { N = 200000 };

int main(void) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return 1;
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);
  static uint8_t kind[N], ctxi[N], bins[N];
  for (int qp = 0; qp <= 51; qp += 17) {
    srand((unsigned)qp + 7);
    /* skewed per-context probabilities so that states travel the table */
    int prob[HEVC_NUM_CTX];
    for (int i = 0; i < HEVC_NUM_CTX; i++) prob[i] = rand() % 1001;
    for (int i = 0; i < N; i++) {
      int r = rand() % 100;
      kind[i] = r < 70 ? 0 : r < 99 ? 1 : 2;
      ctxi[i] = (uint8_t)(rand() % HEVC_NUM_CTX);
      bins[i] = kind[i] == 0 ? (rand() % 1000) < prob[ctxi[i]] : kind[i] == 1 ? rand() & 1 : 0;
    }
    hevc_contexts init;
    hevc_contexts_init(&init, qp);
    hevc_bitwriter bw;
    hevc_bw_init(&bw, &mem);
    hevc_cabac cb = {.ctx = init};
    hevc_cabac_start(&cb, &bw);
    hevc_cabac est;
    hevc_cabac_start_count(&est, &init);
    for (int i = 0; i < N; i++) {
      if (kind[i] == 0) {
        hevc_cabac_bin(&cb, ctxi[i], bins[i]);
        hevc_cabac_bin(&est, ctxi[i], bins[i]);
      } else if (kind[i] == 1) {
        hevc_cabac_bypass(&cb, bins[i]);
        hevc_cabac_bypass(&est, bins[i]);
      } else {
        hevc_cabac_terminate(&cb, 0);
      }
    }
    hevc_cabac_terminate(&cb, 1);
    hevc_bw_align_zero(&bw);
    CHECK(!bw.error);
    /* states after counting equal states after writing */
    int same = 1;
    for (int i = 0; i < HEVC_NUM_CTX; i++) same &= est.ctx.s[i] == cb.ctx.s[i];
    CHECK(same);
    /* the estimate is close to the real size */
    double real = (double)bw.size * 8, guess = (double)est.frac_bits / 32768.0;
    CHECK(guess > real * 0.97 && guess < real * 1.03);

    dec d;
    dec_init(&d, bw.buf, bw.size, &init);
    int bad = 0;
    for (int i = 0; i < N && !bad; i++) {
      int b = kind[i] == 0 ? dec_decision(&d, ctxi[i]) : kind[i] == 1 ? dec_bypass(&d) : dec_terminate(&d);
      if (b != bins[i]) {
        fprintf(stderr, "qp %d: bin %d (kind %d) decoded %d, coded %d\n", qp, i, kind[i], b, bins[i]);
        bad = 1;
      }
    }
    CHECK(!bad);
    CHECK(dec_terminate(&d) == 1);
    /* The flush ends with the rbsp_stop_one_bit, which is the last bit the
     * decoder has read into its 9-bit offset register when the terminating
     * bin comes out 1; only alignment zeros may follow it. */
    size_t stop = d.pos - 1;
    CHECK(stop / 8 == bw.size - 1);
    CHECK(((bw.buf[stop / 8] >> (7 - stop % 8)) & 1) == 1);
    CHECK((bw.buf[bw.size - 1] & ((1u << (7 - stop % 8)) - 1)) == 0);
    hevc_bw_free(&bw);
  }
  CHECK(hc_mem_outstanding(&mem) == 0);
  heic_allocator_free(&alloc);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
