"""Builds the default bundle (media/models/code-gpt2-2l) from the trained checkpoint:
activations -> TopK SAEs (SAELens layout) -> evaluation -> feature cards -> ONNX export -> manifest.

The whole recipe, from scratch (see training/README.md):
  node training/build_tokenizer.mjs --out=$CACHE/tokenizer.json
  node training/build_corpus.mjs --out=$CACHE
  /usr/bin/python3 training/train_model.py --cache $CACHE
  /usr/bin/python3 training/build_default_bundle.py --cache $CACHE --out media/models/code-gpt2-2l
"""
import argparse
import hashlib
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
from sae_train import save_saelens, load_as_fp32, load_saelens, round_mantissa  # noqa: E402
from feature_cards import compute_cards, ranking_figures, write_cards, write_card_tokens, token_texts, LABEL_METHOD  # noqa: E402
from feature_codes import encode_files  # noqa: E402

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


def syntax_tags(tokenizer_path, files, log):
    """{"leaf_names", "context_names", "files": [{"ids", "leaf", "context"}]} from training/syntax_tags.mjs."""
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        job = json.dumps({"tokenizer": tokenizer_path, "files": [{"path": f["path"], "kind": f["kind"]} for f in files]})
        subprocess.run(["node", os.path.join(HERE, "syntax_tags.mjs"), f"--out={out}"], input=job.encode(), check=True)
        return json.load(open(out))
    finally:
        os.remove(out)


def card_corpus(model, saes, tokenizer_path, files, ctx, log):
    """Syntax tags, positions, codes and reconstruction figures of `files` (corpus.json entries)."""
    tags = syntax_tags(tokenizer_path, files, log)
    ids = [np.asarray(f["ids"], dtype=np.int64) for f in tags["files"]]
    leaf = np.concatenate([np.asarray(f["leaf"], dtype=np.int64) for f in tags["files"]])
    ctxt = np.concatenate([np.asarray(f["context"], dtype=np.int64) for f in tags["files"]])
    P, codes, figures = encode_files(model, saes, ids, ctx, log=log)
    return {"P": P, "codes": codes, "leaf": leaf, "ctx": ctxt, "figures": figures,
            "leaf_names": tags["leaf_names"], "context_names": tags["context_names"]}


