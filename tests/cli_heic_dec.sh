#!/bin/bash
# heic-dec for a newcomer (issue 18): -o FILE, standard output, messages in
# the user's words, -q.
# SPDX-License-Identifier: BSD-2-Clause
#
#   cli_heic_dec.sh HEIC-ENC HEIC-DEC DATA-DIR [CORPUS-DIR]
#
#  1. -o OUT with one input and OUT naming a file (an image extension in
#     any case, or an existing non-directory) writes that file, the same
#     bytes as the positional form, and creates no directory; -o DIR/, an
#     existing directory, or a directory input stay batches; several inputs
#     with -o x.png are refused (exit 2) leaving nothing; with
#     --skip-existing -o x.png is a one-file batch writing the file x.png.
#  2. '-' (positional or -o -) writes the image to standard output in the
#     format of -f (PNG by default), the same bytes as a file; the success
#     line goes to stderr; a terminal is refused (exit 2, checked on a
#     pseudo-terminal); --all, a batch option or several inputs with '-' are
#     refused; an input that is not HEIF, data past the end, a coded picture
#     that cannot be read leave standard output empty.
#  3. PNG, JPEG, GIF, WebP, TIFF, Y4M and JPEG XL inputs are called what
#     they are ("this is a PNG file, not a HEIF file"); a compact HEIF file
#     ('mini' box, brand mif3, written here) is refused by name; Y4M of an
#     overlay (a corpus file) says to write .png or .jpg, never the
#     library's "ask for RGB output".
#  4. -q N is a JPEG quality, bare -q is --quiet.
# Every refusal: the exit status, the message, and nothing new in the
# working directory (no stray output, no directory, no file named '-').
# The corpus is optional: without it the overlay case is skipped.
set -u
enc=$1 dec=$2 data=$3 corpus=${4:-}
# The work happens in a directory of its own: paths given relative to here
# must survive the cd.
abs() { case $1 in /* | "") echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
enc=$(abs "$enc") dec=$(abs "$dec") data=$(abs "$data") corpus=$(abs "$corpus")
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-cli-dec-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

W=$T/w
mkdir -p "$W/in"
cd "$W" || exit 1
"$enc" --quiet --threads 1 -q 30 "$data/wesaturate_tmshre_alpha_500x500.png" -o "$W/pic.heic" ||
  { echo "cannot make a HEIC with heic-enc"; exit 1; }
cp "$W/pic.heic" "$W/in/pic.heic"

# Every entry of W (names and kinds): what a refusal must leave unchanged.
listing() { (cd "$W" && find . -printf '%p %y\n' | sort); }

# The first bytes of a file, in hex.
magic() { od -An -tx1 -N"${2:-8}" "$1" 2> /dev/null | tr -d ' \n'; }
PNG_MAGIC=89504e470d0a1a0a
JPEG_MAGIC=ffd8ff
Y4M_MAGIC=59555634 # "YUV4"

# refused NAME STATUS PATTERN -- CMD...: the exit status, PATTERN (fixed
# string) in stderr, nothing on stdout, nothing new in W.
refused() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local before after rc
  before=$(listing)
  "$@" > "$T/out" 2> "$T/err"
  rc=$?
  after=$(listing)
  if [ $rc -ne "$want" ]; then
    fail "$name: exit status $rc, expected $want: $(head -c 300 "$T/err")"
  elif ! grep -qF -- "$pattern" "$T/err"; then
    fail "$name: the message does not say '$pattern': $(head -c 300 "$T/err")"
  elif [ -s "$T/out" ]; then
    fail "$name: $(wc -c < "$T/out") bytes on standard output"
  elif [ "$before" != "$after" ]; then
    fail "$name: the directory changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 5)"
  else
    ok "$name: exit $rc: $(head -n1 "$T/err")"
  fi
}

# ==== 1. -o OUT ====
echo "== -o OUT, -o DIR"
"$dec" --quiet pic.heic pos.png || fail "heic-dec pic.heic pos.png failed"
for out in o.png O.PNG o.Png; do
  rm -rf "$out"
  if "$dec" --quiet pic.heic -o "$out" && [ -f "$out" ] && [ "$(magic "$out")" = $PNG_MAGIC ] &&
    cmp -s "$out" pos.png; then
    ok "-o $out: a PNG file, the bytes of the positional form"
  else
    fail "-o $out: not a PNG file like pos.png ($(ls -ld "$out" 2>&1))"
  fi
  rm -rf "$out"
done
for out in o.jpg o.JPEG o.y4m; do
  want=$JPEG_MAGIC n=3
  case $out in *.y4m) want=$Y4M_MAGIC n=4 ;; esac
  if "$dec" --quiet pic.heic --output="$out" && [ -f "$out" ] && [ "$(magic "$out" $n)" = "$want" ]; then
    ok "--output=$out: a file in the format of its extension"
  else
    fail "--output=$out: not a ${out##*.} file ($(ls -ld "$out" 2>&1))"
  fi
  rm -rf "$out"
done
# An existing file without an image extension: the single-file form, with
# -f to give the format (and a usage error without it, as for FILE OUT).
echo old > target
if "$dec" --quiet -f png pic.heic -o target && [ -f target ] && cmp -s target pos.png; then
  ok "-o an existing file (-f png): replaced by the PNG"
else
  fail "-o an existing file: $(ls -ld target)"
fi
refused "-o an existing file without -f" 2 "no file extension to choose the output format" -- \
  "$dec" --quiet pic.heic -o target
rm -f target
# Directories: a trailing '/', an existing directory, a name without an
# image extension, a directory input.
if "$dec" --quiet pic.heic -o dir1/ && [ -f dir1/pic.png ]; then
  ok "-o dir1/: a batch into dir1/"
else
  fail "-o dir1/: no dir1/pic.png"
fi
mkdir shown.png
if "$dec" --quiet pic.heic -o shown.png && [ -f shown.png/pic.png ]; then
  ok "-o shown.png, an existing directory: a batch into it"
else
  fail "-o shown.png (an existing directory): no shown.png/pic.png"
fi
if "$dec" --quiet pic.heic -o dir2 && [ -f dir2/pic.png ]; then
  ok "-o dir2 (no extension): a batch into dir2/"
else
  fail "-o dir2: no dir2/pic.png"
fi
if "$dec" --quiet in -o dir3 && [ -f dir3/pic.png ]; then
  ok "heic-dec DIR -o dir3: a batch"
else
  fail "heic-dec in -o dir3: no dir3/pic.png"
fi
rm -rf dir1 dir2 dir3 shown.png
# Several inputs, or a listing, with -o x.png: a slip, refused.
refused "two inputs -o x.png" 2 "-o names a directory" -- "$dec" --quiet pic.heic in/pic.heic -o x.png
refused "-r DIR -o x.png" 2 "-o names a directory" -- "$dec" --quiet -r in -o x.png
# One input with a batch option: a one-file batch, still writing the file.
if "$dec" --quiet --skip-existing pic.heic -o one.png && [ -f one.png ] && cmp -s one.png pos.png; then
  before=$(stat -c %Y.%i one.png)
  "$dec" --quiet --skip-existing pic.heic -o one.png
  if [ "$(stat -c %Y.%i one.png)" = "$before" ]; then
    ok "--skip-existing -o one.png: the file written, then left alone"
  else
    fail "--skip-existing -o one.png: the second run replaced the output"
  fi
else
  fail "--skip-existing pic.heic -o one.png: $(ls -ld one.png 2>&1)"
fi
rm -f one.png
"$dec" --help > "$T/help"
if grep -q "^-o OUT is the same as OUT when there is one input FILE" "$T/help" &&
  grep -q "'/' or an existing directory always does" "$T/help"; then
  ok "--help states the -o rule"
else
  fail "--help does not state when -o names a file"
fi

# ==== 2. standard output ====
echo "== standard output"
for form in "pic.heic -" "pic.heic -o -" "pic.heic --output=-"; do
  # shellcheck disable=SC2086 # the form is words
  if "$dec" $form > "$T/stdout.png" 2> "$T/err" && cmp -s "$T/stdout.png" pos.png &&
    grep -q -- '-> standard output' "$T/err"; then
    ok "heic-dec $form: the PNG on stdout, the line on stderr"
  else
    fail "heic-dec $form: stdout differs from pos.png or no line on stderr: $(head -c 200 "$T/err")"
  fi
done
# Through a pipe, and in the other formats.
if "$dec" --quiet pic.heic - | cat > "$T/piped.png" && cmp -s "$T/piped.png" pos.png; then
  ok "heic-dec pic.heic - | cat: the same bytes"
else
  fail "heic-dec pic.heic - | cat: differs"
fi
"$dec" --quiet pic.heic o.jpg && "$dec" --quiet -f jpg pic.heic - > "$T/stdout.jpg" &&
  cmp -s "$T/stdout.jpg" o.jpg && ok "-f jpg -: the JPEG o.jpg would hold" ||
  fail "-f jpg pic.heic -: not the JPEG of o.jpg"
"$dec" --quiet -f y4m -o - pic.heic > "$T/stdout.y4m" && [ "$(magic "$T/stdout.y4m" 4)" = $Y4M_MAGIC ] &&
  ok "-f y4m -o -: a Y4M stream" || fail "-f y4m -o - pic.heic: not Y4M"
rm -f o.jpg
# A terminal: refused before any work.  script(1) (util-linux) gives the
# command a pseudo-terminal; -e passes its exit status on.
if command -v script > /dev/null && script -qec true /dev/null > /dev/null 2>&1; then
  before=$(listing)
  script -qec "'$dec' pic.heic -" /dev/null > "$T/tty" 2>&1
  rc=$?
  if [ $rc -eq 2 ] && grep -q "refusing to write binary image data to a terminal" "$T/tty" &&
    grep -q "Try 'heic-dec --help'" "$T/tty" && [ "$(listing)" = "$before" ] &&
    ! grep -q PNG "$T/tty"; then
    ok "heic-dec pic.heic - on a terminal: exit 2, refused"
  else
    fail "heic-dec pic.heic - on a terminal: exit $rc: $(head -c 300 "$T/tty")"
  fi
else
  echo "skip the terminal refusal: no script(1)"
fi
refused "--all to -" 2 "--all writes several images: not to standard output" -- "$dec" --all pic.heic -
refused "-o - with --skip-existing" 2 "standard output is not for a batch" -- \
  "$dec" --skip-existing pic.heic -o -
refused "two inputs -o -" 2 "standard output takes the image of one input file" -- \
  "$dec" pic.heic in/pic.heic -o -
refused "DIR -o -" 2 "standard output takes the image of one input file" -- "$dec" in -o -
# Failures leave standard output empty (the encoded image is held until
# complete; a failure after bands were written: tests/dec_stream.sh).
cp "$data/wesaturate_tmshre_alpha_500x500.png" photo.png
refused "a PNG to -" 1 "this is a PNG file, not a HEIF file" -- "$dec" photo.png -
refused "data past the end, to -" 1 "past the end" -- "$dec" --item 2 "$data/truncated.heic" -
refused "a coded picture that cannot be read, to -" 1 "NAL unit 0 is empty" -- \
  "$dec" "$data/hvcc_nal_zero_length.heic" -

# ==== 3. messages in the user's words ====
echo "== other formats, compact files, overlays to Y4M"
"$dec" --quiet pic.heic photo.jpg
"$dec" --quiet pic.heic photo.y4m
printf 'GIF89a\001\000\001\000\200\000\000' > photo.gif
printf 'RIFF\044\000\000\000WEBPVP8 \030\000\000\000' > photo.webp
printf 'II*\000\010\000\000\000\000\000' > photo.tif
printf 'MM\000*\000\000\000\010\000\000' > photo-be.tiff
printf '\377\012\372\037\000\000\000\000' > photo.jxl
printf '\000\000\000\014JXL \015\012\207\012\000\000\000\024ftypjxl \000\000\000\000jxl ' > photo-box.jxl
for f in photo.png:PNG photo.jpg:JPEG photo.gif:GIF photo.webp:WebP photo.tif:TIFF photo-be.tiff:TIFF \
  "photo.y4m:Y4M (YUV4MPEG2)" photo.jxl:"JPEG XL" photo-box.jxl:"JPEG XL"; do
  refused "heic-dec ${f%%:*}" 1 "${f%%:*}: invalid input: this is a ${f#*:} file, not a HEIF file" -- \
    "$dec" "${f%%:*}" out.png
done
# Compact HEIF: ftyp mif3 (compatible mif3, heic), then a 'mini' box.
if command -v python3 > /dev/null; then
  python3 - mini.heic << 'PY'
import struct, sys
def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload
data = box(b"ftyp", b"mif3" + struct.pack(">I", 0) + b"mif3" + b"heic")
data += box(b"mini", bytes(range(32)))
open(sys.argv[1], "wb").write(data)
PY
  refused "heic-dec a compact file" 1 "compact ('mini' box, brand mif3) HEIF files are not supported" -- \
    "$dec" mini.heic out.png
else
  echo "skip the compact file: no python3"
fi
overlay=""
[ -n "$corpus" ] && overlay=$(find "$corpus/heif" -name 'overlay_1000x680.heic' 2> /dev/null | head -n1)
if [ -n "$overlay" ]; then
  refused "an overlay to Y4M" 1 "composed in RGB, and Y4M holds YCbCr samples: write .png or .jpg instead" -- \
    "$dec" "$overlay" overlay.y4m
  grep -q "ask for RGB" "$T/err" && fail "an overlay to Y4M: the library's words reach the user: $(cat "$T/err")"
  refused "an overlay to Y4M on standard output" 1 "write .png or .jpg" -- "$dec" -f y4m "$overlay" -
else
  echo "skip an overlay to Y4M: no overlay_1000x680.heic under ${corpus:-(no corpus)}/heif"
fi

# ==== 4. -q ====
echo "== -q"
rm -f q.png q.jpg q90.jpg
"$dec" -q pic.heic q.png > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] && [ "$(magic q.png)" = $PNG_MAGIC ]; then
  ok "-q alone is --quiet: q.png written, nothing printed"
else
  fail "heic-dec -q pic.heic q.png: exit $rc, $(wc -c < "$T/out") bytes printed"
fi
"$dec" -q 20 pic.heic q.jpg > "$T/out" 2> "$T/err" && "$dec" -q90 pic.heic q90.jpg > /dev/null 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'q.jpg' "$T/out" && [ "$(magic q.jpg 3)" = $JPEG_MAGIC ] &&
  [ "$(wc -c < q.jpg)" -lt "$(wc -c < q90.jpg)" ]; then
  ok "-q 20 and -q90 are qualities: $(wc -c < q.jpg) < $(wc -c < q90.jpg) bytes, the line printed"
else
  fail "-q 20 / -q90: exit $rc, $(ls -l q.jpg q90.jpg 2>&1 | tr '\n' ' ')"
fi
refused "-q 50 with PNG output" 2 "-q N is a JPEG quality" -- "$dec" -q 50 pic.heic q2.png
rm -f q.png q.jpg q90.jpg

# Metadata (issue 16): the image's Exif, XMP and ICC profile go into the
# PNG (eXIf, iTXt XML:com.adobe.xmp, iCCP) and the JPEG (APP1 Exif right
# after SOI, APP1 XMP, APP2 ICC), the Exif orientation set to 1 when the
# rotation is applied and kept with --no-transform; --no-metadata leaves
# all of it out.  A JPEG with Exif and XMP through heic-enc: the PNG's
# Exif is the JPEG's TIFF stream byte for byte.
meta_check() { # FILE: prints "exif=N/o=O xmp=N icc=0|1" (O: the Exif orientation)
  python3 - "$1" <<'EOF2'
import struct, sys
p = sys.argv[1]
d = open(p, 'rb').read()
exif = xmp = None
icc = 0
def orientation(t):
    if t is None or len(t) < 8: return '-'
    e = '<' if t[:2] == b'II' else '>'
    off = struct.unpack(e + 'I', t[4:8])[0]
    n = struct.unpack(e + 'H', t[off:off + 2])[0]
    for i in range(n):
        tag, typ, cnt, val = struct.unpack(e + 'HHI4s', t[off + 2 + 12 * i:off + 14 + 12 * i])
        if tag == 0x112: return str(struct.unpack(e + 'H', val[:2])[0])
    return 'none'
if d[:8] == b'\x89PNG\r\n\x1a\n':
    pos = 8
    while pos < len(d):
        n, k = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if k == b'eXIf': exif = body
        if k == b'iTXt' and body.startswith(b'XML:com.adobe.xmp\0'): xmp = body
        if k == b'iCCP': icc = 1
        pos += 12 + n
else:
    pos, first = 2, None
    while pos + 4 <= len(d) and d[pos] == 0xFF and d[pos + 1] != 0xDA:
        m, n = d[pos + 1], struct.unpack('>H', d[pos + 2:pos + 4])[0]
        body = d[pos + 4:pos + 2 + n]
        if first is None: first = m
        if m == 0xE1 and body.startswith(b'Exif\0\0'): exif = body[6:]
        if m == 0xE1 and body.startswith(b'http://ns.adobe.com/xap/1.0/\0'): xmp = body
        if m == 0xE2 and body.startswith(b'ICC_PROFILE\0'): icc = 1
        pos += 2 + n
    if exif is not None and first != 0xE1: exif = b''  # not right after SOI
open(p + '.exif', 'wb').write(exif or b'')
print('exif=%d/o=%s xmp=%d icc=%d' % (len(exif or b''), orientation(exif), len(xmp or b''), icc))
EOF2
}
kite=${corpus:+$corpus/inputs/jpeg/kite_2560x1600_olympus.jpg}
arrow=${corpus:+$corpus/heif/iphone/iphone8plus_arrow_3024x4032.heic}
if [ -n "$kite" ] && [ -f "$kite" ] && [ -f "$arrow" ]; then
  "$enc" --quiet -q 30 "$kite" -o kite.heic || fail "heic-enc kite: status $?"
  "$dec" --quiet kite.heic -o kite.png && "$dec" --quiet kite.heic -o kite.jpg &&
    "$dec" --quiet --no-metadata kite.heic -o kite_nm.png || fail "heic-dec kite: status $?"
  m=$(meta_check kite.png)
  case "$m" in exif=[1-9]*xmp=[1-9]*) ok "PNG: Exif and XMP copied ($m)" ;; *) fail "PNG metadata: $m" ;; esac
  # The JPEG's own Exif TIFF stream (after "Exif\0\0" in its first APP1).
  python3 - "$kite" kite.tiff <<'EOF2'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = 2
while d[pos] == 0xFF and d[pos + 1] != 0xDA:
    n = struct.unpack('>H', d[pos + 2:pos + 4])[0]
    if d[pos + 1] == 0xE1 and d[pos + 4:pos + 10] == b'Exif\0\0':
        open(sys.argv[2], 'wb').write(d[pos + 10:pos + 2 + n])
        break
    pos += 2 + n
EOF2
  cmp -s kite.png.exif kite.tiff && ok "PNG: the Exif is the JPEG's, byte for byte" ||
    fail "PNG: the Exif differs from the JPEG's ($(stat -c %s kite.png.exif) vs $(stat -c %s kite.tiff) bytes)"
  m=$(meta_check kite.jpg)
  case "$m" in exif=[1-9]*xmp=[1-9]*) ok "JPEG: APP1 Exif after SOI and APP1 XMP ($m)" ;; *) fail "JPEG metadata: $m" ;; esac
  cmp -s kite.jpg.exif kite.tiff && ok "JPEG: the Exif is the original's" || fail "JPEG: the Exif differs"
  m=$(meta_check kite_nm.png)
  [ "$m" = "exif=0/o=- xmp=0 icc=0" ] && ok "--no-metadata: none copied" || fail "--no-metadata: $m"
  "$dec" --quiet "$arrow" -o arrow.png && "$dec" --quiet --no-transform "$arrow" -o arrow_nt.png ||
    fail "heic-dec iPhone 8 Plus: status $?"
  m=$(meta_check arrow.png)
  case "$m" in *"/o=1 "*icc=1) ok "rotated iPhone photo: Exif orientation 1 once turned, ICC copied ($m)" ;;
    *) fail "rotated iPhone photo: $m" ;; esac
  m=$(meta_check arrow_nt.png)
  case "$m" in *"/o=6 "*) ok "--no-transform: the camera's orientation 6 kept ($m)" ;;
    *) fail "--no-transform: $m" ;; esac
  if command -v heif-enc > /dev/null && command -v heif-convert > /dev/null; then
    # The PNG round trip keeps the metadata through libheif too: heif-enc
    # reads the eXIf heic-dec wrote.
    heif-enc -q 30 kite.png -o kite2.heic > /dev/null 2>&1 && heif-info kite2.heic > lh.txt 2>&1 &&
      grep -q "Exif: " lh.txt && ok "heif-enc takes heic-dec's PNG Exif" ||
      fail "heif-enc / heif-info on heic-dec's PNG: $(grep -i -A2 metadata lh.txt | tr '\n' ' ')"
  fi
  rm -f kite.* kite_nm.* arrow.* arrow_nt.* kite2.heic lh.txt
fi

# Nothing stray: no file named '-', no output where none was asked for.
stray=$(cd "$W" && find . -mindepth 1 -maxdepth 1 ! -name pic.heic ! -name in ! -name pos.png \
  ! -name 'photo*' ! -name mini.heic | sort | tr '\n' ' ')
[ -z "$stray" ] && ok "nothing stray in the working directory" || fail "left behind: $stray"

echo "cli_heic_dec.sh: $fails failure(s)"
[ $fails -eq 0 ]
