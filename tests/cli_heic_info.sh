#!/bin/bash
# heic-info for a newcomer (issue 18): a short summary by default, the
# displayed size, --verbose for the box-level view, files that are not HEIF
# called what they are, and the sizes libheif's heif-info gives.
# SPDX-License-Identifier: BSD-2-Clause
#
#   cli_heic_info.sh HEIC-ENC HEIC-INFO HEIC-DEC DATA-DIR [CORPUS-DIR]
#
#  1. The summary of a generated photo (alpha, a thumbnail, Exif-less): one
#     paragraph, its displayed size, alpha, thumbnail size, colour, in a
#     few lines; --verbose and -v give the box-level view with every kind
#     of line it always had (brands, items, properties, references,
#     top-level images, the default decode).
#  2. The displayed size (clean aperture, rotation) comes first, the coded
#     size after it, in the summary and in --verbose's image line, and is
#     the size heic-dec writes: a cropped sample, and from the corpus a
#     rotated iPhone photo (its thumbnail decoded), a rotated identity
#     image, a cropped one and a cropped 451x461 image.  A 12 MP iPhone
#     photo's summary is short (its --verbose is hundreds of lines).
#  3. PNG, JPEG, GIF, WebP, TIFF, Y4M and JPEG XL files: exit 1, "this is a
#     PNG file, not a HEIF file", nothing on stdout; a compact HEIF file
#     ('mini' box, brand mif3) refused by name; an AVIF file described
#     (exit 0) with its AV1 image not decodable.
#  4. Every .heic/.heif/.hif of the corpus (but malformed/ and fuzz/) that
#     libheif's heif-info reads: each image both list has the same size in
#     both (heif-info 1.15 prints the size after transformations, checked
#     on the rotated iPhone photo), and both agree on the primary when
#     heif-info names one.  A per-file timeout; files heif-info cannot read
#     are skipped.
#  5. Usage errors: exit 2 with "Try 'heic-info --help'".
# Without the corpus, parts 2 (corpus files) and 4 are skipped; without
# heif-info, part 4.
set -u
enc=$1 info=$2 dec=$3 data=$4 corpus=${5:-}
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-cli-info-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
# A corpus file by name, "" when absent.
corpus_file() { [ -n "$corpus" ] && find "$corpus/heif" -name "$1" 2> /dev/null | head -n1; }

"$enc" --quiet --threads 1 -q 30 --thumb 64 "$data/wesaturate_tmshre_alpha_500x500.png" -o "$T/pic.heic" ||
  { echo "cannot make a HEIC with heic-enc"; exit 1; }

# ==== 1. the summary and --verbose ====
echo "== summary and --verbose"
"$info" "$T/pic.heic" > "$T/sum" 2> "$T/err"
rc=$?
lines=$(wc -l < "$T/sum")
missing=""
for re in "^file: $T/pic.heic\$" '^brand: heic' '^image [0-9]+ \(primary\): 500x500$' '^  coding: HEVC, 8-bit 4:2:0$' \
  '^  alpha: item [0-9]+' '^  transformations: none$' '^  thumbnails: 64x64$' '^  metadata: ' '^  colour: '; do
  grep -qE -- "$re" "$T/sum" || missing="$missing '$re'"
done
if [ $rc -ne 0 ] || [ -s "$T/err" ] || [ -n "$missing" ] || [ "$lines" -gt 15 ]; then
  fail "summary of pic.heic: exit $rc, $lines lines, missing:$missing; $(head -c 400 "$T/sum")"
else
  ok "summary of pic.heic: $lines lines: $(grep '^image' "$T/sum")"
fi
grep -q 'cannot be decoded' "$T/sum" && fail "summary of pic.heic: says it cannot be decoded"
"$info" --verbose "$T/pic.heic" > "$T/verbose" 2> "$T/err"
rc=$?
missing=""
for re in '^major brand: heic$' '^minor version: ' '^compatible brands: ' '^primary item: [0-9]+$' '^items: [0-9]+$' \
  '^  item [0-9]+: hvc1, primary, 500x500, 8-bit 4:2:0, [0-9]+ bytes of data$' '^    properties:$' \
  '^      ispe 500x500' '^      hvcC ' '^    references:' '^      thmb -> ' '^      auxl -> ' '^    thumbnail of item' \
  '^    auxiliary image of item' '^top-level images: 1$' '^  image [0-9]+ \(primary\): 500x500$' \
  '^    thumbnail: item [0-9]+, 64x64, [0-9]+ bytes$' '^    alpha: item [0-9]+, premultiplied: no$' '^    depth: none$' \
  '^    metadata: none$' '^    colour: ' '^default decode: item [0-9]+$'; do
  grep -qE -- "$re" "$T/verbose" || missing="$missing '$re'"
