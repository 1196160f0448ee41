// "What would the model write here?": a continuation of N tokens from the cursor, greedy or sampled,
// without and with the document's active feature edits, side by side. The document is not changed;
// the last answers are kept (with the version and offset they continue) so one of them can be
// inserted while the text is still that version. No `vscode`.
import type { Continuation, FeatureEdit, Result } from '../../engine';
import type { AnalysisEngine } from '../model/engineApi';

export interface ContinuationRequest {
  docKey: string;
  version: number;
  text: string;
  offset: number;
  tokens: number;
  /** 0 = greedy. */
  temperature: number;
  seed: number;
  edits: FeatureEdit[];
}

/** A pair of continuations from one place: `edited` is null when no edits were active. */
export interface ContinuationPair {
  docKey: string;
  version: number;
  offset: number;
  temperature: number;
  seed: number;
  plain: Continuation;
  edited: Continuation | null;
}

/** Answers kept for Insert (by request id): the panel shows one pair, the command another. */
const KEPT = 8;

export class Continuations {
  private readonly kept = new Map<string, ContinuationPair>();
  private inFlight: AbortController | undefined;

  constructor(private readonly engine: () => Promise<Result<AnalysisEngine>>) {}

  /** Runs both continuations (a newer request cancels an older one's work). */
  async run(id: string, r: ContinuationRequest): Promise<Result<ContinuationPair>> {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const engine = await this.engine();
      if (!engine.ok) return engine;
      const options = { tokens: r.tokens, temperature: r.temperature, seed: r.seed };
      // One after the other: the engine supersedes a continuation per document, and the worker runs one at a time anyway.
      const plain = await engine.value.continue(r.docKey, r.text, r.offset, options, controller.signal);
      if (!plain.ok) return plain;
      let edited: Continuation | null = null;
      if (r.edits.length > 0) {
        const answer = await engine.value.continue(r.docKey, r.text, r.offset, { ...options, edits: r.edits }, controller.signal);
        if (!answer.ok) return answer;
        edited = answer.value;
      }
      const pair: ContinuationPair = { docKey: r.docKey, version: r.version, offset: r.offset, temperature: r.temperature, seed: r.seed, plain: plain.value, edited };
      this.kept.set(id, pair);
      while (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
      return { ok: true, value: pair };
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  /** A kept answer. */
  get(id: string): ContinuationPair | undefined {
    return this.kept.get(id);
  }

  /** The most recent answer (the command's Insert). */
  latest(): { id: string; pair: ContinuationPair } | undefined {
    const ids = [...this.kept.keys()];
    const id = ids[ids.length - 1];
    return id === undefined ? undefined : { id, pair: this.kept.get(id)! };
  }

  dispose(): void {
    this.inFlight?.abort();
    this.kept.clear();
  }
}

/**
 * What to insert for a kept answer, when the document is still the version it continues; else the
 * reason it is not inserted (the text moved on: the continuation was for other text).
 */
export function insertion(pair: ContinuationPair | undefined, which: 'plain' | 'edited', doc: { key: string; version: number }): { offset: number; text: string } | string {
  if (!pair) return 'that continuation is no longer kept; ask for a new one';
  if (pair.docKey !== doc.key || pair.version !== doc.version) return 'the document changed since the continuation was made; ask for a new one';
  const chosen = which === 'edited' ? pair.edited : pair.plain;
  if (!chosen) return 'no edited continuation was made (no edits were active)';
  return { offset: pair.offset, text: chosen.text };
}
