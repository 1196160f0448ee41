// The worker's engine room: tokenise, find what changed, run the model window by window on top of cached
// KV, encode dictionaries, and hand back only the tokens the main thread does not already hold.
// Runs inside the inference worker (worker.ts); has no knowledge of threads except the abort flag.
import { createHash } from 'node:crypto';
import { TextTokenizer } from '../tokens';
import { ModelRunner, type WindowKv } from './model-runner';
import { DictionaryEncoder, LogitLens } from '../dictionary';
import { DocState, firstDiff, rebase, resizeHook } from './doc-state';
import { DICTIONARY_BATCH_ROWS, planRuns, type Window } from './windows';
import { Coverage, orderRuns, tokensOverlapping } from './priority';
import { readInitializerByShape } from '../onnx';
import type { AnalyzePayload, RunOptions, WorkerInit, WorkerInfo, FeatureRows } from './protocol';
import type { TokenSpan } from '../types';

export class Cancelled extends Error {}

export class InferenceCore {
  private docs = new Map<string, DocState>();
  private lens: LogitLens | null | undefined;

  private constructor(
    readonly init: WorkerInit,
    readonly tokenizer: TextTokenizer,
    readonly model: ModelRunner,
    readonly dicts: Map<string, DictionaryEncoder>,
    private readonly abortFlag: Int32Array,
  ) {}

  static async create(init: WorkerInit): Promise<InferenceCore> {
    const tk = TextTokenizer.fromJson(init.tokenizerJson);
    if (!tk.ok) throw new Error(tk.error.message);
    const tokenizer = tk.value;
    const model = await ModelRunner.create(init.modelPath, init.nLayers, init.nHeads, init.dHead, { threads: init.threads });
    const core = new InferenceCore(init, tokenizer, model, new Map(), new Int32Array(init.abort));
    for (const spec of init.dictionaries) {
      if (!model.hasOutput(spec.hookName)) throw new Error(`dictionary for ${spec.hookName}: model.onnx has no such hook output`);
      core.dicts.set(spec.hookName, await DictionaryEncoder.create(spec, { threads: init.threads }));
    }
    return core;
  }

  info(): WorkerInfo {
    return {
      vocabTexts: Array.from({ length: this.tokenizer.vocabSize }, (_, i) => this.tokenizer.idToText(i)),
      hooks: [...this.dicts.keys()],
      dictionaries: [...this.dicts.values()].map(({ spec: s }) => ({
        hookName: s.hookName, architecture: s.architecture, dIn: s.dIn, dSae: s.dSae, k: s.k, scalingFactor: s.scalingFactor,
      })),
    };
  }

  forget(docKey: string): void {
    this.docs.delete(docKey);
  }

  /** The document's last tokenisation (explain re-tokenises from the first change only). */
  previousEncoding(docKey: string): { text: string; tokens: readonly TokenSpan[] } | undefined {
    return this.docs.get(docKey)?.lastEncoded;
  }

  /** Window `w`'s cached KV for this document, cut to at most `maxLen` positions that match `ids`. */
  cachedWindowPrefix(docKey: string, ids: Int32Array, w: Window, maxLen: number): WindowKv | null {
    const st = this.docs.get(docKey);
    const cached = st?.kv.get(w.index);
    if (!st || !cached) return null;
    const len = Math.min(cached.usable, firstDiff(st.ids, ids) - w.start, maxLen);
    return len > 0 ? this.model.slice(cached.kv, len) : null;
  }

  private checkAbort(id: number): void {
    if (Atomics.load(this.abortFlag, 0) === id) throw new Cancelled();
  }

