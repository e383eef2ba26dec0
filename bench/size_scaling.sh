#!/bin/bash
# Time and peak memory of heic-enc and heic-dec against picture size
# (issue 17): one photo cut into equal parts or tiled to 1/16 .. 16 times
# its area (0.8 .. 195 MP for a 12 MP photo), encoded as a
# camera does (a grid of 512x512 tiles) at the default quality and preset,
# then decoded to PNG and Y4M; heif-convert (libheif) decodes the same
# files.  Prints per size: MP, encode CPU s and wall s, CPU us per pixel,
# peak RSS; the same for each decode.  SPDX-License-Identifier: BSD-2-Clause
#
#   bench/size_scaling.sh HEIC-ENC HEIC-DEC PHOTO.png WORK-DIR [SIZES]
#
# SIZES: "WxH ..." (default: a quarter, half, 1, 2 and 4 times the photo's
# width and height; above it, whole multiples).
# SIZE_SCALING_TILE: heic-enc's --tile (default 512, the camera layout);
# "default" leaves heic-enc's own choice (one picture up to 4096, a grid of
# 1024 tiles above).
# Needs vips (to scale the photo), GNU time and libheif's heif-convert.  The work
# directory gets the scaled PNGs and HEICs (a 200 MP PNG is about 400 MB);
# it is left for inspection.
set -eu
tile="${SIZE_SCALING_TILE:-512}"
tile_opt="--tile $tile"
[ "$tile" = default ] && tile_opt=""
enc=$1 dec=$2 photo=$3 work=$4
photo_w=$(vipsheader -f width "$photo") photo_h=$(vipsheader -f height "$photo")
# Default: for a 4032x3024 photo, 0.8, 3, 12, 49 and 195 MP.
sizes=${5:-"$((photo_w / 4))x$((photo_h / 4)) $((photo_w / 2))x$((photo_h / 2)) ${photo_w}x${photo_h} $((2 * photo_w))x$((2 * photo_h)) $((4 * photo_w))x$((4 * photo_h))"}
mkdir -p "$work"
echo "heic-enc $("$enc" --version | awk '{print $NF}'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %7s | %-28s | %-28s | %-28s | %-22s\n' 'size xparts' MP "encode cpu/wall us/px MB" \
  "heic-dec PNG cpu us/px MB" "heic-dec Y4M cpu us/px MB" "heif-convert PNG us/px MB"
measure() { # prints "CPU WALL RSS_MB" of the command
  /usr/bin/time -f "%U %S %e %M" -o "$work/t" "$@" > /dev/null 2>&1 || { echo "FAIL: $*" >&2; return 1; }
  awk '{ printf "%.2f %.2f %.1f", $1 + $2, $3, $4 / 1024 }' "$work/t"
}
for s in $sizes; do
  w=${s%x*} h=${s#*x}
  # The same detail per pixel at every size, so that time per pixel
  # compares.  Above the photo's size: a k x k mosaic of it (k = W / the
  # photo's width).  Below it: the photo cut into kx x ky parts of W x H
  # (kx = the photo's width / W), every part coded and decoded, and the
  # times summed (peaks: the largest) - one centred crop would be the
  # photo's most detailed part.  Scaling would change the detail: an
  # upscaled photo is smoother and codes faster per pixel.
  if [ "$w" -le "$photo_w" ]; then
    kx=$((photo_w / w)) ky=$((photo_h / h))
  else
    kx=1 ky=1
  fi
  parts=()
  for ((j = 0; j < ky; j++)); do
    for ((i = 0; i < kx; i++)); do
      png="$work/in_${s}_$i.$j.png"
      parts+=("$png")
      [ -f "$png" ] && continue
      if [ "$w" -le "$photo_w" ]; then
        vips crop "$photo" "$png[compression=1]" $((i * w)) $((j * h)) "$w" "$h"
      else
        k=$((w / photo_w))
        list=$(for _ in $(seq $((k * k))); do printf '%s ' "$photo"; done)
        vips arrayjoin "$list" "$png[compression=1]" --across "$k"
      fi
    done
  done
  px=$((w * h * ${#parts[@]}))
  ec=0 ew=0 em=0 pc=0 pm=0 yc=0 ym=0 lc=0 lm=0
  add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
  peak() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a > b ? a : b) }'; }
  for png in "${parts[@]}"; do
    heic="${png%.png}.heic"
    # shellcheck disable=SC2086 # tile_opt is empty or two words
    read -r c wl m <<< "$(measure "$enc" --quiet $tile_opt "$png" -o "$heic")"
    ec=$(add "$ec" "$c") ew=$(add "$ew" "$wl") em=$(peak "$em" "$m")
    read -r c wl m <<< "$(measure "$dec" --quiet "$heic" -o "$work/out.png")"
    pc=$(add "$pc" "$c") pm=$(peak "$pm" "$m")
    read -r c wl m <<< "$(measure "$dec" --quiet "$heic" -o "$work/out.y4m")"
    yc=$(add "$yc" "$c") ym=$(peak "$ym" "$m")
    read -r c wl m <<< "$(measure heif-convert "$heic" "$work/lh.png")"
    lc=$(add "$lc" "$c") lm=$(peak "$lm" "$m")
    rm -f "$work/out.png" "$work/out.y4m" "$work/lh.png"
  done
  per() { awk -v c="$1" -v p="$px" 'BEGIN { printf "%.3f", c * 1e6 / p }'; }
  printf '%-12s %7.1f | %6.2f/%6.2f s %6s %7s | %6.2f s %6s %7s | %6.2f s %6s %7s | %6.2f s %6s %7s\n' \
    "$s x${#parts[@]}" "$(awk -v p="$((w * h))" 'BEGIN { print p / 1e6 }')" "$ec" "$ew" "$(per "$ec")" "$em" \
    "$pc" "$(per "$pc")" "$pm" "$yc" "$(per "$yc")" "$ym" "$lc" "$(per "$lc")" "$lm"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
