/*
 * heic_thread_pool: one budget of threads for several contexts (see
 * include/heic/heic_threads.h).  SPDX-License-Identifier: BSD-2-Clause
 *
 * A thin owner of a servable core pool (src/core/thread.h): the pool's
 * own memory is charged to the allocator given here, each context's work
 * to its own allocator as before.
 */
#include "heic/heic_threads.h"

#include <string.h>

#include "context.h"
#include "core/mem.h"
#include "core/thread.h"

struct heic_thread_pool {
  heic_allocator *alloc; /* the pool's reference */
  hc_mem mem;
  hc_pool *pool;
};

heic_status heic_thread_pool_new(heic_thread_pool **out, heic_allocator *allocator, int workers) {
  if (!out) return HEIC_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (workers < 0 || workers > 1024) return HEIC_ERR_INVALID_ARGUMENT;
  heic_allocator *alloc = NULL;
  if (allocator) {
    alloc = hc_allocator_ref(allocator);
  } else if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  heic_thread_pool *tp = hc_allocator_malloc(alloc, sizeof(*tp));
  if (!tp) {
    hc_allocator_unref(alloc);
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  memset(tp, 0, sizeof(*tp));
  tp->alloc = alloc;
  hc_mem_init(&tp->mem, alloc, 0);
  hc_err err = {0};
  heic_status st = hc_pool_new_servable(&tp->pool, &tp->mem, workers, 1, &err);
  if (st != HEIC_OK) {
    hc_allocator_free(alloc, tp);
    hc_allocator_unref(alloc);
    return st;
  }
  *out = tp;
  return HEIC_OK;
}

void heic_thread_pool_free(heic_thread_pool **pool) {
  if (!pool || !*pool) return;
  heic_thread_pool *tp = *pool;
  *pool = NULL;
  hc_pool_free(&tp->pool);
  heic_allocator *alloc = tp->alloc;
  hc_allocator_free(alloc, tp);
  hc_allocator_unref(alloc);
}

void heic_thread_pool_serve(heic_thread_pool *pool) {
  if (pool) hc_pool_serve(pool->pool);
}

void heic_thread_pool_release(heic_thread_pool *pool) {
  if (pool) hc_pool_release(pool->pool);
}

heic_status heic_context_set_thread_pool(heic_context *ctx, heic_thread_pool *pool, int threads) {
  if (!ctx || threads < 0 || threads > 1024) return HEIC_ERR_INVALID_ARGUMENT;
  if (ctx->pool_borrowed)
    ctx->pool = NULL;
  else
    hc_pool_free(&ctx->pool); /* its own workers stop here */
  ctx->pool_borrowed = 0;
  if (!pool) {
    ctx->threads = ctx->own_threads; /* its own pool is made again on first use */
    return HEIC_OK;
  }
  ctx->pool = pool->pool;
  ctx->pool_borrowed = 1;
  ctx->threads = threads > 0 ? threads : hc_cpu_count();
  return HEIC_OK;
}
