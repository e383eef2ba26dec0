/*
 * Batch conversion for heic-enc and heic-dec.  SPDX-License-Identifier: BSD-2-Clause
 *
 * See batch.h for the shape of a run.  Everything here is the tools'
 * business, not the library's: plain malloc, pthreads, POSIX file calls.
 */
/* sched_getaffinity and CPU_COUNT are GNU; utimensat, strndup, realpath
 * POSIX 2008. */
#define _GNU_SOURCE

#include "batch.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { EXIT_INPUT = 1, EXIT_OUTPUT = 3, EXIT_LEAK = 4 };

/* Conflicts listed before the rest is only counted: a mistaken -o over a
 * whole library would otherwise print thousands of lines. */
enum { MAX_CONFLICTS_SHOWN = 10 };

void batch_config_init(batch_config *cfg, const char *prog) {
  memset(cfg, 0, sizeof *cfg);
  cfg->prog = prog;
  cfg->threads = -1;
}

int batch_cpu_count(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  /* The affinity mask, not the machine: taskset, cgroup cpusets and
   * container pinning all show there. */
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 && n < 1024 ? (int)n : 1;
}

/* "K/N" with 0 <= K < N <= 1,000,000.  0 or -1. */
static int parse_shard(const char *v, unsigned long *k, unsigned long *n) {
  const char *slash = strchr(v, '/');
  if (!slash || slash == v) return -1;
  char kbuf[16];
  size_t klen = (size_t)(slash - v);
  if (klen >= sizeof kbuf) return -1;
  memcpy(kbuf, v, klen);
  kbuf[klen] = '\0';
  if (cli_parse_uint(kbuf, 999999, k) != 0 || cli_parse_uint(slash + 1, 1000000, n) != 0) return -1;
  return *n >= 1 && *k < *n ? 0 : -1;
}

int batch_option(batch_config *cfg, int argc, char **argv, int *i, int *rc) {
  const char *a = argv[*i];
  const char *v;
  int missing = 0;
  unsigned long n;
  if (strcmp(a, "-r") == 0 || strcmp(a, "--recursive") == 0) {
    cfg->recursive = 1;
  } else if (strcmp(a, "-0") == 0 || strcmp(a, "--null") == 0) {
    cfg->null_separated = 1;
  } else if (strcmp(a, "--skip-existing") == 0) {
    cfg->skip_existing = 1;
  } else if (strcmp(a, "--keep-mtime") == 0) {
    cfg->keep_mtime = 1;
  } else if ((v = cli_option_value(argc, argv, i, NULL, "--files-from", &missing)) != NULL) {
    if (!v[0]) {
      *rc = cli_usage_error(cfg->prog, "--files-from needs a file name ('-' for stdin)");
      return 1;
    }
    cfg->files_from = v;
  } else if ((v = cli_option_value(argc, argv, i, "-j", "--jobs", &missing)) != NULL) {
    if (cli_parse_uint(v, 1024, &n) != 0) {
      *rc = cli_usage_error(cfg->prog, "-j needs a number of files at once from 0 to 1024, not '%s'", v);
      return 1;
    }
    cfg->jobs = (int)n;
  } else if ((v = cli_option_value(argc, argv, i, NULL, "--shard", &missing)) != NULL) {
    if (parse_shard(v, &cfg->shard_k, &cfg->shard_n) != 0) {
      *rc = cli_usage_error(cfg->prog, "--shard takes K/N with 0 <= K < N (e.g. 0/4), not '%s'", v);
      return 1;
    }
  } else if (missing) {
    *rc = cli_usage_error(cfg->prog, "%s needs a value", a);
    return 1;
  } else {
    return 0;
  }
  cfg->any = 1;
  return 1;
}

uint64_t batch_hash(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  return h;
}

/* ---- listing ---- */

static int oom(const batch_config *cfg) {
  fprintf(stderr, "%s: out of memory\n", cfg->prog);
  return EXIT_INPUT;
}

/* The extension of path's last component, "" when none; a leading dot is
 * part of a name (".png" is a hidden file called png). */
static const char *extension_of(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  return dot && dot != base ? dot + 1 : "";
}

static int wanted_extension(const batch_config *cfg, const char *name) {
  const char *ext = extension_of(name);
  for (const char *const *e = cfg->exts; e && *e; e++) {
    const char *a = ext, *b = *e;
    while (*a && *b && tolower((unsigned char)*a) == *b) a++, b++;
    if (!*a && !*b) return 1;
  }
  return 0;
}

static char *format_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *format_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

/* Appends a file (copies of input and rel).  st: its stat when known
 * (size and times).  error: a listing failure, "path: reason", taken over
 * (NULL: none).  0 or -1 (out of memory; error is freed). */
