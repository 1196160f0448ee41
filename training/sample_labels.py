"""Prints randomly sampled features of a bundle (seeded, spread evenly over its dictionaries), each with its
label, score and examples (top contexts and examples from lower activation intervals), for the by-eye
check that labels predict where features fire:
    /usr/bin/python3 training/sample_labels.py media/models/code-gpt2-2l [--n 60] [--seed 7]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from feature_cards import read_card, token_texts  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--n", type=int, default=60)
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
    texts = token_texts(json.load(open(os.path.join(args.bundle, manifest["tokenizer"]["file"]))))
    ids = np.fromfile(os.path.join(args.bundle, manifest["card_tokens"]), dtype="<u2") if manifest.get("card_tokens") else None

    def show(x):
        t = x["tokens"] if "tokens" in x else [texts[i] for i in ids[x["at"][0]:x["at"][1]]]
        k = x["index"]
        return ("".join(t[max(0, k - 12):k]) + "[[" + t[k] + "]]" + "".join(t[k + 1:k + 3])).replace("\n", "↵")[-70:]

    for hook, cards, i in picks[:args.n]:
        c = read_card(os.path.join(args.bundle, cards), i)
        tags = " dense" if c["density"] >= 0.1 else ""
        tags += " positional" if c.get("positional") else ""
        print(f"\n{hook} #{i}: {c['label']}  (score {c.get('label_score', '?')}, P {c.get('label_precision', '?')}, "
              f"R {c.get('label_recall', '?')}, {c.get('label_kind', '?')}; density {c['density']:.4f}{tags})")
        for x in c.get("top_contexts", [])[:args.contexts]:
            print(f"   top {x['activation']:6.2f}  {show(x)}")
        for q in c.get("quantiles", [])[1:]:
            for x in q["contexts"][:2]:
                print(f"   {q['from']:.1f}-{q['to']:.1f} {x['activation']:5.2f}  {show(x)}")


if __name__ == "__main__":
    main()
