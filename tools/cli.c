/*
 * Command-line helpers shared by the tools.  SPDX-License-Identifier: BSD-2-Clause
 */
/* realpath() is an XSI extension in glibc's eyes. */
#define _XOPEN_SOURCE 700

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

int cli_parse_seconds(const char *s, double *out) {
  int digits = 0, dots = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '.')
      dots++;
    else if (isdigit((unsigned char)*p))
      digits++;
    else
      return -1; /* no sign, exponent, "inf" or "nan": strtod alone takes them */
  }
  if (!digits || dots > 1) return -1;
  char *end = NULL;
  double v = strtod(s, &end);
  if (*end || !(v > 0) || v > 365.0 * 24 * 3600) return -1;
  *out = v;
  return 0;
}

/* ---- stopping ----
 * Process-wide by nature (signals are), and only in the tools: the library
 * hears of a stop through its progress callbacks. */

static volatile sig_atomic_t stop_signal; /* the SIGINT/SIGTERM received, 0: none */
static double stop_deadline;              /* CLOCK_MONOTONIC seconds, 0: none; set before any thread reads it */
static double stop_timeout;               /* the --timeout given, for messages */
static const char *stop_prog = "libheic";
static char backstop_message[192];
static size_t backstop_length;

double cli_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_stop_signal(int sig) { stop_signal = sig; }

/* Only async-signal-safe calls: the message was formatted beforehand.
 * Nothing partial is left by exiting here: outputs become visible only
 * when complete (src/core/safe_file.h). */
static void on_backstop(int sig) {
  (void)sig;
  if (write(STDERR_FILENO, backstop_message, backstop_length) < 0) {
    /* nothing more can be done about it */
  }
  _exit(CLI_EXIT_TIMEOUT);
}

void cli_stop_init(const char *prog) {
  stop_prog = prog;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  /* SA_RESETHAND: a second Ctrl-C kills at once, for when the user will
   * not wait for the current step to notice the first. */
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cli_stop_set_deadline(double seconds) {
  stop_timeout = seconds;
  stop_deadline = cli_now_seconds() + seconds;
  int n = snprintf(backstop_message, sizeof backstop_message,
                   "%s: the --timeout of %g s passed and the step in progress did not stop "
                   "within 2 s: exiting now (no partial output is left)\n",
                   stop_prog, seconds);
  backstop_length = n < 0 ? 0 : (size_t)n < sizeof backstop_message ? (size_t)n : sizeof backstop_message - 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_backstop;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, NULL) != 0) return -1;
  /* The checks between pictures and rows stop a run long before this; the
   * timer is for one long step that has none (colour conversion of a huge
   * picture, parsing a file). */
  double at = seconds + 2.0;
  struct itimerval it;
  memset(&it, 0, sizeof it);
  it.it_value.tv_sec = (time_t)at;
  it.it_value.tv_usec = (suseconds_t)((at - (double)(time_t)at) * 1e6);
  return setitimer(ITIMER_REAL, &it, NULL) == 0 ? 0 : -1;
}

int cli_stop_requested(void) {
  if (stop_signal) return CLI_EXIT_INTERRUPTED;
  if (stop_deadline > 0 && cli_now_seconds() >= stop_deadline) return CLI_EXIT_TIMEOUT;
  return 0;
}

const char *cli_stop_reason(int status, char *buf, size_t size) {
  if (!size) return buf;
  buf[0] = '\0';
  if (status == CLI_EXIT_INTERRUPTED)
    snprintf(buf, size, "interrupted%s", stop_signal == SIGTERM ? " by SIGTERM"
                                         : stop_signal == SIGINT ? " by SIGINT" : "");
  else if (status == CLI_EXIT_TIMEOUT)
    snprintf(buf, size, "the --timeout of %g s passed", stop_timeout);
  return buf;
}

/* ---- same-file checks ---- */

int cli_path_id_get(const char *path, cli_path_id *id) {
  memset(id, 0, sizeof *id);
  struct stat st;
  if (stat(path, &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      id->special = 1;
      return 0;
    }
    id->regular = 1;
    id->dev = (unsigned long long)st.st_dev;
    id->ino = (unsigned long long)st.st_ino;
  }
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return 0;
  char *dir = !slash ? strdup(".") : slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
  if (!dir) return -1;
  errno = 0;
  char *real = realpath(dir, NULL);
  free(dir);
  if (!real) return errno == ENOMEM ? -1 : 0; /* a missing directory: nothing lands there */
  int root = strcmp(real, "/") == 0;
  size_t n = strlen(real) + 1 + strlen(name) + 1;
  id->where = malloc(n);
  if (id->where) snprintf(id->where, n, "%s%s%s", real, root ? "" : "/", name);
  free(real);
  return id->where ? 0 : -1;
}

void cli_path_id_clear(cli_path_id *id) {
  free(id->where);
  memset(id, 0, sizeof *id);
}

int cli_path_id_same(const cli_path_id *a, const cli_path_id *b) {
  if (a->special || b->special) return 0;
  if (a->regular && b->regular && a->dev == b->dev && a->ino == b->ino) return 1;
  return a->where && b->where && strcmp(a->where, b->where) == 0;
}
