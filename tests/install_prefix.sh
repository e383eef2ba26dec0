#!/usr/bin/env bash
# libheic installs into a prefix and programs build against what it
# installed: `cmake --install BUILD --prefix TMP`, then
#   - the layout: libheic.so.X.Y.Z with its SONAME and links, only heic_*
#     exported (test_exports.sh on the installed library) in the version
#     node LIBHEIC_0, the headers, libheic.pc, the CMake package, the tools
#     (no run path into the build tree; they run on the installed library)
#     and their man pages (found by man -w with MANPATH);
#   - tests/install/consumer.c (encode to memory, decode, compare, read a
#     sample file, every byte freed) compiled with
#     `cc $(pkg-config --cflags --libs libheic)`, PKG_CONFIG_PATH pointing
#     into TMP, and run with LD_LIBRARY_PATH;
#   - the same program built by tests/install/CMakeLists.txt through
#     find_package(libheic) with CMAKE_PREFIX_PATH=TMP (which also checks
#     that the version file refuses 1.0);
#   - with libheic.a installed (-DHEIC_INSTALL_STATIC=ON), both again
#     linked statically.
# Everything is written under one temporary directory, removed at exit
# (cmake --install itself writes install_manifest.txt into BUILD, as any
# install does).
#
# usage: install_prefix.sh [--sanitize] BUILD SOURCE_DIR VERSION LIBDIR MANDIR
#                          MAN_BUILT(ON|OFF) CC CMAKE TOOL...
# --sanitize: the build is instrumented (ASan+UBSan); the consumers are
# compiled with the same flags, as any program linking such a library must
# be (the ASan runtime has to come first in the process).
set -euo pipefail

sanitize=0
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=1
  shift
fi
if [ "$#" -lt 9 ]; then
  echo "usage: install_prefix.sh [--sanitize] BUILD SOURCE_DIR VERSION LIBDIR MANDIR MAN_BUILT CC CMAKE TOOL..." >&2
  exit 2
fi
build="$1" src="$2" version="$3" libdir="$4" mandir="$5" man_built="$6" cc="$7" cmake="$8"
shift 8
tools=("$@")

for cmd in pkg-config nm readelf ldd; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "SKIP: $cmd not found (Debian: pkg-config, binutils, libc-bin)"
    exit 77
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
lib="$prefix/$libdir"
san_flags=()
# shellcheck disable=SC2054 # one flag, whose value has commas
[ "$sanitize" -eq 0 ] || san_flags=(-fsanitize=address,undefined -fno-omit-frame-pointer)
sample="$src/tests/data/zPug_3.heic"

fail=0
failed() {
  echo "FAIL: $*"
  fail=1
}
# Runs a command, showing its output only when it fails.
quiet() {
  local log="$tmp/cmd.log"
  if ! "$@" >"$log" 2>&1; then
    echo "FAIL: $*"
    sed 's/^/  /' "$log" | tail -n 40
    return 1
  fi
}

echo "== cmake --install $build --prefix $prefix"
quiet "$cmake" --install "$build" --prefix "$prefix" || exit 1

# ---- the layout --------------------------------------------------------------
so="$lib/libheic.so.$version"
for f in "$so" "$lib/libheic.so.0" "$lib/libheic.so" "$prefix/include/heic/heic.h" \
  "$lib/pkgconfig/libheic.pc" "$lib/cmake/libheic/libheic-config.cmake" \
  "$lib/cmake/libheic/libheic-config-version.cmake" "$lib/cmake/libheic/libheic-targets.cmake" \
  "$prefix/share/doc/libheic/LICENSE"; do
  [ -e "$f" ] || failed "not installed: ${f#"$tmp"/}"
