/*
 * Core allocation services.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Every allocation in libheic goes through hc_malloc & co. with an hc_mem:
 * a per-context account (with its own byte limit) that draws on a
 * heic_allocator (hooks, global accounting, fault injection).
 * Sizes are overflow-checked here so callers never multiply by hand.
 */
#ifndef HEIC_CORE_MEM_H
#define HEIC_CORE_MEM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "heic/heic_common.h"

typedef struct hc_mem {
  heic_allocator *alloc;       /* borrowed; outlives the account */
  atomic_size_t outstanding;   /* bytes of this account not yet freed */
  size_t limit;                /* 0 = no limit of its own */
} hc_mem;

/* Account drawing on alloc with an optional limit (0 = none). */
void hc_mem_init(hc_mem *mem, heic_allocator *alloc, size_t limit);
size_t hc_mem_outstanding(const hc_mem *mem);

/* NULL on overflow, limit or allocation failure; size 0 allocates 1 byte.
 * Memory is aligned to 16 bytes. */
void *hc_malloc(hc_mem *mem, size_t size);
void *hc_calloc(hc_mem *mem, size_t count, size_t size);
/* count * size + extra with overflow check. */
void *hc_malloc_array(hc_mem *mem, size_t count, size_t size);
/* Resizes to count * size.  On failure returns NULL and ptr stays valid. */
void *hc_realloc_array(hc_mem *mem, void *ptr, size_t count, size_t size);
void hc_free(hc_mem *mem, void *ptr);
/* Frees *pp and sets it to NULL. */
#define HC_FREEP(mem, pp) do { hc_free((mem), *(pp)); *(pp) = NULL; } while (0)

char *hc_strndup(hc_mem *mem, const char *s, size_t n);

/* a * b without overflow: returns 0 and sets *out, or -1. */
static inline int hc_mul_size(size_t a, size_t b, size_t *out) {
  if (a && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

/* The allocator's internal raw entry points (used by hc_mem and buffers). */
void *hc_allocator_malloc(heic_allocator *alloc, size_t size);
void hc_allocator_free(heic_allocator *alloc, void *ptr);
/* Counts one attempt on alloc's fault-injection counter (as an allocation
 * does) and returns 1 when heic_allocator_fail_at() chose this attempt to
 * fail, else 0 (also for alloc == NULL).  hc_allocator_malloc uses it; so
 * does the thread pool before each pthread_create, so that thread-creation
 * failure is injected the same way as allocation failure. */
int hc_allocator_inject_failure(heic_allocator *alloc);
/* Allocators are refcounted: the public heic_allocator_free() drops the
 * caller's reference; each context, image and buffer holds one of its own. */
heic_allocator *hc_allocator_ref(heic_allocator *alloc);
void hc_allocator_unref(heic_allocator *alloc);

#endif
