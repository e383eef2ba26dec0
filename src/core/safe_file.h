/*
 * Output files that are never seen partial.  SPDX-License-Identifier: BSD-2-Clause
 *
 * One implementation for every file libheic and its tools write: the
 * library's heic_context_write_file and the tools' PNG, Y4M and HEVC
 * writers (imageio/outfile.c).  It is compiled twice from this one source,
 * into the library (hidden) and into the tools' image I/O library, because
 * the tools link libheic.so, where hidden symbols cannot be reached.  So it
 * depends on nothing else in src/core, allocates nothing (the library's
 * rule is that memory comes only from its accounting allocator; everything
 * lives in hc_safe_file, which the caller places, usually on its stack) and
 * keeps no process-global state.  POSIX with Linux extensions.
 *
 * How a file is written (DEST = dir/name):
 *  - Normally an unnamed file in dir (Linux O_TMPFILE, permissions 0666
 *    less the umask as for any new file).  At commit: the data is fsync'd,
 *    then the file is given its name with linkat(); if DEST exists, it is
 *    linked under a hidden temporary name (see below) and renamed over
 *    DEST; then dir is fsync'd.
 *  - Where O_TMPFILE is not available (old kernels, some network and FUSE
 *    file systems, no /proc to link from), a hidden temporary is created
 *    with O_EXCL instead and renamed over DEST at commit, with the same
 *    fsync of the file before and of the directory after.
 *  - A DEST that exists and is neither a regular file nor a directory
 *    (/dev/null, /dev/stdout, a FIFO, a terminal) is opened and written
 *    directly: renaming over it would replace the device with a file.
 *  - A DEST that is a symbolic link is replaced by the new file (the file
 *    it pointed to is left alone), as rename() does.
 *
 * Hidden temporaries are named ".<name>.tmp-<pid>-<n>" (name cut to 200
 * bytes so that the whole stays within NAME_MAX), in DEST's directory so
 * that the final rename stays on one file system and is atomic.  The dot
 * keeps them out of globs and most file managers.
 *
 * What is guaranteed, whatever happens and when (a SIGKILL, a crash of
 * the process, an error at any step; power loss once commit has returned):
 *  - DEST is either what it was before (absent, or the old file, byte for
 *    byte) or the complete new file; never a partial or empty one.  The
 *    fsync before the link/rename is what makes this hold across a power
 *    loss: without it the file system may commit the name before the data.
 *  - Once hc_safe_file_commit has returned 0, the new file and its name are
 *    on disk (the directory is fsync'd).
 *  - On any failure reported by these functions, nothing new is left in the
 *    directory and an existing DEST is untouched, with one exception: when
 *    the fsync of the directory fails after the rename, the new file is
 *    already in place (the error is still reported).
 *  - The only thing a process killed at the wrong instant can leave behind
 *    is one hidden temporary: in normal mode, killed between the link to
 *    the temporary name and the rename over an existing DEST (two system
 *    calls); in the fallback mode, killed any time between creating the
 *    temporary and renaming it.  The next hc_safe_file_open for the same
 *    DEST removes it: hidden temporaries of that name whose process is
 *    gone (kill(pid, 0) fails with ESRCH) are deleted, and nothing else.
 *    (A temporary whose pid has since been reused by a live process stays
 *    until that process is gone; one written from another PID namespace
 *    sharing the directory may be taken for a stale one.)
 *  - Writing directly to a device or FIFO is not atomic: what was written
 *    before a failure has been written.
 *
 * Usage:
 *   hc_safe_file f;
 *   if (hc_safe_file_open(&f, path, err, sizeof err) != 0) -> error, nothing to clean up
 *   hc_safe_file_write(&f, data, size, err, sizeof err) ...   (on error: hc_safe_file_abort)
 *   hc_safe_file_commit(&f, err, sizeof err)                  (releases f either way)
 *
 * Messages (err, which may be NULL when err_size is 0) do not name the
 * file: callers put its name in front.  Functions return 0 or -1.  None is
 * async-signal-safe, and one hc_safe_file must not be used by two threads
 * at once; separate ones may be used concurrently, also for the same DEST.
 */
#ifndef HEIC_CORE_SAFE_FILE_H
#define HEIC_CORE_SAFE_FILE_H

#include <limits.h>
#include <stddef.h>

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

typedef enum hc_safe_mode {
  HC_SAFE_CLOSED = 0, /* nothing held: zeroed, failed to open, committed or aborted */
  HC_SAFE_DIRECT,     /* writing DEST itself (a device or FIFO) */
  HC_SAFE_UNNAMED,    /* an O_TMPFILE file in DEST's directory */
  HC_SAFE_NAMED       /* a hidden temporary in DEST's directory (the fallback) */
} hc_safe_mode;

typedef struct hc_safe_file {
  hc_safe_mode mode;
  int fd;                  /* the file being written (valid unless CLOSED) */
  int dir_fd;              /* DEST's directory, -1 in DIRECT mode */
  int dir_syncable;        /* dir_fd can be fsync'd (it is not an O_PATH descriptor) */
  char name[NAME_MAX + 1]; /* DEST's last component, relative to dir_fd */
  char tmp[NAME_MAX + 1];  /* the hidden temporary that exists in dir_fd, "" when none */
} hc_safe_file;

/* Starts writing dest.  *f needs no initialisation; after a failure it is
 * CLOSED (hc_safe_file_abort is then a no-op) and nothing was created.  A
 * dest that is an existing directory, or ends in '/', is refused. */
int hc_safe_file_open(hc_safe_file *f, const char *dest, char *err, size_t err_size);

/* Writes all of data (retrying short writes and EINTR).  After a failure
 * the caller aborts. */
int hc_safe_file_write(hc_safe_file *f, const void *data, size_t size, char *err, size_t err_size);

/* Makes the file visible under DEST (see above).  On failure nothing is
 * left and an existing DEST is as it was (but see the directory fsync
 * above).  Either way f is CLOSED afterwards. */
int hc_safe_file_commit(hc_safe_file *f, char *err, size_t err_size);

/* Drops the file: nothing of it remains (in DIRECT mode, what was written
 * stays written).  Safe on a zeroed, CLOSED or half-written f. */
void hc_safe_file_abort(hc_safe_file *f);

#endif
