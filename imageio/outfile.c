/*
 * libheic image I/O: output files that are never seen partial.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "outfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/safe_file.h"

/* libpng hands over 8 KiB IDAT chunks in three pieces (length, data, CRC)
 * and the Y4M writer a row at a time: gathering them costs one copy and
 * saves most of the system calls. */
enum { OUTFILE_BUFFER = 64 * 1024 };

const char imageio_stdout[] = "standard output";

struct imageio_outfile {
  hc_safe_file file;
  size_t used;
  unsigned char buf[OUTFILE_BUFFER];
  /* Standard output: everything, written at commit. */
  int to_stdout;
  unsigned char *all;
  size_t all_used, all_cap;
};

static int stdout_append(imageio_outfile *of, const void *data, size_t size, char *err,
                         size_t err_size) {
  if (size > of->all_cap - of->all_used) {
    size_t cap = of->all_cap ? of->all_cap : OUTFILE_BUFFER;
    while (cap - of->all_used < size) {
      if (cap > SIZE_MAX / 2) {
        cap = 0;
        break;
      }
      cap *= 2;
    }
    unsigned char *p = cap ? realloc(of->all, cap) : NULL;
    if (!p) {
      if (err && err_size) snprintf(err, err_size, "out of memory");
      return -1;
    }
    of->all = p;
    of->all_cap = cap;
  }
  if (size) memcpy(of->all + of->all_used, data, size);
  of->all_used += size;
  return 0;
}

static int stdout_commit(imageio_outfile *of, char *err, size_t err_size) {
  /* Whatever stdio holds goes first (the tools print nothing there when
   * the image does, but order must not depend on it). */
  if (fflush(stdout) != 0) {
    if (err && err_size) snprintf(err, err_size, "cannot write: %s", strerror(errno));
    return -1;
  }
  for (size_t done = 0; done < of->all_used;) {
    ssize_t n = write(STDOUT_FILENO, of->all + done, of->all_used - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (err && err_size)
        snprintf(err, err_size, "cannot write: %s", n < 0 ? strerror(errno) : "nothing written");
      return -1;
    }
    done += (size_t)n;
  }
  return 0;
}

int imageio_outfile_open(imageio_outfile **out, const char *dest, char *err, size_t err_size) {
  *out = NULL;
  imageio_outfile *of = malloc(sizeof *of);
  if (!of) {
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  of->used = 0;
  of->to_stdout = dest == imageio_stdout;
  of->all = NULL;
  of->all_used = of->all_cap = 0;
  if (!of->to_stdout && hc_safe_file_open(&of->file, dest, err, err_size) != 0) {
    free(of);
    return -1;
  }
  *out = of;
  return 0;
}

static int flush_buffer(imageio_outfile *of, char *err, size_t err_size) {
  int rc = of->to_stdout ? stdout_append(of, of->buf, of->used, err, err_size)
                         : hc_safe_file_write(&of->file, of->buf, of->used, err, err_size);
  of->used = 0;
  return rc;
}

int imageio_outfile_write(imageio_outfile *of, const void *data, size_t size, char *err,
                          size_t err_size) {
  if (!of) {
    if (err && err_size) snprintf(err, err_size, "the output file is not open");
    return -1;
  }
  if (size > sizeof of->buf - of->used) {
    if (flush_buffer(of, err, err_size) != 0) return -1;
    /* What would not fit in an empty buffer goes straight through. */
    if (size > sizeof of->buf)
      return of->to_stdout ? stdout_append(of, data, size, err, err_size)
                           : hc_safe_file_write(&of->file, data, size, err, err_size);
  }
  memcpy(of->buf + of->used, data, size);
  of->used += size;
  return 0;
}

int imageio_outfile_commit(imageio_outfile **ofp, char *err, size_t err_size) {
  imageio_outfile *of = *ofp;
  if (!of) {
    if (err && err_size) snprintf(err, err_size, "the output file is not open");
    return -1;
  }
  int rc = flush_buffer(of, err, err_size);
  if (of->to_stdout) {
    if (rc == 0) rc = stdout_commit(of, err, err_size);
  } else if (rc == 0) {
    rc = hc_safe_file_commit(&of->file, err, err_size);
  } else {
    hc_safe_file_abort(&of->file);
  }
  free(of->all);
  free(of);
  *ofp = NULL;
  return rc;
}

void imageio_outfile_abort(imageio_outfile **ofp) {
  if (!ofp || !*ofp) return;
  if (!(*ofp)->to_stdout) hc_safe_file_abort(&(*ofp)->file);
  free((*ofp)->all);
  free(*ofp);
  *ofp = NULL;
}
