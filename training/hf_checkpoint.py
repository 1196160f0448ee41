"""Reads a Hugging Face GPT-2-family checkpoint folder as it sits on disk (no `transformers` needed).

  config.json                        GPT2Config as Hugging Face writes it
  model.safetensors                  or model.safetensors.index.json + shards, or pytorch_model.bin
  tokenizer.json                     or vocab.json + merges.txt (tokenizer.json is then built here)
Parameter names are Hugging Face's GPT-2 names with or without the `transformer.` prefix (GPT2Model vs
GPT2LMHeadModel checkpoints); linear weights are in Conv1D layout [in, out]. Every refusal names the file
and says what was expected.
"""
import json
import os
import re

import numpy as np
import torch

from gpt2 import GPT2, GPT2Config
from safetensors_io import SafetensorsError, load_file, read_header

EOT = "<|endoftext|>"


class CheckpointError(ValueError):
    pass


def _read_json(path, what):
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: missing ({what})")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except ValueError as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None


def read_config(folder: str) -> GPT2Config:
    path = os.path.join(folder, "config.json")
    c = _read_json(path, "a Hugging Face checkpoint folder has config.json")

    def bad(msg):
        raise CheckpointError(f"{path}: {msg}")

    if c.get("model_type", "gpt2") != "gpt2":
        bad(f"model_type is {c.get('model_type')!r}; only GPT-2-family checkpoints (model_type gpt2) are supported")
    act = c.get("activation_function", "gelu_new")
    if act != "gelu_new":
        bad(f"activation_function is {act!r}; only gelu_new (GPT-2's tanh approximation of GELU) is supported")
    for key, ok in (("scale_attn_weights", True), ("scale_attn_by_inverse_layer_idx", False), ("add_cross_attention", False)):
        if key in c and bool(c[key]) != ok:
            bad(f"{key} {c[key]!r} is not supported (GPT-2 uses {str(ok).lower()})")
    n_pos = c.get("n_positions", c.get("n_ctx"))
    fields = {"n_embd": c.get("n_embd"), "n_layer": c.get("n_layer"), "n_head": c.get("n_head"),
              "n_positions": n_pos, "vocab_size": c.get("vocab_size")}
    for key, v in fields.items():
        if not isinstance(v, int) or v <= 0:
            bad(f"{key} must be a positive integer, got {v!r}")
    if fields["n_embd"] % fields["n_head"]:
        bad(f"n_embd {fields['n_embd']} is not divisible by n_head {fields['n_head']}")
    n_inner = c.get("n_inner")
    if n_inner is not None and (not isinstance(n_inner, int) or n_inner <= 0):
        bad(f"n_inner must be null or a positive integer, got {n_inner!r}")
    eps = c.get("layer_norm_epsilon", 1e-5)
    if not isinstance(eps, (int, float)) or eps <= 0:
        bad(f"layer_norm_epsilon must be a positive number, got {eps!r}")
    return GPT2Config(vocab_size=fields["vocab_size"], n_positions=n_pos, n_embd=fields["n_embd"],
                      n_layer=fields["n_layer"], n_head=fields["n_head"], n_inner=n_inner, layer_norm_epsilon=float(eps))


def _weight_sources(folder):
    """[(path, names or None)] for the checkpoint's weight files, and their kind."""
    st = os.path.join(folder, "model.safetensors")
    index = os.path.join(folder, "model.safetensors.index.json")
    binf = os.path.join(folder, "pytorch_model.bin")
    if os.path.isfile(st):
        return "safetensors", [st]
    if os.path.isfile(index):
        shards = sorted(set(_read_json(index, "shard index")["weight_map"].values()))
        return "safetensors", [os.path.join(folder, s) for s in shards]
    if os.path.isfile(binf):
        return "bin", [binf]
    raise CheckpointError(f"{folder}: no weights (expected model.safetensors, model.safetensors.index.json or "
                          "pytorch_model.bin)")


_IGNORED = re.compile(r"^h\.\d+\.attn\.(bias|masked_bias)$")  # causal-mask buffers, not parameters


def _canonical(name):
    return name[len("transformer."):] if name.startswith("transformer.") else name


def read_shapes(folder):
    """{canonical name: (shape, source path)} without loading tensor data (safetensors), for validation."""
    kind, paths = _weight_sources(folder)
    out = {}
    if kind == "bin":
        for name, t in _load_bin(paths[0]).items():
            out[_canonical(name)] = (list(t.shape), paths[0])
        return out
    for p in paths:
        try:
            header = read_header(p)
        except SafetensorsError as e:
            raise CheckpointError(str(e)) from None
        for name, info in header.items():
            out[_canonical(name)] = (list(info["shape"]), p)
    return out


def _load_bin(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)  # no pickled code from a downloaded file
    except Exception as e:  # noqa: BLE001  torch raises many kinds for a bad file
        raise CheckpointError(f"{path}: cannot be read as a PyTorch state dict ({type(e).__name__}: {e})") from None


def expected_shapes(cfg: GPT2Config):
    d, m = cfg.n_embd, cfg.d_mlp
    shapes = {"wte.weight": [cfg.vocab_size, d], "wpe.weight": [cfg.n_positions, d], "ln_f.weight": [d], "ln_f.bias": [d]}
    for i in range(cfg.n_layer):
        p = f"h.{i}."
        shapes.update({p + "ln_1.weight": [d], p + "ln_1.bias": [d], p + "ln_2.weight": [d], p + "ln_2.bias": [d],
                       p + "attn.c_attn.weight": [d, 3 * d], p + "attn.c_attn.bias": [3 * d],
                       p + "attn.c_proj.weight": [d, d], p + "attn.c_proj.bias": [d],
                       p + "mlp.c_fc.weight": [d, m], p + "mlp.c_fc.bias": [m],
                       p + "mlp.c_proj.weight": [m, d], p + "mlp.c_proj.bias": [d]})
    return shapes


