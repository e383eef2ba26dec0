#!/bin/bash
# heic-enc's first hour (issue 18): what a newcomer runs into, each checked
# for its exit status, its message and that a refused or failed run leaves
# nothing behind.
# SPDX-License-Identifier: BSD-2-Clause
#
#   cli_heic_enc.sh HEIC-ENC HEIC-DEC HEIC-INFO DATA-DIR IMGCMP [CORPUS-DIR]
#
#  1. -o with another format's extension (out.jpg, OUT.PNG, out.avif) is a
#     usage error before any work; .heic/.heif/.hif in any case, names
#     without an extension, /dev/null and batch -o DIR still work.
#  2. One setting given two ways with different values (-q and -p quality,
#     -L and -p lossless, --chroma and -p chroma, ...) is a usage error
#     naming both; the same value twice is accepted.
#  3. JPEG extended XMP is reported as left out, and the kept XMP no longer
#     claims it (xmpNote:HasExtendedXMP removed, as attribute or element).
#  4. A truncated JPEG or PNG, or a corrupt JPEG scan, is an error (exit 1,
#     "truncated" / "corrupt data") unless --allow-truncated; stray bytes
#     before a marker are only a warning, and the corpus JPEGs still encode.
#  5. A failed run or a usage error creates no -o directory (single file
#     and batch); a successful one does.
#  6. -o naming the input says so, whatever its extension.
#  7. -t is --thumb, -P lists the parameters with their ranges; the
#     thumbnail of a photo with an EXIF orientation is turned as the photo
#     (heic-info, heic-dec --thumb, heif-info).
#  8. No colr nclx box when it would only say the default (the HEVC VUI
#     states the colour): every reader decodes the same RGB with and
#     without it, and vips (when installed) prints no warning.
#  9. --primaries, --transfer, --matrix (H.273 names or numbers), --range,
#     --clli, --mdcv and --bit-depth: a 12-bit PQ BT.2020 HEIC from a 16-bit
#     PNG whose nclx box and VUI agree, read by heic-info and heif-info,
#     decoded alike by heic-dec and heif-convert; a 10-bit HLG one from the
#     same samples likewise (heif-info sees its nclx box); bad values
#     refused.
# Python 3 writes the test images (no PIL needed).
set -u
enc=$1 dec=$2 info=$3 data=$4 imgcmp=$5 corpus=${6:-}
skip=77
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to write the test images"; exit $skip; }
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-cli-enc-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

W=$T/w
mkdir "$W"
# ---- test images ----
python3 - "$W" << 'EOF' || { echo "cannot write the test images"; exit 1; }
import struct, sys, zlib
w_dir = sys.argv[1]
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
def png(path, w, h, extra=b''):
    rows = b''.join(b'\0' + bytes(v for x in range(w) for v in ((x * 7 + y * 3) & 255, (x * 2 + 40) & 255,
                                                                 (y * 5 + 90) & 255)) for y in range(h))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + extra +
                chunk(b'IDAT', zlib.compress(rows, 1)) + chunk(b'IEND', b''))
png(w_dir + '/g.png', 64, 48)
png(w_dir + '/big.png', 300, 200)
# XMP in iTXt claiming an extension that a PNG cannot have
xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
       b' xmpNote:HasExtendedXMP="0123456789ABCDEF0123456789ABCDEF" dc:format="KeepThisPNG"/>'
       b'</rdf:RDF></x:xmpmeta>')
png(w_dir + '/xmp.png', 64, 48, chunk(b'iTXt', b'XML:com.adobe.xmp\0\0\0\0\0' + xmp))
EOF

"$enc" --quiet "$W/g.png" -o "$T/g.heic" || { echo "cannot encode the test PNG"; exit 1; }
"$dec" "$T/g.heic" "$W/j.jpg" > /dev/null 2>&1 || { echo "cannot make the test JPEG"; exit 1; }
cp "$data/wesaturate_tmshre_alpha_500x500.png" "$W/icc.png"

