// A synthetic AnalysisResult over real token ranges (no model needed) and provenance for it.
import type { AnalysisResult, TokenResult } from '../../src/engine';
import { sha256Text, type HookActivations } from '../../src/engine/snapshot';
import { codeTokenizer } from './tokens-fixtures';

export const HOOKS = ['blocks.0.hook_resid_post', 'blocks.1.hook_resid_post'];

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fakeResult(text: string, seed = 1): AnalysisResult {
  const tok = codeTokenizer();
  const r = rng(seed);
  const tokens: TokenResult[] = tok.encode(text).map((t, i) => {
    const probs = [0.5, 0.2, 0.1].map((p) => p * r());
    return {
      ...t,
      logprob: i === 0 ? null : Math.log(r() * 0.99 + 0.005),
      rank: i === 0 ? null : Math.floor(r() * 100),
      entropy: i === 0 ? null : r() * 5,
      topk: probs.map((p, j) => ({ id: (t.id + j) % tok.vocabSize, text: tok.idToText((t.id + j) % tok.vocabSize), prob: p })),
      nextEntropy: r() * 5,
      features: Object.fromEntries(HOOKS.map((h) => [h, [0, 1, 2].map((j) => ({ index: Math.floor(r() * 4096), activation: 3 - j + r() }))])),
      reconstruction: Object.fromEntries(HOOKS.map((h) => [h, r()])),
    };
  });
  return {
    modelId: 'code-gpt2-2l',
    textSha256: sha256Text(text),
    textLength: text.length,
    tokens,
    hooks: HOOKS,
    timings: { totalMs: 1, modelMs: 1, dictionaryMs: 0, reusedTokens: 0, computedTokens: tokens.length },
  };
}

export const PROVENANCE = {
  model: { id: 'code-gpt2-2l', name: 'Code GPT-2 (2 layers)', sha256: 'a'.repeat(64) },
  tokenizer: { sha256: 'b'.repeat(64) },
  dictionaries: HOOKS.map((h, i) => ({ hookName: h, sha256: String(i).repeat(64), architecture: 'topk', dSae: 4096 })),
};

export function fakeActivations(nTokens: number, d = 8, seed = 2): HookActivations {
  const r = rng(seed);
  return Object.fromEntries(
    HOOKS.map((h) => {
      const data = new Float32Array(nTokens * d);
      for (let i = 0; i < data.length; i++) data[i] = (r() - 0.5) * 10;
      return [h, { shape: [nTokens, d] as [number, number], data }];
    }),
  );
}
