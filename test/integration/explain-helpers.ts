// Invariants every explanation must satisfy, shared by the explain tests: each attribution group adds
// up to the logit (1e-3), attention rows are distributions over the window up to the position, and the
// lens reads every block's resid_pre and then the last resid_post.
import { expect } from 'vitest';
import type { Explanation } from '../../src/engine';

export function groupSumsOf(e: Explanation): Map<string, number> {
  const sums = new Map<string, number>();
  for (const t of e.attribution) sums.set(t.group, (sums.get(t.group) ?? 0) + t.value);
  return sums;
}

export function checkExplanation(e: Explanation, nLayers: number, nHeads: number): void {
  const sums = groupSumsOf(e);
  expect(sums.has('model')).toBe(true);
  for (const [group, sum] of sums) expect(Math.abs(sum - e.logit), `${group} at ${e.position}`).toBeLessThanOrEqual(1e-3);
  expect([...sums.keys()]).toEqual(e.groups.map((g) => g.name));
  const model = e.attribution.filter((t) => t.group === 'model');
  expect(model.filter((t) => t.kind === 'head').map((t) => `L${t.layer}H${t.head}`)).toEqual(
    Array.from({ length: nLayers * nHeads }, (_, i) => `L${Math.floor(i / nHeads)}H${i % nHeads}`),
  );
  expect(model.filter((t) => t.kind === 'mlp')).toHaveLength(nLayers);
  expect(model.filter((t) => t.kind === 'attn_bias')).toHaveLength(nLayers);

  expect(e.lens.map((l) => l.hook)).toEqual([...Array.from({ length: nLayers }, (_, l) => `blocks.${l}.hook_resid_pre`), `blocks.${nLayers - 1}.hook_resid_post`]);
  for (const l of e.lens) {
    for (let j = 1; j < l.topk.length; j++) expect(l.topk[j].prob).toBeLessThanOrEqual(l.topk[j - 1].prob);
    expect(l.targetRank).toBeGreaterThanOrEqual(0);
    if (l.targetRank < l.topk.length) expect(l.topk[l.targetRank].prob).toBeCloseTo(l.targetProb, 6);
  }

  expect(e.attention).toHaveLength(nLayers * nHeads);
  expect(e.windowStart).toBeLessThanOrEqual(e.position);
  for (const a of e.attention) {
    expect(a.name).toBe(`L${a.layer}H${a.head}`);
    // One weight per token windowStart..position: nothing after the position.
    expect(a.weights).toHaveLength(e.position - e.windowStart + 1);
    expect(a.weights.every((w) => w >= 0)).toBe(true);
    expect(Math.abs(a.weights.reduce((s, w) => s + w, 0) - 1)).toBeLessThan(1e-6);
    expect(a.maxWeight).toBe(Math.max(...a.weights));
    expect(a.meanDistance).toBeGreaterThanOrEqual(0);
    expect(a.meanDistance).toBeLessThanOrEqual(e.position - e.windowStart);
  }
}
