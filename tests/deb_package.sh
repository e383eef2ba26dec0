#!/usr/bin/env bash
# The .deb that CPack makes installs, works and removes clean:
#   cpack -G DEB (into a temporary directory), then dpkg -i; the installed
#   tools run from /usr/bin on the installed libheic.so (heic-enc --help,
#   a PNG -> HEIC -> PNG round trip of tests/data's photo checked with
#   imgcmp, heic-info, hevc-enc on a small Y4M); man -w finds each page;
#   pkg-config finds libheic under /usr; then dpkg --purge, after which no
#   file or directory of the package is left and ldconfig no longer knows
#   libheic.so.0.
# The package is removed on every exit once installed (trap), also when a
# check fails.  Needs root and dpkg (else it is skipped); it does not run
# when a libheic package is already installed, or when a file of the
# package already exists on the machine, so that it never replaces or
# removes anything it did not put there.  Installs of two trees (the plain
# and the sanitizer one) wait for each other on a lock file in TMPDIR.
#
# usage: deb_package.sh BUILD CPACK DATA_DIR IMGCMP VERSION MAN_BUILT(ON|OFF) TOOL...
set -euo pipefail

if [ "$#" -lt 7 ]; then
  echo "usage: deb_package.sh BUILD CPACK DATA_DIR IMGCMP VERSION MAN_BUILT TOOL..." >&2
  exit 2
fi
build="$1" cpack="$2" data="$3" imgcmp="$4" version="$5" man_built="$6"
shift 6
tools=("$@")

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: installing a .deb needs root"
  exit 77
fi
for cmd in dpkg dpkg-deb dpkg-query dpkg-shlibdeps file flock ldconfig; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "SKIP: $cmd not found (Debian: dpkg, dpkg-dev, file, util-linux)"
    exit 77
  fi
done

tmp="$(mktemp -d)"
installed=0
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [ "$installed" -eq 1 ]; then
    echo "== removing the package (dpkg --purge libheic)"
    dpkg --purge libheic >"$tmp/purge-trap.log" 2>&1 || cat "$tmp/purge-trap.log"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each step is bounded, so that the script ends (and removes the package)
# before ctest's TIMEOUT would kill it.
step() {
  local log="$tmp/step.log"
  if ! timeout 300 "$@" >"$log" 2>&1; then
    echo "FAIL: $*"
    sed 's/^/  /' "$log" | tail -n 40
    return 1
  fi
}
fail=0
failed() {
  echo "FAIL: $*"
  fail=1
}

# The package is installed machine-wide, so the lock is machine-wide too
# (not in the per-tree TMPDIR ctest gives, which the test must leave empty):
# /run/lock, the system's place for lock files, as root.
lockdir=/run/lock
[ -d "$lockdir" ] && [ -w "$lockdir" ] || lockdir=/tmp
exec 9>"$lockdir/libheic-deb-package-test.lock"
flock -w 600 9 || { echo "FAIL: another libheic .deb test held the lock for 10 minutes"; exit 1; }

# The package's state in dpkg's database: empty or not-installed when absent
# (config-files, half-installed, ... count as present).
deb_state() {
  dpkg-query -W -f='${db:Status-Status}' libheic 2>/dev/null || true
}
state="$(deb_state)"
if [ -n "$state" ] && [ "$state" != "not-installed" ]; then
  echo "SKIP: a libheic package is on this machine ($state); the test will not replace or remove it"
  exit 77
fi

