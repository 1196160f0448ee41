"""Prints randomly sampled features of a bundle (seeded, spread evenly over its dictionaries), each with its
label, score and examples (top contexts and examples from lower activation intervals), for the by-eye
check that labels predict where features fire:
    /usr/bin/python3 training/sample_labels.py media/models/code-gpt2-2l [--n 60] [--seed 7] [--unseen FILE ...]
--unseen runs the bundle's model and dictionaries over those files (code the labels never saw, e.g. this
repository's own source) and adds, per feature, how often it fires there and random places where it does,
to judge by eye whether the label predicts them.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from feature_cards import read_card, token_texts  # noqa: E402


def unseen_corpus(bundle, manifest, files):
    """Positions, codes and syntax tags of `files` (code the labels never saw) under the bundle's model and
    dictionaries, as the extension runs them (build_default_bundle.card_corpus)."""
    from build_default_bundle import card_corpus
    from bundle_model import load_bundle_model
    from sae_train import load_saelens
    kinds = {".py": "python", ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".js": "javascript",
             ".mjs": "javascript", ".cjs": "javascript", ".c": "c", ".h": "c", ".sh": "shell", ".md": "markdown"}
    model, _ = load_bundle_model(bundle)
    saes = {d["hook_name"]: load_saelens(os.path.join(bundle, d["path"])) for d in manifest["dictionaries"]}
    listed = [{"path": f, "kind": kinds.get(os.path.splitext(f)[1], "prose")} for f in files]
    return card_corpus(model, saes, os.path.join(bundle, manifest["tokenizer"]["file"]), listed,
                       manifest["architecture"]["n_ctx"], lambda *a: print(*a, file=sys.stderr, flush=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--contexts", type=int, default=6)
    ap.add_argument("--unseen", nargs="*", default=[], help="files to show random firings on (code never trained on)")
    ap.add_argument("--unseen-examples", type=int, default=6)
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

    unseen = unseen_corpus(args.bundle, manifest, args.unseen) if args.unseen else None
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
        if unseen is not None:
            P, c = unseen["P"], unseen["codes"][hook]
            where = np.nonzero(((c.idx == i) & (c.val > 0)).any(1))[0]
            print(f"   unseen code: fires on {len(where)} of {len(P.ids)} tokens")
            for p in rng.sample(list(where), min(args.unseen_examples, len(where))):
                f = P.file[p]
                lo = max(int(P.file_start[f]), p - 12)
                t = [texts[j] for j in P.ids[lo:min(int(P.file_start[f + 1]), p + 3)]]
                k = p - lo
                print("   unseen      " + ("".join(t[:k]) + "[[" + t[k] + "]]" + "".join(t[k + 1:])).replace("\n", "↵")[-70:])


if __name__ == "__main__":
    main()
