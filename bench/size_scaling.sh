#!/bin/bash
# Time and peak memory of heic-enc and heic-dec against picture size
# (issue 17): one photo scaled to about 1, 12, 50 and 200 MP, encoded as a
# camera does (a grid of 512x512 tiles) at the default quality and preset,
# then decoded to PNG and Y4M; heif-convert (libheif) decodes the same
# files.  Prints per size: MP, encode CPU s and wall s, CPU us per pixel,
# peak RSS; the same for each decode.  SPDX-License-Identifier: BSD-2-Clause
#
#   bench/size_scaling.sh HEIC-ENC HEIC-DEC PHOTO.png WORK-DIR [SIZES]
#
# SIZES: "WxH ..." (default: 1152x864 4032x3024 8192x6144 16320x12240).
# Needs ImageMagick's convert (to scale the photo) and GNU time.  The work
# directory gets the scaled PNGs and HEICs (a 200 MP PNG is about 400 MB);
# it is left for inspection.
set -eu
enc=$1 dec=$2 photo=$3 work=$4
sizes=${5:-"1152x864 4032x3024 8192x6144 16320x12240"}
mkdir -p "$work"
echo "heic-enc $("$enc" --version | awk '{print $NF}'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %7s | %-28s | %-28s | %-28s | %-22s\n' size MP "encode cpu/wall us/px MB" \
  "heic-dec PNG cpu us/px MB" "heic-dec Y4M cpu us/px MB" "heif-convert PNG us/px MB"
measure() { # prints "CPU WALL RSS_MB" of the command
  /usr/bin/time -f "%U %S %e %M" -o "$work/t" "$@" > /dev/null 2>&1 || { echo "FAIL: $*" >&2; return 1; }
  awk '{ printf "%.2f %.2f %.1f", $1 + $2, $3, $4 / 1024 }' "$work/t"
}
for s in $sizes; do
  w=${s%x*} h=${s#*x}
  png="$work/in_$s.png" heic="$work/in_$s.heic"
  [ -f "$png" ] || convert "$photo" -resize "${w}x${h}!" -define png:compression-level=1 "$png"
  px=$((w * h))
  read -r ec ew em <<< "$(measure "$enc" --quiet --tile 512 "$png" -o "$heic")"
  read -r pc pw pm <<< "$(measure "$dec" --quiet "$heic" -o "$work/out.png")"
  read -r yc yw ym <<< "$(measure "$dec" --quiet "$heic" -o "$work/out.y4m")"
  read -r lc lw lm <<< "$(measure heif-convert "$heic" "$work/lh.png")"
  per() { awk -v c="$1" -v p="$px" 'BEGIN { printf "%.3f", c * 1e6 / p }'; }
  printf '%-12s %7.1f | %6.2f/%6.2f s %6s %7s | %6.2f s %6s %7s | %6.2f s %6s %7s | %6.2f s %6s %7s\n' \
    "$s" "$(awk -v p="$px" 'BEGIN { print p / 1e6 }')" "$ec" "$ew" "$(per "$ec")" "$em" \
    "$pc" "$(per "$pc")" "$pm" "$yc" "$(per "$yc")" "$ym" "$lc" "$(per "$lc")" "$lm"
  rm -f "$work/out.png" "$work/out.y4m" "$work/lh.png"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
