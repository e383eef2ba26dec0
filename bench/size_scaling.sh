#!/bin/bash
# Time and peak memory of heic-enc and heic-dec against picture size
# (issue 17): one photo cropped and tiled to 1/16 .. 16 times its area
# (0.8 .. 195 MP for a 12 MP photo), encoded as a
# camera does (a grid of 512x512 tiles) at the default quality and preset,
# then decoded to PNG and Y4M; heif-convert (libheif) decodes the same
# files.  Prints per size: MP, encode CPU s and wall s, CPU us per pixel,
# peak RSS; the same for each decode.  SPDX-License-Identifier: BSD-2-Clause
#
#   bench/size_scaling.sh HEIC-ENC HEIC-DEC PHOTO.png WORK-DIR [SIZES]
#
# SIZES: "WxH ..." (default: a quarter, half, 1, 2 and 4 times the photo's
# width and height; above it, whole multiples).
# Needs vips (to scale the photo), GNU time and libheif's heif-convert.  The work
# directory gets the scaled PNGs and HEICs (a 200 MP PNG is about 400 MB);
# it is left for inspection.
set -eu
enc=$1 dec=$2 photo=$3 work=$4
photo_w=$(vipsheader -f width "$photo") photo_h=$(vipsheader -f height "$photo")
# Default: for a 4032x3024 photo, 0.8, 3, 12, 49 and 195 MP.
sizes=${5:-"$((photo_w / 4))x$((photo_h / 4)) $((photo_w / 2))x$((photo_h / 2)) ${photo_w}x${photo_h} $((2 * photo_w))x$((2 * photo_h)) $((4 * photo_w))x$((4 * photo_h))"}
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
  # The same detail per pixel at every size, so that time per pixel
  # compares: a centred crop of the photo below its size, a k x k mosaic
  # of it above (k = W / the photo's width).  (Scaling would change the
  # detail: an upscaled photo is smoother and codes faster per pixel.)
  if [ ! -f "$png" ]; then
    if [ "$w" -le "$photo_w" ]; then
      vips crop "$photo" "$png[compression=1]" $(((photo_w - w) / 2)) $(((photo_h - h) / 2)) "$w" "$h"
    else
      k=$((w / photo_w))
      list=$(for _ in $(seq $((k * k))); do printf '%s ' "$photo"; done)
      vips arrayjoin "$list" "$png[compression=1]" --across "$k"
    fi
  fi
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