done
for h in "$src"/include/heic/*.h; do
  cmp -s "$h" "$prefix/include/heic/$(basename "$h")" || failed "header $(basename "$h") not installed as it is"
done
[ "$(readlink "$lib/libheic.so")" = "libheic.so.0" ] || failed "libheic.so does not link to libheic.so.0"
[ "$(readlink "$lib/libheic.so.0")" = "libheic.so.$version" ] || failed "libheic.so.0 does not link to libheic.so.$version"
soname="$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[ "$soname" = "libheic.so.0" ] || failed "SONAME is '$soname', not libheic.so.0"

echo "== exported symbols of the installed library"
bash "$src/tests/test_exports.sh" "$so" || fail=1
# Every export carries the version node of src/libheic.map.
unversioned="$(nm -D --defined-only "$so" | awk 'NF >= 3 && $2 != "A" && $3 !~ /@@LIBHEIC_0$/ { print $3 }')"
[ -z "$unversioned" ] || failed "exported outside the version node LIBHEIC_0: $unversioned"

echo "== the tools"
for t in "${tools[@]}"; do
  bin="$prefix/bin/$t"
  if [ ! -x "$bin" ]; then
    failed "tool not installed: bin/$t"
    continue
  fi
  # No run path into the build tree: installed, a tool finds libheic as any
  # program does.
  rpath="$(readelf -d "$bin" | grep -E '\((RPATH|RUNPATH)\)' || true)"
  [ -z "$rpath" ] || failed "$t keeps a run path: $rpath"
  LD_LIBRARY_PATH="$lib" "$bin" --help >"$tmp/help" 2>&1 || failed "$t --help exited non-zero"
  grep -q "$t" "$tmp/help" || failed "$t --help does not name the tool"
  if [ "$man_built" = "ON" ]; then
    page="$(MANPATH="$prefix/$mandir" man -w "$t" 2>/dev/null || true)"
    [ "$page" = "$prefix/$mandir/man1/$t.1" ] || failed "man -w $t gave '$page'"
  fi
done
# heic-enc and the others link libheic.so (hevc-enc has its own copy of the
# encoder): the installed one, not the build tree's.
resolved="$(LD_LIBRARY_PATH="$lib" ldd "$prefix/bin/heic-enc" | awk '$1 == "libheic.so.0" { print $3 }')"
[ "$resolved" = "$lib/libheic.so.0" ] || failed "heic-enc loads libheic.so.0 from '$resolved'"
if LD_LIBRARY_PATH="$lib" "$prefix/bin/heic-enc" -q 60 "$src/tests/data/wesaturate_tmshre_alpha_500x500.png" \
  -o "$tmp/enc.heic" >"$tmp/enc.log" 2>&1 &&
  LD_LIBRARY_PATH="$lib" "$prefix/bin/heic-dec" -q "$tmp/enc.heic" "$tmp/enc.png" >>"$tmp/enc.log" 2>&1; then
  [ -s "$tmp/enc.png" ] || failed "heic-dec wrote no PNG"
else
  failed "the installed heic-enc / heic-dec round trip:"
  sed 's/^/  /' "$tmp/enc.log"
fi
if [ "$man_built" != "ON" ]; then
  echo "note: the build has no man pages (scdoc was not found when it was configured)"
fi

# ---- pkg-config ----------------------------------------------------------------
echo "== a program built with pkg-config"
export PKG_CONFIG_PATH="$lib/pkgconfig"
pc_version="$(pkg-config --modversion libheic || true)"
[ "$pc_version" = "$version" ] || failed "pkg-config --modversion libheic: '$pc_version', not $version"
pc_prefix="$(pkg-config --variable=prefix libheic || true)"
[ "$pc_prefix" = "$prefix" ] || failed "libheic.pc says prefix=$pc_prefix, not $prefix"
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
if quiet "$cc" -std=c11 -Wall -Wextra -Werror -pedantic "${san_flags[@]}" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs libheic) -o "$tmp/consumer_pc"; then
  resolved="$(LD_LIBRARY_PATH="$lib" ldd "$tmp/consumer_pc" | awk '$1 == "libheic.so.0" { print $3 }')"
  [ "$resolved" = "$lib/libheic.so.0" ] || failed "consumer_pc loads libheic.so.0 from '$resolved'"
  LD_LIBRARY_PATH="$lib" "$tmp/consumer_pc" "$sample" || failed "consumer (pkg-config) failed"
else
  fail=1
fi
if [ -f "$lib/libheic.a" ]; then
  echo "== a program linked statically with pkg-config --static"
  libs="$(pkg-config --static --libs libheic)"
  libs="${libs/-lheic/$lib/libheic.a}"
  # shellcheck disable=SC2046,SC2086
  if quiet "$cc" -std=c11 -Wall -Wextra -Werror -pedantic "${san_flags[@]}" "$src/tests/install/consumer.c" \
    $(pkg-config --cflags libheic) $libs -o "$tmp/consumer_pc_static"; then
    if ldd "$tmp/consumer_pc_static" | grep -q libheic; then
      failed "consumer_pc_static still loads libheic.so"
    fi
    "$tmp/consumer_pc_static" "$sample" || failed "consumer (pkg-config --static) failed"
  else
    fail=1
  fi
fi

# ---- find_package --------------------------------------------------------------
echo "== a program built with find_package(libheic)"
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
if quiet "$cmake" -S "$src/tests/install" -B "$tmp/cmake-build" "${gen[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DHEIC_EXPECTED_PREFIX="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="${san_flags[*]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
  quiet "$cmake" --build "$tmp/cmake-build"; then
  resolved="$(LD_LIBRARY_PATH="$lib" ldd "$tmp/cmake-build/consumer" | awk '$1 == "libheic.so.0" { print $3 }')"
  [ "$resolved" = "$lib/libheic.so.0" ] || failed "consumer (find_package) loads libheic.so.0 from '$resolved'"
  LD_LIBRARY_PATH="$lib" "$tmp/cmake-build/consumer" "$sample" || failed "consumer (find_package) failed"
  if [ -f "$lib/libheic.a" ]; then
    if [ ! -x "$tmp/cmake-build/consumer_static" ]; then
      failed "libheic.a is installed but find_package gave no libheic::heic_static"
    else
      if ldd "$tmp/cmake-build/consumer_static" | grep -q libheic; then
        failed "consumer_static (libheic::heic_static) still loads libheic.so"
      fi
      "$tmp/cmake-build/consumer_static" "$sample" || failed "consumer (libheic::heic_static) failed"
    fi
  fi
else
  fail=1
fi

if [ "$fail" -eq 0 ]; then
  echo "ok: installed into a prefix; built and ran against it with pkg-config and find_package"
fi
exit "$fail"