echo "== cpack -G DEB"
step "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" || exit 1
debs=("$tmp"/pkg/*.deb)
if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "FAIL: cpack made no single .deb:" "${debs[@]}"
  exit 1
fi
deb="${debs[0]}"
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"
dpkg-deb -f "$deb" Package Version Architecture Depends | sed 's/^/  /'
[ "$(dpkg-deb -f "$deb" Package)" = "libheic" ] || failed "the package is not named libheic"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || failed "the package's version is not $version"
# dpkg-shlibdeps found what the binaries link.
dpkg-deb -f "$deb" Depends | grep -q 'libde265' || failed "Depends does not name libde265"

# The package's files; none may exist yet (dpkg would take them over, and
# remove them with the package).
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^/\?$' >"$tmp/contents"
clash=""
dirs_before="$tmp/dirs-before"
: >"$dirs_before"
while IFS= read -r p; do
  if [ -d "$p" ] && [ ! -L "$p" ]; then
    echo "$p" >>"$dirs_before"
  elif [ -e "$p" ] || [ -L "$p" ]; then
    clash="$clash $p"
  fi
done <"$tmp/contents"
if [ -n "$clash" ]; then
  echo "SKIP: files of the package already exist on this machine, the test will not overwrite them:$clash"
  exit 77
fi
grep -q '^/usr/bin/heic-enc$' "$tmp/contents" || failed "the package has no /usr/bin/heic-enc"
grep -q '^/usr/include/heic/heic.h$' "$tmp/contents" || failed "the package has no /usr/include/heic/heic.h"

echo "== dpkg -i"
installed=1
step dpkg -i "$deb" || exit 1
# The package's ldconfig trigger is activate-noawait (CPack's shlibs): dpkg
# may leave it pending when another dpkg run is about (apt does the same
# at its end); processing what is pending is what any installer does.
step dpkg --triggers-only --pending || failed "dpkg could not process its pending triggers"
[ "$(deb_state)" = "installed" ] || failed "dpkg does not list libheic as installed"

echo "== the installed tools"
# Nothing of the build tree: the tools must find /usr/lib's libheic.so.0.
unset LD_LIBRARY_PATH
# Minimal container images tell dpkg not to install man pages at all
# (path-exclude in /etc/dpkg/dpkg.cfg.d): then there is nothing to find.
if [ "$man_built" = "ON" ] &&
  grep -rqsE '^path-exclude[= ]+/usr/share/man' /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d; then
  echo "note: dpkg is told not to install /usr/share/man here (/etc/dpkg/dpkg.cfg.d): man pages not checked"
  man_built=EXCLUDED
fi
for t in "${tools[@]}"; do
  bin="/usr/bin/$t"
  [ -x "$bin" ] || { failed "$bin not installed"; continue; }
  "$bin" --help >"$tmp/help" 2>&1 || failed "$t --help exited non-zero"
  if [ "$man_built" = "ON" ]; then
    page="$(man -w "$t" 2>/dev/null || true)"
    case "$page" in
      /usr/share/man/man1/"$t".1*) ;;
      *) failed "man -w $t gave '$page'" ;;
    esac
    MANWIDTH=80 man "$t" 2>/dev/null | grep -q "$t" || failed "man $t shows nothing"
  fi
done
if [ "$man_built" = "OFF" ]; then
  echo "note: the build has no man pages (scdoc was not found when it was configured)"
fi
# The package's libheic.so.0, whichever name the loader knows it by (/lib
# is /usr/lib on a merged-/usr system).
pkg_so="$(grep -E '/libheic\.so\.0$' "$tmp/contents" | head -n 1)"
resolved="$(ldd /usr/bin/heic-enc | awk '$1 == "libheic.so.0" { print $3 }')"
if [ -z "$pkg_so" ] || [ -z "$resolved" ] || [ "$(readlink -f "$resolved")" != "$(readlink -f "$pkg_so")" ]; then
  failed "/usr/bin/heic-enc loads libheic.so.0 from '$resolved', not the package's $pkg_so"
fi
png="$data/wesaturate_tmshre_alpha_500x500.png"
if step /usr/bin/heic-enc -q 75 "$png" -o "$tmp/rt.heic" &&
  step /usr/bin/heic-info "$tmp/rt.heic" && step /usr/bin/heic-dec "$tmp/rt.heic" "$tmp/rt.png"; then
  psnr="$("$imgcmp" "$png" "$tmp/rt.png" 30 2>&1)" || failed "round trip below 30 dB: $psnr"
  echo "round trip PNG -> HEIC ($(stat -c %s "$tmp/rt.heic") bytes) -> PNG: $psnr"
else
  fail=1
fi
# hevc-enc on a 64x64 8-bit 4:2:0 Y4M frame (a ramp): an Annex-B stream.
{
  printf 'YUV4MPEG2 W64 H64 F25:1 Ip A1:1 C420jpeg\nFRAME\n'
  head -c $((64 * 64 + 2 * 32 * 32)) /dev/zero | tr '\0' '\200'
} >"$tmp/in.y4m"
if [ -x /usr/bin/hevc-enc ] && step /usr/bin/hevc-enc "$tmp/in.y4m" -o "$tmp/out.hevc"; then
  [ "$(head -c 4 "$tmp/out.hevc" | od -An -tx1 | tr -d ' ')" = "00000001" ] ||
    failed "hevc-enc's output does not begin with an Annex-B start code"
else
  fail=1
fi
if command -v pkg-config >/dev/null 2>&1; then
  [ "$(env -u PKG_CONFIG_PATH pkg-config --variable=prefix libheic 2>/dev/null)" = "/usr" ] ||
    failed "pkg-config does not find libheic under /usr"
fi
ldconfig -p | grep -q 'libheic\.so\.0 ' || failed "ldconfig does not know libheic.so.0 after the install"

echo "== dpkg --purge"
dpkg-query -L libheic >"$tmp/owned"
step dpkg --purge libheic || exit 1
installed=0
step dpkg --triggers-only --pending || failed "dpkg could not process its pending triggers"
left=""
while IFS= read -r p; do
  if [ -z "$p" ] || [ "$p" = "/." ]; then continue; fi
  if [ -d "$p" ] && [ ! -L "$p" ]; then
    grep -qxF "$p" "$dirs_before" || left="$left $p"
  elif [ -e "$p" ] || [ -L "$p" ]; then
    left="$left $p"
  fi
done < <(sort -u "$tmp/owned" "$tmp/contents")
[ -z "$left" ] || failed "left after dpkg --purge:$left"
state="$(deb_state)"
if [ -n "$state" ] && [ "$state" != "not-installed" ]; then
  failed "dpkg still lists libheic ($state)"
fi
if ldconfig -p | grep -q 'libheic\.so\.0 '; then
  failed "ldconfig still knows libheic.so.0 after the removal"
fi

if [ "$fail" -eq 0 ]; then
  echo "ok: the .deb installed, its tools and man pages worked, and it removed clean"
fi
exit "$fail"
