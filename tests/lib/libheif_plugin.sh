# shellcheck shell=bash
# Shared by the libheif plugin's tests (tests/libheif_plugin.sh and
# tests/libheif_plugin_valgrind.sh).  Sourced, not run.

# lhp_setup INPUTS TOOL...: exits 77 (skipped) unless every TOOL is
# installed and INPUTS (the corpus photos) exists; sets magick to
# ImageMagick's own convert - the one beside its identify, since a convert
# earlier in PATH may be something else - and tmp to a directory removed
# on exit.
lhp_setup() {
  local inputs="$1" tool
  shift
  for tool in "$@" identify python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
  done
  [ -d "$inputs" ] || { echo "SKIP: corpus not found at $inputs"; exit 77; }
  magick="$(dirname "$(command -v identify)")/convert"
  [ -x "$magick" ] || { echo "SKIP: no ImageMagick convert beside identify"; exit 77; }
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # tmp is fixed now
  trap "rm -rf '$tmp'" EXIT
}

# lhp_wide_png FILE: writes a 16386x2 RGB PNG, two columns wider than
# libheic's encoder codes (16384).
lhp_wide_png() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
w, h = 16386, 2
raw = b"".join(b"\0" + bytes((x * 7) & 255 for x in range(w * 3)) for _ in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
}