def check_weights(folder, cfg: GPT2Config):
    shapes = read_shapes(folder)
    want = expected_shapes(cfg)
    missing = [n for n in want if n not in shapes]
    if missing:
        raise CheckpointError(f"{folder}: weights missing {len(missing)} GPT-2 parameter(s), e.g. {', '.join(missing[:4])} "
                              "(expected Hugging Face GPT-2 names such as h.0.attn.c_attn.weight, optionally "
                              "prefixed transformer.)")
    extra = [n for n in shapes if n not in want and not _IGNORED.match(n) and n != "lm_head.weight"]
    if extra:
        raise CheckpointError(f"{folder}: unexpected parameter(s) {', '.join(extra[:4])} for a GPT-2 with "
                              f"{cfg.n_layer} layers (is config.json from the same model?)")
    for name, shape in want.items():
        got, path = shapes[name]
        if got == shape:
            continue
        hint = ""
        if len(shape) == 2 and got == shape[::-1]:
            hint = " (transposed: this looks like nn.Linear layout [out, in]; Hugging Face GPT-2 stores Conv1D [in, out])"
        raise CheckpointError(f"{path}: {name} has shape {got}, expected {shape} from config.json{hint}")
    if "lm_head.weight" in shapes and shapes["lm_head.weight"][0] != want["wte.weight"]:
        raise CheckpointError(f"{shapes['lm_head.weight'][1]}: lm_head.weight has shape {shapes['lm_head.weight'][0]}, "
                              f"expected {want['wte.weight']} (tied to wte.weight)")


def load_model(folder) -> GPT2:
    """A gpt2.GPT2 holding the checkpoint's weights (float32), copied one tensor at a time."""
    cfg = read_config(folder)
    check_weights(folder, cfg)
    torch.manual_seed(0)
    model = GPT2(cfg)
    params = dict(model.named_parameters())
    kind, paths = _weight_sources(folder)
    lm_head = None
    for p in paths:
        tensors = _load_bin(p) if kind == "bin" else None
        names = list(tensors) if kind == "bin" else list(read_header(p))
        for raw_name in names:
            name = _canonical(raw_name)
            if name not in params and name != "lm_head.weight":
                continue
            if kind == "bin":
                arr = tensors[raw_name].detach().to(torch.float32).numpy()
            else:
                arr = load_file(p, names={raw_name}, dtype=np.float32)[raw_name]
            if not np.isfinite(arr).all():
                raise CheckpointError(f"{p}: {raw_name} contains NaN or infinite values")
            if name == "lm_head.weight":
                lm_head = arr
                continue
            with torch.no_grad():
                params[name].copy_(torch.from_numpy(arr))
        del tensors
    if lm_head is not None and not np.array_equal(lm_head, params["wte.weight"].detach().numpy()):
        raise CheckpointError(f"{folder}: lm_head.weight differs from wte.weight; only checkpoints with tied "
                              "input/output embeddings (as GPT-2's) are supported")
    model.eval()
    return model


# --------------------------------------------------------------------------------------------- tokenizer

def build_tokenizer_json(vocab: dict, merges: list) -> dict:
    """A Hugging Face GPT-2 tokenizer.json, in the same form as training/build_tokenizer.mjs writes."""
    added = []
    if EOT in vocab:
        added.append({"id": vocab[EOT], "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": True, "special": True})
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": merges},
    }


def read_tokenizer(folder, vocab_size: int) -> dict:
    tj = os.path.join(folder, "tokenizer.json")
    if os.path.isfile(tj):
        tok = _read_json(tj, "tokenizer")
        src = tj
    else:
        vj, mt = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
        if not (os.path.isfile(vj) and os.path.isfile(mt)):
            raise CheckpointError(f"{folder}: no tokenizer (expected tokenizer.json, or vocab.json + merges.txt)")
        vocab = _read_json(vj, "vocab")
        with open(mt, encoding="utf-8") as f:
            lines = [ln.rstrip("\n") for ln in f]
        merges = [ln for ln in lines if ln and not ln.startswith("#version")]
        for ln in merges[:5]:
            if len(ln.split(" ")) != 2:
                raise CheckpointError(f"{mt}: line {ln!r} is not a merge (two tokens separated by one space)")
        tok = build_tokenizer_json(vocab, merges)
        src = vj
    model = tok.get("model") or {}
    if model.get("type") != "BPE" or not isinstance(model.get("vocab"), dict):
        raise CheckpointError(f"{src}: expected a byte-level BPE tokenizer (model.type BPE with a vocab), as GPT-2's")
    pre = tok.get("pre_tokenizer") or {}
    pres = pre.get("pretokenizers", [pre]) if pre.get("type") == "Sequence" else [pre]
    if not any(p.get("type") == "ByteLevel" for p in pres):
        raise CheckpointError(f"{src}: expected a ByteLevel pre-tokenizer (GPT-2 style byte-level BPE)")
    ids = list(model["vocab"].values()) + [a["id"] for a in tok.get("added_tokens", [])]
    if max(ids) >= vocab_size:
        raise CheckpointError(f"{src}: token id {max(ids)} is outside the model's vocabulary ({vocab_size} entries)")
    return tok


def eot_token_id(tok: dict):
    for a in tok.get("added_tokens", []):
        if a.get("content") == EOT:
            return a["id"]
    return tok.get("model", {}).get("vocab", {}).get(EOT)
