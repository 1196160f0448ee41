// The incremental bookkeeping: which positions' outputs survive an edit, and which KV prefixes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DocState, firstDiff, rebase } from '../../src/engine/inference/doc-state';

const ids = (xs: number[]) => Int32Array.from(xs);
const zeros = (n: number) => new Int32Array(n);

function stateFor(tokens: number[], valid = tokens.length, sig = 's') {
  const st = new DocState();
  rebase(st, ids(tokens), zeros(tokens.length), zeros(tokens.length), sig, 2, (w) => w * 4);
  st.valid = valid;
  st.entropy.forEach((_, i) => (st.entropy[i] = i + 1));
  return st;
}

describe('rebase', () => {
  it('keeps outputs before the token before the first change (its target changed)', () => {
    const st = stateFor([1, 2, 3, 4, 5, 6]);
    const q = rebase(st, ids([1, 2, 3, 9, 5, 6]), zeros(6), zeros(6), 's', 2, (w) => w * 4);
    expect(q).toBe(2); // position 2 predicted token 3 -> now token 9
    expect(Array.from(st.entropy.subarray(0, q))).toEqual([1, 2]);
  });

  it('appending text invalidates the old last position (it had no target)', () => {
    const st = stateFor([1, 2, 3]);
    expect(rebase(st, ids([1, 2, 3, 4]), zeros(4), zeros(4), 's', 2, (w) => w * 4)).toBe(2);
  });

  it('truncating keeps every remaining position', () => {
    const st = stateFor([1, 2, 3, 4]);
    expect(rebase(st, ids([1, 2, 3]), zeros(3), zeros(3), 's', 2, (w) => w * 4)).toBe(3);
  });

  it('never reuses past the valid prefix (a cancelled run) or across different options', () => {
    const st = stateFor([1, 2, 3, 4, 5], 2);
    expect(rebase(st, ids([1, 2, 3, 4, 5]), zeros(5), zeros(5), 's', 2, (w) => w * 4)).toBe(2);
    expect(rebase(st, ids([1, 2, 3, 4, 5]), zeros(5), zeros(5), 'other', 2, (w) => w * 4)).toBe(0);
  });

  it('trims window KV caches to the unchanged tokens', () => {
    const st = stateFor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const kv = { len: 8, keys: [], values: [] };
    st.kv.set(0, { kv, usable: 8 }); // window 0 covers 0..7
    st.kv.set(1, { kv, usable: 6 }); // window 1 starts at 4, covers 4..9
    st.kv.set(2, { kv, usable: 2 }); // window 2 starts at 8
    rebase(st, ids([1, 2, 3, 4, 5, 6, 0, 8, 9, 10]), zeros(10), zeros(10), 's', 2, (w) => w * 4);
    expect(st.kv.get(0)?.usable).toBe(6);
    expect(st.kv.get(1)?.usable).toBe(2);
    expect(st.kv.has(2)).toBe(false);
  });

  it('property: reused positions are exactly those whose tokens and next token are unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }), (a, b) => {
        const st = stateFor(a);
        const q = rebase(st, ids(b), zeros(b.length), zeros(b.length), 's', 2, (w) => w * 4);
        for (let i = 0; i < q; i++) {
          expect(a[i]).toBe(b[i]);
          if (i + 1 < b.length) expect(a[i + 1]).toBe(b[i + 1]);
        }
        const f = firstDiff(ids(a), ids(b));
        expect(q).toBeGreaterThanOrEqual(Math.min(f === b.length ? b.length : f - 1, a.length));
      }),
      { numRuns: 2000 },
    );
  });
});
