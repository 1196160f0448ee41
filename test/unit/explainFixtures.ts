// A small, self-consistent Explanation (2 layers x 2 heads, one dictionary) for unit tests of the
// views: every attribution group adds up to the logit, attention rows are distributions over the
// window, and the lens reads resid_pre of each block and then the output.
import type { AttributionTerm, Explanation } from '../../src/engine';

export const FAKE_DICT_HOOK = 'blocks.0.hook_resid_post';

export function fakeExplanation(position: number, o: { windowStart?: number; targetRank?: number[]; text?: string } = {}): Explanation {
  const windowStart = o.windowStart ?? 0;
  const n = position - windowStart + 1;
  const ranks = o.targetRank ?? [40, 3, 0];
  const row = (peak: number) => {
    const w = Array.from({ length: n }, (_, k) => (k === peak ? 0.6 : 0.4 / Math.max(n - 1, 1)));
    if (n === 1) w[0] = 1;
    return w;
  };
  const attention = [0, 1].flatMap((layer) =>
    [0, 1].map((head) => {
      const weights = row(head === 0 ? n - 1 : 0);
      const maxWeight = Math.max(...weights);
      return {
        layer,
        head,
        name: `L${layer}H${head}`,
        weights,
        meanDistance: weights.reduce((s, w, k) => s + w * (n - 1 - k), 0),
        entropy: -weights.reduce((s, w) => s + (w > 0 ? w * Math.log(w) : 0), 0),
        maxWeight,
        maxToken: windowStart + weights.indexOf(maxWeight),
      };
    }),
  );
  const model: AttributionTerm[] = [
    { group: 'model', kind: 'embed', value: 0.5 },
    { group: 'model', kind: 'pos_embed', value: -0.25 },
    { group: 'model', kind: 'head', layer: 0, head: 0, value: 1 },
    { group: 'model', kind: 'head', layer: 0, head: 1, value: -0.5 },
    { group: 'model', kind: 'attn_bias', layer: 0, value: 0.25 },
    { group: 'model', kind: 'mlp', layer: 0, value: 2 },
    { group: 'model', kind: 'head', layer: 1, head: 0, value: 0.75 },
    { group: 'model', kind: 'head', layer: 1, head: 1, value: -1 },
    { group: 'model', kind: 'attn_bias', layer: 1, value: 0.25 },
    { group: 'model', kind: 'mlp', layer: 1, value: 1 },
    { group: 'model', kind: 'ln_bias', value: 0 },
  ];
  const logit = model.reduce((s, t) => s + t.value, 0);
  const dict: AttributionTerm[] = [
    { group: FAKE_DICT_HOOK, kind: 'feature', hook: FAKE_DICT_HOOK, feature: 7, activation: 3, value: 2.5 },
    { group: FAKE_DICT_HOOK, kind: 'feature', hook: FAKE_DICT_HOOK, feature: 99, activation: 1, value: -0.75 },
    { group: FAKE_DICT_HOOK, kind: 'sae_bias', hook: FAKE_DICT_HOOK, value: 0.25 },
    { group: FAKE_DICT_HOOK, kind: 'sae_error', hook: FAKE_DICT_HOOK, value: 0.5 },
    { group: FAKE_DICT_HOOK, kind: 'head', layer: 1, head: 0, value: 0.75 },
    { group: FAKE_DICT_HOOK, kind: 'head', layer: 1, head: 1, value: -1 },
    { group: FAKE_DICT_HOOK, kind: 'attn_bias', layer: 1, value: 0.25 },
    { group: FAKE_DICT_HOOK, kind: 'mlp', layer: 1, value: 1 },
    { group: FAKE_DICT_HOOK, kind: 'ln_bias', value: 0 },
  ];
  const lensTopk = (rank: number) =>
    Array.from({ length: 5 }, (_, k) => ({ id: k === rank ? 42 : 100 + k, text: k === rank ? ' target' : ` t${k}`, prob: 0.5 / (k + 1) }));
  return {
    modelId: 'fake-model',
    textSha256: '0'.repeat(64),
    position,
    token: { id: 5, text: o.text ?? 'tok', start: position * 4, end: position * 4 + 3 },
    windowStart,
    windowTokens: Array.from({ length: n }, (_, k) => ({ id: 200 + k, text: k === n - 1 ? (o.text ?? 'tok') : `w${windowStart + k}`, start: (windowStart + k) * 4, end: (windowStart + k) * 4 + 3 })),
    target: { id: 42, text: ' target' },
    targetIsNext: true,
    versus: null,
    logit,
    lens: ['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.1.hook_resid_post'].map((hook, i) => ({
      hook,
      topk: lensTopk(ranks[i]!),
      targetProb: ranks[i]! < 5 ? 0.5 / (ranks[i]! + 1) : 0.001,
      targetRank: ranks[i]!,
    })),
    attention,
    attribution: [...model, ...dict],
    groups: [
      { name: 'model', sum: logit },
      { name: FAKE_DICT_HOOK, sum: dict.reduce((s, t) => s + t.value, 0), path: 'residual' },
    ],
    timings: { totalMs: 1, modelMs: 1, tokensRun: n, reusedTokens: 0 },
  };
}
