"""PyTorch-eager baseline for `npm run bench`: the outputs the engine gives for one full analysis, on the
same weights, tokens, windowing and dictionaries, written as a practitioner tuning eager PyTorch would.

  /usr/bin/python3 training/bench_pytorch.py JOB.json [--serve]
  JOB.json: {"bundle": DIR, "ids": [...], "features": 8, "threads": 2, "reps": 3,
             "dictionaries": [{"hook": name, "dir": DIR}, ...]}

Weights: every GPT-2 parameter comes from model.onnx's initializers, named model.<param> by the exporter,
or model.<param>__fp16 where the exporter stored it as float16 (widened back here, as ONNX Runtime does).
A parameter found under neither name is counted in `pytorch_params_defaulted` and the run stops with a
non-zero exit: a baseline with defaulted weights is a different model. The forward pass is then checked
against the bundle's parity.json (top-k log-probs, entropy, target log-prob, hook activations); a
difference over 1e-3 also stops the run non-zero.

Work per window (n_ctx, stride n_ctx/2, each position's outputs from the one window that owns it, as in
src/engine/inference/windows.ts): the forward pass (fused QKV matmul, batched attention with an additive
causal mask, fused tanh GELU), and on the owned positions only: unembedding, log-softmax, top-50, entropy,
the actual token's log-prob and rank (counted in float: summing a bool tensor is several times slower in
torch 1.13); then for every dictionary, on the owned positions: encode, the top-n features, decode
(topk: from the k active rows, through embedding_bag; otherwise dense) and explained variance.

Environment (set by the bench when it starts this script, since they must be set before the libraries
load): OMP_WAIT_POLICY=PASSIVE (OpenMP's spinning threads otherwise fight OpenBLAS's for the cores),
MALLOC_MMAP_MAX_=0 and a huge MALLOC_TRIM_THRESHOLD_ (glibc otherwise returns every large temporary to
the OS and page-faults it back on the next op). OpenBLAS's thread count (1 or `threads`) is chosen here by
timing both on the job's own tokens, and the faster is kept (`pytorch_openblas_threads`).

--serve: after loading, runs one analysis per `run` line on stdin and answers `ms: <time>`, so the bench
can interleave PyTorch and engine runs (on a shared machine both then see the same load); `quit` ends.
"""
import ctypes
import json
import math
import os
import re
import statistics
import sys
import time

EXIT_UNAVAILABLE = 4  # the bench reads this status as "no PyTorch here" and goes on without the baseline
try:
    import numpy as np
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import numpy_helper
except ImportError as e:
    print(f"bench_pytorch: {e}", file=sys.stderr)
    sys.exit(EXIT_UNAVAILABLE)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_io import load_file  # noqa: E402

TOPK_MAX = 50
PARITY_TOLERANCE = 1e-3


def layer_param_names(n_layers):
    names = ["wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias"]
    for i in range(n_layers):
        for p in ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                  "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                  "mlp.c_proj.weight", "mlp.c_proj.bias"]:
            names.append(f"h.{i}.{p}")
    return names


def load_params(bundle, man):
    """{param name: float32 tensor} from model.onnx, following the exporter's __fp16 storage."""
    inits = {}
    for init in onnx.load(os.path.join(bundle, man["model"]["file"])).graph.initializer:
        name = init.name[: -len("__fp16")] if init.name.endswith("__fp16") else init.name
        inits[name] = init
    params, missing = {}, []
    for name in layer_param_names(man["architecture"]["n_layers"]):
        init = inits.get("model." + name)
        if init is None:
            missing.append(name)
            continue
        params[name] = torch.from_numpy(numpy_helper.to_array(init).astype(np.float32))
    return params, missing


