// Request/response bookkeeping over postMessage: each request gets a requestId, and its promise is
// settled exactly once: by the matching reply, or rejected on timeout, on a malformed reply that
// names it, or when the owner is disposed (panel hidden, view closed). Nothing is left pending.
// No `vscode` and no DOM import: used by the webview (card requests), the host and the engine.

export interface PendingRequestsOptions {
  timeoutMs: number;
  /** Injectable for tests; default globalThis.setTimeout/clearTimeout. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Prefix for ids, so ids from two ends never collide in logs. */
  idPrefix?: string;
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
  timer: unknown;
}

export class PendingRequests<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private counter = 0;
  private disposed = false;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: PendingRequestsOptions) {
    this.setTimer = options.setTimer ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Number of requests still waiting for a reply. */
  get size(): number {
    return this.pending.size;
  }

  has(requestId: string): boolean {
    return this.pending.has(requestId);
  }

  /** Opens a request; send `requestId` with the message, then await `promise`. */
  start(): { requestId: string; promise: Promise<T> } {
    const requestId = `${this.options.idPrefix ?? 'r'}${++this.counter}-${Date.now().toString(36)}`;
    if (this.disposed) return { requestId, promise: Promise.reject(new Error('request made after dispose')) };
    const promise = new Promise<T>((resolve, reject) => {
      const timer = this.setTimer(() => this.fail(requestId, `no reply within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
    return { requestId, promise };
  }

  /** Delivers a valid reply. False when no such request is waiting (late, duplicate or unknown). */
  resolve(requestId: string, value: T): boolean {
    const entry = this.take(requestId);
    if (!entry) return false;
    entry.resolve(value);
    return true;
  }

  /** Rejects one request (malformed reply, explicit error). False when it is not waiting. */
  fail(requestId: string, reason: string): boolean {
    const entry = this.take(requestId);
    if (!entry) return false;
    entry.reject(new Error(reason));
    return true;
  }

  /** Rejects everything still waiting; later start() calls reject at once. */
  dispose(reason = 'disposed'): void {
    this.disposed = true;
    for (const id of [...this.pending.keys()]) this.fail(id, reason);
  }

  private take(requestId: string): Pending<T> | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    this.clearTimer(entry.timer);
    return entry;
  }
}
