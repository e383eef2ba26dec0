#!/bin/bash
# Batch conversion in heic-enc and heic-dec (issue 15): directories, lists,
# parallel files, failures, resumption, sharding, GNU parallel.
# SPDX-License-Identifier: BSD-2-Clause
#
#   batch.sh [--sanitizer] HEIC-ENC HEIC-DEC CORPUS-DIR
#
# Copies a few small corpus photos (<= 0.7 MP: PNG 8/16-bit, grey, alpha,
# JPEG with Exif/ICC and with an EXIF orientation) into a temporary tree
# with subdirectories, and among them the bad files a photo library has:
#   corrupt.png         a PNG cut short
#   sub/text.png        a text file named .png
#   unreadable.png      a file that cannot be read: chmod 000 when that
#                       stops us; as root it does not (root reads any
#                       file), so then a FIFO of that name instead, which
#                       must be refused by type (opening it would block)
#   sub/gone.jpg        a dangling symbolic link (cannot be opened, root
#                       or not)
#   README.txt, .hidden.png   not photos / hidden: never listed
# Then checks:
#  1. heic-enc -r -j 2: every good file converted exactly once (the -v
#     lines), its output at the mirrored path; every bad file named in
#     the failure list; the summary's counts; exit status 1; no hidden
#     temporary or partial file anywhere.
#  2. A run killed midway (SIGINT, then SIGKILL, each once the first
#     outputs exist): SIGINT gives 130 and names what was not written;
#     every output left is complete (cmp against a finished run); a rerun
#     with --skip-existing converts only the rest (counts), leaves the
#     finished outputs alone (same inode and mtime) and ends with the
#     whole set, identical to the finished run.
#  3. heic-dec -r -j 2 of the outputs to PNG and to JPEG (-f jpg -q 85):
#     byte-identical to heic-dec's single-file outputs; a bad .heic is
#     listed, status 1.
#  4. --files-from with -0 (find -print0 on stdin) mirrors the listed
#     paths; two inputs with one output (x.png, x.jpg) are refused with
#     status 2 before any work; --keep-mtime; one file with
#     --skip-existing and -o OUT.heic; the progress line on a terminal
#     (script(1)) and none with --quiet.
#  5. --shard: shards 0/2 and 1/2 are disjoint and together the whole
#     set; GNU parallel running them on 2 local workers converts each
#     file exactly once, into outputs identical (cmp) to the single run.
#  6. the Kubernetes Indexed Job of docs/scale-out.md: its container's
#     command line, run locally once per JOB_COMPLETION_INDEX, converts the
#     whole set, identical to the single run (needs python3-yaml).
#  7. (plain tree) valgrind --leak-check=full over a small heic-enc batch
#     with bad files and a heic-dec JPEG batch: no error, no leak.
# Exit 77 (skipped) without the corpus, or without GNU parallel for part 5
# (then parts 1-4 still run and decide).
set -u
sanitizer=0
if [ "${1:-}" = "--sanitizer" ]; then
  sanitizer=1
  shift
fi
enc=$1 dec=$2 corpus=$3
# Absolute: part 4 runs a tool from another directory.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
enc=$(abs "$enc") dec=$(abs "$dec")
P=$corpus/inputs/png J=$corpus/inputs/jpeg
if [ ! -d "$P" ] || [ ! -d "$J" ]; then
  echo "SKIP: no corpus at $corpus"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/heic-batch-XXXXXX") || exit 1
cleanup() {
  chmod -R u+rwx "$T" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
t0=$(date +%s.%N)
lap() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "  (%.1f s)\n", b - a }'; }

