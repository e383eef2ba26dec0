#!/usr/bin/env bash
# valgrind (memcheck, --leak-check=full --errors-for-leak-kinds=all: every
# leak kind, still-reachable included, is an error) over the applications
# that run libheif-libheic.so, judged by tests/valgrind_log.py:
#
#   heif-enc  (LIBHEIF_PLUGIN_PATH) colour, alpha, grey, 16-bit, an odd
#             size, a thumbnail, -L (lossless), 4:4:4 lossless GBR, a
#             picture too wide for the encoder (the encode fails), an
#             output in a missing directory (the write fails), an unknown
#             parameter and chroma=400 (refused parameters);
#   vips      (LD_PRELOAD) copy to .heic, heifsave with alpha, and Q=90,
#             which asks for 4:4:4;
#   ImageMagick (LD_PRELOAD) convert to .heic, colour and with alpha;
#   --api PROGRAM: tests/test_libheif_plugin.c's checks and its
#             allocation-failure loop, without any suppression.
#
# The only grid libheif 1.15 makes is the 1x1 grid it wraps around an odd
# size (for macOS): the 7x5 cases take that path.  The applications' own
# leaks and keep-until-exit habits are suppressed
# (tests/valgrind_libheif_apps.supp; the exit() path of heif-enc,
# tests/valgrind_heif_enc_exit.supp, only for the two refused parameters).  Before any of that, the same applications run without the
# plugin (no LIBHEIF_PLUGIN_PATH, no LD_PRELOAD: x265 codes, or nothing is
# coded) with the suppressions and valgrind -v: every suppression entry
# must be used by those reproducers, so that each one is shown to be the
# application's, not the plugin's.  Two runs at a time; about two minutes.
#
# usage: libheif_plugin_valgrind.sh [--api TEST_LIBHEIF_PLUGIN] PLUGIN HEIC_ENC HEIC_DEC IMGCMP CORPUS_DIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/jobs.sh
source "$here/lib/jobs.sh"

api=""
if [ "${1:-}" = --api ]; then
  api="${2:?}"
  shift 2
