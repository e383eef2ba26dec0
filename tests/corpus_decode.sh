#!/usr/bin/env bash
# Decodes every file under CORPUS/heif with Debian's libheif (heif-convert)
# and with heic-dec, and compares the pixels.
#
#  - AVIF (ftyp major brand avif/avis): heic-dec must fail cleanly (exit 1
#    with a message), never crash; counted as skipped (nothing to compare).
#  - libheif decodes the file: heic-dec must decode every image libheif
#    writes (the primary image by default, the others with --item ID) and
#    match it at PSNR >= 45 dB.
#  - libheif rejects the file: heic-dec must exit 1 with a message, or
#    decode it to a valid image (reported as such).
# heif-convert 1.15 writes out.png, or out-1.png ... (in heif-info's order)
# for several top-level images; where it crashes on a file's Exif before
# writing pixels (C034), it decodes a copy with the Exif item type hidden.
# Files are found at run time, so new corpus files are picked up.  One line
# per file, then "N passed, N failed, N skipped"; exit 1 on any failure, 77
# (skipped) when the corpus or libheif's tools are absent.
#
# usage: corpus_decode.sh HEIC_DEC IMGCMP CORPUS_DIR
set -euo pipefail

dec="${1:?usage: corpus_decode.sh HEIC_DEC IMGCMP CORPUS_DIR}"
imgcmp="${2:?}"
corpus="${3:?}"
min_psnr=45

if [ ! -d "$corpus/heif" ]; then
  echo "SKIP: corpus not found at $corpus/heif (it lives in ../shared beside the project)"
  exit 77
fi
for tool in heif-convert heif-info; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed (apt-get install libheif-examples)"
    exit 77
  fi
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}exitcode=86"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# libheif 1.15 brings subsampled chroma to full size by repeating each
# sample; compare like with like when heic-dec lets us choose.
dec_compat=()
if "$dec" --help 2>&1 | grep -q -- '--upsampling'; then
  dec_compat=(--upsampling nearest)
fi
echo "heic-dec options for the comparison with libheif: ${dec_compat[*]:-(none)}"

passed=0
failed=0
skipped=0
failures=()

# The ftyp major brand, or "" when the file does not start with ftyp.
major_brand() {
  if [ "$(head -c 8 "$1" | tail -c 4 | tr -c 'a-zA-Z0-9' '?')" = "ftyp" ]; then
    head -c 12 "$1" | tail -c 4 | tr -c 'a-zA-Z0-9' '?'
  fi
}

# hide_exif_items FILE: renames the item type of every 'Exif' infe entry
# (version 2 or 3) to 'xxxx' in place, so that libheif skips the Exif.
hide_exif_items() {
  local f="$1" off
  # One byte per line, then look for "infe" + version 2/3 + "Exif" where
  # the item type sits (after item_ID and item_protection_index).
  for off in $(od -An -v -tu1 -w1 "$f" | awk '
      { b[NR - 1] = $1 }
      END {
        for (i = 0; i + 16 < NR; i++) {
          if (b[i] != 105 || b[i + 1] != 110 || b[i + 2] != 102 || b[i + 3] != 101) continue
          v = b[i + 4]
          if (v != 2 && v != 3) continue
          t = i + 8 + (v == 2 ? 2 : 4) + 2
          if (b[t] == 69 && b[t + 1] == 120 && b[t + 2] == 105 && b[t + 3] == 102) print t
        }
      }'); do
    printf 'xxxx' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
  done
}

# run_dec LOG ARGS...: heic-dec with a time limit; sets rc and msg.  A
# sanitizer report or a signal makes rc 99.
rc=0
msg=""
run_dec() {
  local log="$1"
  shift
  rc=0
  timeout 600 "$dec" --quiet "$@" >"$log" 2>&1 || rc=$?
  msg="$(grep -v '^$' "$log" | head -n 3 | tr '\n' ' ' | cut -c1-200 || true)"
  if grep -q -E 'Sanitizer|runtime error:' "$log"; then
    rc=99
    msg="sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$log" || true)"
  elif [ "$rc" -ge 124 ] && [ "$rc" -ne 86 ]; then
    msg="killed by signal or timeout (status $rc) $msg"
    rc=99
  elif [ "$rc" -eq 86 ]; then
    rc=99
    msg="sanitizer report"
  fi
}