static int list_add(batch_list *list, const char *input, const char *rel, const struct stat *st,
                    char *error) {
  if (list->count == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 64;
    batch_file *files = cap > ((size_t)-1) / sizeof *files ? NULL : realloc(list->files, cap * sizeof *files);
    if (!files) {
      free(error);
      return -1;
    }
    list->files = files;
    list->cap = cap;
  }
  batch_file *f = &list->files[list->count];
  memset(f, 0, sizeof *f);
  f->input = strdup(input);
  f->rel = strdup(rel);
  f->error = error;
  if (!f->input || !f->rel) {
    free(f->input);
    free(f->rel);
    free(error);
    return -1;
  }
  if (st) {
    f->in_bytes = (long long)st->st_size;
    f->atime = st->st_atim;
    f->mtime = st->st_mtim;
  }
  list->count++;
  return 0;
}

/* a + "/" + b without doubling a slash (malloc'd, NULL on OOM). */
static char *join_path(const char *a, const char *b) {
  size_t la = strlen(a);
  int slash = la && a[la - 1] != '/';
  size_t n = la + (size_t)slash + strlen(b) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", a, slash ? "/" : "", b);
  return p;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, without "." and "..", sorted (so that the list, and
 * hence the output of a failing run, does not depend on the file system's
 * order).  Hidden entries (a leading dot) are left out: they are the
 * tools' own temporaries, macOS's "._IMG.JPG" resource forks and the like,
 * never photos.  Returns the count, or -1 with errno set. */
static long read_names(const char *dir, char ***names) {
  *names = NULL;
  DIR *d = opendir(dir);
  if (!d) return -1;
  size_t count = 0, cap = 0;
  char **v = NULL;
  struct dirent *e;
  int err = 0;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (count == cap) {
      size_t ncap = cap ? cap * 2 : 32;
      char **nv = realloc(v, ncap * sizeof *nv);
      if (!nv) {
        err = ENOMEM;
        break;
      }
      v = nv;
      cap = ncap;
    }
    if (!(v[count] = strdup(e->d_name))) {
      err = ENOMEM;
      break;
    }
    count++;
    errno = 0;
  }
  if (!err && errno) err = errno; /* readdir's own failure */
  closedir(d);
  if (err) {
    for (size_t i = 0; i < count; i++) free(v[i]);
    free(v);
    errno = err;
    return -1;
  }
  if (count) qsort(v, count, sizeof *v, compare_names);
  *names = v;
  return (long)count;
}

/* Lists dir's files (path: dir as it is opened; rel: its path below the
 * input root, "" for the root itself).  0 or -1 (out of memory). */
static int walk_dir(const batch_config *cfg, batch_list *list, const char *dir, const char *rel) {
  char **names;
  long n = read_names(dir, &names);
  if (n < 0) {
    if (errno == ENOMEM) return -1;
    /* A directory that cannot be read is a failure to report, not a
     * reason to give up on the others. */
    char *e = format_error("%s: cannot read the directory: %s", dir, strerror(errno));
    return e && list_add(list, dir, rel[0] ? rel : dir, NULL, e) == 0 ? 0 : -1;
  }
  int rc = 0;
  for (long i = 0; i < n && rc == 0; i++) {
    char *path = join_path(dir, names[i]);
    char *sub = rel[0] ? join_path(rel, names[i]) : strdup(names[i]);
    if (!path || !sub) {
      rc = -1;
    } else {
      struct stat lst, st;
      int lok = lstat(path, &lst) == 0;
      int sok = lok && stat(path, &st) == 0;
      if (lok && S_ISDIR(lst.st_mode)) {
        /* Real subdirectories only: a symbolic link to a directory is
         * not followed, so that a link back up cannot loop. */
        if (cfg->recursive) rc = walk_dir(cfg, list, path, sub);
      } else if (sok && S_ISDIR(st.st_mode)) {
        /* (a symbolic link to a directory: left alone, see above) */
      } else if (!wanted_extension(cfg, names[i])) {
        /* not ours: README.txt, sidecar files */
      } else if (!lok || !sok) {
        /* A dangling symbolic link named like a photo, or one that
         * vanished since readdir: it was meant to be converted. */
        char *e = format_error("%s: %s", path, strerror(errno));
        rc = e && list_add(list, path, sub, NULL, e) == 0 ? 0 : -1;
      } else if (!S_ISREG(st.st_mode)) {
        /* Opening a FIFO would block the worker for ever, a device would
         * be read to no end: refused by type, before any open. */
        char *e = format_error("%s: not a regular file", path);
        rc = e && list_add(list, path, sub, NULL, e) == 0 ? 0 : -1;
      } else {
        rc = list_add(list, path, sub, &st, NULL);
      }
    }
    free(path);
    free(sub);
  }
  for (long i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

/* The relative path an explicitly named file keeps under -o DIR: a
 * relative path without ".." as it is, cleaned of "." and empty
 * components ("./a//b.png" is "a/b.png"); otherwise (absolute, or
 * climbing out) its last component.  keep_dirs 0: always the last
 * component.  malloc'd, NULL on OOM. */
static char *clean_rel(const char *path, int keep_dirs) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (!keep_dirs || path[0] == '/') return strdup(base);
  char *out = malloc(strlen(path) + 1);
  if (!out) return NULL;
  size_t len = 0;
  const char *p = path;
  while (*p) {
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      free(out);
      return strdup(base);
    }
    if (n && !(n == 1 && p[0] == '.')) {
      if (len) out[len++] = '/';
      memcpy(out + len, p, n);
      len += n;
    }
    p += n;
    if (*p == '/') p++;
  }
  out[len] = '\0';
  return out;
}

