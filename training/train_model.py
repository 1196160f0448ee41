"""Trains the default bundle's GPT-2-architecture model on the corpus from build_corpus.mjs.

Resumable: checkpoints (model, optimiser, step, RNG state) go to --cache (outside the repo) atomically,
and a run continues from the checkpoint when one is there. Deterministic under --seed for a given
number of threads.
  /usr/bin/python3 training/train_model.py --cache ~/.cache/ai-train
"""
import argparse, json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from gpt2 import GPT2, GPT2Config  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/ai-train"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--schedule", default="6.2e6:2e-3,48e6:1.5e-3",
                    help="comma-separated cosine phases TOKENS:PEAK_LR; each warms up, then decays to 0.1 x its peak. "
                         "The default is what the shipped model ran: a short first cycle, then a warm restart")
    ap.add_argument("--fp32", action="store_true",
                    help="no bf16 autocast (bf16 matmuls are ~2.5x faster on CPUs with avx512_bf16)")
    ap.add_argument("--stop-file", default=None, help="stop cleanly when this file exists")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train = np.memmap(os.path.join(args.cache, "train.bin"), dtype=np.uint16, mode="r")
    held = np.memmap(os.path.join(args.cache, "heldout.bin"), dtype=np.uint16, mode="r")
    vocab = len(json.load(open(os.path.join(args.cache, "tokenizer.json")))["model"]["vocab"])
    cfg = GPT2Config(vocab_size=vocab, n_positions=args.ctx, n_embd=args.d_model, n_layer=args.layers, n_head=args.heads)
    model = GPT2(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=0.0, betas=(0.9, 0.95))
    ckpt_path = os.path.join(args.cache, "model_ckpt.pt")
    step, log, runs = 0, [], []
    rng = np.random.default_rng(args.seed)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); step = ck["step"]; log = ck["log"]
        rng.bit_generator.state = ck["rng"]
        runs = ck.get("runs", [])
        print(f"resumed at step {step}", flush=True)
    # Each start of this script (fresh or resumed) is recorded, so the bundle manifest can say how the
    # checkpoint it ships was trained even when the schedule or precision changed between resumes.
    runs.append({"start_step": step, "schedule": args.schedule, "precision": "fp32" if args.fp32 else "bf16-autocast",
                 "seed": args.seed})

    tokens_per_step = args.batch * args.ctx
    # Phases as (first step, steps, peak lr). The first phase warms up for 200 steps from zero; later ones
    # (warm restarts after a resume with a longer budget) for 100 steps from the previous phase's floor.
    phases, first = [], 0
    for part in args.schedule.split(","):
        tokens, peak = part.split(":")
        n = int(float(tokens) // tokens_per_step)
        phases.append((first, n, float(peak)))
        first += n
    total_steps = first

    def lr_at(s):
        for i, (p0, n, peak) in enumerate(phases):
            if s < p0 + n or i == len(phases) - 1:
                break
        k = s - p0
        warmup = 200 if i == 0 else 100
        floor = 0.0 if i == 0 else 0.1 * phases[i - 1][2]
        if k < warmup:
            return floor + (peak - floor) * (k + 1) / warmup
        t = min(1.0, (k - warmup) / max(1, n - warmup))
        return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    # A fixed held-out sample to track progress (the real evaluation is eval in the CLI).
    hrng = np.random.default_rng(0)
    hstarts = hrng.integers(0, len(held) - args.ctx - 1, size=16)
    hx = torch.from_numpy(np.stack([held[s:s + args.ctx + 1].astype(np.int64) for s in hstarts]))

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "log": log,
                    "rng": rng.bit_generator.state, "config": cfg.to_dict(), "runs": runs}, tmp)
        os.replace(tmp, ckpt_path)

    t0, seen = time.time(), 0
    while step < total_steps:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        starts = rng.integers(0, len(train) - args.ctx - 1, size=args.batch)
        xb = torch.from_numpy(np.stack([train[s:s + args.ctx + 1].astype(np.int64) for s in starts]))
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=not args.fp32):
            logits = model(xb[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), xb[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += tokens_per_step
        if step % 25 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {lr_at(step):.2e} {seen / (time.time() - t0):.0f} tok/s", flush=True)
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                hl = model(hx[:, :-1]).float()
                hloss = F.cross_entropy(hl.reshape(-1, hl.shape[-1]), hx[:, 1:].reshape(-1)).item()
            model.train()
            log.append({"step": step, "tokens": step * tokens_per_step, "train_loss": loss.item(), "heldout_loss": hloss})
            print(f"step {step} heldout {hloss:.3f}", flush=True)
            save()
    save()
    print("done", step, flush=True)


if __name__ == "__main__":
    main()
