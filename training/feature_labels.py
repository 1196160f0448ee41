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
  token class      what kind of token it is (token_class)     "a word piece inside a word"
  previous class   the kind of token before it                "after a closing bracket"
  class bigram     the kinds of the token before and the token "a word piece inside a word after a word"
  class+syntax     the kind of token and its syntax            "a word (comment)"
  class+construct  the kind of token and its construct         "a newline in function body"
The class families generalise past the tokens seen: a feature that fires on the ending of any word is
"a word piece inside a word", where a list of the pieces seen would miss the next word's ending.
Three disjoint sets of positions are used, so the score is an honest estimate of how the label predicts
firing on unseen code:
  writing    (training files): for each family, the keys ranked by how many firings they cover, and for
             each minimum key precision the prefix of that ranking with the best F-beta -> candidate rules;
  choosing   (half of the held-out files): the candidate with the best F-beta (beta = BETA) among those
             whose precision is at least MIN_LIFT times the feature's density is the label;
  scoring    (the other half): its precision, recall and F1 there are the label's score.
"fires" = activation > 0 at an owned position; F1 = 2PR / (P + R). Everything is counted, never sampled.
Rules are chosen by a recall-weighted F-beta because a label is read as "where the feature fires": one that
names only the strongest firings (high precision, low recall) describes the peak, not the feature. The
score stays F1, the usual balance of the two, and the card shows precision and recall beside it. A rule has
at most MAX_KEYS keys (CLASS_MAX_KEYS for the class families) and its label shows all of them.
"""
import numpy as np

FAMILIES = ["token", "previous token", "next token", "syntax", "construct", "token+construct", "bigram",
            "syntax+construct", "position", "token class", "previous class", "class bigram", "class+syntax",
            "class+construct"]
BAND = 32
MAX_KEYS = 8
# Classes are broad: a rule of more than 3 of them covers almost any token and says nothing.
CLASS_FAMILIES = ("token class", "previous class", "class bigram", "class+syntax", "class+construct")
CLASS_MAX_KEYS = 3
BETA = 2.0
# A label must say something: where it says "fires", the feature fires at least this many times as often
# as it does anywhere (its precision over its density). Rules below that lift are chosen only when no
# rule reaches it.
MIN_LIFT = 3.0
MIN_PRECISIONS = (0.0, 0.1, 0.3, 0.6)


# Token classes: what kind of token a token is, from its text alone (GPT-2 byte-level tokens: a leading
# space belongs to the word after it). Names are written to be read in a label.
CLASS_NAMES = [
    "a newline", "a run of spaces or tabs", "a single space", "a word", "a capitalised word",
    "a word piece inside a word", "a capitalised piece inside a name", "an all-caps piece", "a number",
    "an opening bracket", "a closing bracket", "a quote", "a comma, dot, colon or semicolon", "an operator",
    "a name piece with digits or `_`", "a non-ASCII character", "the file start", "the file end",
]
FILE_START_CLASS, FILE_END_CLASS = 16, 17
LEAF_SLOTS = 64  # syntax leaf ids are below this (training/syntax_tags.mjs has 41)


def token_class(text):
    """The CLASS_NAMES index of a token's text."""
    if text.strip() == "":
        if "\n" in text or "\r" in text:
            return 0
        return 2 if text == " " else 1
    spaced = text.startswith(" ")
    body = text[1:] if spaced else text
    if not body.isascii():
        return 15
    if body.isdigit():
        return 8
    if body.isalpha():
        if len(body) > 1 and body.isupper():
            return 7
        if spaced:
            return 4 if body[0].isupper() else 3
        return 6 if body[0].isupper() else 5
    if all(c.isalnum() or c == "_" for c in body):
        return 14
    if any(c.isalnum() for c in body):
        return 14 if "_" in body else 13
    if any(c in ")]}" for c in body):
        return 10
    if any(c in "([{" for c in body):
        return 9
    if all(c in "'\"`" for c in body):
        return 11
    if all(c in ",.;:" for c in body):
        return 12
    return 13


def class_table(texts, n_vocab):
    """(token class of every id, whether its text ends in a letter or digit), with the file start (id
    n_vocab) and end (n_vocab + 1) after the vocabulary."""
    cls = [token_class(texts[i]) if i < len(texts) else 13 for i in range(n_vocab)]
    ends = [bool(texts[i]) and texts[i][-1].isalnum() if i < len(texts) else False for i in range(n_vocab)]
    return (np.asarray(cls + [FILE_START_CLASS, FILE_END_CLASS], dtype=np.int64),
            np.asarray(ends + [False, False], dtype=bool))