  async analyze(
    id: number,
    docKey: string,
    text: string,
    opts: RunOptions,
    /** A result for the main thread: the id of its last delivered result of this document (null: none),
     *  so only tokens from the first change on are sent. Null: an internal run (an edited analysis's
     *  base), whose full payload leaves the delivery record as it was. */
    delivery: { baseId: number | null } | null,
    progress: (done: number, total: number) => void,
    /** Visible-first: receives the priority range's complete tokens once its windows are done. */
    partial?: (payload: AnalyzePayload) => void,
  ): Promise<AnalyzePayload> {
    const t0 = performance.now();
    const { nCtx, topkMax } = this.init;
    const stride = Math.floor(nCtx / 2);
    const prior = this.docs.get(docKey);
    const spans = this.tokenizer.encodeIncremental(text, prior?.lastEncoded);
    const n = spans.length;
    const ids = Int32Array.from(spans, (s) => s.id);
    const starts = Int32Array.from(spans, (s) => s.start);
    const ends = Int32Array.from(spans, (s) => s.end);
    const hooks = opts.hooks.length ? opts.hooks : [...this.dicts.keys()];
    for (const h of hooks) if (!this.dicts.has(h)) throw new Error(`no dictionary for hook ${h}`);
    const per = Math.max(1, opts.featuresPerToken);
    const order = opts.featureOrder ?? 'unusual';
    const sig = `${hooks.join(',')}|${per}|${order}|${opts.includeActivations}|${opts.includeStats}`;

    let st = this.docs.get(docKey);
    if (!st) st = new DocState();
    st.lastEncoded = { text, tokens: spans };
    this.docs.delete(docKey);
    this.docs.set(docKey, st); // most recently used last
    const q = rebase(st, ids, starts, ends, sig, topkMax, (w) => w * stride);
    for (const h of hooks) {
      const d = this.dicts.get(h)!.spec.dIn;
      st.hooks.set(h, resizeHook(st.hooks.get(h), q, n, per, d, { stats: opts.includeStats, acts: opts.includeActivations }));
    }

    let modelMs = 0;
    let dictionaryMs = 0;
    // Visible-first: the windows meeting opts.priorityRange run first; coverage keeps st.valid to the
    // positions really computed while windows complete out of order.
    const priority = opts.priorityRange ? tokensOverlapping(starts, ends, opts.priorityRange) : null;
    const { ordered: runs, priorityCount } = orderRuns(planRuns(n, nCtx, q), priority);
    const coverage = new Coverage(n, q);
    const total = runs.reduce((a, r) => a + (r.end - r.runStart), 0);
    let done = 0;
    const chunk = Math.max(1, this.init.chunkTokens);
    // Hook rows of owned positions [flushedTo, pendingEnd) waiting to be encoded: dictionaries run on
    // batches of rows (fewer session runs), and st.valid only advances past encoded positions.
    const pending = new Map<string, Float32Array[]>(hooks.map((h) => [h, []]));
    let flushedTo = q;
    let pendingEnd = q;
    const flush = async () => {
      if (pendingEnd <= flushedTo) return;
      const m = pendingEnd - flushedTo;
      const td = performance.now();
      for (const h of hooks) {
        const enc = this.dicts.get(h)!;
        const d = enc.spec.dIn;
        const parts = pending.get(h)!;
        const rows = parts.length === 1 ? parts[0] : new Float32Array(m * d);
        if (parts.length > 1) parts.reduce((off, p) => (rows.set(p, off), off + p.length), 0);
        parts.length = 0;
        const e = await enc.encode(rows, m, per, { stats: opts.includeStats, order });
        const arr = st.hooks.get(h)!;
        arr.idx.set(e.idx, flushedTo * per);
        arr.act.set(e.act, flushedTo * per);
        arr.ev.set(e.ev, flushedTo);
        if (arr.sqErr && e.sqErr) arr.sqErr.set(e.sqErr, flushedTo);
        if (arr.l0 && e.l0) arr.l0.set(e.l0, flushedTo);
        if (arr.acts) arr.acts.set(rows, flushedTo * d);
      }
      dictionaryMs += performance.now() - td;
      coverage.add(flushedTo, pendingEnd);
      flushedTo = pendingEnd;
      st!.valid = coverage.prefix;
      this.checkAbort(id);
    };
    for (const [r, run] of runs.entries()) {
      this.checkAbort(id);
      // Out of order (visible-first): rows waiting for the dictionaries must stay contiguous.
      const ownedFrom = Math.max(run.ownedStart, q);
      if (ownedFrom !== pendingEnd && ownedFrom < run.end) {
        await flush();
        flushedTo = pendingEnd = ownedFrom;
      }
      let runStart = run.runStart;
      let past: WindowKv | null = null;
      if (runStart > run.start) {
        const cached = st.kv.get(run.index);
        if (cached && cached.usable >= runStart - run.start) past = this.model.slice(cached.kv, runStart - run.start);
        else runStart = run.start;
      }
      // Positions before `outputsFrom` are only context here: their outputs come from the previous window
      // (or are still valid from the last run). A chunk never straddles it, and one wholly before it
      // runs for its KV alone.
      const outputsFrom = Math.max(run.ownedStart, q);
      for (let a = runStart; a < run.end; ) {
        this.checkAbort(id);
        const b = a < outputsFrom ? Math.min(run.end, a + chunk, outputsFrom) : Math.min(run.end, a + chunk);
        if (b <= outputsFrom) {
          const tc = performance.now();
          past = await this.model.runContext(ids.subarray(a, b), past);
          modelMs += performance.now() - tc;
          done += b - a;
          progress(Math.min(done, total), total);
          a = b;
          continue;
        }
        const targets = new Int32Array(b - a);
        for (let i = a; i < b; i++) targets[i - a] = i + 1 < n ? ids[i + 1] : 0;
        const tm = performance.now();
        const out = await this.model.run(ids.subarray(a, b), targets, past, hooks);
        modelMs += performance.now() - tm;
        past = out.kv;
        // Positions before q are already valid (and a rerun from the window start, when its KV was
        // evicted, must not shift the rows waiting for the dictionaries).
        const from = Math.max(a, run.ownedStart, q);
        for (let i = from; i < b; i++) {
          const r = i - a;
          for (let j = 0; j < topkMax; j++) {
            st.topkIds[i * topkMax + j] = Number(out.topkIds[r * topkMax + j]);
            st.topkLogprobs[i * topkMax + j] = out.topkLogprobs[r * topkMax + j];
          }
          st.entropy[i] = out.entropy[r];
          st.targetLogprob[i] = out.targetLogprob[r];
          st.targetRank[i] = Number(out.targetRank[r]);
        }
        if (from < b) {
          for (const h of hooks) {
            const d = this.dicts.get(h)!.spec.dIn;
            pending.get(h)!.push(out.hooks.get(h)!.slice((from - a) * d, (b - a) * d));
          }
          pendingEnd = b;
        }
        done += b - a;
        progress(Math.min(done, total), total);
        a = b;
      }
      if (past) {
        st.kv.set(run.index, { kv: past, usable: past.len });
        // Within the budget as the run goes, not only at its end: a window's KV (2 MiB on the default
        // model) kept for every window of a long document would otherwise outgrow everything else.
        this.enforceBudget(docKey);
      }
      if (pendingEnd - flushedTo >= DICTIONARY_BATCH_ROWS) await flush();
      if (partial && priority && r === priorityCount - 1 && priorityCount < runs.length) {
        await flush();
        const complete = coverage.completeWithin(priority[0], priority[1]);
        if (complete) partial(this.payload(st, text, hooks, per, { ...opts, includeActivations: false, includeStats: false }, complete[0], complete[1]));
      }
    }
    await flush();
    st.valid = n;
    this.enforceBudget(docKey);

    let fromToken = 0;
    if (delivery) {
      if (delivery.baseId !== null && st.deliveredId === delivery.baseId && st.deliveredIds) fromToken = firstDiff(st.deliveredIds, ids);
      st.deliveredId = id;
      st.deliveredIds = ids;
    }
    const payload = this.payload(st, text, hooks, per, opts, fromToken);
    payload.modelMs = modelMs;
    payload.dictionaryMs = dictionaryMs;
    payload.totalMs = performance.now() - t0;
    payload.reusedTokens = q;
    payload.computedTokens = n - q;
    return payload;
  }

