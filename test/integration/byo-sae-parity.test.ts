// SAELens folders as they sit on disk (v6 and pre-v6 cfg.json, F32 and F16 weights, every architecture,
// apply_b_dec_to_input true/false, normalize_activations none/expected_average_only_in with the
// activation_scaler.json of a SAELens training checkpoint), loaded by the engine's loader and encoded by its
// dictionary graph, must match training/sae_reference.py, a numpy float64 reference of SAELens's
// encode, within 1e-4 on every activation. Small d_sae here; the d_sae 24,576 check on real GPT-2-shaped
// activations is in byo-gpt2-small.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineEncode, loadSpec, maxAbsDiff, py, pythonMissing, readF32 } from './byo-helpers';

const missing = pythonMissing(['numpy']);
if (missing) console.warn(`byo-sae-parity skipped: ${missing}`);

interface Variant {
  name: string;
  folder: string;
  architecture: string;
  apply_b_dec_to_input: boolean;
  scaling_factor: number | null;
  expected: string;
  ambiguous: number[];
  active_fraction: number;
}

describe.skipIf(missing !== null)('SAELens folders: engine encode vs numpy SAELens reference', () => {
  let dir = '';
  let index: { d_in: number; d_sae: number; n: number; variants: Variant[] };
  let x: Float32Array;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'byo-sae-'));
    py('sae_reference.py', ['fixtures', '--out', dir, '--d-in', '64', '--d-sae', '512', '--n', '48', '--k', '16']);
    index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    x = readF32(path.join(dir, 'inputs.f32'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('covers every architecture, both cfg layouts, both b_dec settings and both normalisations', () => {
    const names = index.variants.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['standard-pre-v6', 'topk-pre-v6', 'topk-v6-no-b-dec', 'jumprelu-v6-expected-average', 'jumprelu-v6-f16']));
    // Fixtures where nothing or everything fires would make the comparison vacuous.
    for (const v of index.variants) {
      expect(v.active_fraction, v.name).toBeGreaterThan(0.01);
      expect(v.active_fraction, v.name).toBeLessThan(0.6);
    }
  });

  it.each(['standard-v6', 'standard-v6-expected-average-no-factor', 'standard-pre-v6', 'topk-v6-no-b-dec', 'topk-pre-v6', 'jumprelu-v6-expected-average', 'jumprelu-v6-f16'])(
    '%s matches within 1e-4',
    async (name) => {
      const v = index.variants.find((e) => e.name === name)!;
      const spec = await loadSpec(path.join(dir, v.folder));
      expect(spec.architecture).toBe(v.architecture);
      expect(spec.applyBDecToInput).toBe(v.apply_b_dec_to_input);
      // expected_average_only_in: s from activation_scaler.json; without one, none applied (as SAELens)
      if (v.scaling_factor !== null) expect(spec.scalingFactor).toBeCloseTo(v.scaling_factor, 6);
      else expect(spec.scalingFactor ?? 1).toBe(1);
      const acts = await engineEncode(spec, x, index.n);
      const expected = readF32(path.join(dir, v.expected));
      expect(v.ambiguous.length).toBe(0); // fixtures keep thresholds and top-k boundaries clear of rounding
      expect(maxAbsDiff(acts, expected)).toBeLessThanOrEqual(1e-4);
      if (v.architecture === 'topk') {
        const k = spec.k!;
        for (let t = 0; t < index.n; t++) {
          let nz = 0;
          for (let j = 0; j < index.d_sae; j++) if (acts[t * index.d_sae + j] !== 0) nz++;
          expect(nz).toBeLessThanOrEqual(k);
        }
      }
    },
  );

  it('would notice a wrong apply_b_dec_to_input, a missing threshold or an ignored scaling factor (the comparison has teeth)', async () => {
    const v = index.variants.find((e) => e.name === 'jumprelu-v6-expected-average')!;
    const spec = await loadSpec(path.join(dir, v.folder));
    const expected = readF32(path.join(dir, v.expected));
    const flipped = await engineEncode({ ...spec, applyBDecToInput: !spec.applyBDecToInput }, x, index.n);
    expect(maxAbsDiff(flipped, expected)).toBeGreaterThan(1e-2);
    const asStandard = await engineEncode({ ...spec, architecture: 'standard', threshold: undefined }, x, index.n);
    expect(maxAbsDiff(asStandard, expected)).toBeGreaterThan(1e-2);
    const unscaled = await engineEncode({ ...spec, normalizeActivations: 'none', scalingFactor: undefined }, x, index.n);
    expect(maxAbsDiff(unscaled, expected)).toBeGreaterThan(1e-2);
  });
});