# Every entry below T (but its scratch files) with size and inode.
listing() { (cd "$T" && find . -path ./out.txt -prune -o -path ./err.txt -prune -o -printf '%p %s %i\n' | sort); }

# run_in_w STATUS NAME PATTERN... -- CMD...: runs CMD in W; the exit status
# must be STATUS, stderr must hold every PATTERN, and for a failure (not 0)
# nothing below T may have changed.
expect() {
  local want=$1 name=$2
  shift 2
  local patterns=()
  while [ "$1" != "--" ]; do
    patterns+=("$1")
    shift
  done
  shift
  local before after rc p good=1
  before=$(listing)
  (cd "$W" && "$@") > "$T/out.txt" 2> "$T/err.txt"
  rc=$?
  after=$(listing)
  if [ "$rc" -ne "$want" ]; then
    fail "$name: exit status $rc, expected $want: $(head -c 400 "$T/err.txt")"
    good=0
  fi
  for p in "${patterns[@]}"; do
    grep -qF -- "$p" "$T/err.txt" || { fail "$name: stderr lacks '$p': $(head -c 400 "$T/err.txt")"; good=0; }
  done
  if [ "$want" -eq 2 ] && ! grep -qF "Try 'heic-enc --help'." "$T/err.txt"; then
    fail "$name: a usage error without \"Try 'heic-enc --help'.\""
    good=0
  fi
  if [ "$want" -ne 0 ] && [ "$before" != "$after" ]; then
    fail "$name: a failed run changed the files:
$(diff <(echo "$before") <(echo "$after"))"
    good=0
  fi
  [ $good -eq 1 ] && ok "$name: $(grep -v '^Try' "$T/err.txt" | head -n1)"
}

E=("$enc" --quiet --threads 1 -p preset=ultrafast)

# ---- 1. output names ----
for name in out.jpg OUT.JPG out.jpeg out.png x.Png out.y4m; do
  expect 2 "-o $name" "$name: heic-enc writes HEIF/HEIC (.heic, .heif, .hif)" "use heic-dec" -- \
    "${E[@]}" g.png -o "$name"
done
for name in out.avif out.webp out.tif sub/OUT.TIFF; do
  expect 2 "-o $name" "$name: heic-enc writes HEIF/HEIC (.heic, .heif, .hif), not" -- "${E[@]}" g.png -o "$name"
done
expect 2 "-o a.heic -o b.png (one -o per input)" "b.png: heic-enc writes HEIF/HEIC" -- \
  "${E[@]}" g.png j.jpg -o a.heic -o b.png
expect 2 "--skip-existing -o out.jpg (a one-file batch)" "out.jpg: heic-enc writes HEIF/HEIC" -- \
  "${E[@]}" --skip-existing g.png -o out.jpg
for name in out.heic OUT.HEIC out.heif x.HiF noextension out.tmp -; do
  expect 0 "-o $name" -- "${E[@]}" g.png -o "$name"
  [ -s "$W/$name" ] || fail "-o $name: no output"
  rm -f "$W/$name"
done
expect 0 "-o /dev/null" -- "${E[@]}" g.png -o /dev/null
expect 0 "batch -o DIR named like an image (d.png/)" -- "${E[@]}" g.png big.png -o d.png/
[ -s "$W/d.png/g.heic" ] && [ -s "$W/d.png/big.heic" ] || fail "batch -o d.png/: outputs missing"
rm -rf "$W/d.png"

