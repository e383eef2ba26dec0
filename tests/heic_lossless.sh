#!/usr/bin/env bash
# Lossless HEIC with the builtin encoder (issue 16): PNG -> heic-enc -L ->
# heic-dec, and -> heif-convert (libheif, when installed), gives the input
# PNG's pixels exactly, alpha included:
#  - RGB (coded 4:4:4 GBR: identity matrix, full range), RGBA (alpha coded
#    4:0:0), grey (R = G = B: coded 4:0:0), 8-bit, odd sizes included
#    (python3 writes them; no PIL needed), tests/data's RGBA photo, and a
#    couple of small corpus photos when the corpus is there;
#  - heic-info says 4:4:4 / 4:0:0; heif-info, vips (vipsheader) and
#    ImageMagick (identify) read the 4:4:4 file when installed (skipped
#    one by one when not: scripts/install-deps.sh test installs them);
#  - a lossy --chroma 444 and --chroma 422 image decodes (heic-dec) close
#    to its input, and heif-convert decodes it as heic-dec does;
#  - a 16-bit PNG with -L is refused (exit 1, saying why): at most 12 bits
#    a sample are coded, so it could not be lossless.
#
# --full: every corpus photo too (CORPUS/inputs: every 8-bit PNG, and the
# JPEGs, whose decoded pixels (vips's, libjpeg's defaults, as heic-enc's
# reader) heic-dec --no-transform gives back exactly
# and heif-convert, which applies their Exif orientation as heic-dec does,
# gives back as heic-dec does); 16-bit PNGs are refused as above.
#
# usage: heic_lossless.sh [--full] HEIC_ENC HEIC_DEC HEIC_INFO IMGCMP DATA_DIR [CORPUS_DIR]
set -u
full=0
if [ "${1:-}" = --full ]; then
  full=1
  shift
fi
enc=$1 dec=$2 info=$3 imgcmp=$4 data=$5 corpus=${6:-}
skip=77
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to write the test images"; exit $skip; }
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-lossless-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

# ---- test images: noisy RGB, RGBA, grey, 8-bit; and a 16-bit RGB ----
python3 - "$T" << 'EOF' || { echo "cannot write the test images"; exit 1; }
import random, struct, sys, zlib
d = sys.argv[1]
rnd = random.Random(16)
def chunk(t, b):
    return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
def png(path, w, h, ctype, depth, px):
    n = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    fmt = '>%dH' if depth == 16 else '%dB'
    rows = b''.join(b'\0' + struct.pack(fmt % (w * n), *[v for x in range(w) for v in px(x, y)[:n]])
                    for y in range(h))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0)) +
                chunk(b'IDAT', zlib.compress(rows, 6)) + chunk(b'IEND', b''))