/* One input named by the user: a file is taken whatever its extension and
 * type (it was asked for), a directory is read.  0 or -1 (OOM). */
static int add_named(const batch_config *cfg, batch_list *list, const char *input, int keep_dirs) {
  struct stat st;
  if (stat(input, &st) != 0) {
    char *e = format_error("%s: %s", input, strerror(errno));
    char *rel = clean_rel(input, keep_dirs);
    int rc = e && rel ? list_add(list, input, rel, NULL, e) : (free(e), -1);
    free(rel);
    return rc;
  }
  if (S_ISDIR(st.st_mode)) return walk_dir(cfg, list, input, "");
  /* Anything else named is opened as asked, a FIFO too (bash's <(...)
   * process substitution hands one over); only directory walks refuse
   * what is not a regular file. */
  char *rel = clean_rel(input, keep_dirs);
  if (!rel) return -1;
  int rc = list_add(list, input, rel, &st, NULL);
  free(rel);
  return rc;
}

/* Reads --files-from: entries separated by newlines (or NULs with
 * --null); empty entries are skipped, and so is a '\r' before a newline
 * (lists written on Windows). */
static int read_files_from(const batch_config *cfg, batch_list *list) {
  int from_stdin = strcmp(cfg->files_from, "-") == 0;
  FILE *fp = from_stdin ? stdin : fopen(cfg->files_from, "rb");
  if (!fp) {
    fprintf(stderr, "%s: %s: cannot open the file list: %s\n", cfg->prog, cfg->files_from,
            strerror(errno));
    return EXIT_INPUT;
  }
  int sep = cfg->null_separated ? '\0' : '\n';
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  errno = 0;
  while (rc == 0 && (n = getdelim(&line, &cap, sep, fp)) >= 0) {
    if (n && line[n - 1] == (char)sep) line[--n] = '\0';
    if (!cfg->null_separated && n && line[n - 1] == '\r') line[--n] = '\0';
    if (!n) continue;
    if (add_named(cfg, list, line, 1) != 0) rc = oom(cfg);
    errno = 0;
  }
  if (rc == 0 && ferror(fp)) {
    fprintf(stderr, "%s: %s: cannot read the file list: %s\n", cfg->prog, cfg->files_from,
            strerror(errno ? errno : EIO));
    rc = EXIT_INPUT;
  }
  free(line);
  if (!from_stdin) fclose(fp);
  return rc;
}

int batch_list_build(const batch_config *cfg, char *const *inputs, size_t ninputs,
                     batch_list *list) {
  memset(list, 0, sizeof *list);
  /* Command-line files keep only their name under -o DIR, as heic-enc's
   * "-o DIR/" always did; list entries keep their relative directories,
   * since a list is usually `find`'s output over a tree. */
  for (size_t i = 0; i < ninputs; i++)
    if (add_named(cfg, list, inputs[i], 0) != 0) return oom(cfg);
  if (cfg->files_from) return read_files_from(cfg, list);
  return 0;
}

void batch_list_free(batch_list *list) {
  for (size_t i = 0; i < list->count; i++) {
    free(list->files[i].input);
    free(list->files[i].rel);
    free(list->files[i].output);
    free(list->files[i].error);
  }
  free(list->files);
  memset(list, 0, sizeof *list);
}

/* ---- planning ---- */

/* rel or input with its extension replaced by cfg->out_ext, under out_dir
 * when given (malloc'd, NULL on OOM). */
