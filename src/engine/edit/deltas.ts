// What an edit does to a hook's activation rows. For the features an edit names, the old activation f_i
// is the dictionary's float32 encoding: computed here per edited feature for standard and jumprelu
// dictionaries (f_i depends on pre_i alone), from a float32 encoder session of its own (built on first
// use, whatever precision the analysis encoders use) where every feature is needed (topk's threshold is
// the k-th largest pre-activation; a splice needs them all). The row becomes x + sum_i (f_i' - f_i) W_dec[i] / s (s: the dictionary's
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
  private session: Promise<ort.InferenceSession> | null = null;

  constructor(
    readonly spec: DictionarySpec,
    private readonly tuning: SessionTuning,
  ) {}

  private encoder(): Promise<ort.InferenceSession> {
    this.session ??= ort.InferenceSession.create(buildEncoderModel(this.spec, { precision: 'float32', featureActs: true }), sessionOptions(this.tuning));
    return this.session;
  }

  /** Every feature's activation for the rows [m, d_in]: [m, d_sae]. */
  private async allActivations(batch: Float32Array, m: number): Promise<Float32Array> {
    const out = await (await this.encoder()).run(
      { x: new ort.Tensor('float32', batch, [m, this.spec.dIn]), n_top: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]) },
      ['feature_acts'],
    );
    return out.feature_acts.data as Float32Array;
  }

  /** Activation of feature i for one row, as the encoder computes it (standard and jumprelu only). */
  private activation(row: Float32Array, i: number): number {
    const { dIn: d, dSae, W_enc, b_enc, b_dec, applyBDecToInput, threshold, architecture } = this.spec;
    const s = this.inputScale;
    let pre = b_enc[i];
    for (let c = 0; c < d; c++) pre += (row[c] * s - (applyBDecToInput ? b_dec[c] : 0)) * W_enc[c * dSae + i];
    if (architecture === 'jumprelu') return threshold && pre > threshold[i] ? Math.max(pre, 0) : 0;
    return Math.max(pre, 0);
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
    const needAll = this.spec.architecture === 'topk' || touched.some((r) => rowEdits[r].some((e) => e.op === 'splice'));
    let acts: Float32Array | null = null;
    if (needAll) {
      const batch = new Float32Array(touched.length * d);
      touched.forEach((r, j) => batch.set(rows.subarray(r * d, (r + 1) * d), j * d));
      acts = await this.allActivations(batch, touched.length);
    }
    const s = this.inputScale;
    let changed = false;
    const acc = new Float64Array(d);
    touched.forEach((r, j) => {
      const edits = rowEdits[r];
      const splice = edits.some((e) => e.op === 'splice');
      const features = [...new Set(edits.flatMap((e) => (e.op === 'splice' ? [] : [e.feature])))];
      const row = rows.subarray(r * d, (r + 1) * d);
      const old = (i: number) => (acts ? acts[j * dSae + i] : this.activation(row, i));
      if (splice) {
        // x' = (f' W_dec + b_dec) / s over the active features of f' (edited ones included).
        for (let c = 0; c < d; c++) acc[c] = b_dec[c];
        for (let i = 0; i < dSae; i++) {
          const v = features.includes(i) ? editedValue(old(i), edits, i) : old(i);
          if (v !== 0) for (let c = 0; c < d; c++) acc[c] += v * W_dec[i * d + c];
        }
        for (let c = 0; c < d; c++) row[c] = acc[c] / s;
        changed = true;
        return;
      }
      acc.fill(0);
      let rowChanged = false;
      for (const i of features) {
        const f = old(i);
        const delta = editedValue(f, edits, i) - f;
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
    if (this.session) await (await this.session).release();
  }
}
