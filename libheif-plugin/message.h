/*
 * libheif-libheic.so: the text of the error an entry point returns.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libheif's struct heif_error carries a const char *message and nobody
 * frees it, so the text must outlive the call.  Each encoder keeps one
 * lp_message in its state; the message of an error returned for an
 * encoder stays valid until the next call on that encoder or its
 * free_encoder() (libheif copies an encode error's text at once; an
 * application printing a parameter error does so before its next call).
 * Errors with no encoder to hold them use static strings.
 */
#ifndef LP_MESSAGE_H
#define LP_MESSAGE_H

#include <heic/heic_common.h>

typedef struct lp_message {
  char text[320];
  int verbosity;      /* print libheic's messages below this level to stderr */
  const char *source; /* name of the encoder logging; its "name: " prefix is dropped */
} lp_message;

/* Empties the text (verbosity and source stay). */
void lp_message_clear(lp_message *m);
/* Sets the text, "libheic: " and printf-style, unless one is already set:
 * the first failure is the cause, later ones are its consequences. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void lp_message_set(lp_message *m, const char *fmt, ...);
/* A heic_plugin_host log callback (opaque: an lp_message): errors become
 * the text, as lp_message_set; every message below the verbosity is also
 * printed to stderr. */
void lp_message_log(void *opaque, heic_log_level level, const char *message);

#endif /* LP_MESSAGE_H */
