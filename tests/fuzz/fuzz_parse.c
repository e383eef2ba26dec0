/*
 * Fuzz target: read a HEIF file from memory and make every query heic-info
 * makes, without decoding a picture.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The reader and the decode planning (heic_context_item_info checks an
 * image's whole derivation: cycles, depth, limits, data in the file) are
 * what every application runs on every file, before any codec; with no
 * picture decoded each input costs little, so this target explores them
 * far faster than fuzz_decode.c can.  Checks: the sanitizers, the answers'
 * promises (fuzz_query.c), and zero outstanding bytes on the context's
 * allocator after heic_context_free (DESIGN.md rule 4).  Public API only.
 */
#include <heic/heic.h>

#include "fuzz_common.h"
#include "fuzz_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  heic_allocator *alloc = NULL;
  heic_context *ctx = NULL;
  fuzz_check(heic_allocator_new(&alloc, NULL) == HEIC_OK, "no allocator");
  heic_context_config cfg;
  /* Planning uses no threads; one keeps a crash reproducible. */
  fuzz_config(&cfg, alloc, 1);
  fuzz_check(heic_context_new(&ctx, &cfg) == HEIC_OK, "no context");

  if (heic_context_read_memory(ctx, data, size) == HEIC_OK) {
    fuzz_query_file(ctx);
  } else {
    const char *why = heic_context_last_error(ctx);
    fuzz_check(why != NULL && why[0], "a refused file without a reason");
  }

  heic_context_free(&ctx);
  fuzz_check(ctx == NULL, "heic_context_free left the pointer set");
  size_t left = heic_allocator_outstanding_bytes(alloc);
  fuzz_check(left == 0, "%zu bytes outstanding after heic_context_free", left);
  heic_allocator_free(&alloc);
  return 0;
}