  /** Tokens [from, to) (to: the end of the document unless a partial result asks less). */
  private payload(st: DocState, text: string, hooks: string[], per: number, opts: RunOptions, from: number, to = st.ids.length): AnalyzePayload {
    const n = st.ids.length;
    const m = to - from;
    const K = Math.min(opts.topK, this.init.topkMax);
    const topkMax = this.init.topkMax;
    const logprob = new Float32Array(m);
    const rank = new Int32Array(m);
    const entropy = new Float32Array(m);
    const topkIds = new Int32Array(m * K);
    const topkLogprobs = new Float32Array(m * K);
    for (let t = from; t < to; t++) {
      const r = t - from;
      logprob[r] = t === 0 ? NaN : st.targetLogprob[t - 1];
      rank[r] = t === 0 ? -1 : st.targetRank[t - 1];
      entropy[r] = t === 0 ? NaN : st.entropy[t - 1];
      for (let j = 0; j < K; j++) {
        topkIds[r * K + j] = st.topkIds[t * topkMax + j];
        topkLogprobs[r * K + j] = st.topkLogprobs[t * topkMax + j];
      }
    }
    const features: Record<string, FeatureRows> = {};
    let activations: Record<string, Float32Array> | undefined;
    let stats: Record<string, { sqErr: Float32Array; l0: Float32Array }> | undefined;
    for (const h of hooks) {
      const a = st.hooks.get(h)!;
      features[h] = { per, idx: a.idx.slice(from * per, to * per), act: a.act.slice(from * per, to * per), ev: a.ev.slice(from, to) };
      if (opts.includeActivations && a.acts) {
        // Handed over, not copied: [n, d] per hook is the largest thing an analysis makes (6 KB a token on
        // the default model). The next run that asks for activations computes them all again.
        (activations ??= {})[h] = a.acts;
        a.acts = undefined;
        st.valid = 0;
      }
      if (opts.includeStats && a.sqErr && a.l0) (stats ??= {})[h] = { sqErr: a.sqErr.slice(), l0: a.l0.slice() };
    }
    return {
      n, fromToken: from, textSha256: createHash('sha256').update(text).digest('hex'), hooks, topK: K,
      ids: st.ids.slice(from, to), starts: st.starts.slice(from, to), ends: st.ends.slice(from, to),
      logprob, rank, entropy, topkIds, topkLogprobs, nextEntropy: st.entropy.slice(from, to),
      features, activations, stats, modelMs: 0, dictionaryMs: 0, totalMs: 0, reusedTokens: 0, computedTokens: 0,
    };
  }

