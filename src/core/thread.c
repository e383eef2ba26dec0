/*
 * Thread pool.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Every hc_pool_run() call is a job: (fn, arg, n) and a counter of the next
 * index to claim, on the caller's stack.  The job is pushed on the pool's
 * list of open jobs; workers and the caller claim indices of it until none
 * are left, and the caller waits until every claimed index has finished and
 * no worker still looks at the job.  Workers serve the newest open job
 * first: it is the most deeply nested one, whose completion unblocks the
 * threads waiting further out.
 *
 * Nested runs (fn calling hc_pool_run, e.g. a grid whose tiles are grids)
 * never deadlock.  A thread waiting for its job waits only for indices that
 * other threads have already claimed and are running; those runs may nest
 * further and wait in turn, but nesting follows the call tree, which is
 * finite and has no cycles, and the innermost runs wait for nothing.  A
 * thread never waits for an index nobody has claimed: the caller claims
 * every unclaimed index itself before it waits.
 *
 * Servers.  A servable pool also takes threads that are lent to it for a
 * while (hc_pool_serve until hc_pool_release): heic-enc's batch workers,
 * once no file is left to start, help the files still being coded.  A
 * server runs jobs exactly as a worker does, so the argument above holds
 * for it too; it only leaves between jobs.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "thread.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct hc_job {
  void (*fn)(void *, size_t);
  void *arg;
  size_t n;
  atomic_size_t next;   /* next index to claim */
  size_t finished;      /* indices whose fn returned; guarded by the pool lock */
  int visitors;         /* workers draining this job; guarded by the pool lock */
  struct hc_job *below; /* the next older open job */
  int listed;           /* still on the open list; guarded by the pool lock */
} hc_job;

struct hc_pool {
  hc_mem *mem;
  pthread_mutex_t lock;
  pthread_cond_t wake;  /* workers wait for an open job or shutdown */
  pthread_cond_t done;  /* callers wait for their job to finish */
  pthread_t *threads;
  int started;          /* threads actually created */
  int lock_ready, wake_ready, done_ready;
  int shutdown;
  int servable;         /* threads may join through hc_pool_serve() */
  int released;         /* hc_pool_release() was called; guarded by lock */
  hc_job *open;         /* newest open job first; guarded by lock */
};

/* Removes job from the open list (lock held): all its indices are claimed,
 * so no thread should pick it up again. */
static void unlist(hc_pool *p, hc_job *job) {
  if (!job->listed) return;
  for (hc_job **link = &p->open; *link; link = &(*link)->below) {
    if (*link == job) {
      *link = job->below;
      break;
    }
  }
  job->listed = 0;
}

/* Claims and runs indices of job until none are left; returns how many. */
static size_t drain(hc_job *job) {
  size_t count = 0;
  for (;;) {
    size_t i = atomic_fetch_add(&job->next, 1);
    if (i >= job->n) break;
    job->fn(job->arg, i);
    count++;
  }
  return count;
}

/* The newest open job with indices left (lock held), unlisting the ones
 * that have none. */
static hc_job *pick(hc_pool *p) {
  while (p->open) {
    hc_job *job = p->open;
    if (atomic_load(&job->next) < job->n) return job;
    unlist(p, job);
  }
  return NULL;
}

/* Runs open jobs until shutdown (a worker) or, for a server (a thread lent
 * through hc_pool_serve), until the pool is released. */
static void serve_jobs(hc_pool *p, int server) {
  pthread_mutex_lock(&p->lock);
  for (;;) {
    hc_job *job = NULL;
    while (!p->shutdown && !(server && p->released) && (job = pick(p)) == NULL)
      pthread_cond_wait(&p->wake, &p->lock);
    if (p->shutdown || (server && p->released)) break;
    job->visitors++;
    pthread_mutex_unlock(&p->lock);
    size_t count = drain(job);
    pthread_mutex_lock(&p->lock);
    unlist(p, job); /* drain() returned: nothing is left to claim */
    job->finished += count;
    job->visitors--;
    /* The job's owner may be waiting for this; after the broadcast the job
     * is not touched again (its memory belongs to the owner's stack). */
    if (job->finished == job->n && job->visitors == 0) pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
}

static void *worker_main(void *opaque) {
  serve_jobs(opaque, 0);
  return NULL;
}

heic_status hc_pool_new(hc_pool **out, hc_mem *mem, int workers, hc_err *err) {
  return hc_pool_new_servable(out, mem, workers, 0, err);
}

heic_status hc_pool_new_servable(hc_pool **out, hc_mem *mem, int workers, int servable,
                                 hc_err *err) {
  *out = NULL;
  if (workers < 0) workers = 0;
  hc_pool *p = hc_calloc(mem, 1, sizeof(*p));
  if (!p) return hc_fail_oom(err);
  p->mem = mem;
  p->servable = servable != 0;
  if (workers || servable) {
    if (workers) {
      p->threads = hc_calloc(mem, (size_t)workers, sizeof(pthread_t));
      if (!p->threads) goto oom;
    }
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
  if (p->lock_ready) {
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
  /* A servable pool takes the job even without workers of its own: a
   * thread lent later may still help with it. */
  if (!p || (!p->started && !p->servable) || n == 1) {
    for (size_t i = 0; i < n; i++) fn(arg, i);
    return;
  }
  hc_job job = {.fn = fn, .arg = arg, .n = n, .listed = 1};
  atomic_init(&job.next, 0);
  pthread_mutex_lock(&p->lock);
  job.below = p->open;
  p->open = &job;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);

  size_t mine = drain(&job);

  pthread_mutex_lock(&p->lock);
  unlist(p, &job);
  job.finished += mine;
  /* Every index is claimed now; wait for the ones other threads run, and
   * for every worker to have let go of the job before it leaves the stack. */
  while (job.finished < n || job.visitors > 0) pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
}

void hc_pool_serve(hc_pool *p) {
  if (p && p->servable) serve_jobs(p, 1);
}

void hc_pool_release(hc_pool *p) {
  if (!p || !p->servable) return;
  pthread_mutex_lock(&p->lock);
  p->released = 1;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

int hc_cpu_count(void) {
  long n = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  if (n < 1) n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 1024 ? 1024 : (int)n);
}

void hc_mutex_init(hc_mutex *m) { pthread_mutex_init(&m->m, NULL); }
void hc_mutex_destroy(hc_mutex *m) { pthread_mutex_destroy(&m->m); }
void hc_mutex_lock(hc_mutex *m) { pthread_mutex_lock(&m->m); }
void hc_mutex_unlock(hc_mutex *m) { pthread_mutex_unlock(&m->m); }

void hc_cond_init(hc_cond *c) { pthread_cond_init(&c->c, NULL); }
void hc_cond_destroy(hc_cond *c) { pthread_cond_destroy(&c->c); }
void hc_cond_wait(hc_cond *c, hc_mutex *m) { pthread_cond_wait(&c->c, &m->m); }
void hc_cond_broadcast(hc_cond *c) { pthread_cond_broadcast(&c->c); }
