// An edited analysis in the worker. The document is first brought up to date by the plain analysis
// (incremental: nothing to do when its last analysis was of this text), which also gives every token's
// unedited numbers. Then only the windows holding an edited position rerun, each from its first edited
// position on top of the cached, unedited KV of the window's prefix (exact: the model is causal), in
// segments cut at the edited hooks so every edited hook reads its activation with the earlier edits
// applied. Positions before the first edited one keep their unedited numbers.
import { createHash } from 'node:crypto';
import type { Tensor } from 'onnxruntime-node';
import { planRuns } from '../inference';
import { BadEditRequest, nextTargets, type EditTools } from './host';
import { EditScope } from './scope';
import type { EditPayload, PositionArrays, WorkerEdit } from './types';

function copyArrays(a: PositionArrays): PositionArrays {
  return {
    logprob: a.logprob.slice(), rank: a.rank.slice(), entropy: a.entropy.slice(),
    topkIds: a.topkIds.slice(), topkLogprobs: a.topkLogprobs.slice(), nextEntropy: a.nextEntropy.slice(),
  };
}

export async function runEdited(tools: EditTools, req: WorkerEdit, checkStop: () => void): Promise<EditPayload> {
  const t0 = performance.now();
  const { host } = tools;
  const { nCtx, topkMax } = host.init;
  tools.dictionaryMs = 0;
  const o = req.options;
  const base = await host.analyze(req.id, req.docKey, req.text, { ...o, includeActivations: false, includeStats: false }, null, () => undefined);
  checkStop();
  const { n, topK: K, ids, starts, ends } = base;
  const original: PositionArrays = {
    logprob: base.logprob, rank: base.rank, entropy: base.entropy, topkIds: base.topkIds, topkLogprobs: base.topkLogprobs, nextEntropy: base.nextEntropy,
  };
  const edited = copyArrays(original);
  const scope = new EditScope(req.edits, starts, ends);
  const p0 = scope.first;
  if (!Number.isFinite(p0)) throw new BadEditRequest('the edits cover no token of the text');
  const hooks = scope.hooks;
  let modelMs = 0;
  let rerunTokens = 0;
  for (const w of planRuns(n, nCtx, p0)) {
    const e = scope.firstIn(w.start, w.end);
    if (e >= w.end) continue; // nothing edited inside this window: its outputs stand
    const cached = e > w.start ? host.cachedWindowPrefix(req.docKey, ids, w, e - w.start) : null;
    const runStart = w.start + (cached?.len ?? 0);
    // Positions whose outputs an earlier window owns are run for their keys and values alone.
    const ownedFrom = Math.min(w.end, Math.max(runStart, w.ownedStart));
    let past = cached;
    let contextChanged = false;
    if (ownedFrom > runStart) {
      const context = await tools.segments.run(ids.subarray(runStart, ownedFrom), nextTargets(ids, runStart, ownedFrom), past, hooks, tools.rowEditor(scope, runStart), { kvOnly: true });
      modelMs += context.modelMs;
      past = context.kv;
      contextChanged = context.changed;
      checkStop();
    }
    const pass = await tools.segments.run(ids.subarray(ownedFrom, w.end), nextTargets(ids, ownedFrom, w.end), past, hooks, tools.rowEditor(scope, ownedFrom), { always: contextChanged });
    modelMs += pass.modelMs;
    rerunTokens += w.end - runStart;
    checkStop();
    if (pass.changed || contextChanged) writeOutputs(edited, pass.outputs, { runStart: ownedFrom, from: ownedFrom, end: w.end, n, K, topkMax });
  }
  return {
    n, K, textSha256: createHash('sha256').update(req.text).digest('hex'), ids, starts, ends, original, edited,
    firstEditedToken: p0, rerunTokens, modelMs, dictionaryMs: tools.dictionaryMs, totalMs: performance.now() - t0,
  };
}

/** Positions [from, end) of a pass that started at runStart, into the per-token arrays: position i's
 *  prediction is token i+1's log-prob, rank and entropy, and position i's next-token distribution. */
function writeOutputs(a: PositionArrays, out: Record<string, Tensor>, at: { runStart: number; from: number; end: number; n: number; K: number; topkMax: number }): void {
  const ids = out.topk_ids.data as BigInt64Array;
  const lps = out.topk_logprobs.data as Float32Array;
  const entropy = out.entropy.data as Float32Array;
  const target = out.target_logprob.data as Float32Array;
  const rank = out.target_rank.data as BigInt64Array;
  const { K, topkMax } = at;
  for (let i = at.from; i < at.end; i++) {
    const r = i - at.runStart;
    for (let j = 0; j < K; j++) {
      a.topkIds[i * K + j] = Number(ids[r * topkMax + j]);
      a.topkLogprobs[i * K + j] = lps[r * topkMax + j];
    }
    a.nextEntropy[i] = entropy[r];
    if (i + 1 < at.n) {
      a.logprob[i + 1] = target[r];
      a.rank[i + 1] = Number(rank[r]);
      a.entropy[i + 1] = entropy[r];
    }
  }
}
