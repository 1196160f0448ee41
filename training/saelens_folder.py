"""Reads and validates SAELens SAE folders (cfg.json + sae_weights.safetensors) as they sit on disk.

Both config layouts are accepted, following SAELens's own loader (handle_pre_6_0_config):
  v6      architecture, d_in, d_sae, dtype, apply_b_dec_to_input, normalize_activations, k, metadata.hook_name
  pre-v6  flat: hook_point or hook_name at top level, activation_fn_str ("topk" + activation_fn_kwargs.k means
          a TopK SAE), architecture optional (default standard), apply_b_dec_to_input default true,
          normalize_activations may be a bool (true = expected_average_only_in)
Only what the engine can run exactly is accepted; anything else is refused with a sentence naming the
folder and the key, never silently approximated.
"""
import json
import os

from safetensors_io import SafetensorsError, read_header

CFG_FILE = "cfg.json"
WEIGHTS_FILE = "sae_weights.safetensors"
SPARSITY_FILE = "sparsity.safetensors"
SCALER_FILE = "activation_scaler.json"  # SAELens training checkpoints: {"scaling_factor": s}, weights not folded
SCALING_KEYS = ("norm_scaling_factor", "scaling_factor", "activation_norm_scaling_factor")
ARCHITECTURES = ("standard", "topk", "jumprelu")
NORMALIZATIONS = ("none", "expected_average_only_in")
WEIGHT_DTYPES = ("F32", "F16", "BF16")


class SaeFolderError(ValueError):
    pass


def _is_v6(raw):
    version = raw.get("sae_lens_version") or (raw.get("metadata") or {}).get("sae_lens_version")
    if not version:
        return "metadata" in raw
    try:
        return int(str(version).split(".")[0]) >= 6
    except ValueError:
        return "metadata" in raw


def scaling_factor(folder: str, raw: dict):
    """The input scaling factor s of an expected_average_only_in SAE whose weights do not have it folded
    in: from cfg.json (norm_scaling_factor / scaling_factor / activation_norm_scaling_factor) or from the
    activation_scaler.json SAELens's trainer writes beside intermediate checkpoints. None when absent."""
    for key in SCALING_KEYS:
        v = raw.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
    path = os.path.join(folder, SCALER_FILE)
    if os.path.isfile(path):
        try:
            with open(path) as f:
                v = json.load(f).get("scaling_factor")
        except (ValueError, AttributeError):
            raise SaeFolderError(f"{path}: expected {{\"scaling_factor\": number}}") from None
        if isinstance(v, (int, float)) and v > 0:
            return float(v)
        if v is not None:
            raise SaeFolderError(f"{path}: scaling_factor must be a positive number, got {v!r}")
    return None


