#!/usr/bin/env bash
# libheif-libheic.so in the applications people use (issue 13):
#
#   registration  with only LIBHEIF_PLUGIN_PATH pointing at the plugin,
#                 Debian's heif-enc lists libheic first (its default HEVC
#                 encoder) and lists its parameters (-P);
#   photos        heif-enc codes corpus photos (RGB, RGBA, grey, 16-bit,
#                 odd sizes, 1x1, the 12 MP photo) through the plugin,
#                 without -e (the default) - and -e libheic gives the same
#                 bytes.  Each file must carry the SEI naming libheic
#                 (libheif-plugin/sei.h: the proof that the plugin coded it;
#                 a file coded by x265 has none); heif-info, heif-convert,
#                 heic-dec, vipsheader and ImageMagick's identify must read
#                 it at the input's size; heic-dec must agree with
#                 heif-convert (>= 40 dB); and the RGB PSNR against the
#                 input must be within 0.3 dB of heic-enc's file at the same
#                 quality (both decoded by heif-convert);
#   vips, IM      `vips copy in.png out.heic`, `vips heifsave` (alpha) and
#                 ImageMagick's `convert in.png out.heic` write through the
#                 plugin with it in LD_PRELOAD (they never call heif_init(),
#                 where libheif 1.15 loads plugins): the SEI is there (and
#                 absent without the plugin), the files decode, vips within
#                 0.3 dB of heic-enc;
#   thumbnail     heif-enc -t codes the thumbnail and its alpha through the
#                 plugin too;
#   formats       -p chroma=422 and 444 code those formats (hvcC); vips at
#                 Q=90 asks for 4:4:4 and gets it (alpha 4:0:0), and 4:2:0
#                 with subsample-mode=on; heif-enc -L -p chroma=444
#                 --matrix_coefficients=0 gives the RGB back exactly (on
#                 an RGBA photo, where libheif's own conversion is not
#                 exact, the pixels of libheif's x265 plugin's lossless
#                 file), and plain -L codes libheif's 4:2:0 losslessly;
#   errors        an unknown parameter, a bad value, chroma=400, a
#                 16386-pixel-wide image and a missing output directory
#                 fail with libheic's message and leave no file (heif-enc
#                 1.15 ignores a failed write: no crash and no file is what
#                 can be checked there).
#
# Default: quality 50 on nine photos (about a minute).  --full: every PNG
# photo of the corpus at -q 30, 50, 75 and 90 (the 12 MP one at 50), and
# the vips and ImageMagick cases on more photos.  --sanitizer: for the
# sanitizer tree, whose plugin needs the sanitizer runtimes preloaded into
# Debian's heif-enc: five small photos, with LeakSanitizer on (its error
# cases are judged by their message only: heif-enc's own leak after a
# failed encode, see libheif_plugin_valgrind.sh, ends it with LSan's
# status).
#
# usage: libheif_plugin.sh [--full|--sanitizer] PLUGIN HEIC_ENC HEIC_DEC IMGCMP CORPUS_DIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/jobs.sh
source "$here/lib/jobs.sh"

usage="usage: libheif_plugin.sh [--full|--sanitizer] PLUGIN HEIC_ENC HEIC_DEC IMGCMP CORPUS_DIR"
mode=default
case "${1:-}" in
  --full) mode=full; shift ;;
  --sanitizer) mode=sanitizer; shift ;;
