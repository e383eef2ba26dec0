/*
 * libheif-libheic.so: the test hook.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Besides plugin_info (what libheif looks up), the plugin exports these
 * three functions and nothing else.  libheif never calls them; a test
 * program finds them with dlsym() in the plugin libheif has loaded and uses
 * them to fail each of the plugin's allocations in turn and to check that
 * nothing is left allocated (tests/test_libheif_plugin.c).  They read and
 * write three process-wide atomic counters and have no other effect; a
 * process that never calls them pays one atomic increment per allocation.
 *
 * "Allocation" means every lp_malloc of libheif-plugin/mem.c: the plugin's
 * own blocks and every allocation libheic's encoder makes for the plugin.
 */
#ifndef LP_PLUGIN_TEST_H
#define LP_PLUGIN_TEST_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define LP_EXPORT __attribute__((visibility("default")))
#else
#define LP_EXPORT
#endif

/* The n-th allocation attempt counted from this call fails (n == 1: the
 * very next one); 0 turns failure injection off.  Only that one fails. */
LP_EXPORT void heic_libheif_plugin_fail_at(uint64_t n);
/* Allocation attempts (failed ones included) since the plugin was loaded. */
LP_EXPORT uint64_t heic_libheif_plugin_allocations(void);
/* Blocks the plugin has allocated and not yet freed, all encoders
 * together (blocks, not bytes: mem.c says why; libheic's own byte count is
 * checked after every picture, libheif-plugin/coder.h). */
LP_EXPORT size_t heic_libheif_plugin_outstanding(void);

/* The same, as pointer types for dlsym(). */
typedef void (*heic_libheif_plugin_fail_at_fn)(uint64_t n);
typedef uint64_t (*heic_libheif_plugin_allocations_fn)(void);
typedef size_t (*heic_libheif_plugin_outstanding_fn)(void);

#endif /* LP_PLUGIN_TEST_H */
