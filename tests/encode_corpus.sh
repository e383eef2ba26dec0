#!/usr/bin/env bash
# Encodes every photo under CORPUS/inputs (PNG, JPEG, Y4M) with heic-enc at
# -q 30/50/75/90 and checks that other readers open the result:
#
#   - heic-enc exits 0 (which also asserts 0 outstanding allocator bytes:
#     it exits 4 on a leak);
#   - heic-info and libheif's heif-info read it;
#   - heif-convert writes a PNG of the displayed size (EXIF orientation
#     5-8 swaps width and height: heic-enc stores it as irot/imir);
#   - vipsheader (libvips) and ImageMagick's identify report that size;
#   - heic-dec decodes it (exit 0: no leak either) to the same size, and
#     agrees with heif-convert (PSNR >= 40 dB);
#   - PSNR of heif-convert's PNG against the input (auto-oriented with
#     ImageMagick for JPEG and oriented inputs; Y4M inputs compare
#     heic-dec's YCbCr with the input's) is >= 38 dB at -q 75 and >= 25 dB
#     at every quality (a wrong orientation or mirror lands far below);
#   - an RGBA input gives an RGBA output (heif-convert, heic-dec and vips
#     see 4 channels), whose alpha is in the PSNR above (its own PSNR is
#     printed);
#   - Exif: the HEIC has an Exif item (heic-info and heif-info list it)
#     whose data holds a TIFF header, and whose orientation reads 1 (or is
#     absent when the input had none); XMP likewise, when the input has it;
#   - ICC: when the input has an RGB profile, the HEIC carries exactly those
#     bytes (colr prof) and heic-info shows its size; or, as heic-enc
#     documents, it says it left out a profile libpng refuses (the common
#     "known incorrect sRGB profile"), and the nclx colour stands in.
#
# One line per encode, then "N passed, N failed, N skipped".  Exit status:
# 0 all passed, 1 a failure, 77 skipped (no corpus or a missing oracle).
#
# Which photos at which qualities:
#
#   default  (ctest's encode_corpus and encode_corpus_x265) every photo up
#            to 1 MP at all four qualities - every kind of input: 8- and
#            16-bit, grey, RGBA, JPEG with Exif/XMP/ICC and an EXIF
#            orientation, Y4M, odd sizes, 1x1; the photos of 1 to 8 MP and
#            the 12 MP photo (anything above 8 MP) at -q 75, with the
#            builtin encoder only (x265 codes them at its
#            default preset, slow, and the plugin's path is the same at any
#            size: other encoders take the photos up to 1 MP).  About 55 s
#            alone on 2 cores for the builtin encoder, 2 minutes in the
#            suite beside other tests.
#   --full   every photo at all four qualities, and above 8 MP at -q 75 with
#            both encoders (73 encodes each; alone on 2 cores about 80 s for
#            the builtin encoder, 125 s for x265 at its default preset, slow;
#            the old default, which took 4.5 and 6 minutes in the suite).
#            Run it by hand after changing the writer, the tools or an
#            encoder plugin, e.g.
#              tests/encode_corpus.sh --full --encoder x265 build-ci/heic-enc \
#                build-ci/heic-dec build-ci/heic-info build-ci/tests/imgcmp ../shared/corpus
#   --quick  three small photos at -q 75 (alpha, JPEG with an EXIF
#            orientation, odd size), for the sanitizer build.
#
# usage: encode_corpus.sh [--quick|--full] [--encoder NAME] [--jobs N]
#                         HEIC_ENC HEIC_DEC HEIC_INFO IMGCMP CORPUS_DIR
set -uo pipefail
# shellcheck source=tests/lib/jobs.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/jobs.sh"

