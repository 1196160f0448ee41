"""Builds the default bundle (media/models/code-gpt2-2l) from the trained checkpoint:
activations -> TopK SAEs (SAELens layout) -> evaluation -> feature cards -> ONNX export -> manifest.

The whole recipe, from scratch (see training/README.md):
  node training/build_tokenizer.mjs --out=$CACHE/tokenizer.json
  node training/build_corpus.mjs --out=$CACHE
  /usr/bin/python3 training/train_model.py --cache $CACHE
  /usr/bin/python3 training/build_default_bundle.py --cache $CACHE --out media/models/code-gpt2-2l
"""
import argparse
import json
import lzma
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import GPT2, GPT2Config  # noqa: E402
from export_onnx import round_weights_fp16  # noqa: E402
from bundle_writer import check_target, write_bundle  # noqa: E402
from sae_train import train_sae, save_saelens, load_as_fp32, load_saelens, round_mantissa  # noqa: E402
from feature_cards import compute_cards, write_cards, token_texts, LABEL_METHOD  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE_ID = "code-gpt2-2l"
PROMPTS = [
    "def fibonacci(n):\n",
    "import os\nimport sys\n\n\ndef main():\n",
    "for (let i = 0; i < items.length; i++) {\n",
    "#include <stdio.h>\n\nint main(int argc, char **argv)\n{\n",
    "class Stack:\n    def __init__(self):\n        self.",
    "# Installation\n\nTo install the package, run",
]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def tokenize(tokenizer_path, files=(), texts=()):
    out = subprocess.run(["node", os.path.join(HERE, "tokenize.mjs")], input=json.dumps(
        {"tokenizer": tokenizer_path, "files": list(files), "texts": list(texts)}).encode(), capture_output=True, check=True)
    return json.loads(out.stdout)


@torch.no_grad()
def collect(model, data, n_seq, ctx, hooks, seed):
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - ctx, size=n_seq)
    ids = torch.from_numpy(np.stack([data[s:s + ctx].astype(np.int64) for s in starts]))
    acts = {h: [] for h in hooks}
    for i in range(0, n_seq, 16):
        _, hk, _ = model.run(ids[i:i + 16], want_hooks=True)
        for h in hooks:
            acts[h].append(hk[h].reshape(-1, hk[h].shape[-1]).half())
    return ids, {h: torch.cat(v) for h, v in acts.items()}


@torch.no_grad()
def splice_metrics(model, sae, hook, ids):
    """CE loss with the SAE reconstruction spliced in vs clean vs zero-ablated (fraction of the gap recovered)."""
    def ce(edits=None):
        logits = model.run(ids[:, :-1], edits=edits)[0]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)).item()
    clean = ce()
    spliced = ce({hook: lambda t: sae.decode(sae.encode(t)[0])})
    zero = ce({hook: lambda t: torch.zeros_like(t)})
    return {"ce_clean": clean, "ce_spliced": spliced, "ce_zero_ablated": zero,
            "loss_recovered": (zero - spliced) / (zero - clean) if zero > clean else float("nan")}


@torch.no_grad()
def windowed_logprobs(model, ids, ctx, bos):
    """log p of every token of a file, windows of ctx with stride ctx/2; each token scored in the first
    window where it has >= ctx/2 tokens of history (or in the first window). bos conditions token 0."""
    seq = [bos] + ids
    n = len(seq)
    lp = np.zeros(n - 1)
    stride = ctx // 2
    start = 0
    while True:
        w = seq[start:start + ctx]
        logits = model(torch.tensor([w]))[0]
        logp = torch.log_softmax(logits, -1)
        tgt = torch.tensor(w[1:])
        got = logp[:-1].gather(1, tgt[:, None])[:, 0].numpy()
        top1 = (logp[:-1].argmax(-1) == tgt).numpy()
        own_from = 0 if start == 0 else stride - 1
        lp[start + own_from:start + len(w) - 1] = got[own_from:]
        if start == 0:
            acc = np.zeros(n - 1, dtype=bool)
        acc[start + own_from:start + len(w) - 1] = top1[own_from:]
        if start + ctx >= n:
            break
        start += stride
    return lp, acc


