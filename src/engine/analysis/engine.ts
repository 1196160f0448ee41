// The Engine: the main-thread face of one inference worker. It checks requests and wires the parts
// that each do one job: the worker's life (worker-host.ts), the analysis queue (job-queue.ts), turning
// the worker's payloads into results (result-assembly.ts) and feature cards (card-requests.ts).
import type { Bundle, Dictionary } from '../bundle';
import type { AnalyzePayload, RunOptions } from '../inference';
import type { FromWorker } from '../worker';
import { provenanceFromBundle, type SnapshotProvenance } from '../snapshot';
import { tokenIndexAt } from '../tokens';
import { FEATURE_ORDERS, type AnalysisOptions, type AnalysisResult, type EngineError, type Result, type TokenResult } from '../types';
import { rankedAfter } from '../../shared/featureDensity';
import { openBundleSource, type BundleSource } from './bundle-source';
import type { FeatureCard } from './card';
import { CardRequests } from './card-requests';
import { ExplainRequests } from './explain-requests';
import { EditRequests } from './edit-requests';
import { editProblem, type Continuation, type ContinueOptions, type EditedAnalysis, type FeatureEdit } from '../edit';
import type { ExplainAt, ExplainOptions, Explanation } from '../explain';
import { failure } from './failure';
import { AnalysisQueue, type RunProgress } from './job-queue';
import { ResultAssembler, type AnalysisStats } from './result-assembly';
import { defaultWorkerPath, transferableWeights, WorkerHost } from './worker-host';

export type { AnalysisStats } from './result-assembly';

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
  /** How long a computed feature card may take before getCard() answers an error (default 60 s). */
  cardTimeoutMs?: number;
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

export type AnalyzeProgress = RunProgress;

/** What labels.json says about one feature (docs/bundle-format.md); a field is absent where the bundle
 *  does not give it. */
export interface FeatureFacts {
  label: string;
  /** Fraction of owned positions of held-out text where it fires. */
  density?: number;
  /** Its firings concentrate in one band of window positions. */
  positional?: boolean;
  /** Label score 0-1. */
  score?: number;
  /** score >= the dictionary's readable_threshold (absent without both). */
  readable?: boolean;
  /** Median activation where it fires (0: dead on held-out text). */
  typicalActivation?: number;
  /** Dense or positional: listed after the others in the 'unusual' order (src/shared/featureDensity.ts). */
  rankedAfter: boolean;
}

type EngineResult = AnalysisResult & AnalysisStats;

/** Hover lookup: the token covering UTF-16 `offset`, or undefined. */
export function tokenAtOffset(result: AnalysisResult, offset: number): TokenResult | undefined {
  const i = tokenIndexAt(result.tokens, offset);
  return i < 0 ? undefined : result.tokens[i];
}

export class Engine {
  private readonly queue: AnalysisQueue<AnalyzePayload, EngineResult>;
  private readonly results: ResultAssembler;
  private readonly cards: CardRequests;
  private readonly explains: ExplainRequests;
  private readonly edits: EditRequests;

  private constructor(
    private readonly host: WorkerHost,
    readonly info: EngineInfo,
    vocabTexts: string[],
    private readonly source: BundleSource,
    opts: EngineOpenOptions,
  ) {
    const results = new ResultAssembler(info.modelId, vocabTexts, opts.maxDocuments ?? 32);
    this.results = results;
    this.queue = new AnalysisQueue({
      start: (run) => host.post({ type: 'analyze', id: run.id, docKey: run.docKey, text: run.text, options: run.options, baseId: results.baseFor(run.docKey, run.options) }),
      abort: (id) => host.abort(id),
      finish: (run, payload) => results.assemble(run, payload),
    });
    this.cards = new CardRequests(
      {
        dictionaries: info.dictionaries,
        store: source.bundle.cards,
        post: (request) => host.post(request),
        featureLabel: (hook, index) => this.featureLabel(hook, index),
        tokenText: (id) => results.tokenText(id),
      },
      { timeoutMs: opts.cardTimeoutMs },
    );
    this.explains = new ExplainRequests({ post: (r) => host.post(r), abort: (id) => host.abort(id) }, info.modelId);
    this.edits = new EditRequests({ post: (r) => host.post(r), abort: (id) => host.abort(id) }, info.modelId, (id) => results.tokenText(id));
    host.listen((m) => this.route(m));
    // Registered first, so every waiting caller has its error before the owner's stop listeners run.
    host.onStopped((e) => this.close(e));
  }

