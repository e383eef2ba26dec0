/*
 * Unit test: bit writer, Exp-Golomb codes and NAL emulation prevention.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hevc/bitstream.h"

static int failures;
#define CHECK(c)                                                   \
  do {                                                             \
    if (!(c)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      failures++;                                                  \
    }                                                              \
  } while (0)

typedef struct reader {
  const uint8_t *p;
  size_t n, pos;
} reader;

static uint32_t rd(reader *r, int bits) {
  uint32_t v = 0;
  while (bits--) {
    int b = r->pos / 8 < r->n ? (r->p[r->pos / 8] >> (7 - r->pos % 8)) & 1 : 0;
    v = v << 1 | (uint32_t)b;
    r->pos++;
  }
  return v;
}

static uint32_t rd_ue(reader *r) {
  int zeros = 0;
  while (!rd(r, 1)) zeros++;
  return ((1u << zeros) - 1) + rd(r, zeros);
}

int main(void) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return 1;
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);

  hevc_bitwriter bw;
  hevc_bw_init(&bw, &mem);
  /* fixed-width fields of every width, ue and se over a wide range */
  srand(1);
  uint32_t vals[2000];
  int widths[2000];
  for (int i = 0; i < 2000; i++) {
    widths[i] = i % 33;
    vals[i] = widths[i] == 32 ? (uint32_t)rand() * 2654435761u
                              : ((uint32_t)rand() & ((widths[i] ? (1u << widths[i]) : 1u) - 1));
    if (!widths[i]) vals[i] = 0;
    hevc_bw_put(&bw, vals[i], widths[i]);
    hevc_bw_ue(&bw, vals[i] >> 1);
    hevc_bw_se(&bw, (int32_t)(vals[i] & 0xffff) - 0x8000);
  }
  hevc_bw_ue(&bw, 0xfffffffeu); /* the largest value ue(v) can carry */
  hevc_bw_trailing(&bw);
  CHECK(!bw.error);
  CHECK(hevc_bw_aligned(&bw));
  reader r = {bw.buf, bw.size, 0};
  for (int i = 0; i < 2000; i++) {
    CHECK(rd(&r, widths[i]) == vals[i]);
    CHECK(rd_ue(&r) == vals[i] >> 1);
    uint32_t m = rd_ue(&r);
    int32_t se = (m & 1) ? (int32_t)((m + 1) / 2) : -(int32_t)(m / 2);
    CHECK(se == (int32_t)(vals[i] & 0xffff) - 0x8000);
  }
  CHECK(rd_ue(&r) == 0xfffffffeu);
  CHECK(rd(&r, 1) == 1);

  /* emulation prevention: every 00 00 0x (x <= 3) gets a 03 inserted, and
   * removing 03 after 00 00 gives the payload back */
  uint8_t rbsp[4096];
  for (int t = 0; t < 200; t++) {
    size_t n = 1 + (size_t)(rand() % 4000);
    for (size_t i = 0; i < n; i++) rbsp[i] = (rand() % 3) ? 0 : (uint8_t)(rand() % 5);
    rbsp[n - 1] = 0x80; /* an RBSP ends with its stop bit */
    size_t sz = hevc_nal_size(rbsp, n);
    uint8_t *nal = malloc(sz);
    hevc_nal_write(nal, 33, rbsp, n);
    CHECK(nal[0] == 66 && nal[1] == 1);
    for (size_t i = 2; i + 2 < sz; i++) CHECK(!(nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] <= 2));
    uint8_t back[4096];
    size_t m = 0, zeros = 0;
    for (size_t i = 2; i < sz; i++) {
      if (zeros >= 2 && nal[i] == 3) {
        zeros = 0;
        continue;
      }
      back[m++] = nal[i];
      zeros = nal[i] ? 0 : zeros + 1;
    }
    CHECK(m == n && !memcmp(back, rbsp, n));
    free(nal);
  }

  /* allocation failure sets the sticky flag instead of crashing */
  hevc_bw_free(&bw);
  hevc_bw_init(&bw, &mem);
  heic_allocator_fail_at(alloc, 1);
  for (int i = 0; i < 10000; i++) hevc_bw_put(&bw, 0xab, 8);
  CHECK(bw.error);
  heic_allocator_fail_at(alloc, 0);
  hevc_bw_free(&bw);
  CHECK(hc_mem_outstanding(&mem) == 0);
  heic_allocator_free(&alloc);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