class EagerGPT2:
    """GPT-2 forward for one window, returning the final residual stream and the hooks asked for."""

    def __init__(self, arch, p):
        self.L, self.H, self.d = arch["n_layers"], arch["n_heads"], arch["d_model"]
        self.dh = self.d // self.H
        self.eps = arch.get("layer_norm_epsilon", 1e-5)
        self.p = p
        self.wte, self.wpe = p["wte.weight"], p["wpe.weight"]

    def forward(self, ids, hook_names):
        n, d, H, dh, p = ids.shape[0], self.d, self.H, self.dh, self.p
        x = self.wte[ids] + self.wpe[:n]
        mask = torch.full((n, n), float("-inf")).triu_(1)
        hooks = {}
        scale = 1.0 / math.sqrt(dh)
        for i in range(self.L):
            pre = f"h.{i}."
            if f"blocks.{i}.hook_resid_pre" in hook_names:
                hooks[f"blocks.{i}.hook_resid_pre"] = x
            h = F.layer_norm(x, (d,), p[pre + "ln_1.weight"], p[pre + "ln_1.bias"], self.eps)
            qkv = torch.addmm(p[pre + "attn.c_attn.bias"], h, p[pre + "attn.c_attn.weight"])
            q, k, v = qkv.view(n, 3, H, dh).permute(1, 2, 0, 3)  # each [H, n, dh]
            att = torch.softmax(torch.baddbmm(mask, q, k.transpose(1, 2), alpha=scale), dim=-1)
            y = torch.bmm(att, v).transpose(0, 1).reshape(n, d)
            mid = torch.addmm(p[pre + "attn.c_proj.bias"], y, p[pre + "attn.c_proj.weight"]).add_(x)
            h = F.layer_norm(mid, (d,), p[pre + "ln_2.weight"], p[pre + "ln_2.bias"], self.eps)
            post = F.gelu(torch.addmm(p[pre + "mlp.c_fc.bias"], h, p[pre + "mlp.c_fc.weight"]), approximate="tanh")
            x = torch.addmm(p[pre + "mlp.c_proj.bias"], post, p[pre + "mlp.c_proj.weight"]).add_(mid)
            hooks[f"blocks.{i}.hook_resid_mid"] = mid
            hooks[f"blocks.{i}.mlp.hook_post"] = post
            hooks[f"blocks.{i}.hook_resid_post"] = x
        return F.layer_norm(x, (d,), p["ln_f.weight"], p["ln_f.bias"], self.eps), hooks

    def head(self, final, targets):
        """Unembedding and the per-position prediction outputs, for the rows given."""
        logp = torch.log_softmax(final @ self.wte.t(), dim=-1)
        top_lp, top_ids = torch.topk(logp, TOPK_MAX, dim=-1)
        entropy = -(logp.exp() * logp).sum(-1)
        t = logp.gather(-1, targets.unsqueeze(-1))
        rank = (logp > t).float().sum(-1)
        return top_ids, top_lp, entropy, t[:, 0], rank


def load_sae(spec):
    folder = spec["dir"]
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    arch = cfg.get("architecture") or ("topk" if cfg.get("activation_fn_str") == "topk" else "standard")
    k = cfg.get("k") or (cfg.get("activation_fn_kwargs") or {}).get("k")
    w = {n: torch.from_numpy(np.asarray(v, dtype=np.float32).copy()) for n, v in load_file(os.path.join(folder, "sae_weights.safetensors")).items()}
    return {"hook": spec["hook"], "arch": arch, "k": k, "apply_b_dec": cfg.get("apply_b_dec_to_input", True),
            "scale": scaling_factor(folder, cfg), **w}


def scaling_factor(folder, cfg):
    """The norm scaling factor of an expected_average_only_in dictionary, found where the engine finds it."""
    if cfg.get("normalize_activations") != "expected_average_only_in":
        return 1.0
    for key in ("norm_scaling_factor", "scaling_factor", "activation_norm_scaling_factor"):
        if isinstance(cfg.get(key), (int, float)) and cfg[key] > 0:
            return float(cfg[key])
    scaler = os.path.join(folder, "activation_scaler.json")
    return float(json.load(open(scaler))["scaling_factor"]) if os.path.exists(scaler) else 1.0


def encode(sae, x, n_top):
    xs = x * sae["scale"] if sae["scale"] != 1.0 else x
    xin = xs - sae["b_dec"] if sae["apply_b_dec"] else xs
    pre = torch.addmm(sae["b_enc"], xin, sae["W_enc"])
    if sae["arch"] == "topk":
        v, i = torch.topk(pre, int(sae["k"]), dim=-1)  # sorted: the top-n are its first n columns
        v = torch.relu(v)
        top_i, top_v = i[:, :n_top], v[:, :n_top]
        recon = F.embedding_bag(i, sae["W_dec"], per_sample_weights=v, mode="sum").add_(sae["b_dec"])
    else:
        f = torch.relu(pre) * (pre > sae["threshold"]) if sae["arch"] == "jumprelu" else torch.relu(pre)
        top_v, top_i = torch.topk(f, min(n_top, f.shape[-1]), dim=-1)
        recon = torch.addmm(sae["b_dec"], f, sae["W_dec"])
    if sae["scale"] != 1.0:
        recon = recon / sae["scale"]
    err = (x - recon).square_().sum(-1)
    var = (x - x.mean(-1, keepdim=True)).square_().sum(-1)
    return top_i, top_v, 1 - err / var


