import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Coverage, orderRuns, tokensOverlapping } from '../../src/engine/inference/priority';
import { planRuns } from '../../src/engine/inference/windows';

describe('visible-first window order', () => {
  it('finds the tokens overlapping a range, and the token under an empty range', () => {
    const starts = Int32Array.from([0, 3, 5, 9]);
    const ends = Int32Array.from([3, 5, 9, 12]);
    expect(tokensOverlapping(starts, ends, { start: 4, end: 9 })).toEqual([1, 3]);
    expect(tokensOverlapping(starts, ends, { start: 6, end: 6 })).toEqual([2, 3]);
    expect(tokensOverlapping(starts, ends, { start: 12, end: 20 })).toBeNull();
    expect(tokensOverlapping(new Int32Array(0), new Int32Array(0), { start: 0, end: 1 })).toBeNull();
  });

  it('puts the windows owning the range first and keeps every window exactly once, the rest in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2999 }), (n, lo, len, from) => {
        const runs = planRuns(n, 64, Math.min(from, n - 1));
        const hi = Math.min(n, lo + len + 1);
        const { ordered, priorityCount } = orderRuns(runs, lo < hi ? [lo, hi] : null);
        expect([...ordered].sort((a, b) => a.index - b.index)).toEqual(runs);
        for (const [i, r] of ordered.entries()) {
          const meets = lo < hi && r.ownedStart < hi && r.end > lo;
          expect(meets).toBe(i < priorityCount);
        }
        const rest = ordered.slice(priorityCount).map((r) => r.index);
        expect(rest).toEqual([...rest].sort((a, b) => a - b));
      }),
    );
  });
});

describe('Coverage', () => {
  it('grows the valid prefix only over computed positions and hands out complete tokens', () => {
    const c = new Coverage(100, 10);
    c.add(50, 70);
    expect(c.prefix).toBe(10);
    // Token 50's log-prob needs position 49: not yet.
    expect(c.completeWithin(40, 80)).toEqual([51, 70]);
    c.add(10, 50);
    expect(c.prefix).toBe(70);
    expect(c.completeWithin(40, 80)).toEqual([40, 70]);
    expect(c.completeWithin(0, 5)).toEqual([0, 5]);
    expect(c.completeWithin(80, 90)).toBeNull();
  });
});
