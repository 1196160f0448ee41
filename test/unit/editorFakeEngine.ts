// A deterministic stand-in for the engine in unit tests: splits text into word/space tokens, gives
// each a made-up prediction, takes `delayMs` per run, and supersedes older runs per document like the
// real engine does.
import { createHash } from 'node:crypto';
import type { AnalysisOptions, AnalysisResult, Continuation, ContinueOptions, EditedAnalysis, EngineError, ExplainOptions, Explanation, FeatureCard, FeatureEdit, Result, TokenResult } from '../../src/engine';
import type { AnalysisEngine, AnalyzeProgress } from '../../src/editor/model/engineApi';
import { fakeExplanation } from './explainFixtures';
import { fakeContinuation, fakeEditedAnalysis } from './editFixtures';

export function fakeAnalysis(text: string, modelId = 'fake-model', hooks = ['blocks.0.hook_resid_post']): AnalysisResult {
  const tokens: TokenResult[] = [];
  const re = /\s+|[A-Za-z_]+|\d+|[^\sA-Za-z_\d]/g;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text))) {
    const id = [...m[0]].reduce((h, c) => (h * 31 + c.codePointAt(0)!) % 8000, 7);
    const rank = (id * 7) % 1500;
    tokens.push({
      id,
      text: m[0],
      start: m.index,
      end: m.index + m[0].length,
      logprob: i === 0 ? null : -0.1 - (rank % 40) * 0.3,
      rank: i === 0 ? null : rank,
      entropy: i === 0 ? null : 1.5,
      topk: [
        { id: 1, text: ' the', prob: 0.4 },
        { id: 2, text: '\n', prob: 0.2 },
        { id, text: m[0], prob: 0.1 },
      ],
      nextEntropy: 2,
      features: Object.fromEntries(hooks.map((h) => [h, [{ index: id % 17, activation: 1 + (id % 5) }, { index: 99, activation: 0.5 }]])),
      reconstruction: Object.fromEntries(hooks.map((h) => [h, 0.9])),
    });
    i++;
  }
  return {
    modelId,
    textSha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    textLength: text.length,
    tokens,
    hooks,
    timings: { totalMs: 5, modelMs: 3, dictionaryMs: 2, reusedTokens: 0, computedTokens: tokens.length },
  };
}

export class FakeEngine implements AnalysisEngine {
  readonly modelId = 'fake-model';
  readonly modelName = 'Fake model';
  topkMax = 50;
  readonly hooks = ['blocks.0.hook_resid_post'];
  readonly hooksWithCards = ['blocks.0.hook_resid_post'];
  readonly bundleDir = '/fake/bundle';
  delayMs = 0;
  calls: { docKey: string; text: string; options: AnalysisOptions }[] = [];
  forgotten: string[] = [];
  disposed = false;
  /** Makes every analysis fail with this error. */
  failWith: { kind: 'internal' | 'bad-input'; message: string } | undefined;
  /** Returns a result for different text than was sent (to test the sha256 check). */
  lieAboutText = false;
  private latest = new Map<string, number>();
  private counter = 0;

  featureLabel(_hook: string, index: number): string | undefined {
    return index === 99 ? undefined : `feature ${index} *label*`;
  }

  /** Unknown, as for a bundle without cards (the real engine's densities are tested on the real bundle). */
  featureDensity(): number | undefined {
    return undefined;
  }

  async analyze(docKey: string, text: string, options: AnalysisOptions, signal?: AbortSignal, onProgress?: (p: AnalyzeProgress) => void): Promise<Result<AnalysisResult>> {
    const ticket = ++this.counter;
    this.latest.set(docKey, ticket);
    this.calls.push({ docKey, text, options });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    onProgress?.({ fraction: 1 });
    if (signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'cancelled' } };
    if (this.latest.get(docKey) !== ticket) return { ok: false, error: { kind: 'superseded', message: 'superseded' } };
    if (this.failWith) return { ok: false, error: this.failWith };
    return { ok: true, value: fakeAnalysis(this.lieAboutText ? `${text}!` : text) };
  }

  async getCard(hook: string, index: number): Promise<Result<FeatureCard>> {
    return {
      ok: true,
      value: {
        index, label: `feature ${index}`, label_method: 'test', density: 0.01, max_activation: 5, mean_activation: 1,
        histogram: { edges: [0, 1, 2], counts: [3, 1] }, top_contexts: [{ tokens: ['a', 'b'], index: 1, activation: 4 }],
        promoted: [{ id: 1, text: ')', logit: 0.5 }], suppressed: [{ id: 2, text: '(', logit: -0.5 }],
      },
    };
  }

  explainCalls: { docKey: string; index: number; options: ExplainOptions }[] = [];
  /** Makes every explain fail with this error (e.g. 'cannot-explain'). */
  explainFailWith: EngineError | undefined;

  async explain(docKey: string, _text: string, index: number, options: ExplainOptions, signal?: AbortSignal): Promise<Result<Explanation>> {
    this.explainCalls.push({ docKey, index, options });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'explain cancelled' } };
    if (this.explainFailWith) return { ok: false, error: this.explainFailWith };
    return { ok: true, value: fakeExplanation(index) };
  }

  editCalls: { docKey: string; text: string; edits: FeatureEdit[] }[] = [];
  continueCalls: { docKey: string; offset: number; options: ContinueOptions }[] = [];

  async analyzeEdited(docKey: string, text: string, edits: FeatureEdit[], _options: AnalysisOptions, signal?: AbortSignal): Promise<Result<EditedAnalysis>> {
    this.editCalls.push({ docKey, text, edits: structuredClone(edits) });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'edit cancelled' } };
    if (this.failWith) return { ok: false, error: this.failWith };
    return { ok: true, value: fakeEditedAnalysis(text, edits) };
  }

  async continue(docKey: string, _text: string, offset: number, options: ContinueOptions, signal?: AbortSignal): Promise<Result<Continuation>> {
    this.continueCalls.push({ docKey, offset, options: structuredClone(options) });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'continuation cancelled' } };
    return { ok: true, value: fakeContinuation(offset, options.edits ?? [], options.temperature, options.seed) };
  }

  forget(docKey: string): void {
    this.forgotten.push(docKey);
  }

  private readonly stopListeners = new Set<(e: EngineError) => void>();
  stopped: EngineError | undefined;

  onDidStop(listener: (e: EngineError) => void): { dispose(): void } {
    this.stopListeners.add(listener);
    return { dispose: () => this.stopListeners.delete(listener) };
  }

  /** Simulates the worker crashing: every later analysis fails, stop listeners hear it once. */
  crash(message = 'the inference worker stopped unexpectedly (exit code 1)'): void {
    this.stopped = { kind: 'internal', message };
    this.failWith = { kind: 'internal', message };
    for (const l of this.stopListeners) l(this.stopped);
    this.stopListeners.clear();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopListeners.clear();
  }
}