  static async open(bundleDir: string, opts: EngineOpenOptions = {}): Promise<Result<Engine>> {
    const src = await openBundleSource(bundleDir, opts.extraDictionaries ?? [], opts.verifyChecksums ?? true);
    if (!src.ok) return src;
    const b = src.value;
    const started = await WorkerHost.start(opts.workerPath ?? defaultWorkerPath(), {
      modelPath: b.modelPath,
      tokenizerJson: b.tokenizerJson,
      nLayers: b.nLayers, nHeads: b.nHeads, dHead: b.dHead, dModel: b.dModel, nCtx: b.nCtx, dVocab: b.dVocab, topkMax: b.topkMax,
      dictionaries: b.dictionaries,
      threads: opts.threads ?? 2,
      chunkTokens: opts.chunkTokens ?? 256,
      cacheBytes: opts.cacheBytes ?? 512 * 2 ** 20,
    }, transferableWeights(b.dictionaries));
    if (!started.ok) return started;
    const { host, info: ready } = started.value;
    const info: EngineInfo = {
      bundleDir: b.dir, modelId: b.id, name: b.name, nCtx: b.nCtx, topkMax: b.topkMax, dVocab: b.dVocab,
      hooks: b.dictionaries.map((d) => d.hookName),
      dictionaries: ready.dictionaries.map((d) => ({ ...d, hasCards: hasBundleCards(b, d.hookName) })),
    };
    return { ok: true, value: new Engine(host, info, ready.vocabTexts, b, opts) };
  }

  /** Called once if the worker ends without dispose(); the engine is unusable from then on. */
  onStopped(listener: (e: EngineError) => void): () => void {
    return this.host.onStopped(listener);
  }

  /** Decoded text of a vocabulary id ('' when unknown). */
  tokenText(id: number): string {
    return this.results.tokenText(id);
  }

  featureLabel(hook: string, index: number): string {
    return this.source.labels.get(hook)?.[index] ?? '';
  }

  /** Fraction of the bundle's card tokens the feature fires on; undefined without cards. */
  featureDensity(hook: string, index: number): number | undefined {
    return this.source.densities.get(hook)?.[index];
  }

  /** What the bundle's labels.json says about one feature (docs/bundle-format.md); undefined when its
   *  dictionary has no cards (or the index is out of range). */
  featureFacts(hook: string, index: number): FeatureFacts | undefined {
    const labels = this.source.labels.get(hook);
    const f = this.source.facts.get(hook);
    if (!labels || !f || !Number.isInteger(index) || index < 0 || index >= labels.length) return undefined;
    const facts: FeatureFacts = { label: labels[index], rankedAfter: rankedAfter(f.density?.[index], f.positional?.[index]) };
    if (f.density) facts.density = f.density[index];
    if (f.positional) facts.positional = f.positional[index];
    if (f.typicalActivation) facts.typicalActivation = f.typicalActivation[index];
    if (f.score) {
      facts.score = f.score[index];
      if (f.readableThreshold !== undefined) facts.readable = f.score[index] >= f.readableThreshold;
    }
    return facts;
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
  ): Promise<Result<EngineResult>> {
    if (this.host.ended) return Promise.resolve({ ok: false, error: this.host.ended });
    const checked = this.runOptions(text, options);
    if (!checked.ok) return Promise.resolve(checked);
    return this.queue.submit(docKey, text, checked.value, signal, onProgress);
  }

  /** Requests waiting behind the running one (at most one per document). */
  get queued(): number {
    return this.queue.queued;
  }

  getCard(hook: string, index: number): Promise<Result<FeatureCard>> {
    return this.cards.get(hook, index);
  }

  /**
   * Why the model predicts what it does at one token (docs/engine.md, "Explaining one prediction"): the
   * logit lens, every head's attention row and the direct logit attribution. Runs in the worker over at
   * most one window; a newer explain() for the same docKey supersedes this one.
   */
  explain(docKey: string, text: string, at: ExplainAt, options: ExplainOptions = {}, signal?: AbortSignal): Promise<Result<Explanation>> {
    if (this.host.ended) return Promise.resolve({ ok: false, error: this.host.ended });
    const bad = this.explainProblem(text, at, options);
    if (bad) return Promise.resolve(failure('bad-input', bad));
    return this.explains.submit(docKey, text, at, { ...options }, signal);
  }

  /**
   * The analysis with dictionary features edited (docs/engine.md, "Editing features"): every token's
   * log-prob and next-token distribution under the edited model beside the unedited ones. Brings the
   * document's plain analysis up to date first (nothing to do when it is current; pass the options the
   * plain analysis uses, so its cache is kept). A newer analyzeEdited() for the same docKey supersedes.
   */
  analyzeEdited(docKey: string, text: string, edits: FeatureEdit[], options: AnalysisOptions, signal?: AbortSignal): Promise<Result<EditedAnalysis>> {
    if (this.host.ended) return Promise.resolve({ ok: false, error: this.host.ended });
    const checked = this.runOptions(text, options);
    if (!checked.ok) return Promise.resolve(checked);
    const bad = editProblem(edits, this.info.dictionaries, text.length) ?? (edits.length ? null : 'no edits given');
    if (bad) return Promise.resolve(failure('bad-input', bad));
    const { topK, featuresPerToken, featureOrder, hooks } = checked.value;
    return this.edits.edit({ docKey, text, edits, options: { topK, featuresPerToken, featureOrder, hooks } }, signal);
  }