# compare A B: sets cmp_rc and psnr (the number, "inf", or "-").
cmp_rc=0
psnr="-"
compare() {
  cmp_rc=0
  local out
  out="$("$imgcmp" "$1" "$2" "$min_psnr" 2>&1)" || cmp_rc=$?
  psnr="$(printf '%s\n' "$out" | awk '/^PSNR/ { print $2; exit }')"
  [ -n "$psnr" ] || psnr="-"
  cmp_detail="$out"
}
cmp_detail=""

# lower of two PSNR values ("inf" is the highest)
min_psnr_of() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "-" || b == "inf") { print (a == "-" ? b : a); exit }
    if (a == "inf") { print b; exit }
    print (a + 0 < b + 0) ? a : b }'
}

report() { # file libheif ours psnr verdict [detail]
  printf '%-58s libheif: %-16s ours: %-22s PSNR: %-7s %s\n' "$1" "$2" "$3" "$4" "$5"
  if [ -n "${6:-}" ]; then
    printf '    %s\n' "$6"
  fi
}

printf 'corpus: %s\n' "$corpus/heif"
printf 'libheif: %s\n' "$(heif-convert --help 2>&1 | head -n1 | sed 's/^ *//')"

while IFS= read -r -d '' file; do
  rel="${file#"$corpus"/heif/}"
  work="$tmp/w"
  rm -rf "$work"
  mkdir -p "$work/lib" "$work/ours"
  brand="$(major_brand "$file")"

  # ---- AVIF: not decodable yet, must fail cleanly ----------------------
  if [ "$brand" = "avif" ] || [ "$brand" = "avis" ]; then
    run_dec "$work/dec.log" "$file" "$work/ours/out.png"
    if [ "$rc" -eq 1 ] && [ -n "$msg" ]; then
      # not compared (no AV1 decoder yet): counted as skipped
      skipped=$((skipped + 1))
      report "$rel" "(avif, skipped)" "clean error" "-" "skip" "$msg"
    elif [ "$rc" -eq 0 ]; then
      # A real AV1 decoder would be welcome; until one exists this is a bug.
      failed=$((failed + 1))
      failures+=("$rel: AVIF decoded although libheic has no AV1 decoder")
      report "$rel" "(avif)" "exit 0" "-" "FAIL"
    else
      failed=$((failed + 1))
      failures+=("$rel: exit $rc on AVIF: $msg")
      report "$rel" "(avif)" "exit $rc" "-" "FAIL" "$msg"
    fi
    continue
  fi

  # ---- libheif ------------------------------------------------------------
  lrc=0
  (cd "$work/lib" && timeout 300 heif-convert --quiet "$file" out.png >../lib.log 2>&1) 2>/dev/null || lrc=$?
  ext=png
  lib_outputs=()
  for f in "$work/lib/out.png" "$work/lib"/out-[0-9]*.png; do
    [ -s "$f" ] && lib_outputs+=("$f")
  done
  lib_state="ok"
  if [ "${#lib_outputs[@]}" -eq 0 ] && [ "$lrc" -ge 128 ]; then
    # heif-convert 1.15 crashes while writing the Exif of some files (C034)
    # into PNG, before the pixels.  Its decode of a copy whose Exif items
    # libheif does not recognise shows the same pixels.
    rm -f "$work/lib"/out*
    cp "$file" "$work/noexif.heic"
    chmod u+w "$work/noexif.heic"
    hide_exif_items "$work/noexif.heic"
    lrc2=0
    (cd "$work/lib" && timeout 300 heif-convert --quiet "$work/noexif.heic" out.png >../lib.log 2>&1) 2>/dev/null || lrc2=$?
    for f in "$work/lib/out.png" "$work/lib"/out-[0-9]*.png; do
      [ -s "$f" ] && lib_outputs+=("$f")
    done
    lib_state="ok (Exif hidden)"
    [ "$lrc2" -eq 0 ] || lib_state="ok (exit $lrc2)"
  elif [ "$lrc" -ne 0 ] && [ "${#lib_outputs[@]}" -gt 0 ]; then
    lib_state="ok (exit $lrc)"
  fi
  # numeric order: out-2 before out-10
  if [ "${#lib_outputs[@]}" -gt 1 ]; then
    mapfile -t lib_outputs < <(printf '%s\n' "${lib_outputs[@]}" |
      sed 's/^\(.*out-\([0-9]*\)\..*\)$/\2 \1/' | sort -n | cut -d' ' -f2-)
  fi

  if [ "${#lib_outputs[@]}" -eq 0 ]; then
    # ---- libheif rejects it: ours must fail cleanly (or really decode) ----
    lib_msg="$(grep -v '^$' "$work/lib.log" | head -n1 | cut -c1-60 || true)"
    run_dec "$work/dec.log" "$file" "$work/ours/out.png"
    if [ "$rc" -eq 1 ] && [ -n "$msg" ]; then
      passed=$((passed + 1))
      report "$rel" "fails" "clean error" "-" "ok" "$msg"
    elif [ "$rc" -eq 0 ] && "$imgcmp" "$work/ours/out.png" "$work/ours/out.png" >/dev/null 2>&1; then
      passed=$((passed + 1))
      report "$rel" "fails" "decodes" "-" "ok" \
        "note: libheic decodes a file libheif rejects ($lib_msg); output is a valid PNG"
    else
      failed=$((failed + 1))
      failures+=("$rel: libheif rejects it; heic-dec exit $rc: $msg")
      report "$rel" "fails" "exit $rc" "-" "FAIL" "$msg"
    fi
    continue
  fi

  # ---- libheif decodes it: so must we ----------------------------------------
  # heif-convert numbers its outputs in the order heif-info lists the
  # top-level images; heif-info also says which one is the primary.
  ids=()
  primary_index=-1
  while IFS= read -r line; do
    id="$(printf '%s\n' "$line" | sed -n 's/.*(id=\([0-9]*\)).*/\1/p')"
    [ -n "$id" ] || continue
    case "$line" in
      *primary*) primary_index="${#ids[@]}" ;;
    esac
    ids+=("$id")
  done < <(heif-info "$file" 2>/dev/null | grep '^image:' || true)

  if [ "${#lib_outputs[@]}" -eq 1 ] && [ "${#ids[@]}" -le 1 ]; then
    ids=("${ids[0]:-0}")
    primary_index=0
  fi
  if [ "${#ids[@]}" -ne "${#lib_outputs[@]}" ] || [ "$primary_index" -lt 0 ]; then
    failed=$((failed + 1))
    failures+=("$rel: cannot match heif-convert's ${#lib_outputs[@]} outputs to heif-info's ${#ids[@]} images")
    report "$rel" "$lib_state" "-" "-" "FAIL" "cannot map libheif's outputs to item ids"
    continue
  fi

  worst="inf"
  verdict="ok"
  notes=()
  ours_state="decodes"
  for i in "${!ids[@]}"; do
    lib_out="${lib_outputs[$i]}"
    if [ "$i" -eq "$primary_index" ]; then
      args=()
      label="primary"
      out="$work/ours/primary.$ext"
    else
      args=(--item "${ids[$i]}")
      label="item ${ids[$i]}"
      out="$work/ours/item${ids[$i]}.$ext"
    fi
    run_dec "$work/dec.log" "${dec_compat[@]}" "${args[@]}" "$file" "$out"
    if [ "$rc" -ne 0 ]; then
      verdict="FAIL"
      ours_state="exit $rc ($label)"
      notes+=("$label: heic-dec exit $rc: $msg")
      worst="-"
      continue
    fi
    compare "$out" "$lib_out"
    if [ "$cmp_rc" -ne 0 ]; then
      verdict="FAIL"
      notes+=("$label vs $(basename "$lib_out"): $cmp_detail")
    fi
    if [ "$worst" != "-" ]; then
      worst="$(min_psnr_of "$worst" "$psnr")"
    fi
  done
  if [ "${#ids[@]}" -gt 1 ]; then
    ours_state="$ours_state (${#ids[@]} images)"
  fi
  if [ "$verdict" = "ok" ]; then
    passed=$((passed + 1))
    report "$rel" "$lib_state" "$ours_state" "$worst" "ok"
  else
    failed=$((failed + 1))
    report "$rel" "$lib_state" "$ours_state" "$worst" "FAIL"
    for n in "${notes[@]}"; do
      printf '    %s\n' "$n"
      failures+=("$rel: $n")
    done
  fi
done < <(find "$corpus/heif" -type f -print0 | sort -z)

echo
if [ "${#failures[@]}" -gt 0 ]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
  echo
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
