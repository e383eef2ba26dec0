#!/usr/bin/env python3
"""Judges a valgrind memcheck log: prints one line ("ok ..." or
"FAIL ...") and exits 0 when the log shows no error valgrind did not
suppress, 1 otherwise (2 when the log is unusable).

Every error context valgrind printed (errors, and with
--errors-for-leak-kinds=all every leak record) is counted and must account
for the "from C contexts" of the ERROR SUMMARY line, so a report this parser
does not understand fails instead of passing.

--allow-x265-origin accepts one kind of report and no other: "Syscall
param write(buf) points to uninitialised byte(s)" whose uninitialised
origin (the run needs --track-origins=yes) is an allocation made by
libx265 - the first frame of the origin stack that is not valgrind's own
allocator lies in libx265.  That is libx265 3.5's SIMD kernels' undefined
values reaching the coded bytes the caller writes out (see
tests/valgrind_x265.supp); a write of uninitialised bytes of ours has its
origin elsewhere and fails.

usage: valgrind_log.py [--allow-x265-origin] LOG
"""
import re
import sys

PREFIX = re.compile(r"^==\d+== ?")
FRAME = re.compile(r"^\s+(at|by) 0x[0-9A-Fa-f]+: (.*)$")
SUMMARY = re.compile(r"ERROR SUMMARY: ([\d,]+) errors? from ([\d,]+) contexts?")


def contexts(lines):
    """Splits the log into printed error contexts: (header, body lines).
    A header is an unindented line directly followed by a stack frame."""
    found = []
    for i, line in enumerate(lines):
        if line and not line[0].isspace() and i + 1 < len(lines) and FRAME.match(lines[i + 1]):
            body = []
            for nxt in lines[i + 1:]:
                if nxt and not nxt[0].isspace():
                    break
                if not nxt.strip():
                    break
                body.append(nxt)
            found.append((line, body))
    return found


def x265_origin(body):
    """True when every origin stack in body starts (past valgrind's own
    allocator frames) inside libx265."""
    origins = 0
    i = 0
    while i < len(body):
        if "Uninitialised value was created by" in body[i]:
            origins += 1
            frames = []
            j = i + 1
            while j < len(body) and FRAME.match(body[j]):
                frames.append(FRAME.match(body[j]).group(2))
                j += 1
            own = [f for f in frames if "vgpreload" not in f]
            if not own or "libx265.so" not in own[0]:
                return False
            i = j
        else:
            i += 1
    return origins > 0


def main():
    args = sys.argv[1:]
    allow_x265 = "--allow-x265-origin" in args
    args = [a for a in args if a != "--allow-x265-origin"]
    if len(args) != 1:
        sys.exit(__doc__)
    try:
        raw = open(args[0], encoding="utf-8", errors="replace").read().splitlines()
    except OSError as e:
        print("FAIL cannot read the valgrind log: %s" % e)
        sys.exit(2)
    lines = [PREFIX.sub("", l) for l in raw if PREFIX.match(l)]
    summary = None
    for line in lines:
        m = SUMMARY.search(line)
        if m:
            summary = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
    if summary is None:
        print("FAIL no ERROR SUMMARY in the log (valgrind killed?)")
        sys.exit(2)
    errors, ncontexts = summary
    printed = contexts(lines)
    if len(printed) != ncontexts:
        print("FAIL the log has %d error contexts, the summary says %d" % (len(printed), ncontexts))
        sys.exit(1)
    allowed = 0
    bad = []
    for header, body in printed:
        if allow_x265 and header.startswith("Syscall param write(buf) points to uninitialised") \
                and x265_origin(body):
            allowed += 1
        else:
            bad.append(header)
    if bad:
        print("FAIL %d error(s) from %d context(s): %s" % (errors, len(bad), "; ".join(bad[:3])))
        sys.exit(1)
    if allowed:
        print("ok (%d write(buf) context(s) of libx265-made uninitialised bytes)" % allowed)
    else:
        print("ok (0 errors)")


if __name__ == "__main__":
    main()
