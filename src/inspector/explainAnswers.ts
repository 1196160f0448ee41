// Answers the panel's "why this prediction" requests: one explanation at a time (a newer request
// aborts the older one, which then gets no reply: the panel has already moved on), run by the engine
// in its worker for that one position. Keeps the last explanations for the editor's attention
// decorations, and a small summary per explained token for the hover's lens line, so a hover never
// runs the model. No `vscode`.
import type { AnalysisEngine } from '../editor/model/engineApi';
import { describeError } from '../editor/model/modelHost';
import type { Explanation, Result } from '../engine';
import type { ExplanationMessage } from '../protocol';
import { LIMITS } from '../protocol';
import { type LensSummary, lensSummary } from '../shared/lensSummary';
import { buildExplanationView } from './explainMessages';

export interface ExplainEngineAccess {
  /** The loaded engine, if any, without starting a load. */
  loaded(): AnalysisEngine | undefined;
  /** The engine, loading it when needed. */
  load(): Promise<Result<AnalysisEngine>>;
}

export interface ExplainRequest {
  requestId: string;
  index: number;
  target: number | null;
  versus: number | null;
}

/** The document the request is about, as the host has it now. */
export interface ExplainContext {
  docKey: string;
  version: number;
  /** Whether the analysis the panel shows is of this version (not a prefix kept while typing). */
  current: boolean;
  /** The text of that version (read only when the request runs). */
  getText(): string;
  /** A snapshot is shown: nothing is run. */
  snapshot: boolean;
  topK: number;
}

/** A kept explanation, with the document version it explains. */
export interface KeptExplanation {
  docKey: string;
  version: number;
  explanation: Explanation;
}

/** Explanations kept for attention decorations (by request id), and lens summaries for the hover. */
const KEPT_EXPLANATIONS = 4;
const KEPT_SUMMARIES = 64;

export class ExplainAnswers {
  private inFlight: AbortController | undefined;
  private readonly kept = new Map<string, KeptExplanation>();
  private readonly summaries = new Map<string, LensSummary>();

  constructor(
    private readonly engines: ExplainEngineAccess,
    private readonly labelOf: (hook: string, index: number) => string | undefined,
  ) {}

  /**
   * The reply to post for `req`, or null when a newer request (or dispose) superseded it. Never
   * rejects: engine failures become an error reply with the engine's words.
   */
  async answer(req: ExplainRequest, ctx: ExplainContext): Promise<ExplanationMessage | null> {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const reply = (fields: Pick<ExplanationMessage, 'explanation' | 'error' | 'errorKind'>): ExplanationMessage => ({
      type: 'explanation',
      requestId: req.requestId,
      docUri: ctx.docKey,
      version: ctx.version,
      index: req.index,
      ...fields,
    });
    const failure = (error: string, errorKind: string) => reply({ explanation: null, error: error.slice(0, LIMITS.message), errorKind });
    if (ctx.snapshot) return failure('A snapshot is shown without running the model: open the document itself to explain a prediction.', 'snapshot');
    if (!ctx.current) return failure('The document changed: the explanation follows once the new text is analysed.', 'stale');
    try {
      const loaded = this.engines.loaded();
      const engine = loaded ? { ok: true as const, value: loaded } : await this.engines.load();
      if (controller.signal.aborted) return null;
      if (!engine.ok) return failure(describeError(engine.error), engine.error.kind);
      const options = { topK: ctx.topK, ...(req.target !== null ? { target: req.target } : {}), ...(req.versus !== null ? { versus: req.versus } : {}) };
      const result = await engine.value.explain(ctx.docKey, ctx.getText(), req.index, options, controller.signal);
      if (controller.signal.aborted) return null;
      if (!result.ok) {
        if (result.error.kind === 'superseded' || result.error.kind === 'cancelled') return null;
        return failure(describeError(result.error), result.error.kind);
      }
      const explanation = result.value;
      this.keep(req.requestId, { docKey: ctx.docKey, version: ctx.version, explanation });
      if (req.target === null && req.versus === null) this.remember(summaryKey(ctx.docKey, ctx.version, req.index), lensSummary(explanation.lens, explanation.target.text));
      return reply({ explanation: buildExplanationView(explanation, this.labelOf), error: null, errorKind: null });
    } catch (e) {
      return controller.signal.aborted ? null : failure(`Explaining failed: ${(e as Error)?.message ?? String(e)}`, 'internal');
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  /** The explanation answered to `requestId`, while it is among the last few. */
  explanation(requestId: string): KeptExplanation | undefined {
    return this.kept.get(requestId);
  }

  /** The hover's lens summary for token `index` of that document version, when it was explained. */
  summary(docKey: string, version: number, index: number): LensSummary | undefined {
    return this.summaries.get(summaryKey(docKey, version, index));
  }

  /** Stops the running request (its answer resolves null). */
  cancel(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  dispose(): void {
    this.cancel();
    this.kept.clear();
    this.summaries.clear();
  }

  private keep(requestId: string, k: KeptExplanation): void {
    this.kept.set(requestId, k);
    while (this.kept.size > KEPT_EXPLANATIONS) this.kept.delete(this.kept.keys().next().value!);
  }

  private remember(key: string, s: LensSummary): void {
    this.summaries.delete(key); // re-inserted last: least recently explained goes first
    this.summaries.set(key, s);
    while (this.summaries.size > KEPT_SUMMARIES) this.summaries.delete(this.summaries.keys().next().value!);
  }
}

function summaryKey(docKey: string, version: number, index: number): string {
  return `${version}#${index}@${docKey}`;
}
