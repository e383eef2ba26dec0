/*
 * Allocator and per-context accounts.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* Every block carries a header with its payload size so that frees can be
 * accounted without the caller passing sizes.  16 bytes keep the payload
 * aligned as malloc's is. */
#define HDR 16

struct heic_allocator {
  heic_alloc_hooks hooks;
  /* The caller's reference plus one per context, image and buffer drawing on
   * it, so that objects may outlive a context whose allocator was private. */
  atomic_int refs;
  atomic_size_t outstanding;
  atomic_size_t peak;
  atomic_uint_fast64_t attempts;
  atomic_uint_fast64_t fail_at; /* absolute attempt number to fail, 0 = off */
  size_t limit;
};

static void *default_malloc(void *opaque, size_t size) {
  (void)opaque;
  return malloc(size);
}

static void default_free(void *opaque, void *ptr) {
  (void)opaque;
  free(ptr);
}

heic_status heic_allocator_new(heic_allocator **out, const heic_alloc_hooks *hooks) {
  if (!out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  heic_alloc_hooks h = {default_malloc, default_free, NULL};
  if (hooks) {
    if (!hooks->malloc_fn || !hooks->free_fn) return HEIC_ERR_INVALID_ARGUMENT;
    h = *hooks;
  }
  heic_allocator *a = h.malloc_fn(h.opaque, sizeof(*a));
  if (!a) return HEIC_ERR_OUT_OF_MEMORY;
  memset(a, 0, sizeof(*a));
  a->hooks = h;
  atomic_init(&a->refs, 1);
  atomic_init(&a->outstanding, 0);
  atomic_init(&a->peak, 0);
  atomic_init(&a->attempts, 0);
  atomic_init(&a->fail_at, 0);
  *out = a;
  return HEIC_OK;
}

void heic_allocator_free(heic_allocator **alloc) {
  if (!alloc || !*alloc) return;
  hc_allocator_unref(*alloc);
  *alloc = NULL;
}

heic_allocator *hc_allocator_ref(heic_allocator *a) {
  atomic_fetch_add(&a->refs, 1);
  return a;
}

void hc_allocator_unref(heic_allocator *a) {
  if (!a || atomic_fetch_sub(&a->refs, 1) != 1) return;
  heic_alloc_hooks h = a->hooks;
  h.free_fn(h.opaque, a);
}

size_t heic_allocator_outstanding_bytes(const heic_allocator *a) {
  return a ? atomic_load(&((heic_allocator *)a)->outstanding) : 0;
}

size_t heic_allocator_peak_bytes(const heic_allocator *a) {
  return a ? atomic_load(&((heic_allocator *)a)->peak) : 0;
}

uint64_t heic_allocator_allocation_count(const heic_allocator *a) {
  return a ? atomic_load(&((heic_allocator *)a)->attempts) : 0;
}

void heic_allocator_fail_at(heic_allocator *a, uint64_t n) {
  if (!a) return;
  atomic_store(&a->fail_at, n ? atomic_load(&a->attempts) + n : 0);
}

void heic_allocator_set_limit(heic_allocator *a, size_t max_bytes) {
  if (a) a->limit = max_bytes;
}

int hc_allocator_inject_failure(heic_allocator *a) {
  if (!a) return 0;
  uint64_t attempt = atomic_fetch_add(&a->attempts, 1) + 1;
  return attempt == atomic_load(&a->fail_at);
}

void *hc_allocator_malloc(heic_allocator *a, size_t size) {
  if (hc_allocator_inject_failure(a)) return NULL;
  if (size > SIZE_MAX - HDR) return NULL;
  size_t now = atomic_fetch_add(&a->outstanding, size) + size;
  if (a->limit && now > a->limit) {
    atomic_fetch_sub(&a->outstanding, size);
    return NULL;
  }
  unsigned char *p = a->hooks.malloc_fn(a->hooks.opaque, size + HDR);
  if (!p) {
    atomic_fetch_sub(&a->outstanding, size);
    return NULL;
  }
  size_t peak = atomic_load(&a->peak);
  while (now > peak && !atomic_compare_exchange_weak(&a->peak, &peak, now)) {
  }
  memcpy(p, &size, sizeof(size));
  return p + HDR;
}

static size_t block_size(const void *ptr) {
  size_t size;
  memcpy(&size, (const unsigned char *)ptr - HDR, sizeof(size));
  return size;
}

void hc_allocator_free(heic_allocator *a, void *ptr) {
  if (!ptr) return;
  atomic_fetch_sub(&a->outstanding, block_size(ptr));
  a->hooks.free_fn(a->hooks.opaque, (unsigned char *)ptr - HDR);
}

void hc_mem_init(hc_mem *mem, heic_allocator *alloc, size_t limit) {
  mem->alloc = alloc;
  atomic_init(&mem->outstanding, 0);
  mem->limit = limit;
}

size_t hc_mem_outstanding(const hc_mem *mem) {
  return atomic_load(&((hc_mem *)mem)->outstanding);
}

void *hc_malloc(hc_mem *mem, size_t size) {
  if (size == 0) size = 1;
  size_t now = atomic_fetch_add(&mem->outstanding, size) + size;
  if (now < size || (mem->limit && now > mem->limit)) {
    atomic_fetch_sub(&mem->outstanding, size);
    return NULL;
  }
  void *p = hc_allocator_malloc(mem->alloc, size);
  if (!p) atomic_fetch_sub(&mem->outstanding, size);
  return p;
}

void *hc_malloc_array(hc_mem *mem, size_t count, size_t size) {
  size_t total;
  if (hc_mul_size(count, size, &total)) return NULL;
  return hc_malloc(mem, total);
}

void *hc_calloc(hc_mem *mem, size_t count, size_t size) {
  size_t total;
  if (hc_mul_size(count, size, &total)) return NULL;
  void *p = hc_malloc(mem, total);
  if (p) memset(p, 0, total);
  return p;
}

void *hc_realloc_array(hc_mem *mem, void *ptr, size_t count, size_t size) {
  size_t total;
  if (hc_mul_size(count, size, &total)) return NULL;
  void *p = hc_malloc(mem, total);
  if (!p) return NULL;
  if (ptr) {
    size_t old = block_size(ptr);
    memcpy(p, ptr, old < total ? old : total);
    hc_free(mem, ptr);
  }
  return p;
}

void hc_free(hc_mem *mem, void *ptr) {
  if (!ptr) return;
  atomic_fetch_sub(&mem->outstanding, block_size(ptr));
  hc_allocator_free(mem->alloc, ptr);
}

char *hc_strndup(hc_mem *mem, const char *s, size_t n) {
  size_t len = 0;
  while (len < n && s[len]) len++;
  char *d = hc_malloc(mem, len + 1);
  if (!d) return NULL;
  memcpy(d, s, len);
  d[len] = 0;
  return d;
}
