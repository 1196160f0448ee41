// Result assembly: the worker's payload (typed arrays for the tokens it computed) -> an AnalysisResult
// of TokenResults. It keeps the last delivered result per document (LRU) so that the unchanged prefix
// of the next one reuses the very same TokenResult objects; the worker is told which result that is
// (baseFor) and computes only from the first changed token on.
import type { AnalyzePayload, RunOptions } from '../inference';
import type { AnalysisResult, FeatureHit, TokenResult, TopKEntry } from '../types';
import type { QueuedRun } from './job-queue';
import type { PartialAnalysis } from './partial';

/** Engine-internal extras (eval): per-token sq_err and L0 per dictionary. */
export interface AnalysisStats {
  stats?: Record<string, { sqErr: Float32Array; l0: Float32Array }>;
}

interface Delivered {
  id: number;
  sig: string;
  result: AnalysisResult;
}

/** Tokens turned into TokenResults between two yields to the event loop. */
const ASSEMBLE_SLICE = 1024;

/** Results are reusable only between runs with the same options. */
function signature(o: RunOptions): string {
  return `${o.topK}|${o.featuresPerToken}|${o.featureOrder ?? 'unusual'}|${o.hooks.join(',')}|${o.includeActivations}|${o.includeStats}`;
}

export class ResultAssembler {
  private readonly delivered = new Map<string, Delivered>();

  constructor(
    private readonly modelId: string,
    private readonly vocabTexts: readonly string[],
    /** Documents whose last result is kept for reuse. */
    private readonly maxDocuments: number,
  ) {}

  /** Decoded text of a vocabulary id ('' when unknown). */
  tokenText(id: number): string {
    return this.vocabTexts[id] ?? '';
  }

  /** Id of the delivered run a new run of `docKey` with `options` can build on, or null. */
  baseFor(docKey: string, options: RunOptions): number | null {
    const base = this.delivered.get(docKey);
    return base && base.sig === signature(options) ? base.id : null;
  }

  /** Documents whose last result is held. */
  get documents(): number {
    return this.delivered.size;
  }

  forget(docKey: string): void {
    this.delivered.delete(docKey);
  }

  /** Builds TokenResults for the new tokens, yielding to the event loop every ASSEMBLE_SLICE tokens so a
   *  huge document never holds the caller's thread for long; records the result as delivered. */
  async assemble(run: QueuedRun, p: AnalyzePayload): Promise<AnalysisResult & AnalysisStats> {
    const base = this.delivered.get(run.docKey);
    const tokens: TokenResult[] = p.fromToken > 0 && base ? base.result.tokens.slice(0, p.fromToken) : [];
    for (let r = 0; r < p.n - p.fromToken; r++) {
      if (r > 0 && r % ASSEMBLE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      tokens.push(this.token(run.text, p, r));
    }
    const result: AnalysisResult & AnalysisStats = {
      modelId: this.modelId,
      textSha256: p.textSha256,
      textLength: run.text.length,
      tokens,
      hooks: p.hooks,
      timings: { totalMs: p.totalMs, modelMs: p.modelMs, dictionaryMs: p.dictionaryMs, reusedTokens: p.reusedTokens, computedTokens: p.computedTokens },
    };
    if (p.activations) result.activations = p.activations;
    if (p.stats) result.stats = p.stats;
    this.delivered.delete(run.docKey);
    this.delivered.set(run.docKey, { id: run.id, sig: signature(run.options), result });
    while (this.delivered.size > this.maxDocuments) this.delivered.delete(this.delivered.keys().next().value!);
    return result;
  }

  /** Visible-first: the payload's tokens as a PartialAnalysis (not recorded as delivered). */
  partial(run: QueuedRun, p: AnalyzePayload): PartialAnalysis {
    const tokens: TokenResult[] = [];
    for (let r = 0; r < p.ids.length; r++) tokens.push(this.token(run.text, p, r));
    return { partial: true, modelId: this.modelId, textSha256: p.textSha256, textLength: run.text.length, hooks: p.hooks, tokens, firstToken: p.fromToken, totalTokens: p.n };
  }

  /** Row `r` of the payload (token fromToken + r). */
  private token(text: string, p: AnalyzePayload, r: number): TokenResult {
    const K = p.topK;
    const topk: TopKEntry[] = new Array(K);
    for (let j = 0; j < K; j++) {
      const id = p.topkIds[r * K + j];
      topk[j] = { id, text: this.tokenText(id), prob: Math.exp(p.topkLogprobs[r * K + j]) };
    }
    const features: Record<string, FeatureHit[]> = {};
    const reconstruction: Record<string, number> = {};
    for (const h of p.hooks) {
      const f = p.features[h];
      // Listed in the order the worker chose (dictionary/feature-ranking.ts). How unusual each activation
      // is (activation / typical) is left to the views (Engine.featureFacts): hits stay two numbers, which
      // a snapshot stores as they are instead of copying them.
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
    return {
      id: p.ids[r], text: text.slice(start, end), start, end,
      logprob: Number.isNaN(lp) ? null : lp,
      rank: p.rank[r] < 0 ? null : p.rank[r],
      entropy: Number.isNaN(p.entropy[r]) ? null : p.entropy[r],
      topk, nextEntropy: p.nextEntropy[r], features, reconstruction,
    };
  }
}
