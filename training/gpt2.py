"""GPT-2 in plain PyTorch, with Hugging Face's parameter names and Conv1D weight layout ([in, out]).

One module serves our own trained model and real GPT-2-family checkpoints (training/export_bundle.py
loads either), so both go through the same ONNX export. Hook names follow TransformerLens.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPT2Config:
    vocab_size: int = 8279
    n_positions: int = 512
    n_embd: int = 256
    n_layer: int = 2
    n_head: int = 4
    n_inner: int | None = None  # defaults to 4 * n_embd, as in GPT-2
    layer_norm_epsilon: float = 1e-5

    @property
    def d_mlp(self) -> int:
        return self.n_inner or 4 * self.n_embd

    def to_dict(self):
        return asdict(self)


def gelu_new(x):
    # GPT-2's tanh approximation of GELU (not the exact erf form).
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    """Hugging Face's GPT-2 linear layer: weight stored [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.n_head = cfg.n_head
        self.d_head = cfg.n_embd // cfg.n_head
        self.c_attn = Conv1D(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = Conv1D(cfg.n_embd, cfg.n_embd)

    def forward(self, x, past_k=None, past_v=None):
        b, n, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q = q.view(b, n, self.n_head, self.d_head).transpose(1, 2)
        k = k.view(b, n, self.n_head, self.d_head).transpose(1, 2)
        v = v.view(b, n, self.n_head, self.d_head).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        total = k.shape[2]
        past = total - n
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.d_head)
        # Query i sits at absolute position past + i and may see keys 0..past + i.
        q_pos = torch.arange(n, device=x.device).unsqueeze(1) + past
        k_pos = torch.arange(total, device=x.device).unsqueeze(0)
        att = att.masked_fill(k_pos > q_pos, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, n, d)
        return self.c_proj(y), k, v


class MLP(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.c_fc = Conv1D(cfg.n_embd, cfg.d_mlp)
        self.c_proj = Conv1D(cfg.d_mlp, cfg.n_embd)

    def forward(self, x, edit=None):
        post = gelu_new(self.c_fc(x))
        if edit is not None:
            post = edit(post)
        return self.c_proj(post), post


class Block(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = MLP(cfg)

    def forward(self, x, past_k=None, past_v=None, edit_mlp_post=None):
        a, k, v = self.attn(self.ln_1(x), past_k, past_v)
        mid = x + a
        m, post = self.mlp(self.ln_2(mid), edit_mlp_post)
        return mid + m, {"hook_resid_mid": mid, "mlp.hook_post": post}, k, v


class GPT2(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.01)
        # GPT-2's scaled init of residual projections.
        for blk in self.h:
            nn.init.normal_(blk.attn.c_proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(blk.mlp.c_proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))

    def run(self, input_ids, past=None, want_hooks=False, edits=None):
        """Returns (logits, hooks dict by TransformerLens name, presents list of (k, v)).

        edits: optional {hook name: fn(tensor) -> tensor} replacing an activation in the forward pass
        (used to splice a dictionary's reconstruction in, or to zero-ablate), for
        blocks.{L}.mlp.hook_post and blocks.{L}.hook_resid_post."""
        edits = edits or {}
        n = input_ids.shape[1]
        past_len = 0 if past is None else past[0][0].shape[2]
        pos = torch.arange(n, device=input_ids.device) + past_len
        x = self.wte(input_ids) + self.wpe(pos)
        hooks, presents = {}, []
        for i, blk in enumerate(self.h):
            if want_hooks:
                hooks[f"blocks.{i}.hook_resid_pre"] = x
            pk, pv = (None, None) if past is None else past[i]
            x, inner, k, v = blk(x, pk, pv, edits.get(f"blocks.{i}.mlp.hook_post"))
            if f"blocks.{i}.hook_resid_post" in edits:
                x = edits[f"blocks.{i}.hook_resid_post"](x)
            presents.append((k, v))
            if want_hooks:
                for name, t in inner.items():
                    hooks[f"blocks.{i}.{name}"] = t
                hooks[f"blocks.{i}.hook_resid_post"] = x
        x = self.ln_f(x)
        logits = x @ self.wte.weight.t()
        return logits, hooks, presents

    def forward(self, input_ids):
        return self.run(input_ids)[0]
