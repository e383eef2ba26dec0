/*
 * Unit test: one budget of threads shared by several contexts
 * (include/heic/heic_threads.h, src/core/thread.c's servable pools).
 *
 *  - a servable pool with no workers of its own runs a job on the caller
 *    alone, and a thread serving it takes part: a job whose first index
 *    waits until another thread has run one completes only because a
 *    server ran it;
 *  - release ends every serve, and a serve after release returns at once;
 *  - nested runs on a served pool count every index exactly once;
 *  - a picture encoded on a shared pool, with threads serving, is byte for
 *    byte the one encoded on a context's own threads or on one thread;
 *  - heic_context_set_thread_pool(NULL) returns a context to its own
 *    threads; bad arguments are refused; a pool whose allocation fails
 *    leaves nothing behind.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/thread.h"
#include "heic/heic.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

/* ---- the core pool --------------------------------------------------- */

typedef struct wait_job {
  pthread_t caller;
  atomic_int others; /* indices run by a thread other than the caller */
  atomic_int runs;
  int timed_out;
} wait_job;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Index 0 (claimed first, by the caller) waits until some other thread has
 * run an index: only a server can.  60 s allows for a loaded machine. */
static void wait_for_help(void *arg, size_t i) {
  wait_job *j = arg;
  atomic_fetch_add(&j->runs, 1);
  if (!pthread_equal(pthread_self(), j->caller)) atomic_fetch_add(&j->others, 1);
  if (i != 0) return;
  double t0 = now();
  while (atomic_load(&j->others) == 0) {
    if (now() - t0 > 60) {
      j->timed_out = 1;
      return;
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

static void *serve_main(void *arg) {
  hc_pool_serve(arg);
  return NULL;
}

typedef struct nest {
  hc_pool *pool;
  atomic_int leaves;
} nest;

static void leaf(void *arg, size_t i) {
  (void)i;
  atomic_fetch_add(&((nest *)arg)->leaves, 1);
}

static void middle(void *arg, size_t i) {
  (void)i;
  hc_pool_run(((nest *)arg)->pool, 50, leaf, arg);
}

static void test_core_servable(void) {
  heic_allocator *alloc = NULL;
  CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);
  hc_err err = {0};
  hc_pool *pool = NULL;
  CHECK(hc_pool_new_servable(&pool, &mem, 0, 1, &err) == HEIC_OK);
  CHECK(hc_pool_workers(pool) == 0);

  /* Nobody serving: the caller runs everything (a job with no wait). */
  nest n = {pool, 0};
  hc_pool_run(pool, 4, middle, &n);
  CHECK(atomic_load(&n.leaves) == 200);

  /* Two servers: the waiting index completes because one of them ran
   * another index. */
  pthread_t servers[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&servers[i], NULL, serve_main, pool) == 0);
  wait_job j = {.caller = pthread_self()};
  hc_pool_run(pool, 8, wait_for_help, &j);
  CHECK(!j.timed_out);
  CHECK(atomic_load(&j.runs) == 8);
  CHECK(atomic_load(&j.others) >= 1);

  /* Nested runs while served: every index exactly once. */
  atomic_store(&n.leaves, 0);
  hc_pool_run(pool, 16, middle, &n);
  CHECK(atomic_load(&n.leaves) == 16 * 50);

  hc_pool_release(pool);
  for (int i = 0; i < 2; i++) CHECK(pthread_join(servers[i], NULL) == 0);
  /* After release a serve returns at once, and the pool still works on
   * its caller alone. */
  hc_pool_serve(pool);
  atomic_store(&n.leaves, 0);
  hc_pool_run(pool, 3, middle, &n);
  CHECK(atomic_load(&n.leaves) == 150);
  hc_pool_free(&pool);
  CHECK(hc_mem_outstanding(&mem) == 0);
  heic_allocator_free(&alloc);
}

/* ---- the public API -------------------------------------------------- */

static heic_image *test_picture(uint32_t w, uint32_t h) {
  heic_image *img = NULL;
  if (heic_image_new(&img, NULL, w, h, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, 8, 0) != HEIC_OK) return NULL;
  size_t stride;
  uint8_t *p = heic_image_plane_mut(img, HEIC_PLANE_INTERLEAVED, &stride);
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        unsigned v = (x * (3 + c) + y * 5 + (x * y) % 17 + 60 * c) % 256;
        p[y * stride + (size_t)x * 3 + c] = (uint8_t)((x / 9 + y / 7) % 3 ? v : 255 - v);
      }
  return img;
}

typedef struct served {
  heic_thread_pool *pool;
} served;

static void *serve_public(void *arg) {
  heic_thread_pool_serve(((served *)arg)->pool);
  return NULL;
}

