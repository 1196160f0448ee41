"""Writes a model bundle folder (docs/bundle-format.md, schema_version 1). Shared by the default bundle's
training recipe and by convert_checkpoint.py, so both produce the same layout through the same export.

    write_bundle(out_dir, model, tokenizer, saes, extra_manifest)

  model           a gpt2.GPT2 (eval mode); exported with export_onnx.export, parity.json from
                  export_onnx.parity_fixture
  tokenizer       path to a tokenizer.json, or the parsed JSON object
  saes            [(hook_name, SAELens folder)]: validated (cfg.json + weight shapes against the model's hook
                  widths) and copied to saes/<hook_name>/
  extra_manifest  merged over the generated manifest (id, name, description, corpus, evaluation, ...)
  cards           optional {hook_name: folder with labels.json, cards.bin, cards.offsets[, cards.dict]}
  fp16_weights    store the ONNX initializers as fp16 (the loader widens them); halves the file
  card_tokens     optional path of the cards' token file (uint16 ids the cards' contexts point into),
                  copied to cards/tokens.bin and named by the manifest's "card_tokens"
  export_from     optional bundle folder whose model.onnx and parity.json are copied instead of exporting
                  `model` again (when `model` was rebuilt from that very file: the bytes stay the same)

The bundle is assembled in a sibling temporary folder and moved into place at the end, so an interrupted
run never leaves a half-written bundle behind; an existing bundle at out_dir is replaced, any other
non-empty folder is refused.
"""
import hashlib
import json
import os
import shutil
import time

import numpy as np

import export_onnx
from saelens_folder import CFG_FILE, SCALER_FILE, SPARSITY_FILE, WEIGHTS_FILE, validate as validate_sae

SCHEMA_VERSION = 1
CARD_FILES = ("labels.json", "cards.bin", "cards.offsets")
CARD_FILES_OPTIONAL = ("cards.dict",)  # the deflate preset dictionary, when the cards were written with one


class BundleError(ValueError):
    pass


