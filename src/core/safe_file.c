/*
 * Output files that are never seen partial.  SPDX-License-Identifier: BSD-2-Clause
 *
 * See safe_file.h for what is promised; the comments here say why each step
 * is where it is.
 */
/* O_TMPFILE, O_PATH and getdents64() are Linux extensions. */
#define _GNU_SOURCE

#include "safe_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Attempts at a free hidden name before giving up: names carry our pid, so
 * only our own concurrent writers of the same DEST (threads) or a stranger's
 * file can be in the way. */
enum { TMP_ATTEMPTS = 1000 };

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t err_size, const char *fmt, ...) {
  if (err && err_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* ".<name>.tmp-<pid>-<n>"; the name is cut to 200 bytes so that the suffix
 * cannot push the whole past NAME_MAX. */
static void hidden_name(char out[NAME_MAX + 1], const char *name, long pid, unsigned n) {
  snprintf(out, NAME_MAX + 1, ".%.200s.tmp-%ld-%u", name, pid, n);
}

/* A run of 1..10 decimal digits at *s, moved past; -1 when there is none. */
static long long parse_digits(const char **s) {
  const char *p = *s;
  long long v = 0;
  int n = 0;
  while (*p >= '0' && *p <= '9' && n < 11) {
    v = v * 10 + (*p - '0');
    p++;
    n++;
  }
  if (n == 0 || n > 10) return -1;
  *s = p;
  return v;
}

/* The pid in entry when it is exactly one of our hidden temporaries for
 * this name (prefix ".<name>.tmp-", then "<pid>-<n>" and nothing else);
 * 0 when it is anything else. */
static long stale_candidate_pid(const char *entry, const char *prefix, size_t prefix_len) {
  if (strncmp(entry, prefix, prefix_len) != 0) return 0;
  const char *p = entry + prefix_len;
  long long pid = parse_digits(&p);
  if (pid <= 0 || pid > INT32_MAX || *p != '-') return 0;
  p++;
  if (parse_digits(&p) < 0 || *p != '\0') return 0;
  return (long)pid;
}

/* Deletes the hidden temporaries of name in dir_fd that a process which no
 * longer exists left behind (killed between creating and renaming it).  A
 * live process's temporary is being written right now; a process we may
 * not signal (EPERM) exists.  Best effort: a failure here only means a
 * stale file stays, which must not stop the write.  The directory is read
 * with getdents64 into a buffer on the stack, as readdir() would allocate. */
static void remove_stale(int dir_fd, const char *name) {
  char prefix[NAME_MAX + 1];
  int plen = snprintf(prefix, sizeof prefix, ".%.200s.tmp-", name);
  if (plen <= 0 || (size_t)plen >= sizeof prefix) return;
  int scan = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (scan < 0) return;
  _Alignas(8) char buf[8192];
  for (;;) {
    ssize_t got = getdents64(scan, buf, sizeof buf);
    if (got <= 0) break;
    for (size_t off = 0; off < (size_t)got;) {
      unsigned short reclen;
      memcpy(&reclen, buf + off + offsetof(struct dirent64, d_reclen), sizeof reclen);
      if (reclen == 0 || off + reclen > (size_t)got) break;
      unsigned char type = (unsigned char)buf[off + offsetof(struct dirent64, d_type)];
      const char *entry = buf + off + offsetof(struct dirent64, d_name);
      off += reclen;
      long pid = stale_candidate_pid(entry, prefix, (size_t)plen);
      if (!pid) continue;
      /* Only regular files: a directory or symlink of that name is not ours. */
      if (type == DT_UNKNOWN) {
        struct stat sb;
        if (fstatat(scan, entry, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode)) continue;
      } else if (type != DT_REG) {
        continue;
      }
      if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) (void)unlinkat(dir_fd, entry, 0);
    }
  }
  close(scan);
}

/* Whether openat(O_TMPFILE) failing with errnum means "not supported here"
 * (try the fallback) rather than a real error such as EACCES or ENOSPC. */
static int tmpfile_unsupported(int errnum) {
  /* EISDIR: a kernel older than O_TMPFILE sees only its O_DIRECTORY bit. */
  return errnum == EOPNOTSUPP || errnum == EISDIR || errnum == EINVAL || errnum == ENOSYS;
}

static int fsync_retrying(int fd) {
  int rc;
  do rc = fsync(fd);
  while (rc != 0 && errno == EINTR);
  return rc;
}

int hc_safe_file_open(hc_safe_file *f, const char *dest, char *err, size_t err_size) {
  memset(f, 0, sizeof *f);
  f->mode = HC_SAFE_CLOSED;
  f->fd = -1;
  f->dir_fd = -1;
  if (!dest || !*dest) return fail(err, err_size, "empty output file name");
  const char *slash = strrchr(dest, '/');
  const char *name = slash ? slash + 1 : dest;
  if (!*name) return fail(err, err_size, "names a directory, not a file");
  if (strlen(name) > NAME_MAX) return fail(err, err_size, "%s", strerror(ENAMETOOLONG));
  char dir[PATH_MAX];
  if (!slash) {
    memcpy(dir, ".", 2);
  } else if (slash == dest) {
    memcpy(dir, "/", 2);
  } else {
    size_t len = (size_t)(slash - dest);
    if (len >= sizeof dir) return fail(err, err_size, "%s", strerror(ENAMETOOLONG));
    memcpy(dir, dest, len);
    dir[len] = '\0';
  }

  struct stat sb;
  if (stat(dest, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return fail(err, err_size, "%s", strerror(EISDIR));
    if (!S_ISREG(sb.st_mode)) {
      /* O_TRUNC means nothing to a device or FIFO but empties a regular
       * file that took the device's place since the stat. */
      f->fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
      if (f->fd < 0) return fail(err, err_size, "cannot open for writing: %s", strerror(errno));
      f->mode = HC_SAFE_DIRECT;
      return 0;
    }
  }

  /* One descriptor of the directory for every step, so that all of them
   * act on the same directory even if its path changes meanwhile.  Reading
   * it is needed for its fsync and the stale-file scan; a directory we may
   * write but not read still takes the file, without those two. */
  f->dir_syncable = 1;
  f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (f->dir_fd < 0 && errno == EACCES) {
    f->dir_syncable = 0;
    f->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  if (f->dir_fd < 0) return fail(err, err_size, "cannot open its directory: %s", strerror(errno));
  memcpy(f->name, name, strlen(name) + 1);
  if (f->dir_syncable) remove_stale(f->dir_fd, f->name);

  /* The unnamed file can only be given a name through /proc/self/fd (the
   * AT_EMPTY_PATH alternative needs CAP_DAC_READ_SEARCH): without /proc,
   * take the fallback now rather than fail at commit. */
  if (access("/proc/self/fd", X_OK) == 0) {
    f->fd = openat(f->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (f->fd >= 0) {
      f->mode = HC_SAFE_UNNAMED;
      return 0;
    }
    if (!tmpfile_unsupported(errno)) {
      int errnum = errno;
      close(f->dir_fd);
      f->dir_fd = -1;
      return fail(err, err_size, "cannot create a file in its directory: %s", strerror(errnum));
    }
  }

  /* The fallback: a hidden temporary; O_EXCL so that an existing file of
   * that name (a stranger's, or a concurrent writer's) is never taken over. */
  int errnum = EEXIST;
  for (unsigned n = 0; n < TMP_ATTEMPTS && f->fd < 0; n++) {
    hidden_name(f->tmp, f->name, (long)getpid(), n);
    f->fd = openat(f->dir_fd, f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    errnum = errno;
    if (f->fd < 0 && errnum != EEXIST) break;
  }
  if (f->fd < 0) {
    f->tmp[0] = '\0'; /* nothing was created: never unlink a stranger's file */
    close(f->dir_fd);
    f->dir_fd = -1;
    return fail(err, err_size, "cannot create a file in its directory: %s", strerror(errnum));
  }
  f->mode = HC_SAFE_NAMED;
  return 0;
}

int hc_safe_file_write(hc_safe_file *f, const void *data, size_t size, char *err, size_t err_size) {
  if (f->mode == HC_SAFE_CLOSED) return fail(err, err_size, "the output file is not open");
  const unsigned char *p = data;
  while (size) {
    /* Linux moves at most about 2 GiB per call anyway. */
    size_t chunk = size > ((size_t)1 << 30) ? (size_t)1 << 30 : size;
    ssize_t n = write(f->fd, p, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(err, err_size, "error writing: %s", strerror(n < 0 ? errno : EIO));
    p += n;
    size -= (size_t)n;
  }
  return 0;
}

/* Links the unnamed file under a free hidden name in the directory.  Only
 * for replacing an existing DEST: there is no "link over" system call, so
 * the file needs a name of its own for renameat() to move.  0 or an errno
 * value. */
static int link_hidden(hc_safe_file *f, const char *proc_path) {
  int errnum = EEXIST;
  for (unsigned n = 0; n < TMP_ATTEMPTS && errnum == EEXIST; n++) {
    hidden_name(f->tmp, f->name, (long)getpid(), n);
    if (linkat(AT_FDCWD, proc_path, f->dir_fd, f->tmp, AT_SYMLINK_FOLLOW) == 0) return 0;
    errnum = errno;
  }
  f->tmp[0] = '\0';
  return errnum;
}

/* Renames the hidden temporary over DEST.  0 or an errno value. */
static int rename_hidden(hc_safe_file *f) {
  if (renameat(f->dir_fd, f->tmp, f->dir_fd, f->name) != 0) return errno;
  f->tmp[0] = '\0';
  return 0;
}

/* Drops f (nothing of it is left) and reports why; returns -1. */
static int abort_with(hc_safe_file *f, char *err, size_t err_size, const char *what, int errnum) {
  hc_safe_file_abort(f);
  return fail(err, err_size, "%s: %s", what, strerror(errnum));
}

int hc_safe_file_commit(hc_safe_file *f, char *err, size_t err_size) {
  if (f->mode == HC_SAFE_CLOSED) return fail(err, err_size, "the output file is not open");
  int errnum;
  if (f->mode == HC_SAFE_DIRECT) {
    /* A device or pipe: close is where a late write error shows. */
    int rc = close(f->fd);
    errnum = errno;
    f->fd = -1;
    if (rc != 0) return abort_with(f, err, err_size, "error writing", errnum);
    hc_safe_file_abort(f);
    return 0;
  }

  /* The data must be on disk before the name is: a file system may commit
   * the link or rename first, and a power loss would then leave an empty
   * or partial file under DEST.  A full disk may also show up only here. */
  if (fsync_retrying(f->fd) != 0) return abort_with(f, err, err_size, "error writing", errno);

  if (f->mode == HC_SAFE_UNNAMED) {
    char proc_path[64];
    snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", f->fd);
    /* A new DEST appears whole in one step; an existing one cannot be
     * replaced by linkat (EEXIST) and is renamed over from a hidden name. */
    if (linkat(AT_FDCWD, proc_path, f->dir_fd, f->name, AT_SYMLINK_FOLLOW) != 0) {
      errnum = errno;
      if (errnum == EEXIST) errnum = link_hidden(f, proc_path);
      if (errnum) return abort_with(f, err, err_size, "cannot give the finished file its name", errnum);
      /* Killed here, the hidden name stays: the documented window, closed
       * by the next open of this DEST. */
      errnum = rename_hidden(f);
      if (errnum) return abort_with(f, err, err_size, "cannot move the finished file into place", errnum);
    }
    /* The file has its name and fsync has already reported the outcome of
     * every write, so an error closing it changes nothing. */
    close(f->fd);
    f->fd = -1;
  } else {
    /* Some network file systems report write errors only at close, and
     * the file must still be closed before its name is trusted. */
    int rc = close(f->fd);
    errnum = errno;
    f->fd = -1;
    if (rc != 0) return abort_with(f, err, err_size, "error writing", errnum);
    errnum = rename_hidden(f);
    if (errnum) return abort_with(f, err, err_size, "cannot move the finished file into place", errnum);
  }

  /* The new name lives in the directory, which has to reach the disk too
   * for the file to survive a power loss.  Some file systems cannot sync a
   * directory (EINVAL); nothing more can be done there. */
  int rc = 0;
  if (f->dir_syncable && fsync_retrying(f->dir_fd) != 0 && errno != EINVAL) {
    errnum = errno;
    rc = fail(err, err_size, "the new file is in place, but syncing its directory failed: %s",
              strerror(errnum));
  }
  hc_safe_file_abort(f); /* nothing left to remove: closes the directory */
  return rc;
}

void hc_safe_file_abort(hc_safe_file *f) {
  if (!f || f->mode == HC_SAFE_CLOSED) return;
  if (f->fd >= 0) close(f->fd);
  if (f->tmp[0] && f->dir_fd >= 0) (void)unlinkat(f->dir_fd, f->tmp, 0);
  if (f->dir_fd >= 0) close(f->dir_fd);
  f->fd = -1;
  f->dir_fd = -1;
  f->tmp[0] = '\0';
  f->mode = HC_SAFE_CLOSED;
}
