/*
 * A batch's one budget of threads, from libheic's heic_thread_pool.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * heic-enc and heic-dec make one before batch_run_all and give every
 * file's context the pool (heic_context_set_thread_pool): a thread whose
 * file is done then helps with the files still in progress.
 */
#ifndef HEIC_TOOLS_BATCH_POOL_H
#define HEIC_TOOLS_BATCH_POOL_H

#include "batch.h"
#include <heic/heic.h>

typedef struct batch_pool {
  heic_thread_pool *pool; /* owned; NULL when it could not be made */
  batch_helping help;     /* for batch_run_all; points at pool */
} batch_pool;

/* Makes the pool (no threads of its own: the batch's threads serve it).
 * Returns the helping to pass to batch_run_all, or NULL when the pool
 * could not be made (the batch then runs without sharing). */
const batch_helping *batch_pool_open(batch_pool *bp);
/* Frees the pool; every batch thread has returned by then. */
void batch_pool_close(batch_pool *bp);

#endif