def position_classes(ids, prev, table):
    """Token class at each position: a letter token without a leading space is a piece inside a word only
    when the token before it ends in a letter or digit (`def` after a newline, `bar` after `.` start a word)."""
    base, ends = table
    cls = base[ids]
    starts = ~ends[prev]
    cls = np.where((cls == 5) & starts, 3, cls)
    return np.where((cls == 6) & starts, 4, cls)


class KeyedSet:
    """One set of positions with every family's key at each position and each key's count. cls / pcls: the
    token class at each position and at the position before it (position_classes)."""

    def __init__(self, ids, prev, nxt, leaf, ctx, win_pos, n_vocab, n_ctx_tags, cls, pcls):
        V = n_vocab + 2  # + file start / file end
        NK = len(CLASS_NAMES)
        leaf = np.asarray(leaf, dtype=np.int64)
        self.keys = {
            "token": ids,
            "previous token": prev,
            "next token": nxt,
            "syntax": leaf,
            "construct": ctx,
            "token+construct": ids * n_ctx_tags + ctx,
            "bigram": prev * V + ids,
            "syntax+construct": leaf * n_ctx_tags + ctx,
            "position": (win_pos // BAND).astype(np.int64),
            "token class": cls,
            "previous class": pcls,
            "class bigram": pcls * NK + cls,
            "class+syntax": cls * LEAF_SLOTS + leaf,
            "class+construct": cls * n_ctx_tags + ctx,
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


def f_beta(p, r):
    """F-beta with beta = BETA (read at call time, so a caller may set the module's BETA)."""
    b2 = BETA * BETA
    return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


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
            m = CLASS_MAX_KEYS if fam in CLASS_FAMILIES else MAX_KEYS
            k2, tp2, n2 = keys[sel][:m], tp[sel][:m], n[sel][:m]
            if not len(k2):
                continue
            ctp, cpp = np.cumsum(tp2), np.cumsum(n2)
            b2 = BETA * BETA
            scores = (1 + b2) * ctp / (cpp + b2 * nf)  # F-beta = (1 + b2) TP / (PP + b2 F)
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
    best, best_f = None, (False, -1.0)
    density = len(fired_c) / max(1, choosing.n)
    for c in cands:
        _, p, r = evaluate(choosing, fired_c, c)
        fc = (p >= MIN_LIFT * density, f_beta(p, r))
        # Informative rules first; ties go to the simpler rule (fewer keys), as candidates are sorted.
        if fc[0] > best_f[0] or (fc[0] == best_f[0] and fc[1] > best_f[1] + 1e-9):
            best, best_f = c, fc
    best_f = best_f[1]
    s, p, r = evaluate(scoring, fired_s, best)
    return best, {"score": round(s, 4), "precision": round(p, 4), "recall": round(r, 4)}, best_f


def show(t):
    """Token text with whitespace made visible (as src/shared/present.ts shows it)."""
    return t.replace(" ", "·").replace("\n", "↵").replace("\t", "→").replace("\r", "␍")


def _alts(items):
    """All of a rule's keys (at most MAX_KEYS): a label that hid some would hide part of its rule."""
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


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

    if fam == "position":
        return f"among the first {(max(keys) + 1) * BAND} tokens of a file"
    K = len(CLASS_NAMES)
    # family: (what goes before the list, the text of one key)
    keyed = {
        "token": ("", tok),
        "previous token": ("after ", tok),
        "next token": ("before ", tok),
        "syntax": ("", lambda k: leaf_names[k]),
        "construct": ("in ", lambda k: ctx_names[k]),
        "token+construct": ("", lambda k: f"{tok(k // C)} in {ctx_names[k % C]}"),
        "bigram": ("", lambda k: f"{tok(k % V)} after {tok(k // V)}"),
        "syntax+construct": ("", lambda k: f"{leaf_names[k // C]} in {ctx_names[k % C]}"),
        "token class": ("", lambda k: CLASS_NAMES[k]),
        "previous class": ("after ", lambda k: CLASS_NAMES[k]),
        "class bigram": ("", lambda k: f"{CLASS_NAMES[k % K]} after {CLASS_NAMES[k // K]}"),
        "class+syntax": ("", lambda k: f"{CLASS_NAMES[k // LEAF_SLOTS]} ({leaf_names[k % LEAF_SLOTS]})"),
        "class+construct": ("", lambda k: f"{CLASS_NAMES[k // C]} in {ctx_names[k % C]}"),
    }
    if fam not in keyed:
        raise ValueError(fam)
    prefix, text = keyed[fam]
    return prefix + _alts(text(k) for k in keys)


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