# ---- the tree -------------------------------------------------------------
good_files() {  # the inputs that must convert, relative to the tree
  printf '%s\n' a.png b.png e.png g.jpg h.png sub/c.jpg sub/f.png sub/deeper/d.png
}
make_good() {  # make_good DIR: the good photos
  local d=$1
  mkdir -p "$d/sub/deeper"
  cp "$P/wesaturate_tmshre_500x500.png" "$d/a.png"
  cp "$P/odd_1001x667_flower.png" "$d/b.png"
  cp "$P/tiny_63x65_storm.png" "$d/e.png"
  cp "$J/paris_exif_orientation_5.jpg" "$d/g.jpg"
  cp "$P/wesaturate_tmshre_alpha_500x500.png" "$d/h.png"
  cp "$J/paris_exif_xmp_icc.jpg" "$d/sub/c.jpg"
  cp "$P/hdr_room_676x449_16bit.png" "$d/sub/f.png"
  cp "$P/wesaturate_cvo9xd_gray_500x500.png" "$d/sub/deeper/d.png"
}
for f in wesaturate_tmshre_500x500.png odd_1001x667_flower.png tiny_63x65_storm.png \
         wesaturate_tmshre_alpha_500x500.png hdr_room_676x449_16bit.png wesaturate_cvo9xd_gray_500x500.png; do
  [ -f "$P/$f" ] || { echo "SKIP: corpus photo $f missing"; exit 77; }
done
for f in paris_exif_orientation_5.jpg paris_exif_xmp_icc.jpg; do
  [ -f "$J/$f" ] || { echo "SKIP: corpus photo $f missing"; exit 77; }
done

IN=$T/in
make_good "$IN"
head -c 20000 "$P/wesaturate_cvo9xd_500x500.png" > "$IN/corrupt.png"
echo "not a picture" > "$IN/sub/text.png"
cp "$P/tiny_7x5_path.png" "$IN/unreadable.png"
chmod 000 "$IN/unreadable.png"
if head -c 1 "$IN/unreadable.png" >/dev/null 2>&1; then
  # Root reads a mode-000 file: a FIFO is what cannot be read here.
  rm -f "$IN/unreadable.png"
  mkfifo "$IN/unreadable.png"
  unreadable_kind="a FIFO (running as root, chmod 000 does not stop reading)"
else
  unreadable_kind="chmod 000"
fi
ln -s nowhere.jpg "$IN/sub/gone.jpg"
echo "notes" > "$IN/README.txt"
cp "$P/tiny_1x1_flower.png" "$IN/.hidden.png"
bad_files() { printf '%s\n' corrupt.png sub/text.png unreadable.png sub/gone.jpg; }
ngood=$(good_files | wc -l)
nbad=$(bad_files | wc -l)
echo "tree: $ngood good photos, $nbad bad files (unreadable.png is $unreadable_kind)"

# The expected outputs of the good files, relative.
expected_outputs() { good_files | sed 's/\.[a-z]*$/.heic/' | sort; }
list_outputs() { (cd "$1" && find . -type f | sed 's|^\./||' | sort); }
no_hidden() {  # no_hidden WHAT DIR...: no hidden temporary or other leftover
  local left
  left=$(find "${@:2}" -name '.*' ! -name .hidden.png 2>/dev/null)
  [ -z "$left" ] && ok "$1: no hidden or temporary file" || fail "$1: left behind: $left"
}

# ---- 1. a directory tree with bad files, -j 2 --------------------------------
echo "== 1. heic-enc -r -j 2 over the tree"
"$enc" -r -j 2 -v -q 50 "$IN" -o "$T/out1" > "$T/1.out" 2> "$T/1.err"
rc=$?
[ "$rc" = 1 ] && ok "exit status 1 (input failures)" || { fail "exit status $rc, expected 1"; cat "$T/1.err"; }
if [ "$(list_outputs "$T/out1")" = "$(expected_outputs)" ]; then
  ok "the $ngood outputs, at their mirrored paths, and nothing else"
else
  fail "outputs differ from the expected set:"; diff <(list_outputs "$T/out1") <(expected_outputs)
fi
for g in $(good_files); do
  n=$(grep -c -F "heic-enc: $IN/$g -> " "$T/1.err")
  [ "$n" = 1 ] || fail "$g converted $n times (expected once)"
done
ok "every good file converted exactly once (-v lines)"
failed_list=$(sed -n '/file(s) failed:$/,/^heic-enc: [0-9]* converted/p' "$T/1.err")
for b in $(bad_files); do
  echo "$failed_list" | grep -q -F "  $IN/$b: " || fail "$b not named in the failure list"
done
for g in $(good_files); do
  echo "$failed_list" | grep -q -F "$IN/$g:" && fail "$g named among the failures"