usage="usage: encode_corpus.sh [--quick|--full] [--encoder NAME] [--jobs N] HEIC_ENC HEIC_DEC HEIC_INFO IMGCMP CORPUS_DIR"
quick=0
full=0
encoder=builtin
jobs="${HEIC_ENCODE_JOBS:-2}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; full=0; shift ;;
    --full) full=1; quick=0; shift ;;
    --encoder) encoder="${2:?$usage}"; shift 2 ;;
    --jobs) jobs="${2:?$usage}"; shift 2 ;;
    --) shift; break ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 5 ] || { echo "$usage" >&2; exit 2; }
enc="$1"
dec="$2"
info="$3"
imgcmp="$4"
corpus="$5"

qualities=(30 50 75 90)
min_psnr_q75=38   # the issue's bar, at -q 75
min_psnr_any=25   # at every quality: the right picture, the right way up
min_psnr_dec=40   # heic-dec against heif-convert (two decoders, one file)
big_pixels=8000000
mid_pixels=1000000  # above it -q 75 only, unless --full
quick_inputs=(png/wesaturate_tmshre_alpha_500x500.png
              jpeg/paris_exif_orientation_5.jpg
              png/tiny_63x65_storm.png)

if [ ! -d "$corpus/inputs" ]; then
  echo "SKIP: corpus inputs not found at $corpus/inputs"
  exit 77
fi
missing=()
for t in heif-info heif-convert vipsheader identify convert python3 timeout; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "SKIP: missing oracles: ${missing[*]} (scripts/install-deps.sh test installs them)"
  exit 77
fi
if ! "$enc" --list-encoders 2>/dev/null | grep -q "^${encoder}[[:space:]]"; then
  echo "FAIL: heic-enc has no encoder '$encoder':"
  "$enc" --list-encoders 2>&1 | sed 's/^/  /'
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Sanitizer reports must never pass for a clean exit, whatever status they
# end in.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}exitcode=86"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---- metadata reader (inputs and HEIF) ------------------------------------
# "meta.py input FILE" describes a PNG/JPEG/Y4M input; "meta.py heif FILE"
# the Exif, XMP and ICC of a HEIF file, read from its boxes (iinf, iloc,
# idat, ipco colr).  Output: KEY=VALUE lines.
# The box reading it shares with tests/tools/heif_item_hevc.py sits beside it.
cp "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools/heif_boxes.py" "$tmp/"
cat >"$tmp/meta.py" <<'PYEOF'
import hashlib, re, struct, sys, zlib

from heif_boxes import boxes, item_data, parse_iloc, uint

def tiff_orientation(t):
    """Orientation (tag 0x0112) of IFD0 of a TIFF block; None when absent."""
    if t[:4] == b'II*\0': e = '<'
    elif t[:4] == b'MM\0*': e = '>'
    else: return 'bad'
    off = struct.unpack(e + 'I', t[4:8])[0]
    if off + 2 > len(t): return 'bad'
    n = struct.unpack(e + 'H', t[off:off + 2])[0]
    for i in range(n):
        p = off + 2 + 12 * i
        if p + 12 > len(t): return 'bad'
        tag, typ, cnt = struct.unpack(e + 'HHI', t[p:p + 8])
        if tag == 0x0112:
            return str(struct.unpack(e + 'H', t[p + 8:p + 10])[0])
    return None

def exif_tiff(blob):
    """The TIFF block of an Exif blob that may start with 'Exif\\0\\0'."""
    if blob.startswith(b'Exif\0\0'): blob = blob[6:]
    return blob

def xmp_orientation(x):
    m = re.search(rb'tiff:Orientation\s*=\s*"(\d+)"', x) or \
        re.search(rb'<tiff:Orientation>\s*(\d+)\s*<', x)
    return m.group(1).decode() if m else None

def raw_profile(text):
    """ImageMagick's 'Raw profile type NAME' text: \\nNAME\\n  LEN\\nHEX."""
    parts = text.split(None, 2)
    if len(parts) < 3: return b''
    return bytes.fromhex(re.sub(rb'\s+', b'', parts[2]).decode())

