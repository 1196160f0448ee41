"""ONNX export shared by our own model and converted GPT-2-family checkpoints.

Graph contract (docs/bundle-format.md repeats it for the engine):
  inputs   input_ids        int64   [1, n]        tokens to run, window-relative positions past..past+n-1
           target_ids       int64   [1, n]        the token that actually follows each input (any valid id
                                                  where unknown; the engine ignores those positions)
           past_key_{L}     float32 [1, H, past, d_head]  per layer; past may be 0
           past_value_{L}   float32 [1, H, past, d_head]
  outputs  topk_ids         int64   [1, n, K]     K = TOPK_MAX largest next-token log-probs at each position
           topk_logprobs    float32 [1, n, K]
           entropy          float32 [1, n]        entropy (nats) of the next-token distribution
           target_logprob   float32 [1, n]        log p(target_ids[i] | ..., input_ids[i])
           target_rank      int64   [1, n]        number of tokens with a strictly larger log-prob (0 = top-1)
           present_key_{L}, present_value_{L}     past + this run, for the next incremental run
           <hook name>      float32 [1, n, d]     blocks.{L}.hook_resid_pre | hook_resid_mid | mlp.hook_post |
                                                  hook_resid_post
Softmax, top-k, entropy and rank are computed inside the graph so no [n, vocab] tensor reaches JS.
"""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

TOPK_MAX = 50
HOOK_KINDS = ["hook_resid_pre", "hook_resid_mid", "mlp.hook_post", "hook_resid_post"]


def hook_names(n_layer):
    return [f"blocks.{i}.{k}" for i in range(n_layer) for k in HOOK_KINDS]


class ExportWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, target_ids, *past_flat):
        L = self.model.cfg.n_layer
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(L)]
        logits, hooks, presents = self.model.run(input_ids, past, want_hooks=True)
        logp = torch.log_softmax(logits, dim=-1)
        top_lp, top_ids = torch.topk(logp, TOPK_MAX, dim=-1)
        entropy = -(logp.exp() * logp).sum(-1)
        tgt = logp.gather(-1, target_ids.unsqueeze(-1))
        target_logprob = tgt.squeeze(-1)
        target_rank = (logp > tgt).to(torch.int64).sum(-1)
        outs = [top_ids, top_lp, entropy, target_logprob, target_rank]
        for k, v in presents:
            outs += [k, v]
        outs += [hooks[name] for name in hook_names(L)]
        return tuple(outs)


def io_names(n_layer):
    inputs = ["input_ids", "target_ids"]
    presents = []
    for i in range(n_layer):
        inputs += [f"past_key_{i}", f"past_value_{i}"]
        presents += [f"present_key_{i}", f"present_value_{i}"]
    outputs = ["topk_ids", "topk_logprobs", "entropy", "target_logprob", "target_rank"] + presents + hook_names(n_layer)
    return inputs, outputs


def dedupe_tied_embedding(path):
    """torch's exporter folds wte.T into a second initializer for the unembedding MatMul, storing the
    largest tensor twice. Replace that copy by a Transpose of the embedding initializer."""
    m = onnx.load(path)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    emb_name = None
    for node in g.node:
        if node.op_type == "Gather" and node.input[0] in inits:
            emb_name = node.input[0]
            break
    if emb_name is None:
        return
    emb = numpy_helper.to_array(inits[emb_name])
    for init in list(g.initializer):
        if init.name == emb_name or tuple(init.dims) != (emb.shape[1], emb.shape[0]):
            continue
        arr = numpy_helper.to_array(init)
        if np.array_equal(arr, emb.T):
            g.initializer.remove(init)
            g.node.insert(0, onnx.helper.make_node("Transpose", [emb_name], [init.name], perm=[1, 0], name="tied_unembed_T"))
    onnx.save(m, path)


def store_weights_fp16(path, min_elements=1024):
    """Store large float32 initializers as float16, each widened back by a Cast node (ONNX Runtime folds
    the Cast at session creation, so inference still runs in float32). Halves the file; the model
    should be rounded to fp16 first (round_weights_fp16) so PyTorch figures describe what ships."""
    m = onnx.load(path)
    g = m.graph
    casts = []
    for init in list(g.initializer):
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        arr = numpy_helper.to_array(init).astype(np.float16)
        name = init.name
        g.initializer.remove(init)
        g.initializer.append(numpy_helper.from_array(arr, name + "__fp16"))
        casts.append(onnx.helper.make_node("Cast", [name + "__fp16"], [name], to=onnx.TensorProto.FLOAT, name=name + "__widen"))
    for node in reversed(casts):
        g.node.insert(0, node)
    onnx.save(m, path)


@torch.no_grad()
def round_weights_fp16(model):
    for p in model.parameters():
        p.copy_(p.half().float())


def export(model, out_path, opset=17, fp16_weights=False):
    model.eval()
    cfg = model.cfg
    L, H, dh = cfg.n_layer, cfg.n_head, cfg.n_embd // cfg.n_head
    ids = torch.randint(0, cfg.vocab_size, (1, 8))
    tgt = torch.randint(0, cfg.vocab_size, (1, 8))
    past = []
    for _ in range(L):
        past += [torch.zeros(1, H, 3, dh), torch.zeros(1, H, 3, dh)]
    inputs, outputs = io_names(L)
    dyn = {"input_ids": {1: "n"}, "target_ids": {1: "n"}}
    for name in inputs[2:]:
        dyn[name] = {2: "past"}
    for name in outputs:
        if name.startswith("present_"):
            dyn[name] = {2: "total"}
        elif name.startswith("topk_") or name.startswith("blocks."):
            dyn[name] = {1: "n"}
        else:
            dyn[name] = {1: "n"}
    tmp = out_path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(ExportWrapper(model), (ids, tgt, *past), tmp, input_names=inputs, output_names=outputs,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
    dedupe_tied_embedding(tmp)
    if fp16_weights:
        store_weights_fp16(tmp)
    onnx.checker.check_model(tmp)
    os.replace(tmp, out_path)


def parity_fixture(model, ids):
    """PyTorch's outputs for a fixed input: the engine's tests check ONNX Runtime reproduces them."""
    model.eval()
    with torch.no_grad():
        x = torch.tensor([ids], dtype=torch.int64)
        tgt = torch.tensor([ids[1:] + [ids[0]]], dtype=torch.int64)
        L, H, dh = model.cfg.n_layer, model.cfg.n_head, model.cfg.n_embd // model.cfg.n_head
        past = []
        for _ in range(L):
            past += [torch.zeros(1, H, 0, dh), torch.zeros(1, H, 0, dh)]
        outs = ExportWrapper(model)(x, tgt, *past)
    _, names = io_names(L)
    named = dict(zip(names, outs))
    return {
        "input_ids": ids,
        "target_ids": tgt[0].tolist(),
        "topk_ids": named["topk_ids"][0, :, :10].tolist(),
        "topk_logprobs": named["topk_logprobs"][0, :, :10].tolist(),
        "entropy": named["entropy"][0].tolist(),
        "target_logprob": named["target_logprob"][0].tolist(),
        "target_rank": named["target_rank"][0].tolist(),
        "hooks": {h: named[h][0, :, :8].tolist() for h in hook_names(L)},
        "note": "topk_* truncated to the first 10 columns and hooks to the first 8 dimensions",
    }
