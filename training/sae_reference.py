"""Reference of SAELens's encode, in numpy float64, and the fixtures the engine's SAE parity tests use.

Semantics follow SAELens (sae_lens/saes/*.py, v6; pre-v6 folders are read as its loader reads them):
  sae_in = x - b_dec * apply_b_dec_to_input
  pre    = sae_in @ W_enc + b_enc
  standard  relu(pre)
  topk      the k largest pre-activations of each row, then relu; all others 0
  jumprelu  relu(pre) * (pre > threshold)
normalize_activations "expected_average_only_in": SAELens's trainer feeds the SAE x * s (ActivationScaler,
s = sqrt(d_in) / E||x||) and folds s into the weights of the final SAE, whose cfg then says "none".
Intermediate checkpoints keep the weights unfolded and write s to activation_scaler.json beside them. So
  - when s is available (activation_scaler.json, or a norm_scaling_factor / scaling_factor key in
    cfg.json) the reference encodes x * s, as the SAE was trained;
  - when it is not, SAELens's own SAE.encode applies no input transform (its run-time norm functions exist
    only for constant_norm_rescale and layer_norm; SAE.from_pretrained folds a factor only for registry
    releases and otherwise warns) and neither does the reference.

Where float32 and float64 may legitimately disagree on a discontinuity (a jumprelu pre-activation within
`tol` of its threshold, a topk row whose k-th and (k+1)-th pre-activations are within `tol`), the entries
are reported as ambiguous so a test can leave them out and still fail on any real difference.

  encode:    sae_reference.py encode --sae DIR --inputs X.f32 --out Y.f32 [--ambiguous A.json]
             (X: float32 [n, d_in] row-major; Y: float32 [n, d_sae])
  fixtures:  sae_reference.py fixtures --out DIR [--d-in 64 --d-sae 512 --n 48 --seed 0]
             writes one SAELens folder per variant, inputs.f32, expected/<variant>.f32 and index.json
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saelens_folder import load_weights, read_cfg  # noqa: E402
from safetensors_io import save_file  # noqa: E402

AMBIGUITY_TOL = 2e-5  # 20x the float32 rounding of a 768-term pre-activation


def encode(x, cfg, w, tol=AMBIGUITY_TOL):
    """x [n, d_in] -> (acts float64 [n, d_sae], ambiguous flat indices into acts)."""
    x = np.asarray(x, dtype=np.float64)
    if cfg["normalize_activations"] == "expected_average_only_in" and cfg.get("scaling_factor"):
        x = x * cfg["scaling_factor"]
    sae_in = x - w["b_dec"].astype(np.float64) if cfg["apply_b_dec_to_input"] else x
    pre = sae_in @ w["W_enc"].astype(np.float64) + w["b_enc"].astype(np.float64)
    arch = cfg["architecture"]
    if arch == "standard":
        return np.maximum(pre, 0.0), np.zeros(0, dtype=np.int64)
    if arch == "jumprelu":
        thr = w["threshold"].astype(np.float64)
        acts = np.maximum(pre, 0.0) * (pre > thr)
        amb = np.flatnonzero((np.abs(pre - thr) < tol) & (np.maximum(pre, thr) > 0))
        return acts, amb
    if arch == "topk":
        k = cfg["k"]
        idx = np.argpartition(-pre, k - 1, axis=1)[:, :k]
        acts = np.zeros_like(pre)
        rows = np.arange(pre.shape[0])[:, None]
        acts[rows, idx] = np.maximum(pre[rows, idx], 0.0)
        amb = []
        if k < pre.shape[1]:
            part = -np.partition(-pre, (k - 1, k), axis=1)
            kth, nxt = part[:, k - 1], part[:, k]
            for r in np.flatnonzero((kth - nxt < tol) & (kth > 0)):
                cols = np.flatnonzero(np.abs(pre[r] - (kth[r] + nxt[r]) / 2) < tol)
                amb.extend(r * pre.shape[1] + cols)
        return acts, np.asarray(amb, dtype=np.int64)
    raise ValueError(f"unsupported architecture {arch}")


def encode_folder(folder, x, tol=AMBIGUITY_TOL):
    return encode(x, read_cfg(folder), load_weights(folder), tol)


# ---------------------------------------------------------------------------------------------- fixtures

def random_sae(rng, d_in, d_sae, arch, x_sample, apply_b_dec=True, k=16, dtype=np.float32):
    """Weights with SAELens's shapes, scaled to the inputs so that a useful fraction of features fire; jumprelu
    thresholds kept away from every pre-activation of x_sample so the fixture has no ambiguous entries."""
    W_dec = rng.standard_normal((d_sae, d_in))
    W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    W_enc = W_dec.T * (1.0 + 0.2 * rng.standard_normal((1, d_sae)))
    b_dec = 0.1 * x_sample.std() * rng.standard_normal(d_in) + x_sample.mean(0) * 0.5
    sae_in = x_sample - b_dec if apply_b_dec else x_sample
    scale = float((sae_in @ W_enc).std())
    b_enc = scale * (-0.3 + 0.1 * rng.standard_normal(d_sae))
    w = {name: a.astype(dtype) for name, a in {"W_enc": W_enc, "W_dec": W_dec, "b_enc": b_enc, "b_dec": b_dec}.items()}
    if arch == "jumprelu":
        thr = scale * rng.uniform(0.05, 1.0, d_sae)
        wd = {name: a.astype(np.float64) for name, a in w.items()}  # the weights as stored
        pre = (x_sample - wd["b_dec"] if apply_b_dec else x_sample) @ wd["W_enc"] + wd["b_enc"]
        for _ in range(20):  # nudge thresholds off any pre-activation (min gap 50 x AMBIGUITY_TOL)
            close = np.any(np.abs(pre - thr) < 50 * AMBIGUITY_TOL * max(scale, 1.0), axis=0)
            if not close.any():
                break
            thr[close] += scale * rng.uniform(0.01, 0.05, int(close.sum()))
        w["threshold"] = thr.astype(dtype)
    return w


def write_sae_folder(folder, weights, arch, hook_name, d_in, d_sae, layout="v6", apply_b_dec=True,
                     normalize="none", k=None, scaling=None):
    """An SAE folder exactly as SAELens writes one (v6), or as older versions did (flat pre-v6 keys)."""
    os.makedirs(folder, exist_ok=True)
    dtype = "float16" if weights["W_enc"].dtype == np.float16 else "float32"
    if layout == "v6":
        cfg = {"architecture": arch, "d_in": d_in, "d_sae": d_sae, "dtype": dtype, "device": "cpu",
               "apply_b_dec_to_input": apply_b_dec, "normalize_activations": normalize, "reshape_activations": "none",
               "metadata": {"model_name": "gpt2", "hook_name": hook_name, "hook_head_index": None, "prepend_bos": True,
                            "context_size": 128, "dataset_path": "synthetic", "sae_lens_version": "6.12.1",
                            "sae_lens_training_version": "6.12.1"}}
        if arch == "topk":
            cfg["k"] = k
            cfg["rescale_acts_by_decoder_norm"] = False
    else:
        # The layout of e.g. jbloom/GPT2-Small-SAEs-Reloaded and SAELens < 6 (hook_point, activation_fn_str).
        if arch == "jumprelu":
            raise ValueError("pre-v6 fixtures are standard or topk")
        cfg = {"model_name": "gpt2-small", "hook_point": hook_name, "hook_point_layer": int(hook_name.split(".")[1]),
               "hook_point_head_index": None, "d_in": d_in, "d_sae": d_sae, "dtype": "torch." + dtype,
               "device": "cpu", "activation_fn_str": "topk" if arch == "topk" else "relu",
               "apply_b_dec_to_input": apply_b_dec, "normalize_activations": normalize, "context_size": 128,
               "prepend_bos": True, "sae_lens_training_version": "3.5.0"}
        if arch == "topk":
            cfg["activation_fn_kwargs"] = {"k": k}
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_file(weights, os.path.join(folder, "sae_weights.safetensors"))
    if scaling is not None:
        with open(os.path.join(folder, "activation_scaler.json"), "w") as f:
            json.dump({"scaling_factor": scaling}, f)


VARIANTS = [
    # name, architecture, layout, apply_b_dec_to_input, normalize_activations, weight dtype
    # (expected_average_only_in variants get an activation_scaler.json unless the name says no-factor)
    ("standard-v6", "standard", "v6", True, "none", np.float32),
    ("standard-v6-expected-average-no-factor", "standard", "v6", True, "expected_average_only_in", np.float32),
    ("standard-pre-v6", "standard", "pre-v6", True, "none", np.float32),
    ("topk-v6-no-b-dec", "topk", "v6", False, "none", np.float32),
    ("topk-pre-v6", "topk", "pre-v6", True, "none", np.float32),
    ("jumprelu-v6-expected-average", "jumprelu", "v6", True, "expected_average_only_in", np.float32),
    ("jumprelu-v6-f16", "jumprelu", "v6", False, "none", np.float16),
]


def norm_scaling_factor(x):
    """SAELens's ActivationScaler estimate: sqrt(d_in) / mean ||x||."""
    return float(np.sqrt(x.shape[1]) / np.linalg.norm(x, axis=1).mean())


