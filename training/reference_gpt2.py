"""An independent forward pass of GPT-2, in numpy float64, straight from a Hugging Face checkpoint folder.

Deliberately shares no model code with gpt2.py / export_onnx.py, so that tests comparing the exported
bundle against it check the whole chain (checkpoint reading, name mapping, Conv1D layout, export). Written
from the GPT-2 definition: pre-LayerNorm blocks, fused c_attn = [q | k | v], causal softmax attention
scaled by 1/sqrt(d_head), MLP with GELU's tanh approximation ("gelu_new"), final LayerNorm, logits from
the tied token embedding.

  /usr/bin/python3 training/reference_gpt2.py --checkpoint DIR --ids IDS.json --out OUT.json
      [--hook blocks.8.hook_resid_pre --hook-out H.f32]
      [--explain POS [--target ID] [--versus ID] [--topk K] --explain-out EXPLAIN.json]
      [--edits EDITS.json --sae HOOK=SAELENS_DIR ...]
IDS.json is a JSON list of token ids. OUT.json holds, for each position i < n-1, target_logprob[i] =
log p(ids[i+1] | ids[..i]) and entropy[i] of that prediction. --hook writes that TransformerLens hook's
activations for all n positions as float32 [n, d] to --hook-out.

--explain writes, for position POS (the ids are one context window starting at position 0), what the
inspector's explain computes, from this forward pass: the logit lens (ln_f and the unembedding applied
to every blocks.L.hook_resid_pre and the last hook_resid_post: top-K ids and probs, the target's prob
and rank), every head's attention row (blocks.L.attn.hook_pattern[head, POS, :POS+1]) and the direct
logit attribution of logit(target) (minus logit(versus)) with ln_f's scale frozen at POS: embed,
pos_embed, each head (z_h @ W_O[h]), each attention output bias, each MLP output, ln_f's bias. The target
defaults to ids[POS+1].

--edits runs the forward pass with dictionary feature edits, from the SAE's own safetensors (SAELens's
encode in numpy, sae_reference.py): EDITS.json is a list of {"hook", "op": "ablate"|"scale"|"clamp"|"splice",
"feature", "factor" (scale), "value" (clamp), "from", "to"} over token positions [from, to). At each edited
hook, in the order the model computes them, a row x becomes x + sum_i (f_i' - f_i) W_dec[i] / s for the
edited features (f = the SAE's encoding of x as the edits before it left it, s its input scaling), or, with
a splice, the reconstruction (f' W_dec + b_dec) / s: the error term dropped.
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


def feature_editor(edits, saes):
    """edit(hook, x) -> x with the edits at that hook applied (see the module docstring)."""
    from sae_reference import encode  # SAELens's encode in numpy (not the engine's)

    def edit(hook, x):
        mine = [e for e in edits if e["hook"] == hook]
        if not mine:
            return x
        cfg, sw = saes[hook]
        s = cfg["scaling_factor"] if cfg["normalize_activations"] == "expected_average_only_in" and cfg.get("scaling_factor") else 1.0
        acts, _ = encode(x, cfg, sw)
        w_dec, b_dec = sw["W_dec"].astype(np.float64), sw["b_dec"].astype(np.float64)
        x = x.copy()
        for p in range(x.shape[0]):
            here = [e for e in mine if e["from"] <= p < e["to"]]
            if not here:
                continue
            f = acts[p]
            new = f.copy()
            for e in here:
                if e["op"] == "ablate":
                    new[e["feature"]] = 0.0
                elif e["op"] == "scale":
                    new[e["feature"]] *= e["factor"]
                elif e["op"] == "clamp":
                    new[e["feature"]] = e["value"]
            if any(e["op"] == "splice" for e in here):
                x[p] = (new @ w_dec + b_dec) / s
            else:
                x[p] = x[p] + (new - f) @ w_dec / s
        return x
    return edit


def forward(config, w, ids, hook=None, trace=None, edit=None):
    """Returns (log-probs [n, vocab] float64, the named hook's activations or None). With a list as
    `trace`, appends per block: resid_pre, pattern [H, n, n], z [H, n, d_head], resid_mid, resid_post.
    `edit(hook name, activation) -> activation`, when given, replaces each hook's activation."""
    edit = edit or (lambda name, t: t)
    n_layer, n_head, d = config["n_layer"], config["n_head"], config["n_embd"]
    eps = config.get("layer_norm_epsilon", 1e-5)
    dh = d // n_head
    n = len(ids)
    x = w["wte.weight"][ids] + w["wpe.weight"][np.arange(n)]
    causal = np.triu(np.full((n, n), -np.inf), 1)
    captured = None
    for L in range(n_layer):
        p = f"h.{L}."
        x = edit(f"blocks.{L}.hook_resid_pre", x)
        if hook == f"blocks.{L}.hook_resid_pre":
            captured = x.copy()
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: weight is [in, out]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, n_head, dh).transpose(1, 0, 2) for i in range(3))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(dh) + causal
        scores -= scores.max(-1, keepdims=True)
        att = np.exp(scores)
        att /= att.sum(-1, keepdims=True)
        z = att @ v
        y = z.transpose(1, 0, 2).reshape(n, d)
        resid_pre = x
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        x = edit(f"blocks.{L}.hook_resid_mid", x)
        resid_mid = x
        if hook == f"blocks.{L}.hook_resid_mid":
            captured = x.copy()
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        post = edit(f"blocks.{L}.mlp.hook_post", gelu_tanh(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]))
        if hook == f"blocks.{L}.mlp.hook_post":
            captured = post.copy()
        x = edit(f"blocks.{L}.hook_resid_post", x + post @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"])
        if hook == f"blocks.{L}.hook_resid_post":
            captured = x.copy()
        if trace is not None:
            trace.append({"resid_pre": resid_pre, "pattern": att, "z": z, "resid_mid": resid_mid, "resid_post": x})
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    logits = x @ w["wte.weight"].T
    logits -= logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return logp, captured


def explain(config, w, ids, pos, target=None, versus=None, k=10):
    """The logit lens, attention rows and direct logit attribution at `pos` (see the module docstring)."""
    n_layer, n_head, d = config["n_layer"], config["n_head"], config["n_embd"]
    eps = config.get("layer_norm_epsilon", 1e-5)
    dh = d // n_head
    trace = []
    forward(config, w, ids[:pos + 1], trace=trace)
    target = int(ids[pos + 1]) if target is None else target
    wte, g, b = w["wte.weight"], w["ln_f.weight"], w["ln_f.bias"]

    lens = []
    rows = [(f"blocks.{L}.hook_resid_pre", trace[L]["resid_pre"][pos]) for L in range(n_layer)]
    rows.append((f"blocks.{n_layer - 1}.hook_resid_post", trace[-1]["resid_post"][pos]))
    for name, r in rows:
        logits = layer_norm(r, g, b, eps) @ wte.T
        logp = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
        top = np.argsort(-logp, kind="stable")[:k]
        lens.append({"hook": name, "topk_ids": top.tolist(), "topk_probs": np.exp(logp[top]).tolist(),
                     "target_prob": float(np.exp(logp[target])), "target_rank": int((logp > logp[target]).sum())})

    x = trace[-1]["resid_post"][pos]
    sigma = np.sqrt(((x - x.mean()) ** 2).mean() + eps)
    u = wte[target] - (wte[versus] if versus is not None else 0)

    def term(c):  # the component's share of the logit with sigma frozen and its mean removed
        return float(((c - c.mean()) / sigma * g) @ u)

    heads, attn_bias, mlp, pattern = [], [], [], []
    for L in range(n_layer):
        p = f"h.{L}."
        W_O = w[p + "attn.c_proj.weight"]
        heads.append([term(trace[L]["z"][h, pos] @ W_O[h * dh:(h + 1) * dh]) for h in range(n_head)])
        pattern.append([trace[L]["pattern"][h, pos, :pos + 1].tolist() for h in range(n_head)])
        attn_bias.append(term(w[p + "attn.c_proj.bias"]))
        mlp.append(term(trace[L]["resid_post"][pos] - trace[L]["resid_mid"][pos]))
    logit = float(layer_norm(x, g, b, eps) @ u)
    return {"position": pos, "target": target, "versus": versus, "logit": logit, "lens": lens, "pattern": pattern,
            "attribution": {"embed": term(wte[ids[pos]]), "pos_embed": term(w["wpe.weight"][pos]), "heads": heads,
                            "attn_bias": attn_bias, "mlp": mlp, "ln_bias": float(b @ u)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hook")
    ap.add_argument("--hook-out")
    ap.add_argument("--explain", type=int, metavar="POS")
    ap.add_argument("--target", type=int)
    ap.add_argument("--versus", type=int)
    ap.add_argument("--topk", type=int, default=10)
    ap.add_argument("--explain-out")
    ap.add_argument("--edits", metavar="EDITS.json")
    ap.add_argument("--sae", action="append", default=[], metavar="HOOK=DIR")
    a = ap.parse_args()
    config, w = load_checkpoint(a.checkpoint)
    with open(a.ids) as f:
        ids = json.load(f)
    edit = None
    if a.edits:
        from saelens_folder import load_weights, read_cfg
        with open(a.edits) as f:
            edits = json.load(f)
        saes = {}
        for item in a.sae:
            hook, _, folder = item.partition("=")
            saes[hook] = (read_cfg(folder), load_weights(folder))
        missing = sorted({e["hook"] for e in edits} - set(saes))
        if missing:
            sys.exit(f"--edits: no --sae for {', '.join(missing)}")
        edit = feature_editor(edits, saes)
    logp, captured = forward(config, w, np.asarray(ids, dtype=np.int64), a.hook, edit=edit)
    tgt = [float(logp[i, ids[i + 1]]) for i in range(len(ids) - 1)]
    ent = (-(np.exp(logp) * logp).sum(-1)).tolist()
    with open(a.out, "w") as f:
        json.dump({"ids": ids, "target_logprob": tgt, "entropy": ent, "top1": logp.argmax(-1).tolist()}, f)
    if a.hook:
        if captured is None:
            sys.exit(f"unknown hook {a.hook}")
        captured.astype(np.float32).tofile(a.hook_out)
    if a.explain is not None:
        if not 0 <= a.explain < len(ids) - (1 if a.target is None else 0):
            sys.exit(f"--explain {a.explain} is out of range for {len(ids)} ids")
        with open(a.explain_out, "w") as f:
            json.dump(explain(config, w, np.asarray(ids, dtype=np.int64), a.explain, a.target, a.versus, a.topk), f)


if __name__ == "__main__":
    main()