static char *output_name(const batch_config *cfg, const batch_file *f) {
  if (cfg->out_file) return strdup(cfg->out_file);
  const char *src = cfg->out_dir ? f->rel : f->input;
  const char *ext = extension_of(src);
  size_t stem = ext[0] ? (size_t)(ext - src) - 1 : strlen(src);
  const char *dir = cfg->out_dir ? cfg->out_dir : "";
  size_t ld = strlen(dir);
  int slash = ld && dir[ld - 1] != '/';
  size_t n = ld + 1 + stem + 1 + strlen(cfg->out_ext) + 1;
  char *out = malloc(n);
  if (out)
    snprintf(out, n, "%s%s%.*s.%s", dir, slash ? "/" : "", (int)stem, src, cfg->out_ext);
  return out;
}

/* One path of the collision check: an input or an output, keyed by where
 * it lands (cli_path_id) and, for existing regular files, by inode. */
typedef struct path_key {
  const char *where;
  unsigned long long dev, ino;
  int regular;
  int is_output;
  size_t file;
} path_key;

static int compare_where(const void *a, const void *b) {
  const path_key *x = a, *y = b;
  int c = strcmp(x->where, y->where);
  if (c) return c;
  return x->file < y->file ? -1 : x->file > y->file;
}

static int compare_inode(const void *a, const void *b) {
  const path_key *x = a, *y = b;
  if (x->regular != y->regular) return x->regular < y->regular ? -1 : 1;
  if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
  return x->file < y->file ? -1 : x->file > y->file;
}

static int same_where(const path_key *a, const path_key *b) { return strcmp(a->where, b->where) == 0; }
static int same_inode(const path_key *a, const path_key *b) {
  return a->regular && b->regular && a->dev == b->dev && a->ino == b->ino;
}

/* Reports the conflicts within runs of equal keys (sorted): two outputs,
 * or an output and an input.  Returns how many were found. */
static size_t report_conflicts(const batch_config *cfg, const batch_list *list, const path_key *k,
                               size_t n, int (*same)(const path_key *, const path_key *),
                               size_t shown) {
  size_t found = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && same(&k[i], &k[j])) j++;
    /* Within the run [i, j): the first output against every other entry. */
    size_t first_out = j;
    for (size_t m = i; m < j; m++)
      if (k[m].is_output) {
        first_out = m;
        break;
      }
    for (size_t m = i; first_out < j && m < j; m++) {
      if (m == first_out) continue;
      const batch_file *a = &list->files[k[first_out].file], *b = &list->files[k[m].file];
      if (shown + found < MAX_CONFLICTS_SHOWN) {
        if (k[m].is_output)
          fprintf(stderr, "%s: %s and %s would both be written to %s\n", cfg->prog, a->input, b->input,
                  a->output);
        else
          fprintf(stderr, "%s: the output %s of %s is the input %s (the same file): it would be lost\n",
                  cfg->prog, a->output, a->input, b->input);
      }
      found++;
    }
    i = j;
  }
  return found;
}

/* Two files written to one output, or an output replacing an input, are
 * found now (a usage error), not after hours of work.  O(n log n): the
 * list may hold a whole photo library. */
static int refuse_collisions(const batch_config *cfg, batch_list *list) {
  size_t n = list->count;
  if (!n) return 0;
  cli_path_id *ids = calloc(2 * n, sizeof *ids);
  path_key *keys = calloc(2 * n, sizeof *keys);
  int rc = 0;
  if (!ids || !keys) rc = -1;
  size_t nk = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    batch_file *f = &list->files[i];
    for (int out = 0; out < 2 && rc == 0; out++) {
      const char *path = out ? f->output : f->input;
      cli_path_id *id = &ids[2 * i + (size_t)out];
      if (!out && f->error) continue; /* an input that is not there replaces nothing */
      if (cli_path_id_get(path, id) != 0) {
        rc = -1;
        break;
      }
      if (id->special) continue; /* /dev/null and FIFOs are never "the same" */
      path_key *k = &keys[nk++];
      /* An output whose directory does not exist yet lands where its
       * name says: outputs are all built the same way from one -o, so
       * equal names are the only way two of them can meet. */
      k->where = id->where ? id->where : path;
      k->regular = id->regular;
      k->dev = id->dev;
      k->ino = id->ino;
      k->is_output = out;
      k->file = i;
    }
  }
  if (rc == 0) {
    qsort(keys, nk, sizeof *keys, compare_where);
    size_t found = report_conflicts(cfg, list, keys, nk, same_where, 0);
    qsort(keys, nk, sizeof *keys, compare_inode);
    /* A conflict both by name and by inode would be counted twice: the
     * second pass only adds those the names did not show (hard links). */
    if (!found) found = report_conflicts(cfg, list, keys, nk, same_inode, found);
    if (found > MAX_CONFLICTS_SHOWN)
      fprintf(stderr, "%s: ... and %zu more such conflicts\n", cfg->prog, found - MAX_CONFLICTS_SHOWN);
    if (found) {
      fprintf(stderr, "%s: nothing was converted (rename the inputs, or convert them in separate runs)\n"
                      "Try '%s --help'.\n", cfg->prog, cfg->prog);
      rc = CLI_EXIT_USAGE;
    }
  } else {
    rc = oom(cfg);
  }
  if (ids)
    for (size_t i = 0; i < 2 * n; i++) cli_path_id_clear(&ids[i]);
  free(ids);
  free(keys);
  return rc;
}

