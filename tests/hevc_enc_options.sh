#!/usr/bin/env bash
# hevc-enc's search options reach every setting of its presets: each preset
# is written out as --preset fast plus the options it differs in, and the
# stream is the same bytes as the preset's.  Values outside an option's
# range are usage errors (exit 2) that name the option.
#
# usage: hevc_enc_options.sh HEVC_ENC
# Needs: python3 (the test picture).  Exit: 0 as described, 1 otherwise,
# 2 setup problem.
set -u
enc=${1:?usage: hevc_enc_options.sh HEVC_ENC}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hevc_enc_options.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/hevc_gen_y4m.py" mixed 200 136 8 "$work/in.y4m" || exit 2
fail=0
same() { # preset, the options that write it out from --preset fast
  local p=$1; shift
  "$enc" --preset "$p" --qp 30 "$work/in.y4m" -o "$work/p.hevc" &&
    "$enc" --preset fast "$@" --qp 30 "$work/in.y4m" -o "$work/o.hevc" || { echo "FAIL encode $p"; fail=1; return; }
  if cmp -s "$work/p.hevc" "$work/o.hevc"; then echo "ok $p = fast $*"; else echo "FAIL $p differs from fast $*"; fail=1; fi
}
same ultrafast --intra-step 8 --early-exit 3 --cu-sizes 8-32
same medium --mpm-rd 1 --chroma-rd 2 --nxn
same slow --rd 4 --intra-step 2 --mpm-rd 3 --chroma-rd 2 --nxn --rate-est 0 --tu-depth 1 --early-exit 1
same veryslow --rd 8 --intra-step 1 --mpm-rd 3 --chroma-rd 5 --nxn --rate-est 0 --tu-depth 3 --tu-cand 2 \
  --early-exit 0 --transform-skip 1
refuse() { # option, value
  local err
  err=$("$enc" "$1" "$2" "$work/in.y4m" -o "$work/x.hevc" 2>&1 >/dev/null)
  local st=$?
  if [ $st = 2 ] && [[ "$err" == *"$1"* ]]; then echo "ok $1 $2 refused"; else echo "FAIL $1 $2: exit $st, '$err'"; fail=1; fi
}
refuse --intra-step 3
refuse --intra-step 16
refuse --early-exit 4
refuse --rd 0
exit $fail
