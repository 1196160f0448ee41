"""Feature cards for a dictionary, in the shape of a feature dashboard (SAEDashboard / Neuronpedia): the
label with its score (training/feature_labels.py), density and typical activation on owned positions of
held-out text, whether the feature is positional, an activation histogram, the top contexts (at most one
per window, 24 tokens before and 4 after), examples sampled across activation intervals, and the output
tokens its decoder direction promotes and suppresses (only tokens that occur in the corpus), with a note on
which path that measures.

A context is stored as token offsets into the bundle's cards/tokens.bin (uint16 token ids of the files
the cards were drawn from), so a card costs a few bytes per example instead of its text; the engine
resolves the offsets to token texts when it reads a card.
"""
import json
import os
import struct
import zlib

import numpy as np

from feature_labels import (FAMILIES, BAND, FILE_START_CLASS, MAX_KEYS, MIN_LIFT, KeyedSet, choose, class_table, describe,
                            position_classes, positional)

BEFORE, AFTER = 24, 4
N_TOP = 12
N_INTERVALS = 5
PER_INTERVAL = 2
N_LOGIT = 10
LABEL_METHOD = ("the rule over token positions that best predicts where the feature fires (activation > 0): "
                f"candidate rules of at most {MAX_KEYS} keys from training files, one per explanation family (" + ", ".join(FAMILIES) +
                "; syntax from tree-sitter grammars), the label is the candidate with the best F2 (recall weighted "
                "above precision: a label should cover where the feature fires) among those with a precision of at "
                f"least {MIN_LIFT:g} times the feature's density, on one half of the held-out files, "
                "and its score is its F1 on the other half (owned positions only)")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def token_texts(tokenizer_json):
    inv = {v: k for k, v in bytes_to_unicode().items()}
    vocab = tokenizer_json["model"]["vocab"]
    texts = [""] * (max(vocab.values()) + 1)
    for tok, i in vocab.items():
        texts[i] = bytes(inv[c] for c in tok if c in inv).decode("utf-8", errors="replace")
    for t in tokenizer_json.get("added_tokens", []):
        if t["id"] >= len(texts):
            texts += [""] * (t["id"] + 1 - len(texts))
        texts[t["id"]] = t["content"]
    return texts


def shifted(P):
    """(previous token, next token) at every position, within its file: the file start / end stand in
    at the edges (ids n_vocab and n_vocab + 1, set by the caller)."""
    prev = np.empty_like(P.ids)
    nxt = np.empty_like(P.ids)
    prev[1:], nxt[:-1] = P.ids[:-1], P.ids[1:]
    first = P.pos == 0
    last = np.zeros(len(P.ids), bool)
    last[P.file_start[1:] - 1] = True
    return prev, nxt, first, last


def keyed_set(P, leaf, ctx, n_vocab, n_ctx_tags, classes, mask=None):
    """classes: feature_labels.class_table of the vocabulary."""
    prev, nxt, first, last = shifted(P)
    prev = np.where(first, n_vocab, prev)
    nxt = np.where(last, n_vocab + 1, nxt)
    cls = position_classes(P.ids, prev, classes)
    pcls = np.empty_like(cls)
    pcls[1:] = cls[:-1]
    pcls[first] = FILE_START_CLASS
    sel = slice(None) if mask is None else mask
    return KeyedSet(P.ids[sel], prev[sel], nxt[sel], leaf[sel], ctx[sel], P.win_pos[sel].astype(np.int64),
                    n_vocab, n_ctx_tags, cls[sel], pcls[sel])


def context(P, p, act):
    """A context for position p of the card corpus: token offsets [lo, hi) in cards/tokens.bin."""
    f = P.file[p]
    lo, hi = max(int(P.file_start[f]), p - BEFORE), min(int(P.file_start[f + 1]), p + AFTER + 1)
    return {"at": [int(lo), int(hi)], "index": int(p - lo), "activation": round(float(act), 3)}


def one_per_window(P, pos, act, order):
    """Indices into pos (in `order`) keeping only the first of each window."""
    win = P.window[pos[order]]
    _, first = np.unique(win, return_index=True)
    return order[np.sort(first)]