def make_fixtures(out, d_in, d_sae, n, seed, hook_name, k):
    rng = np.random.default_rng(seed)
    # Residual-stream-like inputs: an offset shared by all tokens plus per-token variation.
    x = (rng.standard_normal(d_in) * 2.0 + rng.standard_normal((n, d_in))).astype(np.float32)
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    x.tofile(os.path.join(out, "inputs.f32"))
    index = {"d_in": d_in, "d_sae": d_sae, "n": n, "hook_name": hook_name, "inputs": "inputs.f32", "variants": []}
    for name, arch, layout, apply_b_dec, norm, dtype in VARIANTS:
        # expected_average_only_in: a training checkpoint with its activation_scaler.json (see above).
        s = norm_scaling_factor(x.astype(np.float64)) if norm == "expected_average_only_in" and "no-factor" not in name else None
        w = random_sae(rng, d_in, d_sae, arch, x.astype(np.float64) * (s or 1.0), apply_b_dec, k, dtype)
        folder = os.path.join(out, "saes", name)
        write_sae_folder(folder, w, arch, hook_name, d_in, d_sae, layout, apply_b_dec, norm, k, s)
        acts, amb = encode_folder(folder, x)
        acts.astype(np.float32).tofile(os.path.join(out, "expected", name + ".f32"))
        index["variants"].append({"name": name, "folder": f"saes/{name}", "architecture": arch, "layout": layout,
                                  "apply_b_dec_to_input": apply_b_dec, "normalize_activations": norm, "scaling_factor": s,
                                  "expected": f"expected/{name}.f32", "ambiguous": amb.tolist(),
                                  "active_fraction": float((acts > 0).mean())})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    return index


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("encode")
    e.add_argument("--sae", required=True)
    e.add_argument("--inputs", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--ambiguous")
    fx = sub.add_parser("fixtures")
    fx.add_argument("--out", required=True)
    fx.add_argument("--d-in", type=int, default=64)
    fx.add_argument("--d-sae", type=int, default=512)
    fx.add_argument("--n", type=int, default=48)
    fx.add_argument("--k", type=int, default=16)
    fx.add_argument("--seed", type=int, default=0)
    fx.add_argument("--hook-name", default="blocks.0.hook_resid_post")
    a = ap.parse_args()
    if a.cmd == "encode":
        cfg = read_cfg(a.sae)
        x = np.fromfile(a.inputs, dtype=np.float32)
        if x.size % cfg["d_in"]:
            sys.exit(f"{a.inputs}: {x.size} floats is not a multiple of d_in {cfg['d_in']}")
        acts, amb = encode_folder(a.sae, x.reshape(-1, cfg["d_in"]))
        acts.astype(np.float32).tofile(a.out)
        if a.ambiguous:
            with open(a.ambiguous, "w") as f:
                json.dump({"ambiguous": amb.tolist(), "d_sae": cfg["d_sae"], "active_fraction": float((acts > 0).mean())}, f)
    else:
        idx = make_fixtures(a.out, a.d_in, a.d_sae, a.n, a.seed, a.hook_name, a.k)
        for v in idx["variants"]:
            print(f"{v['name']}: active {v['active_fraction']:.3f}, ambiguous {len(v['ambiguous'])}")


if __name__ == "__main__":
    main()
