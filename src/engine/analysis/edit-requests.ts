// Edited analyses and continuations on the main thread: per kind and document at most one request, the
// newest wins (the older resolves 'superseded' at once and is told to stop), an AbortSignal cancels, and
// the worker's typed reply settles the caller. Replies become EditedAnalysis / Continuation values that
// carry the edit list, so an edited number can never pass for the model's plain output. Ids come from
// their own range (below -2^30) so they never meet analysis or explain ids on the shared abort flag.
import type { ContinueOptions, Continuation, ContinuePayload, EditedAnalysis, EditedToken, EditPayload, FeatureEdit, PositionArrays, WorkerContinue, WorkerEdit, WorkerEditReply } from '../edit';
import type { EngineError, Result, TopKEntry } from '../types';
import { failure } from './failure';

export interface EditWorker {
  post(request: WorkerEdit | WorkerContinue): void;
  abort(id: number): void;
}

interface Pending {
  slot: string;
  settle: (r: Result<unknown>) => void;
  detach?: () => void;
}

const ID_BASE = 2 ** 30;

/** Tokens turned into EditedTokens between two yields to the event loop. */
const ASSEMBLE_SLICE = 1024;

export class EditRequests {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly bySlot = new Map<string, number>();
  private closedWith: EngineError | null = null;

  constructor(
    private readonly worker: EditWorker,
    private readonly modelId: string,
    private readonly tokenText: (id: number) => string,
  ) {}

  edit(request: Omit<WorkerEdit, 'id' | 'type'>, signal?: AbortSignal): Promise<Result<EditedAnalysis>> {
    const edits = request.edits.map((e) => structuredClone(e));
    return this.submit<EditPayload, EditedAnalysis>(`edit:${request.docKey}`, (id) => ({ type: 'edit', id, ...request, edits }), signal, (p) => this.editedAnalysis(request.text, edits, p));
  }

  continue(request: Omit<WorkerContinue, 'id' | 'type'>, signal?: AbortSignal): Promise<Result<Continuation>> {
    const options: ContinueOptions = structuredClone(request.options);
    return this.submit<ContinuePayload, Continuation>(`continue:${request.docKey}`, (id) => ({ type: 'continue', id, ...request, options }), signal, (p) => ({
      edited: (options.edits?.length ?? 0) > 0, edits: options.edits ?? [], modelId: this.modelId, offset: request.offset,
      temperature: options.temperature ?? 0, seed: options.seed ?? 0,
      tokens: p.ids.map((id, i) => ({ id, text: this.tokenText(id), logprob: p.logprobs[i], prob: Math.exp(p.logprobs[i]) })),
      text: p.ids.map((id) => this.tokenText(id)).join(''),
      timings: { totalMs: p.totalMs, prefixMs: p.prefixMs, msPerToken: p.stepMs },
    }));
  }

  reply(m: WorkerEditReply): void {
    this.pending.get(m.id)?.settle(m.result);
  }

  /** Answers every waiting request with `error`; later requests get it at once. */
  close(error: EngineError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const p of [...this.pending.values()]) p.settle({ ok: false, error });
  }

  private submit<P, T>(slot: string, message: (id: number) => WorkerEdit | WorkerContinue, signal: AbortSignal | undefined, convert: (p: P) => T | Promise<T>): Promise<Result<T>> {
    const what = slot.startsWith('edit') ? 'edited analysis' : 'continuation';
    if (this.closedWith) return Promise.resolve({ ok: false, error: this.closedWith });
    if (signal?.aborted) return Promise.resolve(failure('cancelled', `${what} cancelled`));
    const older = this.bySlot.get(slot);
    if (older !== undefined) {
      this.worker.abort(older);
      this.pending.get(older)?.settle(failure('superseded', `a newer ${what} of this document replaced this one`));
    }
    const id = -(ID_BASE + ++this.seq);
    return new Promise((resolve) => {
      const entry: Pending = {
        slot,
        settle: (r) => {
          if (!this.pending.delete(id)) return;
          if (this.bySlot.get(slot) === id) this.bySlot.delete(slot);
          entry.detach?.();
          if (!r.ok) return resolve(r);
          void Promise.resolve(convert(r.value as P)).then((value) => resolve({ ok: true, value }));
        },
      };
      if (signal) {
        const onAbort = () => {
          this.worker.abort(id);
          entry.settle(failure('cancelled', `${what} cancelled`));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.bySlot.set(slot, id);
      this.worker.post(message(id));
    });
  }

  /** Builds the tokens, yielding to the event loop every ASSEMBLE_SLICE tokens (a huge document never holds
   *  the caller's thread for long). */
  private async editedAnalysis(text: string, edits: FeatureEdit[], p: EditPayload): Promise<EditedAnalysis> {
    const tokens: EditedToken[] = new Array(p.n);
    let deltaNats = 0;
    const num = (v: number) => (Number.isNaN(v) ? null : v);
    for (let t = 0; t < p.n; t++) {
      if (t > 0 && t % ASSEMBLE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const e = p.edited;
      const o = p.original;
      if (t > 0) deltaNats += e.logprob[t] - o.logprob[t];
      tokens[t] = {
        id: p.ids[t], text: text.slice(p.starts[t], p.ends[t]), start: p.starts[t], end: p.ends[t],
        logprob: num(e.logprob[t]), logprobOriginal: num(o.logprob[t]),
        rank: t === 0 ? null : e.rank[t], rankOriginal: t === 0 ? null : o.rank[t],
        entropy: num(e.entropy[t]), entropyOriginal: num(o.entropy[t]),
        topk: this.topk(e, t, p.K), topkOriginal: this.topk(o, t, p.K),
        nextEntropy: e.nextEntropy[t], nextEntropyOriginal: o.nextEntropy[t],
      };
    }
    return {
      edited: true, edits, modelId: this.modelId, textSha256: p.textSha256, textLength: text.length, tokens,
      firstEditedToken: p.firstEditedToken, totalDeltaBits: deltaNats / Math.LN2,
      timings: { totalMs: p.totalMs, modelMs: p.modelMs, dictionaryMs: p.dictionaryMs, rerunTokens: p.rerunTokens },
    };
  }

  private topk(a: PositionArrays, t: number, K: number): TopKEntry[] {
    const out: TopKEntry[] = new Array(K);
    for (let j = 0; j < K; j++) {
      const id = a.topkIds[t * K + j];
      out[j] = { id, text: this.tokenText(id), prob: Math.exp(a.topkLogprobs[t * K + j]) };
    }
    return out;
  }
}
