#!/usr/bin/env bash
# The man pages say what the tools do: every option a tool's --help lists
# is described in the OPTIONS section of its page (doc/man/<tool>.1.scd),
# and every option the page describes is in --help.  When the pages were
# generated (scdoc found), each also renders without a warning from man.
#
# usage: man_pages.sh MAN_SOURCE_DIR GENERATED_DIR|- TOOL_BINARY...
#
# In --help an option is a line indented by exactly two spaces that begins
# with the option's name ("  -q, --quality N    0 (smallest) ..."): its
# names are read up to the description (two spaces, or the first word that
# is neither a name nor a value placeholder such as N, NAME=VALUE or
# 420|422|444).  Continuation lines are indented further and never read, so
# an option mentioned in a description ("see --params") is not taken for
# one the tool has.  In the page an option is a line of the OPTIONS section
# that begins with a bold name ("*-q*, *--quality* _N_").
set -euo pipefail

src_dir="${1:?usage: man_pages.sh MAN_SOURCE_DIR GENERATED_DIR|- TOOL...}"
gen_dir="${2:?usage: man_pages.sh MAN_SOURCE_DIR GENERATED_DIR|- TOOL...}"
shift 2
[ "$#" -gt 0 ] || { echo "usage: man_pages.sh MAN_SOURCE_DIR GENERATED_DIR|- TOOL..." >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

help_options() {
  awk '
    /^  -[-A-Za-z0-9]/ {
      line = substr($0, 3)
      sub(/  .*/, "", line)          # the description, after two spaces
      n = split(line, tok, " ")
      for (i = 1; i <= n; i++) {
        t = tok[i]
        sub(/,$/, "", t)
        if (t == "--") { print t; continue }
        if (t ~ /^--?[A-Za-z0-9]/) { sub(/=.*/, "", t); print t; continue }
        # Value placeholders: upper case, digits and signs, or a choice.
        if (t ~ /^[A-Z0-9.\/=_|<>-]+$/ || t ~ /\|/ || t == "...") continue
        break
      }
    }' | sort -u
}

page_options() {
  awk '
    /^# / { in_opts = ($0 == "# OPTIONS"); next }
    in_opts && /^\*-/ {
      line = $0
      while (match(line, /\*[^*]+\*/)) {
        t = substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, RSTART + RLENGTH)
        if (t ~ /^-/) { sub(/=.*/, "", t); print t }
      }
    }' "$1" | sort -u
}

fail=0
for tool in "$@"; do
  name="$(basename "$tool")"
  page="$src_dir/$name.1.scd"
  if [ ! -f "$page" ]; then
    echo "FAIL: $name has no man page ($page)"
    fail=1
    continue
  fi
  if ! "$tool" --help >"$tmp/help" 2>&1; then
    echo "FAIL: $name --help exited non-zero:"
    sed 's/^/  /' "$tmp/help"
    fail=1
    continue
  fi
  help_options <"$tmp/help" >"$tmp/help.opts"
  page_options "$page" >"$tmp/page.opts"
  if [ ! -s "$tmp/help.opts" ] || [ ! -s "$tmp/page.opts" ]; then
    echo "FAIL: $name: no options found in --help ($(wc -l <"$tmp/help.opts")) or in $page ($(wc -l <"$tmp/page.opts"))"
    fail=1
    continue
  fi
  missing="$(comm -23 "$tmp/help.opts" "$tmp/page.opts")"
  extra="$(comm -13 "$tmp/help.opts" "$tmp/page.opts")"
  if [ -n "$missing" ]; then
    echo "FAIL: $name: in --help but not in the OPTIONS of $page: ${missing//$'\n'/ }"
    fail=1
  fi
  if [ -n "$extra" ]; then
    echo "FAIL: $name: in $page but not in --help: ${extra//$'\n'/ }"
    fail=1
  fi
  if ! grep -q "^$name(1)" "$page"; then
    echo "FAIL: $page does not begin with the title $name(1)"
    fail=1
  fi
  if [ -z "$missing" ] && [ -z "$extra" ]; then
    echo "ok: $name: $(wc -l <"$tmp/help.opts") options, in --help and the man page alike"
  fi

  # The generated page: present, and man reads it without a warning
  # (groff's warnings name lines that do not format as meant).
  if [ "$gen_dir" != "-" ]; then
    roff="$gen_dir/$name.1"
    if [ ! -s "$roff" ]; then
      echo "FAIL: $roff was not generated"
      fail=1
    elif command -v man >/dev/null 2>&1; then
      if ! MANWIDTH=80 man --warnings -E UTF-8 -l "$roff" >"$tmp/render" 2>"$tmp/warn" ||
        [ -s "$tmp/warn" ] || ! grep -q "$name" "$tmp/render"; then
        echo "FAIL: man -l $roff:"
        sed 's/^/  /' "$tmp/warn"
        fail=1
      fi
    fi
  fi
done
exit "$fail"