int batch_plan(const batch_config *cfg, batch_list *list) {
  for (size_t i = 0; i < list->count; i++)
    if (!(list->files[i].output = output_name(cfg, &list->files[i]))) return oom(cfg);
  int rc = refuse_collisions(cfg, list);
  if (rc || !cfg->shard_n) return rc;
  /* The shard is chosen after the checks above, which see the whole list,
   * so that every shard refuses the same mistakes. */
  size_t kept = 0;
  for (size_t i = 0; i < list->count; i++) {
    batch_file *f = &list->files[i];
    if (batch_hash(f->rel) % cfg->shard_n == cfg->shard_k) {
      list->files[kept++] = *f;
    } else {
      free(f->input);
      free(f->rel);
      free(f->output);
      free(f->error);
    }
  }
  list->count = kept;
  return 0;
}

/* ---- running ---- */

/* A file's work, estimated from its size: the pixels are what costs, and
 * JPEG and HEIF hold about ten times more pixels per byte than PNG and
 * Y4M photos do (0.1-0.2 bytes against 1.5-2).  Reading every header for
 * the true size would cost a seek per file of a large library. */
static double work_cost(const batch_file *f) {
  static const char *const dense[] = {"jpg", "jpeg", "heic", "heif", "hif", "avif"};
  const char *ext = extension_of(f->input);
  double bytes = (double)f->in_bytes;
  for (size_t i = 0; i < sizeof dense / sizeof dense[0]; i++) {
    const char *a = ext, *b = dense[i];
    while (*a && *b && tolower((unsigned char)*a) == *b) a++, b++;
    if (!*a && !*b) return bytes * 10;
  }
  return bytes;
}

/* The files sorted costliest first, ties in list order, so that the big
 * pictures do not start last and leave one worker running alone at the
 * end (the longest-processing-time-first rule). */
static const batch_list *sort_list; /* qsort has no context argument; set under no concurrency */
static int compare_cost(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  double ci = work_cost(&sort_list->files[i]), cj = work_cost(&sort_list->files[j]);
  if (ci != cj) return ci > cj ? -1 : 1;
  return i < j ? -1 : i > j;
}

struct batch_run {
  const batch_config *cfg;
  batch_list *list;
  batch_convert_fn convert;
  void *opaque;
  const batch_helping *help; /* NULL: each file on threads of its own */
  int threads; /* per file */
  int cores, workers; /* workers: threads taking files */
  int released;        /* help->release() was called; under lock */
  pthread_mutex_t lock;
  pthread_cond_t cond; /* a file finished, or a worker left */
  /* Under lock: */
  size_t next;         /* the next file to take */
  size_t processed;    /* converted + failed + skipped */
  int workers_left;
  size_t converted, failed, skipped;
  size_t *order;       /* the files, costliest first (see work_cost) */
  int in_progress;     /* files being converted */
  double cost_total;   /* work_cost of the whole list */
  double cost_seen;    /* ... of the processed files */
  double cost_worked;  /* ... of those converted or failed (not skipped): the rate */
  long long bytes_in, bytes_out; /* converted files only */
  double pixels;
  int stop;            /* a stop's status, once one left a file unconverted */
  /* The progress line. */
  int tty;
  int shown;           /* the line is on the terminal and must be cleared first */
  double t0;
};

typedef struct worker_arg {
  batch_run *run;
  int index;
} worker_arg;

static void clear_progress_locked(batch_run *r) {
  if (r->shown) fputs("\r\033[K", stderr);
  r->shown = 0;
}

void batch_message(batch_run *run, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (run) {
    pthread_mutex_lock(&run->lock);
    clear_progress_locked(run);
  }
  /* One formatted line, one write: lines from several workers never mix. */
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  fprintf(stderr, "%s\n", line);
  if (run) pthread_mutex_unlock(&run->lock);
  va_end(ap);
}

