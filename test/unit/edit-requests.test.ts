// Edited analyses and continuations on the main thread: newest per kind and document wins, cancellation,
// closing, and replies turned into values that carry their own edit list.
import { describe, expect, it } from 'vitest';
import { EditRequests } from '../../src/engine/analysis/edit-requests';
import { tokensChangedMost, type EditedAnalysis } from '../../src/engine';
import type { EditPayload, FeatureEdit, WorkerContinue, WorkerEdit } from '../../src/engine/edit';

function fakeWorker() {
  const posted: (WorkerEdit | WorkerContinue)[] = [];
  const aborted: number[] = [];
  return { posted, aborted, worker: { post: (m: WorkerEdit | WorkerContinue) => posted.push(m), abort: (id: number) => aborted.push(id) } };
}

const OPTIONS = { topK: 2, featuresPerToken: 1, hooks: [] };
const EDIT: FeatureEdit = { hook: 'blocks.0.hook_resid_post', feature: 3, op: 'scale', factor: 2 };

function payload(n: number): EditPayload {
  const arrays = (shift: number) => ({
    logprob: Float32Array.from({ length: n }, (_, i) => (i === 0 ? NaN : -1 - shift)),
    rank: Int32Array.from({ length: n }, (_, i) => (i === 0 ? -1 : 1)),
    entropy: Float32Array.from({ length: n }, (_, i) => (i === 0 ? NaN : 2)),
    topkIds: Int32Array.from({ length: n * 2 }, (_, i) => i % 2),
    topkLogprobs: Float32Array.from({ length: n * 2 }, () => Math.log(0.4)),
    nextEntropy: Float32Array.from({ length: n }, () => 2),
  });
  return {
    n, K: 2, textSha256: 'abc', ids: Int32Array.from({ length: n }, (_, i) => i), starts: Int32Array.from({ length: n }, (_, i) => i),
    ends: Int32Array.from({ length: n }, (_, i) => i + 1), original: arrays(0), edited: arrays(Math.LN2), firstEditedToken: 0,
    rerunTokens: n, modelMs: 1, dictionaryMs: 1, totalMs: 2,
  };
}

describe('EditRequests', () => {
  it('labels a reply with a copy of its own edits and both sets of numbers', async () => {
    const f = fakeWorker();
    const r = new EditRequests(f.worker, 'm', (id) => `t${id}`);
    const edits: FeatureEdit[] = [EDIT];
    const p = r.edit({ docKey: 'd', text: 'abc', edits, options: OPTIONS });
    edits.push({ hook: 'x', op: 'splice' }); // the caller's list changing later changes nothing
    r.reply({ type: 'edit-result', id: f.posted[0].id, result: { ok: true, value: payload(3) } });
    const v = await p;
    if (!v.ok) throw new Error(v.error.message);
    expect(v.value.edited).toBe(true);
    expect(v.value.edits).toEqual([EDIT]);
    expect(v.value.tokens[0]).toMatchObject({ logprob: null, logprobOriginal: null, rank: null, text: 'a' });
    expect(v.value.tokens[1]).toMatchObject({ logprob: expect.closeTo(-1 - Math.LN2, 6), logprobOriginal: -1, rank: 1 });
    expect(v.value.tokens[2].topk[1]).toEqual({ id: 1, text: 't1', prob: expect.closeTo(0.4, 6) });
    expect(v.value.totalDeltaBits).toBeCloseTo(-2, 5);
  });

  it('a newer request of the same kind for the same document supersedes; other kinds and documents do not', async () => {
    const f = fakeWorker();
    const r = new EditRequests(f.worker, 'm', () => '');
    const first = r.edit({ docKey: 'd', text: 'abc', edits: [EDIT], options: OPTIONS });
    const cont = r.continue({ docKey: 'd', text: 'abc', offset: 3, options: { tokens: 2 } });
    const other = r.edit({ docKey: 'e', text: 'abc', edits: [EDIT], options: OPTIONS });
    const second = r.edit({ docKey: 'd', text: 'abc', edits: [], options: OPTIONS });
    const a = await first;
    expect(a.ok ? 'ok' : a.error.kind).toBe('superseded');
    expect(f.aborted).toEqual([f.posted[0].id]);
    // A late reply to the superseded request is ignored.
    r.reply({ type: 'edit-result', id: f.posted[0].id, result: { ok: true, value: payload(3) } });
    for (const m of f.posted.slice(1)) {
      if (m.type === 'edit') r.reply({ type: 'edit-result', id: m.id, result: { ok: true, value: payload(3) } });
      else r.reply({ type: 'continue-result', id: m.id, result: { ok: true, value: { ids: [1, 2], logprobs: [-1, -2], prefixMs: 1, stepMs: 1, totalMs: 3 } } });
    }
    const [c, o, s] = await Promise.all([cont, other, second]);
    expect(c.ok && c.value.tokens.map((t) => t.id)).toEqual([1, 2]);
    expect(c.ok && c.value.edited).toBe(false);
    expect(o.ok).toBe(true);
    expect(s.ok && s.value.edits).toEqual([]);
    expect(new Set(f.posted.map((m) => m.id)).size).toBe(4);
    expect(f.posted.every((m) => m.id < -(2 ** 30))).toBe(true);
  });

  it('cancels with a signal, and closing answers everything waiting and everything later', async () => {
    const f = fakeWorker();
    const r = new EditRequests(f.worker, 'm', () => '');
    const ac = new AbortController();
    const p = r.continue({ docKey: 'd', text: 'abc', offset: 3, options: { tokens: 2 } }, ac.signal);
    ac.abort();
    const a = await p;
    expect(a.ok ? 'ok' : a.error.kind).toBe('cancelled');
    expect(f.aborted).toEqual([f.posted[0].id]);
    const waiting = r.edit({ docKey: 'd', text: 'abc', edits: [EDIT], options: OPTIONS });
    r.close({ kind: 'internal', message: 'worker stopped' });
    const w = await waiting;
    expect(w.ok ? 'ok' : w.error.message).toBe('worker stopped');
    const later = await r.edit({ docKey: 'd', text: 'abc', edits: [EDIT], options: OPTIONS });
    expect(later.ok ? 'ok' : later.error.kind).toBe('internal');
  });
});

describe('tokensChangedMost', () => {
  it('orders tokens by the size of their change in bits, leaving out unchanged and first tokens', () => {
    const tok = (logprob: number | null, logprobOriginal: number | null) => ({ logprob, logprobOriginal }) as EditedAnalysis['tokens'][number];
    const r = { tokens: [tok(null, null), tok(-1, -1), tok(-1, -1 - Math.LN2), tok(-3, -1), tok(-1, -2)] } as EditedAnalysis;
    expect(tokensChangedMost(r, 2)).toEqual([{ index: 3, deltaBits: -2 / Math.LN2 }, { index: 4, deltaBits: 1 / Math.LN2 }]);
    expect(tokensChangedMost(r, 10).map((c) => c.index)).toEqual([3, 4, 2]);
    expect(tokensChangedMost(r, 0)).toEqual([]);
  });
});
