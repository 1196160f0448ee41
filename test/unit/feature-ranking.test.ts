// The 'unusual' order (src/engine/dictionary/feature-ranking.ts) against a plain sort, and the one rule for
// dense / positional features that the engine, the hover, the panel and the CLI share.
import { describe, expect, it } from 'vitest';
import { candidatesPerRow, rankRows, toRanking, type FeatureRanking } from '../../src/engine/dictionary';
import { DENSE_FEATURE, densePercent, featureTags, isDense, rankedAfter, unusualRatio } from '../../src/shared/featureDensity';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The order written out plainly: every firing candidate, others before "after" ones, each by its key
 *  (activation × inverse typical, or activation), ties by candidate position; the first `per`. */
function reference(idx: number[], act: number[], per: number, ranking: FeatureRanking): { index: number; activation: number }[] {
  const firing = idx.map((index, j) => ({ index, activation: act[j], j })).filter((c) => c.activation > 0);
  const key = (c: { index: number; activation: number }) => c.activation * (ranking.inverseTypical ? ranking.inverseTypical[c.index] : 1);
  const after = (c: { index: number }) => (ranking.after ? ranking.after[c.index] : 0);
  firing.sort((a, b) => after(a) - after(b) || key(b) - key(a) || a.j - b.j);
  return firing.slice(0, per).map(({ index, activation }) => ({ index, activation }));
}

function run(idx: number[], act: number[], c: number, per: number, ranking: FeatureRanking) {
  const m = idx.length / c;
  const outIdx = new Int32Array(m * per).fill(-7);
  const outAct = new Float32Array(m * per).fill(-7);
  rankRows(Int32Array.from(idx), Float32Array.from(act), m, c, per, ranking, outIdx, outAct);
  return Array.from({ length: m }, (_, r) =>
    Array.from({ length: per }, (_, p) => ({ index: outIdx[r * per + p], activation: outAct[r * per + p] })).filter((h) => h.activation > 0),
  );
}

describe('rankRows', () => {
  it('lists the most unusual first, dense/positional after the others, and keeps the raw activations', () => {
    // Feature 3 fires hardest but is typically that strong; feature 8 fires weakly but far above its usual.
    const dSae = 10;
    const typical = [1, 1, 1, 10, 1, 1, 1, 1, 0.1, 1];
    const ranking = toRanking(dSae, typical, (i) => i === 5)!;
    // Candidates come descending by raw activation, zeros (not firing) last.
    const rows = run([3, 5, 2, 8, 0], [9, 6, 2, 0.5, 0], 5, 4, ranking);
    expect(rows[0]).toEqual([
      { index: 8, activation: 0.5 }, // 5x its typical
      { index: 2, activation: 2 }, // 2x
      { index: 3, activation: 9 }, // 0.9x
      { index: 5, activation: 6 }, // 6x, but dense or positional: after the others
    ]);
  });

  it('chooses among every active feature, not only the strongest n', () => {
    const ranking = toRanking(6, [10, 10, 10, 10, 10, 0.01], undefined)!;
    const rows = run([0, 1, 2, 3, 4, 5], [6, 5, 4, 3, 2, 0.1], 6, 2, ranking);
    expect(rows[0].map((h) => h.index)).toEqual([5, 0]);
  });

  it('orders by raw activation when typical activations are unknown, still moving dense/positional features after', () => {
    const ranking = toRanking(4, undefined, (i) => i === 0)!;
    expect(ranking.inverseTypical).toBeUndefined();
    const rows = run([0, 1, 2, 3], [4, 3, 2, 1], 4, 4, ranking);
    expect(rows[0].map((h) => h.index)).toEqual([1, 2, 3, 0]);
  });

  it('pads rows with fewer firing features than asked with zeros', () => {
    const ranking = toRanking(4, [1, 1, 1, 1], undefined)!;
    const outIdx = new Int32Array(2 * 3).fill(-1);
    const outAct = new Float32Array(2 * 3).fill(-1);
    rankRows(Int32Array.from([0, 1, 2, 3]), Float32Array.from([2, 0, 1, 0]), 2, 2, 3, ranking, outIdx, outAct);
    expect(Array.from(outIdx)).toEqual([0, 0, 0, 2, 0, 0]);
    expect(Array.from(outAct)).toEqual([2, 0, 0, 1, 0, 0]);
  });

  it('matches a plain sort on random rows (typical known or not, with and without after-features)', () => {
    const r = rng(14);
    for (let trial = 0; trial < 200; trial++) {
      const dSae = 20 + Math.floor(r() * 60);
      const c = 1 + Math.floor(r() * 32);
      const per = 1 + Math.floor(r() * 12);
      const m = 1 + Math.floor(r() * 5);
      const typical = r() < 0.8 ? Array.from({ length: dSae }, () => (r() < 0.1 ? 0 : r() * 3)) : undefined;
      const afterSet = r() < 0.7 ? new Set(Array.from({ length: 8 }, () => Math.floor(r() * dSae))) : undefined;
      const ranking = toRanking(dSae, typical, afterSet ? (i) => afterSet.has(i) : undefined) ?? { inverseTypical: new Float32Array(dSae).fill(1) };
      const idx: number[] = [];
      const act: number[] = [];
      for (let row = 0; row < m; row++) {
        const chosen = [...Array(dSae).keys()].sort(() => r() - 0.5).slice(0, Math.min(c, dSae));
        while (chosen.length < c) chosen.push(0);
        const vals = chosen.map(() => (r() < 0.2 ? 0 : Math.fround(r() * 5))).sort((a, b) => b - a);
        idx.push(...chosen);
        act.push(...vals);
      }
      const got = run(idx, act, c, per, ranking);
      for (let row = 0; row < m; row++) {
        const want = reference(idx.slice(row * c, (row + 1) * c), act.slice(row * c, (row + 1) * c), per, ranking);
        expect(got[row], `trial ${trial} row ${row}`).toEqual(want);
      }
    }
  });
});

