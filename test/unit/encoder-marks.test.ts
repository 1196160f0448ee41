// Which dictionaries a manifest may mark int8: the decision from measured agreement (bars met or not) and
// the manifest rewrite that follows (entry written, or removed so the encoder runs float32).
import { describe, expect, it } from 'vitest';
import { AGREEMENT_BARS, markEncoders, type EncoderAgreement, type EncoderCheck } from '../../src/engine';
import { encoderManifestEntry, meetsAgreementBars } from '../../src/engine/dictionary';

const good: EncoderAgreement = { tokens: 1000, top1: 0.99571, topOverlap: 0.9952, explainedVarianceDiff: 0.00004, meanRowExplainedVarianceDiff: 0.0007 };
const check = (hook: string, agreement: EncoderAgreement, precision: 'float32' | 'int8' = 'float32'): EncoderCheck => ({
  hook, precision, agreement, meetsBars: meetsAgreementBars(agreement),
});

describe('encoderManifestEntry', () => {
  it('marks int8 with rounded figures when every bar is met', () => {
    expect(encoderManifestEntry(good, 'held out: x')).toEqual({
      precision: 'int8',
      agreement: { text: 'held out: x', top1: 0.9957, top8_overlap: 0.9952, explained_variance_diff: 0.00004, mean_token_explained_variance_diff: 0.0007 },
    });
  });

  it.each([
    ['top feature', { top1: AGREEMENT_BARS.top1 - 0.001 }],
    ['top-8 overlap', { topOverlap: AGREEMENT_BARS.topOverlap - 0.001 }],
    ['explained variance', { explainedVarianceDiff: AGREEMENT_BARS.explainedVariance + 0.001 }],
    ['per-token explained variance', { meanRowExplainedVarianceDiff: AGREEMENT_BARS.explainedVariance + 0.001 }],
  ])('refuses to mark when the %s bar is missed', (_what, change) => {
    expect(encoderManifestEntry({ ...good, ...change }, 'held out: x')).toBeUndefined();
  });
});

describe('markEncoders', () => {
  const manifest = {
    schema_version: 1,
    files: { 'model.onnx': { sha256: 'a'.repeat(64), bytes: 1 } },
    dictionaries: [
      { hook_name: 'a', path: 'saes/a' },
      { hook_name: 'b', path: 'saes/b', encoder: { precision: 'int8', agreement: { top1: 1 } } },
      { hook_name: 'c', path: 'saes/c', encoder: { precision: 'int8' } },
    ],
  };

  it('writes the entry where the bars are met, removes it where they are not, and keeps unchecked ones', () => {
    const failing = { ...good, top1: 0.9 };
    const out = markEncoders(manifest, [check('a', good), check('b', failing, 'int8')], 'held out: x') as typeof manifest;
    expect(out.dictionaries[0]).toEqual({ hook_name: 'a', path: 'saes/a', encoder: encoderManifestEntry(good, 'held out: x') });
    expect(out.dictionaries[1]).toEqual({ hook_name: 'b', path: 'saes/b' });
    expect(out.dictionaries[2]).toEqual(manifest.dictionaries[2]);
    expect(out.files).toEqual(manifest.files);
    expect(out.schema_version).toBe(1);
    // The input is not changed.
    expect(manifest.dictionaries[0]).toEqual({ hook_name: 'a', path: 'saes/a' });
  });
});
