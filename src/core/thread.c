/*
 * Thread pool.  SPDX-License-Identifier: BSD-2-Clause
 *
 * One job at a time: hc_pool_run publishes (fn, arg, n), every worker and the
 * caller take indices from a shared counter until none are left, and the
 * caller waits for the last one to finish.  Simple, and enough for tiles.
 */
#include "thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

struct hc_pool {
  hc_mem *mem;
  pthread_mutex_t lock;
  pthread_cond_t wake;  /* workers wait for a job or shutdown */
  pthread_cond_t done;  /* the caller waits for the job to finish */
  pthread_t *threads;
  int started;          /* threads actually created */
  int lock_ready, wake_ready, done_ready;
  int shutdown;
  uint64_t generation;  /* bumped per job so workers see each job once */
  void (*fn)(void *, size_t);
  void *arg;
  size_t n;
  atomic_size_t next;
  size_t finished;      /* guarded by lock */
  int busy_workers;     /* workers inside the current job, guarded by lock */
};

/* Takes indices until the job runs out; returns how many it finished. */
static size_t drain(hc_pool *p) {
  size_t count = 0;
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n) break;
    p->fn(p->arg, i);
    count++;
  }
  return count;
}

static void *worker_main(void *opaque) {
  hc_pool *p = opaque;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->shutdown && p->generation == seen) pthread_cond_wait(&p->wake, &p->lock);
    if (p->shutdown) break;
    seen = p->generation;
    p->busy_workers++;
    pthread_mutex_unlock(&p->lock);
    size_t count = drain(p);
    pthread_mutex_lock(&p->lock);
    p->finished += count;
    p->busy_workers--;
    pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

heic_status hc_pool_new(hc_pool **out, hc_mem *mem, int workers, hc_err *err) {
  *out = NULL;
  if (workers < 0) workers = 0;
  hc_pool *p = hc_calloc(mem, 1, sizeof(*p));
  if (!p) return hc_fail_oom(err);
  p->mem = mem;
  if (workers) {
    p->threads = hc_calloc(mem, (size_t)workers, sizeof(pthread_t));
    if (!p->threads) goto oom;
    if (pthread_mutex_init(&p->lock, NULL)) goto thread_fail;
    p->lock_ready = 1;
    if (pthread_cond_init(&p->wake, NULL)) goto thread_fail;
    p->wake_ready = 1;
    if (pthread_cond_init(&p->done, NULL)) goto thread_fail;
    p->done_ready = 1;
    for (int i = 0; i < workers; i++) {
      /* Each thread creation counts as one attempt on the allocator's fault
       * counter, so heic_allocator_fail_at() can make it fail too. */
      if (hc_allocator_inject_failure(mem->alloc)) goto thread_fail;
      if (pthread_create(&p->threads[i], NULL, worker_main, p)) goto thread_fail;
      p->started++;
    }
  }
  *out = p;
  return HEIC_OK;
oom:
  hc_pool_free(&p);
  return hc_fail_oom(err);
thread_fail:
  hc_pool_free(&p);
  return hc_fail(err, HEIC_ERR_OUT_OF_MEMORY, "could not create worker thread");
}

void hc_pool_free(hc_pool **pool) {
  if (!pool || !*pool) return;
  hc_pool *p = *pool;
  *pool = NULL;
  if (p->started) {
    pthread_mutex_lock(&p->lock);
    p->shutdown = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
  }
  if (p->done_ready) pthread_cond_destroy(&p->done);
  if (p->wake_ready) pthread_cond_destroy(&p->wake);
  if (p->lock_ready) pthread_mutex_destroy(&p->lock);
  hc_free(p->mem, p->threads);
  hc_free(p->mem, p);
}

int hc_pool_workers(const hc_pool *pool) { return pool ? pool->started : 0; }

void hc_pool_run(hc_pool *p, size_t n, void (*fn)(void *arg, size_t index), void *arg) {
  if (!n) return;
  if (!p || !p->started || n == 1) {
    for (size_t i = 0; i < n; i++) fn(arg, i);
    return;
  }
  pthread_mutex_lock(&p->lock);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  atomic_store(&p->next, 0);
  p->finished = 0;
  p->generation++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);

  size_t mine = drain(p);

  pthread_mutex_lock(&p->lock);
  p->finished += mine;
  /* Wait for all indices and for every worker to have left this job, so the
   * next job cannot be confused with this one. */
  while (p->finished < n || p->busy_workers > 0) pthread_cond_wait(&p->done, &p->lock);
  p->fn = NULL;
  p->arg = NULL;
  pthread_mutex_unlock(&p->lock);
}

int hc_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 64 ? 64 : (int)n);
}
