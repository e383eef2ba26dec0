/*
 * Command-line helpers shared by the tools.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_TOOLS_CLI_H
#define HEIC_TOOLS_CLI_H

#include <stddef.h>

/* Exit status for usage errors, the same in every tool. */
#define CLI_EXIT_USAGE 2

/* Prints "PROG: message" and "Try 'PROG --help'." to stderr; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *prog, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Strict unsigned parse: digits only, no sign, no trailing text, and
 * within max (strtoul alone would take "-1" and " 5x").  0 or -1. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* The value of an option that takes one, if argv[*i] is that option:
 * "--long=V", "--long V", "-sV" or "-s V" (shortname may be NULL).  Returns
 * NULL when argv[*i] is another option; sets *missing when it is this one but
 * the value is absent.  Advances *i past a separate value. */
const char *cli_option_value(int argc, char **argv, int *i, const char *shortname,
                             const char *longname, int *missing);

/* Seconds on the monotonic clock (for durations: it never jumps). */
double cli_now_seconds(void);

/* Strict decimal number of seconds for --timeout: digits with at most one
 * '.', greater than 0, at most a year.  0 or -1. */
int cli_parse_seconds(const char *s, double *out);

/* ---- stopping: signals and a deadline ----
 *
 * The rule every tool follows: an output that was complete when the stop
 * came is kept; an output in progress is never created (the writers leave
 * nothing, see src/core/safe_file.h); the exit status is
 * CLI_EXIT_INTERRUPTED (SIGINT, SIGTERM) or CLI_EXIT_TIMEOUT (--timeout)
 * when the stop left any requested output unwritten, and the usual one
 * when it came after the last output was complete. */

#define CLI_EXIT_TIMEOUT 124     /* as GNU timeout */
#define CLI_EXIT_INTERRUPTED 130 /* 128 + SIGINT, as shells report it */

/* Catches SIGINT and SIGTERM: the first one only records the request, which
 * cli_stop_requested() then reports; the handler resets itself, so a second
 * one kills the process at once (safe: no output is ever seen partial).
 * prog names the tool in the backstop's message. */
void cli_stop_init(const char *prog);

/* Sets a deadline `seconds` from now, and a backstop for a step that never
 * asks: 2 s past the deadline a SIGALRM handler writes a message and exits
 * with CLI_EXIT_TIMEOUT at once.  0 or -1 (the timer could not be set). */
int cli_stop_set_deadline(double seconds);

/* 0 to go on, CLI_EXIT_INTERRUPTED after SIGINT/SIGTERM, CLI_EXIT_TIMEOUT
 * once the deadline has passed.  Only reads a flag and the clock, so it may
 * be called from any thread and from the library's progress callbacks. */
int cli_stop_requested(void);

/* Why the run stopped, for messages: "interrupted by SIGINT", "the
 * --timeout of 2.5 s passed"; "" when status is not a stop status. */
const char *cli_stop_reason(int status, char *buf, size_t size);

/* ---- outputs that would destroy inputs ----
 *
 * The identity of a path for same-file checks.  Names that differ can
 * still be one file ("./a.png", "d/../a.png", a symbolic or hard link), so
 * an existing regular file is identified by device and inode (following
 * symbolic links), and any path by where its last component lands:
 * realpath() of its directory plus the name, which also catches two
 * outputs that do not exist yet but would collide.  Devices, FIFOs and
 * directories are never "the same" as anything: writing to /dev/null twice
 * destroys nothing. */
typedef struct cli_path_id {
  int regular;         /* an existing regular file: dev and ino are valid */
  unsigned long long dev, ino;
  char *where;         /* malloc'd; NULL when unknown (its directory does not resolve) */
  int special;         /* exists and is not a regular file */
} cli_path_id;

/* Fills *id (free with cli_path_id_clear).  -1 only when out of memory. */
int cli_path_id_get(const char *path, cli_path_id *id);
void cli_path_id_clear(cli_path_id *id);
/* Whether writing one would replace or destroy the other. */
int cli_path_id_same(const cli_path_id *a, const cli_path_id *b);

#endif
