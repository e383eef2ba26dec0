/*
 * main() for the fuzz targets when they are not built with libFuzzer.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 *   fuzz_<target>_replay [--skip-missing] FILE|DIR ...
 *
 * Runs LLVMFuzzerTestOneInput once on each file; a directory contributes its
 * regular files, recursively, in name order (so a failure reproduces in the
 * same order everywhere).  A target signals a bug by aborting, which fails
 * the test; a clean return is a pass.  --skip-missing lets a test name
 * optional seed directories (the shared corpus) that may not exist.
 * Plain C11 + POSIX: gcc builds it for CI without libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* libFuzzer's default -max_len is far below this; files bigger than this are
 * not useful seeds and would only make the replay slow. */
#define REPLAY_MAX_FILE ((size_t)64 << 20)

static unsigned long g_replayed;

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  uint8_t *buf = NULL;
  size_t size = 0, cap = 0;
  for (;;) {
    if (size == cap) {
      size_t ncap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, ncap);
      if (!nb || ncap > REPLAY_MAX_FILE) {
        fprintf(stderr, "%s: too large or out of memory\n", path);
        free(nb ? nb : buf);
        fclose(f);
        return -1;
      }
      buf = nb;
      cap = ncap;
    }
    size_t n = fread(buf + size, 1, cap - size, f);
    size += n;
    if (n == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "%s: read error\n", path);
    free(buf);
    return -1;
  }
  /* Naming the input first means a crash's output says which file it was. */
  fprintf(stderr, "replay %s (%zu bytes)\n", path, size);
  (void)LLVMFuzzerTestOneInput(size ? buf : (const uint8_t *)"", size);
  free(buf);
  g_replayed++;
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, int skip_missing);

static int replay_dir(const char *path, int skip_missing) {
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t count = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue; /* ., .., and hidden files (e.g. .gitkeep) */
    if (count == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      char **nn = realloc(names, ncap * sizeof(*names));
      if (!nn) { rc = -1; break; }
      names = nn;
      cap = ncap;
    }
    size_t len = strlen(path) + 1 + strlen(e->d_name) + 1;
    names[count] = malloc(len);
    if (!names[count]) { rc = -1; break; }
    snprintf(names[count], len, "%s/%s", path, e->d_name);
    count++;
  }
  closedir(d);
  if (count) qsort(names, count, sizeof(*names), cmp_names);
  for (size_t i = 0; i < count; i++) {
    if (rc == 0 && replay_path(names[i], skip_missing) != 0) rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

static int replay_path(const char *path, int skip_missing) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (skip_missing && errno == ENOENT) {
      fprintf(stderr, "%s: not present, skipped\n", path);
      return 0;
    }
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) return replay_dir(path, skip_missing);
  if (S_ISREG(st.st_mode)) return replay_file(path);
  return 0; /* sockets, fifos: not inputs */
}

int main(int argc, char **argv) {
  int skip_missing = 0, rc = 0, paths = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--skip-missing") == 0) {
      skip_missing = 1;
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0') {
      /* libFuzzer-style flags (-runs=..., -max_len=...) are accepted and
       * ignored so a command line works with either main(). */
      continue;
    }
    paths++;
    if (replay_path(argv[i], skip_missing) != 0) rc = 1;
  }
  if (!paths) {
    fprintf(stderr, "usage: %s [--skip-missing] FILE|DIR ...\n", argv[0]);
    return 2;
  }
  printf("%s: replayed %lu inputs%s\n", argv[0], g_replayed, rc ? " (some could not be read)" : "");
  return rc;
}
