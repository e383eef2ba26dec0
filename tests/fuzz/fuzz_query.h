/*
 * The queries heic-info makes, shared by the parse and decode fuzz targets.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_FUZZ_QUERY_H
#define HEIC_FUZZ_QUERY_H

#include <heic/heic.h>

/* Caps on what one input may make a target do.  Without them the fuzzer
 * spends its time in a few huge files rather than exploring structure: a
 * thousand items is far beyond any interesting layout, and the answers of
 * the first few hundred queries cover every code path the rest would. */
#define FUZZ_MAX_PIXELS ((uint64_t)1 << 22)
#define FUZZ_MAX_MEMORY ((uint64_t)256 << 20)
#define FUZZ_MAX_ITEMS 1000u
#define FUZZ_MAX_TILES 1024u

/* Fills cfg with the targets' limits, on the given allocator. */
void fuzz_config(heic_context_config *cfg, heic_allocator *alloc, int threads);

/* Every query heic-info makes of the file ctx has read, in its order:
 * brands, the primary item, every item (heic_context_item_info, which plans
 * a decode of image items without decoding any picture, properties with
 * their descriptions, references), every top-level image (thumbnails,
 * alpha, depth, metadata items and their data, nclx, ICC), the item the
 * default decode would take, and the data of every non-image item.  Checks
 * each answer against the promises of heic_context.h and aborts on a
 * broken one. */
void fuzz_query_file(heic_context *ctx);

#endif
