/*
 * Threads shared by several contexts.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Each context normally makes its own worker threads (heic_context_config
 * .threads).  A program that works on several pictures at once - a batch
 * converter coding N files on N threads - instead wants one budget of
 * threads: N files at once while there are N to do, and the threads whose
 * file is done helping the files still in progress, so that the last big
 * picture of a batch is not left to one thread.  A heic_thread_pool is
 * that budget.  The contexts given it run their parallel work (grid tiles,
 * the encoder's wavefront rows) as jobs on it, and any thread the program
 * lends it (heic_thread_pool_serve) runs those jobs beside the thread that
 * made them.  The bytes coded never depend on which threads ran what.
 *
 * Ownership: the caller owns the pool.  A context given the pool borrows
 * it: the pool must outlive every context using it, and every thread
 * serving it must have returned before heic_thread_pool_free.
 */
#ifndef HEIC_THREADS_H
#define HEIC_THREADS_H

#include "heic_common.h"
#include "heic_context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct heic_thread_pool heic_thread_pool;

/* A pool with `workers` threads of its own (0: none, only the threads lent
 * through heic_thread_pool_serve and the callers do the work; 0 is what a
 * program that has its own threads wants).  allocator may be NULL (a
 * private one); the pool takes its own reference.  On failure *out is
 * NULL. */
HEIC_API HEIC_NODISCARD heic_status heic_thread_pool_new(heic_thread_pool **out,
                                                         heic_allocator *allocator, int workers);
/* Stops and joins the pool's own workers and frees it; sets *pool to NULL.
 * No context may use it any more and no thread may still serve it. */
HEIC_API void heic_thread_pool_free(heic_thread_pool **pool);

/* Lends the calling thread to the pool: it runs the jobs of the contexts
 * using the pool until heic_thread_pool_release() is called (returns at
 * once if it was called already).  Any number of threads may serve at
 * once. */
HEIC_API void heic_thread_pool_serve(heic_thread_pool *pool);
/* Ends every heic_thread_pool_serve(), present and future: each serving
 * thread finishes the piece of work it runs and returns.  Contexts may go
 * on using the pool afterwards (their callers then do the work alone). */
HEIC_API void heic_thread_pool_release(heic_thread_pool *pool);

/* Makes ctx run its parallel work on pool (borrowed: see above) instead of
 * threads of its own, with at most `threads` threads at once on one
 * picture (0: one per CPU).  Threads ctx had made are stopped.  pool NULL
 * returns ctx to threads of its own (heic_context_config.threads). */
HEIC_API HEIC_NODISCARD heic_status heic_context_set_thread_pool(heic_context *ctx,
                                                                 heic_thread_pool *pool,
                                                                 int threads);

#ifdef __cplusplus
}
#endif

#endif
