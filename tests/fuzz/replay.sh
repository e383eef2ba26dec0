#!/usr/bin/env bash
# ctest driver of a fuzz target's replay binary: builds the seeds (from the
# shared corpus when present, else the project's samples) and replays them
# and the target's regression inputs.
#
#   replay.sh REPLAY_BINARY TARGET CORPUS_DIR DATA_DIR SEEDS_ROOT
#
# HEIC_FUZZ_HEIC_ENC (a heic-enc binary) adds the hostile seeds: see
# make_seeds.sh.
set -euo pipefail
bin="$1" target="$2" corpus="$3" data="$4" seeds_root="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seeds="$seeds_root/$target"
# Replay takes bigger decode seeds than fuzzing does: no mutation cost here.
max=""
case "$target" in decode | parse) max=1048576 ;; esac
bash "$here/make_seeds.sh" "$target" "$corpus" "$data" "$seeds" $max
exec "$bin" "$seeds" "$here/regressions/$target"
