#!/bin/bash
# Idle timing of one `fit` per image-generator variant on a DP-MERF release (Docs/benchmarks.md,
# "The transposed-convolution generator and the pixel head on DP-MERF"): the conditional MLP at
# fit's MERF defaults (400 steps) and longer, the transposed-convolution generator at 400 and
# 200 steps, and the clamp pixel head; fit only (no sampling, no evaluation), seed 1, one after
# another. Prints wall seconds, user seconds and peak memory (GNU time) per variant. Run it on
# an otherwise idle machine.
#
# Usage: Docs/bench/conditional_timing.sh SLICEGEN DIGITS.slg FASHION.slg
# (class-conditional MERF releases of the digits and of Fashion-MNIST, for example those
# merf_conditional.sh writes: OUT/eps10-seed1.slg)
set -euo pipefail
BIN=$1 DIGITS=$2 FASHION=$3
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() {
  local name=$1
  shift
  /usr/bin/time -f "$name: %e s wall, %U s user, %M KB peak" \
    "$BIN" fit "$@" --seed 1 -o "$OUT/$name.slgm" --quiet
}
run fashion-mlp400 "$FASHION" --sampler conditional
run fashion-mlp800 "$FASHION" --sampler conditional --epochs 80
run fashion-conv400 "$FASHION" --sampler conditional --conv-channels 32,16
run fashion-conv200 "$FASHION" --sampler conditional --conv-channels 32,16 --epochs 20
run fashion-clamp400 "$FASHION" --sampler conditional --numeric-head clamp-straight-through
run digits-mlp400 "$DIGITS" --sampler conditional
run digits-mlp540 "$DIGITS" --sampler conditional --epochs 54
run digits-conv400 "$DIGITS" --sampler conditional --conv-channels 32,16
