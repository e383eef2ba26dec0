/*
 * libheic image I/O: output files that are never seen partial.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "outfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safe_file.h"

/* libpng hands over 8 KiB IDAT chunks in three pieces (length, data, CRC)
 * and the Y4M writer a row at a time: gathering them costs one copy and
 * saves most of the system calls. */
enum { OUTFILE_BUFFER = 64 * 1024 };

struct imageio_outfile {
  hc_safe_file file;
  size_t used;
  unsigned char buf[OUTFILE_BUFFER];
};

int imageio_outfile_open(imageio_outfile **out, const char *dest, char *err, size_t err_size) {
  *out = NULL;
  imageio_outfile *of = malloc(sizeof *of);
  if (!of) {
    if (err && err_size) snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (hc_safe_file_open(&of->file, dest, err, err_size) != 0) {
    free(of);
    return -1;
  }
  of->used = 0;
  *out = of;
  return 0;
}

static int flush_buffer(imageio_outfile *of, char *err, size_t err_size) {
  int rc = hc_safe_file_write(&of->file, of->buf, of->used, err, err_size);
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
    if (size > sizeof of->buf) return hc_safe_file_write(&of->file, data, size, err, err_size);
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
  if (rc == 0)
    rc = hc_safe_file_commit(&of->file, err, err_size);
  else
    hc_safe_file_abort(&of->file);
  free(of);
  *ofp = NULL;
  return rc;
}

void imageio_outfile_abort(imageio_outfile **ofp) {
  if (!ofp || !*ofp) return;
  hc_safe_file_abort(&(*ofp)->file);
  free(*ofp);
  *ofp = NULL;
}
