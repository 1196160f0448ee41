// Explains one position inside the inference worker. Costs at most one window pass: the model runs over
// the tokens of the position's window up to and including the position (causal, so nothing after it
// matters), on top of the document's cached KV prefix for that window when the analysis left one. The
// hooks at the position and the window's keys/values then give, in plain arithmetic: the logit lens
// (a small ONNX graph), each head's attention row and output, and the direct logit attribution.
import { createHash } from 'node:crypto';
import type { DictionaryEncoder } from '../dictionary';
import { planWindows, type ModelRunner, type Window, type WindowKv, type WorkerInit } from '../inference';
import { tokenIndexAt, type TextTokenizer } from '../tokens';
import type { TokenSpan } from '../types';
import { headAttention, headResult, headRows } from './attention';
import { dictionaryGroup, dictionaryPath, groupSums, logitDirection, modelTerms, type DictionaryAtPosition } from './attribution';
import { LensSession } from './lens';
import type { AttributionTerm, ExplainAt, ExplainOptions, Explanation, HeadAttention } from './types';
import { CannotExplain, readExplainWeights, REEXPORT_HINT, type ExplainWeights } from './weights';

/** A request explain cannot serve as asked (no such token, id out of range). */
export class BadExplainRequest extends Error {}

/** What the explainer borrows from the worker's inference core. */
export interface ExplainHost {
  readonly init: WorkerInit;
  readonly tokenizer: TextTokenizer;
  readonly model: ModelRunner;
  readonly dicts: ReadonlyMap<string, DictionaryEncoder>;
  /** The document's previous tokenisation, so re-tokenising starts at the first change. */
  previousEncoding(docKey: string): { text: string; tokens: readonly TokenSpan[] } | undefined;
  /** The document's cached KV for window `w`, cut to at most `maxLen` positions that still match `ids`. */
  cachedWindowPrefix(docKey: string, ids: Int32Array, w: Window, maxLen: number): WindowKv | null;
}

export interface ExplainRequest {
  docKey: string;
  text: string;
  at: ExplainAt;
  options: ExplainOptions;
}

const DEFAULT_LENS_TOP_K = 10;

export class Explainer {
  private resources: Promise<{ weights: ExplainWeights; lens: LensSession }> | undefined;

  constructor(private readonly host: ExplainHost) {}