esac
[ $# -eq 5 ] || { echo "$usage" >&2; exit 2; }
abs() { printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")"; }
plugin="$(abs "$1")"
henc="$(abs "$2")"
hdec="$(abs "$3")"
imgcmp="$(abs "$4")"
corpus="$5"
inputs="$corpus/inputs/png"
max_delta=0.3  # dB of RGB PSNR between the plugin's file and heic-enc's
min_psnr=25    # against the input, at any quality
min_dec=40     # heic-dec against heif-convert

# shellcheck source=tests/lib/libheif_plugin.sh
source "$here/lib/libheif_plugin.sh"
lhp_setup "$inputs" heif-enc heif-convert heif-info vips vipsheader
version="$("$henc" --version | awk '{print $NF}')"
sei="libheic $version (libheif plugin)"
jobs=2
# Only heif-enc (and the applications of the vips/ImageMagick part, by
# LD_PRELOAD) get the plugin; the readers use Debian's libheif as it is.
runtimes=""
if [ "$mode" = sanitizer ]; then
  # Debian's heif-enc is not instrumented: the sanitizer runtimes the
  # plugin links must come first in the process.
  for lib in libasan.so libubsan.so; do
    path="$(${CC:-cc} -print-file-name=$lib)"
    [ -e "$path" ] || { echo "SKIP: no $lib for the sanitizer build"; exit 77; }
    runtimes="$runtimes${runtimes:+:}$path"
  done
  jobs=1
fi
preload="${runtimes:+$runtimes:}$plugin"

# heif_enc ARGS...: Debian's heif-enc with the plugin's directory as its
# only plugin directory (under the sanitizers: runtimes preloaded, leaks
# reported with exit status 23).
heif_enc() {
  if [ -n "$runtimes" ]; then
    LIBHEIF_PLUGIN_PATH="$(dirname "$plugin")" LD_PRELOAD="$runtimes" \
      ASAN_OPTIONS="detect_leaks=1:exitcode=23" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      heif-enc "$@"
  else
    LIBHEIF_PLUGIN_PATH="$(dirname "$plugin")" heif-enc "$@"
  fi
}

# has_sei FILE: the file holds libheic's identifying SEI text.
has_sei() {
  python3 - "$1" "$sei" <<'EOF'
import sys
sys.exit(0 if sys.argv[2].encode() in open(sys.argv[1], "rb").read() else 1)
EOF
}

# rgb_psnr "imgcmp output line": the RGB (or grey) PSNR; "inf" when identical.
rgb_psnr() {
  case "$1" in
    *identical*) echo inf ;;
    *) printf '%s\n' "$1" | sed -n 's/.*(\(rgb\|grey\) \([^ ,)]*\).*/\2/p' ;;
  esac
}

# within A B MAX: |A - B| <= MAX (inf equals inf).
within() {
  python3 -c "import sys; a,b,m=(float(x) for x in sys.argv[1:]); sys.exit(0 if (a==b or abs(a-b)<=m) else 1)" "$@"
}

# at_least A MIN: A >= MIN (inf is).
at_least() {
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$@"
}

# png_size FILE: WxH of a PNG.
png_size() {
  python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print('%dx%d' % struct.unpack('>II', d[16:24]))" "$1"
}

# ---- registration ----------------------------------------------------------
failed=0
note() { printf '%s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }

first="$(heif_enc --list-encoders 2>&1 | sed -n '/^HEIC encoders/,/^[A-Z]/p' | sed -n '2p')"
case "$first" in
  "- libheic = "*"[default]") note "ok   heif-enc --list-encoders: $first" ;;
  *) fail "heif-enc --list-encoders does not list libheic first: '$first'" ;;
esac
params="$(heif_enc -e libheic -P "$inputs/tiny_7x5_path.png" 2>&1)"
for p in quality lossless preset chroma qp sao deblock chroma-qp-offset picture-hash threads; do
  printf '%s\n' "$params" | grep -q "^  $p, " || fail "heif-enc -P does not list $p"
done

