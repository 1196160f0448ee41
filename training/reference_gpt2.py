"""An independent forward pass of GPT-2, in numpy float64, straight from a Hugging Face checkpoint folder.

Deliberately shares no model code with gpt2.py / export_onnx.py, so that tests comparing the exported
bundle against it check the whole chain (checkpoint reading, name mapping, Conv1D layout, export). Written
from the GPT-2 definition: pre-LayerNorm blocks, fused c_attn = [q | k | v], causal softmax attention
scaled by 1/sqrt(d_head), MLP with GELU's tanh approximation ("gelu_new"), final LayerNorm, logits from
the tied token embedding.

  /usr/bin/python3 training/reference_gpt2.py --checkpoint DIR --ids IDS.json --out OUT.json
      [--hook blocks.8.hook_resid_pre --hook-out H.f32]
IDS.json is a JSON list of token ids. OUT.json holds, for each position i < n-1, target_logprob[i] =
log p(ids[i+1] | ids[..i]) and entropy[i] of that prediction. --hook writes that TransformerLens hook's
activations for all n positions as float32 [n, d] to --hook-out.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file  # noqa: E402  (a file-format reader, not model code)


def load_checkpoint(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    st = os.path.join(folder, "model.safetensors")
    if os.path.exists(st):
        raw = load_file(st, dtype=np.float64)
    else:
        import torch
        raw = {k: v.numpy() for k, v in torch.load(os.path.join(folder, "pytorch_model.bin"), map_location="cpu").items()}
    weights = {}
    for name, arr in raw.items():
        name = name[len("transformer."):] if name.startswith("transformer.") else name
        weights[name] = arr.astype(np.float64)
    return config, weights


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(config, w, ids, hook=None):
    """Returns (log-probs [n, vocab] float64, the named hook's activations or None)."""
    n_layer, n_head, d = config["n_layer"], config["n_head"], config["n_embd"]
    eps = config.get("layer_norm_epsilon", 1e-5)
    dh = d // n_head
    n = len(ids)
    x = w["wte.weight"][ids] + w["wpe.weight"][np.arange(n)]
    causal = np.triu(np.full((n, n), -np.inf), 1)
    captured = None
    for L in range(n_layer):
        p = f"h.{L}."
        if hook == f"blocks.{L}.hook_resid_pre":
            captured = x.copy()
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: weight is [in, out]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, n_head, dh).transpose(1, 0, 2) for i in range(3))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(dh) + causal
        scores -= scores.max(-1, keepdims=True)
        att = np.exp(scores)
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(1, 0, 2).reshape(n, d)
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        if hook == f"blocks.{L}.hook_resid_mid":
            captured = x.copy()
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        post = gelu_tanh(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        if hook == f"blocks.{L}.mlp.hook_post":
            captured = post.copy()
        x = x + post @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        if hook == f"blocks.{L}.hook_resid_post":
            captured = x.copy()
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    logits = x @ w["wte.weight"].T
    logits -= logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return logp, captured


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hook")
    ap.add_argument("--hook-out")
    a = ap.parse_args()
    config, w = load_checkpoint(a.checkpoint)
    with open(a.ids) as f:
        ids = json.load(f)
    logp, captured = forward(config, w, np.asarray(ids, dtype=np.int64), a.hook)
    tgt = [float(logp[i, ids[i + 1]]) for i in range(len(ids) - 1)]
    ent = (-(np.exp(logp) * logp).sum(-1)).tolist()
    with open(a.out, "w") as f:
        json.dump({"ids": ids, "target_logprob": tgt, "entropy": ent, "top1": logp.argmax(-1).tolist()}, f)
    if a.hook:
        if captured is None:
            sys.exit(f"unknown hook {a.hook}")
        captured.astype(np.float32).tofile(a.hook_out)


if __name__ == "__main__":
    main()