def describe_input(path):
    d = open(path, 'rb').read()
    r = {'w': 0, 'h': 0, 'alpha': 0, 'depth': 8, 'exif': 0, 'orient': None,
         'xmp': 0, 'xmp_orient': None, 'icc': 0, 'icc_md5': '-', 'grey': 0}
    exif = b''
    xmp = b''
    icc = b''
    if d[:8] == b'\x89PNG\r\n\x1a\n':
        r['kind'] = 'png'
        p = 8
        while p + 8 <= len(d):
            n, t = struct.unpack('>I4s', d[p:p + 8])
            c = d[p + 8:p + 8 + n]
            if t == b'IHDR':
                r['w'], r['h'], r['depth'], ct = struct.unpack('>IIBB', c[:10])
                r['alpha'] = 1 if ct in (4, 6) else 0
                r['grey'] = 1 if ct in (0, 4) else 0
            elif t == b'tRNS':
                r['alpha'] = 1
            elif t == b'iCCP':
                z = c.index(b'\0')
                icc = zlib.decompress(c[z + 2:])
            elif t == b'eXIf':
                exif = c
            elif t in (b'tEXt', b'zTXt', b'iTXt'):
                z = c.index(b'\0')
                key, rest = c[:z], c[z + 1:]
                if t == b'zTXt':
                    text = zlib.decompress(rest[1:])
                elif t == b'iTXt':
                    comp = rest[0]
                    rest = rest[2:]
                    rest = rest[rest.index(b'\0') + 1:]   # language
                    rest = rest[rest.index(b'\0') + 1:]   # translated keyword
                    text = zlib.decompress(rest) if comp else rest
                else:
                    text = rest
                if key == b'XML:com.adobe.xmp':
                    xmp = text
                elif key in (b'Raw profile type exif', b'Raw profile type APP1') and not exif:
                    exif = raw_profile(text)
                elif key == b'Raw profile type xmp' and not xmp:
                    xmp = raw_profile(text)
            p += 12 + n
    elif d[:2] == b'\xff\xd8':
        r['kind'] = 'jpeg'
        p = 2
        while p + 4 <= len(d):
            if d[p] != 0xff: break
            m = d[p + 1]
            if m == 0xd8 or 0xd0 <= m <= 0xd7 or m == 0x01:
                p += 2
                continue
            if m == 0xda or m == 0xd9: break
            n = struct.unpack('>H', d[p + 2:p + 4])[0]
            c = d[p + 4:p + 2 + n]
            if m == 0xe1 and c.startswith(b'Exif\0\0') and not exif:
                exif = c[6:]
            elif m == 0xe1 and c.startswith(b'http://ns.adobe.com/xap/1.0/\0'):
                xmp = c[29:]
            elif m == 0xe2 and c.startswith(b'ICC_PROFILE\0'):
                icc += c[14:]
            elif m in (0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7,
                       0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf):
                r['depth'], r['h'], r['w'], comps = struct.unpack('>BHHB', c[:6])
                r['grey'] = 1 if comps == 1 else 0
            p += 2 + n
    elif d[:10] == b'YUV4MPEG2 ':
        r['kind'] = 'y4m'
        head = d[:d.index(b'\n')].split()
        for f in head[1:]:
            if f[:1] == b'W': r['w'] = int(f[1:])
            if f[:1] == b'H': r['h'] = int(f[1:])
    else:
        r['kind'] = 'unknown'
    if exif:
        r['exif'] = len(exif)
        r['orient'] = tiff_orientation(exif_tiff(exif))
    if xmp:
        r['xmp'] = len(xmp)
        r['xmp_orient'] = xmp_orientation(xmp)
    if icc:
        r['icc'] = len(icc)
        r['icc_md5'] = hashlib.md5(icc).hexdigest()
        # heic-enc keeps RGB profiles only (a grey image becomes RGB)
        r['icc_rgb'] = 1 if icc[16:20] == b'RGB ' else 0
    return r