done
echo "$failed_list" | grep -q "not a regular file" || fail "the FIFO/unreadable reason is missing"
ok "every bad file named in the failure list, no good one"
grep -q "^heic-enc: $ngood converted, $nbad failed, 0 skipped; " "$T/1.err" &&
  ok "summary: $ngood converted, $nbad failed, 0 skipped" || { fail "summary line"; tail -3 "$T/1.err"; }
grep -q " -> .*; .* files/s, .* MP/s$" "$T/1.err" || fail "summary has no bytes/rate"
if grep -q "^heic-enc: 0 converted" "$T/1.err" || grep -q $'\r' "$T/1.err"; then
  fail "a progress line was drawn with stderr not a terminal"
fi
no_hidden "run 1" "$T/out1" "$IN"
[ -z "$(find "$T/out1" -type f -empty)" ] || fail "an empty output exists"
lap

# ---- the reference: the same photos, 3 times over, in one complete run -----
# (24 files: enough that a kill lands in the middle of the run)
R=$T/ref-in
for k in 1 2 3; do make_good "$R/set$k"; done
ref_set() { for k in 1 2 3; do good_files | sed "s|^|set$k/|"; done | sed 's/\.[a-z]*$/.heic/' | sort; }
nref=$(ref_set | wc -l)
"$enc" -r -j 2 --quiet -q 50 "$R" -o "$T/ref" 2> "$T/ref.err"
rc=$?
[ "$rc" = 0 ] || { fail "reference run: status $rc"; cat "$T/ref.err"; }
[ "$(list_outputs "$T/ref")" = "$(ref_set)" ] || fail "reference run: not the $nref outputs"
[ -s "$T/ref.err" ] && fail "--quiet run printed: $(head -3 "$T/ref.err")"
# same_as_ref DIR: every output in DIR equals the reference's.
same_as_ref() {
  local o bad=0
  for o in $(list_outputs "$1"); do cmp -s "$1/$o" "$T/ref/$o" || { echo "  differs: $o"; bad=1; }; done
  return $bad
}

