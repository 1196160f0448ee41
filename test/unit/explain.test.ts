// The pure parts of explain on random small models: the attribution terms add up to a logit computed
// straight from LayerNorm + unembedding (model group, residual and MLP dictionary groups, versus); one
// head's row equals a naive softmax attention; the lens milestones and feature lookup; and the
// main-thread request bookkeeping (supersession per document, cancellation, close).
import { describe, expect, it } from 'vitest';
import { ExplainRequests } from '../../src/engine/analysis/explain-requests';
import { headAttention, headResult, headRows, layerNorm } from '../../src/engine/explain/attention';
import { dictionaryGroup, logitDirection, modelTerms } from '../../src/engine/explain/attribution';
import { featureEffect, lensMilestones } from '../../src/engine/explain/summary';
import type { Explanation, LensLayer, WorkerExplain } from '../../src/engine/explain/types';
import type { ExplainWeights, LayerWeights } from '../../src/engine/explain/weights';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
const rand = (r: () => number, n: number, scale = 1) => Float32Array.from({ length: n }, () => r() * scale);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const d = 16;
const H = 4;
const dh = d / H;
const dMlp = 24;
const vocab = 30;

function weights(r: () => number): ExplainWeights {
  const layer = (): LayerWeights => ({
    ln1W: rand(r, d), ln1B: rand(r, d), qW: rand(r, d * d, 0.3), qB: rand(r, d, 0.1),
    outW: rand(r, d * d, 0.3), outB: rand(r, d, 0.1), mlpOutW: rand(r, dMlp * d, 0.3), mlpOutB: rand(r, d, 0.1),
  });
  return { wte: rand(r, vocab * d), wpe: rand(r, 8 * d), lnfW: rand(r, d), lnfB: rand(r, d), eps: 1e-5, layers: [layer(), layer()] };
}

/** logit straight from the definition: ln_f(x) · (W_U[:, t] - W_U[:, u]). */
function directLogit(x: Float64Array, w: ExplainWeights, t: number, u: number | null): number {
  const n = layerNorm(x, w.lnfW, w.lnfB, w.eps);
  let s = 0;
  for (let i = 0; i < d; i++) s += n[i] * (w.wte[t * d + i] - (u === null ? 0 : w.wte[u * d + i]));
  return s;
}

describe('direct logit attribution', () => {
  const r = rng(7);
  const w = weights(r);
  // A residual stream built from components, as a model builds it.
  const embed = w.wte.subarray(3 * d, 4 * d);
  const pos = w.wpe.subarray(2 * d, 3 * d);
  const heads = [0, 1].map(() => Array.from({ length: H }, () => Float64Array.from(rand(r, d, 0.5))));
  const post = [0, 1].map(() => rand(r, dMlp)); // mlp.hook_post of each layer
  const mlpOut = post.map((p, l) => {
    const o = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      o[j] = w.layers[l].mlpOutB![j];
      for (let i = 0; i < dMlp; i++) o[j] += p[i] * w.layers[l].mlpOutW![i * d + j];
    }
    return o;
  });
  const stream: Float64Array[] = [];
  const x = new Float64Array(d);
  for (let i = 0; i < d; i++) x[i] = embed[i] + pos[i];
  for (let l = 0; l < 2; l++) {
    stream.push(x.slice()); // resid_pre l
    for (let i = 0; i < d; i++) x[i] += sum(heads[l].map((h) => h[i])) + w.layers[l].outB[i];
    for (let i = 0; i < d; i++) x[i] += mlpOut[l][i];
  }

  for (const versus of [null, 11]) {
    it(`every group adds up to ${versus === null ? 'the logit' : 'the logit difference'}`, () => {
      const dir = logitDirection(x, w, 5, versus);
      expect(dir.logit).toBeCloseTo(directLogit(x, w, 5, versus), 10);
      const model = modelTerms(dir, { embed, posEmbed: pos, headOutputs: heads, mlpOutputs: mlpOut }, w);
      expect(sum(model.map((t) => t.value))).toBeCloseTo(dir.logit, 10);
      // A dictionary on blocks.1.hook_resid_pre with a scaled input, and one on blocks.0.mlp.hook_post.
      const dSae = 10;
      for (const [hook, xh, dIn, scale] of [['blocks.1.hook_resid_pre', stream[1], d, 0.5], ['blocks.0.mlp.hook_post', post[0], dMlp, 1]] as const) {
        const acts = Float32Array.from(rand(r, dSae), (v) => Math.max(0, v)); // some silent
        const g = dictionaryGroup({ hook, x: xh, acts, W_dec: rand(r, dSae * dIn), b_dec: rand(r, dIn), scale }, model, dir, w)!;
        expect(g.path).toBe(hook.includes('mlp') ? 'mlp-out' : 'residual');
        expect(sum(g.terms.map((t) => t.value))).toBeCloseTo(dir.logit, 9);
        expect(g.terms.filter((t) => t.kind === 'feature')).toHaveLength(acts.filter((a) => a > 0).length);
        // The residual group keeps only what comes after its hook: block 1's heads, bias and MLP.
        if (!hook.includes('mlp')) expect(g.terms.filter((t) => t.kind === 'head').every((t) => t.layer === 1)).toBe(true);
        else expect(g.terms.some((t) => t.kind === 'mlp' && t.layer === 0)).toBe(false);
      }
      expect(dictionaryGroup({ hook: 'blocks.0.attn.hook_z', x: stream[0], acts: new Float32Array(2), W_dec: new Float32Array(2 * d), b_dec: new Float32Array(d), scale: 1 }, model, dir, w)).toBeNull();
    });
  }
});