fi
[ $# -eq 5 ] || { echo "usage: libheif_plugin_valgrind.sh [--api TEST_LIBHEIF_PLUGIN] PLUGIN HEIC_ENC HEIC_DEC IMGCMP CORPUS_DIR" >&2; exit 2; }
plugin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
inputs="$5/inputs/png"
judge="$here/valgrind_log.py"
apps_supp="$here/valgrind_libheif_apps.supp"
exit_supp="$here/valgrind_heif_enc_exit.supp"

# shellcheck source=tests/lib/libheif_plugin.sh
source "$here/lib/libheif_plugin.sh"
lhp_setup "$inputs" valgrind heif-enc vips
mkdir "$tmp/no-plugins"
pdir="$(dirname "$plugin")"
rgb="$inputs/wesaturate_tmshre_500x500.png"
alpha="$inputs/wesaturate_tmshre_alpha_500x500.png"
grey="$inputs/wesaturate_cvo9xd_gray_500x500.png"
deep="$inputs/dji_fc6310_64x64_16bit.png"
odd="$inputs/tiny_7x5_path.png"
lhp_wide_png "$tmp/wide.png"
# vips loads every module it finds at start-up.  The JPEG XL one pulls in
# libhwy, whose start-up code runs an instruction valgrind 3.19 cannot
# execute on some CPUs (SIGILL in hwy::platform::TimerResolution, seen on
# an AVX-512 AMD EPYC), killing every vips run before it starts.  vips looks
# for its modules under $VIPSHOME, so the vips runs get a home that holds
# only the HEIF module they use.
vipshome="$tmp/vipshome"
moddir="$(find /usr/lib -maxdepth 2 -type d -name 'vips-modules-*' 2>/dev/null | head -n1)"
if [ -n "$moddir" ] && [ -e "$moddir/vips-heif.so" ]; then
  mkdir -p "$vipshome/${moddir#/usr/lib/}"
  ln -s "$moddir/vips-heif.so" "$vipshome/${moddir#/usr/lib/}/"
fi

# name|how|status|supps|command...  how: plugin (LIBHEIF_PLUGIN_PATH for
# heif-enc, LD_PRELOAD for vips and ImageMagick), none (reproducer) or
# program (loads the plugin itself); status: the exit status expected (ok:
# 0, fail: not 0); supps: none, apps or apps+exit.  Commands write into $T (the case's own directory).
cases=(
  "repro heif-enc failed encode (x265, 9 bits)|none|fail|apps|heif-enc -e x265 -b 9 -o \$T/o.heic $deep"
  "repro heif-enc refused parameter (x265)|none|fail|apps+exit|heif-enc -e x265 -p foo=1 -o \$T/o.heic $rgb"
  "repro vips copy to .v|none|ok|apps|vips copy $rgb \$T/o.v"
  "repro ImageMagick -colorspace YCbCr|none|ok|apps|$magick $rgb -colorspace YCbCr \$T/o.ppm"
  "heif-enc colour|plugin|ok|apps|heif-enc -o \$T/o.heic $rgb"
  "heif-enc alpha|plugin|ok|apps|heif-enc -o \$T/o.heic $alpha"
  "heif-enc grey|plugin|ok|apps|heif-enc -q 75 -o \$T/o.heic $grey"
  "heif-enc 16-bit|plugin|ok|apps|heif-enc -o \$T/o.heic $deep"
  "heif-enc 7x5 with a thumbnail|plugin|ok|apps|heif-enc -t 4 -o \$T/o.heic $odd"
  "heif-enc -L (lossless)|plugin|ok|apps|heif-enc -L -o \$T/o.heic $odd"
  "heif-enc -L 4:4:4 GBR|plugin|ok|apps|heif-enc -L -p chroma=444 --matrix_coefficients=0 -o \$T/o.heic $odd"
  "heif-enc 16386x2 (encode fails)|plugin|fail|apps|heif-enc -o \$T/o.heic $tmp/wide.png"
  "heif-enc missing directory|plugin|ok|apps|heif-enc -o \$T/no/such/o.heic $odd"
  "heif-enc unknown parameter|plugin|fail|apps+exit|heif-enc -p no-such=1 -o \$T/o.heic $odd"
  "heif-enc chroma=400|plugin|fail|apps+exit|heif-enc -p chroma=400 -o \$T/o.heic $odd"
  "vips copy|plugin|ok|apps|vips copy $rgb \$T/o.heic"
  "vips heifsave alpha|plugin|ok|apps|vips heifsave $alpha \$T/o.heic --Q 75"
  "vips Q=90 (4:4:4)|plugin|ok|apps|vips copy $alpha \$T/o.heic[Q=90]"
  "ImageMagick convert|plugin|ok|apps|$magick $rgb \$T/o.heic"
  "ImageMagick convert alpha|plugin|ok|apps|$magick $alpha \$T/o.heic"
)
[ -n "$api" ] && cases+=("test_libheif_plugin api alloc|program|ok|none|$api $plugin api alloc")

run_case() {
  local n="$1" name how want supps cmd
  IFS='|' read -r name how want supps cmd <<<"${cases[$1]}"
  local T="$tmp/c$n" log="$tmp/c$n.vg"
  mkdir -p "$T"
  local vg=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=all
            --show-leak-kinds=all --num-callers=40 -v --log-file="$log")
  [ "$supps" != none ] && vg+=(--suppressions="$apps_supp")
  [ "$supps" = apps+exit ] && vg+=(--suppressions="$exit_supp")
  local env=(env -u LD_PRELOAD LIBHEIF_PLUGIN_PATH="$tmp/no-plugins")
  if [ "$how" = plugin ]; then
    case "$cmd" in
      heif-enc*) env=(env -u LD_PRELOAD LIBHEIF_PLUGIN_PATH="$pdir") ;;
      *) env=(env LIBHEIF_PLUGIN_PATH="$tmp/no-plugins" LD_PRELOAD="$plugin") ;;
    esac
  fi
  case "$cmd" in vips*) env+=(VIPSHOME="$vipshome") ;; esac
  local argv
  read -r -a argv <<<"${cmd//\$T/$T}"
  "${env[@]}" "${vg[@]}" "${argv[@]}" >"$T/out.log" 2>&1
  local rc=$? fails=()
  if [ "$want" = ok ] && [ "$rc" -ne 0 ]; then fails+=("status $rc: $(tail -n1 "$T/out.log")"); fi
  if [ "$want" = fail ] && { [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; }; then
    fails+=("status $rc, expected a clean failure")
  fi
  local verdict
  verdict="$(python3 "$judge" "$log")" || fails+=("$verdict")
  if [ "$how" = plugin ] && [ "$want" = ok ] && [ -f "$T/o.heic" ] &&
     ! grep -q "libheic" "$T/o.heic"; then
    fails+=("the file carries no libheic SEI: the plugin did not code it")
  fi
  sed -n 's/.*used_suppression: *\([0-9]*\) \([^ ]*\) .*/\2/p' "$log" | sort -u >"$tmp/c$n.used"
  {
    if [ "${#fails[@]}" -eq 0 ]; then
      printf 'ok\t%s: %s (status %d, %d suppression(s) used)\n' "$name" "$verdict" "$rc" \
        "$(wc -l <"$tmp/c$n.used")"
    else
      printf 'FAIL\t%s\n' "$name"
      printf '  %s\n' "${fails[@]}"
      grep -v '^==[0-9]*== *$' "$log" | grep -A12 -m3 'loss record\|Invalid\|uninitialised' | head -n 40
    fi
  } >"$tmp/$n.result"
  rm -rf "$T"
}

ids=()
for i in "${!cases[@]}"; do ids+=("$i"); done
run_jobs 2 "$tmp" run_case "${ids[@]}"
tally_results "$tmp" "    " "${ids[@]}"
failed=$TALLY_FAILED

# Every entry must have been needed by a run without the plugin, except those
# marked '# may-be-unused: NAME' whose need depends on the machine.
repro_used="$(for i in "${!cases[@]}"; do
  case "${cases[$i]}" in repro*) cat "$tmp/c$i.used" ;; esac
done | sort -u)"
for entry in $(sed -n '/^{/{n;s/^ *//;p}' "$apps_supp" "$exit_supp"); do
  if printf '%s\n' "$repro_used" | grep -qx -- "$entry"; then
    echo "ok   suppression $entry: used by a run without the plugin"
  elif grep -qhx -- "# may-be-unused: $entry" "$apps_supp" "$exit_supp"; then
    echo "ok   suppression $entry: not needed on this machine (marked may-be-unused)"
  else
    echo "FAIL suppression $entry: no run without the plugin needs it"
    failed=$((failed + 1))
  fi
done

echo
echo "$failed failed"
[ "$failed" -eq 0 ]