  /** LRU over documents within the byte budget; a single document over budget drops its oldest windows' KV. */
  private enforceBudget(current: string): void {
    let total = 0;
    for (const s of this.docs.values()) total += s.bytes();
    for (const [key, s] of this.docs) {
      if (total <= this.init.cacheBytes) return;
      if (key === current) continue;
      total -= s.bytes();
      this.docs.delete(key);
    }
    const cur = this.docs.get(current);
    if (!cur) return;
    const windows = [...cur.kv.keys()].sort((a, b) => a - b);
    for (const w of windows) {
      if (total <= this.init.cacheBytes) return;
      const before = cur.bytes();
      cur.kv.delete(w);
      total -= before - cur.bytes();
    }
  }

  cacheBytes(): number {
    let total = 0;
    for (const s of this.docs.values()) total += s.bytes();
    return total;
  }

  async featureLogits(hook: string, index: number, n: number): Promise<{ promoted: [number, number][]; suppressed: [number, number][] }> {
    const enc = this.dicts.get(hook);
    if (!enc) throw new Error(`no dictionary for hook ${hook}`);
    if (enc.spec.dIn !== this.init.dModel) return { promoted: [], suppressed: [] }; // not in the residual stream
    if (this.lens === undefined) {
      const emb = readInitializerByShape(this.init.modelPath, [this.init.dVocab, this.init.dModel]);
      this.lens = emb ? await LogitLens.create(emb, this.init.dVocab, this.init.dModel, { threads: this.init.threads }) : null;
    }
    if (!this.lens) return { promoted: [], suppressed: [] };
    const d = enc.spec.dIn;
    return this.lens.top(enc.spec.W_dec.slice(index * d, (index + 1) * d), n);
  }

  async dispose(): Promise<void> {
    await this.model.release();
    for (const d of this.dicts.values()) await d.release();
  }
}
