"""The default bundle's GPT-2 as a PyTorch module, rebuilt from model.onnx's initializers (the weights that
ship, fp16-stored ones widened back). Lets the dictionaries be retrained, evaluated and re-carded without
the training checkpoint, on exactly the model the extension runs.

  /usr/bin/python3 training/bundle_model.py BUNDLE_DIR CACHE/model_ckpt.pt   # writes a checkpoint
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import GPT2, GPT2Config  # noqa: E402


def load_bundle_model(bundle):
    """(GPT2 in eval mode, manifest). Fails when a parameter is missing from the graph."""
    man = json.load(open(os.path.join(bundle, "manifest.json")))
    arch = man["architecture"]
    cfg = GPT2Config(vocab_size=arch["d_vocab"], n_positions=arch["n_ctx"], n_embd=arch["d_model"],
                     n_layer=arch["n_layers"], n_head=arch["n_heads"], n_inner=arch["d_mlp"],
                     layer_norm_epsilon=arch.get("layer_norm_epsilon", 1e-5))
    inits = {}
    for init in onnx.load(os.path.join(bundle, man["model"]["file"])).graph.initializer:
        name = init.name[: -len("__fp16")] if init.name.endswith("__fp16") else init.name
        if name.startswith("model."):
            inits[name[len("model."):]] = init
    model = GPT2(cfg)
    state = model.state_dict()
    missing = [n for n in state if n not in inits]
    if missing:
        raise SystemExit(f"{bundle}: model.onnx lacks {missing}")
    model.load_state_dict({n: torch.from_numpy(numpy_helper.to_array(inits[n]).astype(np.float32)).reshape(state[n].shape)
                           for n in state})
    return model.eval(), man


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    model, man = load_bundle_model(bundle)
    tr = man.get("training", {})
    # The same fields train_model.py writes, so build_default_bundle.py reads this like its own checkpoint.
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), "step": tr.get("steps", 0),
                "log": tr.get("log_tail", []), "runs": tr.get("runs", []), "from_bundle": man["id"]}, out)
    print(f"wrote {out} from {bundle}/model.onnx")


if __name__ == "__main__":
    main()