def describe_heif(path):
    d = open(path, 'rb').read()
    r = {'exif': 0, 'exif_tiff': 0, 'orient': None, 'xmp': 0, 'xmp_orient': None,
         'icc': 0, 'icc_md5': '-'}
    meta = [(s, e) for t, s, e in boxes(d, 0, len(d)) if t == 'meta']
    if not meta:
        raise ValueError('no meta box')
    ms, me = meta[0]
    types = {}
    content = {}
    locs = {}
    idat = b''
    for t, s, e in boxes(d, ms + 4, me):
        if t == 'iinf':
            v = d[s]
            q = s + 4 + (2 if v == 0 else 4)
            for t2, s2, e2 in boxes(d, q, e):
                if t2 != 'infe': continue
                v2 = d[s2]
                q2 = s2 + 4
                if v2 < 2: continue
                iid = uint(d, q2, 2 if v2 == 2 else 4)
                q2 += (2 if v2 == 2 else 4) + 2
                itype = d[q2:q2 + 4].decode('latin-1')
                q2 += 4
                name_end = d.index(b'\0', q2, e2)
                types[iid] = itype
                if itype == 'mime':
                    ct_end = d.index(b'\0', name_end + 1, e2)
                    content[iid] = d[name_end + 1:ct_end].decode('latin-1')
        elif t == 'iloc':
            locs = parse_iloc(d, s, e)
        elif t == 'idat':
            idat = d[s:e]
        elif t == 'iprp':
            for t2, s2, e2 in boxes(d, s, e):
                if t2 != 'ipco': continue
                for t3, s3, e3 in boxes(d, s2, e2):
                    if t3 == 'colr' and d[s3:s3 + 4] in (b'prof', b'rICC'):
                        icc = d[s3 + 4:e3]
                        r['icc'] = len(icc)
                        r['icc_md5'] = hashlib.md5(icc).hexdigest()

    def data(iid):
        return item_data(d, locs[iid], idat)

    for iid, t in sorted(types.items()):
        if t == 'Exif' and not r['exif'] and iid in locs:
            blob = data(iid)
            r['exif'] = len(blob)
            off = struct.unpack('>I', blob[:4])[0]
            tiff = blob[4 + off:]
            r['exif_tiff'] = 1 if tiff[:4] in (b'II*\0', b'MM\0*') else 0
            r['orient'] = tiff_orientation(tiff)
        elif t == 'mime' and content.get(iid) == 'application/rdf+xml' \
                and not r['xmp'] and iid in locs:
            blob = data(iid)
            r['xmp'] = len(blob)
            r['xmp_orient'] = xmp_orientation(blob)
    return r

try:
    res = describe_input(sys.argv[2]) if sys.argv[1] == 'input' else describe_heif(sys.argv[2])
except Exception as exc:  # reported, never a traceback
    print('error=%s' % str(exc).replace(' ', '_'))
    sys.exit(1)
for k, v in res.items():
    print('%s=%s' % (k, 'none' if v is None else v))
PYEOF

# KEY of a meta.py output file.
mget() { sed -n "s/^$2=//p" "$1" | head -n1; }

# PNG width, height and whether it has alpha (colour type 4/6 or tRNS).
png_shape() {
  python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:8] != b"\x89PNG\r\n\x1a\n": print("notpng"); sys.exit(0)
w, h, bd, ct = struct.unpack(">IIBB", d[16:26])
print(w, h, 1 if ct in (4, 6) or b"tRNS" in d else 0, bd)' "$1"
}

# ---- inputs ---------------------------------------------------------------
inputs=()
if [ "$quick" -eq 1 ]; then
  for rel in "${quick_inputs[@]}"; do
    if [ -f "$corpus/inputs/$rel" ]; then
      inputs+=("$corpus/inputs/$rel")
    else
      echo "note: $rel is not in the corpus"
    fi
  done
  qualities=(75)
else
  while IFS= read -r -d '' f; do
    inputs+=("$f")
  done < <(find "$corpus/inputs" -type f \( -iname '*.png' -o -iname '*.jpg' \
             -o -iname '*.jpeg' -o -iname '*.y4m' \) -print0 | sort -z)