def windows(n, ctx):
    stride = ctx // 2
    count = 1 if n <= ctx else -(-(n - ctx) // stride) + 1
    for w in range(count):
        start = w * stride
        yield start, min(start + ctx, n), (0 if w == 0 else start + ctx - stride)


def analyse(model, saes, ids, ctx, n_top):
    n = len(ids)
    all_ids = torch.tensor(ids, dtype=torch.int64)
    targets = torch.cat([all_ids[1:], torch.zeros(1, dtype=torch.int64)])
    hook_names = {s["hook"] for s in saes}
    out = []
    for start, end, owned in windows(n, ctx):
        final, hooks = model.forward(all_ids[start:end], hook_names)
        o = owned - start
        preds = model.head(final[o:], targets[owned:end])
        feats = [encode(s, hooks[s["hook"]][o:], n_top) for s in saes]
        out.append((preds, feats))
    return out


def parity_diff(man, model, bundle):
    """Max |difference| between this forward pass and the bundle's parity.json (PyTorch at export)."""
    p = json.load(open(os.path.join(bundle, man.get("parity_fixture", "parity.json"))))
    ids = torch.tensor(p["input_ids"], dtype=torch.int64)
    final, hooks = model.forward(ids, set(p.get("hooks", {})))
    top_ids, top_lp, entropy, t, _ = model.head(final, torch.tensor(p["target_ids"], dtype=torch.int64))
    diffs = [(t - torch.tensor(p["target_logprob"])).abs().max(), (entropy - torch.tensor(p["entropy"])).abs().max()]
    if "topk_logprobs" in p:
        ref = torch.tensor(p["topk_logprobs"])
        diffs.append((top_lp[:, : ref.shape[1]] - ref).abs().max())
    for h, ref in (p.get("hooks") or {}).items():
        ref = torch.tensor(ref)  # [n, m]: the first m components of each row
        diffs.append((hooks[h][:, : ref.shape[1]] - ref).abs().max())
    return float(max(diffs))


def openblas():
    """The OpenBLAS library torch calls, for openblas_set_num_threads (None if torch uses another BLAS)."""
    for lib in sorted(set(re.findall(r"/\S*openblas\S*\.so\S*", open("/proc/self/maps").read()))):
        try:
            h = ctypes.CDLL(lib)
            h.openblas_set_num_threads  # noqa: B018 (raises if absent)
            return h
        except (OSError, AttributeError):
            continue
    return None


def timed(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def choose_blas_threads(threads, run):
    """Times the job with OpenBLAS on 1 thread (torch's OpenMP still parallelises the element-wise ops) and
    on `threads`; keeps the faster. Returns the count kept."""
    lib = openblas()
    if lib is None or threads <= 1:
        return None
    best = None
    for n in sorted({1, threads}):
        lib.openblas_set_num_threads(n)
        run()  # settle
        ms = timed(run, 2)
        if best is None or ms < best[1]:
            best = (n, ms)
    lib.openblas_set_num_threads(best[0])
    return best[0]


def main():
    job = json.load(open(sys.argv[1]))
    threads = int(job.get("threads", 2))
    torch.set_num_threads(threads)
    bundle = job["bundle"]
    man = json.load(open(os.path.join(bundle, "manifest.json")))
    params, missing = load_params(bundle, man)
    print(f"pytorch_version: {torch.__version__}")
    print(f"pytorch_threads: {torch.get_num_threads()}")
    print(f"pytorch_params_defaulted: {len(missing)}", flush=True)
    if missing:
        print(f"bench_pytorch: parameters not found in model.onnx: {', '.join(missing[:5])}", file=sys.stderr)
        sys.exit(2)
    model = EagerGPT2(man["architecture"], params)
    with torch.no_grad():
        diff = parity_diff(man, model, bundle)
    print(f"pytorch_parity_max_abs_diff: {diff:.2e}", flush=True)
    if not diff <= PARITY_TOLERANCE:
        print(f"bench_pytorch: forward pass differs from parity.json by {diff:.2e} (> {PARITY_TOLERANCE})", file=sys.stderr)
        sys.exit(3)
    saes = [load_sae(s) for s in job["dictionaries"]]
    ids, ctx, n_top = job["ids"], man["architecture"]["n_ctx"], int(job.get("features", 8))
    print(f"pytorch_tokens: {len(ids)}", flush=True)
    with torch.no_grad():
        run = lambda: analyse(model, saes, ids, ctx, n_top)  # noqa: E731
        analyse(model, saes, ids[:64], ctx, n_top)  # warm-up
        blas = choose_blas_threads(threads, run)
        if blas is not None:
            print(f"pytorch_openblas_threads: {blas}", flush=True)
        if "--serve" in sys.argv:
            print("ready", flush=True)
            for line in sys.stdin:
                if line.strip() != "run":
                    break
                print(f"ms: {timed(run, 1):.2f}", flush=True)
            return
        print(f"pytorch_eager_ms: {timed(run, int(job.get('reps', 3))):.2f}")


if __name__ == "__main__":
    main()
