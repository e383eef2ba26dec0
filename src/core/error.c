/*
 * Error reporting.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

heic_status hc_fail(hc_err *e, heic_status code, const char *fmt, ...) {
  if (e && e->code == HEIC_OK) {
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
  }
  return code;
}

void hc_err_merge(hc_err *dst, const hc_err *src) {
  if (dst->code == HEIC_OK && src->code != HEIC_OK) *dst = *src;
}

const char *heic_status_string(heic_status status) {
  switch (status) {
    case HEIC_OK: return "success";
    case HEIC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case HEIC_ERR_OUT_OF_MEMORY: return "out of memory";
    case HEIC_ERR_IO: return "I/O error";
    case HEIC_ERR_INVALID_INPUT: return "invalid input";
    case HEIC_ERR_UNSUPPORTED: return "unsupported feature";
    case HEIC_ERR_LIMIT_EXCEEDED: return "security limit exceeded";
    case HEIC_ERR_NOT_FOUND: return "not found";
    case HEIC_ERR_DECODER: return "decoder error";
    case HEIC_ERR_CANCELLED: return "cancelled";
    case HEIC_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}
