"""How far a rule label can go on code it never saw: for randomly sampled features of a bundle, the share
that would pass the by-eye check (6 random firings on unseen code, at least 4 of them matching the label),
for three kinds of label:
  shipped   the bundle's labels, from each card's recall on the scoring half of the held-out files: the
            corpus the labels were written for, so unseen code can only be harder;
  ceiling   the best rule of any family (feature_labels.FAMILIES, at most MAX_KEYS keys, CLASS_MAX_KEYS for
            the class families, precision at least MIN_LIFT x the feature's density), chosen on the unseen
            code itself, i.e. knowing where the feature fires there: a bound on what one rule written
            without seeing that code can do (keys taken greedily by how many firings they cover);
  two rules the best two such rules together ("fires on A, or on B"), also chosen on the unseen code.
A label whose rule covers a share r of the feature's firings passes with probability P(Binomial(6, r) >= 4).
Features with fewer than 4 firings on the unseen code cannot be judged and are left out (and counted).
    /usr/bin/python3 training/label_ceiling.py media/models/code-gpt2-2l --unseen FILE ... [--n 300] [--seed 7]
"""
import argparse
import json
import os
import random
import sys
from math import ceil, comb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import feature_labels as FL  # noqa: E402

JUDGED, MATCHING = 6, 4  # the by-eye check: 6 random firings, at least 4 matching the label


def pass_chance(recall, n_firings=JUDGED):
    """Chance that at least MATCHING of JUDGED random firings (fewer if the feature fires fewer times, the
    same two thirds of them) fall where a rule covering a share `recall` of the firings says."""
    m = min(JUDGED, n_firings)
    need = ceil(MATCHING * m / JUDGED)
    return sum(comb(m, i) * recall ** i * (1 - recall) ** (m - i) for i in range(need, m + 1))


def best_rules(ks: FL.KeyedSet, fired, max_keys=None, class_max_keys=None, lift=None):
    """{family: (recall, precision, keys)}: per family, the rule of at most max_keys keys (class_max_keys
    for the class families) with the highest recall among those whose precision is at least lift x the
    feature's density on `ks`. Keys are taken in order of how many firings they cover, all keys or only
    those each at least that precise, whichever prefix covers more."""
    max_keys = FL.MAX_KEYS if max_keys is None else max_keys
    class_max_keys = FL.CLASS_MAX_KEYS if class_max_keys is None else class_max_keys
    lift = FL.MIN_LIFT if lift is None else lift
    nf = len(fired)
    floor = lift * nf / ks.n
    out = {}
    for fam in FL.FAMILIES:
        keys, tp = ks.firing_counts(fam, fired)
        n = ks.key_counts(fam, keys)
        m = class_max_keys if fam in FL.CLASS_FAMILIES else max_keys
        best = (0.0, 0.0, ())
        for sel in (np.ones(len(keys), bool), tp >= floor * n):
            order = np.argsort(-tp[sel], kind="stable")[:m]
            k, t, c = keys[sel][order], np.cumsum(tp[sel][order]), np.cumsum(n[sel][order])
            ok = np.nonzero(t >= floor * c)[0]
            if len(ok):
                i = ok[np.argmax(t[ok])]
                if t[i] / nf > best[0]:
                    best = (t[i] / nf, t[i] / c[i], tuple(int(x) for x in k[:i + 1]))
        if best[2]:
            out[fam] = best
    return out


def best_pair(ks: FL.KeyedSet, fired, rules, lift=None):
    """(recall, precision, (family, family)) of the best two rules of `rules` together whose precision is
    still at least lift x the density; (0, 0, ()) when no pair is."""
    lift = FL.MIN_LIFT if lift is None else lift
    floor = lift * len(fired) / ks.n
    where = {f: np.isin(ks.keys[f], np.asarray(k, dtype=np.int64)) for f, (_, _, k) in rules.items()}
    fired_mask = np.zeros(ks.n, bool)
    fired_mask[fired] = True
    fams = list(rules)
    best = (0.0, 0.0, ())
    for a in range(len(fams)):
        for b in range(a + 1, len(fams)):
            said = where[fams[a]] | where[fams[b]]
            tp, pp = int((said & fired_mask).sum()), int(said.sum())
            if pp and tp >= floor * pp and tp / len(fired) > best[0]:
                best = (tp / len(fired), tp / pp, (fams[a], fams[b]))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--unseen", nargs="+", required=True, help="code the labels never saw")
    ap.add_argument("--n", type=int, default=300, help="features sampled, spread evenly over the dictionaries")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-keys", type=int, default=FL.MAX_KEYS)
    args = ap.parse_args()
    from feature_cards import keyed_set, read_card, token_texts
    from feature_codes import firing_lists
    from sample_labels import unseen_corpus
    manifest = json.load(open(os.path.join(args.bundle, "manifest.json")))
    texts = token_texts(json.load(open(os.path.join(args.bundle, manifest["tokenizer"]["file"]))))
    n_vocab = manifest["architecture"]["d_vocab"]
    U = unseen_corpus(args.bundle, manifest, args.unseen)
    ks = keyed_set(U["P"], U["leaf"], U["ctx"], n_vocab, len(U["context_names"]), FL.class_table(texts, n_vocab))
    rng = random.Random(args.seed)
    dicts = [d for d in manifest["dictionaries"] if d.get("cards")]
    rows = {}
    print(f"unseen code: {len(args.unseen)} files, {ks.n} tokens; labels of at most {args.max_keys} keys "
          f"({FL.CLASS_MAX_KEYS} for classes), precision >= {FL.MIN_LIFT:g} x density")
    for d in dicts:
        hook = d["hook_name"]
        d_sae = json.load(open(os.path.join(args.bundle, d["path"], "cfg.json")))["d_sae"]
        off, pos, _ = firing_lists(U["codes"][hook], d_sae)
        r = {"shipped": [], "ceiling": [], "two rules": [], "too few firings": 0}
        for i in rng.sample(range(d_sae), -(-args.n // len(dicts))):
            fired = pos[off[i]:off[i + 1]]
            if len(fired) < MATCHING:
                r["too few firings"] += 1
                continue
            rules = best_rules(ks, fired, max_keys=args.max_keys)
            card = read_card(os.path.join(args.bundle, d["cards"]), i)
            r["shipped"].append(pass_chance(card.get("label_recall", 0.0), len(fired)))
            one = max((recall for recall, _, _ in rules.values()), default=0.0)
            r["ceiling"].append(pass_chance(one, len(fired)))
            r["two rules"].append(pass_chance(max(one, best_pair(ks, fired, rules)[0]), len(fired)))
        rows[hook] = r
        print(f"{hook}: {len(r['ceiling'])} features judged ({r['too few firings']} fire fewer than {MATCHING} "
              f"times there); expected to pass: shipped {np.mean(r['shipped']):.0%}, ceiling "
              f"{np.mean(r['ceiling']):.0%}, two rules {np.mean(r['two rules']):.0%}")
    allr = {k: [x for r in rows.values() for x in r[k]] for k in ("shipped", "ceiling", "two rules")}
    print(f"all: expected to pass: shipped {np.mean(allr['shipped']):.0%}, ceiling {np.mean(allr['ceiling']):.0%}, "
          f"two rules {np.mean(allr['two rules']):.0%}")


if __name__ == "__main__":
    main()
