/*
 * libheic image I/O: a scratch file for bytes that are made before the
 * bytes they must follow in an output.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A Y4M frame holds its planes one after the other, while a decode in bands
 * makes the rows of all planes together: the chroma rows wait here until
 * the luma plane is written, so that memory follows the picture's width.
 * Standard output gets nothing before the file is complete: what does not
 * fit outfile's bound in memory waits here too.
 * The file lives in $TMPDIR (else /tmp) and has no name from the moment
 * it is made: it goes with the process however that ends.
 */
#ifndef IMAGEIO_SPOOL_H
#define IMAGEIO_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "outfile.h"

typedef struct imageio_spool imageio_spool;

/* Each returns 0, or -1 with the reason in err (err may be NULL when
 * err_size is 0). */
int imageio_spool_open(imageio_spool **out, char *err, size_t err_size);

/* Puts size bytes at offset (anywhere: holes read back as zeros). */
int imageio_spool_put(imageio_spool *s, uint64_t offset, const void *data, size_t size, char *err,
                      size_t err_size);

/* Reads exactly size bytes at offset into buf. */
int imageio_spool_get(imageio_spool *s, uint64_t offset, void *buf, size_t size, char *err,
                      size_t err_size);

/* Appends bytes [offset, offset + size) to of, asking stop (NULL: never)
 * between pieces; a stop fails with the reason "stopped". */
int imageio_spool_copy(imageio_spool *s, uint64_t offset, uint64_t size, imageio_outfile *of,
                       imageio_stop_fn stop, void *stop_opaque, char *err, size_t err_size);

/* Frees *s (its file goes) and sets it to NULL; accepts NULL. */
void imageio_spool_close(imageio_spool **s);

#endif
