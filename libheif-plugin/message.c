/*
 * libheif-libheic.so: error texts (message.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "message.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PREFIX "libheic: "

void lp_message_clear(lp_message *m) { m->text[0] = 0; }

void lp_message_set(lp_message *m, const char *fmt, ...) {
  if (m->text[0]) return;
  va_list ap;
  va_start(ap, fmt);
  snprintf(m->text, sizeof(m->text), PREFIX);
  vsnprintf(m->text + strlen(PREFIX), sizeof(m->text) - strlen(PREFIX), fmt, ap);
  va_end(ap);
}

void lp_message_log(void *opaque, heic_log_level level, const char *message) {
  lp_message *m = opaque;
  size_t n = m->source ? strlen(m->source) : 0;
  if (n && !strncmp(message, m->source, n) && !strncmp(message + n, ": ", 2)) message += n + 2;
  if (level == HEIC_LOG_ERROR) lp_message_set(m, "%s", message);
  if ((int)level < m->verbosity) fprintf(stderr, PREFIX "%s\n", message);
}
