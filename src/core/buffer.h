/*
 * Refcounted immutable byte buffers (heic_buffer).  SPDX-License-Identifier: BSD-2-Clause
 *
 * The refcount lives in the same allocation as the bytes: one allocation,
 * one free.  The buffer remembers its allocator, which must outlive it.
 */
#ifndef HEIC_CORE_BUFFER_H
#define HEIC_CORE_BUFFER_H

#include "heic/heic_common.h"
#include "mem.h"

/* New buffer of size bytes (contents uninitialised); caller owns the one
 * reference.  *data receives the writable bytes (writable only until the
 * buffer is shared).  NULL on out of memory. */
heic_buffer *hc_buffer_new(hc_mem *mem, size_t size, uint8_t **data);
/* New buffer holding a copy of data. */
heic_buffer *hc_buffer_copy(hc_mem *mem, const void *data, size_t size);

#endif