# ---- 2. one setting two ways ----
expect 2 "-q 30 -p quality=80" "-q 30" "-p quality=80" -- "${E[@]}" -q 30 -p quality=80 g.png -o q.heic
expect 2 "-p quality=80 -q 30 (either order)" "-q 30" "-p quality=80" -- "${E[@]}" -p quality=80 -q 30 g.png -o q.heic
expect 2 "-p quality=10 -p quality=20" "-p quality=10" "-p quality=20" -- "${E[@]}" -p quality=10 -p quality=20 g.png -o q.heic
expect 2 "-q 40 -p qp=20" "-p qp=20" "-q 40" -- "${E[@]}" -q 40 -p qp=20 g.png -o q.heic
expect 2 "-L -q 50" "-L (--lossless)" "-q 50" -- "${E[@]}" -L -q 50 g.png -o q.heic
expect 2 "-L -p lossless=0" "-L (--lossless)" "-p lossless=0" -- "${E[@]}" -L -p lossless=0 g.png -o q.heic
expect 2 "-L --chroma 420" "-L (--lossless)" "--chroma 420" -- "${E[@]}" -L --chroma 420 g.png -o q.heic
expect 2 "--chroma 444 -p chroma=420" "--chroma 444" "-p chroma=420" -- "${E[@]}" --chroma 444 -p chroma=420 g.png -o q.heic
expect 2 "--threads 1 -p threads=3" "--threads 1" "-p threads=3" -- "${E[@]}" -p threads=3 g.png -o q.heic
expect 0 "-q 30 -p quality=30 (the same value)" -- "${E[@]}" -q 30 -p quality=030 g.png -o q.heic
expect 0 "--threads 1 -p threads=1 --chroma 420 -p chroma=420" -- "${E[@]}" -p threads=1 --chroma 420 -p chroma=420 g.png -o q.heic
rm -f "$W/q.heic"

# ---- 3. extended XMP ----
# The JPEG gets a main XMP packet that points at an extension, then the
# two extension segments (GUID, full length, offset, data).
python3 - "$W/j.jpg" "$W/ext.jpg" "$W/elem.jpg" << 'EOF' || fail "cannot write the XMP test JPEGs"
import struct, sys
src = open(sys.argv[1], 'rb').read()
guid = b'0123456789ABCDEF0123456789ABCDEF'
def app1(payload):
    return b'\xff\xe1' + struct.pack('>H', len(payload) + 2) + payload
def main_xmp(note):
    return (b'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            b'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            + note + b'</rdf:Description></rdf:RDF></x:xmpmeta>')
attr = main_xmp(b' xmpNote:HasExtendedXMP="' + guid + b'" dc:format="KeepThis">')
ext = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b'E' * 3000 + b'</x:xmpmeta>'
half = len(ext) // 2
segs = b''.join(app1(b'http://ns.adobe.com/xmp/extension/\0' + guid + struct.pack('>II', len(ext), off) + ext[off:end])
                for off, end in ((0, half), (half, len(ext))))
open(sys.argv[2], 'wb').write(src[:2] + app1(attr) + segs + src[2:])
elem = main_xmp(b'><xmpNote:HasExtendedXMP>' + guid + b'</xmpNote:HasExtendedXMP><dc:format>KeepThis</dc:format>')
open(sys.argv[3], 'wb').write(src[:2] + app1(elem) + src[2:])
EOF
expect 0 "JPEG with extended XMP" "ext.jpg: note: extended XMP left out" "xmpNote:HasExtendedXMP" -- \
  "$enc" --threads 1 -p preset=ultrafast ext.jpg -o ext.heic
expect 0 "JPEG whose XMP claims an absent extension (-v)" "names extended XMP that the file does not have" -- \
  "$enc" -v --threads 1 -p preset=ultrafast elem.jpg -o elem.heic
# -v also gives the library's memory peak (its allocator's account)
if grep -qE '^  library memory peak: [0-9]+\.[0-9] MB$' "$T/out.txt" &&
   ! grep -qE 'library memory peak: 0\.0 MB' "$T/out.txt"; then
  ok "-v: $(grep 'library memory peak' "$T/out.txt" | sed 's/^ *//')"
else
  fail "-v: no library memory peak line: $(head -c 300 "$T/out.txt")"
fi
expect 0 "PNG whose XMP claims an extension" -- "${E[@]}" xmp.png -o xmp.heic
for f in ext elem xmp; do
  if grep -q HasExtendedXMP "$W/$f.heic"; then
    fail "$f.heic: the XMP still claims extended XMP"
  elif ! grep -q KeepThis "$W/$f.heic"; then
    fail "$f.heic: the rest of the XMP is missing"
  else
    ok "$f.heic: XMP kept without HasExtendedXMP"
  fi
