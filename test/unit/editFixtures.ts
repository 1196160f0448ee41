// Made-up edited analyses and continuations for the unit tests of the edit UI: deterministic, shaped
// like the engine's (edited numbers beside the plain ones), so builders and stores can be checked
// without a model.
import type { Continuation, EditedAnalysis, FeatureEdit } from '../../src/engine';
import { fakeAnalysis } from './editorFakeEngine';

/** Each edit lowers the log-prob of every token from its range's start on by 0.5 nats (the whole document without a range). */
export function fakeEditedAnalysis(text: string, edits: FeatureEdit[]): EditedAnalysis {
  const plain = fakeAnalysis(text);
  const from = Math.min(...edits.map((e) => e.range?.start ?? 0));
  const firstEdited = Math.max(0, plain.tokens.findIndex((t) => t.end > from));
  let total = 0;
  const tokens = plain.tokens.map((t, i) => {
    const hit = i > firstEdited && t.logprob !== null;
    const logprob = hit ? t.logprob! - 0.5 * edits.length : t.logprob;
    if (hit) total += (logprob! - t.logprob!) / Math.LN2;
    const topk = hit ? t.topk.map((e, k) => ({ ...e, prob: k === 0 ? e.prob / 2 : e.prob })) : t.topk;
    return {
      id: t.id, text: t.text, start: t.start, end: t.end,
      logprob, logprobOriginal: t.logprob, rank: t.rank, rankOriginal: t.rank, entropy: t.entropy, entropyOriginal: t.entropy,
      topk, topkOriginal: t.topk, nextEntropy: t.nextEntropy, nextEntropyOriginal: t.nextEntropy,
    };
  });
  return {
    edited: true, edits: structuredClone(edits), modelId: plain.modelId, textSha256: plain.textSha256, textLength: plain.textLength,
    tokens, firstEditedToken: firstEdited, totalDeltaBits: total, timings: { totalMs: 3, modelMs: 2, dictionaryMs: 1, rerunTokens: tokens.length },
  };
}

export function fakeContinuation(offset: number, edits: FeatureEdit[], temperature = 0, seed = 0): Continuation {
  const words = edits.length > 0 ? [' edited', ' words'] : [' plain', ' words'];
  return {
    edited: edits.length > 0, edits: structuredClone(edits), modelId: 'fake-model', offset, temperature, seed,
    tokens: words.map((text, id) => ({ id, text, prob: 0.5, logprob: Math.log(0.5) })),
    text: words.join(''), timings: { totalMs: 2, prefixMs: 1, msPerToken: 0.5 },
  };
}
