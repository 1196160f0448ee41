// How far an int8 encoder's output is from the float32 one on the same rows: the bars a dictionary's
// encoder must clear before its bundle may run it quantised (manifest `encoder.precision: "int8"`).
import type { EncodedRows } from './encoder-session';

export interface EncoderAgreement {
  /** Rows compared (those where float32 has at least one firing feature). */
  tokens: number;
  /** Fraction of rows whose top feature is the same. */
  top1: number;
  /** Mean over rows of |top-n(float32) ∩ top-n(int8)| / n, counting features that fire. */
  topOverlap: number;
  /** |mean explained variance (int8) - mean explained variance (float32)|. */
  explainedVarianceDiff: number;
  /** Mean over rows of |per-row explained variance difference|. */
  meanRowExplainedVarianceDiff: number;
}

export const AGREEMENT_BARS = { top1: 0.99, topOverlap: 0.95, explainedVariance: 0.005 } as const;

export function encoderAgreement(exact: EncodedRows, quantised: EncodedRows, rows: number, per: number): EncoderAgreement {
  let tokens = 0;
  let top1 = 0;
  let overlap = 0;
  let evExact = 0;
  let evQuant = 0;
  let evRows = 0;
  for (let r = 0; r < rows; r++) {
    evExact += exact.ev[r];
    evQuant += quantised.ev[r];
    evRows += Math.abs(exact.ev[r] - quantised.ev[r]);
    const firing = new Set<number>();
    for (let j = 0; j < per; j++) if (exact.act[r * per + j] > 0) firing.add(exact.idx[r * per + j]);
    if (firing.size === 0) continue;
    tokens++;
    if (quantised.act[r * per] > 0 && quantised.idx[r * per] === exact.idx[r * per]) top1++;
    let shared = 0;
    for (let j = 0; j < per; j++) if (quantised.act[r * per + j] > 0 && firing.has(quantised.idx[r * per + j])) shared++;
    overlap += shared / firing.size;
  }
  return {
    tokens,
    top1: tokens ? top1 / tokens : 1,
    topOverlap: tokens ? overlap / tokens : 1,
    explainedVarianceDiff: rows ? Math.abs(evQuant - evExact) / rows : 0,
    meanRowExplainedVarianceDiff: rows ? evRows / rows : 0,
  };
}

export function meetsAgreementBars(a: EncoderAgreement): boolean {
  return a.top1 >= AGREEMENT_BARS.top1 && a.topOverlap >= AGREEMENT_BARS.topOverlap
    && a.explainedVarianceDiff <= AGREEMENT_BARS.explainedVariance && a.meanRowExplainedVarianceDiff <= AGREEMENT_BARS.explainedVariance;
}

/** A dictionary's `encoder` entry in manifest.json, as the agreement measured on `text` decides it: int8
 *  with the figures when they meet the bars, otherwise undefined (the entry is removed: float32). */
export interface EncoderManifestEntry {
  precision: 'int8';
  agreement: { text: string; top1: number; top8_overlap: number; explained_variance_diff: number; mean_token_explained_variance_diff: number };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function encoderManifestEntry(a: EncoderAgreement, text: string): EncoderManifestEntry | undefined {
  if (!meetsAgreementBars(a)) return undefined;
  return {
    precision: 'int8',
    agreement: {
      text,
      top1: round(a.top1, 4),
      top8_overlap: round(a.topOverlap, 4),
      explained_variance_diff: round(a.explainedVarianceDiff, 5),
      mean_token_explained_variance_diff: round(a.meanRowExplainedVarianceDiff, 4),
    },
  };
}