done
rm -f "$W"/ext.* "$W"/elem.* "$W"/xmp.*

# ---- 4. truncated input ----
size=$(stat -c %s "$W/j.jpg")
head -c $((size * 2 / 3)) "$W/j.jpg" > "$W/cut.jpg"
size=$(stat -c %s "$W/big.png")
head -c $((size / 2)) "$W/big.png" > "$W/cut.png"
head -c 20 "$W/big.png" > "$W/head.png"
for f in cut.jpg cut.png; do
  expect 1 "truncated $f" "heic-enc: $f: the file is truncated" "--allow-truncated" -- "${E[@]}" "$f" -o cut.heic
  expect 0 "truncated $f --allow-truncated" -- "$enc" --threads 1 --allow-truncated "$f" -o cut.heic
  grep -qF "$f: warning: the file is truncated" "$T/err.txt" || fail "$f --allow-truncated: no warning: $(head -c 300 "$T/err.txt")"
  [ -s "$W/cut.heic" ] || fail "$f --allow-truncated: no output"
  rm -f "$W/cut.heic"
done
# Corrupt scan data (a marker in the middle of it) is damage too; stray
# bytes before a marker are harmless (libjpeg says "Corrupt JPEG data" for
# both) and only shown.
python3 - "$W/j.jpg" "$W/bad.jpg" "$W/stray.jpg" << 'EOF' || fail "cannot write the corrupt test JPEGs"
import sys
d = open(sys.argv[1], 'rb').read()
sos = d.index(b'\xff\xda')
start = sos + 2 + d[sos + 2] * 256 + d[sos + 3]
mid = (start + len(d) - 2) // 2
open(sys.argv[2], 'wb').write(d[:mid] + b'\xff\xd5' + d[mid + 2:])
open(sys.argv[3], 'wb').write(d[:sos] + b'\x12\x34\x56' + d[sos:])
EOF
expect 1 "corrupt JPEG scan" "heic-enc: bad.jpg: corrupt data (libjpeg: Corrupt JPEG data" "--allow-truncated" -- \
  "${E[@]}" bad.jpg -o cut.heic
expect 0 "stray bytes before a JPEG marker (a harmless warning)" \
  "stray.jpg: warning: libjpeg: Corrupt JPEG data: 3 extraneous bytes" -- "$enc" --threads 1 stray.jpg -o cut.heic
rm -f "$W/cut.heic" "$W/bad.jpg" "$W/stray.jpg"
expect 1 "PNG cut in its header, even with --allow-truncated" "head.png: the file is truncated" -- \
  "${E[@]}" --allow-truncated head.png -o cut.heic
