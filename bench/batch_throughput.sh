#!/bin/bash
# Batch throughput of heic-enc: files per second over the corpus photos
# (inputs/png, inputs/jpeg, inputs/y4m: 19 files, 1x1 to 12 MP, 69 MP in
# all) with -j 2 against -j 1 (issue 15).  SPDX-License-Identifier: BSD-2-Clause
#
#   bench/batch_throughput.sh HEIC-ENC CORPUS-DIR [ROUNDS]
#
# Each round runs, in turn: -j 1 (one thread in all: one file at a time,
# coded on one thread) and -j 2 (a budget of two threads: two files at
# once, and the thread with no file left helping the other).  Prints each
# run's wall time, files/s and CPU time, the best round of each, and the
# load average before and after (the machine may be shared: say so with
# the figures).
set -eu
enc=$1 corpus=$2 rounds=${3:-3}
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-bthr-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=$(find -L "$corpus/inputs" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.y4m' \) | wc -l)
echo "heic-enc $("$enc" --version | awk '{print $NF}'), $n files, $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A best
for r in $(seq 1 "$rounds"); do
  for cfg in "-j 1" "-j 2"; do
    rm -rf "$T/out"
    # shellcheck disable=SC2086 # cfg holds several options
    /usr/bin/time -f "%e %U %S" -o "$T/time" "$enc" -r $cfg --quiet "$corpus/inputs" -o "$T/out"
    read -r wall user sys < "$T/time"
    fps=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.3f", n / w }')
    printf 'round %d  %-18s %6.2f s wall  %6.2f s CPU  %s files/s\n' "$r" "$cfg" "$wall" \
      "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$fps"
    if [ -z "${best[$cfg]:-}" ] || awk -v a="$fps" -v b="${best[$cfg]}" 'BEGIN { exit !(a > b) }'; then
      best[$cfg]=$fps
    fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for cfg in "-j 1" "-j 2"; do printf 'best %-18s %s files/s\n' "$cfg" "${best[$cfg]}"; done
awk -v a="${best[-j 2]}" -v b="${best[-j 1]}" 'BEGIN { printf "-j 2 / -j 1: %.2fx\n", a / b }'
