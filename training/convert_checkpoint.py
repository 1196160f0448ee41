"""Converts a Hugging Face GPT-2-family checkpoint folder (gpt2, distilgpt2, gpt2-medium, local fine-tunes)
into an Activation Inspector bundle, through the same ONNX export as the default bundle.

  /usr/bin/python3 training/convert_checkpoint.py --checkpoint DIR --out BUNDLE_DIR [--sae SAE_DIR]...
      [--id ID] [--name NAME] [--description TEXT]

DIR holds config.json, model.safetensors (or pytorch_model.bin) and tokenizer.json (or vocab.json +
merges.txt). Each --sae is an SAELens folder (cfg.json + sae_weights.safetensors); its hook comes from its
cfg.json. Needs torch, onnx and numpy only. See docs/bring-your-own-model.md.
"""
import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from bundle_writer import BundleError, check_target, write_bundle  # noqa: E402
from hf_checkpoint import CheckpointError, load_model, read_tokenizer  # noqa: E402
from saelens_folder import SaeFolderError, read_cfg  # noqa: E402
from safetensors_io import SafetensorsError  # noqa: E402


def convert(checkpoint, out, sae_dirs=(), bundle_id=None, name=None, description=None, eot_token_id=None, log=print):
    t0 = time.time()
    if not os.path.isdir(checkpoint):
        raise CheckpointError(f"{checkpoint}: not a folder")
    check_target(os.path.abspath(out))
    saes = []
    for d in sae_dirs:
        saes.append((read_cfg(d)["hook_name"], d))
    model = load_model(checkpoint)
    cfg = model.cfg
    tok = read_tokenizer(checkpoint, cfg.vocab_size)
    log(f"loaded {checkpoint}: {cfg.n_layer} layers, d_model {cfg.n_embd}, {cfg.n_head} heads, vocab {cfg.vocab_size}, "
        f"context {cfg.n_positions} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters) "
        f"in {time.time() - t0:.1f} s")
    base = os.path.basename(os.path.normpath(checkpoint))
    extra = {"id": bundle_id or base, "name": name or base,
             "description": description or f"Converted from the Hugging Face checkpoint {base} by training/convert_checkpoint.py",
             "source": {"kind": "huggingface-checkpoint", "folder": base}}
    if eot_token_id is not None:
        extra["eot_token_id"] = eot_token_id
    manifest = write_bundle(out, model, tok, saes, extra, log=log)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"wrote {out} in {time.time() - t0:.1f} s (peak RSS {peak_mb:.0f} MB): "
        + ", ".join(f"{k} {v['bytes'] / 1e6:.1f} MB" for k, v in manifest["files"].items() if v["bytes"] > 1e6))
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="Hugging Face GPT-2-family checkpoint folder")
    ap.add_argument("--out", required=True, help="bundle folder to write (replaced if it is a bundle already)")
    ap.add_argument("--sae", action="append", default=[], help="SAELens folder to include (repeatable)")
    ap.add_argument("--id")
    ap.add_argument("--name")
    ap.add_argument("--description")
    ap.add_argument("--eot-token-id", type=int, help="end-of-text id, when the tokenizer has no <|endoftext|>")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        convert(a.checkpoint, a.out, a.sae, a.id, a.name, a.description, a.eot_token_id)
    except (CheckpointError, SaeFolderError, BundleError, SafetensorsError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
