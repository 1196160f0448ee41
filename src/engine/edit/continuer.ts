// A continuation of N tokens from an offset, in the worker, without touching the document: the text
// before the offset is tokenised, the window that holds its last position runs on top of the document's
// cached KV (up to the first edited position when edits are active), and then each new token costs one
// incremental step on the window's KV. When a new position passes the end of its window's owned range
// the next window's KV is built in one pass over the tokens it starts with, exactly as the analysis
// windows a longer document (src/engine/inference/windows.ts), so a greedy continuation is the argmax of a
// full analysis of the extended text. With edits each step runs in segments cut at the edited hooks.
import type { Tensor } from 'onnxruntime-node';
import type { WindowKv } from '../inference';
import { BadEditRequest, nextTargets, type EditTools } from './host';
import { EditScope } from './scope';
import type { ContinuePayload, WorkerContinue } from './types';

/** mulberry32: a small seeded PRNG (uniform in [0, 1)), so a seed always gives the same continuation. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** First token of the window whose owned range holds position t (windows.ts: window 0 owns [0, C),
 *  window w >= 1 owns [wS + C - S, wS + C)). */
export function ownerWindowStart(t: number, nCtx: number): number {
  const stride = Math.floor(nCtx / 2);
  return t < nCtx ? 0 : (Math.floor((t - nCtx) / stride) + 1) * stride;
}

/** Picks from the last row: the most likely token (greedy), or a draw from softmax(logp / T). */
function choose(out: Record<string, Tensor>, logprobsName: string | null, topkMax: number, temperature: number, random: () => number): { id: number; logprob: number } {
  const rows = (out.entropy.data as Float32Array).length;
  const topIds = out.topk_ids.data as BigInt64Array;
  const topLps = out.topk_logprobs.data as Float32Array;
  if (temperature <= 0) return { id: Number(topIds[(rows - 1) * topkMax]), logprob: topLps[(rows - 1) * topkMax] };
  // The full distribution when the graph has it; otherwise the top topk_max tokens renormalised.
  const full = logprobsName ? (out[logprobsName].data as Float32Array) : null;
  const V = full ? full.length / rows : topkMax;
  const lp = full ? full.subarray((rows - 1) * V) : topLps.subarray((rows - 1) * topkMax, rows * topkMax);
  const idOf = (j: number) => (full ? j : Number(topIds[(rows - 1) * topkMax + j]));
  let max = -Infinity;
  for (let j = 0; j < V; j++) max = Math.max(max, lp[j] / temperature);
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(lp[j] / temperature - max);
  let u = random() * sum;
  for (let j = 0; j < V; j++) {
    u -= Math.exp(lp[j] / temperature - max);
    if (u <= 0) return { id: idOf(j), logprob: lp[j] };
  }
  return { id: idOf(V - 1), logprob: lp[V - 1] };
}

export async function runContinuation(tools: EditTools, req: WorkerContinue, checkStop: () => void): Promise<ContinuePayload> {
  const t0 = performance.now();
  const { host } = tools;
  const { nCtx, topkMax } = host.init;
  const o = req.options;
  const spans = host.tokenizer.encodeIncremental(req.text.slice(0, req.offset), host.previousEncoding(req.docKey));
  const n0 = spans.length;
  if (n0 === 0) throw new BadEditRequest('there is no text before the offset to continue');
  const ids = spans.map((s) => s.id);
  const scope = new EditScope(o.edits ?? [], Int32Array.from(spans, (s) => s.start), Int32Array.from(spans, (s) => s.end), { offset: req.offset });
  const hooks = scope.hooks;
  const temperature = o.temperature ?? 0;
  const random = seededRandom(o.seed ?? 0);
  const logprobsName = temperature > 0 ? tools.segments.logprobsName() : null;
  const extra = logprobsName ? [logprobsName] : [];
  tools.dictionaryMs = 0;

  // Runs positions [from, to) of the window starting at wStart on top of `past` (its first from - wStart positions).
  const pass = async (from: number, to: number, past: WindowKv | null) => {
    const r = await tools.segments.run(Int32Array.from(ids.slice(from, to)), nextTargets(ids, from, to), past, hooks, tools.rowEditor(scope, from), { extraOutputs: extra, always: true });
    checkStop();
    return r;
  };
  let wStart = ownerWindowStart(n0 - 1, nCtx);
  // The document's cached KV stands for the window's positions before the first edited one.
  const reuse = Math.min(scope.firstIn(wStart, n0), n0 - 1) - wStart;
  const window = { index: wStart === 0 ? 0 : wStart / Math.floor(nCtx / 2), start: wStart, end: Math.min(wStart + nCtx, n0), ownedStart: 0 };
  const cached = reuse > 0 ? host.cachedWindowPrefix(req.docKey, Int32Array.from(ids), window, reuse) : null;
  let step = await pass(wStart + (cached?.len ?? 0), n0, cached);
  const prefixMs = performance.now() - t0;
  const out: ContinuePayload = { ids: [], logprobs: [], prefixMs, stepMs: 0, totalMs: 0 };
  for (let k = 0; k < o.tokens; k++) {
    const next = choose(step.outputs, logprobsName, topkMax, temperature, random);
    out.ids.push(next.id);
    out.logprobs.push(next.logprob);
    if (k === o.tokens - 1) break;
    const t = ids.length;
    ids.push(next.id);
    const owner = ownerWindowStart(t, nCtx);
    if (owner !== wStart) {
      wStart = owner;
      step = await pass(wStart, t + 1, null);
    } else {
      step = await pass(t, t + 1, step.kv);
    }
  }
  out.totalMs = performance.now() - t0;
  out.stepMs = o.tokens > 1 ? (out.totalMs - prefixMs) / (o.tokens - 1) : 0;
  return out;
}
