// The inference worker's life on the main thread: starting dist/worker.js and handing it the model
// (init, then ready or init-error), posting messages, the shared abort flag, noticing an end nobody asked
// for, and stopping it on dispose(). What the messages mean is the other modules' business.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DictionarySpec } from '../dictionary';
import type { WorkerInfo, WorkerInit } from '../inference';
import type { FromWorker, ToWorker } from '../worker';
import type { EngineError, Result } from '../types';

/** How long dispose() waits for the worker to exit by itself before terminating it. */
const TERMINATE_AFTER_MS = 5000;

/** dist/worker.js: $ACTIVATION_INSPECTOR_WORKER, beside this bundle, or under the working folder. */
export function defaultWorkerPath(): string {
  const candidates = [
    process.env.ACTIVATION_INSPECTOR_WORKER,
    typeof __dirname === 'string' ? path.join(__dirname, 'worker.js') : undefined,
    path.join(process.cwd(), 'dist', 'worker.js'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? 'worker.js';
}

/** The dictionary weights to move to the worker (transferred, not copied): only the worker encodes with
 *  them. Only arrays that own their whole buffer: a view into a shared buffer (e.g. Node's Buffer pool)
 *  is copied instead, or transferring it would detach memory others still use. */
export function transferableWeights(dictionaries: readonly DictionarySpec[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const d of dictionaries) {
    for (const a of [d.W_enc, d.W_dec, d.b_enc, d.b_dec, d.threshold]) {
      if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer);
    }
  }
  return [...buffers];
}

export class WorkerHost {
  /** Why the worker can no longer be used: its unexpected end, or { kind: 'cancelled' } after dispose(). */
  private endedWith: EngineError | null = null;
  private readonly stopListeners = new Set<(e: EngineError) => void>();
  private messageListener: ((m: FromWorker) => void) | null = null;
  private readonly abortFlag: Int32Array;

  private constructor(private readonly worker: Worker, abort: SharedArrayBuffer) {
    this.abortFlag = new Int32Array(abort);
    worker.on('message', (m: FromWorker) => this.messageListener?.(m));
    // An unexpected end of the worker (an uncaught exception in it, its heap running out, an exit in its
    // code; a native crash ends the whole process instead): stop listeners hear it once so the owner can
    // fail its waiting callers and start a fresh engine. After dispose() endedWith is already set, so a
    // requested exit is not reported.
    worker.on('error', (e) => this.end(`the inference worker failed: ${e.message}`));
    worker.on('exit', (code) => this.end(`the inference worker stopped unexpectedly (exit code ${code})`));
  }

  /** Starts the worker at `workerPath` and waits until it has loaded the model (or failed to). */
  static async start(workerPath: string, init: Omit<WorkerInit, 'type' | 'abort'>, transfer: ArrayBuffer[] = []): Promise<Result<{ host: WorkerHost; info: WorkerInfo }>> {
    if (!fs.existsSync(workerPath)) {
      return { ok: false, error: { kind: 'missing-file', file: workerPath, message: `inference worker ${workerPath} not found (run npm run build)` } };
    }
    const abort = new SharedArrayBuffer(4);
    const host = new WorkerHost(new Worker(workerPath), abort);
    const ready = await host.handshake({ ...init, type: 'init', abort }, transfer);
    if (!ready.ok) {
      host.endedWith = ready.error;
      await host.worker.terminate();
      return ready;
    }
    return { ok: true, value: { host, info: ready.value } };
  }

  private handshake(init: WorkerInit, transfer: ArrayBuffer[]): Promise<Result<WorkerInfo>> {
    return new Promise((resolve) => {
      const done = (r: Result<WorkerInfo>) => {
        this.messageListener = null;
        unwatch();
        resolve(r);
      };
      const unwatch = this.onStopped((e) => done({ ok: false, error: { kind: 'internal', message: `inference worker failed to start: ${e.message}` } }));
      this.messageListener = (m) => {
        if (m.type === 'ready') done({ ok: true, value: m.info });
        else if (m.type === 'init-error') done({ ok: false, error: { ...m.error, file: m.error.file ?? 'model.onnx' } });
      };
      this.worker.postMessage(init, transfer);
    });
  }

  /** Where the worker's messages go from now on (one listener). */
  listen(listener: (m: FromWorker) => void): void {
    this.messageListener = listener;
  }

  /** null while the worker is usable; otherwise why not (its crash, or 'cancelled' after dispose()). */
  get ended(): EngineError | null {
    return this.endedWith;
  }

  /** Posts to the worker; nothing once it has ended. */
  post(m: ToWorker): void {
    if (!this.endedWith) this.worker.postMessage(m);
  }

  /** Asks the worker to stop run `runId` at its next session-run boundary (no message needs to be read). */
  abort(runId: number): void {
    Atomics.store(this.abortFlag, 0, runId);
  }

  /** Called once if the worker ends without dispose(). */
  onStopped(listener: (e: EngineError) => void): () => void {
    const ended = this.endedWith;
    if (ended) {
      // Already stopped: a crash is still reported (once, to this listener); a disposed worker never will be.
      if (ended.kind !== 'cancelled') queueMicrotask(() => listener(ended));
      return () => undefined;
    }
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  /** Stops the worker. The caller has already set the abort flag for a run in flight. */
  async dispose(): Promise<void> {
    if (this.endedWith) return;
    this.endedWith = { kind: 'cancelled', message: 'engine disposed' };
    this.stopListeners.clear();
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
    // The abort flag ends a run at its next session boundary (well under a second), then the worker
    // exits by itself. terminate() is the last resort for a worker that is stuck: ending a thread
    // under a native run still in flight is unsafe, so it waits long enough for any one run to end.
    const timer = setTimeout(() => void this.worker.terminate(), TERMINATE_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }

  private end(message: string): void {
    if (this.endedWith) return;
    const error: EngineError = { kind: 'internal', message };
    this.endedWith = error;
    for (const l of [...this.stopListeners]) l(error);
    this.stopListeners.clear();
  }
}