fi
if [ "${#inputs[@]}" -eq 0 ]; then
  echo "SKIP: no PNG, JPEG or Y4M under $corpus/inputs"
  exit 77
fi

# Describe each input once and make its reference picture: the input
# itself for PNG and Y4M, the decoded and auto-oriented picture (PNG) for
# JPEG and for any input with an EXIF orientation other than 1.
mkdir -p "$tmp/in" "$tmp/out"
prep_failed=0
job_input=()
job_q=()
for i in "${!inputs[@]}"; do
  f="${inputs[$i]}"
  rel="${f#"$corpus"/inputs/}"
  m="$tmp/in/$i.meta"
  if ! python3 "$tmp/meta.py" input "$f" >"$m" 2>&1; then
    echo "FAIL $rel: cannot describe the input: $(cat "$m")"
    prep_failed=$((prep_failed + 1))
    continue
  fi
  kind="$(mget "$m" kind)"
  orient="$(mget "$m" orient)"
  ref="$f"
  if [ "$kind" = jpeg ] || { [ "$orient" != none ] && [ "$orient" != 1 ]; }; then
    ref="$tmp/in/$i.ref.png"
    if ! convert "$f" -auto-orient +repage "$ref" 2>"$tmp/in/$i.ref.err"; then
      echo "FAIL $rel: ImageMagick cannot make the reference: $(head -c 300 "$tmp/in/$i.ref.err")"
      prep_failed=$((prep_failed + 1))
      continue
    fi
  fi
  echo "ref=$ref" >>"$m"
  w="$(mget "$m" w)"
  h="$(mget "$m" h)"
  px=$((w * h))
  q_here=("${qualities[@]}")
  if [ "$px" -gt "$big_pixels" ]; then
    q_here=(75)
    if [ "$full" -eq 0 ] && [ "$quick" -eq 0 ] && [ "$encoder" != builtin ]; then
      echo "note: $rel (${w}x${h}) is left to --full with encoder $encoder"
      q_here=()
    fi
  elif [ "$px" -gt "$mid_pixels" ] && [ "$full" -eq 0 ] && [ "$quick" -eq 0 ]; then
    q_here=(75)
    if [ "$encoder" != builtin ]; then
      echo "note: $rel (${w}x${h}) is left to --full with encoder $encoder"
      q_here=()
    fi
  fi
  for q in "${q_here[@]}"; do
    job_input+=("$i")
    job_q+=("$q")
  done
done

