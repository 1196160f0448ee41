"""TopK sparse autoencoders (Gao et al. 2024) with an auxiliary-k loss against dead latents, saved in
SAELens's on-disk layout. Vocabulary follows SAELens: d_in, d_sae, W_enc, W_dec, b_enc, b_dec, feature_acts.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from safetensors_io import save_file


class TopKSAE(torch.nn.Module):
    def __init__(self, d_in, d_sae, k, b_dec_init=None):
        super().__init__()
        self.d_in, self.d_sae, self.k = d_in, d_sae, k
        W_dec = torch.randn(d_sae, d_in)
        W_dec /= W_dec.norm(dim=1, keepdim=True)
        self.W_dec = torch.nn.Parameter(W_dec)
        # The encoder is held latent-major ([d_sae, d_in], i.e. W_enc transposed) so the k selected latents'
        # encoder rows are contiguous gathers in training; W_enc itself is exposed as the SAELens [d_in, d_sae].
        self.W_enc_T = torch.nn.Parameter(W_dec.clone())
        self.b_enc = torch.nn.Parameter(torch.zeros(d_sae))
        self.b_dec = torch.nn.Parameter(torch.zeros(d_in) if b_dec_init is None else b_dec_init.clone())

    @property
    def W_enc(self):
        return self.W_enc_T.t()

    def pre_acts(self, x):
        return (x - self.b_dec) @ self.W_enc + self.b_enc

    def encode(self, x):
        pre = self.pre_acts(x)
        vals, idx = pre.topk(self.k, dim=-1)
        return torch.zeros_like(pre).scatter(-1, idx, torch.relu(vals)), pre

    def decode(self, feature_acts):
        return feature_acts @ self.W_dec + self.b_dec

    @torch.no_grad()
    def normalize_decoder(self):
        self.W_dec /= self.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-8)


class TopKTrainer:
    """One TopK SAE's optimiser, schedule and dead-latent bookkeeping, fed a batch at a time (sae_stream.py
    feeds it activations streamed from the model). The schedule: 50 warm-up steps, constant, then a linear decay over the last 20%."""

    def __init__(self, sae, total_steps, lr=1e-3, dead_after=200_000, bf16_select=True):
        self.sae, self.total_steps, self.lr, self.bf16_select = sae, total_steps, lr, bf16_select
        self.opt = torch.optim.Adam(sae.parameters(), lr=lr, betas=(0.9, 0.999))
        # A latent is "dead" for the auxiliary loss when it has not fired for `dead_after` tokens.
        self.dead_after = dead_after
        self.since_fired = torch.zeros(sae.d_sae)
        self.k_aux = min(sae.d_sae // 2, max(2 * sae.k, sae.d_in // 2), 128)
        self.aux_rows = 512  # the auxiliary loss uses a slice of the batch: its gathers are [rows, d_in, k_aux]
        self.steps_done = 0

    def state_dict(self):
        return {"sae": self.sae.state_dict(), "opt": self.opt.state_dict(), "since_fired": self.since_fired,
                "steps_done": self.steps_done}

    def load_state_dict(self, st):
        self.sae.load_state_dict(st["sae"])
        self.opt.load_state_dict(st["opt"])
        self.since_fired, self.steps_done = st["since_fired"], st["steps_done"]

    def step(self, x):
        """One Adam step on the batch x [batch, d_in] (fp32). Returns (normalised MSE, aux loss, dead count)."""
        sae, step, steps = self.sae, self.steps_done, self.total_steps
        batch = x.shape[0]
        lr_now = self.lr * min(1.0, (step + 1) / 50) * (1.0 if step < 0.8 * steps else max(0.0, (steps - step) / (0.2 * steps)))
        for gr in self.opt.param_groups:
            gr["lr"] = lr_now
        # The dense encoder product is taken without autograd; gradients flow only through the k selected
        # latents per token (gathered columns of W_enc, gathered rows of W_dec). Same result as autograd
        # through topk, at a fraction of the cost for wide dictionaries.
        xc = x - sae.b_dec
        # The dense product only chooses which k latents fire, so it runs in bf16 (~2.5x faster on CPUs with
        # avx512_bf16); the chosen latents' values are recomputed in fp32 below.
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16_select):
            pre = (xc @ sae.W_enc + sae.b_enc).float()
            idx = pre.topk(sae.k, dim=-1).indices
        vals = torch.relu((F.embedding(idx, sae.W_enc_T) * xc.unsqueeze(1)).sum(-1) + sae.b_enc[idx])
        x_hat = (vals.unsqueeze(-1) * F.embedding(idx, sae.W_dec)).sum(1) + sae.b_dec
        var = (x - x.mean(0)).pow(2).sum()
        mse = (x - x_hat).pow(2).sum() / var
        fired = torch.zeros(sae.d_sae, dtype=torch.bool)
        fired[idx[vals.detach() > 0]] = True
        self.since_fired = torch.where(fired, torch.zeros_like(self.since_fired), self.since_fired + batch)
        dead = self.since_fired > self.dead_after
        aux = torch.zeros(())
        if dead.any():
            # Auxiliary-k: the dead latents try to explain the residual error, which pulls them back to life.
            rows = self.aux_rows
            err = (x - x_hat).detach()[:rows]
            kk = min(self.k_aux, int(dead.sum()))
            with torch.no_grad():
                aidx = pre[:rows].masked_fill(~dead, float("-inf")).topk(kk, dim=-1).indices
            avals = torch.relu((F.embedding(aidx, sae.W_enc_T) * xc[:rows].detach().unsqueeze(1)).sum(-1) + sae.b_enc[aidx])
            err_hat = (avals.unsqueeze(-1) * F.embedding(aidx, sae.W_dec)).sum(1)
            aux = (err - err_hat).pow(2).sum() / err.pow(2).sum().clamp_min(1e-8)
        loss = mse + aux / 32
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        # Keep decoder rows unit-norm: remove the gradient component that would only change their length.
        with torch.no_grad():
            Wd, gd = sae.W_dec, sae.W_dec.grad
            gd -= (gd * Wd).sum(1, keepdim=True) * Wd
        self.opt.step()
        sae.normalize_decoder()
        self.steps_done += 1
        return mse.item(), aux.item(), int(dead.sum())


def save_saelens(sae: TopKSAE, folder: str, hook_name: str, model_name: str, context_size: int, extra=None):
    """SAELens v6 layout: cfg.json + sae_weights.safetensors (fp16; the loader widens to fp32)."""
    os.makedirs(folder, exist_ok=True)
    cfg = {
        "architecture": "topk",
        "d_in": sae.d_in,
        "d_sae": sae.d_sae,
        "k": sae.k,
        "dtype": "float16",
        "device": "cpu",
        "apply_b_dec_to_input": True,
        "normalize_activations": "none",
        "reshape_activations": "none",
        "metadata": {
            "model_name": model_name,
            "hook_name": hook_name,
            "hook_head_index": None,
            "context_size": context_size,
            "prepend_bos": False,
            "dataset_path": "local corpus (see manifest.corpus)",
            "sae_lens_training_version": None,
            "trained_by": "activation-inspector training/sae_train.py",
            **(extra or {}),
        },
    }
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    t = {n: getattr(sae, n).detach().contiguous().numpy().astype(np.float16) for n in ["W_enc", "W_dec", "b_enc", "b_dec"]}
    save_file(t, os.path.join(folder, "sae_weights.safetensors"))


def load_as_fp32(sae: TopKSAE):
    """Round-trip the weights through fp16, so every figure we report is for what we ship."""
    with torch.no_grad():
        for n in ["W_enc_T", "W_dec", "b_enc", "b_dec"]:
            getattr(sae, n).copy_(getattr(sae, n).half().float())
    return sae


def load_saelens(folder):
    """A TopK SAE from a SAELens folder written by save_saelens."""
    from safetensors_io import load_file
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    t = load_file(os.path.join(folder, "sae_weights.safetensors"))
    sae = TopKSAE(cfg["d_in"], cfg["d_sae"], cfg["k"])
    with torch.no_grad():
        sae.W_enc_T.copy_(torch.from_numpy(t["W_enc"].astype(np.float32)).t())
        sae.W_dec.copy_(torch.from_numpy(t["W_dec"].astype(np.float32)))
        sae.b_enc.copy_(torch.from_numpy(t["b_enc"].astype(np.float32)))
        sae.b_dec.copy_(torch.from_numpy(t["b_dec"].astype(np.float32)))
    return sae


@torch.no_grad()
def round_mantissa(sae, bits):
    """Round W_enc and W_dec to fp16 values with only `bits` of the 10 mantissa bits (round to nearest):
    still plain F16 tensors in SAELens's format, but they deflate much better in the packaged extension."""
    if bits >= 10:
        return sae
    drop = 10 - bits
    for name in ["W_enc_T", "W_dec"]:
        p = getattr(sae, name)
        u = p.half().numpy().view(np.uint16).astype(np.uint32)
        u = ((u + (1 << (drop - 1))) & ~((1 << drop) - 1)).astype(np.uint16)
        p.copy_(torch.from_numpy(u.view(np.float16).astype(np.float32)))
    return sae
