/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Common definitions: version, export macro, status codes, the allocator,
 * refcounted buffers and logging.  Include <heic/heic.h> for everything.
 *
 * Conventions used by every header in include/heic/:
 * - Fallible functions return heic_status (HEIC_OK == 0).  A context keeps a
 *   human-readable message for the last failure on it (heic_context_last_error).
 * - Objects come in pairs heic_x_new(&x, ...) / heic_x_free(&x): the destructor
 *   takes T **, sets *x to NULL and accepts NULL or *x == NULL.
 * - On failure a constructor leaves *out == NULL and owns nothing of the caller's.
 * - "Borrowed" pointers are valid until the object they came from is freed,
 *   unless the comment names an earlier point.
 */
#ifndef HEIC_COMMON_H
#define HEIC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(HEIC_BUILDING_DLL)
#define HEIC_API __declspec(dllexport)
#elif defined(__GNUC__)
#define HEIC_API __attribute__((visibility("default")))
#else
#define HEIC_API
#endif

#if defined(__GNUC__)
#define HEIC_NODISCARD __attribute__((warn_unused_result))
#else
#define HEIC_NODISCARD
#endif

#define HEIC_VERSION_MAJOR 0
#define HEIC_VERSION_MINOR 1
#define HEIC_VERSION_PATCH 0
#define HEIC_VERSION_NUMBER \
  ((HEIC_VERSION_MAJOR << 16) | (HEIC_VERSION_MINOR << 8) | HEIC_VERSION_PATCH)

/* Version of the library actually linked (compare with HEIC_VERSION_NUMBER). */
HEIC_API unsigned heic_version_number(void);
HEIC_API const char *heic_version_string(void);

typedef enum heic_status {
  HEIC_OK = 0,
  HEIC_ERR_INVALID_ARGUMENT, /* the caller passed something unusable */
  HEIC_ERR_OUT_OF_MEMORY,    /* an allocation failed (or fault injection) */
  HEIC_ERR_IO,               /* a file could not be opened, read or written */
  HEIC_ERR_INVALID_INPUT,    /* the file is malformed or truncated */
  HEIC_ERR_UNSUPPORTED,      /* valid, but uses something libheic cannot do */
  HEIC_ERR_LIMIT_EXCEEDED,   /* a security limit of the context was hit */
  HEIC_ERR_NOT_FOUND,        /* no such item, property or plugin */
  HEIC_ERR_DECODER,          /* the codec plugin reported an error */
  HEIC_ERR_CANCELLED,        /* a progress callback asked to stop */
  HEIC_ERR_INTERNAL          /* a bug in libheic */
} heic_status;

/* Static text naming the status ("out of memory", ...).  Never NULL. */
HEIC_API const char *heic_status_string(heic_status status);

/* ------------------------------------------------------------------ */
/* Allocator                                                            */
/* ------------------------------------------------------------------ */

/* Raw memory hooks.  malloc_fn returns memory aligned for any object (as
 * malloc does) or NULL; free_fn accepts what malloc_fn returned. */
typedef struct heic_alloc_hooks {
  void *(*malloc_fn)(void *opaque, size_t size);
  void (*free_fn)(void *opaque, void *ptr);
  void *opaque;
} heic_alloc_hooks;

/* An accounting allocator.  Every byte libheic allocates goes through one
 * (allocations made inside third-party codecs such as libde265 cannot be
 * routed here).  It counts outstanding bytes and allocations, enforces an
 * optional byte limit and can fail the N-th allocation (fault injection).
 * It is thread-safe.  It is refcounted: the caller owns one reference, and
 * every context, image and buffer drawing on it holds another, so it stays
 * alive (and countable) until the last of them is freed. */
typedef struct heic_allocator heic_allocator;

/* hooks may be NULL (use malloc/free); the struct is copied. */
HEIC_API HEIC_NODISCARD heic_status heic_allocator_new(heic_allocator **out,
                                                       const heic_alloc_hooks *hooks);
/* Releases the caller's reference and sets *alloc to NULL.  The allocator
 * itself goes when the last object using it is freed. */
HEIC_API void heic_allocator_free(heic_allocator **alloc);
/* Bytes currently allocated and not yet freed (payload bytes). */
HEIC_API size_t heic_allocator_outstanding_bytes(const heic_allocator *alloc);
/* Highest value outstanding_bytes has reached. */
HEIC_API size_t heic_allocator_peak_bytes(const heic_allocator *alloc);
/* Number of successful and failed allocation attempts since creation;
 * creating a worker thread (a context's thread pool) counts as one too. */
HEIC_API uint64_t heic_allocator_allocation_count(const heic_allocator *alloc);
/* Fault injection: the n-th allocation attempt counted from this call fails
 * (n == 1: the very next one).  Creating a worker thread counts as an
 * attempt, so thread creation fails the same way (HEIC_ERR_OUT_OF_MEMORY,
 * "could not create worker thread").  n == 0 turns it off.  Only that one
 * fails. */
HEIC_API void heic_allocator_fail_at(heic_allocator *alloc, uint64_t n);
/* Allocations that would take outstanding bytes above max fail; 0 = none. */
HEIC_API void heic_allocator_set_limit(heic_allocator *alloc, size_t max_bytes);

/* ------------------------------------------------------------------ */
/* Refcounted immutable byte buffers (Exif, XMP, ICC, coded data)       */
/* ------------------------------------------------------------------ */

typedef struct heic_buffer heic_buffer;

/* Borrowed views, valid while the caller holds a reference. */
HEIC_API const uint8_t *heic_buffer_data(const heic_buffer *buf);
HEIC_API size_t heic_buffer_size(const heic_buffer *buf);
/* Takes another reference; returns buf.  Each reference is released once. */
HEIC_API heic_buffer *heic_buffer_ref(heic_buffer *buf);
/* Releases the caller's reference and sets *buf to NULL; the memory goes
 * back to its allocator when the last reference is released. */
HEIC_API void heic_buffer_unref(heic_buffer **buf);

/* ------------------------------------------------------------------ */
/* Logging                                                              */
/* ------------------------------------------------------------------ */

typedef enum heic_log_level {
  HEIC_LOG_ERROR = 0,
  HEIC_LOG_WARNING = 1,
  HEIC_LOG_INFO = 2,
  HEIC_LOG_DEBUG = 3
} heic_log_level;

/* message is borrowed for the duration of the call only. */
typedef void (*heic_log_fn)(void *opaque, heic_log_level level, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* HEIC_COMMON_H */