def compute_cards(d_sae, writing, heldout, choose_mask, logit_dirs, logit_path, logit_note, texts, leaf_names,
                  ctx_names, n_vocab, readable_threshold, seed=0, log=print, workers=2):
    """writing / heldout: dicts with P (feature_codes.Positions), codes (feature_codes.Codes of this
    hook), leaf, ctx (syntax tag ids per position). choose_mask: bool per held-out position, True for the
    half labels are chosen on (the rest scores them). logit_dirs: [d_sae, vocab] tensor of decoder
    directions through the unembedding, tokens never seen in the corpus already set to NaN.
    Returns (cards, labels_json_arrays, summary). The features are split over `workers` forked processes
    (the per-feature work is single-threaded numpy)."""
    from feature_codes import firing_lists
    C = len(ctx_names)
    PW, PH = writing["P"], heldout["P"]
    classes = class_table(texts, n_vocab)
    ks_w = keyed_set(PW, writing["leaf"], writing["ctx"], n_vocab, C, classes)
    ks_c = keyed_set(PH, heldout["leaf"], heldout["ctx"], n_vocab, C, classes, choose_mask)
    ks_s = keyed_set(PH, heldout["leaf"], heldout["ctx"], n_vocab, C, classes, ~choose_mask)
    local = np.where(choose_mask, np.cumsum(choose_mask) - 1, np.cumsum(~choose_mask) - 1)
    ow, pw, aw = firing_lists(writing["codes"], d_sae)
    oh, ph, ah = firing_lists(heldout["codes"], d_sae)
    NH = len(PH.ids)
    band_all = np.bincount(PH.win_pos.astype(np.int64) // BAND, minlength=(int(PH.win_pos.max()) // BAND) + 1) / max(1, NH)
    shared = dict(PW=PW, PH=PH, ks_w=ks_w, ks_c=ks_c, ks_s=ks_s, local=local, ow=ow, pw=pw, aw=aw, oh=oh, ph=ph,
                  ah=ah, NH=NH, band_all=band_all, choose_mask=choose_mask, logit_dirs=logit_dirs.numpy(),
                  logit_path=logit_path, logit_note=logit_note, texts=texts, leaf_names=leaf_names,
                  ctx_names=ctx_names, n_vocab=n_vocab, seed=seed, d_sae=d_sae)
    parts = np.array_split(np.arange(d_sae), max(1, workers) * 8)
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers, initializer=_share, initargs=(shared,)) as pool:
            results = []
            for r in pool.imap(_cards_of, [(int(p[0]), int(p[-1]) + 1) for p in parts if len(p)]):
                results.append(r)
                log(f"    cards {r[-1]['index'] + 1}/{d_sae}: last {r[-1]['label']!r} score {r[-1]['label_score']}")
    else:
        _share(shared)
        results = [_cards_of((int(p[0]), int(p[-1]) + 1)) for p in parts if len(p)]
    cards = [c for r in results for c in r]
    kinds = {}
    for c in cards:
        kinds[c["label_kind"]] = kinds.get(c["label_kind"], 0) + 1
    arrays = {"readable_threshold": readable_threshold, "labels": [c["label"] for c in cards],
              "density": [c["density"] for c in cards], "score": [c["label_score"] for c in cards],
              "positional": [c["positional"] for c in cards], "typical_activation": [c["typical_activation"] for c in cards]}
    return cards, arrays, {"label_kinds": kinds}


_SHARED = {}


def _share(shared):
    """Pool initializer: the forked workers read the parent's arrays (copy-on-write), never pickled."""
    _SHARED.update(shared)