def evaluate_model(model, cfg, cache, tokenizer_path, texts, eot, max_bytes):
    corpus = json.load(open(os.path.join(cache, "corpus.json")))
    files, total = [], 0
    # Held-out files of >= 20 KB, in the corpus's (hash-shuffled) order, up to max_bytes in all.
    for f in corpus["heldout_files"]:
        if f["bytes"] >= 20 * 1024 and total + f["bytes"] <= max_bytes:
            files.append(f)
            total += f["bytes"]
    toks = tokenize(tokenizer_path, files=[f["path"] for f in files], texts=PROMPTS)
    bits = xz_bits = total_bytes = 0
    correct = count = 0
    per_kind = {}
    for f, ids in zip(files, toks["files"]):
        raw = open(f["path"], "rb").read()
        lp, acc = windowed_logprobs(model, ids, cfg.n_positions, eot)
        b = -lp.sum() / math.log(2)
        x = len(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)) * 8
        bits += b; xz_bits += x; total_bytes += len(raw)
        correct += int(acc.sum()); count += len(acc)
        k = per_kind.setdefault(f["kind"], {"files": 0, "bytes": 0, "model_bits": 0.0, "xz_bits": 0})
        k["files"] += 1; k["bytes"] += len(raw); k["model_bits"] += b; k["xz_bits"] += x
    for k in per_kind.values():
        k["model_bits_per_byte"] = round(k.pop("model_bits") / k["bytes"], 4)
        k["xz_bits_per_byte"] = round(k.pop("xz_bits") / k["bytes"], 4)
    conts = []
    for prompt, ids in zip(PROMPTS, toks["texts"]):
        seq = list(ids)
        with torch.no_grad():
            for _ in range(40):
                seq.append(int(model(torch.tensor([seq[-cfg.n_positions:]]))[0, -1].argmax()))
        conts.append({"prompt": prompt, "greedy": "".join(texts[t] for t in seq[len(ids):])})
    return {
        "heldout_files": len(files), "heldout_bytes": total_bytes, "heldout_tokens": count,
        "bits_per_byte": round(bits / total_bytes, 4), "xz_9e_bits_per_byte": round(xz_bits / total_bytes, 4),
        "ratio_to_xz": round(bits / xz_bits, 4), "top1_accuracy": round(correct / count, 4),
        "per_kind": per_kind, "greedy_continuations": conts,
        "method": "held-out files >= 20 KB never trained on; windows of n_ctx, stride n_ctx/2; first token "
                  "conditioned on <|endoftext|>; xz = lzma preset 9|EXTREME per file (same as xz -9e)",
    }


