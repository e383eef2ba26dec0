/*
 * Logging.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void hc_logf(const hc_log *log, heic_log_level level, const char *fmt, ...) {
  if (!log || !log->fn) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  log->fn(log->opaque, level, msg);
}
