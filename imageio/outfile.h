/*
 * libheic image I/O: output files that are never seen partial.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The tools' writers (PNG, Y4M, hevc-enc's streams) write through this
 * buffer onto src/core/safe_file, the same code the library's
 * heic_context_write_file uses, so every file the project writes keeps the
 * promise set out in safe_file.h: after a failure, or a SIGKILL at any
 * instant, the destination is as it was or complete, never partial; a
 * destination that exists and is not a regular file (/dev/stdout, a FIFO)
 * is written directly.
 */
#ifndef IMAGEIO_OUTFILE_H
#define IMAGEIO_OUTFILE_H

#include <stddef.h>

/* Asked by the writers between rows: non-zero stops the write, which then
 * fails with the message "stopped" and leaves nothing behind.  It must be
 * cheap (it runs once a row). */
typedef int (*imageio_stop_fn)(void *opaque);

typedef struct imageio_outfile imageio_outfile;

/* A destination meaning standard output: pass this very pointer as dest
 * (a path that merely reads "-" is a file of that name).  The data is
 * gathered - its first 4 MiB in memory, the rest in a nameless temporary
 * file in $TMPDIR (spool.h) - and written at commit, so that a failure or
 * a stop before then writes nothing: a program reading the pipe gets the
 * whole image or no byte of it (only a failing write to the pipe itself
 * can cut it short). */
extern const char imageio_stdout[];

/* Starts writing dest.  On success *out is the open file; on failure *out
 * is NULL, nothing was created and err says why (err may be NULL when
 * err_size is 0).  Messages do not repeat the destination's name: the
 * caller prefixes it. */
int imageio_outfile_open(imageio_outfile **out, const char *dest, char *err, size_t err_size);

/* Appends data (buffered).  0, or -1 with the reason in err; the caller
 * then aborts. */
int imageio_outfile_write(imageio_outfile *of, const void *data, size_t size, char *err,
                          size_t err_size);

/* Writes what is buffered and makes the file visible under its name (see
 * safe_file.h).  On failure nothing is left and the destination is as it
 * was.  Either way *of is freed and set to NULL. */
int imageio_outfile_commit(imageio_outfile **of, char *err, size_t err_size);

/* Drops the file (nothing of it remains), frees *of and sets it to NULL.
 * Accepts NULL and an already released outfile. */
void imageio_outfile_abort(imageio_outfile **of);

#endif
