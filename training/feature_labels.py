"""Labels that predict where a feature fires, each with a score measured on contexts it was not chosen on.

An explanation is a rule over a token position that says "the feature fires here". Rules come in families,
each a key computed at every position, and a rule is a set of keys of one family:
  token            the token itself                          "`self` or `cls`"
  previous token   the token before it (or the file start)   "after `(`"
  next token       the token after it (the feature's next-token effect, seen in the text)  "before `(`"
  syntax           the token's syntax (tree-sitter, training/syntax_tags.mjs)   "string content"
  construct        the innermost construct around it          "in call arguments"
  token+construct  token and construct together               "`,` in call arguments"
  bigram           previous token and token together          "`self` after `(`"
  syntax+construct                                             "name read in call arguments"
  position         the band of 32 positions in the window      "among the first 32 tokens of a file"
Three disjoint sets of positions are used, so the score is an honest estimate of how the label predicts
firing on unseen code:
  writing    (training files): for each family, the keys ranked by how many firings they cover, and for
             each minimum key precision the prefix of that ranking with the best F1 -> candidate rules;
  choosing   (half of the held-out files): the candidate with the best F1 is the label;
  scoring    (the other half): its precision, recall and F1 there are the label's score.
"fires" = activation > 0 at an owned position; F1 = 2PR / (P + R). Everything is counted, never sampled.
"""
import numpy as np

FAMILIES = ["token", "previous token", "next token", "syntax", "construct", "token+construct", "bigram",
            "syntax+construct", "position"]
BAND = 32
MAX_KEYS = 8
MIN_PRECISIONS = (0.0, 0.1, 0.3, 0.6)


