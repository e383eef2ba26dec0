/*
 * Bounds-checked reading of ISOBMFF boxes.  SPDX-License-Identifier: BSD-2-Clause
 *
 * An hf_reader is a cursor over one box payload (or the whole file).  Its
 * window [pos, end) always lies inside its parent's, so no read can leave the
 * box it belongs to, nor the file.  A read that would run past `end` returns
 * 0 (or an empty result), does not move the cursor and sets the sticky
 * `error` flag: parsers read a whole structure freely and check the flag
 * once per box (and once per entry in counted loops, so that a broken count
 * cannot spin for long), as a bit writer would.
 *
 * The reader allocates nothing; pointers it hands out point into the file.
 */
#ifndef HEIC_HEIF_BOX_READER_H
#define HEIC_HEIF_BOX_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "heif/heif_file.h"

typedef struct hf_reader {
  const uint8_t *file; /* start of the file: offsets are absolute, for messages */
  size_t pos;          /* next byte to read; pos <= end */
  size_t end;          /* end of this box's payload (or of the file) */
  uint32_t depth;      /* nesting of the box being read: 0 for the file itself */
  hf_fourcc type;      /* type of the box being read (0 for the file) */
  size_t box_offset;   /* offset of that box's header */
  int error;           /* sticky: some read ran past end */
  /* Set by the caller on the file's reader only: a box whose size runs past
   * the end is clipped to it (hf_box.clipped) instead of rejected. */
  int clip_at_end;
} hf_reader;

/* A box header as found by hf_box_next. */
typedef struct hf_box {
  hf_fourcc type;
  uint8_t uuid[16];    /* extended type when type == 'uuid', else zero */
  size_t offset;       /* of the header */
  size_t header_size;  /* 8, 16 with a largesize, +16 for 'uuid' */
  size_t size;         /* of the whole box, header included (size 0 resolved) */
  int clipped;         /* size was cut down to the end of the file (clip_at_end) */
  uint64_t declared_size; /* the size field as written (largesize if any; 0: to the end) */
} hf_box;

/* A reader over the whole file (depth 0). */
void hf_reader_init(hf_reader *r, const uint8_t *data, size_t size);

static inline size_t hf_reader_remaining(const hf_reader *r) { return r->end - r->pos; }

/* Reads the box header at r's cursor, checks its size against r's window
 * (size 0: up to the end of the window; size 1: 64-bit largesize), moves r
 * past the box and sets *payload to a reader over its contents at depth
 * r->depth + 1 (never clipping).  Fails with HEIC_ERR_INVALID_INPUT naming
 * the box and offset, or HEIC_ERR_LIMIT_EXCEEDED when the new depth exceeds
 * max_depth. */
heic_status hf_box_next(hf_reader *r, hf_box *box, hf_reader *payload, uint32_t max_depth,
                        hc_err *err);

uint8_t hf_read_u8(hf_reader *r);
uint16_t hf_read_u16(hf_reader *r);
uint32_t hf_read_u32(hf_reader *r);
uint64_t hf_read_u64(hf_reader *r);
/* Big-endian unsigned integer of n bytes, 0 <= n <= 8 (n == 0 reads nothing
 * and gives 0, as iloc's zero-sized fields mean). */
uint64_t hf_read_uint(hf_reader *r, unsigned n);
static inline hf_fourcc hf_read_fourcc(hf_reader *r) { return hf_read_u32(r); }
/* version (8 bits) and flags (24 bits) of a FullBox. */
void hf_read_full_header(hf_reader *r, uint8_t *version, uint32_t *flags);
void hf_read_bytes(hf_reader *r, void *dst, size_t n);
/* The next n bytes, in place; NULL (and error set) when fewer remain. */
const uint8_t *hf_read_span(hf_reader *r, size_t n);
/* Everything up to the end of the box, in place (possibly empty). */
hf_span hf_read_rest(hf_reader *r);
void hf_skip(hf_reader *r, size_t n);
/* A NUL-terminated string, in place and without its NUL.  The string may not
 * run past the box; a string that ends exactly at the box end without its
 * NUL is accepted, since several writers omit the last terminator.  With no
 * byte left at all the string is missing: error is set. */
hf_span hf_read_cstr(hf_reader *r);

#endif
