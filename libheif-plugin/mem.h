/*
 * libheif-libheic.so: the one place the plugin's memory comes from.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Every byte the plugin holds - its encoder state, the coded NAL units
 * waiting for libheif, the picture handed to libheic's encoder, and
 * everything libheic's encoder allocates (through a heic_allocator whose
 * hooks are lp_hooks) - goes through lp_malloc/lp_free.  That single path
 * is what the allocation-failure test drives (plugin_test.h) and what its
 * leak check counts.  Nothing here is per-encoder state: the counters are
 * atomics, so encoders used from several threads at once stay correct.
 */
#ifndef LP_MEM_H
#define LP_MEM_H

#include <stddef.h>

#include <heic/heic_common.h>

/* size bytes aligned like malloc's, or NULL (out of memory, or the failure
 * injected by heic_libheif_plugin_fail_at). */
void *lp_malloc(size_t size);
/* n * size bytes, NULL on overflow as on failure. */
void *lp_malloc_array(size_t n, size_t size);
/* Accepts NULL. */
void lp_free(void *ptr);

/* Hooks for heic_allocator_new(): libheic's allocations made through such
 * an allocator are the plugin's (counted, failable) like its own. */
extern const heic_alloc_hooks lp_hooks;

#endif /* LP_MEM_H */
