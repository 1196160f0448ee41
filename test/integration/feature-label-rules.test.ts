// How training/feature_labels.py writes and chooses labels (run in the real Python labeller): token
// classes read a token's kind from its text and the token before; a label names every key of its rule;
// a rule is chosen for covering where the feature fires (F2), but never one that says nothing (precision
// under MIN_LIFT x density) while an informative one exists. And the shipped labels follow those rules.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, pythonMissing } from './byo-helpers';
import { realBundle } from './inference-helpers';

const TRAINING = path.resolve(__dirname, '../../training');

/** Runs `code` with training/ importable; returns its stdout parsed as JSON. */
function python(code: string): unknown {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: TRAINING }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(pythonMissing())('feature label rules (training/feature_labels.py)', () => {
  it('classes a token by its text, and a letter token by the token before it', () => {
    const out = python(`
import json, numpy as np
from feature_labels import CLASS_NAMES, token_class, class_table, position_classes
texts = ['\\n', '    ', ' ', ' the', ' The', 'ing', 'Model', 'ABC', ' 42', '(', ');', '"', ',', '=>', 'x2', '\u00e9', 'def', '.']
table = class_table(texts, len(texts))
ids = np.array([0, 16, 15, 17, 16, 3, 5])  # newline, def, é, ., def, ' the', ing
prev = np.array([len(texts), 0, 16, 15, 17, 16, 3])  # file start, newline, def, é, ., def, ' the'
print(json.dumps({"single": {t: CLASS_NAMES[token_class(t)] for t in texts},
                  "positional": [CLASS_NAMES[c] for c in position_classes(ids, prev, table)]}))
`) as { single: Record<string, string>; positional: string[] };
    expect(out.single).toMatchObject({
      '\n': 'a newline',
      '    ': 'a run of spaces or tabs',
      ' ': 'a single space',
      ' the': 'a word',
      ' The': 'a capitalised word',
      ing: 'a word piece inside a word',
      Model: 'a capitalised piece inside a name',
      ABC: 'an all-caps piece',
      ' 42': 'a number',
      '(': 'an opening bracket',
      ');': 'a closing bracket',
      '"': 'a quote',
      ',': 'a comma, dot, colon or semicolon',
      '=>': 'an operator',
      x2: 'a name piece with digits or `_`',
      é: 'a non-ASCII character',
    });
    // `def` after a newline or after `.` starts a word; `ing` after ` the` continues one.
    expect(out.positional).toEqual(['a newline', 'a word', 'a non-ASCII character', 'a comma, dot, colon or semicolon', 'a word', 'a word', 'a word piece inside a word']);
  });

  it('names every key of a rule, and chooses the rule that covers the firings, but not one that says nothing', () => {
    const out = python(`
import json, numpy as np
import feature_labels as FL
# A toy vocabulary: ids 0-9 letter pieces, 10 a newline. The feature fires on every piece after a newline:
texts = ['aa', 'bb', 'cc', 'dd', 'ee', 'ff', 'gg', 'hh', 'ii', 'jj', '\\n']
nv = len(texts)
table = FL.class_table(texts, nv)
rng = np.random.default_rng(0)
def keyed(n):
    ids = rng.integers(0, nv, n)
    prev = np.concatenate([[nv], ids[:-1]])
    cls = FL.position_classes(ids, prev, table)
    pcls = np.concatenate([[FL.FILE_START_CLASS], cls[:-1]])
    z = np.zeros(n, np.int64)
    ks = FL.KeyedSet(ids, prev, np.concatenate([ids[1:], [nv + 1]]), z, z, np.arange(n) % 512, nv, 1, cls, pcls)
    # ten bigrams, more than a rule may list (8), so only "after a newline" covers them all.
    fired = np.nonzero((prev == 10) & (ids < 10))[0]
    return ks, fired
w, fw = keyed(60000); c, fc = keyed(60000); s, fs = keyed(60000)
rule, score, _ = FL.choose(w, c, s, fw, fc, fs)
labels = [FL.describe(r, texts, ["other"], ["top level"], nv) for r in [("token", tuple(range(8))), ("bigram", (10 * (nv + 2) + 0,))]]
# A second feature fires on every \`aa\` and on a random fifth of all other tokens: "any letter token"
# covers more of its firings (a better F2) but fires barely more often than the feature does anywhere.
noise = lambda ks: np.nonzero((ks.keys["token"] == 0) | (rng.random(ks.n) < 0.2))[0]
nw, nc, ns = noise(w), noise(c), noise(s)
lift = lambda r: FL.evaluate(c, nc, r)[1] / (len(nc) / c.n)
FL.MIN_LIFT = 0.0
unguarded, _, _ = FL.choose(w, c, s, nw, nc, ns)
FL.MIN_LIFT = 3.0
guarded, _, _ = FL.choose(w, c, s, nw, nc, ns)
print(json.dumps({"rule": [rule[0], list(rule[1])], "score": score, "labels": labels,
                  "unguarded_lift": lift(unguarded), "guarded": [guarded[0], list(guarded[1])], "guarded_lift": lift(guarded)}))
`) as {
      rule: [string, number[]];
      score: { score: number; precision: number; recall: number };
      labels: string[];
      unguarded_lift: number;
      guarded: [string, number[]];
      guarded_lift: number;
    };
    // "after a newline" (or "a word": a letter token not after a letter, which here is the same thing)
    // covers every firing; the bigrams it stands for could list only 8 of the 10.
    expect([JSON.stringify(['previous token', [10]]), JSON.stringify(['token class', [3]])]).toContain(JSON.stringify(out.rule));
    expect(out.score.recall).toBe(1);
    expect(out.score.precision).toBeGreaterThan(0.9);
    expect(out.labels[0]).toBe('`aa`, `bb`, `cc`, `dd`, `ee`, `ff`, `gg` or `hh`');
    expect(out.labels[0]).not.toMatch(/more/);
    expect(out.labels[1]).toBe('`aa` after `↵`');
    // Without the lift floor the second feature gets a label that says nothing; with it, `aa`.
    expect(out.unguarded_lift).toBeLessThan(3);
    expect(out.guarded_lift).toBeGreaterThanOrEqual(3);
    expect(out.guarded[1]).toContain(0);
  });

  it('bounds what any rule could do (training/label_ceiling.py): the best rule per family, two rules together, the pass chance', () => {
    const out = python(`
import json, numpy as np
import feature_labels as FL
from label_ceiling import best_rules, best_pair, pass_chance
texts = ['aa', 'bb', 'cc', 'dd', 'ee', 'ff', 'gg', 'hh', 'ii', 'jj', '\\n']
nv = len(texts)
table = FL.class_table(texts, nv)
rng = np.random.default_rng(1)
ids = rng.integers(0, nv, 60000)
prev = np.concatenate([[nv], ids[:-1]])
cls = FL.position_classes(ids, prev, table)
z = np.zeros(len(ids), np.int64)
ks = FL.KeyedSet(ids, prev, np.concatenate([ids[1:], [nv + 1]]), z, z, np.arange(len(ids)) % 512, nv, 1, cls,
                 np.concatenate([[FL.FILE_START_CLASS], cls[:-1]]))
# Fires on every letter piece after a newline: 10 bigrams (a rule lists 8), one previous token.
after_nl = np.nonzero((prev == 10) & (ids < 10))[0]
r1 = best_rules(ks, after_nl)
# Fires on every \`aa\`, and on any token after \`bb\`: one rule covers either, two rules both.
aa_or = np.nonzero((ids == 0) | (prev == 1))[0]
r2 = best_rules(ks, aa_or)
print(json.dumps({"r1": {f: [v[0], v[1], list(v[2])] for f, v in r1.items()},
                  "single2": max(v[0] for v in r2.values()), "pair2": list(best_pair(ks, aa_or, r2)),
                  "chances": [pass_chance(1.0), pass_chance(0.5), pass_chance(0.0), pass_chance(0.5, 3), pass_chance(1.0, 4)]}))
`) as { r1: Record<string, [number, number, number[]]>; single2: number; pair2: [number, number, string[]]; chances: number[] };
    expect(out.r1['previous token'][0]).toBe(1);
    expect(out.r1['previous token'][1]).toBeCloseTo(10 / 11, 1); // a newline after a newline does not fire
    expect(out.r1['previous token'][2]).toEqual([10]);
    expect(out.r1['bigram'][0]).toBeGreaterThan(0.75);
    expect(out.r1['bigram'][0]).toBeLessThan(0.85);
    expect(out.r1['bigram'][2]).toHaveLength(8);
    // A letter token alone fires only after a newline (1 time in 11): under 3x the density, so no rule.
    expect(out.r1['token']).toBeUndefined();
    expect(out.single2).toBeGreaterThan(0.4);
    expect(out.single2).toBeLessThan(0.8);
    expect(out.pair2[0]).toBe(1);
    expect(out.pair2[2]).toContain('previous token');
    // 6 firings judged, at least 4 matching; a feature firing 3 times needs 2 of 3.
    expect(out.chances[0]).toBeCloseTo(1, 10);
    expect(out.chances[1]).toBeCloseTo(22 / 64, 10);
    expect(out.chances[2]).toBe(0);
    expect(out.chances[3]).toBeCloseTo(0.5, 10);
    expect(out.chances[4]).toBeCloseTo(1, 10);
  });
});

const bundle = realBundle();

describe.skipIf(!bundle)('shipped labels follow the rules', () => {
  const manifest = bundle ? JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) : null;
  const dicts: { hook_name: string; cards: string }[] = (manifest?.dictionaries ?? []).filter((d: { cards?: string }) => d.cards);

  it.each(dicts.map((d) => [d.hook_name, d] as const))('%s: no label hides part of its rule', (_hook, d) => {
    const labels: string[] = JSON.parse(fs.readFileSync(path.join(bundle!, d.cards, 'labels.json'), 'utf8')).labels;
    expect(labels.filter((l) => /or \d+ more$/.test(l))).toEqual([]);
    expect(labels.every((l) => typeof l === 'string' && l.length > 0)).toBe(true);
  });
});