class KeyedSet:
    """One set of positions with every family's key at each position and each key's count."""

    def __init__(self, ids, prev, nxt, leaf, ctx, win_pos, n_vocab, n_ctx_tags):
        V = n_vocab + 2  # + file start / file end
        self.keys = {
            "token": ids,
            "previous token": prev,
            "next token": nxt,
            "syntax": leaf,
            "construct": ctx,
            "token+construct": ids * n_ctx_tags + ctx,
            "bigram": prev * V + ids,
            "syntax+construct": leaf.astype(np.int64) * n_ctx_tags + ctx,
            "position": (win_pos // BAND).astype(np.int64),
        }
        self.keys = {f: np.asarray(k, dtype=np.int64) for f, k in self.keys.items()}
        self.n = len(ids)
        self.count = {}
        for f, k in self.keys.items():
            u, c = np.unique(k, return_counts=True)
            self.count[f] = (u, c)

    def key_counts(self, family, keys):
        u, c = self.count[family]
        i = np.searchsorted(u, keys)
        i = np.clip(i, 0, len(u) - 1)
        return np.where(u[i] == keys, c[i], 0)

    def firing_counts(self, family, positions):
        """(keys, how many of `positions` have each key)."""
        return np.unique(self.keys[family][positions], return_counts=True)


def f1(tp, pp, fires):
    p = tp / pp if pp else 0.0
    r = tp / fires if fires else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def candidates(ks: KeyedSet, fired):
    """Candidate rules [(family, keys tuple)] from the writing set's firing positions."""
    out = set()
    nf = len(fired)
    if nf == 0:
        return []
    for fam in FAMILIES:
        keys, tp = ks.firing_counts(fam, fired)
        if fam == "position":
            # Only the first positions of a window mean something to a reader (the start of a file: the
            # extension shows every later window's second half only): rules are the first 1-4 bands.
            if len(keys) and keys[0] == 0:
                out.update(("position", tuple(range(b + 1))) for b in range(4))
            continue
        order = np.argsort(-tp, kind="stable")[:64]
        keys, tp = keys[order], tp[order]
        n = ks.key_counts(fam, keys)
        prec = tp / np.maximum(n, 1)
        for pmin in MIN_PRECISIONS:
            sel = prec >= pmin
            k2, tp2, n2 = keys[sel][:MAX_KEYS], tp[sel][:MAX_KEYS], n[sel][:MAX_KEYS]
            if not len(k2):
                continue
            ctp, cpp = np.cumsum(tp2), np.cumsum(n2)
            scores = 2 * ctp / (cpp + nf)  # F1 = 2TP / (PP + F)
            best = int(np.argmax(scores))
            out.add((fam, tuple(int(x) for x in k2[:best + 1])))
    return sorted(out, key=lambda c: (FAMILIES.index(c[0]), len(c[1]), c[1]))


def evaluate(ks: KeyedSet, fired, rule):
    fam, keys = rule
    keys = np.asarray(keys, dtype=np.int64)
    fk, fc = ks.firing_counts(fam, fired)
    i = np.clip(np.searchsorted(fk, keys), 0, max(0, len(fk) - 1))
    tp = int(np.where((len(fk) > 0) & (fk[i] == keys), fc[i], 0).sum()) if len(fk) else 0
    pp = int(ks.key_counts(fam, keys).sum())
    return f1(tp, pp, len(fired))


def choose(writing: KeyedSet, choosing: KeyedSet, scoring: KeyedSet, fired_w, fired_c, fired_s):
    """(rule, {score, precision, recall}, chosen-set F1) or (None, ...) when the feature never fired."""
    cands = candidates(writing, fired_w)
    if not cands:
        cands = candidates(choosing, fired_c)  # fired only on held-out text: write there, still score apart
    if not cands:
        return None, {"score": 0.0, "precision": 0.0, "recall": 0.0}, 0.0
    best, best_f = None, -1.0
    for c in cands:
        fc, _, _ = evaluate(choosing, fired_c, c)
        # Ties go to the simpler rule (fewer keys), as candidates are sorted.
        if fc > best_f + 1e-9:
            best, best_f = c, fc
    s, p, r = evaluate(scoring, fired_s, best)
    return best, {"score": round(s, 4), "precision": round(p, 4), "recall": round(r, 4)}, best_f


def show(t):
    """Token text with whitespace made visible (as src/shared/present.ts shows it)."""
    return t.replace(" ", "·").replace("\n", "↵").replace("\t", "→").replace("\r", "␍")


def _alts(items, limit=3):
    items = list(items)
    if len(items) == 1:
        return items[0]
    if len(items) <= limit:
        return ", ".join(items[:-1]) + " or " + items[-1]
    return ", ".join(items[:limit]) + f" or {len(items) - limit} more"


def describe(rule, texts, leaf_names, ctx_names, n_vocab):
    """The label text of a rule."""
    fam, keys = rule
    V = n_vocab + 2
    C = len(ctx_names)

    def tok(i):
        if i == n_vocab:
            return "the file start"
        if i == n_vocab + 1:
            return "the file end"
        return f"`{show(texts[i])}`"

    if fam == "token":
        return _alts(tok(k) for k in keys)
    if fam == "previous token":
        return "after " + _alts(tok(k) for k in keys)
    if fam == "next token":
        return "before " + _alts(tok(k) for k in keys)
    if fam == "syntax":
        return _alts(leaf_names[k] for k in keys)
    if fam == "construct":
        return "in " + _alts(ctx_names[k] for k in keys)
    if fam == "token+construct":
        return _alts(f"{tok(k // C)} in {ctx_names[k % C]}" for k in keys)
    if fam == "bigram":
        return _alts(f"{tok(k % V)} after {tok(k // V)}" for k in keys)
    if fam == "syntax+construct":
        return _alts(f"{leaf_names[k // C]} in {ctx_names[k % C]}" for k in keys)
    if fam == "position":
        return f"among the first {(max(keys) + 1) * BAND} tokens of a file"
    raise ValueError(fam)


def positional(win_pos_fired, band_share_all):
    """(positional?, peak band (from, to), share of firings there): a feature is positional when at least
    half its firings fall in one band of 32 window positions holding at most a fifth of that share of all
    owned positions."""
    if len(win_pos_fired) == 0:
        return False, (0, BAND), 0.0
    h = np.bincount(win_pos_fired // BAND, minlength=len(band_share_all)) / len(win_pos_fired)
    b = int(np.argmax(h))
    share = float(h[b])
    return bool(share >= 0.5 and share >= 5 * band_share_all[b]), (b * BAND, (b + 1) * BAND), round(share, 4)