def sha256_file(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def hook_widths(cfg):
    """TransformerLens hook name -> activation width, for every hook the exported graph outputs."""
    return {name: (cfg.d_mlp if name.endswith("mlp.hook_post") else cfg.n_embd)
            for name in export_onnx.hook_names(cfg.n_layer)}


def default_parity_ids(vocab_size, n=24, seed=7):
    return [int(i) for i in np.random.default_rng(seed).integers(0, vocab_size, n)]


def _eot_id(tok):
    for a in tok.get("added_tokens", []):
        if a.get("content") == "<|endoftext|>":
            return a["id"]
    return tok.get("model", {}).get("vocab", {}).get("<|endoftext|>")


def check_target(out_dir):
    """Refuses an out_dir that exists and is not a bundle (called early by tools, again before replacing)."""
    if os.path.isdir(out_dir) and os.listdir(out_dir) and not os.path.isfile(os.path.join(out_dir, "manifest.json")):
        raise BundleError(f"{out_dir}: exists, is not empty and holds no manifest.json; refusing to replace it")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise BundleError(f"{out_dir}: exists and is not a folder")


def write_bundle(out_dir, model, tokenizer, saes=(), extra_manifest=None, *, cards=None, parity_ids=None,
                 opset=17, fp16_weights=False, card_tokens=None, export_from=None, log=print):
    """Returns the manifest written."""
    extra_manifest = dict(extra_manifest or {})
    out_dir = os.path.abspath(out_dir)
    check_target(out_dir)
    cfg = model.cfg
    widths = hook_widths(cfg)
    saes = list(saes)
    hooks_seen = set()
    for hook, folder in saes:  # validate everything before the slow export
        if hook not in widths:
            raise BundleError(f"{folder}: hook {hook!r} is not one this model exports (e.g. blocks.0.hook_resid_pre .. "
                              f"blocks.{cfg.n_layer - 1}.hook_resid_post)")
        if hook in hooks_seen:
            raise BundleError(f"{folder}: a second dictionary for {hook}; a bundle holds one per hook "
                              "(attach others at run time with analyze --sae)")
        hooks_seen.add(hook)
        sae_cfg = validate_sae(folder, widths[hook])
        if sae_cfg["hook_name"] != hook:
            raise BundleError(f"{folder}: cfg.json names hook {sae_cfg['hook_name']!r}, not {hook!r}")
    for hook, folder in (cards or {}).items():
        if hook not in hooks_seen:
            raise BundleError(f"{folder}: cards for {hook}, which has no dictionary in this bundle")
        for name in CARD_FILES:
            if not os.path.isfile(os.path.join(folder, name)):
                raise BundleError(f"{folder}: missing {name}")
    if isinstance(tokenizer, (str, os.PathLike)):
        with open(tokenizer, encoding="utf-8") as f:
            tok = json.load(f)
    else:
        tok = tokenizer
    eot = extra_manifest.pop("eot_token_id", None)
    eot = _eot_id(tok) if eot is None else eot
    if eot is None:
        raise BundleError("the tokenizer has no <|endoftext|> token: give the end-of-text id "
                          "(convert_checkpoint.py --eot-token-id, or extra_manifest['eot_token_id'])")

    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{os.path.basename(out_dir)}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        if isinstance(tokenizer, (str, os.PathLike)):  # byte for byte: its sha256 stays the source's
            shutil.copyfile(tokenizer, os.path.join(tmp, "tokenizer.json"))
        else:
            with open(os.path.join(tmp, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
        if export_from:
            for name in ("model.onnx", "parity.json"):
                shutil.copyfile(os.path.join(export_from, name), os.path.join(tmp, name))
            log(f"copied model.onnx and parity.json from {export_from}")
        else:
            t0 = time.time()
            export_onnx.export(model, os.path.join(tmp, "model.onnx"), opset=opset, fp16_weights=fp16_weights)
            log(f"exported model.onnx in {time.time() - t0:.1f} s ({os.path.getsize(os.path.join(tmp, 'model.onnx')) / 1e6:.1f} MB)")
            ids = parity_ids or default_parity_ids(cfg.vocab_size)
            with open(os.path.join(tmp, "parity.json"), "w") as f:
                json.dump(export_onnx.parity_fixture(model, ids), f)
        if card_tokens:
            os.makedirs(os.path.join(tmp, "cards"), exist_ok=True)
            shutil.copyfile(card_tokens, os.path.join(tmp, "cards", "tokens.bin"))
        dictionaries = []
        for hook, folder in saes:
            dest = os.path.join(tmp, "saes", hook)
            os.makedirs(dest)
            for name in (CFG_FILE, WEIGHTS_FILE, SPARSITY_FILE, SCALER_FILE):
                if os.path.isfile(os.path.join(folder, name)):
                    shutil.copyfile(os.path.join(folder, name), os.path.join(dest, name))
            entry = {"hook_name": hook, "path": f"saes/{hook}"}
            if cards and hook in cards:
                cdest = os.path.join(tmp, "cards", hook)
                os.makedirs(cdest)
                for name in CARD_FILES + CARD_FILES_OPTIONAL:
                    if os.path.isfile(os.path.join(cards[hook], name)):
                        shutil.copyfile(os.path.join(cards[hook], name), os.path.join(cdest, name))
                entry["cards"] = f"cards/{hook}"
            dictionaries.append(entry)

        bundle_id = extra_manifest.pop("id", None) or os.path.basename(out_dir)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "id": bundle_id,
            "name": extra_manifest.pop("name", None) or bundle_id,
            "description": extra_manifest.pop("description", ""),
            "architecture": {"family": "gpt2", "n_layers": cfg.n_layer, "d_model": cfg.n_embd, "n_heads": cfg.n_head,
                             "d_head": cfg.n_embd // cfg.n_head, "d_mlp": cfg.d_mlp, "n_ctx": cfg.n_positions,
                             "d_vocab": cfg.vocab_size, "act_fn": "gelu_new",
                             "layer_norm_epsilon": cfg.layer_norm_epsilon},
            "tokenizer": {"file": "tokenizer.json", "eot_token_id": eot},
            "model": {"file": "model.onnx", "opset": opset, "topk_max": export_onnx.TOPK_MAX,
                      "hooks": [{"name": n, "d": d} for n, d in widths.items()]},
            "dictionaries": dictionaries,
            "files": {},
            "parity_fixture": "parity.json",
        }
        if card_tokens:
            manifest["card_tokens"] = "cards/tokens.bin"
        manifest.update(extra_manifest)
        for root, _, files in os.walk(tmp):
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                manifest["files"][rel] = {"sha256": sha256_file(full), "bytes": os.path.getsize(full)}
        manifest["files"] = dict(sorted(manifest["files"].items()))
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.write("\n")
        check_target(out_dir)
        if os.path.isdir(out_dir):
            old = f"{tmp}.old"
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
