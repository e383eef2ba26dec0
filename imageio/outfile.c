/*
 * libheic image I/O: replace-on-success output files.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Messages leave out the destination: callers print it before them. */
static void set_err(char *err, size_t err_size, const char *what, int errnum) {
  if (err && err_size) snprintf(err, err_size, "%s: %s", what, strerror(errnum));
}

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

void imageio_outfile_abort(imageio_outfile *of) {
  if (!of) return;
  if (of->fp) fclose(of->fp);
  if (of->tmp_path) unlink(of->tmp_path);
  free(of->tmp_path);
  free(of->dest_path);
  of->fp = NULL;
  of->tmp_path = NULL;
  of->dest_path = NULL;
  of->direct = 0;
}

int imageio_outfile_open(imageio_outfile *of, const char *dest, char *err, size_t err_size) {
  if (!dest || !*dest) {
    if (err && err_size) snprintf(err, err_size, "empty output file name");
    return -1;
  }
  of->dest_path = dup_string(dest);
  struct stat sb;
  if (of->dest_path && stat(dest, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
    of->direct = 1;
    of->fp = fopen(dest, "wb");
    if (!of->fp) {
      set_err(err, err_size, "cannot write", errno);
      imageio_outfile_abort(of);
      return -1;
    }
    return 0;
  }
  /* ".<name>.tmp-<pid>-<n>" in dest's directory: hidden, so that directory
   * watchers and globs such as *.png do not pick up a half-written file. */
  const char *slash = strrchr(dest, '/');
  size_t dir_len = slash ? (size_t)(slash - dest) + 1 : 0;
  size_t cap = strlen(dest) + 64;
  of->tmp_path = malloc(cap);
  if (!of->dest_path || !of->tmp_path) {
    if (err && err_size) snprintf(err, err_size, "out of memory");
    imageio_outfile_abort(of);
    return -1;
  }
  int fd = -1;
  int errnum = 0;
  /* O_EXCL makes each attempt safe against a file of the same name (ours
   * from a concurrent run, or someone else's); a few retries with another
   * counter are enough in practice. */
  for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
    /* The name is cut to 200 bytes so that the suffix cannot push it past
     * NAME_MAX (255) when the destination's own name is close to it. */
    snprintf(of->tmp_path, cap, "%.*s.%.200s.tmp-%ld-%u", (int)dir_len, dest, dest + dir_len,
             (long)getpid(), attempt);
    /* Mode 0666 lets the umask decide, as for any file the user creates;
     * mkstemp would force 0600 on the final file. */
    fd = open(of->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    errnum = errno;
    if (fd < 0 && errnum != EEXIST) break;
  }
  if (fd < 0) {
    set_err(err, err_size, "cannot create a temporary file in its directory", errnum);
    free(of->tmp_path); /* nothing was created: do not unlink a stranger's file */
    of->tmp_path = NULL;
    imageio_outfile_abort(of);
    return -1;
  }
  of->fp = fdopen(fd, "wb");
  if (!of->fp) {
    set_err(err, err_size, "cannot write", errno);
    close(fd);
    imageio_outfile_abort(of);
    return -1;
  }
  return 0;
}

int imageio_outfile_commit(imageio_outfile *of, char *err, size_t err_size) {
  if (!of->fp) {
    if (err && err_size) snprintf(err, err_size, "output file is not open");
    imageio_outfile_abort(of);
    return -1;
  }
  /* A full disk often shows up only at flush or close, so both are checked
   * before the rename that makes the file visible. */
  int failed = fflush(of->fp) != 0 || ferror(of->fp);
  int errnum = errno;
  if (fclose(of->fp) != 0 && !failed) {
    failed = 1;
    errnum = errno;
  }
  of->fp = NULL;
  if (failed) {
    set_err(err, err_size, "error writing", errnum ? errnum : EIO);
    imageio_outfile_abort(of);
    return -1;
  }
  if (of->direct) {
    imageio_outfile_abort(of);
    return 0;
  }
  if (rename(of->tmp_path, of->dest_path) != 0) {
    set_err(err, err_size, "cannot move the finished file into place", errno);
    imageio_outfile_abort(of);
    return -1;
  }
  free(of->tmp_path);
  of->tmp_path = NULL; /* renamed: abort must not unlink it any more */
  imageio_outfile_abort(of);
  return 0;
}
