import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alignTokens, compareAnalyses, equalRuns, biggestChanges, type ComparedToken } from '../../src/engine/compare';

/** A crude tokenizer: words and single other characters, as spans. */
function tokens(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  for (const m of text.matchAll(/\w+|[^\w]/gu)) out.push({ start: m.index!, end: m.index! + m[0].length, text: m[0] });
  return out;
}

function side(text: string, lp: (t: string, i: number) => number | null, feats: (t: string) => ComparedToken['features'] = () => ({})) {
  return { text, hooks: ['h'], tokens: tokens(text).map((t, i) => ({ ...t, logprob: lp(t.text, i), features: feats(t.text) })) };
}

describe('equalRuns', () => {
  it('finds unchanged text on both sides, in order, with refined characters inside changed lines', () => {
    const runs = equalRuns('hello world\nfoo bar\n', 'hello there world\nfoo bar\nbaz\n');
    for (const r of runs) expect('hello world\nfoo bar\n'.slice(r.aStart, r.aStart + r.length)).toBe('hello there world\nfoo bar\nbaz\n'.slice(r.bStart, r.bStart + r.length));
    const total = runs.reduce((a, r) => a + r.length, 0);
    expect(total).toBe('hello world\nfoo bar\n'.length);
  });
});

describe('alignTokens', () => {
  it('matches tokens of unchanged text one to one and leaves edited ones out', () => {
    const a = 'def f(x):\n    return x + 1\n';
    const b = 'def f(x):\n    y = 2\n    return x + y\n';
    const m = alignTokens(a, tokens(a), b, tokens(b));
    const bt = tokens(b);
    const at = tokens(a);
    // "def" matched, "y" (new) not, "return" matched.
    expect(m[0]).toBe(0);
    const yIndex = bt.findIndex((t) => t.text === 'y');
    expect(m[yIndex]).toBeNull();
    const ret = bt.findIndex((t) => t.text === 'return');
    expect(at[m[ret]!].text).toBe('return');
  });

  it('property: matched tokens lie in unchanged text over the same characters, one to one, order preserved', () => {
    const textArb = fc.array(fc.constantFrom('a', 'b', 'foo', ' ', '\n', 'bar', '(', ')', 'é', '😀'), { maxLength: 60 }).map((p) => p.join(''));
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const at = tokens(a);
        const bt = tokens(b);
        const m = alignTokens(a, at, b, bt);
        expect(m).toHaveLength(bt.length);
        const runs = equalRuns(a, b);
        let last = -1;
        for (const [i, ai] of m.entries()) {
          if (ai === null) continue;
          expect(ai).toBeGreaterThan(last);
          last = ai;
          expect(at[ai].text).toBe(bt[i].text);
          const inRun = runs.some((r) => bt[i].start >= r.bStart && bt[i].end <= r.bStart + r.length && at[ai].start - r.aStart === bt[i].start - r.bStart);
          expect(inRun).toBe(true);
        }
        // Identical texts match completely.
        expect(alignTokens(a, at, a, at)).toEqual(at.map((_, i) => i));
      }),
    );
  });
});

describe('compareAnalyses', () => {
  it('gives B minus A log-prob for matched tokens, null for inserted ones, and feature changes', () => {
    const a = side('x = 1\nprint(x)\n', (t, i) => (i === 0 ? null : -1), (t): ComparedToken['features'] => (t === 'print' ? { h: [{ index: 7, activation: 2 }] } : {}));
    const b = side('x = 1\nz = 3\nprint(x)\n', (t, i) => (i === 0 ? null : t === 'print' ? -4 : -1), (t): ComparedToken['features'] => (t === 'print' ? { h: [{ index: 7, activation: 0.5 }, { index: 9, activation: 1 }] } : {}));
    const c = compareAnalyses(a, b);
    const print = c.tokens.find((t) => t.text === 'print')!;
    expect(print.matched).toBe(true);
    expect(print.deltaLogprob).toBeCloseTo(-3);
    expect(print.featureChanges[0]).toEqual({ hook: 'h', index: 7, before: 2, after: 0.5 });
    expect(print.featureChanges[1]).toEqual({ hook: 'h', index: 9, before: 0, after: 1 });
    const z = c.tokens.find((t) => t.text === 'z')!;
    expect(z.matched).toBe(false);
    expect(z.deltaLogprob).toBeNull();
    expect(c.tokens[0].deltaLogprob).toBeNull(); // first token: nothing predicted it
    expect(biggestChanges(c, 1)[0].text).toBe('print');
    expect(c.deletedInA).toEqual([]);
  });

  it('reports deleted text of A', () => {
    const a = side('keep gone keep', () => -1);
    const b = side('keep keep', () => -1);
    const c = compareAnalyses(a, b);
    expect(c.deletedInA.map((r) => 'keep gone keep'.slice(r.start, r.end)).join('|')).toContain('gone');
  });
});
