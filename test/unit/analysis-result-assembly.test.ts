// The worker's payload -> AnalysisResult on its own: field by field, reuse of the unchanged prefix's
// TokenResult objects, which delivered result a new run may build on, and the bound on documents held.
import { describe, expect, it } from 'vitest';
import { ResultAssembler } from '../../src/engine/analysis/result-assembly';
import type { AnalyzePayload, RunOptions } from '../../src/engine/inference';

const OPTIONS: RunOptions = { topK: 2, featuresPerToken: 2, hooks: ['h'], includeActivations: false, includeStats: false };
const VOCAB = ['a', 'b', 'c', 'd'];

/** A payload for tokens [from, n) of `text`, one character per token, token i = vocabulary id i % 4. */
function payload(text: string, from = 0): AnalyzePayload {
  const n = text.length;
  const m = n - from;
  const rows = (f: (r: number) => number) => Float32Array.from({ length: m }, (_, r) => f(r));
  return {
    n, fromToken: from, textSha256: `sha-of-${text}`, hooks: ['h'], topK: 2,
    ids: Int32Array.from({ length: m }, (_, r) => (from + r) % 4),
    starts: Int32Array.from({ length: m }, (_, r) => from + r),
    ends: Int32Array.from({ length: m }, (_, r) => from + r + 1),
    logprob: rows((r) => (from + r === 0 ? NaN : -1)),
    rank: Int32Array.from({ length: m }, (_, r) => (from + r === 0 ? -1 : r % 3)),
    entropy: rows((r) => (from + r === 0 ? NaN : 0.5)),
    topkIds: Int32Array.from({ length: 2 * m }, (_, j) => j % 4),
    topkLogprobs: Float32Array.from({ length: 2 * m }, (_, j) => (j % 2 === 0 ? Math.log(0.75) : Math.log(0.25))),
    nextEntropy: rows(() => 0.7),
    features: {
      h: {
        per: 2,
        idx: Int32Array.from({ length: 2 * m }, (_, j) => 10 + j),
        act: Float32Array.from({ length: 2 * m }, (_, j) => (j % 2 === 0 ? 2 : 0)), // second slot not firing
        ev: rows(() => 0.9),
      },
    },
    modelMs: 1, dictionaryMs: 2, totalMs: 3, reusedTokens: from, computedTokens: m,
  };
}

const run = (id: number, docKey: string, text: string, options = OPTIONS) => ({ id, docKey, text, options });

describe('result assembly', () => {
  it('turns each payload row into a TokenResult', async () => {
    const results = new ResultAssembler('model-x', VOCAB, 4);
    const r = await results.assemble(run(1, 'doc', 'abc'), payload('abc'));
    expect(r).toMatchObject({ modelId: 'model-x', textSha256: 'sha-of-abc', textLength: 3, hooks: ['h'] });
    expect(r.timings).toEqual({ totalMs: 3, modelMs: 1, dictionaryMs: 2, reusedTokens: 0, computedTokens: 3 });
    expect(r.tokens[0]).toMatchObject({ id: 0, text: 'a', start: 0, end: 1, logprob: null, rank: null, entropy: null });
    const t = r.tokens[1];
    expect(t).toMatchObject({ id: 1, text: 'b', start: 1, end: 2, logprob: -1, rank: 1, entropy: 0.5, reconstruction: { h: expect.closeTo(0.9, 6) } });
    expect(t.topk.map((e) => e.text)).toEqual(['c', 'd']);
    expect(t.topk[0].prob).toBeCloseTo(0.75, 6);
    expect(t.features.h).toEqual([{ index: 12, activation: 2 }]); // the zero activation is not a hit
    expect(t.nextEntropy).toBeCloseTo(0.7, 6);
  });

  it('an incremental payload keeps the very TokenResult objects of the unchanged prefix', async () => {
    const results = new ResultAssembler('m', VOCAB, 4);
    const first = await results.assemble(run(1, 'doc', 'abcd'), payload('abcd'));
    expect(results.baseFor('doc', OPTIONS)).toBe(1);
    const second = await results.assemble(run(2, 'doc', 'abcX'), payload('abcX', 3));
    expect(second.tokens).toHaveLength(4);
    for (let i = 0; i < 3; i++) expect(second.tokens[i]).toBe(first.tokens[i]);
    expect(second.tokens[3].text).toBe('X');
    expect(first.tokens).toHaveLength(4); // the earlier result is not changed
    expect(results.baseFor('doc', OPTIONS)).toBe(2);
  });

  it('a result is a base only for runs with the same options, and not after forget()', async () => {
    const results = new ResultAssembler('m', VOCAB, 4);
    await results.assemble(run(7, 'doc', 'ab'), payload('ab'));
    expect(results.baseFor('doc', OPTIONS)).toBe(7);
    expect(results.baseFor('doc', { ...OPTIONS, topK: 3 })).toBeNull();
    expect(results.baseFor('doc', { ...OPTIONS, hooks: ['h', 'g'] })).toBeNull();
    expect(results.baseFor('doc', { ...OPTIONS, includeActivations: true })).toBeNull();
    expect(results.baseFor('other', OPTIONS)).toBeNull();
    results.forget('doc');
    expect(results.baseFor('doc', OPTIONS)).toBeNull();
  });

  it('holds at most maxDocuments results, dropping the least recently delivered', async () => {
    const results = new ResultAssembler('m', VOCAB, 2);
    await results.assemble(run(1, 'one', 'a'), payload('a'));
    await results.assemble(run(2, 'two', 'a'), payload('a'));
    await results.assemble(run(3, 'one', 'ab'), payload('ab'));
    await results.assemble(run(4, 'three', 'a'), payload('a'));
    expect(results.documents).toBe(2);
    expect(results.baseFor('two', OPTIONS)).toBeNull();
    expect(results.baseFor('one', OPTIONS)).toBe(3);
    expect(results.baseFor('three', OPTIONS)).toBe(4);
  });

  it('a long payload is assembled in slices, letting other callbacks run in between', async () => {
    const results = new ResultAssembler('m', VOCAB, 2);
    const text = 'x'.repeat(5000);
    const assembling = results.assemble(run(1, 'big', text), payload(text));
    // Queued after assembly began: it runs before the result is ready only if assembly yields.
    let ranDuringAssembly = false;
    setImmediate(() => (ranDuringAssembly = true));
    const r = await assembling;
    expect(r.tokens).toHaveLength(5000);
    expect(ranDuringAssembly).toBe(true);
  });
});
