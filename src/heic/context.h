/*
 * The context object behind heic_context.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_CONTEXT_INTERNAL_H
#define HEIC_CONTEXT_INTERNAL_H

#include "core/error.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/thread.h"
#include "heic/heic_context.h"
#include "heif/heif_file.h"

struct heic_context {
  heic_allocator *alloc; /* the context's reference */
  hc_mem mem;            /* this context's account (limit: max_memory) */
  hc_log log;
  heic_limits limits;    /* resolved: no zeros */
  int threads;           /* resolved: >= 1 */
  int own_threads;       /* the config's, for heic_context_set_thread_pool(NULL) */
  hc_pool *pool;         /* created on first parallel work, or borrowed */
  int pool_borrowed;     /* pool is a heic_thread_pool's (threads.c) */
  hc_err err;            /* last failure, reported by heic_context_last_error */
  char why_not[256];     /* heic_item_info.why_not text of the last item_info call */
  char data_why[256];    /* heic_item_info.data_error text of the last item_info call */

  uint8_t *file_data;    /* owned copy of the input, or of its head (below) */
  size_t file_size;
  int file_fd;           /* -1, or heic_context_read_file's file, whose trailing
                            item data (not in file_data) is read from it (owned) */
  hf_file file;
  uint32_t primary;      /* resolved primary image (see find_top_level) */
  uint32_t *top_level;   /* owned */
  uint32_t top_level_count;

  struct hx_plan_cache *plan; /* decode_plan.c's caches for this file */

  /* Encoding (encode.c) */
  struct hf_writer *writer; /* created by the first encode */
  struct hx_spool *enc_spool; /* streamed images' coded data (encode_stream.c), read by writer */
  uint32_t enc_primary;     /* first encoded image item */
  int enc_max_depth;        /* deepest coded bit depth, for the brand */
  int enc_primary_rext;     /* the primary is not 4:2:0 (a range extensions profile: 'heix') */
  hc_err enc_failed;        /* set when an encode failed part-way: no writing */
};

/* Records the outcome of a public call: clears ctx->err on success. */
heic_status hx_ctx_result(heic_context *ctx, heic_status st);

/* The size of an item's data, if it can be read under the context's limits:
 * no more than max_extents extents, all inside the file (or idat), not
 * overlapping, and at least one byte for a coded image, grid or overlay.
 * Otherwise err says why (naming the limit where one applies). */
heic_status hx_item_data_check(const heic_context *ctx, const hf_item *it, uint64_t *size, hc_err *err);
/* hx_item_data_check(), then the data itself in a new buffer from ctx->mem
 * (the caller frees it with hc_free). */
heic_status hx_item_bytes(heic_context *ctx, const hf_item *it, uint8_t **data, size_t *size,
                          hc_err *err);

/* Relations between items, derived from iref. */
uint32_t hx_thumbnail_of(const hf_file *f, uint32_t id);
uint32_t hx_auxiliary_of(const hf_file *f, uint32_t id);
/* The auxC URN of an item ("" when none). */
const char *hx_aux_type(const hf_file *f, const hf_item *item);
int hx_is_alpha_urn(const char *urn);
int hx_is_depth_urn(const char *urn);
/* First auxiliary image of `master` whose auxC passes pred, 0 if none. */
uint32_t hx_find_aux(const hf_file *f, uint32_t master, int (*pred)(const char *));
int hx_is_image_type(hf_fourcc type);
/* First parsed property of `type` (and passing match, if given) on the item
 * or, failing that, along the chain of its first derived-image inputs. */
const hf_property *hx_inherited_property(const hf_file *f, uint32_t id, hf_fourcc type,
                                         int (*match)(const hf_property *));
/* nclx colour / hvcC of an item or of its first input; NULL if none. */
const heic_nclx *hx_item_nclx(const hf_file *f, uint32_t id);
const hf_hvcc *hx_item_hvcc(const hf_file *f, uint32_t id);
/* The colour the item's coded stream gives: the VUI of the first SPS in its
 * (inherited) hvcC.  *out always gets a value - what H.265 infers where the
 * VUI is silent (code points 2, limited range).  Returns hx_sps_info's
 * colour_signalled (0 none, 1 range, 2 range and code points), or -1 when
 * there is no SPS to read. */
int hx_item_stream_colour(const hf_file *f, uint32_t id, heic_nclx *out);
/* Why the item cannot be decoded (NULL when it can, as far as the structure
 * tells); the text is static or written into buf. */
const char *hx_undecodable_reason(const hf_file *f, const hf_item *item, char *buf, size_t size);

/* How many pieces of one picture's work (grid tiles) to have in flight at
 * once: the threads that may run them.  A borrowed pool's threads come and
 * go (heic_thread_pool_serve), so there it is the context's thread count. */
static inline int hx_parallel_width(const heic_context *ctx) {
  return ctx->pool_borrowed ? ctx->threads : hc_pool_workers(ctx->pool) + 1;
}

#endif
