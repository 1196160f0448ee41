// Answers the panel's feature-card requests. Each answer is tracked with the same request bookkeeping
// the panel uses for them (PendingRequests): it settles exactly once, with the card, the engine's
// error, or a timeout error sent before the panel's own wait runs out; closing the view settles what
// is still waiting. No `vscode`.
import type { AnalysisEngine } from '../editor/model/engineApi';
import { describeError } from '../editor/model/modelHost';
import type { Result } from '../engine';
import { PendingRequests, type PendingRequestsOptions } from '../shared/pendingRequests';

/**
 * What a card reply carries besides its request: the card, or why there is none. `labelReadable`: the
 * engine's verdict on the card's label score against its dictionary's readable threshold, when it has one.
 */
export type CardAnswer = { card: unknown; error: null; labelReadable?: boolean } | { card: null; error: string };

export interface CardEngineAccess {
  /** The loaded engine, if any, without starting a load. */
  loaded(): AnalysisEngine | undefined;
  /** The engine, loading it when needed. */
  load(): Promise<Result<AnalysisEngine>>;
}

/** Below the panel's 15 s wait for a card (webview/panel.ts), so the panel shows the host's reason. */
export const CARD_ANSWER_TIMEOUT_MS = 10_000;

export class CardAnswers {
  private readonly pending: PendingRequests<CardAnswer>;

  constructor(
    private readonly engines: CardEngineAccess,
    timing: Partial<Pick<PendingRequestsOptions, 'timeoutMs' | 'setTimer' | 'clearTimer'>> = {},
  ) {
    this.pending = new PendingRequests<CardAnswer>({ timeoutMs: CARD_ANSWER_TIMEOUT_MS, ...timing, idPrefix: 'host-card-' });
  }

  /** Requests still being answered. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * The card for feature (hook, index). With `snapshotModelId` (a snapshot is shown) only that
   * model's engine may answer, and only if it is already loaded: a snapshot never loads a model.
   * Never rejects.
   */
  answer(hook: string, index: number, snapshotModelId?: string): Promise<CardAnswer> {
    const { requestId, promise } = this.pending.start();
    this.fetch(hook, index, snapshotModelId).then(
      (answer) => this.pending.resolve(requestId, answer),
      (e: unknown) => this.pending.fail(requestId, (e as Error)?.message ?? String(e)),
    );
    return promise.catch((e: Error) => ({ card: null, error: `The feature card could not be read: ${e.message}.` }));
  }

  /** Settles every answer still waiting (the view is gone). */
  dispose(): void {
    this.pending.dispose('the inspector was closed');
  }

  private async fetch(hook: string, index: number, snapshotModelId: string | undefined): Promise<CardAnswer> {
    const loaded = this.engines.loaded();
    if (snapshotModelId !== undefined && loaded?.modelId !== snapshotModelId) {
      return { card: null, error: `Feature cards need the model "${snapshotModelId}" loaded; this snapshot is shown without it.` };
    }
    const engine = loaded ? { ok: true as const, value: loaded } : await this.engines.load();
    if (!engine.ok) return { card: null, error: describeError(engine.error) };
    const card = await engine.value.getCard(hook, index);
    if (!card.ok) return { card: null, error: describeError(card.error) };
    const readable = engine.value.featureFacts?.(hook, index)?.readable;
    return readable === undefined ? { card: card.value, error: null } : { card: card.value, error: null, labelReadable: readable };
  }
}
