/*
 * libheic image I/O: a scratch file for bytes that are made before the
 * bytes they must follow in an output.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* What is read back at a time: big enough for few system calls, small
 * beside the rows of a wide picture. */
enum { SPOOL_PIECE = 256 * 1024 };

struct imageio_spool {
  int fd;
  unsigned char *piece; /* SPOOL_PIECE bytes, made at the first copy */
};

static int spool_error(char *err, size_t err_size, const char *what) {
  if (err && err_size) snprintf(err, err_size, "temporary file: %s: %s", what, strerror(errno));
  return -1;
}

int imageio_spool_open(imageio_spool **out, char *err, size_t err_size) {
  *out = NULL;
  const char *dir = getenv("TMPDIR");
  if (!dir || !dir[0]) dir = "/tmp";
  size_t n = strlen(dir) + sizeof "/heic-spool-XXXXXX";
  char *path = malloc(n);
  imageio_spool *s = malloc(sizeof *s);
  if (!path || !s) {
    free(path);
    free(s);
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  snprintf(path, n, "%s/heic-spool-XXXXXX", dir);
  s->piece = NULL;
  s->fd = mkstemp(path);
  if (s->fd < 0) {
    spool_error(err, err_size, dir);
    free(path);
    free(s);
    return -1;
  }
  /* Nameless from now on: nothing is left behind, even after a SIGKILL. */
  unlink(path);
  free(path);
  *out = s;
  return 0;
}

int imageio_spool_put(imageio_spool *s, uint64_t offset, const void *data, size_t size, char *err,
                      size_t err_size) {
  const unsigned char *p = data;
  while (size) {
    ssize_t n = pwrite(s->fd, p, size, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      return spool_error(err, err_size, "cannot write");
    }
    p += n;
    offset += (uint64_t)n;
    size -= (size_t)n;
  }
  return 0;
}

int imageio_spool_get(imageio_spool *s, uint64_t offset, void *buf, size_t size, char *err,
                      size_t err_size) {
  unsigned char *p = buf;
  while (size) {
    ssize_t n = pread(s->fd, p, size, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      /* Short: the file was cut under us (it has no name, so hardly). */
      if (n == 0) errno = EIO;
      return spool_error(err, err_size, "cannot read back");
    }
    p += n;
    offset += (uint64_t)n;
    size -= (size_t)n;
  }
  return 0;
}

int imageio_spool_copy(imageio_spool *s, uint64_t offset, uint64_t size, imageio_outfile *of,
                       imageio_stop_fn stop, void *stop_opaque, char *err, size_t err_size) {
  if (!s->piece && size) {
    s->piece = malloc(SPOOL_PIECE);
    if (!s->piece) {
      if (err && err_size) snprintf(err, err_size, "out of memory");
      return -1;
    }
  }
  while (size) {
    if (stop && stop(stop_opaque)) {
      if (err && err_size) snprintf(err, err_size, "stopped");
      return -1;
    }
    size_t n = size < SPOOL_PIECE ? (size_t)size : SPOOL_PIECE;
    if (imageio_spool_get(s, offset, s->piece, n, err, err_size) != 0 ||
        imageio_outfile_write(of, s->piece, n, err, err_size) != 0)
      return -1;
    offset += n;
    size -= n;
  }
  return 0;
}

void imageio_spool_close(imageio_spool **sp) {
  if (!sp || !*sp) return;
  close((*sp)->fd);
  free((*sp)->piece);
  free(*sp);
  *sp = NULL;
}
