/*
 * libheif-libheic.so: the queue of coded NAL units (packets.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "packets.h"

#include <string.h>

#include "mem.h"

#define LEN_BYTES 4u

int lp_packets_append(lp_packets *q, const uint8_t *nal, size_t size) {
  if (!size || size > INT32_MAX || size > SIZE_MAX - LEN_BYTES - q->size) return -1;
  size_t need = q->size + LEN_BYTES + size;
  if (need > q->cap) {
    /* Doubling from 16 KiB: a coded photo is a few NALs, one of them large,
     * so the buffer grows a handful of times per picture. */
    size_t cap = q->cap ? q->cap : 16384;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *grown = lp_malloc(cap);
    if (!grown) return -1;
    if (q->size) memcpy(grown, q->buf, q->size);
    lp_free(q->buf);
    q->buf = grown;
    q->cap = cap;
  }
  uint8_t *p = q->buf + q->size;
  for (unsigned i = 0; i < LEN_BYTES; i++) p[i] = (uint8_t)(size >> (8 * (LEN_BYTES - 1 - i)));
  memcpy(p + LEN_BYTES, nal, size);
  q->size = need;
  return 0;
}

uint8_t *lp_packets_next(lp_packets *q, size_t *size) {
  *size = 0;
  if (q->next + LEN_BYTES > q->size) {
    lp_packets_clear(q);
    return NULL;
  }
  uint8_t *p = q->buf + q->next;
  size_t n = 0;
  for (unsigned i = 0; i < LEN_BYTES; i++) n = n << 8 | p[i];
  q->next += LEN_BYTES + n;
  *size = n;
  return p + LEN_BYTES;
}

void lp_packets_clear(lp_packets *q) {
  lp_free(q->buf);
  memset(q, 0, sizeof(*q));
}