  /** A continuation of `options.tokens` tokens from UTF-16 `offset` (greedy, or sampled with a seed),
   *  with or without edits; the document is not changed. Superseded per docKey by a newer continue(). */
  continue(docKey: string, text: string, offset: number, options: ContinueOptions, signal?: AbortSignal): Promise<Result<Continuation>> {
    if (this.host.ended) return Promise.resolve({ ok: false, error: this.host.ended });
    const bad = continueProblem(text, offset, options) ?? editProblem(options.edits ?? [], this.info.dictionaries, text.length);
    if (bad) return Promise.resolve(failure('bad-input', bad));
    return this.edits.continue({ docKey, text, offset, options }, signal);
  }

  forget(docKey: string): void {
    this.results.forget(docKey);
    this.host.post({ type: 'forget', docKey });
  }

  /** Stops the worker; pending calls resolve 'cancelled'. */
  async dispose(): Promise<void> {
    if (this.host.ended) return;
    // The queue sets the abort flag for a run in flight, so the worker stops between session runs.
    this.close({ kind: 'cancelled', message: 'engine disposed' });
    await this.host.dispose();
  }

  private close(e: EngineError): void {
    this.queue.close(e);
    this.cards.close(e);
    this.explains.close(e);
    this.edits.close(e);
  }

  private explainProblem(text: string, at: ExplainAt, o: ExplainOptions): string | null {
    if (typeof text !== 'string') return 'text is not a string';
    const where = 'offset' in at ? at.offset : at.token;
    if (!(Number.isInteger(where) && where >= 0)) return `${'offset' in at ? 'offset' : 'token'} must be a whole number >= 0`;
    for (const [name, id] of [['target', o.target], ['versus', o.versus]] as const) {
      if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id < this.info.dVocab)) return `${name} must be a token id 0..${this.info.dVocab - 1}`;
    }
    if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1 && o.topK <= this.info.topkMax)) return `topK must be 1..${this.info.topkMax}`;
    return null;
  }

  private runOptions(text: string, options: AnalysisOptions & { includeStats?: boolean }): Result<RunOptions> {
    if (typeof text !== 'string') return failure('bad-input', 'text is not a string');
    const topK = Math.floor(options.topK);
    if (!(topK >= 1 && topK <= this.info.topkMax)) return failure('bad-input', `topK must be 1..${this.info.topkMax}`);
    const per = Math.floor(options.featuresPerToken);
    if (!(per >= 1 && per <= 1000)) return failure('bad-input', 'featuresPerToken must be 1..1000');
    for (const h of options.hooks) if (!this.info.hooks.includes(h)) return failure('bad-input', `no dictionary for hook ${h}`);
    const featureOrder = options.featureOrder ?? 'unusual';
    if (!FEATURE_ORDERS.includes(featureOrder)) return failure('bad-input', `featureOrder must be ${FEATURE_ORDERS.join(' or ')}`);
    const pr = options.priorityRange;
    if (pr && !(Number.isInteger(pr.start) && Number.isInteger(pr.end) && pr.start >= 0 && pr.end >= pr.start)) return failure('bad-input', 'priorityRange must be whole numbers 0 <= start <= end');
    return {
      ok: true,
      value: {
        topK, featuresPerToken: per, featureOrder,
        hooks: options.hooks.length ? [...options.hooks] : [...this.info.hooks],
        includeActivations: !!options.includeActivations,
        includeStats: !!options.includeStats,
        ...(options.priorityRange ? { priorityRange: { start: options.priorityRange.start, end: options.priorityRange.end } } : {}),
      },
    };
  }

  private route(m: FromWorker): void {
    switch (m.type) {
      case 'progress':
        return this.queue.progress(m.id, m.done, m.total);
      case 'result':
        return this.queue.completed(m.id, m.payload);
      case 'partial':
        return this.queue.partial(m.id, (run) => this.results.partial(run, m.payload));
      case 'failed':
        return this.queue.failed(m.id, m.error);
      case 'card':
        this.cards.reply(m);
        return;
      case 'explanation':
        this.explains.reply(m);
        return;
      case 'edit-result':
      case 'continue-result':
        this.edits.reply(m);
        return;
    }
  }
}

function continueProblem(text: string, offset: number, o: ContinueOptions): string | null {
  if (typeof text !== 'string') return 'text is not a string';
  if (!(Number.isInteger(offset) && offset > 0 && offset <= text.length)) return `offset must be a whole number in 1..${text.length} (the text before it is continued)`;
  if (!(Number.isInteger(o?.tokens) && o.tokens >= 1 && o.tokens <= 4096)) return 'tokens must be a whole number in 1..4096';
  if (o.temperature !== undefined && !(Number.isFinite(o.temperature) && o.temperature >= 0 && o.temperature <= 100)) return 'temperature must be a number in 0..100';
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 32)) return 'seed must be a whole number in 0..2^32-1';
  return null;
}

function hasBundleCards(b: BundleSource, hook: string): boolean {
  return b.bundle.cards.hasCards(hook) && !b.attached.some((d) => d.hookName === hook);
}
