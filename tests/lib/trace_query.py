#!/usr/bin/env python3
# Questions about one thread's strace output (strace -ff writes one file per
# thread), for tests/lib/trace.sh.
# SPDX-License-Identifier: BSD-2-Clause
#
#   trace_query.py order TRACE unnamed|named NAME
#       Checks how the output NAME was made visible: its data written, then
#       fsync'd, before the linkat (unnamed: an O_TMPFILE file) or rename
#       (named: a hidden ".NAME.tmp-PID-N" temporary) that exposes it, and
#       the directory fsync'd after.  Prints "writes=N tmpfile_openat=K"
#       (K: which openat opened the O_TMPFILE file, 0 when none), then one
#       line per problem; exit 1 when there is one.
#   trace_query.py close-of TRACE PATH
#       The number, among the close calls, of the close of the descriptor
#       the first successful open of PATH returned.
#   trace_query.py last TRACE SYSCALL SUBSTRING
#       The number, among the SYSCALL calls, of the last one whose
#       arguments contain SUBSTRING.
#   trace_query.py count TRACE SYSCALL
#       How many SYSCALL calls there are.
# Numbers count from 1, as strace's inject=...:when=N does.
import re
import sys


def read_calls(path):
    calls = []
    for line in open(path, errors="replace"):
        m = re.match(r'^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)', line)
        if m:
            ret = int(m.group(3)) if m.group(3) != "?" else None
            calls.append((m.group(1), m.group(2), ret))
    return calls


def first(calls, pred, start=0):
    for i in range(start, len(calls)):
        if pred(calls[i]):
            return i
    return None


def number_among_same(calls, k):
    return sum(1 for c in calls[:k + 1] if c[0] == calls[k][0])


def order(calls, mode, name):
    writes = sum(1 for c in calls if c[0] == "write")
    fd = dirfd = opened = None
    k = 0
    hidden = re.compile(r'"\.%s\.tmp-\d+-\d+"' % re.escape(name))
    for n, i in enumerate([i for i, c in enumerate(calls) if c[0] == "openat"], 1):
        c = calls[i]
        if c[2] is None or c[2] < 0:
            continue
        if (mode == "unnamed" and "O_TMPFILE" in c[1]) or \
           (mode == "named" and hidden.search(c[1]) and "O_EXCL" in c[1]):
            fd, dirfd, opened = c[2], c[1].split(",")[0], i
            if mode == "unnamed":
                k = n
    print("writes=%d tmpfile_openat=%d" % (writes, k))
    if fd is None:
        print("no %s output file was opened" % mode)
        return 1
    problems = []
    last_write = max([i for i, c in enumerate(calls)
                      if c[0] == "write" and c[1].startswith("%d," % fd)] or [-1])
    fsync_file = first(calls, lambda c: c[0] == "fsync" and c[1] == str(fd), opened)
    renamed = first(calls, lambda c: c[0].startswith("rename") and ('"%s"' % name) in c[1]
                    and c[2] == 0, opened)
    if mode == "unnamed":
        proc = '"/proc/self/fd/%d"' % fd
        gate = first(calls, lambda c: c[0] == "linkat" and proc in c[1], opened)
        linked = first(calls, lambda c: c[0] == "linkat" and proc in c[1] and c[2] == 0
                       and c[1].endswith('"%s", AT_SYMLINK_FOLLOW' % name), opened)
        visible = linked if linked is not None else renamed
    else:
        gate = first(calls, lambda c: c[0].startswith("rename"), opened)
        visible = renamed
    if fsync_file is None:
        problems.append("the file is never fsync'd")
    elif last_write > fsync_file:
        problems.append("data written after the fsync")
    if gate is None or visible is None:
        problems.append("the file is never made visible by a link or rename")
    elif fsync_file is not None and fsync_file > gate:
        problems.append("the file is fsync'd after the %s that exposes it" % calls[gate][0])
    if visible is not None and \
       first(calls, lambda c: c[0] == "fsync" and c[1] == dirfd, visible) is None:
        problems.append("the directory (fd %s) is not fsync'd after the file became visible" % dirfd)
    for p in problems:
        print(p)
    return 1 if problems else 0


def close_of(calls, path):
    target = '"%s"' % path
    for i, c in enumerate(calls):
        if c[0] == "openat" and target in c[1] and c[2] is not None and c[2] >= 0:
            j = first(calls, lambda d: d[0] == "close" and d[1] == str(c[2]), i + 1)
            if j is None:
                return 1
            print(number_among_same(calls, j))
            return 0
    return 1


def main(argv):
    cmd, calls = argv[1], read_calls(argv[2])
    if cmd == "order":
        return order(calls, argv[3], argv[4])
    if cmd == "close-of":
        return close_of(calls, argv[3])
    if cmd == "last":
        hits = [i for i, c in enumerate(calls) if c[0] == argv[3] and argv[4] in c[1]]
        if not hits:
            return 1
        print(number_among_same(calls, hits[-1]))
        return 0
    if cmd == "count":
        print(sum(1 for c in calls if c[0] == argv[3]))
        return 0
    print("unknown command " + cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
