"""Dictionary codes of whole files, computed the way the extension computes them: each file cut into windows
of n_ctx with stride n_ctx/2 from its first token (src/engine/inference/windows.ts), every position taken
from the one window that owns it, the model and the encoders in fp32 on the weights that ship.

Codes are kept sparse, as the TopK dictionaries produce them: per position the k latent indices and their
activations (zero where the latent was selected but not positive), plus where the position sits (file,
position in the file, window, position in the window), which cards, labels and densities all need.
"""
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Positions:
    """Where each owned position sits. Arrays of length N (all tokens of all files, in file order)."""
    ids: np.ndarray        # token id
    file: np.ndarray       # index of the file
    pos: np.ndarray        # position in the file
    window: np.ndarray     # a global window number (unique across files)
    win_pos: np.ndarray    # position inside that window (0..n_ctx-1)
    file_start: np.ndarray # offset of each file's first token in the N positions (len = files + 1)


@dataclass
class Codes:
    idx: np.ndarray  # [N, k] int16 latent indices
    val: np.ndarray  # [N, k] float32 activations (> 0 where the latent fires)


def plan_windows(n, ctx):
    """(start, end, owned_from) of each window of a file of n tokens, as windows.ts plans them."""
    stride = ctx // 2
    count = 1 if n <= ctx else -(-(n - ctx) // stride) + 1
    return [(w * stride, min(w * stride + ctx, n), 0 if w == 0 else w * stride + ctx - stride) for w in range(count)]


def positions_of(files_ids, ctx):
    sizes = [len(f) for f in files_ids]
    file_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    N = int(file_start[-1])
    ids = np.concatenate([np.asarray(f, dtype=np.int64) for f in files_ids]) if N else np.zeros(0, np.int64)
    file = np.repeat(np.arange(len(sizes)), sizes).astype(np.int32)
    pos = (np.arange(N) - file_start[file]).astype(np.int32)
    window = np.zeros(N, np.int32)
    win_pos = np.zeros(N, np.int16)
    w_global = 0
    for fi, n in enumerate(sizes):
        for (a, b, c) in plan_windows(n, ctx):
            if b > c:
                window[file_start[fi] + c:file_start[fi] + b] = w_global
                win_pos[file_start[fi] + c:file_start[fi] + b] = np.arange(c - a, b - a)
            w_global += 1
    return Positions(ids, file, pos, window, win_pos, file_start)


@torch.no_grad()
def encode_files(model, saes, files_ids, ctx, batch=16, log=None):
    """(Positions, {hook: Codes}, {hook: reconstruction figures}) for every token of every file.
    saes: {hook: TopKSAE}. The figures (explained variance and L0 over all these positions) are measured
    here, on fp32 activations, so no activation is kept."""
    P = positions_of(files_ids, ctx)
    hooks = list(saes)
    N = len(P.ids)
    codes = {h: Codes(np.zeros((N, saes[h].k), np.int16), np.zeros((N, saes[h].k), np.float32)) for h in hooks}
    stats = {h: {"sse": 0.0, "sum": 0.0, "sumsq": 0.0, "l0": 0.0} for h in hooks}
    sums = {h: None for h in hooks}
    wins = []
    for fi, f in enumerate(files_ids):
        for (a, b, c) in plan_windows(len(f), ctx):
            if b > c:
                wins.append((fi, a, b, c))
    wins.sort(key=lambda w: w[2] - w[1])
    for i in range(0, len(wins), batch):
        if log and i % (batch * 200) == 0:
            log(f"    windows {i}/{len(wins)}")
        ws = wins[i:i + batch]
        n = max(b - a for _, a, b, _ in ws)
        ids = np.zeros((len(ws), n), dtype=np.int64)
        for j, (fi, a, b, _) in enumerate(ws):
            ids[j, :b - a] = files_ids[fi][a:b]
        ids = torch.from_numpy(ids)
        x = model.wte(ids) + model.wpe(torch.arange(n))
        acts = {}
        for L, blk in enumerate(model.h):
            x, inner, _, _ = blk(x)
            acts[f"blocks.{L}.mlp.hook_post"] = inner["mlp.hook_post"]
            acts[f"blocks.{L}.hook_resid_post"] = x
        dest = np.concatenate([np.arange(P.file_start[fi] + c, P.file_start[fi] + b) for fi, a, b, c in ws])
        for h in hooks:
            rows = torch.cat([acts[h][j, c - a:b - a] for j, (fi, a, b, c) in enumerate(ws)])
            sae = saes[h]
            pre = (rows - sae.b_dec) @ sae.W_enc + sae.b_enc
            v, ix = pre.topk(sae.k, dim=-1)
            v = torch.relu(v)
            codes[h].idx[dest] = ix.numpy().astype(np.int16)
            codes[h].val[dest] = v.numpy()
            rec = (v.unsqueeze(-1) * sae.W_dec[ix]).sum(1) + sae.b_dec
            st = stats[h]
            st["sse"] += float((rows - rec).pow(2).sum())
            st["sumsq"] += float(rows.double().pow(2).sum())
            sums[h] = rows.double().sum(0) if sums[h] is None else sums[h] + rows.double().sum(0)
            st["l0"] += float((v > 0).sum())
    figures = {}
    for h in hooks:
        st = stats[h]
        sst = st["sumsq"] - float((sums[h] ** 2).sum()) / max(1, N)
        figures[h] = {"explained_variance": 1 - st["sse"] / sst if sst > 0 else float("nan"), "l0": st["l0"] / max(1, N),
                      "positions": N}
    return P, codes, figures


def firing_lists(codes, d_sae):
    """CSR of where each latent fires: (offsets [d_sae+1], positions, activations), positions ascending."""
    mask = codes.val > 0
    pos = np.nonzero(mask)[0].astype(np.int64)
    feat = codes.idx[mask].astype(np.int64)
    act = codes.val[mask]
    order = np.lexsort((pos, feat))
    feat, pos, act = feat[order], pos[order], act[order]
    offsets = np.searchsorted(feat, np.arange(d_sae + 1))
    return offsets, pos, act
