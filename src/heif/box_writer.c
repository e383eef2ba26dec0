/*
 * Growable big-endian byte buffer for writing ISOBMFF boxes.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "heif/box_writer.h"

#include <string.h>

void hf_bw_init(hf_bw *b, hc_mem *mem) {
  memset(b, 0, sizeof(*b));
  b->mem = mem;
}

void hf_bw_clear(hf_bw *b) {
  if (!b) return;
  if (b->mem) hc_free(b->mem, b->data);
  memset(b, 0, sizeof(*b));
}

/* Makes room for n more bytes; 0 on success.  Capacity doubles so that a
 * box built field by field costs O(size) copying in all. */
static int reserve(hf_bw *b, size_t n) {
  if (b->error) return -1;
  if (n > SIZE_MAX - b->size) {
    b->error = HF_BW_NO_MEMORY;
    return -1;
  }
  size_t need = b->size + n;
  if (need <= b->cap) return 0;
  size_t cap = b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
  if (cap < 256) cap = 256;
  if (cap < need) cap = need;
  uint8_t *d = hc_realloc_array(b->mem, b->data, cap, 1);
  if (!d) {
    b->error = HF_BW_NO_MEMORY;
    return -1;
  }
  b->data = d;
  b->cap = cap;
  return 0;
}

void hf_bw_bytes(hf_bw *b, const void *src, size_t n) {
  if (!n || reserve(b, n)) return;
  memcpy(b->data + b->size, src, n);
  b->size += n;
}

void hf_bw_uint(hf_bw *b, uint64_t v, unsigned n) {
  if (!n || reserve(b, n)) return;
  for (unsigned i = 0; i < n; i++) b->data[b->size + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  b->size += n;
}

void hf_bw_cstr(hf_bw *b, const char *s) {
  if (!s) s = "";
  hf_bw_bytes(b, s, strlen(s) + 1);
}

size_t hf_bw_box_begin(hf_bw *b, hf_fourcc type) {
  size_t start = b->size;
  hf_bw_u32(b, 0); /* size, patched by hf_bw_box_end */
  hf_bw_fourcc(b, type);
  return start;
}

size_t hf_bw_full_box_begin(hf_bw *b, hf_fourcc type, uint8_t version, uint32_t flags) {
  size_t start = hf_bw_box_begin(b, type);
  hf_bw_u32(b, ((uint32_t)version << 24) | (flags & 0xFFFFFFu));
  return start;
}

void hf_bw_box_end(hf_bw *b, size_t start) {
  /* After an error the header may never have been written. */
  if (b->error) return;
  size_t size = b->size - start;
  if ((uint64_t)size > UINT32_MAX) {
    b->error = HF_BW_TOO_LARGE;
    return;
  }
  for (unsigned i = 0; i < 4; i++) b->data[start + i] = (uint8_t)(size >> (8 * (3 - i)));
}
