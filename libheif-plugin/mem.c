/*
 * libheif-libheic.so: counted, failable allocation (see mem.h) and the
 * test hook of plugin_test.h.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "plugin_test.h"

/* Blocks are counted, not bytes: keeping a size would take a header in
 * front of each block, and the pointer the plugin hands out would then
 * point inside it, which valgrind reports as "possibly lost" when an
 * application exits still holding an encoder (heif-enc does). */
static atomic_uint_fast64_t g_attempts;
static atomic_uint_fast64_t g_fail_at; /* absolute attempt number to fail; 0 = off */
static atomic_size_t g_blocks;

void *lp_malloc(size_t size) {
  uint64_t n = atomic_fetch_add(&g_attempts, 1) + 1;
  uint64_t fail = atomic_load(&g_fail_at);
  if (fail && n == fail) return NULL;
  void *p = malloc(size ? size : 1);
  if (p) atomic_fetch_add(&g_blocks, 1);
  return p;
}

void *lp_malloc_array(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return lp_malloc(n * size);
}

void lp_free(void *ptr) {
  if (!ptr) return;
  atomic_fetch_sub(&g_blocks, 1);
  free(ptr);
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

size_t heic_libheif_plugin_outstanding(void) { return atomic_load(&g_blocks); }
