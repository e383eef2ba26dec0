/*
 * Error reporting.  SPDX-License-Identifier: BSD-2-Clause
 *
 * One convention for the whole library: a function returns heic_status and,
 * on failure, records a message naming the problem in an hc_err that the
 * caller handed down.  hc_err holds a fixed buffer, so reporting an
 * out-of-memory condition never needs memory.  The first error recorded wins
 * (later, less specific messages from callers do not overwrite it).
 */
#ifndef HEIC_CORE_ERROR_H
#define HEIC_CORE_ERROR_H

#include "heic/heic_common.h"

typedef struct hc_err {
  heic_status code;
  char message[256];
} hc_err;

static inline void hc_err_clear(hc_err *e) {
  e->code = HEIC_OK;
  e->message[0] = 0;
}

/* Records code and the formatted message (if none is recorded yet) and
 * returns code, so that callers write `return hc_fail(err, ...)`. */
heic_status hc_fail(hc_err *e, heic_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Shorthand for the most common failure. */
#define hc_fail_oom(e) hc_fail((e), HEIC_ERR_OUT_OF_MEMORY, "out of memory")

/* Copies src into dst if dst has no error yet. */
void hc_err_merge(hc_err *dst, const hc_err *src);

#endif
