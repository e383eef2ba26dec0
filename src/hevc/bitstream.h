/*
 * Bit writer and NAL unit packaging.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The writer grows its buffer through an hc_mem.  An allocation failure does
 * not return an error from every put: it sets the sticky `error` flag and
 * later writes are dropped, so callers write freely and check once (per CTU
 * in the slice data, once per parameter set elsewhere).
 */
#ifndef HEIC_HEVC_BITSTREAM_H
#define HEIC_HEVC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

typedef struct hevc_bitwriter {
  hc_mem *mem;      /* borrowed */
  uint8_t *buf;     /* owned, hc_malloc'd */
  size_t size;      /* complete bytes in buf */
  size_t cap;
  uint32_t acc;     /* pending bits, most significant first */
  int nacc;         /* number of pending bits in acc (0..7 between calls) */
  int error;        /* sticky: set on allocation failure */
} hevc_bitwriter;

void hevc_bw_init(hevc_bitwriter *bw, hc_mem *mem);
/* Releases the buffer; safe on a zeroed or already freed writer. */
void hevc_bw_free(hevc_bitwriter *bw);
/* Empties the writer, keeping its buffer. */
void hevc_bw_reset(hevc_bitwriter *bw);

/* Writes the n (0..32) low bits of v, most significant first. */
void hevc_bw_put(hevc_bitwriter *bw, uint32_t v, int n);
void hevc_bw_ue(hevc_bitwriter *bw, uint32_t v);
void hevc_bw_se(hevc_bitwriter *bw, int32_t v);
/* rbsp_trailing_bits(): a one bit, then zeros up to the byte boundary. */
void hevc_bw_trailing(hevc_bitwriter *bw);
/* Zero bits up to the byte boundary (CABAC flush already wrote the stop bit). */
void hevc_bw_align_zero(hevc_bitwriter *bw);
static inline int hevc_bw_aligned(const hevc_bitwriter *bw) { return bw->nacc == 0; }
/* Bits written so far. */
static inline uint64_t hevc_bw_bits(const hevc_bitwriter *bw) {
  return (uint64_t)bw->size * 8 + (uint64_t)bw->nacc;
}

/* Size of a NAL unit (2-byte header + rbsp with emulation prevention bytes
 * inserted), without any start code. */
size_t hevc_nal_size(const uint8_t *rbsp, size_t rbsp_size);
/* Writes the NAL unit header for nal_type (layer 0, temporal id 0) and the
 * escaped rbsp into dst, which holds hevc_nal_size() bytes. */
void hevc_nal_write(uint8_t *dst, int nal_type, const uint8_t *rbsp, size_t rbsp_size);
/* Writes rbsp with emulation prevention bytes (hevc_nal_size() - 2 bytes),
 * as it follows a non-zero byte. */
void hevc_nal_escape(uint8_t *dst, const uint8_t *rbsp, size_t rbsp_size);

#endif