done
if [ $rc -ne 0 ] || [ -n "$missing" ]; then
  fail "--verbose of pic.heic: exit $rc, missing:$missing"
else
  ok "--verbose of pic.heic: $(wc -l < "$T/verbose") lines, every kind of line"
fi
"$info" -v "$T/pic.heic" | cmp -s - "$T/verbose" && ok "-v is --verbose" || fail "-v differs from --verbose"
# A picture without ICC: heic-enc leaves the default colour to the coded
# stream's VUI, and the summary reads it from there.
python3 - "$T/noicc.png" << 'EOF' || fail "cannot write a PNG"
import struct, sys, zlib
w, h = 64, 48
raw = b''.join(b'\0' + bytes((x * 4 + y) % 256 for x in range(w * 3)) for y in range(h))
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
                              chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
EOF
"$enc" --quiet --threads 1 -q 30 "$T/noicc.png" -o "$T/vui.heic" || fail "cannot make a HEIC without ICC"
"$enc" --quiet --threads 1 -q 30 --nclx always "$T/noicc.png" -o "$T/box.heic" || fail "cannot make a HEIC with a colr box"
if "$info" "$T/vui.heic" | grep -qE '^  colour: primaries [0-9]+ .*, (full|limited) range \(in the coded stream\)$' &&
   "$info" "$T/box.heic" | grep -qE '^  colour: nclx primaries [0-9]+ .*range$'; then
  ok "colour from the colr box, or from the coded stream without one"
else
  fail "colour: $("$info" "$T/vui.heic" | grep colour) / $("$info" "$T/box.heic" | grep colour)"
fi
rm -f "$T/noicc.png" "$T/vui.heic" "$T/box.heic"
"$info" --help > "$T/help"
grep -qE '^  -v, --verbose  ' "$T/help" && ok "--help lists -v, --verbose" || fail "--help does not list -v, --verbose"

