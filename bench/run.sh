#!/usr/bin/env bash
# The benchmark yardstick: libheic's HEVC encoder against x265, heic-enc
# against libheif's heif-enc (and cjpeg), on the corpus photos.  One command:
# installs what is missing, builds the tools, encodes, measures, reports.
# See docs/benchmarks.md for what the numbers mean.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--quick | --full] [options]

Builds libheic (build-bench/, Release), installs missing Debian packages
(apt-get, only what is missing), then encodes real photos one at a time
and writes OUT/report.md, OUT/results.csv and OUT/speed_vs_bdrate.png.

Configurations: libheic hevc-enc once per preset its --help lists (else
its default, "libheic-default"); x265 ultrafast, medium, veryslow and
medium --tune psnr (one thread, one intra picture); heic-enc and libheif's
heif-enc on PNG input (one thread each): heif-enc with x265 (Debian's
libheif), heif-enc with libheic through the libheif plugin
(libheif-libheic.so, built here, loaded by LIBHEIF_PLUGIN_PATH), and with
--heif-enc-kvazaar, heif-enc with the kvazaar encoder of another libheif;
cjpeg; with --kvazaar, the kvazaar encoder itself at ultrafast, medium and
veryslow (one thread, one intra picture, x265's Y4M and QPs).  BD-rates of
the HEVC encoders are against x265 medium (PSNR-YUV), of the HEIC/JPEG
files against heif-enc with x265 (RGB PSNR).

Modes:
  --quick          2 photos (flower 2268x1512, wesaturate 500x500), QP 27 37
                   (2 qualities), 1 timing run: a few minutes (the default)
  --full           every photo of the corpus (but the tiny ones and the
                   grey/alpha duplicates), QP 22 27 32 37 (4 qualities),
                   the fastest of 3 timing runs: about 40 minutes

Options:
  --out DIR        where results and cached conversions go
                   (default bench/out, ignored by git)
  --only REGEX     only the configurations whose name matches (Python
                   regular expression, e.g. 'libheic|x265-medium'); the
                   anchors x265-medium and heif-enc are added when needed
  --hevc-enc PATH  benchmark this hevc-enc instead of build-bench's (e.g.
                   another worktree's build)
  --runs N         timing runs per encode (overrides the mode's 1 or 3)
  --heif-enc-kvazaar PATH
                   also benchmark this heif-enc (from a libheif built with
                   kvazaar; Debian's has none) as "heif-enc-kvazaar"
  --kvazaar PATH   also benchmark this kvazaar binary (kvazaar 2.x, not a
                   Debian package: see docs/benchmarks.md) as
                   kvazaar-ultrafast, kvazaar-medium and kvazaar-veryslow
  --variant NAME=ARGS
                   also run hevc-enc with these extra options as
                   "libheic-NAME" (e.g. --variant 'cqp0=--chroma-qp-offset 0');
                   a NAME starting with "heic-enc" runs heic-enc with them
                   instead; repeatable, and run whatever --only says
  -h, --help       show this help and exit

Environment: HEIC_CORPUS (default ../shared/corpus beside the repository;
without it the bundled tests/data photo is used and the report says so),
HEIC_BENCH_DIR (build directory, default build-bench), HEIC_BUILD_JOBS.

Exit status: 0 success, 1 an encode, decode or build failed (the message
names it), 2 usage error.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=quick
out="$root/bench/out"
only=""
hevc_enc=""
runs=""
heif_kvazaar=""
kvazaar=""
variants=()
command_line="bench/run.sh${*:+ $*}"

need_arg() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then
    echo "run.sh: $1 needs a value (see --help)" >&2
    exit 2
  fi
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --out) need_arg "$@"; out="$2"; shift ;;
    --out=*) out="${1#*=}" ;;
    --only) need_arg "$@"; only="$2"; shift ;;
    --only=*) only="${1#*=}" ;;
    --hevc-enc) need_arg "$@"; hevc_enc="$2"; shift ;;
    --hevc-enc=*) hevc_enc="${1#*=}" ;;
    --runs) need_arg "$@"; runs="$2"; shift ;;
    --runs=*) runs="${1#*=}" ;;
    --heif-enc-kvazaar) need_arg "$@"; heif_kvazaar="$2"; shift ;;
    --heif-enc-kvazaar=*) heif_kvazaar="${1#*=}" ;;
    --kvazaar) need_arg "$@"; kvazaar="$2"; shift ;;
    --kvazaar=*) kvazaar="${1#*=}" ;;
    --variant) need_arg "$@"; variants+=(--variant "$2"); shift ;;
    --variant=*) variants+=(--variant "${1#*=}") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$runs" ] && ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "run.sh: --runs needs a positive integer" >&2
  exit 2