describe('attention row', () => {
  it('is the softmax of the query against the cached keys, and its head outputs follow W_O', () => {
    const r = rng(3);
    const w = weights(r).layers[0];
    const len = 6;
    const keys = rand(r, H * len * dh);
    const values = rand(r, H * len * dh);
    const resid = rand(r, d);
    const rows = headRows(resid, w, keys, values, len, { nHeads: H, dHead: dh, eps: 1e-5 });
    const ln = layerNorm(resid, w.ln1W, w.ln1B, 1e-5);
    for (let h = 0; h < H; h++) {
      const q = Array.from({ length: dh }, (_, k) => w.qB[h * dh + k] + sum(Array.from(ln, (v, i) => v * w.qW[i * d + h * dh + k])));
      const scores = Array.from({ length: len }, (_, j) => sum(q.map((qk, k) => qk * keys[(h * len + j) * dh + k])) / Math.sqrt(dh));
      const e = scores.map((s) => Math.exp(s - Math.max(...scores)));
      e.forEach((v, j) => expect(rows[h].pattern[j]).toBeCloseTo(v / sum(e), 12));
      const out = headResult(rows[h].z, h, w.outW, d);
      const want = Array.from({ length: d }, (_, o) => sum(Array.from(rows[h].z, (z, k) => z * w.outW[(h * dh + k) * d + o])));
      out.forEach((v, o) => expect(v).toBeCloseTo(want[o], 12));
    }
    const a = headAttention(1, 2, Float64Array.from([0.1, 0.6, 0.3]), 40);
    expect(a).toMatchObject({ name: 'L1H2', maxWeight: 0.6, maxToken: 41, weights: [0.1, 0.6, 0.3] });
    expect(a.meanDistance).toBeCloseTo(0.1 * 2 + 0.6 * 1, 12);
    expect(a.entropy).toBeCloseTo(-(0.1 * Math.log(0.1) + 0.6 * Math.log(0.6) + 0.3 * Math.log(0.3)), 12);
  });
});

describe('summaries', () => {
  const lens = (ranks: number[]): LensLayer[] => ranks.map((targetRank, i) => ({ hook: `h${i}`, topk: [], targetProb: 0, targetRank }));
  it('lensMilestones: first entry in the top 1 and top 10, or null', () => {
    expect(lensMilestones(lens([500, 7, 0]))).toEqual({ top1: { index: 2, hook: 'h2', afterBlocks: 2 }, top10: { index: 1, hook: 'h1', afterBlocks: 1 } });
    expect(lensMilestones(lens([50, 12, 11]))).toEqual({ top1: null, top10: null });
  });
  it('featureEffect: the term, 0 when silent, undefined without a group', () => {
    const e: Pick<Explanation, 'attribution' | 'groups'> = {
      attribution: [{ group: 'blocks.1.hook_resid_post', kind: 'feature', hook: 'blocks.1.hook_resid_post', feature: 4, activation: 2, value: 0.7 }],
      groups: [{ name: 'model', sum: 1 }, { name: 'blocks.1.hook_resid_post', sum: 1, path: 'residual' }],
    };
    expect(featureEffect(e, 'blocks.1.hook_resid_post', 4)).toBe(0.7);
    expect(featureEffect(e, 'blocks.1.hook_resid_post', 5)).toBe(0);
    expect(featureEffect(e, 'blocks.0.hook_resid_post', 4)).toBeUndefined();
  });
});

describe('ExplainRequests', () => {
  function setup() {
    const posted: WorkerExplain[] = [];
    const aborted: number[] = [];
    const q = new ExplainRequests({ post: (m) => posted.push(m), abort: (id) => aborted.push(id) }, 'm');
    const reply = (id: number) => q.reply({ type: 'explanation', id, result: { ok: true, value: { position: 1 } as Explanation } });
    return { q, posted, aborted, reply };
  }
  it('a newer request for the same document supersedes the older at once; other documents are untouched', async () => {
    const { q, posted, aborted, reply } = setup();
    const a = q.submit('doc', 't', { token: 1 }, {});
    const b = q.submit('doc', 't', { token: 2 }, {});
    const c = q.submit('other', 't', { token: 1 }, {});
    expect(posted.map((m) => m.id)).toEqual([-1, -2, -3]);
    expect(aborted).toEqual([]); // the worker drops it when the newer one arrives; the flag is left alone
    expect(await a).toMatchObject({ ok: false, error: { kind: 'superseded' } });
    reply(-1); // late reply of the superseded one: ignored
    reply(-2);
    reply(-3);
    expect(await b).toEqual({ ok: true, value: { position: 1, modelId: 'm' } });
    expect((await c).ok).toBe(true);
    expect(q.waiting).toBe(0);
  });
  it('an abort signal cancels, and close answers everything left', async () => {
    const { q, aborted } = setup();
    const ac = new AbortController();
    const a = q.submit('doc', 't', { token: 1 }, {}, ac.signal);
    ac.abort();
    expect(await a).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    expect(aborted).toEqual([-1]);
    const b = q.submit('doc2', 't', { token: 1 }, {});
    q.close({ kind: 'internal', message: 'worker stopped' });
    expect(await b).toMatchObject({ ok: false, error: { kind: 'internal' } });
    expect(await q.submit('doc3', 't', { token: 1 }, {})).toMatchObject({ ok: false, error: { message: 'worker stopped' } });
  });
});
