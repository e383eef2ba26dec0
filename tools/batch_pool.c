/*
 * A batch's one budget of threads (batch_pool.h).  SPDX-License-Identifier: BSD-2-Clause
 */
#include "batch_pool.h"

static void pool_serve(void *opaque) { heic_thread_pool_serve(opaque); }
static void pool_release(void *opaque) { heic_thread_pool_release(opaque); }

const batch_helping *batch_pool_open(batch_pool *bp) {
  bp->pool = NULL;
  if (heic_thread_pool_new(&bp->pool, NULL, 0) != HEIC_OK) return NULL;
  bp->help.serve = pool_serve;
  bp->help.release = pool_release;
  bp->help.opaque = bp->pool;
  return &bp->help;
}

void batch_pool_close(batch_pool *bp) { heic_thread_pool_free(&bp->pool); }