def _cards_of(span):
    S = _SHARED
    PW, PH, ks_w, ks_c, ks_s, local = S["PW"], S["PH"], S["ks_w"], S["ks_c"], S["ks_s"], S["local"]
    ow, pw, aw, oh, ph, ah = S["ow"], S["pw"], S["aw"], S["oh"], S["ph"], S["ah"]
    NH, band_all, choose_mask, logit_dirs = S["NH"], S["band_all"], S["choose_mask"], S["logit_dirs"]
    texts = S["texts"]
    # One generator per span, seeded by where it starts: the examples do not depend on the worker count.
    rng = np.random.default_rng([S["seed"], span[0]])
    cards = []
    for j in range(*span):
        fw, acts_w = pw[ow[j]:ow[j + 1]], aw[ow[j]:ow[j + 1]]
        fh, acts_h = ph[oh[j]:oh[j + 1]], ah[oh[j]:oh[j + 1]]
        in_c = choose_mask[fh]
        rule, sc, _ = choose(ks_w, ks_c, ks_s, fw, local[fh[in_c]], local[fh[~in_c]])
        if rule is None:
            label, kind = "dead (never fired on the card corpus or held-out text)", "none"
        else:
            label, kind = describe(rule, texts, S["leaf_names"], S["ctx_names"], S["n_vocab"]), rule[0]
        dens = len(fh) / max(1, NH)
        typ = float(np.median(acts_h)) if len(fh) else (float(np.median(acts_w)) if len(fw) else 0.0)
        is_pos, (b_from, b_to), b_share = positional(PH.win_pos[fh].astype(np.int64), band_all)
        mx = float(acts_w.max()) if len(fw) else 0.0
        # Top contexts: strongest firings on the card corpus, at most one per window.
        order = np.argsort(-acts_w, kind="stable")
        top = one_per_window(PW, fw, acts_w, order)
        top = top[np.argsort(-acts_w[top], kind="stable")][:N_TOP]
        top_contexts = [context(PW, int(fw[i]), acts_w[i]) for i in top]
        # Examples across activation intervals: equal-width intervals of (0, max], strongest first.
        quantiles = []
        if mx > 0:
            edges = np.linspace(0, mx, N_INTERVALS + 1)
            for q in range(N_INTERVALS - 1, -1, -1):
                inside = np.nonzero((acts_w > edges[q]) & (acts_w <= edges[q + 1] if q < N_INTERVALS - 1 else acts_w <= mx))[0]
                if not len(inside):
                    continue
                pick = one_per_window(PW, fw, acts_w, rng.permutation(inside))[:PER_INTERVAL]
                quantiles.append({"from": round(float(edges[q]), 3), "to": round(float(edges[q + 1]), 3),
                                  "share": round(len(inside) / len(fw), 4),
                                  "contexts": [context(PW, int(fw[i]), acts_w[i]) for i in pick]})
        hist_counts = np.histogram(acts_w, bins=20, range=(0, mx))[0].tolist() if mx > 0 else [0] * 20
        d = logit_dirs[j]
        ok = ~np.isnan(d)
        ids_ok = np.nonzero(ok)[0]
        vals = d[ok]
        pi = ids_ok[np.argsort(-vals, kind="stable")[:N_LOGIT]]
        si = ids_ok[np.argsort(vals, kind="stable")[:N_LOGIT]]
        card = {
            "index": j, "label": label,
            "label_score": sc["score"], "label_precision": sc["precision"], "label_recall": sc["recall"],
            "label_kind": kind, "label_confidence": sc["score"],
            "density": round(dens, 6), "positional": is_pos,
            "position_peak": {"from": b_from, "to": b_to, "share": b_share},
            "typical_activation": round(typ, 4), "max_activation": round(mx, 4),
            "mean_activation": round(float(acts_w.mean()), 4) if len(fw) else 0.0,
            "histogram": {"edges": np.linspace(0, mx, 21).round(4).tolist(), "counts": hist_counts},
            "top_contexts": top_contexts, "quantiles": quantiles,
            # By id only: the engine gives each its text from the bundle's tokenizer (the cards must fit the
            # bundle's size budget).
            "promoted": [{"id": int(i), "logit": round(float(d[i]), 3)} for i in pi],
            "suppressed": [{"id": int(i), "logit": round(float(d[i]), 3)} for i in si],
            "logit_path": S["logit_path"], "logit_note": S["logit_note"],
        }
        cards.append(card)
    return cards


