"""Writes a small bundle-format folder for the engine's integration tests and benchmarks: a random GPT-2
(training/gpt2.py) exported through the team's bundle writer, with one SAELens dictionary of each
architecture (standard, topk, jumprelu; apply_b_dec_to_input both ways).

  /usr/bin/python3 test/integration/inference-make-bundle.py OUT_DIR [--ctx 64] [--d 64] [--layers 2]
      [--tokenizer PATH] [--d-sae 256]
"""
import argparse, json, os, sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
from gpt2 import GPT2, GPT2Config  # noqa: E402
from bundle_writer import write_bundle  # noqa: E402
from safetensors_io import save_file  # noqa: E402


def sae_folder(path, hook, arch, d_in, d_sae, apply_b_dec, rng):
    os.makedirs(path, exist_ok=True)
    cfg = {"architecture": arch, "d_in": d_in, "d_sae": d_sae, "dtype": "float32", "device": "cpu",
           "apply_b_dec_to_input": apply_b_dec, "normalize_activations": "none",
           "metadata": {"hook_name": hook, "model_name": "test-gpt2"}}
    if arch == "topk":
        cfg["k"] = 16
    w_enc = rng.standard_normal((d_in, d_sae)).astype(np.float32) / np.sqrt(d_in)
    t = {"W_enc": w_enc, "W_dec": np.ascontiguousarray(w_enc.T) * 0.5,
         "b_enc": (rng.standard_normal(d_sae) * 0.1).astype(np.float32),
         "b_dec": (rng.standard_normal(d_in) * 0.05).astype(np.float32)}
    if arch == "jumprelu":
        t["threshold"] = np.abs(rng.standard_normal(d_sae) * 0.2).astype(np.float32)
    save_file(t, os.path.join(path, "sae_weights.safetensors"))
    with open(os.path.join(path, "cfg.json"), "w") as f:
        json.dump(cfg, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-sae", type=int, default=256)
    # The default bundle's tokenizer is in the repo, so a fresh clone builds this without any training cache.
    ap.add_argument("--tokenizer", default=os.path.join(HERE, "..", "..", "media", "models", "code-gpt2-2l", "tokenizer.json"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    tok = json.load(open(a.tokenizer))
    vocab = max(max(tok["model"]["vocab"].values()), max((t["id"] for t in tok.get("added_tokens", [])), default=0)) + 1
    model = GPT2(GPT2Config(vocab_size=vocab, n_positions=a.ctx, n_embd=a.d, n_layer=a.layers, n_head=a.heads)).eval()
    # Random weights at init scale give near-uniform predictions; sharpen them so ranks/top-k mean something.
    with torch.no_grad():
        model.wte.weight.mul_(8.0)
    tmp = a.out + ".saes"
    last = a.layers - 1
    specs = [(f"blocks.0.hook_resid_post", "standard", True), (f"blocks.{last}.hook_resid_pre" if last > 0 else "blocks.0.hook_resid_pre", "topk", False),
             (f"blocks.{last}.hook_resid_post" if last > 0 else "blocks.0.hook_resid_mid", "jumprelu", True)]
    saes = []
    for hook, arch, abd in specs:
        p = os.path.join(tmp, hook)
        sae_folder(p, hook, arch, a.d, a.d_sae, abd, rng)
        saes.append((hook, p))
    write_bundle(a.out, model, tok, saes, {"id": "test-gpt2", "name": "random test GPT-2"}, log=lambda *x: None)
    torch.save({"state_dict": model.state_dict(), "config": model.cfg.to_dict()}, a.out + ".state_dict.pt")
    # A SAELens folder outside the bundle for `--sae`: standard, pre-v6 flat config, expected_average_only_in
    # without a stored scaling factor (then, as in SAELens, no factor is applied).
    extra = a.out + "-extra-sae"
    hook = f"blocks.{last}.hook_resid_pre" if last > 0 else "blocks.0.hook_resid_pre"
    sae_folder(extra, hook, "standard", a.d, a.d_sae, True, rng)
    cfg = json.load(open(os.path.join(extra, "cfg.json")))
    flat = {k: v for k, v in cfg.items() if k not in ("architecture", "metadata")}
    flat.update({"hook_point": hook, "activation_fn_str": "relu", "normalize_activations": "expected_average_only_in"})
    json.dump(flat, open(os.path.join(extra, "cfg.json"), "w"))
    print(a.out)


if __name__ == "__main__":
    main()