def recorded_sae_passes(bundle_dir, hook):
    """The per-pass step counts that bundle's manifest records for this dictionary (empty when it predates the record)."""
    manifest = json.load(open(os.path.join(bundle_dir, "manifest.json")))
    return list(manifest.get("training", {}).get("sae", {}).get("steps_per_pass", {}).get(hook, []))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/ai-train"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "media", "models", BUNDLE_ID))
    ap.add_argument("--sae-seqs", type=int, default=3000, help="training sequences of n_ctx for SAE activations")
    ap.add_argument("--card-seqs", type=int, default=600, help="sequences used for feature cards")
    ap.add_argument("--sae-steps", type=int, default=2300)
    ap.add_argument("--mlp-sae-steps", type=int, default=2200)
    ap.add_argument("--expansion", type=int, default=8)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reuse-saes", default=None, help="bundle folder whose SAEs to reuse instead of training")
    ap.add_argument("--retrain", default="", help="with --reuse-saes: comma-separated hooks to train anyway")
    ap.add_argument("--continue-saes", default=None,
                    help="bundle folder whose SAEs training starts from (instead of a fresh init), e.g. to add steps")
    ap.add_argument("--reuse-eval", default=None, help="bundle folder whose model evaluation to copy (same checkpoint)")
    ap.add_argument("--mantissa-bits-mlp", type=int, default=5, help="fp16 mantissa bits kept in MLP SAE weights")
    ap.add_argument("--mantissa-bits-resid", type=int, default=5, help="fp16 mantissa bits kept in residual SAE weights")
    ap.add_argument("--eval-bytes", type=int, default=1_500_000, help="cap on held-out bytes evaluated (0 = skip)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    ck = torch.load(os.path.join(args.cache, "model_ckpt.pt"))
    cfg = GPT2Config(**ck["config"])
    model = GPT2(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    # The bundle stores weights in fp16: round first, so every figure below describes what ships.
    round_weights_fp16(model)
    tokenizer_path = os.path.join(args.cache, "tokenizer.json")
    tj = json.load(open(tokenizer_path))
    texts = token_texts(tj)
    eot = tj["added_tokens"][0]["id"]
    train = np.memmap(os.path.join(args.cache, "train.bin"), dtype=np.uint16, mode="r")
    held = np.memmap(os.path.join(args.cache, "heldout.bin"), dtype=np.uint16, mode="r")
    log(f"model step {ck['step']}, {ck['step'] * 8 * cfg.n_positions / 1e6:.1f}M tokens")

    out = os.path.abspath(args.out)
    check_target(out)  # refuse a non-bundle folder before an hour of work, not after
    # SAEs and cards are staged here; write_bundle copies them into the bundle with the export and manifest.
    tmp_out = tempfile.mkdtemp(prefix="ai-default-bundle-")

    dict_hooks = [f"blocks.{i}.hook_resid_post" for i in range(cfg.n_layer)] + ["blocks.0.mlp.hook_post"]
    log("collecting activations")
    ids, acts = collect(model, train, args.sae_seqs, cfg.n_positions, dict_hooks, args.seed)
    hids, hacts = collect(model, held, 64, cfg.n_positions, dict_hooks, args.seed + 1)
    W_U = model.wte.weight.detach().t()  # [d_model, vocab] (tied)

    dictionaries, dict_eval = [], {}
    # Steps each dictionary has trained, pass by pass: a reused or continued SAE carries the passes
    # recorded in the manifest of the bundle it came from.
    steps_per_pass = {}
    for hook in dict_hooks:
        a = acts[hook]
        d_in = a.shape[1]
        d_sae = args.expansion * d_in
        steps = args.mlp_sae_steps if "mlp" in hook else args.sae_steps
        log(f"SAE {hook}: d_in {d_in}, d_sae {d_sae}, k {args.k}, {steps} steps")
        # A different seed per dictionary: the same initial directions in every layer would make feature
        # indices look alike across layers.
        if args.reuse_saes and hook not in args.retrain.split(","):
            sae = load_saelens(os.path.join(args.reuse_saes, "saes", hook))
            steps_per_pass[hook] = recorded_sae_passes(args.reuse_saes, hook)
        else:
            init = load_saelens(os.path.join(args.continue_saes, "saes", hook)) if args.continue_saes else None
            sae = train_sae(a, d_sae, args.k, steps, seed=args.seed + 1000 * len(dictionaries), log=log, init=init)
            steps_per_pass[hook] = (recorded_sae_passes(args.continue_saes, hook) if args.continue_saes else []) + [steps]
        # Weights are stored as fp16 with the low mantissa bits rounded away, so the shipped file
        # deflates to about 2/3 (the .vsix must stay under 60 MB); every figure below is measured on
        # exactly these rounded weights.
        sae = round_mantissa(load_as_fp32(sae), args.mantissa_bits_mlp if "mlp" in hook else args.mantissa_bits_resid)
        folder = os.path.join(tmp_out, "saes", hook)
        save_saelens(sae, folder, hook, BUNDLE_ID, cfg.n_positions)
        with torch.no_grad():
            hx = hacts[hook].float()
            f, _ = sae.encode(hx)
            xh = sae.decode(f)
            ev = 1 - (hx - xh).pow(2).sum().item() / (hx - hx.mean(0)).pow(2).sum().item()
            l0 = (f > 0).sum(1).float().mean().item()
        m = splice_metrics(model, sae, hook, hids[:16])
        # Decoder directions through the unembedding; an MLP-hidden direction first goes through W_out.
        L = int(hook.split(".")[1])
        dirs = sae.W_dec.detach()
        if "mlp" in hook:
            dirs = dirs @ model.h[L].mlp.c_proj.weight.detach()
        logit_dirs = dirs @ W_U
        n_card = args.card_seqs * cfg.n_positions
        log(f"  cards for {hook}")
        cards, density = compute_cards(lambda x: sae.encode(x)[0], a[:n_card], ids[:args.card_seqs], cfg.n_positions, logit_dirs, texts)
        write_cards(os.path.join(tmp_out, "cards", hook), cards)
        dead = float((density == 0).mean())
        dict_eval[hook] = {"explained_variance_heldout": round(ev, 4), "l0_heldout": round(l0, 2),
                           "dead_fraction": round(dead, 4), **{k: round(v, 4) for k, v in m.items()},
                           "dead_measured_over_tokens": n_card}
        log(f"  {hook}: {dict_eval[hook]}")
        dictionaries.append(hook)

    log("evaluating the model on held-out files")
    if args.reuse_eval:
        evaluation = {k: v for k, v in json.load(open(os.path.join(args.reuse_eval, "manifest.json")))["evaluation"].items() if k != "dictionaries"}
    else:
        evaluation = evaluate_model(model, cfg, args.cache, tokenizer_path, texts, eot, args.eval_bytes) if args.eval_bytes else {}
    evaluation["dictionaries"] = dict_eval
    log(json.dumps({k: v for k, v in evaluation.items() if k not in ("greedy_continuations", "dictionaries")}))

    log("exporting ONNX, writing the bundle")
    parity_ids = tokenize(tokenizer_path, texts=["def add(a, b):\n    return a + b  # 😀 naïve\n"])["texts"][0]
    corpus = json.load(open(os.path.join(args.cache, "corpus.json")))
    extra = {
        "id": BUNDLE_ID,
        "name": f"Code GPT-2 {cfg.n_layer}L-{cfg.n_embd} (trained locally)",
        "description": "A small GPT-2-architecture model trained from scratch on source code and English prose "
                       "found on the build machine, with TopK sparse autoencoders on every layer.",
        "eot_token_id": eot,
        "training": {"steps": ck["step"], "tokens": ck["step"] * 8 * cfg.n_positions, "log_tail": ck["log"][-5:],
                     "runs": ck.get("runs", []),
                     "sae": {"architecture": "topk", "k": args.k, "expansion": args.expansion, "aux_k": True,
                             "steps_per_pass": steps_per_pass,
                             "activation_tokens": args.sae_seqs * cfg.n_positions,
                             "stored_mantissa_bits": {"mlp": args.mantissa_bits_mlp, "resid": args.mantissa_bits_resid}}},
        "corpus": {k: v for k, v in corpus.items() if k != "heldout_files"} | {"heldout_file_count": len(corpus["heldout_files"])},
        "evaluation": evaluation,
        "feature_labels": LABEL_METHOD,
    }
    try:
        write_bundle(out, model, tokenizer_path,
                     saes=[(h, os.path.join(tmp_out, "saes", h)) for h in dictionaries],
                     cards={h: os.path.join(tmp_out, "cards", h) for h in dictionaries},
                     extra_manifest=extra, parity_ids=parity_ids, fp16_weights=True, log=log)
    finally:
        shutil.rmtree(tmp_out, ignore_errors=True)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
