// The Engine: main-thread side. Owns the inference worker, the request queue (one run at a time, at
// most one pending request per document, newest wins) and the last delivered result per document, whose
// TokenResult objects are reused for the unchanged prefix of the next result.
import path from 'node:path';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { AnalysisOptions, AnalysisResult, EngineError, FeatureHit, Result, TokenResult, TopKEntry } from '../types';
import type { AnalyzePayload, FromWorker, RunOptions, ToWorker, WorkerInfo } from '../inference/protocol';
import { openBundleSource, type BundleSource } from './bundle-source';
import type { FeatureCard } from './card';
import type { Bundle, Dictionary } from '../bundle';
import { provenanceFromBundle, type SnapshotProvenance } from '../snapshot';
import { tokenIndexAt } from '../tokens';

export interface EngineOpenOptions {
  /** ONNX Runtime intra-op threads (default 2). */
  threads?: number;
  /** SAELens folders; each replaces the bundle's dictionary at its hook (or adds one). */
  extraDictionaries?: string[];
  /** Byte budget of the worker's per-document caches (KV, outputs); default 512 MiB. */
  cacheBytes?: number;
  /** Documents whose last result is kept for reuse on the main thread (default 32). */
  maxDocuments?: number;
  /** Tokens per session.run inside a window: cancellation and progress granularity (default 256). */
  chunkTokens?: number;
  /** Path of the built worker (dist/worker.js); default: worker.js beside this bundle. */
  workerPath?: string;
  /** Check every file's sha256 against the manifest (default true). */
  verifyChecksums?: boolean;
}

export interface DictionaryInfo {
  hookName: string;
  architecture: string;
  dIn: number;
  dSae: number;
  k?: number;
  hasCards: boolean;
}

export interface EngineInfo {
  bundleDir: string;
  modelId: string;
  name: string;
  nCtx: number;
  topkMax: number;
  dVocab: number;
  /** Hooks that have a dictionary, in bundle order. */
  hooks: string[];
  dictionaries: DictionaryInfo[];
}

export interface AnalyzeProgress {
  done: number;
  total: number;
}

/** Engine-internal extras (eval): per-token sq_err and L0 per dictionary. */
export interface AnalysisStats {
  stats?: Record<string, { sqErr: Float32Array; l0: Float32Array }>;
}

interface Job {
  id: number;
  docKey: string;
  text: string;
  options: RunOptions;
  settled: boolean;
  resolve: (r: Result<AnalysisResult & AnalysisStats>) => void;
  onProgress?: (p: AnalyzeProgress) => void;
  detach?: () => void;
}

interface Delivered {
  id: number;
  sig: string;
  result: AnalysisResult;
}

/** Tokens turned into TokenResults between two yields to the event loop. */
const ASSEMBLE_SLICE = 1024;

const err = (kind: EngineError['kind'], message: string, file?: string): { ok: false; error: EngineError } => ({ ok: false, error: { kind, message, file } });

