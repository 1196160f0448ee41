"""Feature cards for a dictionary: density, activation histogram, top max-activating contexts, the
output tokens each feature's decoder direction promotes and suppresses, and an automatic label.

The label is a heuristic (no LLM is available here), built only from what the card itself shows:
  1. the token at the maximum of each of the top contexts: if one token text accounts for >= 50% of
     them, the label names it (e.g. "`self`"), with its share;
  2. else the token just before the maximum: if one accounts for >= 50%, "after `(`";
  3. else a character class shared by >= 80% of them (whitespace / indentation, digits, punctuation,
     identifiers in CamelCase, ...), or "mixed: " and the three most common tokens;
  4. then "→" and the two output tokens the feature promotes most.
The share is kept in the card ("label_confidence") so a view can show how strong the pattern is.
"""
import json
import os
import re
import struct
import zlib
from collections import Counter

import numpy as np
import torch

LABEL_METHOD = ("heuristic over the top-20 max-activating contexts: the dominant max token (>=50%), else "
                "the dominant preceding token (>=50%; or the start of a context), else a shared character class "
                "(whitespace, digits, punctuation, capitalised, upper-case; >=80%), else the "
                "three commonest tokens; then the two most promoted output tokens (W_dec @ W_U)")


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


START = "\x00start"  # stands for "no previous token": the maximum is at the start of a context


def show(t):
    """Token text with whitespace made visible, for labels."""
    return t.replace(" ", "·").replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍")


def char_class(t):
    s = t.strip()
    if t and not s:
        return "whitespace / indentation" if (" " in t or "\t" in t) and "\n" not in t else "line breaks"
    if s.isdigit():
        return "digits"
    if s and all(not c.isalnum() and c != "_" for c in s):
        return "punctuation"
    if re.fullmatch(r"[A-Z][a-z]+", s):
        return "capitalised words"
    if s.isupper():
        return "upper-case"
    return None


def make_label(top_tokens, prev_tokens, promoted):
    n = max(1, len(top_tokens))
    c = Counter(top_tokens).most_common(3)
    p = Counter(prev_tokens).most_common(1)
    conf = 0.0
    if c and c[0][1] / n >= 0.5:
        conf = c[0][1] / n
        label = f"`{show(c[0][0])}`"
        if p and p[0][1] / n >= 0.5:
            label += " at the start of a context" if p[0][0] == START else f" after `{show(p[0][0])}`"
    elif p and p[0][1] / n >= 0.5:
        conf = p[0][1] / n
        label = "at the start of a context" if p[0][0] == START else f"after `{show(p[0][0])}`"
    else:
        classes = Counter(char_class(t) for t in top_tokens).most_common(1)
        if classes and classes[0][0] and classes[0][1] / n >= 0.8:
            conf = classes[0][1] / n
            label = classes[0][0]
        else:
            conf = (c[0][1] / n) if c else 0.0
            label = "mixed: " + ", ".join(f"`{show(t)}`" for t, _ in c)
    if promoted:
        label += " → " + " ".join(f"`{show(t['text'])}`" for t in promoted[:2])
    return label, round(conf, 3)


@torch.no_grad()
def compute_cards(encode, acts, seq_ids, seq_len, logit_dirs, texts, n_top=20, n_logit=10, before=6, after=2,
                  batch=4096):
    """encode: fn(x [B, d_in] float32) -> feature_acts [B, d_sae]; acts: [N, d_in] (N = S * seq_len, row-major
    over the sequences in seq_ids [S, seq_len]); logit_dirs: [d_sae, vocab] decoder directions through W_U."""
    N = acts.shape[0]
    d_sae = logit_dirs.shape[0]
    count = torch.zeros(d_sae, dtype=torch.float64)
    total = torch.zeros(d_sae, dtype=torch.float64)
    mx = torch.zeros(d_sae)
    top_v = torch.full((d_sae, n_top), -1.0)
    top_i = torch.zeros((d_sae, n_top), dtype=torch.long)
    for s in range(0, N, batch):
        f = encode(acts[s:s + batch].float())
        count += (f > 0).sum(0).double()
        total += f.sum(0).double()
        mx = torch.maximum(mx, f.max(0).values)
        kk = min(n_top, f.shape[0])
        v, i = f.topk(kk, dim=0)
        cat_v = torch.cat([top_v, v.t()], 1)
        cat_i = torch.cat([top_i, i.t() + s], 1)
        tv, ti = cat_v.topk(n_top, dim=1)
        top_v, top_i = tv, cat_i.gather(1, ti)
    # Second pass: histogram of non-zero activations on [0, max] in 20 bins.
    bins = 20
    hist = torch.zeros(d_sae, bins, dtype=torch.long)
    scale = torch.where(mx > 0, bins / mx, torch.zeros_like(mx))
    for s in range(0, N, batch):
        f = encode(acts[s:s + batch].float())
        nz = f > 0
        b = (f * scale).long().clamp(max=bins - 1)
        hist.scatter_add_(1, torch.where(nz, b, torch.zeros_like(b)).t().contiguous(), nz.long().t().contiguous())
    density = (count / N).numpy()
    flat_ids = seq_ids.reshape(-1)
    cards = []
    prom_v, prom_i = logit_dirs.topk(n_logit, dim=1)
    sup_v, sup_i = (-logit_dirs).topk(n_logit, dim=1)
    for j in range(d_sae):
        contexts, tops, prevs = [], [], []
        for v, gi in zip(top_v[j].tolist(), top_i[j].tolist()):
            if v <= 0:
                continue
            seq, pos = divmod(gi, seq_len)
            lo, hi = max(0, pos - before), min(seq_len, pos + after + 1)
            toks = [texts[t] for t in seq_ids[seq, lo:hi].tolist()]
            contexts.append({"tokens": toks, "index": pos - lo, "activation": round(v, 3)})
            tops.append(texts[int(flat_ids[gi])])
            prevs.append(texts[int(flat_ids[gi - 1])] if pos > 0 else START)
        promoted = [{"id": int(i), "text": texts[int(i)], "logit": round(float(v), 4)} for v, i in zip(prom_v[j], prom_i[j])]
        suppressed = [{"id": int(i), "text": texts[int(i)], "logit": round(-float(v), 4)} for v, i in zip(sup_v[j], sup_i[j])]
        label, conf = make_label(tops, prevs, promoted) if contexts else ("dead (never fired on the corpus)", 0.0)
        edges = (np.linspace(0, float(mx[j]), bins + 1)).round(4).tolist()
        cards.append({
            "index": j, "label": label, "label_confidence": conf,
            "density": float(density[j]), "max_activation": round(float(mx[j]), 4),
            "mean_activation": round(float(total[j] / max(1.0, float(count[j]))), 4),
            "histogram": {"edges": edges, "counts": hist[j].tolist()},
            "top_contexts": contexts, "promoted": promoted, "suppressed": suppressed,
        })
    return cards, density


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


def write_cards(folder, cards):
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
        json.dump({"label_method": LABEL_METHOD, "labels": [c["label"] for c in cards],
                   "density": [round(c["density"], 6) for c in cards]}, f, ensure_ascii=False)


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
