import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planRuns, planWindows } from '../../src/engine/inference';

describe('windowing', () => {
  it('owned ranges tile [0, n) and every position has at least half a context of history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 8, max: 600 }), (n, ctx) => {
        const ws = planWindows(n, ctx);
        const stride = Math.floor(ctx / 2);
        let next = 0;
        for (const w of ws) {
          expect(w.end - w.start).toBeLessThanOrEqual(ctx);
          expect(w.ownedStart).toBe(next);
          expect(w.end).toBeGreaterThan(w.ownedStart);
          if (w.index > 0) expect(w.ownedStart - w.start).toBeGreaterThanOrEqual(stride);
          next = w.end;
        }
        expect(next).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it('an edit at p reruns only windows whose owned range reaches p, from p on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 8, max: 600 }), fc.nat(), (n, ctx, pRaw) => {
        const p = pRaw % n;
        const runs = planRuns(n, ctx, p);
        const ws = planWindows(n, ctx);
        // Positions [p, n) are all owned by some rerun window.
        const covered = new Set<number>();
        for (const r of runs) {
          expect(r.runStart).toBeGreaterThanOrEqual(r.start);
          expect(r.runStart).toBeLessThanOrEqual(Math.max(p, r.start));
          for (let i = Math.max(r.ownedStart, p); i < r.end; i++) covered.add(i);
        }
        expect(covered.size).toBe(n - p);
        // No window that only owns positions before p reruns.
        for (const w of ws) if (w.end <= p) expect(runs.find((r) => r.index === w.index)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('a 2,000-token document with n_ctx 512: an edit near the end reruns one window from the edit', () => {
    const runs = planRuns(2000, 512, 1990);
    expect(runs).toHaveLength(1);
    expect(runs[0].runStart).toBe(1990);
  });
});
