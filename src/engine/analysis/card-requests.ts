// Card requests: a feature's card is the bundle's own (read from cards.bin) when its dictionary has
// cards, or else computed in the worker (promoted/suppressed tokens through the tied unembedding). Worker
// requests use the same bookkeeping as the panel's (PendingRequests): each one is answered once, by its
// reply, by a timeout, or when the worker stops or the engine is disposed.
import { PendingRequests } from '../../shared/pendingRequests';
import type { CardStore } from '../bundle';
import type { WorkerCardReply, WorkerCardRequest } from '../inference';
import type { EngineError, Result } from '../types';
import { failure } from './failure';
import type { FeatureCard, TokenLogit } from './card';

/** How long a computed card may take: it waits behind the worker's current run, and the first one also
 *  reads the embedding out of model.onnx. */
export const CARD_TIMEOUT_MS = 60_000;
/** Promoted and suppressed tokens per computed card. */
const TOKENS_PER_LIST = 10;

export interface CardDictionary {
  hookName: string;
  dSae: number;
  /** The bundle has cards for this dictionary (one attached with --sae has none). */
  hasCards: boolean;
}

export interface CardSources {
  dictionaries: readonly CardDictionary[];
  /** The bundle's cards. */
  store: Pick<CardStore, 'getCard'>;
  /** Sends a request to the worker; its reply comes back through CardRequests.reply(). */
  post(request: WorkerCardRequest): void;
  featureLabel(hook: string, index: number): string;
  tokenText(id: number): string;
}

export class CardRequests {
  private readonly pending: PendingRequests<WorkerCardReply>;
  private closedWith: EngineError | null = null;

  constructor(
    private readonly sources: CardSources,
    timing: { timeoutMs?: number; setTimer?: (fn: () => void, ms: number) => unknown; clearTimer?: (handle: unknown) => void } = {},
  ) {
    this.pending = new PendingRequests({ ...timing, timeoutMs: timing.timeoutMs ?? CARD_TIMEOUT_MS, idPrefix: 'card' });
  }

  /** Requests waiting for the worker's reply. */
  get waiting(): number {
    return this.pending.size;
  }

  async get(hook: string, index: number): Promise<Result<FeatureCard>> {
    const dict = this.sources.dictionaries.find((d) => d.hookName === hook);
    if (!dict) return failure('bad-input', `no dictionary for hook ${hook}`);
    if (!(Number.isInteger(index) && index >= 0 && index < dict.dSae)) return failure('bad-input', `feature ${index} is out of range for ${hook}`);
    if (dict.hasCards) {
      const c = await this.sources.store.getCard(hook, index);
      if (!c.ok) return c;
      return { ok: true, value: { ...c.value, promoted: c.value.promoted ?? [], suppressed: c.value.suppressed ?? [] } };
    }
    return this.computed(hook, index);
  }

  /** The worker's reply to a card request; false when nothing waits for it (late or unknown). */
  reply(m: WorkerCardReply): boolean {
    return this.pending.resolve(m.id, m);
  }

  /** Answers every waiting request with `error` ('cancelled' on dispose, the crash when the worker
   *  stopped); later requests get it at once. */
  close(error: EngineError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.pending.dispose(error.message);
  }

  private async computed(hook: string, index: number): Promise<Result<FeatureCard>> {
    if (this.closedWith) return { ok: false, error: this.closedWith };
    const { requestId, promise } = this.pending.start();
    this.sources.post({ type: 'card', id: requestId, hook, index, n: TOKENS_PER_LIST });
    let reply: WorkerCardReply;
    try {
      reply = await promise;
    } catch (e) {
      return { ok: false, error: this.closedWith ?? { kind: 'internal', message: `feature card ${hook} #${index}: ${(e as Error).message}` } };
    }
    if (reply.error) return { ok: false, error: reply.error };
    const toLogits = (xs: [number, number][]): TokenLogit[] => xs.map(([id, logit]) => ({ id, text: this.sources.tokenText(id), logit }));
    return {
      ok: true,
      value: { index, label: this.sources.featureLabel(hook, index), promoted: toLogits(reply.promoted), suppressed: toLogits(reply.suppressed), computed: true },
    };
  }
}
