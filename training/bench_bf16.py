"""A/B of one training step in fp32 and in bf16 autocast, same process, same model and batch: the figure
behind train_model.py's default of bf16 (CPUs with avx512_bf16 run bf16 matmuls ~2.5x faster).
    /usr/bin/python3 training/bench_bf16.py
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import GPT2, GPT2Config  # noqa: E402


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=8279, n_positions=512, n_embd=256, n_layer=2, n_head=4)
    model = GPT2(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, cfg.vocab_size, (8, cfg.n_positions + 1))

    def step(bf16):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    # Alternating rounds, so a change in machine load hits both alike.
    for bf16 in (False, True, False, True):
        step(bf16)
        t = time.time()
        for _ in range(3):
            step(bf16)
        dt = (time.time() - t) / 3
        print(f"{'bf16' if bf16 else 'fp32'}: {dt:.3f} s/step, {x[:, :-1].numel() / dt:.0f} tokens/s", flush=True)


if __name__ == "__main__":
    main()