function defaultWorkerPath(): string {
  const candidates = [
    process.env.ACTIVATION_INSPECTOR_WORKER,
    typeof __dirname === 'string' ? path.join(__dirname, 'worker.js') : undefined,
    path.join(process.cwd(), 'dist', 'worker.js'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? 'worker.js';
}

/** Hover lookup: the token covering UTF-16 `offset`, or undefined. */
export function tokenAtOffset(result: AnalysisResult, offset: number): TokenResult | undefined {
  const i = tokenIndexAt(result.tokens, offset);
  return i < 0 ? undefined : result.tokens[i];
}

export class Engine {
  private seq = 0;
  private running: Job | null = null;
  private readonly pending = new Map<string, Job>();
  private readonly delivered = new Map<string, Delivered>();
  private readonly cards = new Map<number, (r: FromWorker & { type: 'card' }) => void>();
  private readonly abortView: Int32Array;
  private dead: EngineError | null = null;
  private readonly stopListeners = new Set<(e: EngineError) => void>();

  private constructor(
    private readonly worker: Worker,
    abort: SharedArrayBuffer,
    readonly info: EngineInfo,
    private readonly vocabTexts: string[],
    private readonly source: BundleSource,
    private readonly maxDocuments: number,
  ) {
    this.abortView = new Int32Array(abort);
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    // An unexpected end of the worker (an uncaught exception in it, its heap running out, an exit in its
    // code; a native crash ends the whole process instead): every waiting caller gets the error, later
    // calls get it at once, and stop listeners hear it once so an owner can start a fresh engine. After
    // dispose() this.dead is already set, so a requested exit is not reported.
    const die = (message: string) => {
      if (this.dead) return;
      this.dead = { kind: 'internal', message };
      this.failAll(this.dead);
      for (const l of [...this.stopListeners]) l(this.dead);
      this.stopListeners.clear();
    };
    worker.on('error', (e) => die(`the inference worker failed: ${e.message}`));
    worker.on('exit', (code) => die(`the inference worker stopped unexpectedly (exit code ${code})`));
  }

  /** Called once if the worker ends without dispose(); the engine is unusable from then on. */
  onStopped(listener: (e: EngineError) => void): () => void {
    if (this.dead) {
      // Already stopped: a crash is still reported (once, to this listener); a disposed engine never will be.
      const dead = this.dead;
      if (dead.kind !== 'cancelled') queueMicrotask(() => listener(dead));
      return () => undefined;
    }
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  static async open(bundleDir: string, opts: EngineOpenOptions = {}): Promise<Result<Engine>> {
    const src = await openBundleSource(bundleDir, opts.extraDictionaries ?? [], opts.verifyChecksums ?? true);
    if (!src.ok) return src;
    return Engine.start(src.value, opts);
  }

  private static async start(b: BundleSource, opts: EngineOpenOptions): Promise<Result<Engine>> {
    const abort = new SharedArrayBuffer(4);
    const workerPath = opts.workerPath ?? defaultWorkerPath();
    if (!fs.existsSync(workerPath)) return err('missing-file', `inference worker ${workerPath} not found (run npm run build)`, workerPath);
    const worker = new Worker(workerPath);
    const init: ToWorker = {
      type: 'init',
      modelPath: b.modelPath,
      tokenizerJson: b.tokenizerJson,
      nLayers: b.nLayers, nHeads: b.nHeads, dHead: b.dHead, dModel: b.dModel, nCtx: b.nCtx, dVocab: b.dVocab, topkMax: b.topkMax,
      dictionaries: b.dictionaries,
      threads: opts.threads ?? 2,
      chunkTokens: opts.chunkTokens ?? 256,
      cacheBytes: opts.cacheBytes ?? 512 * 2 ** 20,
      abort,
    };
    const ready = await new Promise<Result<WorkerInfo>>((resolve) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === 'ready') resolve({ ok: true, value: m.info });
        else if (m.type === 'init-error') resolve({ ok: false, error: { ...m.error, file: m.error.file ?? 'model.onnx' } });
        else return;
        worker.off('message', onMsg);
        worker.off('error', onErr);
      };
      const onErr = (e: Error) => resolve(err('internal', `inference worker failed to start: ${e.message}`));
      worker.on('message', onMsg);
      worker.once('error', onErr);
      // The weights move to the worker (transferred, not copied): only the worker encodes with them.
      const buffers = new Set<ArrayBuffer>();
      // Only arrays that own their whole buffer: a view into a shared buffer (e.g. Node's Buffer pool)
      // is copied instead, or transferring it would detach memory others still use.
      for (const d of b.dictionaries) {
        for (const a of [d.W_enc, d.W_dec, d.b_enc, d.b_dec, d.threshold]) {
          if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer);
        }
      }
      worker.postMessage(init, [...buffers]);
    });
    if (!ready.ok) {
      await worker.terminate();
      return ready;
    }
    const order = b.dictionaries.map((d) => d.hookName);
    const info: EngineInfo = {
      bundleDir: b.dir, modelId: b.id, name: b.name, nCtx: b.nCtx, topkMax: b.topkMax, dVocab: b.dVocab,
      hooks: order,
      dictionaries: ready.value.dictionaries.map((d) => ({ ...d, hasCards: hasBundleCards(b, d.hookName) })),
    };
    return { ok: true, value: new Engine(worker, abort, info, ready.value.vocabTexts, b, opts.maxDocuments ?? 32) };
  }

  /** Decoded text of a vocabulary id ('' when unknown). */
  tokenText(id: number): string {
    return this.vocabTexts[id] ?? '';
  }

  featureLabel(hook: string, index: number): string {
    return this.source.labels.get(hook)?.[index] ?? '';
  }

  /** Fraction of the bundle's card tokens the feature fires on; undefined without cards. */
  featureDensity(hook: string, index: number): number | undefined {
    return this.source.densities.get(hook)?.[index];
  }

  /** The loaded bundle (manifest, hashes, tokenizer) and the dictionaries attached with --sae. */
  get bundle(): Bundle {
    return this.source.bundle;
  }

  get attachedDictionaries(): Dictionary[] {
    return this.source.attached;
  }

  /** Snapshot provenance of this engine's model, tokenizer and the dictionaries in use. */
  provenance(): Omit<SnapshotProvenance, 'createdAt' | 'tool'> {
    const p = provenanceFromBundle(this.source.bundle, this.source.attached);
    const used = new Map(p.dictionaries.map((d) => [d.hookName, d]));
    for (const d of this.source.attached) used.set(d.hookName, { hookName: d.hookName, sha256: d.sha256, architecture: d.cfg.architecture, dSae: d.cfg.d_sae });
    return { ...p, dictionaries: [...used.values()] };
  }

  analyze(
    docKey: string,
    text: string,
    options: AnalysisOptions & { includeStats?: boolean },
    signal?: AbortSignal,
    onProgress?: (p: AnalyzeProgress) => void,
  ): Promise<Result<AnalysisResult & AnalysisStats>> {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    if (signal?.aborted) return Promise.resolve(err('cancelled', 'analysis cancelled'));
    if (typeof text !== 'string') return Promise.resolve(err('bad-input', 'text is not a string'));
    const topK = Math.floor(options.topK);
    if (!(topK >= 1 && topK <= this.info.topkMax)) return Promise.resolve(err('bad-input', `topK must be 1..${this.info.topkMax}`));
    const per = Math.floor(options.featuresPerToken);
    if (!(per >= 1 && per <= 1000)) return Promise.resolve(err('bad-input', 'featuresPerToken must be 1..1000'));
    for (const h of options.hooks) if (!this.info.hooks.includes(h)) return Promise.resolve(err('bad-input', `no dictionary for hook ${h}`));
    const runOpts: RunOptions = {
      topK, featuresPerToken: per,
      hooks: options.hooks.length ? [...options.hooks] : [...this.info.hooks],
      includeActivations: !!options.includeActivations,
      includeStats: !!options.includeStats,
    };
    return new Promise((resolve) => {
      const job: Job = { id: ++this.seq, docKey, text, options: runOpts, settled: false, resolve, onProgress };
      const older = this.pending.get(docKey);
      if (older) {
        this.pending.delete(docKey);
        this.settle(older, err('superseded', 'a newer analysis of this document replaced this one'));
      }
      if (this.running && this.running.docKey === docKey && !this.running.settled) {
        Atomics.store(this.abortView, 0, this.running.id);
        this.settle(this.running, err('superseded', 'a newer analysis of this document replaced this one'));
      }
      if (signal) {
        const onAbort = () => {
          if (this.pending.get(docKey) === job) this.pending.delete(docKey);
          if (this.running === job) Atomics.store(this.abortView, 0, job.id);
          this.settle(job, err('cancelled', 'analysis cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(docKey, job);
      this.pump();
    });
  }

  /** Requests waiting behind the running one (at most one per document). */
  get queued(): number {
    return this.pending.size;
  }

  async getCard(hook: string, index: number): Promise<Result<FeatureCard>> {
    const dict = this.info.dictionaries.find((d) => d.hookName === hook);
    if (!dict) return err('bad-input', `no dictionary for hook ${hook}`);
    if (!(Number.isInteger(index) && index >= 0 && index < dict.dSae)) return err('bad-input', `feature ${index} is out of range for ${hook}`);
    if (dict.hasCards) {
      const c = await this.source.bundle.cards.getCard(hook, index);
      if (!c.ok) return c;
      return { ok: true, value: { ...c.value, promoted: c.value.promoted ?? [], suppressed: c.value.suppressed ?? [] } as FeatureCard };
    }
    if (this.dead) return { ok: false, error: this.dead };
    const id = ++this.seq;
    const reply = await new Promise<FromWorker & { type: 'card' }>((resolve) => {
      this.cards.set(id, resolve);
      this.post({ type: 'card', id, hook, index, n: 10 });
    });
    if (reply.error) return { ok: false, error: reply.error };
    const toLogits = (xs: [number, number][]) => xs.map(([tid, logit]) => ({ id: tid, text: this.tokenText(tid), logit }));
    return { ok: true, value: { index, label: this.featureLabel(hook, index), promoted: toLogits(reply.promoted), suppressed: toLogits(reply.suppressed), computed: true } };
  }

  forget(docKey: string): void {
    this.delivered.delete(docKey);
    this.post({ type: 'forget', docKey });
  }

  async dispose(): Promise<void> {
    if (this.dead) return;
    this.dead = { kind: 'cancelled', message: 'engine disposed' };
    this.stopListeners.clear();
    if (this.running) Atomics.store(this.abortView, 0, this.running.id); // stop between session runs
    this.failAll(this.dead);
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
    // The abort flag ends a run at its next session boundary (well under a second), then the worker
    // exits by itself. terminate() is the last resort for a worker that is stuck: ending a thread
    // under a native run still in flight is unsafe, so it waits long enough for any one run to end.
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private post(m: ToWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private settle(job: Job, r: Result<AnalysisResult & AnalysisStats>): void {
    if (job.settled) return;
    job.settled = true;
    job.detach?.();
    job.resolve(r);
  }

  private failAll(e: EngineError): void {
    for (const j of this.pending.values()) this.settle(j, { ok: false, error: e });
    this.pending.clear();
    if (this.running) this.settle(this.running, { ok: false, error: e });
    for (const c of this.cards.values()) c({ type: 'card', id: 0, promoted: [], suppressed: [], error: e });
    this.cards.clear();
  }

  private pump(): void {
    if (this.running || this.dead) return;
    const next = this.pending.entries().next();
    if (next.done) return;
    const [docKey, job] = next.value;
    this.pending.delete(docKey);
    this.running = job;
    const base = this.delivered.get(docKey);
    const baseId = base && base.sig === sigOf(job.options) ? base.id : null;
    this.post({ type: 'analyze', id: job.id, docKey, text: job.text, options: job.options, baseId });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'progress') {
      if (this.running?.id === m.id && !this.running.settled) this.running.onProgress?.({ done: m.done, total: m.total });
      return;
    }
    if (m.type === 'card') {
      this.cards.get(m.id)?.(m);
      this.cards.delete(m.id);
      return;
    }
    if (m.type !== 'result' && m.type !== 'failed') return;
    const job = this.running;
    if (!job || job.id !== m.id) return;
    if (m.type === 'failed') {
      this.running = null;
      this.settle(job, { ok: false, error: m.error });
      this.pump();
      return;
    }
    // Applied even when the caller has gone (superseded): the worker now counts it as delivered. The
    // next request is sent only after this result is in place, since it may build on it.
    void this.assemble(job, m.payload).then(
      (result) => this.settle(job, { ok: true, value: result }),
      (e) => this.settle(job, err('internal', `could not assemble the result: ${(e as Error).message}`)),
    ).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  /** Builds TokenResults for the new tokens, yielding to the event loop every few thousand tokens so a
   *  huge document never holds the caller's thread for long. */
  private async assemble(job: Job, p: AnalyzePayload): Promise<AnalysisResult & AnalysisStats> {
    const base = this.delivered.get(job.docKey);
    const prefix = p.fromToken > 0 && base ? base.result.tokens.slice(0, p.fromToken) : [];
    const tokens: TokenResult[] = prefix;
    const K = p.topK;
    for (let r = 0; r < p.n - p.fromToken; r++) {
      if (r > 0 && r % ASSEMBLE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const topk: TopKEntry[] = new Array(K);
      for (let j = 0; j < K; j++) {
        const id = p.topkIds[r * K + j];
        topk[j] = { id, text: this.vocabTexts[id] ?? '', prob: Math.exp(p.topkLogprobs[r * K + j]) };
      }
      const features: Record<string, FeatureHit[]> = {};
      const reconstruction: Record<string, number> = {};
      for (const h of p.hooks) {
        const f = p.features[h];
        const hits: FeatureHit[] = [];
        for (let j = 0; j < f.per; j++) {
          const a = f.act[r * f.per + j];
          if (a > 0) hits.push({ index: f.idx[r * f.per + j], activation: a });
        }
        features[h] = hits;
        reconstruction[h] = f.ev[r];
      }
      const start = p.starts[r];
      const end = p.ends[r];
      const lp = p.logprob[r];
      tokens.push({
        id: p.ids[r], text: job.text.slice(start, end), start, end,
        logprob: Number.isNaN(lp) ? null : lp,
        rank: p.rank[r] < 0 ? null : p.rank[r],
        entropy: Number.isNaN(p.entropy[r]) ? null : p.entropy[r],
        topk, nextEntropy: p.nextEntropy[r], features, reconstruction,
      });
    }
    const result: AnalysisResult & AnalysisStats = {
      modelId: this.info.modelId,
      textSha256: p.textSha256,
      textLength: job.text.length,
      tokens,
      hooks: p.hooks,
      timings: { totalMs: p.totalMs, modelMs: p.modelMs, dictionaryMs: p.dictionaryMs, reusedTokens: p.reusedTokens, computedTokens: p.computedTokens },
    };
    if (p.activations) result.activations = p.activations;
    if (p.stats) result.stats = p.stats;
    this.delivered.delete(job.docKey);
    this.delivered.set(job.docKey, { id: job.id, sig: sigOf(job.options), result });
    while (this.delivered.size > this.maxDocuments) this.delivered.delete(this.delivered.keys().next().value!);
    return result;
  }
}

function hasBundleCards(b: BundleSource, hook: string): boolean {
  return b.bundle.cards.hasCards(hook) && !b.attached.some((d) => d.hookName === hook);
}

function sigOf(o: RunOptions): string {
  return `${o.topK}|${o.featuresPerToken}|${o.hooks.join(',')}|${o.includeActivations}|${o.includeStats}`;
}
