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
#include "spool.h"

/* libpng hands over 8 KiB IDAT chunks in three pieces (length, data, CRC)
 * and the Y4M writer a row at a time: gathering them costs one copy and
 * saves most of the system calls.  Standard output holds what it is given
 * in memory up to OUTFILE_STDOUT_MEMORY, a compressed photo's worth; the
 * rest (a big PNG, any Y4M: every sample) waits in a nameless temporary
 * file (spool.h), so that memory stays bounded there too. */
enum { OUTFILE_BUFFER = 64 * 1024, OUTFILE_STDOUT_MEMORY = 4 * 1024 * 1024 };

const char imageio_stdout[] = "standard output";

struct imageio_outfile {
  hc_safe_file file;
  size_t used;
  unsigned char buf[OUTFILE_BUFFER];
  /* Standard output: everything, written at commit; the first bytes in
   * memory, the others in the spool. */
  int to_stdout;
  unsigned char *all;
  size_t all_used, all_cap;
  imageio_spool *spool;
  uint64_t spooled;
};

static int stdout_append(imageio_outfile *of, const void *data, size_t size, char *err,
                         size_t err_size) {
  if (!of->spool && size <= OUTFILE_STDOUT_MEMORY - of->all_used) {
    if (size > of->all_cap - of->all_used) {
      /* Doubling, up to the bound (which all_used + size does not pass). */
      size_t cap = of->all_cap ? of->all_cap : OUTFILE_BUFFER;
      while (cap - of->all_used < size && cap < OUTFILE_STDOUT_MEMORY) cap *= 2;
      if (cap > OUTFILE_STDOUT_MEMORY) cap = OUTFILE_STDOUT_MEMORY;
      unsigned char *p = realloc(of->all, cap);
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
  /* Once the spool is used, everything after goes there, in order. */
  if (!of->spool && imageio_spool_open(&of->spool, err, err_size) != 0) return -1;
  if (imageio_spool_put(of->spool, of->spooled, data, size, err, err_size) != 0) return -1;
  of->spooled += size;
  return 0;
}

static int stdout_write(const unsigned char *data, size_t size, char *err, size_t err_size) {
  for (size_t done = 0; done < size;) {
    ssize_t n = write(STDOUT_FILENO, data + done, size - done);
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

static int stdout_commit(imageio_outfile *of, char *err, size_t err_size) {
  /* Whatever stdio holds goes first (the tools print nothing there when
   * the image does, but order must not depend on it). */
  if (fflush(stdout) != 0) {
    if (err && err_size) snprintf(err, err_size, "cannot write: %s", strerror(errno));
    return -1;
  }
  if (stdout_write(of->all, of->all_used, err, err_size) != 0) return -1;
  /* The spool back through buf, empty by now. */
  for (uint64_t at = 0; at < of->spooled;) {
    size_t n = of->spooled - at < sizeof of->buf ? (size_t)(of->spooled - at) : sizeof of->buf;
    if (imageio_spool_get(of->spool, at, of->buf, n, err, err_size) != 0 ||
        stdout_write(of->buf, n, err, err_size) != 0)
      return -1;
    at += n;
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
  of->spool = NULL;
  of->spooled = 0;
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
  imageio_spool_close(&of->spool);
  free(of->all);
  free(of);
  *ofp = NULL;
  return rc;
}

void imageio_outfile_abort(imageio_outfile **ofp) {
  if (!ofp || !*ofp) return;
  if (!(*ofp)->to_stdout) hc_safe_file_abort(&(*ofp)->file);
  imageio_spool_close(&(*ofp)->spool);
  free((*ofp)->all);
  free(*ofp);
  *ofp = NULL;
}