void batch_say_error(const batch_voice *v, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (v->batch && v->reason)
    snprintf(v->reason, v->reason_size, "%s", text);
  else
    fprintf(stderr, "%s: %s\n", v->prog, text);
}

void batch_say_note(const batch_voice *v, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  batch_message(v->batch, "%s: %s", v->prog, text); /* NULL batch: straight to stderr */
}

static void format_duration(char *buf, size_t size, double s) {
  if (s < 0) s = 0;
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* The line: files done / total, failures, MP/s, ETA.  The ETA comes from
 * the files' estimated work, not their count: photo libraries mix
 * thumbnails and 50 MP pictures. */
static void draw_progress_locked(batch_run *r) {
  double elapsed = cli_now_seconds() - r->t0;
  char eta[32] = "--:--";
  if (r->cost_worked > 0 && elapsed > 0.5) {
    double rate = r->cost_worked / elapsed;
    format_duration(eta, sizeof eta, (r->cost_total - r->cost_seen) / rate);
  }
  char failed[32] = "";
  if (r->failed) snprintf(failed, sizeof failed, ", %zu failed", r->failed);
  fprintf(stderr, "\r%s: %zu/%zu files%s, %.1f MP/s, ETA %s\033[K", r->cfg->prog, r->processed,
          r->list->count, failed, elapsed > 0 ? r->pixels / 1e6 / elapsed : 0.0, eta);
  r->shown = 1;
}

/* mkdir -p of path's directory, below cfg->out_dir.  0, or -1 with errno.
 * Shards and workers create the same directories at once: EEXIST is
 * success. */
static int make_parents(const char *path) {
  char *p = strdup(path);
  if (!p) return -1;
  int rc = 0;
  for (char *s = strchr(p + 1, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
    *s = '\0';
    struct stat st;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      rc = -1;
    } else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      rc = -1;
    }
    *s = '/';
  }
  int saved = errno;
  free(p);
  errno = saved;
  return rc;
}

/* Converts one file.  Returns its status (0, a failure, a stop) and sets
 * its state. */
static int process_file(batch_run *r, int worker, batch_file *f, int threads, char *err,
                        size_t err_size) {
  const batch_config *cfg = r->cfg;
  err[0] = '\0';
  if (f->error) return EXIT_INPUT; /* found missing or unreadable when listed */
  if (cfg->skip_existing) {
    /* An existing output is complete: outputs only appear whole (see
     * src/core/safe_file.h), so what an interrupted run left is either
     * finished or absent. */
    struct stat st;
    if (stat(f->output, &st) == 0 && S_ISREG(st.st_mode)) {
      f->state = BATCH_SKIPPED;
      return 0;
    }
  }
  if (cfg->out_dir && !cfg->defer_dirs && make_parents(f->output) != 0) {
    snprintf(err, err_size, "%s: cannot create its directory: %s", f->output, strerror(errno));
    return EXIT_OUTPUT;
  }
  double pixels = 0;
  int rc = r->convert(r->opaque, r, worker, f, threads, &pixels, err, err_size);
  if (rc == CLI_EXIT_INTERRUPTED || rc == CLI_EXIT_TIMEOUT) return rc;
  if (rc) {
    if (!err[0]) snprintf(err, err_size, "%s: failed (status %d)", f->input, rc);
    return rc;
  }
  f->state = BATCH_CONVERTED;
  f->pixels = pixels;
  struct stat st;
  if (stat(f->output, &st) == 0) f->out_bytes = (long long)st.st_size;
  if (cfg->keep_mtime) {
    /* After the output is complete and named: there is no way to set the
     * times of the file the library writes before it appears.  A kill in
     * between leaves a complete output with today's time. */
    struct timespec ts[2] = {f->atime, f->mtime};
    if (utimensat(AT_FDCWD, f->output, ts, 0) != 0)
      batch_message(r, "%s: %s: warning: cannot set the modification time: %s", cfg->prog, f->output,
                    strerror(errno));
  }
  return 0;
}

/* With a shared budget of threads: once no file is left to start and none
 * is in progress, the threads lent to the files are no longer needed. */
static void release_if_done_locked(batch_run *r) {
  if (r->help && !r->released && r->in_progress == 0 &&
      (r->stop || r->next >= r->list->count)) {
    r->released = 1;
    r->help->release(r->help->opaque);
  }
}

