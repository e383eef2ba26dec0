/*
 * libheic image I/O: replace-on-success output files.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Writers never write to the destination directly: a half-written PNG that
 * looks like a finished one is worse than no file, and a failed run must not
 * destroy what was there before.  They write a temporary file in the
 * destination's directory (so the final rename stays within one file system
 * and is atomic) and rename it over the destination only once everything
 * has been written and flushed without error.  A destination that exists
 * and is not a regular file (/dev/stdout, /dev/null, a FIFO) is written
 * directly: renaming over it would replace the device with a file.
 */
#ifndef IMAGEIO_OUTFILE_H
#define IMAGEIO_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct imageio_outfile {
  FILE *fp;        /* the temporary, open for writing; NULL when closed */
  char *tmp_path;  /* malloc'd; NULL once renamed or removed */
  char *dest_path; /* malloc'd copy of the destination */
  int direct;      /* writing straight to dest: it is a device or a pipe */
} imageio_outfile;

/* Creates the temporary beside dest.  *of must be zeroed by the caller (so
 * that imageio_outfile_abort is safe whatever happens).  Returns 0, or -1
 * with the reason in err (err may be NULL when err_size is 0).  Messages do
 * not repeat the destination's name: the caller prefixes it. */
int imageio_outfile_open(imageio_outfile *of, const char *dest, char *err, size_t err_size);

/* Flushes and closes the temporary and renames it to the destination.
 * On failure the temporary is removed and the destination untouched.
 * Either way *of is released (imageio_outfile_abort afterwards is a no-op). */
int imageio_outfile_commit(imageio_outfile *of, char *err, size_t err_size);

/* Closes and removes the temporary and releases *of.  Safe on a zeroed,
 * half-opened, committed or already aborted outfile. */
void imageio_outfile_abort(imageio_outfile *of);

#endif
