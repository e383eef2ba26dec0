/*
 * Batch conversion for heic-enc and heic-dec: many files, in parallel, with
 * progress, a summary, resumption and sharding.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The tools keep their single-file code; this module only decides which
 * files to convert and where their outputs go, runs the tool's conversion
 * function for each on a set of worker threads, and accounts for the
 * results.  A run goes:
 *
 *   batch_option()   for each command-line argument it knows (-r, -j, ...)
 *   batch_list()     inputs (files, directories, --files-from) -> files
 *   batch_plan()     output names, collisions (before any work), --shard
 *   batch_run()      workers, progress line, failures, summary
 *   batch_list_free()
 *
 * Naming: each file has a path relative to its input root ("rel"): below
 * the directory it was found in, as listed in --files-from when that is a
 * relative path without "..", else its last component.  Under -o DIR the
 * output is DIR/rel with its extension replaced; without -o it is beside
 * the input.  The same rel picks the shard (FNV-1a 64 of its bytes,
 * modulo N), so a shard's files do not depend on where the tree is
 * mounted or on the order of the list.
 */
#ifndef HEIC_TOOLS_BATCH_H
#define HEIC_TOOLS_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef enum batch_state {
  BATCH_PENDING = 0, /* not (yet) converted: a stop came first */
  BATCH_CONVERTED,
  BATCH_FAILED,
  BATCH_SKIPPED /* --skip-existing found its output */
} batch_state;

typedef struct batch_file {
  char *input;  /* the path opened */
  char *rel;    /* relative to its input root: names the output, picks the shard */
  char *output; /* set by batch_plan */
  long long in_bytes;          /* size when listed; 0 when unknown */
  struct timespec atime, mtime; /* the input's, when listed (--keep-mtime) */
  char *error;       /* malloc'd "path: reason" of a failure (listing or conversion) */
  batch_state state;
  int status;        /* the failure's exit status (1, 3, 4; a stop's 124/130) */
  long long out_bytes;
  double pixels;
} batch_file;

typedef struct batch_list {
  batch_file *files;
  size_t count, cap;
} batch_list;

typedef struct batch_config {
  const char *prog;             /* "heic-enc", for messages */
  const char *const *exts;      /* extensions taken from directories, lower case,
                                   without the dot, NULL-terminated */
  const char *out_ext;          /* the outputs' extension, without the dot */
  const char *out_dir;          /* -o DIR; NULL: beside each input */
  const char *out_file;         /* the output of a one-file batch (heic-enc
                                   a.png -o a.heic --skip-existing); NULL: none */
  int recursive;                /* -r */
  const char *files_from;       /* --files-from FILE, "-" = stdin; NULL: none */
  int null_separated;           /* --null / -0 */
  int jobs;                     /* -j N; 0: every CPU the process may use */
  unsigned long shard_k, shard_n; /* --shard K/N; shard_n 0: none */
  int skip_existing, keep_mtime;
  int quiet, verbose;
  int threads;                  /* --threads given to the tool, -1 when not */
  int any;                      /* some batch option was given */
  int defer_dirs;               /* the tool creates each output's directories
                                   itself, just before writing it (so that a
                                   failed file leaves none); 0: batch_run_all
                                   creates them before the conversion */
} batch_config;

/* Sets the defaults (threads -1: not given). */
void batch_config_init(batch_config *cfg, const char *prog);

/* If argv[*i] is a batch option (-r, --files-from, --null/-0, -j/--jobs,
 * --shard, --skip-existing, --keep-mtime), takes it (and its value,
 * advancing *i) and returns 1, or returns 1 with *rc set to the usage
 * error's status after printing it; 0 when it is not one. */
int batch_option(batch_config *cfg, int argc, char **argv, int *i, int *rc);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int batch_cpu_count(void);

/* Lists the files of inputs (paths from the command line; directories are
 * read, recursively with -r) and of cfg->files_from into *list, in a
 * stable order (arguments in order, directory entries sorted by name).
 * An input that is missing or not a regular file is listed with its
 * error, to be reported with the failures.  Returns 0 or an exit status
 * after printing why (the list file cannot be read, out of memory). */
int batch_list_build(const batch_config *cfg, char *const *inputs, size_t ninputs,
                     batch_list *list);

/* Names every output, refuses (usage error, exit 2, nothing done) two
 * files that would be written to one output and an output that is an
 * input, all over the whole list so that every shard agrees; then keeps
 * only the files of shard K/N.  0 or an exit status after printing why. */
int batch_plan(const batch_config *cfg, batch_list *list);

/* Running: the conversion of one file, called on a worker thread.
 * threads: the thread count its encoder or decoder should use.  Returns 0
 * or an exit status (1 input, 3 output, 4 leak, 124/130 the stop in
 * progress), with "path: reason" in err when non-zero; *pixels: the
 * picture's size, for the MP/s. */
typedef struct batch_run batch_run;
typedef int (*batch_convert_fn)(void *opaque, batch_run *run, int worker, const batch_file *file,
                                int threads, double *pixels, char *err, size_t err_size);

/* A budget of threads shared by the files (libheic's heic_thread_pool):
 * with it, -j N is N threads in all - a file on each while files are left,
 * and a thread with no file left lends itself to the files in progress
 * (serve) until the last one is done (release). */
typedef struct batch_helping {
  void (*serve)(void *opaque);   /* runs the files' parallel work until release */
  void (*release)(void *opaque); /* ends every serve, present and future */
  void *opaque;
} batch_helping;

/* Converts the list with min(jobs, files) workers; each gets its worker
 * index (0 .. jobs-1), so that the caller can keep per-worker state in an
 * array of batch_workers(cfg, list) entries.  help may be NULL (each
 * file's conversion then gets cores / workers threads of its own, and the
 * last files the cores idle workers leave); with it, threads beyond the
 * workers' (up to -j) only help.  Shows the progress line,
 * then every failure and the summary.  Returns the exit status: 0, or the
 * most serious failure (1 < 3 < 4), the stop's status when a stop left
 * files unconverted, 4 whenever a leak was reported. */
int batch_run_all(const batch_config *cfg, batch_list *list, batch_convert_fn convert,
                  void *opaque, const batch_helping *help);

/* The number of workers (threads that take files) batch_run_all starts. */
int batch_workers(const batch_config *cfg, const batch_list *list);

/* A line on stderr from a conversion in progress (a warning, a note),
 * printed whole and without breaking the progress line.  run may be NULL
 * (then it is printed directly). */
void batch_message(batch_run *run, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Where the messages about one file go, in heic-enc and heic-dec alike.
 * Alone (batch NULL), each line goes to stderr as it comes.  In a batch, a
 * failure's text is copied into reason (batch.c prints it once at once,
 * without breaking the progress line, and again in the list of failures
 * at the end) and a warning or note goes through batch_message.  Every
 * line starts with "prog: ".  Borrows all of its pointers. */
typedef struct batch_voice {
  const char *prog;
  batch_run *batch;
  char *reason;
  size_t reason_size;
} batch_voice;

void batch_say_error(const batch_voice *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void batch_say_note(const batch_voice *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void batch_list_free(batch_list *list);

/* FNV-1a 64 of s's bytes: the shard of a file is this of its rel modulo N. */
uint64_t batch_hash(const char *s);

#endif