def photo(x, y):  # smooth areas, edges and noise: every path of the search
    r = (x * 5 + y * 3) & 255
    g = 255 - ((x * y) >> 3 & 255)
    b = rnd.randint(0, 255) if (y // 9) % 3 == 1 else (x * 11) & 255
    a = 255 if x < 20 else (x * 13 + y) & 255
    return (r, g, b, a)
png(d + '/rgb.png', 67, 45, 2, 8, photo)
png(d + '/rgba.png', 33, 70, 6, 8, photo)
png(d + '/grey.png', 41, 23, 0, 8, lambda x, y: (photo(x, y)[2],))
png(d + '/greya.png', 9, 5, 4, 8, lambda x, y: (photo(x, y)[0], photo(x, y)[3]))
png(d + '/tiny.png', 1, 1, 2, 8, lambda x, y: (200, 10, 99))
png(d + '/deep.png', 16, 8, 2, 16, lambda x, y: (x * 4000, y * 8000 + 1, 65535 - x))
EOF

inputs=("$T/rgb.png" "$T/rgba.png" "$T/grey.png" "$T/greya.png" "$T/tiny.png"
        "$data/wesaturate_tmshre_alpha_500x500.png")
if [ -n "$corpus" ] && [ -d "$corpus/inputs/png" ]; then
  if [ $full = 1 ]; then
    for f in "$corpus"/inputs/png/*.png "$corpus"/inputs/jpeg/*.jpg; do
      case "$f" in *16bit*) continue ;; esac
      [ -f "$f" ] && inputs+=("$f")
    done
  else
    for f in tiny_63x65_storm.png wesaturate_cvo9xd_gray_500x500.png; do
      [ -f "$corpus/inputs/png/$f" ] && inputs+=("$corpus/inputs/png/$f")
    done
  fi
fi
have_hc=0
command -v heif-convert > /dev/null && have_hc=1

for f in "${inputs[@]}"; do
  n=$(basename "${f%.*}")
  jpeg=0
  case "$f" in *.jpg) jpeg=1 ;; esac
  if ! "$enc" --quiet -L "$f" -o "$T/$n.heic" 2> "$T/err"; then
    fail "$n: heic-enc -L: $(head -c 300 "$T/err")"
    continue
  fi
  coding=$("$info" "$T/$n.heic" 2> /dev/null | grep -m1 'coding:')
  case "$n" in
    grey*|*gray*) want="4:0:0" ;;
    *) want="4:4:4" ;;
  esac
  [[ "$coding" == *"$want"* ]] || fail "$n: heic-info says '$coding', not $want"
  # (a JPEG's Exif orientation is stored as irot/imir: its pixels come
  # back as they are without the transformations)
  notr=()
  src=$f
  if [ $jpeg = 1 ]; then
    notr=(--no-transform)
    # imgcmp reads PNG: the JPEG's pixels as libjpeg(-turbo) decodes them
    # with its defaults, as heic-enc's reader does (vips's jpegload)
    src=$T/$n.src.png
    vips copy "$f" "$src" > /dev/null 2>&1 || fail "$n: vips cannot write the JPEG's pixels as PNG"
  fi
  if "$dec" "${notr[@]}" "$T/$n.heic" -o "$T/$n.dec.png" > /dev/null 2>&1 &&
     "$imgcmp" "$src" "$T/$n.dec.png" > "$T/cmp" 2>&1; then
    ok "$n: heic-dec gives the input exactly ($want, $(stat -c %s "$T/$n.heic") bytes, input $(stat -c %s "$f"))"
  else
    fail "$n: heic-dec output differs from the input: $(head -c 200 "$T/cmp")"
  fi
  ref=$f
  if [ $jpeg = 1 ]; then
    ref=$T/$n.ref.png
    "$dec" "$T/$n.heic" -o "$ref" > /dev/null 2>&1 || fail "$n: heic-dec with the transformations failed"
  fi
  if [ $have_hc = 1 ]; then
    if heif-convert "$T/$n.heic" "$T/$n.hc.png" > /dev/null 2>&1 &&
       "$imgcmp" "$ref" "$T/$n.hc.png" > "$T/cmp" 2>&1; then
      ok "$n: heif-convert gives the input exactly$([ $jpeg = 1 ] && echo " (oriented, as heic-dec gives it)")"
    else
      fail "$n: heif-convert output differs from the input: $(head -c 200 "$T/cmp")"
    fi
  fi
done
[ $have_hc = 1 ] || echo "skip heif-convert (not installed)"

# ---- other readers take a 4:4:4 file ----
h444=$T/rgb.heic
if [ -f "$h444" ]; then
  if command -v heif-info > /dev/null; then
    if heif-info "$h444" 2>&1 | grep -q '67x45'; then ok "heif-info reads 4:4:4"; else fail "heif-info on 4:4:4"; fi
  else
    echo "skip heif-info (not installed)"
  fi
  if command -v vipsheader > /dev/null; then
    if vipsheader "$h444" 2> /dev/null | grep -q '67x45'; then ok "vipsheader reads 4:4:4"; else fail "vipsheader on 4:4:4"; fi
  else
    echo "skip vipsheader (not installed)"
  fi
  if command -v identify > /dev/null; then
    if identify "$h444" 2> /dev/null | grep -q '67x45'; then ok "identify reads 4:4:4"; else fail "identify on 4:4:4"; fi
  else
    echo "skip identify (not installed)"
  fi
fi

# ---- lossy 4:4:4 and 4:2:2 with the builtin encoder ----
# lossy_decodes LABEL NAME MIN_DB HC_MIN_DB: $T/NAME.heic decodes in heic-dec
# to $T/rgb.png within MIN_DB PSNR, and in heif-convert (when there) to
# heic-dec's pixels within HC_MIN_DB.
lossy_decodes() {
  local label=$1 f=$T/$2
  if "$dec" "$f.heic" -o "$f.png" > /dev/null 2>&1 && "$imgcmp" "$T/rgb.png" "$f.png" "$3" > "$T/cmp" 2>&1; then
    ok "$label: heic-dec $(head -c 80 "$T/cmp")"
  else
    fail "$label: heic-dec: $(head -c 200 "$T/cmp")"
  fi
  [ $have_hc = 1 ] || return 0
  if heif-convert "$f.heic" "$f.hc.png" > /dev/null 2>&1 && "$imgcmp" "$f.png" "$f.hc.png" "$4" > "$T/cmp" 2>&1; then
    ok "$label: heif-convert decodes as heic-dec: $(head -c 60 "$T/cmp")"
  else
    fail "$label: heif-convert: $(head -c 200 "$T/cmp")"
  fi
}
for c in 444 422; do
  want=$([ $c = 444 ] && echo "4:4:4" || echo "4:2:2")
  if ! "$enc" --quiet --chroma $c -q 70 "$T/rgb.png" -o "$T/c$c.heic" 2> "$T/err"; then
    fail "--chroma $c: $(head -c 300 "$T/err")"
    continue
  fi
  "$info" "$T/c$c.heic" 2> /dev/null | grep -q "$want" || fail "--chroma $c: heic-info does not say $want"
  # (the picture's noisy blue stripes do not survive halved chroma: 4:2:0
  # gives 20.1 dB, 4:2:2 21.7, 4:4:4 37.1 at -q 70 - its default chroma
  # QP offset +6; 43.1 at offset 0)
  lossy_decodes "--chroma $c" "c$c" "$([ $c = 444 ] && echo 33 || echo 21)" 40
done

# ---- lossy GBR: --chroma 444 --matrix identity ----
# (coded with cross-component prediction; the identity matrix must reach
# the file - it once fell back to BT.601 unseen)
if "$enc" --quiet --chroma 444 --matrix identity -q 70 "$T/rgb.png" -o "$T/gbr.heic" 2> "$T/err"; then
  if "$info" "$T/gbr.heic" 2> /dev/null | grep -q "matrix 0 (identity"; then
    ok "lossy GBR: heic-info says matrix 0"
  else
    fail "lossy GBR: heic-info: $("$info" "$T/gbr.heic" 2>&1 | grep colour)"
  fi
  lossy_decodes "lossy GBR" gbr 33 60
else
  fail "lossy GBR: $(head -c 300 "$T/err")"
fi

# ---- 16-bit input cannot be lossless ----
"$enc" --quiet -L "$T/deep.png" -o "$T/deep.heic" 2> "$T/err"
st=$?
if [ $st = 1 ] && grep -q "cannot be coded losslessly" "$T/err" && [ ! -e "$T/deep.heic" ]; then
  ok "16-bit PNG with -L refused: $(head -c 160 "$T/err")"
else
  fail "16-bit PNG with -L: status $st, $(head -c 200 "$T/err")"
fi

[ $fails = 0 ] && echo "all passed" || echo "$fails failed"
[ $fails = 0 ]
