// The analysis queue: one run in the worker at a time, at most one waiting request per document, and
// the newest request for a document wins: it supersedes the waiting or running older one, which
// resolves with kind 'superseded' at once (a running one is also told to stop). An AbortSignal cancels
// ('cancelled'). The worker itself is behind QueueWorker, so the queue can be driven by a test.
import type { RunOptions } from '../inference';
import type { EngineError, Result } from '../types';
import { failure } from './failure';
import type { PartialAnalysis } from './partial';

/** One request as the worker sees it. */
export interface QueuedRun {
  readonly id: number;
  readonly docKey: string;
  readonly text: string;
  readonly options: RunOptions;
}

export interface QueueWorker<P, T> {
  /** Starts `run` in the worker; its reply comes back through completed() or failed(). */
  start(run: QueuedRun): void;
  /** Asks the worker to stop run `id` at its next session-run boundary. */
  abort(id: number): void;
  /** Turns the worker's reply into the caller's value. The next run starts only once this settles,
   *  since it may build on this result. */
  finish(run: QueuedRun, payload: P): Promise<T>;
}

export interface RunProgress {
  done: number;
  total: number;
  /** Visible-first: the priority range's tokens, once they are done (sent once, before the result). */
  partial?: PartialAnalysis;
}

interface Job<T> extends QueuedRun {
  settled: boolean;
  resolve: (r: Result<T>) => void;
  onProgress?: (p: RunProgress) => void;
  lastProgress?: RunProgress;
  detach?: () => void;
}

const SUPERSEDED = 'a newer analysis of this document replaced this one';

export class AnalysisQueue<P, T> {
  private seq = 0;
  private running: Job<T> | null = null;
  /** Waiting requests, one per document, in arrival order. */
  private readonly waiting = new Map<string, Job<T>>();
  private closedWith: EngineError | null = null;

  constructor(private readonly worker: QueueWorker<P, T>) {}

  /** Requests waiting behind the running one (at most one per document). */
  get queued(): number {
    return this.waiting.size;
  }

  submit(docKey: string, text: string, options: RunOptions, signal?: AbortSignal, onProgress?: (p: RunProgress) => void): Promise<Result<T>> {
    if (this.closedWith) return Promise.resolve({ ok: false, error: this.closedWith });
    if (signal?.aborted) return Promise.resolve(failure('cancelled', 'analysis cancelled'));
    return new Promise((resolve) => {
      const job: Job<T> = { id: ++this.seq, docKey, text, options, settled: false, resolve, onProgress };
      const older = this.waiting.get(docKey);
      if (older) {
        this.waiting.delete(docKey);
        this.settle(older, failure('superseded', SUPERSEDED));
      }
      if (this.running && this.running.docKey === docKey && !this.running.settled) {
        this.worker.abort(this.running.id);
        this.settle(this.running, failure('superseded', SUPERSEDED));
      }
      if (signal) {
        const onAbort = () => {
          if (this.waiting.get(docKey) === job) this.waiting.delete(docKey);
          if (this.running === job) this.worker.abort(job.id);
          this.settle(job, failure('cancelled', 'analysis cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiting.set(docKey, job);
      this.pump();
    });
  }

  /** The worker's progress report for run `id`. */
  progress(id: number, done: number, total: number): void {
    if (this.running?.id === id && !this.running.settled) {
      this.running.lastProgress = { done, total };
      this.running.onProgress?.({ done, total });
    }
  }

  /** Visible-first: run `id`'s priority tokens, made by `make` only when its caller still waits. */
  partial(id: number, make: (run: QueuedRun) => PartialAnalysis): void {
    const job = this.running;
    if (job?.id !== id || job.settled || !job.onProgress) return;
    job.onProgress({ ...(job.lastProgress ?? { done: 0, total: 0 }), partial: make(job) });
  }

  /** The worker finished run `id`. The result is finished even when its caller has gone (superseded):
   *  the worker now counts it as delivered, and the next run may build on it. */
  completed(id: number, payload: P): void {
    const job = this.running;
    if (!job || job.id !== id || this.closedWith) return;
    void this.worker.finish(job, payload).then(
      (value) => this.settle(job, { ok: true, value }),
      (e) => this.settle(job, failure('internal', `could not assemble the result: ${(e as Error).message}`)),
    ).finally(() => this.next());
  }

  /** The worker could not finish run `id` (cancelled there, or an error). */
  failed(id: number, error: EngineError): void {
    const job = this.running;
    if (!job || job.id !== id) return;
    this.settle(job, { ok: false, error });
    this.next();
  }

  /** Fails every waiting and running request with `error`, stops the running one, and takes no more. */
  close(error: EngineError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    if (this.running) this.worker.abort(this.running.id);
    for (const j of this.waiting.values()) this.settle(j, { ok: false, error });
    this.waiting.clear();
    if (this.running) this.settle(this.running, { ok: false, error });
  }

  private next(): void {
    this.running = null;
    this.pump();
  }

  private pump(): void {
    if (this.running || this.closedWith) return;
    const first = this.waiting.values().next();
    if (first.done) return;
    const job = first.value;
    this.waiting.delete(job.docKey);
    this.running = job;
    this.worker.start(job);
  }

  private settle(job: Job<T>, r: Result<T>): void {
    if (job.settled) return;
    job.settled = true;
    job.detach?.();
    job.resolve(r);
  }
}
