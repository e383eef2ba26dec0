#!/usr/bin/env bash
# Each public header compiles on its own, twice included, as strict C11.
# usage: test_headers.sh CC INCLUDE_DIR
set -euo pipefail

cc="${1:?usage: test_headers.sh CC INCLUDE_DIR}"
incdir="${2:?usage: test_headers.sh CC INCLUDE_DIR}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

status=0
count=0
for header in "$incdir"/heic/*.h; do
  name="heic/$(basename "$header")"
  count=$((count + 1))
  src="$tmp/check_$(basename "$header" .h).c"
  # Twice: the include guard must hold; main() keeps -Wpedantic's
  # "empty translation unit" quiet without adding anything of our own.
  printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$name" "$name" >"$src"
  if "$cc" -std=c11 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wvla \
      -I "$incdir" -c "$src" -o "$tmp/out.o" 2>"$tmp/err"; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    cat "$tmp/err"
    status=1
  fi
done
if [ "$count" -eq 0 ]; then
  echo "no headers found in $incdir/heic"
  exit 1
fi
exit "$status"
