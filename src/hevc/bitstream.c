/*
 * Bit writer and NAL unit packaging.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "bitstream.h"

#include <stdint.h>
#include <string.h>

void hevc_bw_init(hevc_bitwriter *bw, hc_mem *mem) {
  memset(bw, 0, sizeof(*bw));
  bw->mem = mem;
}

void hevc_bw_free(hevc_bitwriter *bw) {
  if (bw->buf) hc_free(bw->mem, bw->buf);
  bw->buf = NULL;
  bw->size = bw->cap = 0;
  bw->acc = 0;
  bw->nacc = 0;
}

void hevc_bw_reset(hevc_bitwriter *bw) {
  bw->size = 0;
  bw->acc = 0;
  bw->nacc = 0;
  bw->error = 0;
}

static void bw_byte(hevc_bitwriter *bw, uint8_t b) {
  if (bw->error) return;
  if (bw->size == bw->cap) {
    size_t ncap = bw->cap ? bw->cap * 2 : 4096;
    if (ncap < bw->cap) {
      bw->error = 1;
      return;
    }
    uint8_t *nb = hc_realloc_array(bw->mem, bw->buf, ncap, 1);
    if (!nb) {
      bw->error = 1;
      return;
    }
    bw->buf = nb;
    bw->cap = ncap;
  }
  bw->buf[bw->size++] = b;
}

void hevc_bw_put(hevc_bitwriter *bw, uint32_t v, int n) {
  /* Feed in pieces of at most 8 bits so that acc (holding < 8 pending bits)
   * never overflows. */
  while (n > 0) {
    int take = n > 8 ? 8 : n;
    n -= take;
    uint32_t part = (v >> n) & ((1u << take) - 1);
    bw->acc = (bw->acc << take) | part;
    bw->nacc += take;
    if (bw->nacc >= 8) {
      bw->nacc -= 8;
      bw_byte(bw, (uint8_t)(bw->acc >> bw->nacc));
      bw->acc &= (1u << bw->nacc) - 1;
    }
  }
}

void hevc_bw_ue(hevc_bitwriter *bw, uint32_t v) {
  uint64_t x = (uint64_t)v + 1;
  int len = 0;
  while ((x >> len) > 1) len++;
  hevc_bw_put(bw, 0, len);
  /* len + 1 bits of x, written in two parts to stay within 32 bits. */
  hevc_bw_put(bw, 1, 1);
  hevc_bw_put(bw, (uint32_t)(x & ((1ull << len) - 1)), len);
}

void hevc_bw_se(hevc_bitwriter *bw, int32_t v) {
  uint32_t m = v > 0 ? 2u * (uint32_t)v - 1 : 2u * (uint32_t)(-(int64_t)v);
  hevc_bw_ue(bw, m);
}

void hevc_bw_trailing(hevc_bitwriter *bw) {
  hevc_bw_put(bw, 1, 1);
  hevc_bw_align_zero(bw);
}

void hevc_bw_align_zero(hevc_bitwriter *bw) {
  if (bw->nacc) hevc_bw_put(bw, 0, 8 - bw->nacc);
}

/* Emulation prevention (7.4.2): within the NAL payload the byte sequences
 * 00 00 00, 00 00 01, 00 00 02 and 00 00 03 must not occur, so a 03 is
 * inserted after every two zero bytes that are followed by a byte <= 3.
 * An RBSP ends with its stop bit, so its last byte is never zero and no
 * trailing 03 is needed. */
size_t hevc_nal_size(const uint8_t *rbsp, size_t n) {
  size_t out = 2, zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (zeros >= 2 && rbsp[i] <= 3) {
      out++;
      zeros = 0;
    }
    out++;
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
  return out;
}

void hevc_nal_write(uint8_t *dst, int nal_type, const uint8_t *rbsp, size_t n) {
  dst[0] = (uint8_t)(nal_type << 1); /* forbidden_zero_bit 0, nuh_layer_id 0 */
  dst[1] = 1;                        /* nuh_temporal_id_plus1 = 1 */
  hevc_nal_escape(dst + 2, rbsp, n);
}

void hevc_nal_escape(uint8_t *dst, const uint8_t *rbsp, size_t n) {
  size_t o = 0, zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (zeros >= 2 && rbsp[i] <= 3) {
      dst[o++] = 3;
      zeros = 0;
    }
    dst[o++] = rbsp[i];
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
}