describe('toRanking and candidatesPerRow', () => {
  it('gives a feature dead on held-out text the median typical activation, and nothing without data', () => {
    const ranking = toRanking(4, [0, 1, 2, 4], undefined)!;
    expect(Array.from(ranking.inverseTypical!)).toEqual([0.5, 1, 0.5, 0.25]);
    expect(toRanking(4, undefined, undefined)).toBeUndefined();
    expect(toRanking(4, undefined, () => false)).toBeUndefined();
    expect(toRanking(4, [1, 2], undefined)).toBeUndefined(); // wrong length: not used
  });

  it('asks the encoder for every active feature only when it ranks them', () => {
    const ranking = toRanking(4, [1, 1, 1, 1], undefined);
    expect(candidatesPerRow('unusual', ranking, 5, 32)).toBe(32);
    expect(candidatesPerRow('activation', ranking, 5, 32)).toBe(5);
    expect(candidatesPerRow('unusual', undefined, 5, 32)).toBe(5);
    expect(candidatesPerRow('activation', undefined, 64, 32)).toBe(32);
  });
});

describe('featureDensity: one rule for dense and positional features', () => {
  it('marks dense from DENSE_FEATURE up, positional when said so, and ranks either after', () => {
    expect(isDense(DENSE_FEATURE)).toBe(true);
    expect(isDense(DENSE_FEATURE - 1e-9)).toBe(false);
    for (const unknown of [undefined, null, NaN]) expect(isDense(unknown)).toBe(false);
    expect(densePercent(0.345)).toBe(35);
    expect(rankedAfter(0.5, false)).toBe(true);
    expect(rankedAfter(0.01, true)).toBe(true);
    expect(rankedAfter(0.01, false)).toBe(false);
    expect(rankedAfter(undefined, undefined)).toBe(false);
    expect(featureTags(0.345, true)).toEqual(['dense 35%', 'positional']);
    expect(featureTags(0.01, undefined)).toEqual([]);
  });

  it('says how unusual an activation is only where the typical activation is known', () => {
    expect(unusualRatio(3, 1.5)).toBe(2);
    expect(unusualRatio(3, 0)).toBeUndefined();
    expect(unusualRatio(3, undefined)).toBeUndefined();
    expect(unusualRatio(NaN, 1)).toBeUndefined();
  });
});
