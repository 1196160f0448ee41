// Explain requests on the main thread: at most one per document, the newest wins (the older one resolves
// 'superseded' at once; the worker drops it when it sees the newer one arrive), an AbortSignal cancels
// through the shared abort flag, and the worker's typed reply settles the caller. Ids are negative so
// they never collide with analysis ids on that flag. Superseding does not raise the flag: it holds one
// id, and an explain (at most one window pass) is not worth overwriting an analysis's stop request.
import type { ExplainAt, ExplainOptions, Explanation, WorkerExplain, WorkerExplainReply } from '../explain';
import type { EngineError, Result } from '../types';
import { failure } from './failure';

export interface ExplainWorker {
  post(request: WorkerExplain): void;
  /** Raises the shared abort flag for request `id`. */
  abort(id: number): void;
}

interface Pending {
  docKey: string;
  resolve: (r: Result<Explanation>) => void;
  detach?: () => void;
}

export class ExplainRequests {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly byDoc = new Map<string, number>();
  private closedWith: EngineError | null = null;

  constructor(private readonly worker: ExplainWorker, private readonly modelId: string) {}

  get waiting(): number {
    return this.pending.size;
  }

  submit(docKey: string, text: string, at: ExplainAt, options: ExplainOptions, signal?: AbortSignal): Promise<Result<Explanation>> {
    if (this.closedWith) return Promise.resolve({ ok: false, error: this.closedWith });
    if (signal?.aborted) return Promise.resolve(failure('cancelled', 'explain cancelled'));
    const older = this.byDoc.get(docKey);
    if (older !== undefined) this.settle(older, failure('superseded', 'a newer explain of this document replaced this one'));
    const id = -++this.seq;
    return new Promise((resolve) => {
      const entry: Pending = { docKey, resolve };
      if (signal) {
        const onAbort = () => {
          this.worker.abort(id);
          this.settle(id, failure('cancelled', 'explain cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.byDoc.set(docKey, id);
      this.worker.post({ type: 'explain', id, docKey, text, at, options });
    });
  }

  /** The worker's reply; ignored when its caller has gone (superseded, cancelled). */
  reply(m: WorkerExplainReply): void {
    this.settle(m.id, m.result.ok ? { ok: true, value: { ...m.result.value, modelId: this.modelId } } : m.result);
  }

  /** Answers every waiting request with `error`; later requests get it at once. */
  close(error: EngineError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error });
  }

  private settle(id: number, r: Result<Explanation>): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.byDoc.get(p.docKey) === id) this.byDoc.delete(p.docKey);
    p.detach?.();
    p.resolve(r);
  }
}