# ---- one encode -------------------------------------------------------------
# check_one N: encodes job N and runs every check; writes $tmp/out/N.result:
# first line "ok|FAIL<TAB>summary", then the details of any failure.
check_one() {
  local n="$1"
  local i="${job_input[$n]}" q="${job_q[$n]}"
  local f="${inputs[$i]}" m="$tmp/in/$i.meta"
  local rel="${f#"$corpus"/inputs/}"
  local o="$tmp/out/$n"
  local heic="$o.heic" png="$o.png" decpng="$o.dec.png"
  local fails=() notes=() details=""
  local kind w h alpha orient ref ew eh
  kind="$(mget "$m" kind)"
  w="$(mget "$m" w)"
  h="$(mget "$m" h)"
  alpha="$(mget "$m" alpha)"
  orient="$(mget "$m" orient)"
  ref="$(mget "$m" ref)"
  ew="$w"
  eh="$h"
  case "$orient" in 5 | 6 | 7 | 8) ew="$h"; eh="$w" ;; esac

  # run NAME CMD...: output in $o.NAME.log; status in rc (99 for a
  # sanitizer report, a timeout or a signal).
  local rc
  run() {
    local name="$1"
    shift
    rc=0
    timeout 600 "$@" >"$o.$name.log" 2>&1 || rc=$?
    if grep -q -E 'Sanitizer|runtime error:|LeakSanitizer' "$o.$name.log"; then
      rc=99
    elif [ "$rc" -ge 124 ]; then
      rc=99
    fi
    if [ "$rc" -ne 0 ]; then
      details+="---- $name (status $rc): $*"$'\n'"$(grep -v '^[[:space:]]*$' "$o.$name.log" | head -n 40)"$'\n'
    fi
  }

  local start end
  start="$(date +%s.%N)"
  run enc "$enc" -e "$encoder" -q "$q" "$f" -o "$heic"
  end="$(date +%s.%N)"
  local secs
  secs="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
  if [ "$rc" -ne 0 ] || [ ! -s "$heic" ]; then
    fails+=("heic-enc exit $rc")
    printf 'FAIL\t%-8s q%-3s %-44s %s\n%s' "$encoder" "$q" "$rel" "${fails[*]}" "$details" >"$o.result"
    return
  fi
  local bytes bpp
  bytes="$(wc -c <"$heic" | tr -d ' ')"
  bpp="$(awk -v b="$bytes" -v p="$((w * h))" 'BEGIN { printf "%.2f", b * 8 / p }')"

  # our reader, libheif's, libheif's converter
  run info "$info" --verbose "$heic"
  [ "$rc" -eq 0 ] || fails+=("heic-info exit $rc")
  run heifinfo heif-info "$heic"
  [ "$rc" -eq 0 ] || fails+=("heif-info exit $rc")
  run convert heif-convert --quiet "$heic" "$png"
  if [ "$rc" -ne 0 ] || [ ! -s "$png" ]; then
    fails+=("heif-convert exit $rc")
  else
    local shape
    read -r -a shape <<<"$(png_shape "$png")"
    if [ "${shape[0]}x${shape[1]}" != "${ew}x${eh}" ]; then
      fails+=("heif-convert PNG is ${shape[0]}x${shape[1]}, expected ${ew}x${eh}")
    fi
    if [ "$alpha" = 1 ] && [ "${shape[2]}" != 1 ]; then
      fails+=("heif-convert PNG has no alpha")
    elif [ "$alpha" = 0 ] && [ "${shape[2]}" = 1 ]; then
      fails+=("heif-convert PNG has alpha, the input none")
    fi
  fi

  # libvips and ImageMagick
  # "FILE: WxH uchar, N bands, srgb, heifload"
  run vips vipsheader "$heic"
  local vw="" vh="" vb=""
  read -r vw vh vb <<<"$(sed -n 's/.*: \([0-9]*\)x\([0-9]*\) [a-z]*, \([0-9]*\) band.*/\1 \2 \3/p' "$o.vips.log" | head -n1)"
  if [ "$rc" -ne 0 ]; then
    fails+=("vipsheader exit $rc")
  elif [ "${vw}x${vh}" != "${ew}x${eh}" ]; then
    fails+=("vipsheader says ${vw:-?}x${vh:-?}, expected ${ew}x${eh}")
  elif [ "$alpha" = 1 ] && [ "$vb" != 4 ]; then
    fails+=("vipsheader says ${vb:-?} bands, expected 4 (alpha)")
  fi
  # (ImageMagick 6's HEIC reader ignores alpha: only the size is checked)
  run identify identify -format '%w %h\n' "$heic"
  local iw ih
  read -r iw ih <<<"$(grep -E '^[0-9]+ [0-9]+$' "$o.identify.log" | head -n1)"
  if [ "$rc" -ne 0 ]; then
    fails+=("identify exit $rc")
  elif [ "${iw:-}x${ih:-}" != "${ew}x${eh}" ]; then
    fails+=("identify says ${iw:-?}x${ih:-?}, expected ${ew}x${eh}")
  fi

  # heic-dec (exit 4 would be outstanding allocator bytes)
  run dec "$dec" --quiet "$heic" "$decpng"
  if [ "$rc" -ne 0 ] || [ ! -s "$decpng" ]; then
    fails+=("heic-dec exit $rc")
  else
    local dshape
    read -r -a dshape <<<"$(png_shape "$decpng")"
    if [ "${dshape[0]}x${dshape[1]}" != "${ew}x${eh}" ]; then
      fails+=("heic-dec PNG is ${dshape[0]}x${dshape[1]}, expected ${ew}x${eh}")
    fi
    if [ "$alpha" = 1 ] && [ "${dshape[2]}" != 1 ]; then
      fails+=("heic-dec PNG has no alpha")
    fi
    if [ -s "$png" ]; then
      run cmpdec "$imgcmp" "$decpng" "$png" "$min_psnr_dec"
      if [ "$rc" -ne 0 ]; then
        fails+=("heic-dec vs heif-convert: $(head -n1 "$o.cmpdec.log") (< $min_psnr_dec)")
      fi
    fi
  fi

  # PSNR against the input
  local psnr="" cmpline="" min_here="$min_psnr_any"
  [ "$q" -eq 75 ] && min_here="$min_psnr_q75"
  if [ "$kind" = y4m ]; then
    run decy4m "$dec" --quiet "$heic" "$o.y4m"
    if [ "$rc" -ne 0 ]; then
      fails+=("heic-dec to Y4M exit $rc")
    else
      run psnr "$imgcmp" "$o.y4m" "$ref" "$min_here"
      cmpline="$(head -n1 "$o.psnr.log")"
    fi
  elif [ -s "$png" ]; then
    run psnr "$imgcmp" "$png" "$ref" "$min_here"
    cmpline="$(head -n1 "$o.psnr.log")"
  fi
  if [ -n "$cmpline" ]; then
    psnr="$(printf '%s\n' "$cmpline" | sed -n 's/^PSNR \([^ ]*\) dB.*/\1/p')"
    if [ "$rc" -ne 0 ]; then
      fails+=("PSNR: $cmpline (< $min_here)")
    fi
    if [ "$alpha" = 1 ]; then
      local apsnr
      apsnr="$(printf '%s\n' "$cmpline" | sed -n 's/.*alpha \([^ ,)]*\).*/\1/p')"
      notes+=("alpha ${apsnr:-?}")
      [ -n "$apsnr" ] || fails+=("imgcmp reports no alpha: $cmpline")
    fi
  fi

  # metadata: Exif, XMP, ICC
  local hm="$o.heifmeta"
  if ! python3 "$tmp/meta.py" heif "$heic" >"$hm" 2>&1; then
    fails+=("cannot read the HEIF boxes: $(head -n1 "$hm")")
  else
    local in_exif in_xmp in_icc in_icc_rgb
    in_exif="$(mget "$m" exif)"
    in_xmp="$(mget "$m" xmp)"
    in_icc="$(mget "$m" icc)"
    in_icc_rgb="$(mget "$m" icc_rgb)"
    if [ "$in_exif" != 0 ]; then
      local h_exif h_orient
      h_exif="$(mget "$hm" exif)"
      h_orient="$(mget "$hm" orient)"
      if [ "$h_exif" = 0 ]; then
        fails+=("the input's Exif is lost")
      else
        grep -q 'metadata: Exif' "$o.info.log" || fails+=("heic-info lists no Exif")
        grep -q 'Exif: ' "$o.heifinfo.log" || fails+=("heif-info lists no Exif")
        [ "$(mget "$hm" exif_tiff)" = 1 ] || fails+=("the Exif item holds no TIFF header")
        if [ "$orient" = none ]; then
          [ "$h_orient" = none ] || [ "$h_orient" = 1 ] ||
            fails+=("Exif orientation $h_orient, the input had none")
        elif [ "$h_orient" != 1 ]; then
          fails+=("Exif orientation reads $h_orient, expected 1 (input $orient)")
        fi
        notes+=("exif o=$orient->$h_orient")
      fi
    fi
    if [ "$in_xmp" != 0 ]; then
      local h_xmp h_xo in_xo
      h_xmp="$(mget "$hm" xmp)"
      h_xo="$(mget "$hm" xmp_orient)"
      in_xo="$(mget "$m" xmp_orient)"
      if [ "$h_xmp" = 0 ]; then
        fails+=("the input's XMP is lost")
      else
        grep -q 'metadata: XMP' "$o.info.log" || fails+=("heic-info lists no XMP")
        if [ "$in_xo" != none ] && [ "$h_xo" != 1 ]; then
          fails+=("XMP orientation reads $h_xo, expected 1 (input $in_xo)")
        fi
        notes+=("xmp")
      fi
    fi
    if [ "$in_icc" != 0 ] && [ "$in_icc_rgb" = 1 ]; then
      local h_icc
      h_icc="$(mget "$hm" icc)"
      if [ "$h_icc" = 0 ] && grep -q 'note: ICC profile left out (libpng:' "$o.enc.log"; then
        # documented: a profile libpng refuses would stop libheif's tools
        # writing PNG; heic-enc says so, and the nclx colour stands in:
        # sRGB, stated in the HEVC VUI, and in a colr box only when it is
        # not what readers assume without one (--nclx auto)
        if grep -q 'colour: nclx' "$o.info.log"; then
          notes+=("icc $in_icc left out (libpng refuses it), nclx")
        else
          notes+=("icc $in_icc left out (libpng refuses it), sRGB in the VUI")
        fi
      elif [ "$h_icc" = 0 ]; then
        fails+=("the input's ICC profile ($in_icc bytes) is lost")
      elif [ "$(mget "$hm" icc_md5)" != "$(mget "$m" icc_md5)" ]; then
        fails+=("the ICC profile differs from the input's ($h_icc vs $in_icc bytes)")
      elif ! grep -q "ICC profile, $in_icc bytes" "$o.info.log"; then
        fails+=("heic-info does not show the $in_icc-byte ICC profile")
      else
        notes+=("icc $in_icc")
      fi
    fi
  fi

  local verdict=ok why=""
  if [ "${#fails[@]}" -gt 0 ]; then
    verdict=FAIL
    why="$(printf '%s; ' "${fails[@]}")"
    why="  ${why%; }"
  fi
  printf '%s\t%-8s q%-3s %-44s %9sx%-5s %8s B %5s bpp  PSNR %-6s %5ss  %s%s\n' \
    "$verdict" "$encoder" "$q" "$rel" "$ew" "$eh" "$bytes" "$bpp" "${psnr:--}" "$secs" \
    "${notes[*]:-}" "$why" >"$o.result"
  if [ "$verdict" != ok ]; then
    printf '%s' "$details" >>"$o.result"
  fi
  # keep the disk use bounded: only the result is read later
  rm -f "$heic" "$png" "$decpng" "$o.y4m"
}

