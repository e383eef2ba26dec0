/*
 * Command-line helpers shared by the tools.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *prog, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry '%s --help'.\n", prog);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out) {
  if (!isdigit((unsigned char)s[0])) return -1;
  errno = 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

const char *cli_option_value(int argc, char **argv, int *i, const char *shortname,
                             const char *longname, int *missing) {
  const char *a = argv[*i];
  const char *rest = NULL;
  size_t n = strlen(longname);
  if (strncmp(a, longname, n) == 0 && (a[n] == '=' || a[n] == '\0'))
    rest = a[n] == '=' ? a + n + 1 : NULL;
  else if (shortname && strncmp(a, shortname, 2) == 0)
    rest = a[2] ? a + 2 : NULL;
  else
    return NULL;
  if (rest) return rest;
  if (*i + 1 >= argc) {
    *missing = 1;
    return NULL;
  }
  return argv[++*i];
}