expect 1 "truncated JPEG in a batch" "cut.jpg: the file is truncated" -- "${E[@]}" -j 1 cut.jpg -o batch/
rm -rf "$W/batch"
rm -f "$W"/cut.* "$W/head.png"
# Valid JPEGs with whatever warnings libjpeg has for them still encode.
if [ -n "$corpus" ] && [ -d "$corpus/inputs/jpeg" ]; then
  for f in "$corpus"/inputs/jpeg/*.jpg; do
    expect 0 "corpus $(basename "$f")" -- "${E[@]}" "$f" -o "$T/corpus.heic"
    rm -f "$T/corpus.heic"
  done
fi

# ---- 5. no directory from a failed run ----
expect 1 "missing input -o newdir/" "missing.png" -- "${E[@]}" missing.png -o newdir/
# the missing input is said first, not the missing directory
expect 1 "missing input -o newdir/x.heic" "missing.png: cannot open" -- "${E[@]}" missing.png -o newdir/x.heic
expect 3 "-o newdir/x.heic" "cannot write to directory newdir" -- "${E[@]}" g.png -o newdir/x.heic
expect 1 "batch of missing inputs -o newdir/" "missing1.png" -- "${E[@]}" missing1.png missing2.png -o newdir/
expect 2 "batch usage error -o newdir/" "--shard" -- "${E[@]}" --shard 5/2 g.png big.png -o newdir/
expect 2 "usage error -o newdir/" "--tile" -- "${E[@]}" --tile 7 g.png -o newdir/
mkdir "$W/bad" && echo "not a picture" > "$W/bad/a.png"
expect 1 "batch -r, every file failing, -o newdir" "a.png" -- "${E[@]}" -r bad -o newdir
expect 0 "-o newdir/sub/ (created when written)" -- "${E[@]}" g.png -o newdir/sub/
[ -s "$W/newdir/sub/g.heic" ] || fail "-o newdir/sub/: no output"
(cd "$W" && "${E[@]}" -r bad g.png -o newdir2 > /dev/null 2>&1)
[ -s "$W/newdir2/g.heic" ] && [ -z "$(ls -A "$W/newdir2" | grep -v -x g.heic)" ] &&
  ok "batch with a bad file: -o newdir2 holds the good file's output alone" ||
  fail "batch with a bad file: newdir2 holds $(ls -A "$W/newdir2" 2>&1)"
rm -rf "$W/bad" "$W/newdir" "$W/newdir2"

# ---- 6. -o naming the input ----
expect 2 "-o g.png (the input)" "-o g.png is the input g.png (the same file)" "give -o another name" -- \
  "${E[@]}" g.png -o g.png
cp "$W/g.png" "$W/pic.heic"
expect 2 "a PNG named pic.heic, no -o" "the output pic.heic is the input pic.heic" "name another output with -o" -- \
  "${E[@]}" pic.heic
mkdir "$W/d" && cp "$W/g.png" "$W/d/pic.heic"
expect 2 "a PNG named d/pic.heic, -o d/" "the output d/pic.heic is the input d/pic.heic" "name another output with -o" -- \
  "${E[@]}" d/pic.heic -o d/
rm -rf "$W/pic.heic" "$W/d"

# ---- 7. heif-enc's -t and -P ----
expect 0 "-t 32" -- "${E[@]}" -t 32 g.png -o t.heic
"$info" --verbose "$W/t.heic" > "$T/out.txt" 2>&1
grep -q "thmb" "$T/out.txt" && ok "-t 32: a thumbnail" || fail "-t 32: no thumbnail: $(grep -i thumb "$T/out.txt")"
rm -f "$W/t.heic"
# The thumbnail of a photo with an EXIF orientation carries the same irot /
# imir: shown upright as the photo is (403x302, orientation 5: 302x403).
oj=${corpus:+$corpus/inputs/jpeg/paris_exif_orientation_5.jpg}
if [ -n "$oj" ] && [ -f "$oj" ]; then
  "${E[@]}" -t 128 "$oj" -o "$T/o5.heic" > /dev/null 2>&1 || fail "orientation 5 with -t 128: cannot encode"
  "$info" "$T/o5.heic" > "$T/out.txt" 2>&1
  if grep -q "302x403 (coded 404x302)" "$T/out.txt" && grep -q "thumbnails: 96x128 (coded 128x96)" "$T/out.txt"; then
    ok "orientation 5: the thumbnail is turned as its photo (96x128)"
  else
    fail "orientation 5: photo and thumbnail: $(grep -E 'primary|thumbnails' "$T/out.txt")"
  fi
  "$dec" --quiet --thumb "$T/o5.heic" -o "$T/o5t.png" ||
    fail "orientation 5: heic-dec --thumb failed"
  size=$(python3 -c 'import struct,sys; print("%dx%d" % struct.unpack(">II", open(sys.argv[1], "rb").read()[16:24]))' "$T/o5t.png" 2>/dev/null)
  [ "$size" = 96x128 ] && ok "orientation 5: heic-dec --thumb writes 96x128" ||
    fail "orientation 5: heic-dec --thumb wrote $size, not 96x128"
  if command -v heif-info > /dev/null; then
    heif-info "$T/o5.heic" > "$T/out.txt" 2>&1
    grep -q "thumbnail: 96x128" "$T/out.txt" && ok "orientation 5: heif-info sees a 96x128 thumbnail" ||
      fail "orientation 5: heif-info: $(grep -i thumbnail "$T/out.txt")"
  fi
fi
"$enc" -P > "$T/out.txt" 2> "$T/err.txt"
rc=$?
if [ $rc -eq 0 ] && grep -q "quality *int 0..100 *default 50" "$T/out.txt" &&
   grep -q "one of: .*medium" "$T/out.txt"; then
  ok "-P lists the parameters with their ranges"
else
  fail "-P: status $rc: $(head -c 300 "$T/out.txt")"
fi

# ---- 8. the nclx box ----
for src in g.png j.jpg; do
  "${E[@]}" "$W/$src" -o "$T/auto.heic" && "${E[@]}" --nclx always "$W/$src" -o "$T/always.heic" ||
    fail "$src: cannot encode"
  "$info" --verbose "$T/auto.heic" > "$T/out.txt" 2>&1
  grep -q "colr nclx" "$T/out.txt" && fail "$src: a colr nclx box that only says the default"
  "$info" --verbose "$T/always.heic" > "$T/out.txt" 2>&1
  grep -q "colr nclx primaries 1 transfer 13 matrix 6 full range" "$T/out.txt" ||
    fail "$src --nclx always: no colr nclx box"
  "$dec" "$T/auto.heic" "$T/auto.png" > /dev/null 2>&1 && "$dec" "$T/always.heic" "$T/always.png" > /dev/null 2>&1 &&
    cmp -s "$T/auto.png" "$T/always.png" && ok "$src: heic-dec reads the same RGB with and without the box" ||
    fail "$src: heic-dec's RGB differs with and without the box"
  if command -v heif-convert > /dev/null; then
    heif-convert "$T/auto.heic" "$T/auto.png" > /dev/null 2>&1 &&
      heif-convert "$T/always.heic" "$T/always.png" > /dev/null 2>&1 &&
      cmp -s "$T/auto.png" "$T/always.png" && ok "$src: heif-convert reads the same RGB with and without the box" ||
      fail "$src: heif-convert's RGB differs with and without the box"
  fi
  if command -v vips > /dev/null; then
    vips copy "$T/auto.heic" "$T/auto.png" 2> "$T/err.txt"
    if grep -q WARNING "$T/err.txt"; then fail "$src: vips warns: $(head -n1 "$T/err.txt")"; else ok "$src: vips copy without a warning"; fi
  else
    echo "note: vips is absent; its check is skipped"
  fi
  rm -f "$T"/auto.* "$T"/always.*
done
# An ICC profile keeps the nclx box beside it.
"${E[@]}" "$W/icc.png" -o "$T/icc.heic" && "$info" --verbose "$T/icc.heic" > "$T/out.txt" 2>&1
grep -q "colr nclx primaries 1 transfer 13 matrix 6" "$T/out.txt" && grep -q "colr ICC" "$T/out.txt" &&
  ok "ICC input: nclx and ICC boxes" || fail "ICC input: not both colr boxes: $(grep colr "$T/out.txt")"
rm -f "$T/icc.heic"

# ---- 9. colour and HDR on the command line (issue 16) ----
# A 16-bit PNG of PQ-coded BT.2020 values, said to be so: the nclx box and
# the HEVC VUI carry the same description, the clli and mdcv properties
# are there (heic-info, and libheif's heif-info), 12 bits are coded, and
# heic-dec and heif-convert decode the same 16-bit RGB.
python3 - "$T/pq16.png" << 'EOF2' || fail "cannot write a 16-bit PNG"
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 96, 64
rows = b''.join(b'\0' + b''.join(struct.pack('>HHH', 8000 + x * 400, 12000 + y * 500, 20000 + (x + y) * 150)
                                for x in range(w)) for y in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, 2, 0, 0, 0)) +
                              chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
EOF2
cp "$T/pq16.png" "$T/hdr16.png"
mdcv='G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)'
if "${E[@]}" "$T/pq16.png" --primaries bt2020 --transfer pq --matrix bt2020 --range limited --clli 1000,400 \
     --mdcv "$mdcv" --bit-depth 12 -o "$T/pq.heic" > /dev/null 2> "$T/err.txt"; then
  "$info" --verbose "$T/pq.heic" > "$T/out.txt" 2>&1
  grep -q "colour: nclx primaries 9, transfer 16, matrix 9, limited range" "$T/out.txt" &&
    grep -q "colour: in the coded stream primaries 9, transfer 16, matrix 9, limited range" "$T/out.txt" &&
    ok "PQ: the nclx box and the VUI say BT.2020 / PQ / BT.2020, limited" ||
    fail "PQ: colour: $(grep 'colour:' "$T/out.txt")"
  "$info" "$T/pq.heic" > "$T/out.txt" 2>&1
  grep -q "12-bit 4:2:0" "$T/out.txt" && grep -q "content light level 1000 cd/m2 (frame average 400)" "$T/out.txt" &&
    grep -qF "mastering display $mdcv" "$T/out.txt" && ok "PQ: 12 bits, clli and mdcv" ||
    fail "PQ: $(grep -E 'coding|HDR' "$T/out.txt")"
  "$dec" --quiet "$T/pq.heic" -o "$T/pq_dec.png" || fail "PQ: heic-dec failed"
  if command -v heif-info > /dev/null; then
    heif-info "$T/pq.heic" > "$T/out.txt" 2>&1
    grep -q "max content light level: 1000" "$T/out.txt" && grep -q "max pic average light level: 400" "$T/out.txt" &&
      grep -q "white point (x,y): (0.3127;0.329)" "$T/out.txt" && ok "PQ: heif-info reads clli and mdcv" ||
      fail "PQ: heif-info: $(grep -A3 -E 'clli|mdcv' "$T/out.txt" | head -n 8)"
    heif-convert "$T/pq.heic" "$T/pq_lh.png" > /dev/null 2>&1 || fail "PQ: heif-convert failed"
    "$imgcmp" "$T/pq_dec.png" "$T/pq_lh.png" 60 > "$T/out.txt" 2>&1 &&
      ok "PQ: heic-dec and heif-convert agree ($(head -n1 "$T/out.txt"))" ||
      fail "PQ: heic-dec and heif-convert differ: $(cat "$T/out.txt")"
  fi
  "$imgcmp" "$T/pq16.png" "$T/pq_dec.png" 40 > "$T/out.txt" 2>&1 &&
    ok "PQ: the round trip keeps the samples ($(head -n1 "$T/out.txt"))" ||
    fail "PQ: round trip: $(cat "$T/out.txt")"
else
  fail "PQ: heic-enc failed: $(head -c 300 "$T/err.txt")"
fi
rm -f "$T"/pq*
# HLG (H.273 transfer 18) from the same 16-bit samples at 10 bits, full
# range: the nclx box and the VUI agree, and libheif's heif-info sees the
# nclx box.
if "${E[@]}" "$T/hdr16.png" --primaries bt2020 --transfer hlg --matrix bt2020 --bit-depth 10 \
     -o "$T/hlg.heic" > /dev/null 2> "$T/err.txt"; then
  "$info" --verbose "$T/hlg.heic" > "$T/out.txt" 2>&1
  grep -q "colour: nclx primaries 9, transfer 18, matrix 9, full range" "$T/out.txt" &&
    grep -q "colour: in the coded stream primaries 9, transfer 18, matrix 9, full range" "$T/out.txt" &&
    grep -q "10-bit 4:2:0" "$T/out.txt" &&
    ok "HLG: 10 bits, the nclx box and the VUI say BT.2020 / HLG / BT.2020, full" ||
    fail "HLG: $(grep -E 'colour:|10-bit' "$T/out.txt")"
  if command -v heif-info > /dev/null; then
    heif-info "$T/hlg.heic" 2>&1 | grep -q "color profile: nclx" && ok "HLG: heif-info sees the nclx box" ||
      fail "HLG: heif-info shows no nclx colour profile"
  fi
  "$dec" --quiet "$T/hlg.heic" -o "$T/hlg_dec.png" && "$imgcmp" "$T/hdr16.png" "$T/hlg_dec.png" 40 > "$T/out.txt" 2>&1 &&
    ok "HLG: the round trip keeps the samples ($(head -n1 "$T/out.txt"))" ||
    fail "HLG: round trip: $(cat "$T/out.txt")"
else
  fail "HLG: heic-enc failed: $(head -c 300 "$T/err.txt")"
fi
rm -f "$T"/hlg* "$T/hdr16.png"
cp "$W/g.png" "$T/c.png"
expect 2 "--transfer foo" "--transfer takes a number from 0 to 255 or one of" "pq (16)" -- "${E[@]}" --transfer foo g.png -o c.heic
expect 2 "--range half" "--range takes full (1) or limited (0)" -- "${E[@]}" --range half g.png -o c.heic
expect 2 "--clli 5" "--clli takes MAXCLL,MAXFALL" -- "${E[@]}" --clli 5 g.png -o c.heic
expect 2 "--mdcv junk" "--mdcv takes G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)" -- "${E[@]}" --mdcv junk g.png -o c.heic
expect 2 "--bit-depth 9" "--bit-depth takes 8, 10 or 12" -- "${E[@]}" --bit-depth 9 g.png -o c.heic
expect 2 "--matrix identity without 4:4:4" "--matrix identity (0, GBR) needs --chroma 444 or -L" -- \
  "${E[@]}" --matrix identity g.png -o c.heic
# (the builtin encoder codes 4:2:2 and 4:4:4 since issue 16: heic_lossless.sh)
expect 0 "--chroma 422 with the builtin encoder" -- "${E[@]}" --chroma 422 g.png -o /dev/null
expect 1 "--matrix ycgco" "matrix coefficients 8: libheic converts RGB with matrix 1" -- \
  "${E[@]}" --matrix ycgco g.png -o c.heic
expect 2 "-L --matrix bt709" "-L codes RGB through the identity matrix" -- "${E[@]}" -L --matrix bt709 g.png -o c.heic
# Names and numbers are the same thing; BT.709 with limited range decodes
# close to the input (the range and matrix are used, not only stated: a
# smooth picture, where converting with one matrix and stating another
# would cost far more than coding does).
python3 - "$T/smooth.png" << 'EOF2' || fail "cannot write smooth.png"
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 96, 64
rows = b''.join(b'\0' + bytes(v for x in range(w) for v in (40 + x * 2, 200 - y * 2, 60 + (x + y))) for y in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
                              chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
EOF2
"${E[@]}" --matrix bt709 --range limited --primaries display-p3 -q 90 "$T/smooth.png" -o "$T/c1.heic" > /dev/null 2>&1 &&
  "${E[@]}" --matrix 1 --range 0 --primaries 12 -q 90 "$T/smooth.png" -o "$T/c2.heic" > /dev/null 2>&1 &&
  cmp -s "$T/c1.heic" "$T/c2.heic" && ok "--matrix bt709 --range limited --primaries display-p3 = 1, 0, 12" ||
  fail "colour names and numbers give different files"
"$dec" --quiet "$T/c1.heic" -o "$T/c1.png" && "$imgcmp" "$T/smooth.png" "$T/c1.png" 40 > "$T/out.txt" 2>&1 &&
  ok "BT.709 limited range: decodes close to the input ($(head -n1 "$T/out.txt"))" ||
  fail "BT.709 limited range: $(cat "$T/out.txt")"
if command -v heif-convert > /dev/null; then
  heif-convert "$T/c1.heic" "$T/c1lh.png" > /dev/null 2>&1 && "$imgcmp" "$T/smooth.png" "$T/c1lh.png" 40 > "$T/out.txt" 2>&1 &&
    ok "BT.709 limited range: heif-convert too ($(head -n1 "$T/out.txt"))" ||
    fail "BT.709 limited range, heif-convert: $(cat "$T/out.txt")"
fi
rm -f "$T"/c1* "$T"/c2.* "$T/c.png" "$T/smooth.png"

# Nothing may be left but the inputs.
left=$(cd "$W" && ls -A | grep -v -x -e g.png -e big.png -e xmp.png -e j.jpg -e icc.png)
[ -z "$left" ] || fail "left behind in the work directory: $left"
if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
