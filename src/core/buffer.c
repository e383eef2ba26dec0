/*
 * Refcounted byte buffers.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "buffer.h"

#include <stdatomic.h>
#include <string.h>

struct heic_buffer {
  heic_allocator *alloc;
  atomic_int refs;
  size_t size;
  uint8_t data[]; /* bytes follow the header in the same allocation */
};

heic_buffer *hc_buffer_new(hc_mem *mem, size_t size, uint8_t **data) {
  if (size > SIZE_MAX - sizeof(heic_buffer)) return NULL;
  /* Buffers may outlive the context, so they are charged to the allocator
   * directly rather than to the context's account. */
  (void)mem;
  heic_buffer *b = hc_allocator_malloc(mem->alloc, sizeof(heic_buffer) + size);
  if (!b) return NULL;
  b->alloc = hc_allocator_ref(mem->alloc);
  atomic_init(&b->refs, 1);
  b->size = size;
  if (data) *data = b->data;
  return b;
}

heic_buffer *hc_buffer_copy(hc_mem *mem, const void *data, size_t size) {
  uint8_t *dst;
  heic_buffer *b = hc_buffer_new(mem, size, &dst);
  if (b && size) memcpy(dst, data, size);
  return b;
}

const uint8_t *heic_buffer_data(const heic_buffer *buf) { return buf ? buf->data : NULL; }

size_t heic_buffer_size(const heic_buffer *buf) { return buf ? buf->size : 0; }

heic_buffer *heic_buffer_ref(heic_buffer *buf) {
  if (buf) atomic_fetch_add(&buf->refs, 1);
  return buf;
}

void heic_buffer_unref(heic_buffer **buf) {
  if (!buf || !*buf) return;
  heic_buffer *b = *buf;
  *buf = NULL;
  if (atomic_fetch_sub(&b->refs, 1) == 1) {
    heic_allocator *a = b->alloc;
    hc_allocator_free(a, b);
    hc_allocator_unref(a);
  }
}