# ==== 2. the displayed size, as heic-dec writes it ====
echo "== displayed size"
# png_size FILE: "WxH" of a PNG (its IHDR).
png_size() {
  od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }'
}
# shown FILE SHOWN CODED [HEIC-DEC-OPTIONS]: the summary's primary image
# line (and --verbose's) says SHOWN, then "(coded CODED)" when CODED is not
# "-"; heic-dec writes a PNG of SHOWN (of the thumbnail with --thumb, whose
# displayed size the summary's thumbnails line gives).
shown() {
  local f=$1 want=$2 coded=$3
  shift 3
  local line="$want" name
  name=$(basename "$f")
  [ "$coded" = - ] || line="$want (coded $coded)"
  "$info" "$f" > "$T/sum" 2> "$T/err"
  "$info" --verbose "$f" > "$T/verbose" 2>> "$T/err"
  rm -f "$T/shown.png"
  "$dec" --quiet "$@" "$f" "$T/shown.png" 2>> "$T/err"
  local got
  got=$(png_size "$T/shown.png" 2> /dev/null)
  if [ $# -gt 0 ]; then
    # --thumb: the first thumbnail of the primary image
    if ! grep -qE "^  thumbnails: $want( |,|\$)" "$T/sum"; then
      fail "$name: the summary's thumbnails line does not start with $want: $(grep thumbnails "$T/sum")"
    elif [ "$got" != "$want" ]; then
      fail "$name $*: heic-dec wrote $got, the summary says $want"
    else
      ok "$name: thumbnail $want, as heic-dec $* writes it"
    fi
    return
  fi
  local re
  re=$(printf '%s' "$line" | sed 's/[()]/\\&/g')
  if ! grep -qE "^image [0-9]+ \(primary\): $re\$" "$T/sum"; then
    fail "$name: the summary does not say '$line': $(grep '^image' "$T/sum" | head -n 2)"
  elif ! grep -qE "^  image [0-9]+ \(primary\): $re\$" "$T/verbose"; then
    fail "$name --verbose: the image line does not say '$line': $(grep '^  image' "$T/verbose" | head -n 2)"
  elif [ "$got" != "$want" ]; then
    fail "$name: heic-dec wrote $got, heic-info says $want: $(head -c 300 "$T/err")"
  else
    ok "$name: $line, as heic-dec writes it"
  fi
}
shown "$data/L_8__29x100.heif" 29x100 64x100
shown "$T/pic.heic" 500x500 -
f=$(corpus_file iphone8plus_arrow_3024x4032.heic)
if [ -n "$f" ]; then
  # The primary image itself is 12 MP: its line is checked without decoding.
  "$info" "$f" > "$T/sum"
  if grep -qx 'image 49 (primary): 3024x4032 (coded 4032x3024)' "$T/sum" &&
    grep -qx '  transformations: rotation 270 degrees anticlockwise' "$T/sum"; then
    ok "iphone8plus_arrow_3024x4032.heic: 3024x4032 (coded 4032x3024), rotated 270 degrees"
  else
    fail "iphone8plus_arrow_3024x4032.heic: $(grep -E '^image|transformations' "$T/sum")"
  fi
  shown "$f" 240x320 - --thumb
else
  echo "skip the rotated iPhone photo: no iphone8plus_arrow_3024x4032.heic under ${corpus:-(no corpus)}/heif"
fi
for spec in C008.heic:720x1280:1280x720 C013.heic:300x300:1280x720 rainbow-451x461.heic:451x461:452x462; do
  IFS=: read -r name want coded <<< "$spec"
  f=$(corpus_file "$name")
  if [ -n "$f" ]; then shown "$f" "$want" "$coded"; else echo "skip $name: not in the corpus"; fi
done
f=$(corpus_file iphone13promax_4032x3024.heic)
if [ -n "$f" ]; then
  s=$("$info" "$f" | wc -l) v=$("$info" --verbose "$f" | wc -l)
  if [ "$s" -le 15 ] && [ "$v" -gt 200 ]; then
    ok "iphone13promax_4032x3024.heic: $s lines of summary, $v with --verbose"
  else
    fail "iphone13promax_4032x3024.heic: $s lines of summary, $v with --verbose"
  fi
fi

# ==== 3. files that are not HEIF, compact files, AVIF ====
echo "== other formats"
cp "$data/wesaturate_tmshre_alpha_500x500.png" "$T/photo.png"
"$dec" --quiet "$T/pic.heic" "$T/photo.jpg" 2> /dev/null
"$dec" --quiet "$T/pic.heic" "$T/photo.y4m"
printf 'GIF87a\001\000\001\000\200\000\000' > "$T/photo.gif"
printf 'RIFF\044\000\000\000WEBPVP8L\030\000\000\000' > "$T/photo.webp"
printf 'MM\000*\000\000\000\010\000\000' > "$T/photo.tiff"
printf '\377\012\372\037\000\000\000\000' > "$T/photo.jxl"
# refused FILE STATUS PATTERN: heic-info's exit status, PATTERN in stderr
# (fixed string), nothing on stdout.
refused() {
  "$info" "$1" > "$T/out" 2> "$T/err"
  local rc=$?
  if [ $rc -ne "$2" ] || ! grep -qF -- "$3" "$T/err" || [ -s "$T/out" ]; then
    fail "heic-info $(basename "$1"): exit $rc, expected $2 with '$3' and nothing on stdout: $(head -c 300 "$T/err")"
  else
    ok "heic-info $(basename "$1"): exit $rc: $(head -n1 "$T/err")"
  fi
}
for f in photo.png:PNG photo.jpg:JPEG photo.gif:GIF photo.webp:WebP photo.tiff:TIFF \
  "photo.y4m:Y4M (YUV4MPEG2)" photo.jxl:"JPEG XL"; do
  refused "$T/${f%%:*}" 1 "${f%%:*}: invalid input: this is a ${f#*:} file, not a HEIF file"
done
if command -v python3 > /dev/null; then
  python3 - "$T/mini.heif" << 'PY'
import struct, sys
def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload
data = box(b"ftyp", b"mif3" + struct.pack(">I", 0) + b"mif3" + b"heic")
data += box(b"mini", bytes(range(24)))
open(sys.argv[1], "wb").write(data)
PY
  refused "$T/mini.heif" 1 "unsupported feature: compact ('mini' box, brand mif3) HEIF files are not supported"
else
  echo "skip the compact file: no python3"
fi
"$info" "$data/paris_icc_exif_xmp.avif" > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^brand: avif' "$T/out" && grep -q '^  coding: AV1' "$T/out" &&
  grep -q '^  cannot be decoded: AV1-coded images (AVIF) are not supported yet' "$T/out"; then
  ok "heic-info paris_icc_exif_xmp.avif: described, its AV1 image not decodable"
else
  fail "heic-info paris_icc_exif_xmp.avif: exit $rc: $(head -c 400 "$T/out") $(head -c 200 "$T/err")"
fi

# ==== 4. the sizes libheif's heif-info gives ====
echo "== heif-info's sizes"
if [ -z "$corpus" ] || [ ! -d "$corpus/heif" ]; then
  echo "skip: no corpus"
elif ! command -v heif-info > /dev/null; then
  echo "skip: no heif-info (libheif-examples)"
else
  # heif-info 1.15 prints the size after the transformations: "image:
  # 3024x4032 (id=49), primary" for the iPhone photo held sideways.
  f=$(corpus_file iphone8plus_arrow_3024x4032.heic)
  if [ -n "$f" ] && ! timeout 20 heif-info "$f" 2> /dev/null | grep -q '^image: 3024x4032 (id=49), primary'; then
    fail "heif-info does not give the rotated iPhone photo as 3024x4032: the comparison would mean nothing"
  fi
  compared=0 skipped=0 images=0
  while IFS= read -r -d '' f; do
    rel=${f#"$corpus"/heif/}
    if ! timeout 20 heif-info "$f" > "$T/theirs" 2> /dev/null; then
      skipped=$((skipped + 1))
      continue
    fi
    timeout 20 "$info" "$f" > "$T/ours" 2> /dev/null
    # "ID WxH" and "ID primary" lines from each
    sed -n 's/^image: \([0-9]*x[0-9]*\) (id=\([0-9]*\)).*/\2 \1/p' "$T/theirs" | sort > "$T/theirs.sizes"
    sed -n 's/^image \([0-9]*\)[^:]*: \([0-9]*x[0-9]*\).*/\1 \2/p' "$T/ours" | sort > "$T/ours.sizes"
    tp=$(sed -n 's/^image: .* (id=\([0-9]*\)), primary.*/\1/p' "$T/theirs")
    op=$(sed -n 's/^image \([0-9]*\) (primary):.*/\1/p' "$T/ours")
    both=$(join "$T/theirs.sizes" "$T/ours.sizes")
    differ=$(printf '%s\n' "$both" | awk 'NF == 3 && $2 != $3')
    # (heif-info marks no primary for some files whose pitm it reads,
    # C005.heic: then only the sizes are compared)
    if [ -z "$both" ] || [ -z "$op" ] || { [ -n "$tp" ] && [ "$tp" != "$op" ]; }; then
      fail "$rel: heif-info's primary image is ${tp:-none}, heic-info's ${op:-none}; common images: ${both:-none}"
    elif [ -n "$differ" ]; then
      fail "$rel: sizes differ (id heif-info heic-info): $differ"
    else
      compared=$((compared + 1))
      images=$((images + $(printf '%s\n' "$both" | wc -l)))
    fi
  done < <(find "$corpus/heif" \( -path "$corpus/heif/malformed" -o -path "$corpus/heif/fuzz" \) -prune -o \
    -type f \( -iname '*.heic' -o -iname '*.heif' -o -iname '*.hif' \) -print0 | sort -z)
  if [ $compared -eq 0 ]; then
    fail "no corpus file compared with heif-info"
  else
    ok "$compared corpus files ($images images) have the sizes heif-info gives; $skipped heif-info cannot read"
  fi
fi

# ==== 5. usage errors ====
echo "== usage"
for args in "--frobnicate $T/pic.heic" "" "--timeout"; do
  # shellcheck disable=SC2086 # the arguments are words
  "$info" $args > "$T/out" 2> "$T/err"
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q "^Try 'heic-info --help'.\$" "$T/err" || [ -s "$T/out" ]; then
    fail "heic-info $args: exit $rc, expected 2 with a hint: $(head -c 200 "$T/err")"
  else
    ok "heic-info ${args:-(nothing)}: exit 2: $(head -n1 "$T/err")"
  fi
done

echo "cli_heic_info.sh: $fails failure(s)"
[ $fails -eq 0 ]