# ---- run ----------------------------------------------------------------------
start="$(date +%s)"
if [ "$full" -eq 1 ] || [ "$quick" -eq 1 ]; then
  sel="qualities ${qualities[*]}; above $big_pixels pixels q75 only"
else
  if [ "$encoder" = builtin ]; then
    sel="qualities ${qualities[*]} up to $mid_pixels pixels, q75 above"
  else
    sel="qualities ${qualities[*]} up to $mid_pixels pixels, above: --full only"
  fi
fi
echo "encode_corpus: encoder $encoder, ${#inputs[@]} inputs, ${#job_input[@]} encodes ($sel), $jobs at a time"
# Biggest pictures first, so that the slowest encodes do not end the run alone.
order=()
while read -r _ n; do
  order+=("$n")
done < <(for n in "${!job_input[@]}"; do
           i="${job_input[$n]}"
           echo "$(( $(mget "$tmp/in/$i.meta" w) * $(mget "$tmp/in/$i.meta" h) )) $n"
         done | sort -k1,1nr -k2,2n)
run_jobs "$jobs" "$tmp/out" check_one "${order[@]}"
tally_results "$tmp/out" "      " "${!job_input[@]}"
passed="$TALLY_PASSED"
failed=$((prep_failed + TALLY_FAILED))
echo
echo "encode_corpus ($encoder) done in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
