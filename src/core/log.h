/*
 * Logging through the caller's callback.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_CORE_LOG_H
#define HEIC_CORE_LOG_H

#include "heic/heic_common.h"

typedef struct hc_log {
  heic_log_fn fn;   /* NULL: drop */
  void *opaque;
} hc_log;

void hc_logf(const hc_log *log, heic_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
