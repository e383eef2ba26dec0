/*
 * libheif-libheic.so: counted, failable allocation (see mem.h) and the
 * test hook of plugin_test.h.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "mem.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "plugin_test.h"

/* A header in front of each block keeps its size, so that lp_free (and
 * libheic's free hook, which is given no size) can keep the byte count.
 * Its size is malloc's alignment, so the payload stays aligned as
 * malloc's own. */
typedef union lp_header {
  size_t size;
  max_align_t align;
} lp_header;

static atomic_uint_fast64_t g_attempts;
static atomic_uint_fast64_t g_fail_at; /* absolute attempt number to fail; 0 = off */
static atomic_size_t g_outstanding;

void *lp_malloc(size_t size) {
  uint64_t n = atomic_fetch_add(&g_attempts, 1) + 1;
  uint64_t fail = atomic_load(&g_fail_at);
  if (fail && n == fail) return NULL;
  if (size > SIZE_MAX - sizeof(lp_header)) return NULL;
  lp_header *h = malloc(sizeof(lp_header) + size);
  if (!h) return NULL;
  h->size = size;
  atomic_fetch_add(&g_outstanding, size);
  return h + 1;
}

void *lp_malloc_array(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return lp_malloc(n * size);
}

void lp_free(void *ptr) {
  if (!ptr) return;
  lp_header *h = (lp_header *)ptr - 1;
  atomic_fetch_sub(&g_outstanding, h->size);
  free(h);
}

static void *hook_malloc(void *opaque, size_t size) {
  (void)opaque;
  return lp_malloc(size);
}

static void hook_free(void *opaque, void *ptr) {
  (void)opaque;
  lp_free(ptr);
}

const heic_alloc_hooks lp_hooks = {hook_malloc, hook_free, NULL};

void heic_libheif_plugin_fail_at(uint64_t n) {
  atomic_store(&g_fail_at, n ? atomic_load(&g_attempts) + n : 0);
}

uint64_t heic_libheif_plugin_allocations(void) { return atomic_load(&g_attempts); }

size_t heic_libheif_plugin_outstanding(void) { return atomic_load(&g_outstanding); }
