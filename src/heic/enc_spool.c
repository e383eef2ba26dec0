/*
 * The streaming encode's spool: coded data kept in an unnamed temporary
 * file until the context's file is written (encode_int.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* O_TMPFILE is a Linux extension; pread is POSIX. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode_int.h"

/* One item's bytes in the spool: what the writer's read callback gets. */
typedef struct spool_region {
  hx_spool *spool;
  uint64_t off;
  struct spool_region *next;
} spool_region;

struct hx_spool {
  hc_mem *mem;
  int fd;
  uint64_t size;
  spool_region *regions; /* owned, for the writer's callbacks */
};

/* An unnamed file in dir: O_TMPFILE where the system has it, else a named
 * one removed at once (it lives on while open). */
static int open_unnamed(const char *dir) {
#ifdef O_TMPFILE
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
#endif
  char path[4096];
  if (snprintf(path, sizeof path, "%s/.libheic-spool-XXXXXX", dir) >= (int)sizeof path) return -1;
  int fd2 = mkstemp(path);
  if (fd2 >= 0) unlink(path);
  return fd2;
}

heic_status hx_spool_open(hc_mem *mem, hx_spool **out, hc_err *err) {
  *out = NULL;
  hx_spool *s = hc_calloc(mem, 1, sizeof(*s));
  if (!s) return hc_fail_oom(err);
  s->mem = mem;
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  s->fd = open_unnamed(dir);
  if (s->fd < 0) {
    int e = errno;
    hc_free(mem, s);
    return hc_fail(err, HEIC_ERR_IO, "no temporary file for the coded data in %s: %s", dir, strerror(e));
  }
  *out = s;
  return HEIC_OK;
}

uint64_t hx_spool_size(const hx_spool *s) { return s->size; }

heic_status hx_spool_append(hx_spool *s, const uint8_t *data, size_t n, hc_err *err) {
  while (n) {
    ssize_t k = pwrite(s->fd, data, n, (off_t)s->size);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0)
      return hc_fail(err, HEIC_ERR_IO, "writing the coded data to a temporary file: %s",
                     k < 0 ? strerror(errno) : "no space");
    data += k;
    n -= (size_t)k;
    s->size += (uint64_t)k;
  }
  return HEIC_OK;
}

static int region_read(void *opaque, uint64_t offset, uint8_t *buf, size_t n) {
  const spool_region *r = opaque;
  uint64_t at = r->off + offset;
  while (n) {
    ssize_t k = pread(r->spool->fd, buf, n, (off_t)at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    buf += k;
    n -= (size_t)k;
    at += (uint64_t)k;
  }
  return 0;
}

heic_status hx_spool_set_item(hx_spool *s, hf_writer *w, uint32_t id, uint64_t off, uint64_t size,
                              hc_err *err) {
  spool_region *r = hc_calloc(s->mem, 1, sizeof(*r));
  if (!r) return hc_fail_oom(err);
  r->spool = s;
  r->off = off;
  r->next = s->regions;
  s->regions = r;
  return hf_writer_set_item_data_fn(w, id, size, region_read, r, err);
}

void hx_spool_free(hx_spool **ps) {
  if (!ps || !*ps) return;
  hx_spool *s = *ps;
  while (s->regions) {
    spool_region *next = s->regions->next;
    hc_free(s->mem, s->regions);
    s->regions = next;
  }
  if (s->fd >= 0) close(s->fd);
  hc_free(s->mem, s);
  *ps = NULL;
}
