// Pure helpers over an edited analysis for the views: the tokens whose log-prob the edits changed most.
import type { EditedAnalysis } from './types';

export interface TokenChange {
  /** Token index in the analysis. */
  index: number;
  /** Edited minus original log p of the token, in bits. */
  deltaBits: number;
}

/** The `n` tokens with the largest |change| in log-prob, largest first (ties: earlier token first). */
export function tokensChangedMost(r: EditedAnalysis, n: number): TokenChange[] {
  const changes: TokenChange[] = [];
  r.tokens.forEach((t, index) => {
    if (t.logprob === null || t.logprobOriginal === null) return;
    const deltaBits = (t.logprob - t.logprobOriginal) / Math.LN2;
    if (deltaBits !== 0) changes.push({ index, deltaBits });
  });
  return changes.sort((a, b) => Math.abs(b.deltaBits) - Math.abs(a.deltaBits) || a.index - b.index).slice(0, Math.max(0, n));
}
