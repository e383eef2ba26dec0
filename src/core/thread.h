/*
 * A small thread pool for data-parallel loops.  SPDX-License-Identifier: BSD-2-Clause
 *
 * hc_pool_run(pool, n, fn, arg) calls fn(arg, i) for i in [0, n) on the
 * pool's workers and the calling thread, and returns when all calls have
 * returned.  Work items must not depend on the order they run in; results
 * must be written to per-index slots so that output never depends on the
 * thread count.  A pool with 0 workers runs everything on the caller.
 *
 * fn may itself call hc_pool_run on the same pool (a grid whose tiles are
 * grids): nested runs share the workers and never deadlock (thread.c says
 * why).  Several threads may call hc_pool_run on one pool at once.
 */
#ifndef HEIC_CORE_THREAD_H
#define HEIC_CORE_THREAD_H

#include <pthread.h>
#include <stddef.h>

#include "error.h"
#include "mem.h"

typedef struct hc_pool hc_pool;

/* workers: extra threads besides the caller (0 = run inline). */
heic_status hc_pool_new(hc_pool **out, hc_mem *mem, int workers, hc_err *err);
void hc_pool_free(hc_pool **pool);
/* A pool that threads of the caller's may join (hc_pool_serve): besides
 * its own workers (possibly none), every thread serving it runs its jobs.
 * Its hc_pool_run always publishes the job, so that a thread lent later
 * still helps with a run that has started. */
heic_status hc_pool_new_servable(hc_pool **out, hc_mem *mem, int workers, int servable,
                                 hc_err *err);
/* The calling thread runs the pool's jobs, as one more worker, until
 * hc_pool_release() (at once if it was called already).  Only for a
 * servable pool (else returns at once).  Every serving thread must have
 * returned before hc_pool_free(). */
void hc_pool_serve(hc_pool *pool);
/* Ends every hc_pool_serve(), now and later: threads serving finish the
 * index they run and return. */
void hc_pool_release(hc_pool *pool);
int hc_pool_workers(const hc_pool *pool);
void hc_pool_run(hc_pool *pool, size_t n, void (*fn)(void *arg, size_t index), void *arg);

/* Number of CPUs this process may run on (its affinity mask, so that
 * taskset, cgroups cpusets and container CPU pinning are respected; the
 * online CPU count where the mask cannot be read), 1..1024. */
int hc_cpu_count(void);

/* A plain mutex, so that code above core needs no pthread.h. */
typedef struct hc_mutex {
  pthread_mutex_t m;
} hc_mutex;
void hc_mutex_init(hc_mutex *m);
void hc_mutex_destroy(hc_mutex *m);
void hc_mutex_lock(hc_mutex *m);
void hc_mutex_unlock(hc_mutex *m);

/* A condition variable to go with hc_mutex. */
typedef struct hc_cond {
  pthread_cond_t c;
} hc_cond;
void hc_cond_init(hc_cond *c);
void hc_cond_destroy(hc_cond *c);
void hc_cond_wait(hc_cond *c, hc_mutex *m);
void hc_cond_broadcast(hc_cond *c);

#endif