def logit_directions(model, sae, hook, corpus_counts):
    """Decoder directions through the final LayerNorm's gain and the unembedding ([d_sae, vocab]), NaN for
    tokens that never occur in the training corpus (rare embeddings say nothing about behaviour), and
    what path that measures."""
    L = int(hook.split(".")[1])
    dirs = sae.W_dec.detach()
    if "mlp" in hook:
        dirs = dirs @ model.h[L].mlp.c_proj.weight.detach()
    d = (dirs * model.ln_f.weight.detach()) @ model.wte.weight.detach().t()
    d[:, torch.from_numpy(corpus_counts == 0)] = float("nan")
    last = L == model.cfg.n_layer - 1 and "resid_post" in hook
    through = " through the MLP's output matrix W_out," if "mlp" in hook else ""
    if last:
        return d, "direct", ("Direct effect on the logits:" + through + " the decoder direction through the final "
                             "LayerNorm's gain and the unembedding (W_dec · γ · W_U); nothing comes after this layer. "
                             "Only tokens that occur in the training corpus are listed.")
    return d, "direct path only", ("The direct path only:" + through + " the decoder direction read straight through "
                                   "the final LayerNorm's gain and the unembedding (W_dec · γ · W_U), skipping the "
                                   f"later layer{'s' if model.cfg.n_layer - L > 2 else ''}, which also read it. "
                                   "Only tokens that occur in the training corpus are listed.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/ai-train"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "media", "models", BUNDLE_ID))
    ap.add_argument("--saes-from", default=None, help="dictionaries trained by sae_stream.py (default: CACHE/sae-stream)")
    ap.add_argument("--reuse-saes", default=None, help="bundle folder whose dictionaries to take for hooks --saes-from lacks")
    ap.add_argument("--export-from", default=None,
                    help="bundle folder whose model.onnx/parity.json to copy (the checkpoint was rebuilt from it)")
    ap.add_argument("--card-train-tokens", type=int, default=1_500_000,
                    help="tokens of training files that cards' contexts and label candidates come from")
    ap.add_argument("--heldout-limit", type=int, default=0, help="use only the first N held-out files (0: all; for trial runs)")
    ap.add_argument("--readable", type=float, default=0.5, help="label score from which a label counts as readable")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mantissa-bits-mlp", type=int, default=5, help="fp16 mantissa bits kept in MLP SAE weights")
    ap.add_argument("--mantissa-bits-resid", type=int, default=5, help="fp16 mantissa bits kept in residual SAE weights")
    ap.add_argument("--reuse-eval", default=None, help="bundle folder whose model evaluation to copy (same checkpoint)")
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
    corpus = json.load(open(os.path.join(args.cache, "corpus.json")))
    log(f"model step {ck['step']}, {ck['step'] * 8 * cfg.n_positions / 1e6:.1f}M tokens")

    out = os.path.abspath(args.out)
    check_target(out)  # refuse a non-bundle folder before an hour of work, not after
    # SAEs and cards are staged here; write_bundle copies them into the bundle with the export and manifest.
    tmp_out = tempfile.mkdtemp(prefix="ai-default-bundle-")
    saes_from = args.saes_from or os.path.join(args.cache, "sae-stream")
    stream_summary = json.load(open(os.path.join(saes_from, "summary.json")))

    dict_hooks = [f"blocks.{i}.hook_resid_post" for i in range(cfg.n_layer)] + ["blocks.0.mlp.hook_post"]
    saes, sae_training = {}, {}
    for hook in dict_hooks:
        if os.path.isdir(os.path.join(saes_from, hook)):
            sae = load_saelens(os.path.join(saes_from, hook))
            sae_training[hook] = stream_summary["dictionaries"][hook]
        elif args.reuse_saes:
            sae = load_saelens(os.path.join(args.reuse_saes, "saes", hook))
            sae_training[hook] = json.load(open(os.path.join(args.reuse_saes, "manifest.json")))["training"]["sae"]["dictionaries"][hook]
        else:
            raise SystemExit(f"no dictionary for {hook} in {saes_from} (train it with training/sae_stream.py)")
        # Weights are stored as fp16 with the low mantissa bits rounded away, so the shipped file
        # deflates to about 2/3 (the .vsix must stay under 60 MB); every figure below is measured on
        # exactly these rounded weights.
        sae = round_mantissa(load_as_fp32(sae), args.mantissa_bits_mlp if "mlp" in hook else args.mantissa_bits_resid)
        save_saelens(sae, os.path.join(tmp_out, "saes", hook), hook, BUNDLE_ID, cfg.n_positions)
        saes[hook] = sae

    # Card corpus: whole training files (in a seeded order) up to --card-train-tokens; held-out files all,
    # split in two halves by a hash of the path: one chooses each label, the other scores it.
    rng = np.random.default_rng(args.seed)
    train_files, n = [], 0
    for i in rng.permutation(len(corpus["train_files"])):
        f = corpus["train_files"][int(i)]
        if n + f["tokens"] > args.card_train_tokens:
            continue
        train_files.append(f)
        n += f["tokens"]
    held_files = corpus["heldout_files"][: args.heldout_limit or None]
    log(f"card corpus: {len(train_files)} training files ({n} tokens); {len(held_files)} held-out files")
    writing = card_corpus(model, saes, tokenizer_path, train_files, cfg.n_positions, log)
    heldout = card_corpus(model, saes, tokenizer_path, held_files, cfg.n_positions, log)
    halves = np.array([int(hashlib.sha256(f["path"].encode()).hexdigest()[:8], 16) % 2 == 0 for f in held_files])
    choose_mask = halves[heldout["P"].file]
    card_tokens = os.path.join(tmp_out, "tokens.bin")
    write_card_tokens(card_tokens, writing["P"].ids)
    corpus_counts = np.bincount(np.asarray(train), minlength=cfg.vocab_size)[: cfg.vocab_size]

    hids, _ = collect(model, held, 64, cfg.n_positions, [], args.seed + 1)
    dict_eval = {}
    for hook in dict_hooks:
        sae = saes[hook]
        m = splice_metrics(model, sae, hook, hids[:16])
        fired = np.zeros(sae.d_sae, bool)
        for part in (writing, heldout):
            c = part["codes"][hook]
            fired[c.idx[c.val > 0].astype(np.int64)] = True
        logit_dirs, path, note = logit_directions(model, sae, hook, corpus_counts)
        log(f"  cards for {hook}")
        cards, arrays, summary = compute_cards(
            sae.d_sae, {**writing, "codes": writing["codes"][hook]}, {**heldout, "codes": heldout["codes"][hook]},
            choose_mask, logit_dirs, path, note, texts, writing["leaf_names"], writing["context_names"],
            cfg.vocab_size, args.readable, seed=args.seed, log=log, workers=args.threads)
        write_cards(os.path.join(tmp_out, "cards", hook), cards, arrays)
        scores = np.asarray(arrays["score"])
        fig = heldout["figures"][hook]
        dict_eval[hook] = {
            "explained_variance_heldout": round(fig["explained_variance"], 4), "l0_heldout": round(fig["l0"], 2),
            "heldout_positions": fig["positions"],
            "dead_fraction": round(float((~fired).mean()), 4),
            "dead_measured_over_tokens": len(writing["P"].ids) + len(heldout["P"].ids),
            **{k: round(v, 4) for k, v in m.items()},
            "label_score_median": round(float(np.median(scores)), 4),
            "label_readable_fraction": round(float((scores >= args.readable).mean()), 4),
            "label_kinds": summary["label_kinds"],
            "positional_features": int(np.sum(arrays["positional"])),
            "dense_features": int(np.sum(np.asarray(arrays["density"]) >= 0.1)),
            **ranking_figures(heldout["codes"][hook], arrays["density"], arrays["positional"], arrays["typical_activation"]),
        }
        log(f"  {hook}: {dict_eval[hook]}")

    log("evaluating the model on held-out files")
    if args.reuse_eval:
        evaluation = {k: v for k, v in json.load(open(os.path.join(args.reuse_eval, "manifest.json")))["evaluation"].items() if k != "dictionaries"}
    else:
        evaluation = evaluate_model(model, cfg, args.cache, tokenizer_path, texts, eot, args.eval_bytes) if args.eval_bytes else {}
    evaluation["dictionaries"] = dict_eval
    log(json.dumps({k: v for k, v in evaluation.items() if k not in ("greedy_continuations", "dictionaries")}))

    log("writing the bundle")
    parity_ids = tokenize(tokenizer_path, texts=["def add(a, b):\n    return a + b  # 😀 naïve\n"])["texts"][0]
    extra = {
        "id": BUNDLE_ID,
        "name": f"Code GPT-2 {cfg.n_layer}L-{cfg.n_embd} (trained locally)",
        "description": "A small GPT-2-architecture model trained from scratch on source code and English prose "
                       "found on the build machine, with TopK sparse autoencoders on every layer.",
        "eot_token_id": eot,
        "training": {"steps": ck["step"], "tokens": ck["step"] * 8 * cfg.n_positions, "log_tail": ck["log"][-5:],
                     "runs": ck.get("runs", []),
                     "sae": {"architecture": "topk", "k": stream_summary["k"], "expansion": stream_summary["expansion"],
                             "aux_k": True, "trainer": "training/sae_stream.py (one pass over streamed activations)",
                             "windowing": stream_summary["windowing"],
                             "model_precision_while_gathering": stream_summary.get("model_precision", "fp32"),
                             "lr": stream_summary["lr"], "dictionaries": sae_training,
                             "stored_mantissa_bits": {"mlp": args.mantissa_bits_mlp, "resid": args.mantissa_bits_resid}}},
        "corpus": {k: v for k, v in corpus.items() if k not in ("heldout_files", "train_files")}
                  | {"heldout_file_count": len(corpus["heldout_files"])},
        "evaluation": evaluation,
        "feature_labels": {"method": LABEL_METHOD, "readable_threshold": args.readable,
                           "card_corpus": {"training_files": len(train_files), "training_tokens": int(n),
                                           "heldout_files": len(held_files), "heldout_tokens": len(heldout["P"].ids),
                                           "split": "held-out files halved by a hash of the path: one half chooses each "
                                                    "label, the other scores it"}},
    }
    try:
        write_bundle(out, model, tokenizer_path,
                     saes=[(h, os.path.join(tmp_out, "saes", h)) for h in dict_hooks],
                     cards={h: os.path.join(tmp_out, "cards", h) for h in dict_hooks},
                     extra_manifest=extra, parity_ids=parity_ids, fp16_weights=True, card_tokens=card_tokens,
                     export_from=args.export_from, log=log)
    finally:
        shutil.rmtree(tmp_out, ignore_errors=True)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
