// Measures, for every dictionary of a bundle, how far its int8 encoder's features are from float32's on
// held-out text (dictionary/agreement.ts), so a bundle's manifest can mark an encoder int8 only where the
// bars are met. Used by `activation-inspector quantize-check` and the int8 integration test.
import path from 'node:path';
import { loadBundle, loadSaeFolder } from '../bundle';
import { DictionaryEncoder, encoderAgreement, encoderManifestEntry, meetsAgreementBars, type EncodedRows, type EncoderAgreement, type EncoderPrecision } from '../dictionary';
import type { Result } from '../types';
import { toSpec } from './bundle-source';
import { Engine } from './engine';
import { failure } from './failure';

/** Features compared per token (the manifest's figure is named top8_overlap after it). */
export const AGREEMENT_FEATURES = 8;
const BATCH = 512;

/** Every row of `x` (rows x d) through `enc`, in batches, keeping `per` features a row. */
export async function encodeInBatches(enc: DictionaryEncoder, x: Float32Array, rows: number, per: number = AGREEMENT_FEATURES): Promise<EncodedRows> {
  const d = enc.spec.dIn;
  const idx = new Int32Array(rows * per);
  const act = new Float32Array(rows * per);
  const ev = new Float32Array(rows);
  for (let a = 0; a < rows; a += BATCH) {
    const b = Math.min(rows, a + BATCH);
    const e = await enc.encode(x.slice(a * d, b * d), b - a, per);
    idx.set(e.idx, a * per);
    act.set(e.act, a * per);
    ev.set(e.ev, a);
  }
  return { idx, act, ev };
}

/** The float32 and int8 encoders of a bundle's dictionary folder (relative to the bundle). */
export async function encoderPair(bundleDir: string, dictionaryPath: string, threads = 2): Promise<{ exact: DictionaryEncoder; quantised: DictionaryEncoder }> {
  const loaded = await loadSaeFolder(path.join(bundleDir, dictionaryPath));
  if (!loaded.ok) throw new Error(loaded.error.message);
  const make = (precision: EncoderPrecision) => DictionaryEncoder.create(toSpec(loaded.value, precision), { threads });
  return { exact: await make('float32'), quantised: await make('int8') };
}

export interface EncoderCheck {
  hook: string;
  /** What the manifest says now. */
  precision: EncoderPrecision;
  agreement: EncoderAgreement;
  meetsBars: boolean;
}

export interface EncoderCheckOptions {
  threads?: number;
  workerPath?: string;
}

/** Analyses `text` with the bundle's model, then encodes every token's activations with each dictionary's
 *  float32 and int8 encoders and compares them. */
export async function checkEncoders(bundleDir: string, text: string, opts: EncoderCheckOptions = {}): Promise<Result<{ tokens: number; hooks: EncoderCheck[] }>> {
  const bundle = await loadBundle(bundleDir);
  if (!bundle.ok) return bundle;
  const opened = await Engine.open(bundleDir, { threads: opts.threads, workerPath: opts.workerPath });
  if (!opened.ok) return opened;
  const engine = opened.value;
  try {
    const analysed = await engine.analyze('encoder-check', text, { topK: 1, featuresPerToken: 1, hooks: [], includeActivations: true });
    if (!analysed.ok) return analysed;
    const rows = analysed.value.tokens.length;
    const hooks: EncoderCheck[] = [];
    for (const d of bundle.value.manifest.dictionaries ?? []) {
      const x = analysed.value.activations?.[d.hook_name];
      if (!x) return failure('internal', `no activations for ${d.hook_name}`);
      const { exact, quantised } = await encoderPair(bundleDir, d.path, opts.threads);
      try {
        const agreement = encoderAgreement(await encodeInBatches(exact, x, rows), await encodeInBatches(quantised, x, rows), rows, AGREEMENT_FEATURES);
        hooks.push({ hook: d.hook_name, precision: d.encoder?.precision ?? 'float32', agreement, meetsBars: meetsAgreementBars(agreement) });
      } finally {
        await exact.release();
        await quantised.release();
      }
    }
    return { ok: true, value: { tokens: rows, hooks } };
  } finally {
    await engine.dispose();
  }
}

/** manifest.json's object with each checked dictionary's `encoder` entry written (int8 with the figures
 *  measured on `text`, where the bars are met) or removed (float32); everything else is kept as it was. */
export function markEncoders(manifest: Record<string, unknown>, hooks: readonly EncoderCheck[], text: string): Record<string, unknown> {
  const dictionaries = Array.isArray(manifest.dictionaries) ? (manifest.dictionaries as Record<string, unknown>[]) : [];
  return {
    ...manifest,
    dictionaries: dictionaries.map((d) => {
      const check = hooks.find((h) => h.hook === d.hook_name);
      if (!check) return d;
      const { encoder: _previous, ...rest } = d;
      const entry = encoderManifestEntry(check.agreement, text);
      return entry ? { ...rest, encoder: entry } : rest;
    }),
  };
}