/* Encodes img; pool NULL: the context's own `threads`.  Returns the file. */
static heic_buffer *encode(const heic_image *img, heic_thread_pool *pool, int threads, int tile) {
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.threads = threads;
  heic_context *ctx = NULL;
  heic_buffer *out = NULL;
  if (heic_context_new(&ctx, &cfg) != HEIC_OK) return NULL;
  heic_status st = pool ? heic_context_set_thread_pool(ctx, pool, threads) : HEIC_OK;
  heic_encode_options o;
  heic_encode_options_init(&o);
  o.quality = 60;
  o.tile_size = (uint32_t)tile;
  if (st == HEIC_OK) st = heic_context_encode_image(ctx, img, &o, NULL);
  if (st == HEIC_OK) st = heic_context_write_memory(ctx, &out);
  if (st != HEIC_OK) fprintf(stderr, "encode: %s\n", heic_context_last_error(ctx));
  heic_context_free(&ctx);
  return out;
}

static int same(const heic_buffer *a, const heic_buffer *b) {
  return a && b && heic_buffer_size(a) == heic_buffer_size(b) &&
         memcmp(heic_buffer_data(a), heic_buffer_data(b), heic_buffer_size(a)) == 0;
}

static void test_public(void) {
  heic_image *img = test_picture(640, 480);
  CHECK(img != NULL);
  if (!img) return;
  for (int tile = 0; tile <= 256; tile += 256) {
    heic_buffer *one = encode(img, NULL, 1, tile);
    heic_buffer *own = encode(img, NULL, 3, tile);
    CHECK(one != NULL);
    CHECK(same(one, own));

    heic_allocator *alloc = NULL;
    CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
    heic_thread_pool *pool = NULL;
    CHECK(heic_thread_pool_new(&pool, alloc, 0) == HEIC_OK);
    /* Nobody serving yet: the caller codes it alone, the same bytes. */
    heic_buffer *alone = encode(img, pool, 4, tile);
    CHECK(same(one, alone));
    served s = {pool};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, serve_public, &s) == 0);
    heic_buffer *shared = encode(img, pool, 3, tile);
    CHECK(same(one, shared));
    heic_thread_pool_release(pool);
    for (int i = 0; i < 2; i++) CHECK(pthread_join(t[i], NULL) == 0);
    heic_thread_pool_free(&pool);
    CHECK(pool == NULL);
    CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
    heic_allocator_free(&alloc);

    /* A pool with workers of its own. */
    CHECK(heic_thread_pool_new(&pool, NULL, 2) == HEIC_OK);
    heic_buffer *workers = encode(img, pool, 3, tile);
    CHECK(same(one, workers));
    heic_thread_pool_free(&pool);

    heic_buffer_unref(&one);
    heic_buffer_unref(&own);
    heic_buffer_unref(&alone);
    heic_buffer_unref(&shared);
    heic_buffer_unref(&workers);
  }
  heic_image_free(&img);

  /* Back to its own threads, and bad arguments. */
  heic_context *ctx = NULL;
  CHECK(heic_context_new(&ctx, NULL) == HEIC_OK);
  heic_thread_pool *pool = NULL;
  CHECK(heic_thread_pool_new(&pool, NULL, 0) == HEIC_OK);
  CHECK(heic_context_set_thread_pool(ctx, pool, -1) == HEIC_ERR_INVALID_ARGUMENT);
  CHECK(heic_context_set_thread_pool(ctx, pool, 2) == HEIC_OK);
  CHECK(heic_context_set_thread_pool(ctx, NULL, 0) == HEIC_OK);
  heic_context_free(&ctx);
  heic_thread_pool_free(&pool);
  heic_thread_pool_free(&pool); /* NULL accepted */
  CHECK(heic_thread_pool_new(&pool, NULL, -1) == HEIC_ERR_INVALID_ARGUMENT && !pool);
  CHECK(heic_thread_pool_new(NULL, NULL, 0) == HEIC_ERR_INVALID_ARGUMENT);
  heic_thread_pool_serve(NULL);
  heic_thread_pool_release(NULL);

  /* Every allocation or thread creation failing in turn leaves nothing. */
  heic_allocator *alloc = NULL;
  CHECK(heic_allocator_new(&alloc, NULL) == HEIC_OK);
  int ok = 0;
  for (uint64_t n = 1; n < 20 && !ok; n++) {
    heic_allocator_fail_at(alloc, n);
    heic_status st = heic_thread_pool_new(&pool, alloc, 2);
    CHECK((st == HEIC_OK) == (pool != NULL));
    CHECK(st == HEIC_OK || st == HEIC_ERR_OUT_OF_MEMORY);
    ok = st == HEIC_OK;
    heic_thread_pool_free(&pool);
    CHECK(heic_allocator_outstanding_bytes(alloc) == 0);
  }
  CHECK(ok);
  heic_allocator_fail_at(alloc, 0);
  heic_allocator_free(&alloc);
}

int main(void) {
  test_core_servable();
  test_public();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("thread pool: all checks passed\n");
  return 0;
}