# ---- photos through heif-enc ---------------------------------------------
cases=()
case "$mode" in
  full)
    for f in "$inputs"/*.png; do
      b="$(basename "$f")"
      case "$b" in
        *4032x3024*) cases+=("$b|50") ;;
        *) for q in 30 50 75 90; do cases+=("$b|$q"); done ;;
      esac
    done ;;
  sanitizer)
    for b in wesaturate_tmshre_alpha_500x500.png wesaturate_cvo9xd_gray_500x500.png \
             dji_fc6310_64x64_16bit.png tiny_7x5_path.png tiny_1x1_flower.png; do
      cases+=("$b|50")
    done ;;
  *)
    for b in wesaturate_tmshre_500x500.png wesaturate_tmshre_alpha_500x500.png \
             wesaturate_cvo9xd_gray_500x500.png hdr_room_676x449_16bit.png \
             dji_fc6310_64x64_16bit.png odd_1001x667_flower.png tiny_63x65_storm.png \
             tiny_7x5_path.png tiny_1x1_flower.png iphone13promax_4032x3024.png; do
      cases+=("$b|50")
    done ;;
esac

# The distinct chroma_format_idc of a file's hvcC boxes, sorted, comma-
# separated (0: 4:0:0, 1: 4:2:0): read from the box itself (ISO/IEC
# 14496-15 8.3.3.1: the 17th byte of its body).
chroma_formats() {
  python3 - "$1" <<'EOF2'
import struct, sys
d = open(sys.argv[1], 'rb').read()
found, i = set(), d.find(b'hvcC')
while i >= 4:
    size = struct.unpack('>I', d[i - 4:i])[0]
    body = d[i + 4:i - 4 + size]
    if len(body) > 16:
        found.add(body[16] & 3)
    i = d.find(b'hvcC', i + 4)
print(','.join(str(c) for c in sorted(found)))
EOF2
}

# One photo at one quality; writes $tmp/N.result (tests/lib/jobs.sh).
check_photo() {
  local n="$1" name q
  IFS='|' read -r name q <<<"${cases[$1]}"
  local in="$inputs/$name" o="$tmp/p$n" fails=() notes=()
  if [ ! -f "$in" ]; then
    printf 'FAIL\t%s -q %s: not in the corpus\n' "$name" "$q" >"$tmp/$n.result"
    return
  fi
  local size
  size="$(png_size "$in")"
  if ! heif_enc -q "$q" -o "$o.heic" "$in" >"$o.enc.log" 2>&1; then
    fails+=("heif-enc failed: $(tail -n1 "$o.enc.log")")
  else
    has_sei "$o.heic" || fails+=("no libheic SEI in the file: not coded by the plugin")
    if [ "$n" -eq 0 ]; then # -e libheic is the default: the very same bytes
      heif_enc -e libheic -q "$q" -o "$o.e.heic" "$in" >/dev/null 2>&1 && cmp -s "$o.heic" "$o.e.heic" ||
        fails+=("heif-enc -e libheic wrote other bytes than the default encoder")
    fi
    heif-info "$o.heic" >"$o.info.log" 2>&1 || fails+=("heif-info: $(tail -n1 "$o.info.log")")
    # Grey pictures and alpha planes are coded as 4:0:0, colour as 4:2:0.
    local want_chroma=1 got_chroma
    case "$name" in *gray*) want_chroma=0 ;; *alpha*) want_chroma=0,1 ;; esac
    got_chroma="$(chroma_formats "$o.heic")"
    [ "$got_chroma" = "$want_chroma" ] ||
      fails+=("coded chroma formats (hvcC chroma_format_idc) $got_chroma, not $want_chroma")
    if heif-convert "$o.heic" "$o.hc.png" >"$o.hc.log" 2>&1; then
      [ "$(png_size "$o.hc.png")" = "$size" ] || fails+=("heif-convert: $(png_size "$o.hc.png"), not $size")
    else
      fails+=("heif-convert: $(tail -n1 "$o.hc.log")")
    fi
    if "$hdec" -q "$o.heic" "$o.hd.png" >"$o.hd.log" 2>&1; then
      local line
      line="$("$imgcmp" "$o.hd.png" "$o.hc.png" "$min_dec" 2>&1)" ||
        fails+=("heic-dec against heif-convert: $line")
    else
      fails+=("heic-dec: $(tail -n1 "$o.hd.log")")
    fi
    local v
    v="$(vipsheader -f width "$o.heic" 2>/dev/null)x$(vipsheader -f height "$o.heic" 2>/dev/null)"
    [ "$v" = "$size" ] || fails+=("vipsheader: $v, not $size")
    v="$(identify -format '%wx%h' "$o.heic" 2>/dev/null)"
    [ "$v" = "$size" ] || fails+=("identify: $v, not $size")
    # heic-enc at the same quality, decoded the same way.
    if "$henc" -q "$q" --quiet -o "$o.ref.heic" "$in" >"$o.ref.log" 2>&1 &&
       heif-convert "$o.ref.heic" "$o.ref.png" >/dev/null 2>&1; then
      local a b
      a="$(rgb_psnr "$("$imgcmp" "$in" "$o.hc.png" 2>&1)")"
      b="$(rgb_psnr "$("$imgcmp" "$in" "$o.ref.png" 2>&1)")"
      if [ -z "$a" ] || [ -z "$b" ]; then
        fails+=("PSNR unreadable: plugin '$a', heic-enc '$b'")
      else
        notes+=("$(printf 'RGB PSNR %s dB, heic-enc %s dB, %s vs %s bytes' "$a" "$b" \
          "$(stat -c %s "$o.heic")" "$(stat -c %s "$o.ref.heic")")")
        within "$a" "$b" "$max_delta" || fails+=("PSNR $a dB is not within $max_delta dB of heic-enc's $b dB")
        at_least "$a" "$min_psnr" || fails+=("PSNR $a dB < $min_psnr dB")
      fi
    else
      fails+=("heic-enc reference: $(tail -n1 "$o.ref.log")")
    fi
  fi
  {
    if [ "${#fails[@]}" -eq 0 ]; then
      printf 'ok\t%s -q %s: %s\n' "$name" "$q" "${notes[*]}"
    else
      printf 'FAIL\t%s -q %s\n' "$name" "$q"
      printf '  %s\n' "${fails[@]}"
    fi
  } >"$tmp/$n.result"
  rm -f "$o".*png "$o".*heic
}

ids=()
for i in "${!cases[@]}"; do ids+=("$i"); done
run_jobs "$jobs" "$tmp" check_photo "${ids[@]}"
tally_results "$tmp" "    " "${ids[@]}"
failed=$((failed + TALLY_FAILED))

# A thumbnail and its alpha are coded by the same encoder as the image:
# four pictures, each with its SEI.
alpha_in="$inputs/wesaturate_tmshre_alpha_500x500.png"
if heif_enc -t 96 -o "$tmp/t.heic" "$alpha_in" >"$tmp/t.log" 2>&1 &&
   heif-info "$tmp/t.heic" 2>/dev/null | grep -q "thumbnail: 96x96" &&
   [ "$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().count(sys.argv[2].encode()))" \
        "$tmp/t.heic" "$sei")" -eq 4 ]; then
  note "ok   heif-enc -t 96: a 96x96 thumbnail with alpha, four pictures with libheic's SEI"
else
  fail "heif-enc -t 96: $(tail -n1 "$tmp/t.log"); $(heif-info "$tmp/t.heic" 2>&1 | grep -i thumb)"
fi

# ---- vips and ImageMagick ------------------------------------------------
# check_app NAME OUT INPUT MAX_DELTA -- COMMAND...: COMMAND writes OUT from
# INPUT through the preloaded plugin; OUT must carry the SEI and decode;
# with MAX_DELTA (not "-") its RGB PSNR must be within that of heic-enc at
# -q 50 (what vips and heif-enc use by default).
check_app() {
  local name="$1" out="$2" in="$3" delta="$4"
  shift 5
  if ! LD_PRELOAD="$preload" "$@" >"$tmp/app.log" 2>&1; then
    fail "$name: $(tail -n1 "$tmp/app.log")"
    return
  fi
  has_sei "$out" || { fail "$name: no libheic SEI in $out: not coded by the plugin"; return; }
  heif-convert "$out" "$tmp/app.png" >/dev/null 2>&1 || { fail "$name: heif-convert cannot read it"; return; }
  local a line
  line="$("$imgcmp" "$in" "$tmp/app.png" 2>&1)"
  a="$(rgb_psnr "$line")"
  if [ "$delta" != - ]; then
    "$henc" -q 50 --quiet -o "$tmp/app.ref.heic" "$in" >/dev/null 2>&1 &&
      heif-convert "$tmp/app.ref.heic" "$tmp/app.ref.png" >/dev/null 2>&1
    local b
    b="$(rgb_psnr "$("$imgcmp" "$in" "$tmp/app.ref.png" 2>&1)")"
    if within "$a" "$b" "$delta"; then
      note "ok   $name: libheic's SEI, RGB PSNR $a dB (heic-enc $b dB)"
    else
      fail "$name: RGB PSNR $a dB is not within $delta dB of heic-enc's $b dB"
    fi
  elif at_least "$a" "$min_psnr"; then
    note "ok   $name: libheic's SEI, $line"
  else
    fail "$name: $line (< $min_psnr dB)"
  fi
}

if [ "$mode" != sanitizer ]; then
  apps=(wesaturate_tmshre_500x500.png)
  [ "$mode" = full ] && apps+=(odd_1001x667_flower.png storm_1920x1280.png tiny_7x5_path.png)
  for b in "${apps[@]}"; do
    in="$inputs/$b"
    check_app "vips copy $b" "$tmp/v.heic" "$in" "$max_delta" -- vips copy "$in" "$tmp/v.heic"
    # ImageMagick 6 converts to YCbCr itself, at its own default quality:
    # no comparison with heic-enc, only the bar every photo must clear.
    check_app "ImageMagick convert $b" "$tmp/m.heic" "$in" - -- "$magick" "$in" "$tmp/m.heic"
  done
  alpha="$inputs/wesaturate_tmshre_alpha_500x500.png"
  check_app "vips heifsave (alpha)" "$tmp/va.heic" "$alpha" - -- vips heifsave "$alpha" "$tmp/va.heic" --Q 75
  # Without the plugin the same command goes to x265: no SEI.
  if vips copy "$inputs/tiny_7x5_path.png" "$tmp/x.heic" >/dev/null 2>&1 && ! has_sei "$tmp/x.heic"; then
    note "ok   vips copy without the plugin: x265's file, no libheic SEI"
  else
    fail "vips copy without the plugin: no file, or libheic's SEI in x265's file"
  fi
  # vips asks for 4:4:4 from Q=90 on (chroma=444): colour coded 4:4:4,
  # alpha 4:0:0
  check_app "vips Q=90 (4:4:4)" "$tmp/v90.heic" "$alpha" - -- vips copy "$alpha" "$tmp/v90.heic[Q=90]"
  [ "$(chroma_formats "$tmp/v90.heic")" = 0,3 ] ||
    fail "vips Q=90: coded chroma formats $(chroma_formats "$tmp/v90.heic"), not 0,3 (alpha 4:0:0, colour 4:4:4)"
  check_app "vips Q=90 subsample-mode=on" "$tmp/v90.heic" "$alpha" - -- \
    vips copy "$alpha" "$tmp/v90.heic[Q=90,subsample-mode=on]"
  [ "$(chroma_formats "$tmp/v90.heic")" = 0,1 ] ||
    fail "vips Q=90 subsample-mode=on: coded chroma formats $(chroma_formats "$tmp/v90.heic"), not 0,1"
fi

# ---- errors ---------------------------------------------------------------
# expect_error NAME TEXT OUT -- COMMAND...: COMMAND fails, says TEXT, and
# OUT does not exist.
expect_error() {
  local name="$1" text="$2" out="$3"
  shift 4
  rm -f "$out"
  if "$@" >"$tmp/err.log" 2>&1; then
    fail "$name: succeeded"
  elif [ -e "$out" ]; then
    fail "$name: left $out behind"
  elif grep -q -- "$text" "$tmp/err.log"; then
    note "ok   $name: $(grep -m1 -- "$text" "$tmp/err.log")"
  else
    fail "$name: no '$text' in: $(tail -n2 "$tmp/err.log" | tr '\n' ' ')"
  fi
}

small="$inputs/tiny_63x65_storm.png"
if [ "$mode" != sanitizer ]; then
  # heif-enc exits through exit() on these, leaking what it holds: fine
  # here, its own defect under valgrind (libheif_plugin_valgrind.sh).
  expect_error "unknown parameter" "unknown parameter 'no-such'" "$tmp/e.heic" -- \
    heif_enc -p no-such=1 -o "$tmp/e.heic" "$small"
  expect_error "threads=2000" "Invalid parameter value" "$tmp/e.heic" -- heif_enc -p threads=2000 -o "$tmp/e.heic" "$small"
  expect_error "preset=ultra" "ultra" "$tmp/e.heic" -- heif_enc -p preset=ultra -o "$tmp/e.heic" "$small"
  expect_error "chroma=400" "420, 422 or 444" "$tmp/e.heic" -- heif_enc -p chroma=400 -o "$tmp/e.heic" "$small"
fi
# the thread count never changes the file
if heif_enc -o "$tmp/t0.heic" "$inputs/flower_2268x1512.png" >/dev/null 2>&1 &&
   heif_enc -p threads=1 -o "$tmp/t1.heic" "$inputs/flower_2268x1512.png" >/dev/null 2>&1 &&
   heif_enc -p threads=3 -o "$tmp/t3.heic" "$inputs/flower_2268x1512.png" >/dev/null 2>&1 &&
   cmp -s "$tmp/t0.heic" "$tmp/t1.heic" && cmp -s "$tmp/t0.heic" "$tmp/t3.heic"; then
  note "ok   heif-enc -p threads=1, 3 and the default (all CPUs) write the same file"
else
  fail "heif-enc -p threads=N: the files differ or an encode failed"
fi
lhp_wide_png "$tmp/wide.png"
expect_error "16386x2 picture" "16386" "$tmp/e.heic" -- heif_enc -o "$tmp/e.heic" "$tmp/wide.png"
# heif-enc 1.15 ignores a failed write (its status is 0 and it says
# nothing): what is checked is that nothing crashes and nothing is written.
heif_enc -o "$tmp/no/such/dir/e.heic" "$small" >"$tmp/nodir.log" 2>&1
rc=$?
if [ "$rc" -lt 128 ] && [ ! -e "$tmp/no" ]; then
  note "ok   missing output directory: heif-enc status $rc, nothing written"
else
  fail "missing output directory: status $rc: $(tail -n1 "$tmp/nodir.log")"
fi
# 4:2:2 and 4:4:4 (parameter chroma): the hvcC says so, and the picture
# reads back at a photo's quality
for c in 422 444; do
  if heif_enc -p chroma=$c -o "$tmp/c.heic" "$small" >"$tmp/c.log" 2>&1 && has_sei "$tmp/c.heic" &&
     heif-convert "$tmp/c.heic" "$tmp/c.png" >/dev/null 2>&1; then
    want=$([ $c = 444 ] && echo 3 || echo 2)
    line="$("$imgcmp" "$small" "$tmp/c.png" 2>&1)"
    if [ "$(chroma_formats "$tmp/c.heic")" != "$want" ]; then
      fail "heif-enc -p chroma=$c: coded chroma format $(chroma_formats "$tmp/c.heic"), not $want"
    elif at_least "$(rgb_psnr "$line")" "$min_psnr"; then
      note "ok   heif-enc -p chroma=$c: chroma_format_idc $want, $line"
    else
      fail "heif-enc -p chroma=$c: $line (< $min_psnr dB)"
    fi
  else
    fail "heif-enc -p chroma=$c: $(tail -n1 "$tmp/c.log")"
  fi
done
# Lossless: heif-enc -L -p chroma=444 --matrix_coefficients=0 has libheif
# convert RGB to GBR 4:4:4, which the plugin codes exactly.  On the small
# photo the RGB comes back bit for bit; on the 500x500 one (with alpha)
# libheif 1.15's own conversion already changes a few samples (53.01 dB,
# alpha exact): there the plugin's file must decode to exactly the pixels
# of libheif's x265 plugin's lossless file, when that plugin is installed.
lossless_gbr() { heif_enc -L -p chroma=444 --matrix_coefficients=0 -o "$2" "$1" >"$tmp/l.log" 2>&1; }
if lossless_gbr "$small" "$tmp/l.heic" && has_sei "$tmp/l.heic" &&
   heif-convert "$tmp/l.heic" "$tmp/l.png" >/dev/null 2>&1; then
  line="$("$imgcmp" "$small" "$tmp/l.png" 2>&1)"
  case "$line" in
    *"max diff 0.0000"*) note "ok   heif-enc -L -p chroma=444 --matrix_coefficients=0: exact ($line)" ;;
    *) fail "heif-enc -L 4:4:4 GBR: not exact: $line" ;;
  esac
else
  fail "heif-enc -L 4:4:4 GBR: $(tail -n1 "$tmp/l.log")"
fi
b="$inputs/wesaturate_tmshre_alpha_500x500.png"
if ! LIBHEIF_PLUGIN_PATH="$tmp/none" heif-enc -e x265 -L -p chroma=444 --matrix_coefficients=0 \
       -o "$tmp/lx.heic" "$b" >/dev/null 2>&1; then
  note "skip lossless RGBA against libheif's x265 plugin: heif-enc -e x265 is not available"
elif lossless_gbr "$b" "$tmp/l.heic" && has_sei "$tmp/l.heic" &&
     heif-convert "$tmp/l.heic" "$tmp/l.png" >/dev/null 2>&1 &&
     heif-convert "$tmp/lx.heic" "$tmp/lx.png" >/dev/null 2>&1; then
  line="$("$imgcmp" "$tmp/lx.png" "$tmp/l.png" 2>&1)"
  case "$line" in
    *"max diff 0.0000"*) note "ok   heif-enc -L 4:4:4 GBR RGBA: the pixels of x265's lossless file ($("$imgcmp" "$b" "$tmp/l.png" 2>&1) against the PNG, libheif's conversion)" ;;
    *) fail "heif-enc -L 4:4:4 GBR RGBA: differs from x265's lossless file: $line" ;;
  esac
else
  fail "heif-enc -L 4:4:4 GBR RGBA: $(tail -n1 "$tmp/l.log")"
fi
if heif_enc -L -o "$tmp/l.heic" "$small" >"$tmp/l.log" 2>&1 && has_sei "$tmp/l.heic" &&
   grep -aq "lossless=1" "$tmp/l.heic" && ! grep -q "does not support lossless" "$tmp/l.log"; then
  note "ok   heif-enc -L: coded lossless by the plugin (4:2:0, as libheif converts)"
else
  fail "heif-enc -L: $(tail -n1 "$tmp/l.log")"
fi

echo
echo "$failed failed"
[ "$failed" -eq 0 ]