static void *worker_main(void *opaque) {
  worker_arg *wa = opaque;
  batch_run *r = wa->run;
  char err[1024];
  pthread_mutex_lock(&r->lock);
  /* Threads of the budget beyond one per file only help (below). */
  while (wa->index < r->workers) {
    /* A stop lets the files in progress end (their conversions hear of it
     * too) and starts no new one. */
    int stop = cli_stop_requested();
    if (stop && !r->stop) r->stop = stop;
    if (r->stop || r->next >= r->list->count) break;
    batch_file *f = &r->list->files[r->order[r->next++]];
    /* The CPU budget: cores / files at once.  Near the end, when fewer
     * files are left than workers, the last ones get the cores the idle
     * workers leave (a context's thread count is fixed when it is made). */
    r->in_progress++;
    size_t unfinished = r->list->count - r->next + (size_t)r->in_progress;
    int threads = r->threads;
    if (!r->help && r->cfg->threads < 0 && unfinished < (size_t)r->workers)
      threads = r->cores / (int)unfinished > 1 ? r->cores / (int)unfinished : 1;
    pthread_mutex_unlock(&r->lock);
    int rc = process_file(r, wa->index, f, threads, err, sizeof err);
    pthread_mutex_lock(&r->lock);
    r->in_progress--;
    if (rc == CLI_EXIT_INTERRUPTED || rc == CLI_EXIT_TIMEOUT) {
      if (!r->stop) r->stop = rc;
      continue; /* stays BATCH_PENDING: not converted */
    }
    r->processed++;
    r->cost_seen += work_cost(f);
    if (f->state != BATCH_SKIPPED) r->cost_worked += work_cost(f);
    if (rc) {
      f->state = BATCH_FAILED;
      f->status = rc;
      if (!f->error) f->error = strdup(err); /* NULL on OOM: reported without a reason */
      r->failed++;
      /* Said now as well as in the list at the end: a long run's user
       * sees trouble while it can still be acted on. */
      clear_progress_locked(r);
      fprintf(stderr, "%s: %s\n", r->cfg->prog, f->error ? f->error : f->input);
    } else if (f->state == BATCH_SKIPPED) {
      r->skipped++;
      if (r->cfg->verbose) {
        clear_progress_locked(r);
        fprintf(stderr, "%s: %s: skipped, %s exists\n", r->cfg->prog, f->input, f->output);
      }
    } else {
      r->converted++;
      r->bytes_in += f->in_bytes;
      r->bytes_out += f->out_bytes;
      r->pixels += f->pixels;
      if (r->cfg->verbose) {
        clear_progress_locked(r);
        fprintf(stderr, "%s: %s -> %s, %lld -> %lld bytes\n", r->cfg->prog, f->input, f->output,
                f->in_bytes, f->out_bytes);
      }
    }
    pthread_cond_broadcast(&r->cond);
  }
  if (r->help) {
    /* No file left to start: this thread helps the ones in progress (the
     * last big picture of a batch gets the threads the others leave)
     * until the last of them is done. */
    release_if_done_locked(r);
    pthread_mutex_unlock(&r->lock);
    r->help->serve(r->help->opaque);
    pthread_mutex_lock(&r->lock);
  }
  r->workers_left--;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

int batch_workers(const batch_config *cfg, const batch_list *list) {
  int jobs = cfg->jobs > 0 ? cfg->jobs : batch_cpu_count();
  if (list->count < (size_t)jobs) jobs = (int)list->count;
  return jobs > 0 ? jobs : 1;
}

static void human_bytes(char *buf, size_t size, long long b) {
  static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB"};
  double v = (double)b;
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, u++;
  if (u == 0)
    snprintf(buf, size, "%lld bytes", b);
  else
    snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void print_summary(const batch_run *r, double elapsed, size_t pending) {
  const batch_config *cfg = r->cfg;
  char in[32], out[32];
  human_bytes(in, sizeof in, r->bytes_in);
  human_bytes(out, sizeof out, r->bytes_out);
  char pend[64] = "";
  if (pending) snprintf(pend, sizeof pend, ", %zu not converted", pending);
  char shard[48] = "";
  if (cfg->shard_n) snprintf(shard, sizeof shard, " (shard %lu/%lu)", cfg->shard_k, cfg->shard_n);
  fprintf(stderr, "%s: %zu converted, %zu failed, %zu skipped%s%s; %s -> %s; %.1f s, %.2f files/s, %.1f MP/s\n",
          cfg->prog, r->converted, r->failed, r->skipped, pend, shard, in, out, elapsed,
          elapsed > 0 ? (double)r->converted / elapsed : 0.0,
          elapsed > 0 ? r->pixels / 1e6 / elapsed : 0.0);
}

int batch_run_all(const batch_config *cfg, batch_list *list, batch_convert_fn convert,
                  void *opaque, const batch_helping *help) {
  batch_run r;
  memset(&r, 0, sizeof r);
  r.cfg = cfg;
  r.list = list;
  r.convert = convert;
  r.opaque = opaque;
  r.help = help;
  int workers = batch_workers(cfg, list);
  r.cores = batch_cpu_count();
  r.workers = workers;
  int threads_started = workers;
  if (help) {
    /* One budget of -j threads: a file on each while files are left, every
     * file's work open to all of them (its picture on up to the whole
     * budget, or --threads), and the threads without a file helping. */
    int budget = cfg->jobs > 0 ? cfg->jobs : r.cores;
    threads_started = budget > workers ? budget : workers;
    r.threads = cfg->threads > 0 && cfg->threads < budget ? cfg->threads : budget;
  } else {
    /* N files at once, each coded on cores/N threads of its own, unless
     * --threads says otherwise. */
    r.threads = cfg->threads >= 0 ? cfg->threads : r.cores / workers;
    if (r.threads < 1 && cfg->threads < 0) r.threads = 1;
  }
  r.order = malloc((list->count ? list->count : 1) * sizeof *r.order);
  if (!r.order) {
    fprintf(stderr, "%s: out of memory\n", cfg->prog);
    return EXIT_INPUT;
  }
  for (size_t i = 0; i < list->count; i++) r.order[i] = i;
  sort_list = list;
  qsort(r.order, list->count, sizeof *r.order, compare_cost);
  sort_list = NULL;
  r.tty = !cfg->quiet && isatty(STDERR_FILENO);
  for (size_t i = 0; i < list->count; i++) r.cost_total += work_cost(&list->files[i]);
  pthread_mutex_init(&r.lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&r.cond, &ca);
  pthread_condattr_destroy(&ca);
  r.t0 = cli_now_seconds();

  pthread_t *tids = calloc((size_t)threads_started, sizeof *tids);
  worker_arg *args = calloc((size_t)threads_started, sizeof *args);
  int started = 0;
  if (tids && args) {
    pthread_mutex_lock(&r.lock);
    for (int w = 0; w < threads_started; w++) {
      args[w].run = &r;
      args[w].index = w;
      r.workers_left++;
      if (pthread_create(&tids[w], NULL, worker_main, &args[w]) != 0) {
        r.workers_left--;
        break; /* fewer workers; the ones started take every file */
      }
      started++;
    }
    /* The main thread draws the progress line: refreshed when a file
     * ends, and four times a second for the clock and the ETA. */
    while (r.workers_left > 0) {
      if (r.tty) draw_progress_locked(&r);
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_nsec += 250000000L;
      if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
      pthread_cond_timedwait(&r.cond, &r.lock, &ts);
    }
    clear_progress_locked(&r);
    pthread_mutex_unlock(&r.lock);
    for (int w = 0; w < started; w++) pthread_join(tids[w], NULL);
  }
  if (!started) {
    /* No thread at all (out of memory or threads): the files are still
     * converted, on this one. */
    worker_arg wa = {&r, 0};
    r.workers_left = 1;
    worker_main(&wa);
  }
  free(tids);
  free(args);
  double elapsed = cli_now_seconds() - r.t0;

  int rc = 0, leak = 0;
  size_t pending = 0;
  const batch_file *first_pending = NULL;
  for (size_t i = 0; i < list->count; i++) {
    const batch_file *f = &list->files[i];
    if (f->state == BATCH_PENDING) {
      pending++;
      if (!first_pending) first_pending = f;
    }
    if (f->state != BATCH_FAILED) continue;
    if (f->status == EXIT_LEAK)
      leak = 1;
    else if (f->status > rc)
      rc = f->status; /* output trouble (3) outranks input trouble (1) */
  }
  if (r.failed) {
    fprintf(stderr, "%s: %zu file(s) failed:\n", cfg->prog, r.failed);
    for (size_t i = 0; i < list->count; i++)
      if (list->files[i].state == BATCH_FAILED)
        fprintf(stderr, "  %s\n", list->files[i].error ? list->files[i].error : list->files[i].input);
  }
  if (pending) {
    char why[96];
    fprintf(stderr, "%s: %s: not written: %s\n", cfg->prog, first_pending->output,
            cli_stop_reason(r.stop, why, sizeof why));
    if (pending > 1) fprintf(stderr, "%s: nor %zu other output(s)\n", cfg->prog, pending - 1);
    rc = r.stop ? r.stop : CLI_EXIT_INTERRUPTED;
  }
  if (!cfg->quiet || r.failed || pending) print_summary(&r, elapsed, pending);
  pthread_cond_destroy(&r.cond);
  pthread_mutex_destroy(&r.lock);
  free(r.order);
  /* A leak is a bug in libheic, worse than anything the files did. */
  return leak ? EXIT_LEAK : rc;
}
