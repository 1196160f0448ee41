// The tokens whose log-prob feature edits changed most, for the panel and the command line. Pure and
// free of the engine (an edited analysis is taken by its shape), so the extension can use it at activation
// without loading the engine and ONNX Runtime.

/** The part of an edited analysis (the engine's EditedAnalysis) this reads. */
export interface EditedLogprobs {
  tokens: readonly { logprob: number | null; logprobOriginal: number | null }[];
}

export interface TokenChange {
  /** Token index in the analysis. */
  index: number;
  /** Edited minus original log p of the token, in bits. */
  deltaBits: number;
}

/** The `n` tokens with the largest |change| in log-prob, largest first (ties: earlier token first). */
export function tokensChangedMost(r: EditedLogprobs, n: number): TokenChange[] {
  const changes: TokenChange[] = [];
  r.tokens.forEach((t, index) => {
    if (t.logprob === null || t.logprobOriginal === null) return;
    const deltaBits = (t.logprob - t.logprobOriginal) / Math.LN2;
    if (deltaBits !== 0) changes.push({ index, deltaBits });
  });
  return changes.sort((a, b) => Math.abs(b.deltaBits) - Math.abs(a.deltaBits) || a.index - b.index).slice(0, Math.max(0, n));
}
