// What an edit does to a hook's activation rows. For the features an edit names, the old activation f_i
// comes from the dictionary's float32 encoder (its own session, so edits stay exact whatever precision
// the analysis encoders use); the row becomes x + sum_i (f_i' - f_i) W_dec[i] / s (s: the dictionary's
// input scaling), so the error term and every other feature are kept. A splice replaces the row by the
// reconstruction (f' W_dec + b_dec) / s of the (possibly edited) features: the error term is dropped.
import * as ort from 'onnxruntime-node';
import { buildEncoderModel, type DictionarySpec } from '../dictionary';
import { sessionOptions, type SessionTuning } from '../onnx';
import type { FeatureEdit } from './types';

/** The new value of one feature after the edits, applied in order. */
function editedValue(old: number, edits: readonly FeatureEdit[], feature: number): number {
  let v = old;
  for (const e of edits) {
    if (e.op === 'splice' || e.feature !== feature) continue;
    v = e.op === 'ablate' ? 0 : e.op === 'scale' ? v * e.factor : e.value;
  }
  return v;
}

export class HookEditor {
  private constructor(
    readonly spec: DictionarySpec,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(spec: DictionarySpec, tuning: SessionTuning): Promise<HookEditor> {
    const bytes = buildEncoderModel(spec, { precision: 'float32', featureActs: true });
    return new HookEditor(spec, await ort.InferenceSession.create(bytes, sessionOptions(tuning)));
  }

  private get inputScale(): number {
    const s = this.spec;
    return s.normalizeActivations === 'expected_average_only_in' ? s.scalingFactor ?? 1 : 1;
  }

  /**
   * Edits rows [m, d_in] of activations in place; `rowEdits[r]` lists the edits that cover row r (empty:
   * the row stays as it is). Returns whether any value changed (an identity edit changes none).
   */
  async apply(rows: Float32Array, rowEdits: readonly (readonly FeatureEdit[])[]): Promise<{ changed: boolean; ms: number }> {
    const t0 = performance.now();
    const { dIn: d, dSae, W_dec, b_dec } = this.spec;
    const touched = rowEdits.flatMap((e, r) => (e.length ? [r] : []));
    if (!touched.length) return { changed: false, ms: 0 };
    const batch = new Float32Array(touched.length * d);
    touched.forEach((r, j) => batch.set(rows.subarray(r * d, (r + 1) * d), j * d));
    const out = await this.session.run(
      { x: new ort.Tensor('float32', batch, [touched.length, d]), n_top: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]) },
      ['feature_acts'],
    );
    const acts = out.feature_acts.data as Float32Array;
    const s = this.inputScale;
    let changed = false;
    const acc = new Float64Array(d);
    touched.forEach((r, j) => {
      const edits = rowEdits[r];
      const f = acts.subarray(j * dSae, (j + 1) * dSae);
      const splice = edits.some((e) => e.op === 'splice');
      const features = [...new Set(edits.flatMap((e) => (e.op === 'splice' ? [] : [e.feature])))];
      const row = rows.subarray(r * d, (r + 1) * d);
      if (splice) {
        // x' = (f' W_dec + b_dec) / s over the active features of f' (edited ones included).
        for (let c = 0; c < d; c++) acc[c] = b_dec[c];
        for (let i = 0; i < dSae; i++) {
          const v = features.includes(i) ? editedValue(f[i], edits, i) : f[i];
          if (v !== 0) for (let c = 0; c < d; c++) acc[c] += v * W_dec[i * d + c];
        }
        for (let c = 0; c < d; c++) row[c] = acc[c] / s;
        changed = true;
        return;
      }
      acc.fill(0);
      let rowChanged = false;
      for (const i of features) {
        const delta = editedValue(f[i], edits, i) - f[i];
        if (delta === 0) continue;
        rowChanged = true;
        for (let c = 0; c < d; c++) acc[c] += delta * W_dec[i * d + c];
      }
      if (!rowChanged) return;
      for (let c = 0; c < d; c++) row[c] += acc[c] / s;
      changed = true;
    });
    return { changed, ms: performance.now() - t0 };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
