"""Prints 50 randomly sampled features of a bundle (seeded, spread evenly over its dictionaries), each
with its label and the tail of its top max-activating contexts, for the by-eye check that labels
predict their contexts (issue bar: >= 70% of 50).
    /usr/bin/python3 training/sample_labels.py media/models/code-gpt2-2l [--n 50] [--seed 7]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from feature_cards import read_card  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--contexts", type=int, default=6)
    args = ap.parse_args()
    manifest = json.load(open(os.path.join(args.bundle, "manifest.json")))
    rng = random.Random(args.seed)
    dicts = [d for d in manifest["dictionaries"] if d.get("cards")]
    per = -(-args.n // len(dicts))
    picks = []
    for d in dicts:
        d_sae = json.load(open(os.path.join(args.bundle, d["path"], "cfg.json")))["d_sae"]
        picks += [(d["hook_name"], d["cards"], i) for i in rng.sample(range(d_sae), per)]
    rng.shuffle(picks)
    for hook, cards, i in picks[:args.n]:
        c = read_card(os.path.join(args.bundle, cards), i)
        ctxs = []
        for x in c["top_contexts"][:args.contexts]:
            t, k = x["tokens"], x["index"]
            ctxs.append(("".join(t[max(0, k - 4):k]) + "[" + t[k] + "]").replace("\n", "↵")[-30:])
        print(f"{hook} #{i} density {c['density']:.4f} | {c['label']} | " + " ‖ ".join(ctxs))


if __name__ == "__main__":
    main()
