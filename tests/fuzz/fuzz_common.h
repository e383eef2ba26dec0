/*
 * Shared helpers of the fuzz targets in tests/fuzz/.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Each target defines LLVMFuzzerTestOneInput.  Built with clang and
 * -fsanitize=fuzzer (HEIC_FUZZ=ON, tests/fuzz/run.sh) libFuzzer supplies
 * main(); otherwise replay_main.c does, replaying files and directories so
 * the same code runs as an ordinary ctest test with gcc.
 *
 * A target reports a bug by aborting (fuzz_check): libFuzzer and ctest both
 * treat an abort as a failure and the sanitizers print where it happened.
 */
#ifndef HEIC_FUZZ_COMMON_H
#define HEIC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() with a message: the property checked is one the library promises
 * (zero outstanding bytes, our own output decodes), so a miss is a bug. */
#define fuzz_check(cond, ...)                                            \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                      \
      fputc('\n', stderr);                                               \
      abort();                                                           \
    }                                                                    \
  } while (0)

/* Reads every byte of a rows x row_bytes block so that a stride or size
 * that overstates the allocation shows up under ASan (and uninitialised
 * bytes under MSan/valgrind) instead of going unnoticed because nothing
 * looked at the pixels.  The volatile sink keeps the loads from being
 * optimised away. */
static volatile uint8_t fuzz_sink;

static inline void fuzz_touch(const uint8_t *p, size_t stride, size_t row_bytes, size_t rows) {
  uint8_t acc = 0;
  if (!p) return;
  for (size_t y = 0; y < rows; y++) {
    const uint8_t *row = p + y * stride;
    for (size_t x = 0; x < row_bytes; x++) acc ^= row[x];
  }
  fuzz_sink = (uint8_t)(fuzz_sink ^ acc);
}

#endif
