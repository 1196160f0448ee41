"""Trains the default bundle's TopK dictionaries on activations streamed from the model, one pass, no
activation stored on disk:

  /usr/bin/python3 training/sae_stream.py --cache $CACHE --out $CACHE/sae-stream

Windowing is the extension's (src/engine/inference/windows.ts): every training file is cut into windows of
n_ctx with stride n_ctx/2 from its first token (no <|endoftext|> prefix, as in the editor), and a window
contributes only the positions it owns (all of window 0; the last n_ctx/2 of every later one). So the
activations are those the dictionaries will encode in the editor, including the first positions of a
file, but never the early positions of a later window, which the editor never shows.

The windows of the whole training split are shuffled (seeded) and taken in order until `--resid-tokens`
owned positions are gathered. They are processed in chunks (`--chunk-tokens`): a chunk's owned rows are
shuffled, then every residual dictionary takes its batches from all of them and the MLP dictionary from
a random `mlp-tokens / resid-tokens` share, so each dictionary sees each activation exactly once.
Resumable: after every chunk the trainers' state is saved in OUT/state.pt (OUT/state-<hooks>.pt for a run
with --hooks, which may resume from a run that trained them all); rerunning continues. With 2 cores, one
process per hook (--hooks H --threads 1) finishes sooner than one process for all: much of a step is
single-threaded.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_onnx import round_weights_fp16  # noqa: E402
from gpt2 import GPT2, GPT2Config  # noqa: E402
from sae_train import TopKSAE, TopKTrainer, save_saelens  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def documents(stream, eot):
    """(start, end) of every file in a token stream whose files end with <|endoftext|>."""
    ends = np.flatnonzero(stream == eot)
    starts = np.concatenate([[0], ends[:-1] + 1])
    return [(int(s), int(e)) for s, e in zip(starts, ends) if e > s]


def owned_windows(docs, ctx):
    """[start, end, owned_from] (absolute stream offsets) of every window, as windows.ts plans them."""
    stride = ctx // 2
    out = []
    for s, e in docs:
        n = e - s
        count = 1 if n <= ctx else -(-(n - ctx) // stride) + 1
        for w in range(count):
            ws = s + w * stride
            out.append((ws, min(ws + ctx, e), ws if w == 0 else ws + ctx - stride))
    return np.array(out, dtype=np.int64)


@torch.no_grad()
def hook_rows(model, stream, windows, hooks, batch=16, bf16=False):
    """{hook: [rows, d] float16} for the owned positions of `windows`, batched by length (right padding
    never changes a causal model's earlier positions). bf16: the model's matmuls under bf16 autocast."""
    order = np.argsort(windows[:, 1] - windows[:, 0], kind="stable")
    total = int((windows[:, 1] - windows[:, 2]).sum())
    # Filled in place (no per-batch pieces joined at the end): the chunk's rows are the trainer's peak memory.
    out = {h: torch.empty((total, model.cfg.d_mlp if "mlp" in h else model.cfg.n_embd), dtype=torch.float16) for h in hooks}
    filled = 0
    for i in range(0, len(order), batch):
        ws = windows[order[i:i + batch]]
        n = int((ws[:, 1] - ws[:, 0]).max())
        ids = np.zeros((len(ws), n), dtype=np.int64)
        for j, (a, b, _) in enumerate(ws):
            ids[j, :b - a] = stream[a:b]
        ids = torch.from_numpy(ids)
        acts = {}
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            x = model.wte(ids) + model.wpe(torch.arange(n))
            for L, blk in enumerate(model.h):
                x, inner, _, _ = blk(x)
                acts[f"blocks.{L}.mlp.hook_post"] = inner["mlp.hook_post"]
                acts[f"blocks.{L}.hook_resid_post"] = x
                if all(h in acts for h in hooks):
                    break
        start = filled
        for h in hooks:
            at = start
            for j, (a, b, c) in enumerate(ws):
                out[h][at:at + b - c] = acts[h][j, c - a:b - a]
                at += b - c
        filled = at
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/ai-train"))
    ap.add_argument("--out", default=None, help="default: CACHE/sae-stream")
    ap.add_argument("--resid-tokens", type=int, default=20_000_000)
    ap.add_argument("--mlp-tokens", type=int, default=8_000_000)
    ap.add_argument("--chunk-tokens", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--expansion", type=int, default=8)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hooks", default="", help="comma-separated subset of the hooks to train (e.g. one process per core)")
    # The model's matmuls under bf16 autocast make gathering 2.5x faster on CPUs with avx512_bf16; the
    # activations then differ from the extension's fp32 ones by about 1% of their norm, well under the
    # dictionaries' reconstruction error. Every figure the manifest reports is measured on fp32 activations.
    ap.add_argument("--fp32-model", action="store_true", help="gather activations in fp32 (slower)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out or os.path.join(args.cache, "sae-stream")
    os.makedirs(out, exist_ok=True)

    # The checkpoint (train_model.py's, or bundle_model.py's rebuilt from a bundle), rounded to the fp16
    # weights the bundle stores.
    ck = torch.load(os.path.join(args.cache, "model_ckpt.pt"))
    model = GPT2(GPT2Config(**ck["config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    round_weights_fp16(model)
    ctx = model.cfg.n_positions
    eot = json.load(open(os.path.join(args.cache, "tokenizer.json")))["added_tokens"][0]["id"]
    model_name = "code-gpt2-2l"
    stream = np.memmap(os.path.join(args.cache, "train.bin"), dtype=np.uint16, mode="r")
    windows = owned_windows(documents(np.asarray(stream), eot), ctx)
    rng = np.random.default_rng(args.seed)
    windows = windows[rng.permutation(len(windows))]
    owned = windows[:, 1] - windows[:, 2]
    total_owned = int(owned.sum())
    if total_owned < args.resid_tokens:
        raise SystemExit(f"the training split has {total_owned} owned positions, fewer than --resid-tokens")
    # Chunks: consecutive runs of the shuffled windows holding about chunk-tokens owned positions each.
    cum = np.cumsum(owned)
    n_windows = int(np.searchsorted(cum, args.resid_tokens)) + 1
    bounds = list(range(0, n_windows, max(1, int(n_windows * args.chunk_tokens / cum[n_windows - 1])))) + [n_windows]
    resid_rows = int(cum[n_windows - 1])
    mlp_share = args.mlp_tokens / resid_rows

    all_hooks = [f"blocks.{i}.hook_resid_post" for i in range(model.cfg.n_layer)] + ["blocks.0.mlp.hook_post"]
    hooks = [h for h in all_hooks if not args.hooks or h in args.hooks.split(",")]
    d_of = {h: model.cfg.d_mlp if "mlp" in h else model.cfg.n_embd for h in hooks}
    steps_of = {h: (args.mlp_tokens if "mlp" in h else resid_rows) // args.batch for h in hooks}
    # One state file per set of hooks trained together; a run for some hooks may resume from the state of
    # a run that trained all of them (the chunks are the same).
    state_path = os.path.join(out, "state.pt" if hooks == all_hooks else f"state-{'+'.join(hooks)}.pt")
    resume_from = state_path if os.path.exists(state_path) else os.path.join(out, "state.pt")
    st = torch.load(resume_from) if os.path.exists(resume_from) else None
    trainers = {}
    for h in hooks:
        torch.manual_seed(args.seed + 1000 * all_hooks.index(h))  # another initial direction set per dictionary
        sae = TopKSAE(d_of[h], args.expansion * d_of[h], args.k)
        trainers[h] = TopKTrainer(sae, steps_of[h], lr=args.lr)
    next_chunk = 0
    if st is not None:
        for h in hooks:
            trainers[h].load_state_dict(st["trainers"][h])
        next_chunk = st["next_chunk"]
        log(f"resuming at chunk {next_chunk}")
    log(f"{len(windows)} windows, {total_owned} owned positions in the training split; using {n_windows} windows, "
        f"{resid_rows} residual rows, ~{args.mlp_tokens} MLP rows, {len(bounds) - 1} chunks; steps {steps_of}")

    carry = {h: st["carry"][h] for h in hooks} if st is not None else {h: None for h in hooks}
    seen = {h: st["seen"][h] for h in hooks} if st is not None else {h: 0 for h in hooks}
    for c in range(next_chunk, len(bounds) - 1):
        t0 = time.time()
        rows = hook_rows(model, stream, windows[bounds[c]:bounds[c + 1]], hooks, bf16=not args.fp32_model)
        t1 = time.time()
        g = torch.Generator().manual_seed(args.seed * 7919 + c)
        n = rows[hooks[0]].shape[0]
        perm = torch.randperm(n, generator=g)
        last = c == len(bounds) - 2
        report = {}
        for h in hooks:
            src = rows.pop(h)  # freed after this dictionary's pass over the chunk
            take = perm
            if "mlp" in h:
                take = perm[: int(round(n * mlp_share))] if not last else perm[: max(0, args.mlp_tokens - seen[h])]
            seen[h] += len(take)
            tr = trainers[h]
            if tr.steps_done == 0:
                # b_dec starts at the per-dimension median of the first rows.
                with torch.no_grad():
                    tr.sae.b_dec.copy_(src[take[:20000]].float().median(dim=0).values)
            # The remainder of the previous chunk, short of a batch, goes first.
            pending = carry[h]
            mse = aux = float("nan")
            dead = -1
            i = 0
            if pending is not None and len(pending):
                need = args.batch - len(pending)
                if len(take) >= need and tr.steps_done < tr.total_steps:
                    mse, aux, dead = tr.step(torch.cat([pending, src[take[:need]]]).float())
                    i = need
                    pending = None
            while i + args.batch <= len(take) and tr.steps_done < tr.total_steps:
                mse, aux, dead = tr.step(src[take[i:i + args.batch]].float())
                i += args.batch
            rest = src[take[i:]].clone()
            carry[h] = rest if pending is None else torch.cat([pending, rest])
            del src
            report[h] = f"step {tr.steps_done}/{tr.total_steps} nmse {mse:.4f} aux {aux:.3f} dead {dead}"
        t2 = time.time()
        log(f"chunk {c + 1}/{len(bounds) - 1}: {n} rows, model {t1 - t0:.0f}s, dictionaries {t2 - t1:.0f}s; "
            + "; ".join(f"{h.replace('blocks.', 'L')} {v}" for h, v in report.items()))
        torch.save({"trainers": {h: t.state_dict() for h, t in trainers.items()}, "next_chunk": c + 1,
                    "carry": carry, "seen": seen}, state_path + ".tmp")
        os.replace(state_path + ".tmp", state_path)

    summary_path = os.path.join(out, "summary.json")
    summary = json.load(open(summary_path))["dictionaries"] if os.path.exists(summary_path) else {}
    for h in hooks:
        save_saelens(trainers[h].sae, os.path.join(out, h), h, model_name, ctx)
        summary[h] = {"activation_tokens": seen[h], "steps": trainers[h].steps_done, "batch": args.batch}
    json.dump({"dictionaries": summary, "windowing": "owned positions of the extension's windows (n_ctx, stride n_ctx/2)",
               "model_precision": "fp32" if args.fp32_model else "bf16 autocast", "seed": args.seed, "lr": args.lr, "k": args.k, "expansion": args.expansion},
              open(summary_path, "w"), indent=1)
    log(f"wrote {out}: {summary}")


if __name__ == "__main__":
    main()
