/*
 * Bounds-checked reading of ISOBMFF boxes.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "heif/box_reader.h"

#include <stdio.h>
#include <string.h>

void hf_reader_init(hf_reader *r, const uint8_t *data, size_t size) {
  memset(r, 0, sizeof(*r));
  r->file = data;
  r->end = data ? size : 0;
}

/* The one bounds check every read goes through.  Comparing against the
 * remaining length (never computing pos + n) cannot overflow. */
static int take(hf_reader *r, size_t n) {
  if (r->error || n > r->end - r->pos) {
    r->error = 1;
    return 0;
  }
  return 1;
}

uint8_t hf_read_u8(hf_reader *r) {
  if (!take(r, 1)) return 0;
  return r->file[r->pos++];
}

uint64_t hf_read_uint(hf_reader *r, unsigned n) {
  if (n > 8) {
    r->error = 1;
    return 0;
  }
  if (!take(r, n)) return 0;
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = (v << 8) | r->file[r->pos + i];
  r->pos += n;
  return v;
}

uint16_t hf_read_u16(hf_reader *r) { return (uint16_t)hf_read_uint(r, 2); }
uint32_t hf_read_u32(hf_reader *r) { return (uint32_t)hf_read_uint(r, 4); }
uint64_t hf_read_u64(hf_reader *r) { return hf_read_uint(r, 8); }

void hf_read_full_header(hf_reader *r, uint8_t *version, uint32_t *flags) {
  uint32_t v = hf_read_u32(r);
  *version = (uint8_t)(v >> 24);
  *flags = v & 0xFFFFFFu;
}

void hf_read_bytes(hf_reader *r, void *dst, size_t n) {
  if (!take(r, n)) {
    memset(dst, 0, n);
    return;
  }
  memcpy(dst, r->file + r->pos, n);
  r->pos += n;
}

const uint8_t *hf_read_span(hf_reader *r, size_t n) {
  if (!take(r, n)) return NULL;
  const uint8_t *p = r->file + r->pos;
  r->pos += n;
  return p;
}

hf_span hf_read_rest(hf_reader *r) {
  hf_span s = {NULL, 0};
  if (r->error) return s;
  s.data = r->file + r->pos;
  s.size = r->end - r->pos;
  r->pos = r->end;
  return s;
}

void hf_skip(hf_reader *r, size_t n) {
  if (take(r, n)) r->pos += n;
}

hf_span hf_read_cstr(hf_reader *r) {
  hf_span s = {NULL, 0};
  if (!take(r, 1)) return s;
  const uint8_t *start = r->file + r->pos;
  size_t avail = r->end - r->pos;
  const uint8_t *nul = memchr(start, 0, avail);
  s.data = start;
  s.size = nul ? (size_t)(nul - start) : avail;
  r->pos += nul ? s.size + 1 : avail;
  return s;
}

/* "in 'iprp' (which ends at offset N)" or "in the file (size N)", for
 * messages about a child that does not fit its parent. */
static void describe_parent(const hf_reader *r, char *buf, size_t size) {
  if (r->depth == 0) {
    snprintf(buf, size, "the end of the file (file size %zu)", r->end);
  } else {
    char cc[5];
    hf_fourcc_str(r->type, cc);
    snprintf(buf, size, "its parent ('%s' at offset %zu ends at offset %zu)", cc, r->box_offset,
             r->end);
  }
}

heic_status hf_box_next(hf_reader *r, hf_box *box, hf_reader *payload, uint32_t max_depth,
                        hc_err *err) {
  memset(box, 0, sizeof(*box));
  memset(payload, 0, sizeof(*payload));
  char parent[96];
  size_t start = r->pos;
  size_t avail = r->end - r->pos;
  if (r->error || avail < 8) {
    describe_parent(r, parent, sizeof(parent));
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "box at offset %zu: only %zu bytes left before %s, too few for a box header",
                   start, avail, parent);
  }
  hf_reader h = *r;
  h.clip_at_end = 0;
  uint64_t size = hf_read_u32(&h);
  box->type = hf_read_fourcc(&h);
  box->offset = start;
  char cc[5];
  hf_fourcc_str(box->type, cc);
  size_t header = 8;
  int to_end = size == 0;
  if (size == 1) {
    size = hf_read_u64(&h);
    header = 16;
  }
  box->declared_size = size;
  if (to_end) {
    /* Only meaningful for the last box of its parent: it extends to the end. */
    size = avail;
  }
  if (box->type == HF_4CC('u', 'u', 'i', 'd')) {
    hf_read_bytes(&h, box->uuid, sizeof(box->uuid));
    header += 16;
  }
  if (h.error)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "box '%s' at offset %zu: header is cut off", cc,
                   start);
  if (size < header)
    return hc_fail(err, HEIC_ERR_INVALID_INPUT,
                   "box '%s' at offset %zu: size %llu is smaller than its %zu-byte header", cc,
                   start, (unsigned long long)size, header);
  if (size > avail && r->clip_at_end) {
    box->clipped = 1;
    size = avail;
  }
  if (size > avail) {
    describe_parent(r, parent, sizeof(parent));
    return hc_fail(err, HEIC_ERR_INVALID_INPUT, "box '%s' at offset %zu: size %llu runs past %s",
                   cc, start, (unsigned long long)size, parent);
  }
  uint32_t depth = r->depth + 1;
  if (depth > max_depth)
    return hc_fail(err, HEIC_ERR_LIMIT_EXCEEDED,
                   "box '%s' at offset %zu is nested %u deep, more than the limit of %u "
                   "(max_box_depth)",
                   cc, start, depth, max_depth);
  box->header_size = header;
  box->size = (size_t)size; /* fits: size <= avail, a size_t */
  payload->file = r->file;
  payload->pos = start + header;
  payload->end = start + box->size;
  payload->depth = depth;
  payload->type = box->type;
  payload->box_offset = start;
  r->pos = start + box->size;
  return HEIC_OK;
}