fi
if [ -n "$heif_kvazaar" ]; then
  if [ ! -x "$heif_kvazaar" ]; then
    echo "run.sh: --heif-enc-kvazaar $heif_kvazaar: not an executable file" >&2
    exit 2
  fi
  if ! "$heif_kvazaar" --list-encoders 2>/dev/null | grep -q '^- kvazaar '; then
    echo "run.sh: --heif-enc-kvazaar $heif_kvazaar: its libheif lists no kvazaar encoder" >&2
    exit 2
  fi
fi
if [ -n "$kvazaar" ]; then
  if [ ! -f "$kvazaar" ] || [ ! -x "$kvazaar" ]; then
    echo "run.sh: --kvazaar $kvazaar: not an executable file" >&2
    exit 2
  fi
  if ! "$kvazaar" --version 2>/dev/null | grep -q '^Kvazaar '; then
    echo "run.sh: --kvazaar $kvazaar: not kvazaar (its --version does not print \"Kvazaar ...\")" >&2
    exit 2
  fi
  kvazaar="$(cd "$(dirname "$kvazaar")" && pwd)/$(basename "$kvazaar")"
fi
if [ -n "$hevc_enc" ]; then
  if [ ! -x "$hevc_enc" ]; then
    echo "run.sh: --hevc-enc $hevc_enc: not an executable file" >&2
    exit 2
  fi
  hevc_enc="$(cd "$(dirname "$hevc_enc")" && pwd)/$(basename "$hevc_enc")"
fi

# ---------------------------------------------------------------- packages
# shellcheck source=SCRIPTDIR/../scripts/install-deps.sh
source "$root/scripts/install-deps.sh"

apt_install() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "run.sh: missing packages: $* (run as root or install sudo)" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "deps: installing: $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" ||
    { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

# A python3 that has numpy and matplotlib (an interpreter earlier in PATH,
# e.g. pyenv's, may lack Debian's packages: /usr/bin/python3 has them).
find_python() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy, matplotlib' >/dev/null 2>&1; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

echo "== dependencies"
heic_install_deps build
missing=()
command -v x265 >/dev/null 2>&1 || missing+=(x265)
{ command -v heif-enc && command -v heif-convert; } >/dev/null 2>&1 || missing+=(libheif-examples)
# The libheif plugin is built only where libheif's headers are.
pkg-config --exists libheif 2>/dev/null || missing+=(libheif-dev)
{ command -v cjpeg && command -v djpeg; } >/dev/null 2>&1 || missing+=(libjpeg-turbo-progs)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/time ] || missing+=(time)
command -v git >/dev/null 2>&1 || missing+=(git)
if ! find_python >/dev/null; then
  missing+=(python3 python3-numpy python3-matplotlib)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
python="$(find_python)" || { echo "run.sh: no python3 with numpy and matplotlib" >&2; exit 1; }

# ---------------------------------------------------------------- build
build="$root/${HEIC_BENCH_DIR:-build-bench}"
echo
echo "== build (${build#"$root"/}/, Release)"
mkdir -p "$build"
buildlog="$build/bench-build.log"
if ! { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release &&
  cmake --build "$build" --target hevc-enc heic-enc heif-libheic -- -j"${HEIC_BUILD_JOBS:-2}"; } >"$buildlog" 2>&1; then
  tail -n 40 "$buildlog" >&2
  echo "run.sh: the build failed (log: $buildlog)" >&2
  exit 1
fi
echo "built $build/hevc-enc, $build/heic-enc and $build/libheif-plugin/libheif-libheic.so"

# ---------------------------------------------------------------- run
corpus="${HEIC_CORPUS:-$root/../shared/corpus}"
if [ -d "$corpus/inputs" ]; then
  corpus="$(cd "$corpus" && pwd)"
else
  echo "note: no corpus at $corpus (set HEIC_CORPUS): using tests/data instead"
fi

echo
echo "== benchmark ($mode) -> $out"
args=(--mode "$mode" --out "$out" --hevc-enc "${hevc_enc:-$build/hevc-enc}" --heic-enc "$build/heic-enc"
  --corpus "$corpus" --fallback "$root/tests/data/wesaturate_tmshre_alpha_500x500.png"
  --root "$root" --command "$command_line")
[ -z "$only" ] || args+=(--only "$only")
[ -z "$runs" ] || args+=(--runs "$runs")
args+=(--libheif-plugin-dir "$build/libheif-plugin")
[ -z "$heif_kvazaar" ] || args+=(--heif-enc-kvazaar "$heif_kvazaar")
[ -z "$kvazaar" ] || args+=(--kvazaar "$kvazaar")
args+=("${variants[@]}")
exec "$python" "$root/bench/bench.py" "${args[@]}"