def read_cfg(folder: str) -> dict:
    """The folder's config in one normalised shape: {architecture, d_in, d_sae, dtype, apply_b_dec_to_input,
    normalize_activations, scaling_factor, k, hook_name, layout}."""
    path = os.path.join(folder, CFG_FILE)
    if not os.path.isfile(path):
        raise SaeFolderError(f"{folder}: no {CFG_FILE} (an SAELens folder holds {CFG_FILE} and {WEIGHTS_FILE})")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except ValueError as e:
        raise SaeFolderError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise SaeFolderError(f"{path}: expected a JSON object")

    v6 = _is_v6(raw)
    meta = raw.get("metadata") or {}
    hook = meta.get("hook_name") or raw.get("hook_name") or raw.get("hook_point")
    arch = raw.get("architecture")
    act_fn = raw.get("activation_fn") or raw.get("activation_fn_str") or "relu"
    k = raw.get("k")
    if not v6:
        arch = arch or "standard"
        kwargs = raw.get("activation_fn_kwargs") or {}
        if act_fn == "topk" and kwargs.get("k") is not None:
            arch, k = "topk", kwargs["k"]
    if arch == "topk" and k is None:
        k = (raw.get("activation_fn_kwargs") or {}).get("k")
    norm = raw.get("normalize_activations", "none")
    if isinstance(norm, bool):
        norm = "expected_average_only_in" if norm else "none"
    norm = norm or "none"
    cfg = {
        "architecture": arch, "d_in": raw.get("d_in"), "d_sae": raw.get("d_sae"), "dtype": raw.get("dtype", "float32"),
        "apply_b_dec_to_input": raw.get("apply_b_dec_to_input", True), "normalize_activations": norm, "k": k,
        "hook_name": hook, "layout": "v6" if v6 else "pre-v6",
        "scaling_factor": scaling_factor(folder, raw) if norm == "expected_average_only_in" else None,
    }

    def bad(msg):
        raise SaeFolderError(f"{path}: {msg}")

    if arch not in ARCHITECTURES:
        bad(f"architecture {arch!r} is not supported (supported: {', '.join(ARCHITECTURES)})")
    if not v6 and act_fn not in ("relu", "topk"):
        bad(f"activation_fn_str {act_fn!r} is not supported (relu, or topk with activation_fn_kwargs.k)")
    for key in ("d_in", "d_sae"):
        if not isinstance(cfg[key], int) or cfg[key] <= 0:
            bad(f"{key} must be a positive integer, got {cfg[key]!r}")
    if arch == "topk" and (not isinstance(k, int) or not 0 < k <= cfg["d_sae"]):
        bad(f"topk needs an integer k in 1..d_sae ({cfg['d_sae']}), got {k!r}")
    if not isinstance(cfg["apply_b_dec_to_input"], bool):
        bad(f"apply_b_dec_to_input must be true or false, got {cfg['apply_b_dec_to_input']!r}")
    if norm not in NORMALIZATIONS:
        bad(f"normalize_activations {norm!r} is not supported (supported: {', '.join(NORMALIZATIONS)})")
    if not isinstance(hook, str) or not hook:
        bad("no hook name (metadata.hook_name in v6 configs, hook_name or hook_point in older ones)")
    if raw.get("rescale_acts_by_decoder_norm"):
        bad("rescale_acts_by_decoder_norm true is not supported (fold the decoder norms into the weights first)")
    if raw.get("reshape_activations", "none") not in ("none", None) or raw.get("hook_head_index") is not None \
            or meta.get("hook_head_index") is not None or raw.get("hook_point_head_index") is not None:
        bad("per-head (hook_z / hook_head_index) SAEs are not supported")
    if raw.get("finetuning_scaling_factor"):
        bad("finetuning_scaling_factor true is not supported")
    return cfg


def expected_shapes(cfg: dict) -> dict:
    d_in, d_sae = cfg["d_in"], cfg["d_sae"]
    shapes = {"W_enc": [d_in, d_sae], "W_dec": [d_sae, d_in], "b_enc": [d_sae], "b_dec": [d_in]}
    if cfg["architecture"] == "jumprelu":
        shapes["threshold"] = [d_sae]
    return shapes


def validate(folder: str, d_in: int | None = None) -> dict:
    """Checks cfg.json and the weight file's header (names, shapes, dtypes, that the data is all there)
    without loading the weights. Returns the normalised cfg."""
    cfg = read_cfg(folder)
    if d_in is not None and cfg["d_in"] != d_in:
        raise SaeFolderError(f"{os.path.join(folder, CFG_FILE)}: d_in is {cfg['d_in']} but {cfg['hook_name']} "
                             f"has width {d_in} in this model")
    wpath = os.path.join(folder, WEIGHTS_FILE)
    if not os.path.isfile(wpath):
        raise SaeFolderError(f"{folder}: no {WEIGHTS_FILE}")
    try:
        header = read_header(wpath)
    except SafetensorsError as e:
        raise SaeFolderError(str(e)) from None
    for name, shape in expected_shapes(cfg).items():
        if name not in header:
            raise SaeFolderError(f"{wpath}: missing tensor {name} (a {cfg['architecture']} SAE needs "
                                 f"{', '.join(expected_shapes(cfg))})")
        info = header[name]
        if list(info["shape"]) != shape:
            raise SaeFolderError(f"{wpath}: {name} has shape {info['shape']}, expected {shape} from cfg.json "
                                 f"(d_in {cfg['d_in']}, d_sae {cfg['d_sae']})")
        if info["dtype"] not in WEIGHT_DTYPES:
            raise SaeFolderError(f"{wpath}: {name} is {info['dtype']}; supported: {', '.join(WEIGHT_DTYPES)}")
    return cfg


def load_weights(folder: str) -> dict:
    """The SAE's tensors widened to float32."""
    import numpy as np

    from safetensors_io import load_file
    cfg = validate(folder)
    return load_file(os.path.join(folder, WEIGHTS_FILE), names=set(expected_shapes(cfg)), dtype=np.float32)
