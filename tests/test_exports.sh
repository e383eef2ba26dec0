#!/usr/bin/env bash
# Every dynamic symbol that libheic.so defines starts with heic_.
# usage: test_exports.sh LIBHEIC_SO
set -euo pipefail

lib="${1:?usage: test_exports.sh LIBHEIC_SO}"
if ! command -v nm >/dev/null 2>&1; then
  echo "SKIP: nm not found"
  exit 77
fi

# "nm -D --defined-only" prints "ADDRESS TYPE NAME"; version nodes (type A)
# and the linker's own section markers are not functions or data we export.
symbols="$(nm -D --defined-only "$lib" | awk 'NF >= 3 && $2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)"
if [ -z "$symbols" ]; then
  echo "FAIL: $lib exports nothing"
  exit 1
fi
bad="$(printf '%s\n' "$symbols" | grep -v -E '^(heic_|_init$|_fini$)' || true)"
total="$(printf '%s\n' "$symbols" | grep -c '^heic_' || true)"
if [ -n "$bad" ]; then
  echo "FAIL: symbols exported without the heic_ prefix:"
  printf '%s\n' "$bad" | sed 's/^/  /'
  exit 1
fi
echo "ok: $total exported symbols, all heic_*"
