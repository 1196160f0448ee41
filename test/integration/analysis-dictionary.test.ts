// SAELens encode parity: our ONNX encoder graph vs a straightforward JS reference of SAELens's encode,
// for all three architectures, both apply_b_dec_to_input settings and both normalisations.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildEncoderModel, type DictionarySpec, type SaeArchitecture } from '../../src/engine/dictionary';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function randn(r: () => number, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() + r() + r() - 1.5) * 2 * scale;
  return a;
}

function makeDict(arch: SaeArchitecture, applyBDec: boolean, norm: 'none' | 'expected_average_only_in'): DictionarySpec {
  const r = rng(arch.length * 7 + (applyBDec ? 1 : 0) + (norm === 'none' ? 0 : 3));
  const dIn = 24;
  const dSae = 96;
  return {
    hookName: 'blocks.0.hook_resid_post',
    architecture: arch,
    dIn,
    dSae,
    k: arch === 'topk' ? 8 : undefined,
    applyBDecToInput: applyBDec,
    normalizeActivations: norm,
    scalingFactor: norm === 'none' ? undefined : 0.37,
    W_enc: randn(r, dIn * dSae, 0.4),
    W_dec: randn(r, dSae * dIn, 0.4),
    b_enc: randn(r, dSae, 0.2),
    b_dec: randn(r, dIn, 0.3),
    threshold: arch === 'jumprelu' ? Float32Array.from(randn(r, dSae, 0.3), (v) => v) : undefined,
  };
}

/** SAELens encode/decode written out plainly (float64 accumulation). */
function reference(d: DictionarySpec, x: Float32Array, n: number) {
  const s = d.normalizeActivations === 'expected_average_only_in' ? d.scalingFactor ?? 1 : 1;
  const acts = new Float64Array(n * d.dSae);
  const ev = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const xin = new Float64Array(d.dIn);
    for (let i = 0; i < d.dIn; i++) xin[i] = x[t * d.dIn + i] * s - (d.applyBDecToInput ? d.b_dec[i] : 0);
    const pre = new Float64Array(d.dSae);
    for (let j = 0; j < d.dSae; j++) {
      let a = d.b_enc[j];
      for (let i = 0; i < d.dIn; i++) a += xin[i] * d.W_enc[i * d.dSae + j];
      pre[j] = a;
    }
    const f = new Float64Array(d.dSae);
    if (d.architecture === 'standard') for (let j = 0; j < d.dSae; j++) f[j] = Math.max(0, pre[j]);
    else if (d.architecture === 'jumprelu') for (let j = 0; j < d.dSae; j++) f[j] = pre[j] > d.threshold![j] ? Math.max(0, pre[j]) : 0;
    else {
      const order = [...pre.keys()].sort((a, b) => pre[b] - pre[a]).slice(0, d.k!);
      for (const j of order) f[j] = Math.max(0, pre[j]);
    }
    acts.set(f, t * d.dSae);
    let err = 0;
    let mean = 0;
    for (let i = 0; i < d.dIn; i++) mean += x[t * d.dIn + i] / d.dIn;
    let vr = 0;
    for (let i = 0; i < d.dIn; i++) {
      let rec = d.b_dec[i];
      for (let j = 0; j < d.dSae; j++) rec += f[j] * d.W_dec[j * d.dIn + i];
      const diff = x[t * d.dIn + i] - rec / s;
      err += diff * diff;
      vr += (x[t * d.dIn + i] - mean) ** 2;
    }
    ev[t] = 1 - err / vr;
  }
  return { acts, ev };
}

describe('dictionary encoder graph matches SAELens encode', () => {
  const cases: [SaeArchitecture, boolean, 'none' | 'expected_average_only_in'][] = [];
  for (const a of ['standard', 'topk', 'jumprelu'] as SaeArchitecture[])
    for (const b of [true, false]) for (const nrm of ['none', 'expected_average_only_in'] as const) cases.push([a, b, nrm]);

  it.each(cases)('%s apply_b_dec_to_input=%s normalize=%s', async (arch, applyBDec, norm) => {
    const d = makeDict(arch, applyBDec, norm);
    const n = 17;
    const x = randn(rng(99), n * d.dIn, 1.5);
    const session = await ort.InferenceSession.create(buildEncoderModel(d));
    const out = await session.run(
      { x: new ort.Tensor('float32', x, [n, d.dIn]), n_top: new ort.Tensor('int64', BigInt64Array.from([5n]), [1]) },
      ['feature_acts', 'explained_variance', 'top_idx', 'top_val', 'l0'],
    );
    const ref = reference(d, x, n);
    const acts = out.feature_acts.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < acts.length; i++) maxDiff = Math.max(maxDiff, Math.abs(acts[i] - ref.acts[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    const ev = out.explained_variance.data as Float32Array;
    for (let t = 0; t < n; t++) expect(Math.abs(ev[t] - ref.ev[t])).toBeLessThanOrEqual(1e-4);
    // top-n are the largest activations, descending; l0 counts the non-zero ones.
    const idx = out.top_idx.data as BigInt64Array;
    const val = out.top_val.data as Float32Array;
    const l0 = out.l0.data as Float32Array;
    for (let t = 0; t < n; t++) {
      const row = Array.from(ref.acts.subarray(t * d.dSae, (t + 1) * d.dSae));
      const sorted = [...row].sort((a, b) => b - a);
      for (let j = 0; j < 5; j++) {
        expect(Math.abs(val[t * 5 + j] - sorted[j])).toBeLessThanOrEqual(1e-4);
        expect(Math.abs(row[Number(idx[t * 5 + j])] - val[t * 5 + j])).toBeLessThanOrEqual(1e-4);
      }
      expect(l0[t]).toBe(row.filter((v) => v > 0).length);
    }
    if (arch === 'topk') expect(Math.max(...l0)).toBeLessThanOrEqual(d.k!);
    await session.release();
  });
});