def ranking_figures(codes, density, positional_flags, typical, dense_at=0.1):
    """On the given positions: the share whose top-ranked feature is dense or positional, ranked by
    activation / typical activation with dense and positional features after the others (the extension's
    default order), and the same share in raw activation order."""
    density, typical = np.asarray(density), np.asarray(typical)
    demoted = (density >= dense_at) | np.asarray(positional_flags)
    idx = codes.idx.astype(np.int64)
    val = codes.val
    fires = val > 0
    any_fire = fires.any(1)
    raw_top = idx[np.arange(len(idx)), np.argmax(np.where(fires, val, -1), 1)]
    ratio = np.where(fires, val / np.maximum(typical[idx], 1e-6), -1.0)
    key = np.where(fires & ~demoted[idx], ratio + 1e6, ratio)  # the others first, then dense / positional
    top = idx[np.arange(len(idx)), np.argmax(key, 1)]
    n = max(1, int(any_fire.sum()))
    return {"top_feature_dense_or_positional": round(float((demoted[top] & any_fire).sum()) / n, 4),
            "top_feature_dense_or_positional_raw_order": round(float((demoted[raw_top] & any_fire).sum()) / n, 4)}

def preset_dictionary(blobs, size=32 * 1024):
    """A deflate preset dictionary: the commonest 4- to 24-byte substrings of the cards' JSON (keys,
    frequent tokens), most common last (deflate reaches the end of the window most cheaply)."""
    from collections import Counter
    counts = Counter()
    for b in blobs[:: max(1, len(blobs) // 400)]:
        for n in (24, 12, 6):
            for i in range(0, len(b) - n, n // 2):
                counts[b[i:i + n]] += n
    out = b""
    for chunk, _ in counts.most_common():
        if chunk in out:
            continue
        if len(out) + len(chunk) > size:
            break
        out = chunk + out
    return out


def write_cards(folder, cards, arrays=None):
    """cards.bin / cards.offsets / cards.dict and labels.json; arrays: labels.json's per-feature arrays
    (compute_cards' second result), else labels and densities taken from the cards."""
    os.makedirs(folder, exist_ok=True)
    offsets = [0]
    raw = [json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode() for c in cards]
    zdict = preset_dictionary(raw)
    with open(os.path.join(folder, "cards.dict"), "wb") as f:
        f.write(zdict)
    with open(os.path.join(folder, "cards.bin"), "wb") as f:
        for c, data in zip(cards, raw):
            # One raw-deflate blob per card (random access by offset), with a shared preset dictionary.
            comp = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=zdict)
            blob = comp.compress(data) + comp.flush()
            f.write(blob)
            offsets.append(offsets[-1] + len(blob))
    with open(os.path.join(folder, "cards.offsets"), "wb") as f:
        f.write(struct.pack(f"<{len(offsets)}I", *offsets))
    with open(os.path.join(folder, "labels.json"), "w") as f:
        arrays = arrays or {"labels": [c["label"] for c in cards], "density": [round(c["density"], 6) for c in cards]}
        json.dump({"label_method": LABEL_METHOD, **arrays}, f, ensure_ascii=False)


def write_card_tokens(path, ids):
    """cards/tokens.bin: the card corpus's token ids, uint16 little-endian (contexts point into it)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.asarray(ids, dtype="<u2").tofile(path)


def read_card(folder, index):
    """One card back from a folder write_cards made (random access: only its own blob is read)."""
    offsets = open(os.path.join(folder, "cards.offsets"), "rb").read()
    start, end = struct.unpack_from("<2I", offsets, 4 * index)
    zdict_path = os.path.join(folder, "cards.dict")
    zdict = open(zdict_path, "rb").read() if os.path.isfile(zdict_path) else b""
    with open(os.path.join(folder, "cards.bin"), "rb") as f:
        f.seek(start)
        blob = f.read(end - start)
    d = zlib.decompressobj(-15, zdict=zdict) if zdict else zlib.decompressobj(-15)
    return json.loads(d.decompress(blob) + d.flush())