# ---- 2. killed midway, resumed with --skip-existing --------------------------
# wait_outputs DIR N PID: until DIR holds N .heic files or PID has exited.
wait_outputs() {
  local i
  for i in $(seq 1 3000); do
    [ "$(find "$1" -name '*.heic' 2>/dev/null | wc -l)" -ge "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
for sig in INT KILL; do
  echo "== 2. SIG$sig midway, then --skip-existing"
  O=$T/out-$sig
  # --threads 1: two files coded at once and slowly enough to be caught
  # in the middle of the list.
  "$enc" -r -j 2 --threads 1 -q 50 "$R" -o "$O" > "$T/k.out" 2> "$T/k.err" &
  pid=$!
  if ! wait_outputs "$O" 2 "$pid"; then
    wait "$pid"
    fail "SIG$sig: the run ended before two outputs appeared"
    continue
  fi
  kill -s "$sig" "$pid"
  wait "$pid" 2>/dev/null
  rc=$?
  if [ "$sig" = INT ]; then
    [ "$rc" = 130 ] && ok "SIGINT: status 130" || fail "SIGINT: status $rc, expected 130"
    grep -q "not written: interrupted" "$T/k.err" || fail "SIGINT: no 'not written' message"
  else
    [ "$rc" = 137 ] || fail "SIGKILL: status $rc, expected 137"
  fi
  done_before=$(list_outputs "$O")
  ndone=$(echo "$done_before" | grep -c .)
  if [ "$ndone" -ge "$nref" ]; then
    fail "SIG$sig: the run had finished ($ndone outputs) before the signal"
    continue
  fi
  same_as_ref "$O" && ok "SIG$sig: the $ndone outputs left are complete (cmp)" ||
    fail "SIG$sig: a partial output was left"
  no_hidden "SIG$sig" "$O"
  (cd "$O" && stat -c '%n %i %Y.%y' $done_before) > "$T/k.before"
  sleep 1.1 # a rewritten file would get a visibly later mtime
  "$enc" -r -j 2 --skip-existing -q 50 "$R" -o "$O" > "$T/r.out" 2> "$T/r.err"
  rc=$?
  [ "$rc" = 0 ] || { fail "resume: status $rc"; cat "$T/r.err"; }
  grep -q "^heic-enc: $((nref - ndone)) converted, 0 failed, $ndone skipped; " "$T/r.err" &&
    ok "resume: $((nref - ndone)) converted, $ndone skipped" || { fail "resume counts"; tail -2 "$T/r.err"; }
  (cd "$O" && stat -c '%n %i %Y.%y' $done_before) > "$T/k.after"
  cmp -s "$T/k.before" "$T/k.after" && ok "resume: finished outputs untouched (inode, mtime)" ||
    { fail "resume rewrote finished outputs"; diff "$T/k.before" "$T/k.after"; }
  [ "$(list_outputs "$O")" = "$(ref_set)" ] && same_as_ref "$O" &&
    ok "resume: the whole set, identical to the complete run" || fail "resume: set differs"
  no_hidden "resume" "$O"
done
lap

# ---- 3. heic-dec batches: PNG and JPEG ---------------------------------------
echo "== 3. heic-dec -r -j 2 to PNG and to JPEG"
"$dec" -r -j 2 "$T/out1" -o "$T/png" 2> "$T/d.err"
rc=$?
[ "$rc" = 0 ] || { fail "heic-dec PNG batch: status $rc"; cat "$T/d.err"; }
"$dec" -r -j 2 -f jpg -q 85 "$T/out1" -o "$T/jpg" 2> "$T/dj.err"
rc=$?
[ "$rc" = 0 ] || { fail "heic-dec JPEG batch: status $rc"; cat "$T/dj.err"; }
for o in $(expected_outputs); do
  s=${o%.heic}
  "$dec" --quiet "$T/out1/$o" "$T/single.png" || fail "single heic-dec of $o"
  cmp -s "$T/png/$s.png" "$T/single.png" || fail "batch PNG of $o differs from the single-file one"
  "$dec" --quiet -q 85 "$T/out1/$o" "$T/single.jpg" || fail "single heic-dec to JPEG of $o"
  cmp -s "$T/jpg/$s.jpg" "$T/single.jpg" || fail "batch JPEG of $o differs from the single-file one"
  [ "$(head -c 3 "$T/jpg/$s.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] || fail "$s.jpg is not a JPEG"
done
[ "$(list_outputs "$T/png" | wc -l)" = "$ngood" ] && [ "$(list_outputs "$T/jpg" | wc -l)" = "$ngood" ] &&
  ok "heic-dec: $ngood PNG and $ngood JPEG files, each identical to the single-file decode" ||
  fail "heic-dec: wrong number of outputs"
if command -v identify >/dev/null 2>&1; then
  q=$(identify -format '%Q' "$T/jpg/sub/c.jpg" 2>/dev/null)
  [ "$q" = 85 ] && ok "JPEG quality 85 (identify)" || fail "JPEG quality is '$q', not 85"
  identify -verbose "$T/jpg/sub/c.jpg" 2>/dev/null | grep -q "Profile-icc" || fail "JPEG lost the ICC profile"
fi
echo "not heif" > "$T/bad.heic"
"$dec" -j 2 "$T/out1/a.heic" "$T/bad.heic" -o "$T/png2" 2> "$T/db.err"
rc=$?
[ "$rc" = 1 ] && grep -q "^  $T/bad.heic: " "$T/db.err" && [ -f "$T/png2/a.png" ] &&
  ok "heic-dec: a bad file is listed, status 1, the good one written" || { fail "heic-dec bad file: $rc"; cat "$T/db.err"; }
no_hidden "heic-dec" "$T/png" "$T/jpg" "$T/png2"
lap

# ---- 4. lists, collisions, mtimes, the progress line -------------------------
echo "== 4. --files-from -0, collisions, --keep-mtime, progress line"
(cd "$T" && find in -name '*.png' -type f -print0 | sort -z |
  "$enc" --files-from - -0 -j 2 --quiet -q 50 -o "$T/ff") 2> "$T/ff.err"
rc=$?
want=$(cd "$T" && find in -name '*.png' -type f | sort | sed 's/\.png$/.heic/')
[ "$rc" = 1 ] || fail "--files-from: status $rc, expected 1 (the list holds corrupt.png)"
got=$(list_outputs "$T/ff")
exp=$(echo "$want" | grep -v -e corrupt -e text)
[ "$got" = "$exp" ] && ok "--files-from - -0: outputs at the listed paths" ||
  { fail "--files-from outputs"; diff <(echo "$got") <(echo "$exp"); }
C=$T/clash
mkdir -p "$C"
cp "$IN/e.png" "$C/x.png"
cp "$IN/g.jpg" "$C/x.jpg"
"$enc" -j 2 "$C" -o "$T/clash-out" 2> "$T/c.err"
rc=$?
[ "$rc" = 2 ] && grep -q "would both be written to" "$T/c.err" && [ ! -e "$T/clash-out" ] &&
  ok "x.png and x.jpg to one x.heic: usage error, nothing written" || { fail "collision: $rc"; cat "$T/c.err"; }
touch -d '2001-02-03 04:05:06' "$C/x.png"
"$enc" --keep-mtime --quiet "$C/x.png" -o "$T/mt/" || fail "--keep-mtime run"
[ "$(stat -c %Y "$T/mt/x.heic")" = "$(stat -c %Y "$C/x.png")" ] && ok "--keep-mtime" || fail "--keep-mtime: mtime differs"
# One file with a batch option keeps -o OUT.heic as its output name.
"$enc" --skip-existing --quiet "$C/x.png" -o "$T/one.heic" && [ -f "$T/one.heic" ] || fail "one file, --skip-existing, -o OUT.heic"
i1=$(stat -c %i "$T/one.heic")
"$enc" --skip-existing "$C/x.png" -o "$T/one.heic" 2> "$T/one.err" || fail "one file, --skip-existing again"
[ "$(stat -c %i "$T/one.heic")" = "$i1" ] && grep -q "0 converted, 0 failed, 1 skipped" "$T/one.err" &&
  ok "one file: --skip-existing -o OUT.heic writes OUT.heic, then skips it" || fail "one file skip: $(cat "$T/one.err")"
if command -v script >/dev/null 2>&1; then
  script -qec "'$enc' -r -j 2 -q 50 '$R/set1' -o '$T/tty'" /dev/null > "$T/tty.log" 2>&1
  grep -q $'\r'"heic-enc: [0-9]*/$ngood files, .* MP/s, ETA " "$T/tty.log" &&
    ok "progress line on a terminal" || { fail "no progress line on a terminal"; cat -A "$T/tty.log" | head; }
  script -qec "'$enc' -r -j 2 --quiet -q 50 '$R/set1' -o '$T/tty-q'" /dev/null > "$T/ttyq.log" 2>&1
  [ ! -s "$T/ttyq.log" ] && ok "--quiet: nothing on a terminal" || fail "--quiet printed: $(cat -A "$T/ttyq.log" | head -3)"
fi
lap

# ---- 5. shards and GNU parallel ----------------------------------------------
echo "== 5. --shard and GNU parallel"
for k in 0 1; do
  "$enc" -r -j 1 --quiet -q 50 --shard "$k/2" "$R" -o "$T/shard$k" || fail "shard $k/2: status $?"
done
s0=$(list_outputs "$T/shard0")
s1=$(list_outputs "$T/shard1")
[ -n "$s0" ] && [ -n "$s1" ] || fail "a shard is empty (the hash does not spread)"
[ -z "$(comm -12 <(echo "$s0") <(echo "$s1"))" ] && ok "shards 0/2 and 1/2 are disjoint" || fail "shards overlap"
[ "$(printf '%s\n%s\n' "$s0" "$s1" | sort)" = "$(ref_set)" ] &&
  ok "shards 0/2 + 1/2 = the whole set ($(echo "$s0" | wc -l) + $(echo "$s1" | wc -l))" || fail "shards do not cover the set"
if ! parallel --version 2>/dev/null | grep -q "GNU parallel"; then
  echo "SKIP part: GNU parallel is not installed (Debian: parallel)"
  [ "$fails" = 0 ] && exit 77
else
  parallel --will-cite -j 2 "$enc" -r -j 1 -v -q 50 --shard {}/2 "$R" -o "$T/par" ::: 0 1 > "$T/p.out" 2> "$T/p.err"
  rc=$?
  [ "$rc" = 0 ] || { fail "GNU parallel: status $rc"; cat "$T/p.err"; }
  [ "$(list_outputs "$T/par")" = "$(ref_set)" ] && same_as_ref "$T/par" &&
    ok "GNU parallel, 2 workers: the whole set, identical (cmp) to the single run" || fail "GNU parallel outputs"
  dup=$(grep -o "^heic-enc: $R/[^ ]* -> " "$T/p.err" | sort | uniq -d)
  n=$(grep -c "^heic-enc: $R/[^ ]* -> " "$T/p.err")
  [ -z "$dup" ] && [ "$n" = "$nref" ] && ok "GNU parallel: each of the $nref files converted exactly once" ||
    fail "GNU parallel: $n conversions, duplicates: $dup"
  no_hidden "GNU parallel" "$T/par"
fi
lap

# ---- 6. the Kubernetes Indexed Job of docs/scale-out.md, run locally -------
# The container's command line is taken from the manifest in the document
# (so that the two cannot drift), its paths pointed at the test tree, and
# run once per index with JOB_COMPLETION_INDEX set, two at a time, as the
# pods would be.
echo "== 6. the Indexed Job of docs/scale-out.md, JOB_COMPLETION_INDEX = 0 .. N-1"
doc=$(dirname "$0")/../docs/scale-out.md
if [ -f "$doc" ] && python3 -c 'import yaml' 2>/dev/null; then
  cmdline=$(python3 - "$doc" <<'PY'
import re, sys, yaml
text = open(sys.argv[1]).read()
job = yaml.safe_load(re.search(r"```yaml\n(.*?)```", text, re.S).group(1))
spec = job["spec"]
c = spec["template"]["spec"]["containers"][0]
assert spec["completionMode"] == "Indexed"
print(spec["completions"])
print(c["args"][0])
PY
)
  n=$(echo "$cmdline" | head -1)
  line=$(echo "$cmdline" | tail -1)
  line=${line//heic-enc/\"\$ENC\"}
  line=${line//\/data\/photos/\"\$SRC\"}
  line=${line//\/data\/heic/\"\$DST\"}
  echo "  $n indices of: $line"
  export ENC=$enc SRC=$R DST=$T/k8s
  seq 0 $((n - 1)) | xargs -P 2 -I{} env JOB_COMPLETION_INDEX={} sh -c "$line" 2> "$T/k8s.err"
  rc=$?
  [ "$rc" = 0 ] || { fail "Indexed Job simulation: status $rc"; head "$T/k8s.err"; }
  [ "$(list_outputs "$T/k8s")" = "$(ref_set)" ] && same_as_ref "$T/k8s" &&
    ok "Indexed Job ($n shards): the whole set, identical to the single run" || fail "Indexed Job outputs"
else
  echo "  (skipped: no docs/scale-out.md or no python3-yaml)"
fi
lap

# ---- 7. valgrind over a small batch (plain tree) ------------------------------
# The workers, the list, the failure paths and heic-dec's JPEG writer,
# without a leak or an invalid access: the two smallest photos, a bad file
# and the FIFO, two at a time.
if [ "$sanitizer" = 0 ] && command -v valgrind >/dev/null 2>&1; then
  echo "== 7. valgrind: heic-enc and heic-dec batches"
  V=$T/vg
  mkdir -p "$V/in/sub"
  cp "$IN/e.png" "$V/in/" && cp "$IN/sub/c.jpg" "$V/in/sub/" && cp "$IN/corrupt.png" "$V/in/"
  mkfifo "$V/in/fifo.png"
  vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
      --error-exitcode=99 --suppressions="$(dirname "$0")/valgrind_libde265.supp")
  "${vg[@]}" "$enc" -r -j 2 --skip-existing "$V/in" -o "$V/heic" > "$V/e.log" 2>&1
  rc=$?
  [ "$rc" = 1 ] && ok "valgrind heic-enc batch: clean (status 1 for the bad files)" ||
    { fail "valgrind heic-enc batch: status $rc"; tail -20 "$V/e.log"; }
  "${vg[@]}" "$dec" -r -j 2 -f jpg "$V/heic" -o "$V/jpg" > "$V/d.log" 2>&1
  rc=$?
  [ "$rc" = 0 ] && ok "valgrind heic-dec JPEG batch: clean" || { fail "valgrind heic-dec batch: status $rc"; tail -20 "$V/d.log"; }
  lap
fi

[ "$sanitizer" = 1 ] && echo "(sanitizer tree)"
if [ "$fails" -gt 0 ]; then
  echo "batch: $fails check(s) FAILED"
  exit 1
fi
echo "batch: all checks passed"
exit 0
