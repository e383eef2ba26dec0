/*
 * Growable big-endian byte buffer for writing ISOBMFF boxes.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The mirror of box_reader: an hf_bw appends fields freely and records the
 * first problem in a sticky `error` (allocation failure, or a box grown past
 * what its 32-bit size field can say), so that a serialiser writes a whole
 * structure and checks once at the end instead of after every field, as a
 * bit writer does.  After an error every write is a no-op.
 *
 * Boxes are written as begin/end pairs: begin writes a header with a zero
 * size and returns where it starts; end patches the size once the payload is
 * known.  Nesting needs no bookkeeping of its own: the caller keeps each
 * start in a local, in the shape of its own recursion.
 *
 * Ownership: the buffer's bytes come from the hc_mem given to hf_bw_init and
 * are released by hf_bw_clear (safe on a zeroed or failed buffer).
 */
#ifndef HEIC_HEIF_BOX_WRITER_H
#define HEIC_HEIF_BOX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "heif/heif_file.h"

typedef enum hf_bw_error {
  HF_BW_OK = 0,
  HF_BW_NO_MEMORY, /* growing the buffer failed (or its size would overflow) */
  HF_BW_TOO_LARGE  /* a box's size does not fit its 32-bit size field */
} hf_bw_error;

typedef struct hf_bw {
  hc_mem *mem;
  uint8_t *data;
  size_t size; /* bytes written */
  size_t cap;  /* bytes allocated */
  hf_bw_error error;
} hf_bw;

void hf_bw_init(hf_bw *b, hc_mem *mem);
/* Frees the bytes and zeroes b (keeping nothing, not even mem). */
void hf_bw_clear(hf_bw *b);
/* Forgets the contents but keeps the allocation and any sticky error, so a
 * second serialisation pass costs no allocation. */
static inline void hf_bw_rewind(hf_bw *b) { b->size = 0; }

void hf_bw_bytes(hf_bw *b, const void *src, size_t n);
/* Big-endian unsigned integer of n bytes, 0 <= n <= 8 (n == 0 writes nothing,
 * as iloc's zero-sized fields mean). */
void hf_bw_uint(hf_bw *b, uint64_t v, unsigned n);
static inline void hf_bw_u8(hf_bw *b, uint32_t v) { hf_bw_uint(b, v, 1); }
static inline void hf_bw_u16(hf_bw *b, uint32_t v) { hf_bw_uint(b, v, 2); }
static inline void hf_bw_u32(hf_bw *b, uint32_t v) { hf_bw_uint(b, v, 4); }
static inline void hf_bw_fourcc(hf_bw *b, hf_fourcc cc) { hf_bw_uint(b, cc, 4); }
/* s and its terminating NUL (s == NULL writes the empty string). */
void hf_bw_cstr(hf_bw *b, const char *s);

/* Header of a box with a placeholder size; returns the box's start for
 * hf_bw_box_end. */
size_t hf_bw_box_begin(hf_bw *b, hf_fourcc type);
/* Same, for a FullBox: version (8 bits) and flags (24 bits) follow. */
size_t hf_bw_full_box_begin(hf_bw *b, hf_fourcc type, uint8_t version, uint32_t flags);
/* Patches the 32-bit size of the box begun at start to cover everything
 * written since.  A box over 4 GiB - 1 sets HF_BW_TOO_LARGE (the boxes built
 * in memory are all metadata; only mdat can be that large, and its header is
 * written separately with a largesize). */
void hf_bw_box_end(hf_bw *b, size_t start);

#endif
