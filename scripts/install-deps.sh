#!/usr/bin/env bash
# Installs the Debian packages libheic needs, only those that are missing.
#
#   bash scripts/install-deps.sh build   what building needs
#   bash scripts/install-deps.sh test    that plus the test oracles,
#                                        libx265 (the tests build the x265
#                                        encoder plugin) and what the install
#                                        and .deb tests use
#
# Sourced by scripts/demo.sh and scripts/test.sh.  Needs root (or sudo) only
# when something is missing.
set -euo pipefail

heic_missing_packages() {
  local profile="$1"
  local missing=()
  command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
  if ! command -v pkg-config >/dev/null 2>&1; then
    missing+=(pkg-config libde265-dev libpng-dev libjpeg-dev)
  else
    pkg-config --exists libde265 || missing+=(libde265-dev)
    pkg-config --exists libpng || missing+=(libpng-dev)
    pkg-config --exists libjpeg || missing+=(libjpeg-dev)
  fi
  if [ "$profile" = "test" ]; then
    command -v libde265-dec265 >/dev/null 2>&1 || missing+=(libde265-examples)
    if ! command -v heif-convert >/dev/null 2>&1 || ! command -v heif-info >/dev/null 2>&1; then
      missing+=(libheif-examples)
    fi
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
    # The encoder's conformance test: ffmpeg decodes our streams, python3
    # generates its synthetic pictures (and reads metadata in encode_corpus).
    command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    # The tests build the optional x265 encoder plugin (GPL libx265) and
    # check it like the builtin encoder.
    if command -v pkg-config >/dev/null 2>&1; then
      pkg-config --exists x265 || missing+=(libx265-dev)
    else
      missing+=(libx265-dev)
    fi
    # encode_corpus: other readers of what heic-enc writes (libvips and
    # ImageMagick; libheif's tools are above).  Look for identify: a
    # convert alone may be a stand-in, not ImageMagick.
    command -v vipsheader >/dev/null 2>&1 || missing+=(libvips-tools)
    command -v identify >/dev/null 2>&1 || missing+=(imagemagick)
    # tests/hostile.sh measures each run's CPU time and peak RSS with GNU
    # time (bash's time keyword gives no memory figure).
    [ -x /usr/bin/time ] || missing+=(time)
    # files_on_disk and signals: strace kills, signals and slows the tools
    # at chosen system calls.
    command -v strace >/dev/null 2>&1 || missing+=(strace)
    # batch: GNU parallel fans heic-enc --shard out over local workers.
    # (moreutils also has a "parallel": its --version does not say GNU.)
    parallel --version 2>/dev/null | grep -q "GNU parallel" || missing+=(parallel)
    # The libheif encoder plugin (libheif-libheic.so) builds against
    # libheif's headers; its tests run Debian's heif-enc, vips and
    # ImageMagick through it (packages above).
    if command -v pkg-config >/dev/null 2>&1; then
      pkg-config --exists libheif || missing+=(libheif-dev)
    else
      missing+=(libheif-dev)
    fi
    # Installing and packaging (tests/install.cmake): scdoc makes the man
    # pages at build time and man-db reads them; CPack's .deb needs
    # dpkg-shlibdeps (dpkg-dev) and file for its Depends; nm and readelf
    # (binutils) check the installed library's symbols and SONAME.
    command -v scdoc >/dev/null 2>&1 || missing+=(scdoc)
    command -v man >/dev/null 2>&1 || missing+=(man-db)
    command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
    command -v file >/dev/null 2>&1 || missing+=(file)
    if ! command -v nm >/dev/null 2>&1 || ! command -v readelf >/dev/null 2>&1; then
      missing+=(binutils)
    fi
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' '
  fi
}

heic_install_deps() {
  local profile="${1:-test}"
  local packages
  packages="$(heic_missing_packages "$profile")"
  if [ -z "$packages" ]; then
    echo "deps: everything needed is installed"
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: missing packages: $packages" >&2
      echo "deps: run as root (or install sudo) so that they can be installed" >&2
      return 1
    fi
  fi
  echo "deps: installing: $packages"
  echo "+ apt-get update && apt-get install -y --no-install-recommends $packages"
  # shellcheck disable=SC2086 # the package list is meant to split
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  # shellcheck disable=SC2086
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $packages
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  heic_install_deps "${1:-test}"
fi
