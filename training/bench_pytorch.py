"""PyTorch-eager baseline for `npm run bench`: the same work the engine does for one full analysis, on the
same weights, tokens, windowing and dictionaries.

  /usr/bin/python3 training/bench_pytorch.py JOB.json [--serve]
  JOB.json: {"bundle": DIR, "ids": [...], "features": 8, "threads": 2, "reps": 3,
             "dictionaries": [hook, ...], "sae_dirs": {hook: DIR}}   (sae_dirs: --sae folders)

Weights: the GPT-2 parameters are read from model.onnx's initializers (named model.<param> by the
exporter). The exporter deduplicates initializers with identical values, so a parameter that is missing
there still has its initial value (LayerNorm weight 1, biases 0); `pytorch_parity_max_abs_diff` checks the
result against the bundle's parity.json, so a wrong guess shows. Dictionaries come from the SAELens folders.

Work per window (n_ctx, stride n_ctx/2, each position's outputs from the one window that owns it, as in
src/engine/inference/windows.ts): the forward pass with hooks, log-softmax, top-50, entropy, the actual
token's log-prob and rank; then for every dictionary, on the owned positions: encode, the top-n features,
decode, explained variance. Prints `name: value` lines.

--serve: after loading, runs one analysis per `run` line on stdin and answers `ms: <time>`, so the bench
can interleave PyTorch and engine runs (on a shared machine both then see the same load); `quit` ends.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gpt2 import GPT2, GPT2Config  # noqa: E402
from safetensors_io import load_file  # noqa: E402

TOPK_MAX = 50


def load_model(bundle):
    man = json.load(open(os.path.join(bundle, "manifest.json")))
    a = man["architecture"]
    cfg = GPT2Config(vocab_size=a["d_vocab"], n_positions=a["n_ctx"], n_embd=a["d_model"], n_layer=a["n_layers"],
                     n_head=a["n_heads"], n_inner=a["d_mlp"])
    model = GPT2(cfg).eval()
    inits = {i.name: i for i in onnx.load(os.path.join(bundle, man["model"]["file"])).graph.initializer}
    state = model.state_dict()
    missing = []
    for name, t in state.items():
        init = inits.get("model." + name)
        if init is not None:
            arr = numpy_helper.to_array(init)
            if tuple(arr.shape) == tuple(t.shape):
                state[name] = torch.from_numpy(arr.copy())
                continue
        missing.append(name)
        state[name] = torch.ones_like(t) if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")) else torch.zeros_like(t)
    model.load_state_dict(state)
    return man, model, missing


def load_sae(folder):
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    meta = cfg.get("metadata") or {}
    arch = cfg.get("architecture") or ("topk" if cfg.get("activation_fn_str") == "topk" else "standard")
    k = cfg.get("k") or (cfg.get("activation_fn_kwargs") or {}).get("k")
    w = {n: torch.from_numpy(np.asarray(v, dtype=np.float32).copy()) for n, v in load_file(os.path.join(folder, "sae_weights.safetensors")).items()}
    return {"hook": meta.get("hook_name") or cfg.get("hook_name") or cfg.get("hook_point"), "arch": arch, "k": k,
            "apply_b_dec": cfg.get("apply_b_dec_to_input", True), **w}


def encode(sae, x, n_top):
    xin = x - sae["b_dec"] if sae["apply_b_dec"] else x
    pre = xin @ sae["W_enc"] + sae["b_enc"]
    if sae["arch"] == "topk":
        v, i = torch.topk(pre, int(sae["k"]), dim=-1)
        f = torch.zeros_like(pre).scatter(-1, i, torch.relu(v))
    elif sae["arch"] == "jumprelu":
        f = torch.relu(pre) * (pre > sae["threshold"])
    else:
        f = torch.relu(pre)
    top_v, top_i = torch.topk(f, min(n_top, f.shape[-1]), dim=-1)
    recon = f @ sae["W_dec"] + sae["b_dec"]
    err = ((x - recon) ** 2).sum(-1)
    var = ((x - x.mean(-1, keepdim=True)) ** 2).sum(-1)
    return top_i, top_v, 1 - err / var


def windows(n, ctx):
    stride = ctx // 2
    count = 1 if n <= ctx else -(-(n - ctx) // stride) + 1
    for w in range(count):
        start = w * stride
        yield start, min(start + ctx, n), (0 if w == 0 else start + ctx - stride)


def analyse(model, saes, ids, ctx, n_top):
    n = len(ids)
    out = []
    for start, end, owned in windows(n, ctx):
        x = torch.tensor([ids[start:end]], dtype=torch.int64)
        tgt = torch.tensor([[ids[i + 1] if i + 1 < n else 0 for i in range(start, end)]], dtype=torch.int64)
        logits, hooks, _ = model.run(x, None, want_hooks=True)
        logp = torch.log_softmax(logits, dim=-1)
        top_lp, top_ids = torch.topk(logp, TOPK_MAX, dim=-1)
        entropy = -(logp.exp() * logp).sum(-1)
        t = logp.gather(-1, tgt.unsqueeze(-1))
        rank = (logp > t).sum(-1)
        o = owned - start
        feats = [encode(s, hooks[s["hook"]][0, o:], n_top) for s in saes]
        out.append((top_ids[0, o:], top_lp[0, o:], entropy[0, o:], t[0, o:, 0], rank[0, o:], feats))
    return out


def parity_diff(man, model, bundle):
    p = json.load(open(os.path.join(bundle, man.get("parity_fixture", "parity.json"))))
    with torch.no_grad():
        logits, hooks, _ = model.run(torch.tensor([p["input_ids"]]), None, want_hooks=True)
        logp = torch.log_softmax(logits, -1)
        tl = logp.gather(-1, torch.tensor([p["target_ids"]]).unsqueeze(-1))[0, :, 0]
    return float((tl - torch.tensor(p["target_logprob"])).abs().max())


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(job.get("threads", 2)))
    bundle = job["bundle"]
    man, model, missing = load_model(bundle)
    folders = {d["hook_name"]: os.path.join(bundle, d["path"]) for d in man.get("dictionaries", [])}
    folders.update(job.get("sae_dirs") or {})
    saes = [load_sae(folders[h]) for h in job["dictionaries"]]
    ids, ctx, n_top = job["ids"], man["architecture"]["n_ctx"], int(job.get("features", 8))
    times = []
    if "--serve" in sys.argv:
        print_info(man, model, missing, bundle, ids)
        with torch.no_grad():
            analyse(model, saes, ids[:64], ctx, n_top)  # warm-up
            print("ready", flush=True)
            for line in sys.stdin:
                if line.strip() != "run":
                    break
                t0 = time.perf_counter()
                analyse(model, saes, ids, ctx, n_top)
                print(f"ms: {(time.perf_counter() - t0) * 1000:.2f}", flush=True)
        return
    with torch.no_grad():
        analyse(model, saes, ids[:64], ctx, n_top)  # warm-up
        for _ in range(int(job.get("reps", 3))):
            t0 = time.perf_counter()
            analyse(model, saes, ids, ctx, n_top)
            times.append((time.perf_counter() - t0) * 1000)
    print_info(man, model, missing, bundle, ids)
    print(f"pytorch_eager_ms: {statistics.median(times):.2f}")


def print_info(man, model, missing, bundle, ids):
    print(f"pytorch_version: {torch.__version__}")
    print(f"pytorch_threads: {torch.get_num_threads()}")
    print(f"pytorch_tokens: {len(ids)}")
    print(f"pytorch_params_defaulted: {len(missing)}")
    print(f"pytorch_parity_max_abs_diff: {parity_diff(man, model, bundle):.2e}", flush=True)


if __name__ == "__main__":
    main()
