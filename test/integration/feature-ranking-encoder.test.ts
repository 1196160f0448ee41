// The encoder session's 'unusual' order (src/engine/dictionary/feature-ranking.ts) in real ONNX Runtime:
// per token it lists, among ALL the features active there (the dense feature_acts), the `per` with the
// largest activation / typical activation, dense/positional ones after the others, with raw activations;
// 'activation' keeps the strongest first, as before.
import { afterAll, describe, expect, it } from 'vitest';
import { DictionaryEncoder, toRanking, type DictionarySpec, type SaeArchitecture } from '../../src/engine/dictionary';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const randn = (r: () => number, n: number, scale: number) => Float32Array.from({ length: n }, () => (r() + r() + r() - 1.5) * 2 * scale);

const D_IN = 16;
const D_SAE = 64;

function spec(arch: SaeArchitecture, seed: number): DictionarySpec {
  const r = rng(seed);
  const typical = Array.from({ length: D_SAE }, (_, i) => (i % 13 === 0 ? 0 : 0.05 + r() * 2));
  const after = (i: number) => i % 7 === 0;
  return {
    hookName: 'blocks.0.hook_resid_post', architecture: arch, dIn: D_IN, dSae: D_SAE, k: arch === 'topk' ? 12 : undefined,
    applyBDecToInput: true, normalizeActivations: 'none',
    W_enc: randn(r, D_IN * D_SAE, 0.5), W_dec: randn(r, D_SAE * D_IN, 0.5), b_enc: randn(r, D_SAE, 0.1), b_dec: randn(r, D_IN, 0.2),
    threshold: arch === 'jumprelu' ? Float32Array.from({ length: D_SAE }, () => 0.1) : undefined,
    ranking: toRanking(D_SAE, typical, after),
  };
}

/** The order written out: every firing feature of the dense row, sorted. */
function expected(acts: Float32Array, per: number, s: DictionarySpec): number[] {
  const inv = s.ranking!.inverseTypical!;
  const after = s.ranking!.after!;
  const firing = [...acts.keys()].filter((i) => acts[i] > 0);
  firing.sort((a, b) => after[a] - after[b] || acts[b] * inv[b] - acts[a] * inv[a] || acts[b] - acts[a]);
  return firing.slice(0, per);
}

describe('encoder session: unusual order', () => {
  const encoders: DictionaryEncoder[] = [];
  afterAll(async () => {
    for (const e of encoders) await e.release();
  });

  for (const arch of ['topk', 'jumprelu', 'standard'] as const) {
    it(`${arch}: chooses among every active feature and keeps raw activations`, async () => {
      const s = spec(arch, arch.length);
      const enc = await DictionaryEncoder.create(s, { threads: 1 });
      encoders.push(enc);
      const m = 40;
      const rows = randn(rng(99), m * D_IN, 1);
      const per = 5;
      const dense = await enc.encode(rows, m, 1, { featureActs: true });
      const unusual = await enc.encode(rows, m, per, { order: 'unusual' });
      const plain = await enc.encode(rows, m, per, { order: 'activation' });
      let reordered = 0;
      for (let t = 0; t < m; t++) {
        const acts = dense.featureActs!.subarray(t * D_SAE, (t + 1) * D_SAE);
        const want = expected(acts, per, s);
        const got = Array.from(unusual.idx.subarray(t * per, t * per + want.length));
        expect(got, `token ${t}`).toEqual(want);
        for (let j = 0; j < want.length; j++) expect(unusual.act[t * per + j]).toBeCloseTo(acts[want[j]], 5);
        for (let j = want.length; j < per; j++) expect(unusual.act[t * per + j]).toBe(0);
        // 'activation': the strongest first, raw.
        const strongest = [...acts.keys()].filter((i) => acts[i] > 0).sort((a, b) => acts[b] - acts[a]).slice(0, per);
        expect(Array.from(plain.act.subarray(t * per, t * per + strongest.length))).toEqual(strongest.map((i) => acts[i]));
        if (want.join() !== strongest.join()) reordered++;
      }
      expect(reordered).toBeGreaterThan(0); // the test exercises a different order
    });
  }
});
