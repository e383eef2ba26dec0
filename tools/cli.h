/*
 * Command-line helpers shared by the tools.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_TOOLS_CLI_H
#define HEIC_TOOLS_CLI_H

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

#endif
