/*
 * libheif-libheic.so: the coded NAL units of one picture, waiting for
 * libheif's get_compressed_data().  SPDX-License-Identifier: BSD-2-Clause
 *
 * OWNERSHIP.  The queue owns one buffer holding every NAL unit of the
 * picture (each as a 4-byte length and the bytes).  lp_packets_next()
 * lends the next one: the pointer is the queue's and stays valid until the
 * next call of lp_packets_next(), lp_packets_clear() or lp_packets_append()
 * on the same queue.  When the last one has been lent, the next call
 * returns NULL and releases the buffer, so a host that reads to the end
 * leaves nothing behind; lp_packets_clear() releases whatever a host did
 * not read.
 */
#ifndef LP_PACKETS_H
#define LP_PACKETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp_packets {
  uint8_t *buf;       /* from lp_malloc; NULL when empty */
  size_t size, cap;
  size_t next;        /* offset of the record lp_packets_next() lends next */
} lp_packets;

/* Copies one NAL unit (1 .. INT32_MAX bytes) to the end of the queue.
 * Returns 0, or -1 when memory ran out or the NAL is too large for libheif
 * (its sizes are ints); the queue is unchanged then. */
int lp_packets_append(lp_packets *q, const uint8_t *nal, size_t size);
/* The next NAL unit and its size, or NULL (and *size 0) after the last -
 * the queue is then empty and its memory released.  See OWNERSHIP. */
uint8_t *lp_packets_next(lp_packets *q, size_t *size);
/* Releases everything in the queue.  Safe on an empty or zeroed queue. */
void lp_packets_clear(lp_packets *q);

#endif /* LP_PACKETS_H */