  /** Throws CannotExplain (bundle), BadExplainRequest (request), or whatever `checkStop` throws. */
  async explain(req: ExplainRequest, modelId: string, checkStop: () => void): Promise<Explanation> {
    const t0 = performance.now();
    const { init, tokenizer, model } = this.host;
    const spans = tokenizer.encodeIncremental(req.text, this.host.previousEncoding(req.docKey));
    const n = spans.length;
    const p = 'offset' in req.at ? tokenIndexAt(spans, req.at.offset) : req.at.token;
    if (!(Number.isInteger(p) && p >= 0 && p < n)) {
      throw new BadExplainRequest('offset' in req.at ? `no token at offset ${req.at.offset}` : `token ${req.at.token} is out of range (the text has ${n} tokens)`);
    }
    for (const id of [req.options.target, req.options.versus]) {
      if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id < init.dVocab)) throw new BadExplainRequest(`token id ${id} is out of range 0..${init.dVocab - 1}`);
    }
    const hooks = this.hooksNeeded();
    const ids = Int32Array.from(spans, (s) => s.id);
    const w = planWindows(n, init.nCtx).find((x) => p >= x.ownedStart && p < x.end)!;
    const res = await this.load();
    checkStop();

    // The window's tokens up to p, in chunks (cancellation points), on top of any cached prefix.
    let past = this.host.cachedWindowPrefix(req.docKey, ids, w, p - w.start);
    const reused = past?.len ?? 0;
    const tm = performance.now();
    let last: Awaited<ReturnType<ModelRunner['run']>> | undefined;
    for (let a = w.start + reused; a <= p; ) {
      checkStop();
      const b = Math.min(p + 1, a + Math.max(1, init.chunkTokens));
      const targets = Int32Array.from({ length: b - a }, (_, i) => (a + i + 1 < n ? ids[a + i + 1] : 0));
      last = await model.run(ids.subarray(a, b), targets, past, hooks);
      past = last.kv;
      a = b;
    }
    const modelMs = performance.now() - tm;
    if (!last || !past) throw new Error('explain ran no tokens');
    // p is the last row of the last chunk.
    const lastRow = last.entropy.length - 1;
    const at = (hook: string, width: number) => last!.hooks.get(hook)!.subarray(lastRow * width, (lastRow + 1) * width);

    const target = req.options.target ?? (p + 1 < n ? ids[p + 1] : Number(last.topkIds[lastRow * init.topkMax]));
    const versus = req.options.versus ?? null;
    const explanation = await this.compute(res, { p, w, ids, at, kv: past, target, versus, topK: req.options.topK ?? DEFAULT_LENS_TOP_K }, checkStop);
    const span = spans[p];
    return {
      modelId,
      textSha256: createHash('sha256').update(req.text).digest('hex'),
      position: p,
      token: { id: span.id, text: span.text, start: span.start, end: span.end },
      windowStart: w.start,
      windowTokens: spans.slice(w.start, p + 1).map((s) => ({ id: s.id, text: s.text, start: s.start, end: s.end })),
      target: { id: target, text: tokenizer.idToText(target) },
      targetIsNext: p + 1 < n && target === ids[p + 1],
      versus: versus === null ? null : { id: versus, text: tokenizer.idToText(versus) },
      ...explanation,
      timings: { totalMs: performance.now() - t0, modelMs, tokensRun: p - w.start + 1 - reused, reusedTokens: reused },
    };
  }

  private async compute(
    res: { weights: ExplainWeights; lens: LensSession },
    c: { p: number; w: Window; ids: Int32Array; at: (hook: string, width: number) => Float32Array; kv: WindowKv; target: number; versus: number | null; topK: number },
    checkStop: () => void,
  ): Promise<Pick<Explanation, 'logit' | 'lens' | 'attention' | 'attribution' | 'groups'>> {
    const { init, tokenizer } = this.host;
    const { nLayers: L, nHeads: H, dHead, dModel: d } = init;
    const W = res.weights;
    const pre = (l: number) => c.at(`blocks.${l}.hook_resid_pre`, d);
    const xFinal = c.at(`blocks.${L - 1}.hook_resid_post`, d);

    // Logit lens: resid_pre of every block, then the last resid_post.
    const lensHooks = [...Array.from({ length: L }, (_, l) => `blocks.${l}.hook_resid_pre`), `blocks.${L - 1}.hook_resid_post`];
    const lensRows = new Float32Array(lensHooks.length * d);
    lensHooks.forEach((h, i) => lensRows.set(c.at(h, d), i * d));
    const topK = Math.max(1, Math.min(Math.floor(c.topK), init.topkMax));
    const lr = await res.lens.run(lensRows, lensHooks.length, c.target, topK);
    const lens = lensHooks.map((hook, i) => ({
      hook,
      topk: Array.from({ length: topK }, (_, j) => {
        const id = lr.topIds[i * topK + j];
        return { id, text: tokenizer.idToText(id), prob: Math.exp(lr.topLogprobs[i * topK + j]) };
      }),
      targetProb: Math.exp(lr.targetLogprob[i]),
      targetRank: lr.targetRank[i],
    }));
    checkStop();

    // Attention rows and each head's output, from the window's keys and values (positions 0..p).
    const attention: HeadAttention[] = [];
    const headOutputs: Float64Array[][] = [];
    const mlpOutputs: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      const rowsL = headRows(pre(l), W.layers[l], c.kv.keys[l], c.kv.values[l], c.kv.len, { nHeads: H, dHead, eps: W.eps });
      rowsL.forEach((r, h) => attention.push(headAttention(l, h, r.pattern, c.w.start)));
      headOutputs.push(rowsL.map((r, h) => headResult(r.z, h, W.layers[l].outW, d)));
      const mid = c.at(`blocks.${l}.hook_resid_mid`, d);
      const post = c.at(`blocks.${l}.hook_resid_post`, d);
      mlpOutputs.push(post.map((v, i) => v - mid[i]));
    }

    const dir = logitDirection(xFinal, W, c.target, c.versus);
    const pos = c.p - c.w.start;
    const model = modelTerms(dir, {
      embed: W.wte.subarray(c.ids[c.p] * d, (c.ids[c.p] + 1) * d),
      posEmbed: W.wpe.subarray(pos * d, (pos + 1) * d),
      headOutputs, mlpOutputs,
    }, W);
    const attribution: AttributionTerm[] = model.map(({ stage: _stage, ...t }) => t);
    const paths = new Map<string, 'residual' | 'mlp-out'>();
    for (const enc of this.host.dicts.values()) {
      const s = enc.spec;
      if (!dictionaryPath(s.hookName, d, s.dIn)) continue;
      checkStop();
      const x = c.at(s.hookName, s.dIn);
      const encoded = await enc.encode(x.slice(), 1, 1, { featureActs: true });
      const scale = s.normalizeActivations === 'expected_average_only_in' ? s.scalingFactor ?? 1 : 1;
      const dict: DictionaryAtPosition = { hook: s.hookName, x, acts: encoded.featureActs!, W_dec: s.W_dec, b_dec: s.b_dec, scale };
      const g = dictionaryGroup(dict, model, dir, W);
      if (!g) continue;
      attribution.push(...g.terms);
      paths.set(s.hookName, g.path);
    }
    return { logit: dir.logit, lens, attention, attribution, groups: groupSums(attribution, paths) };
  }

  /** Every block's resid_pre/mid/post plus the dictionaries' hooks; CannotExplain if the model lacks one. */
  private hooksNeeded(): string[] {
    const { nLayers } = this.host.init;
    const hooks = new Set<string>();
    for (let l = 0; l < nLayers; l++) for (const k of ['hook_resid_pre', 'hook_resid_mid', 'hook_resid_post']) hooks.add(`blocks.${l}.${k}`);
    for (const h of this.host.dicts.keys()) hooks.add(h);
    for (const h of hooks) if (!this.host.model.hasOutput(h)) throw new CannotExplain(`this bundle cannot explain predictions: model.onnx has no ${h} output; ${REEXPORT_HINT}`);
    return [...hooks];
  }

  private load(): Promise<{ weights: ExplainWeights; lens: LensSession }> {
    this.resources ??= (async () => {
      const { init } = this.host;
      const mlpLayers = new Set<number>();
      for (const h of this.host.dicts.keys()) {
        const m = /^blocks\.(\d+)\.mlp\.hook_post$/.exec(h);
        if (m) mlpLayers.add(Number(m[1]));
      }
      const weights = await readExplainWeights(init.modelPath, init.nLayers, mlpLayers);
      const lens = await LensSession.create(weights, init.dVocab, init.dModel, { threads: init.threads });
      return { weights, lens };
    })();
    // A bundle that cannot explain says so on every request (the rejection stays cached).
    return this.resources;
  }

  async release(): Promise<void> {
    const r = await this.resources?.catch(() => undefined);
    await r?.lens.release();
  }
}
