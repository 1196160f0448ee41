// The engine's analysis queue on its own, driven by a scripted worker: one run at a time, the newest
// request per document wins, cancellation, and closing (worker stopped, engine disposed).
import { describe, expect, it } from 'vitest';
import { AnalysisQueue, type QueuedRun } from '../../src/engine/analysis/job-queue';
import type { RunOptions } from '../../src/engine/inference';
import type { Result } from '../../src/engine';

const OPTIONS: RunOptions = { topK: 5, featuresPerToken: 4, hooks: ['h'], includeActivations: false, includeStats: false };

/** A worker that records what it was asked and answers when the test says so. */
class ScriptedWorker {
  readonly started: QueuedRun[] = [];
  readonly aborted: number[] = [];
  readonly finished: number[] = [];
  /** Set to hold finish() open until release() is called. */
  private holdFinish: (() => void) | null = null;
  hold = false;

  start = (run: QueuedRun) => void this.started.push(run);
  abort = (id: number) => void this.aborted.push(id);
  finish = async (run: QueuedRun, payload: string): Promise<string> => {
    if (this.hold) await new Promise<void>((r) => (this.holdFinish = r));
    this.finished.push(run.id);
    return `${run.docKey}:${payload}`;
  };

  release(): void {
    this.holdFinish?.();
    this.holdFinish = null;
  }

  get last(): QueuedRun {
    return this.started[this.started.length - 1];
  }
}

function setup() {
  const worker = new ScriptedWorker();
  const queue = new AnalysisQueue<string, string>(worker);
  return { worker, queue };
}

const kind = (r: Result<string>) => (r.ok ? `ok ${r.value}` : r.error.kind);
const flush = () => new Promise((r) => setImmediate(r));

describe('analysis queue', () => {
  it('runs one request at a time, documents in arrival order', async () => {
    const { worker, queue } = setup();
    const a = queue.submit('a', 'text a', OPTIONS);
    const b = queue.submit('b', 'text b', OPTIONS);
    expect(worker.started.map((r) => r.docKey)).toEqual(['a']);
    expect(queue.queued).toBe(1);
    queue.completed(worker.last.id, 'first');
    expect(kind(await a)).toBe('ok a:first');
    await flush();
    expect(worker.started.map((r) => r.docKey)).toEqual(['a', 'b']);
    expect(worker.last.text).toBe('text b');
    queue.completed(worker.last.id, 'second');
    expect(kind(await b)).toBe('ok b:second');
    expect(queue.queued).toBe(0);
  });

  it('a newer request for a document supersedes the waiting one; other documents keep theirs', async () => {
    const { worker, queue } = setup();
    const running = queue.submit('other', 'x', OPTIONS);
    const old = queue.submit('doc', 'v1', OPTIONS);
    const keep = queue.submit('third', 'y', OPTIONS);
    const newer = queue.submit('doc', 'v2', OPTIONS);
    expect(kind(await old)).toBe('superseded');
    expect(queue.queued).toBe(2);
    expect(worker.aborted).toEqual([]);
    queue.completed(worker.last.id, 'p');
    await running;
    await flush();
    // 'doc' lost its place in line: it was re-queued after 'third'.
    expect(worker.last.docKey).toBe('third');
    queue.completed(worker.last.id, 'p');
    await keep;
    await flush();
    expect(worker.last.text).toBe('v2');
    queue.completed(worker.last.id, 'p');
    expect(kind(await newer)).toBe('ok doc:p');
  });

  it('a newer request supersedes the running one at once and stops it in the worker', async () => {
    const { worker, queue } = setup();
    const first = queue.submit('doc', 'v1', OPTIONS);
    const firstId = worker.last.id;
    const second = queue.submit('doc', 'v2', OPTIONS);
    expect(kind(await first)).toBe('superseded');
    expect(worker.aborted).toEqual([firstId]);
    // The newer run waits for the worker to answer the stopped one.
    expect(worker.started).toHaveLength(1);
    queue.failed(firstId, { kind: 'cancelled', message: 'stopped' });
    expect(worker.started).toHaveLength(2);
    queue.completed(worker.last.id, 'p');
    expect(kind(await second)).toBe('ok doc:p');
  });

  it('a superseded run that completes anyway is still finished before the next run starts', async () => {
    const { worker, queue } = setup();
    worker.hold = true;
    const first = queue.submit('doc', 'v1', OPTIONS);
    const firstId = worker.last.id;
    const second = queue.submit('doc', 'v2', OPTIONS);
    expect(kind(await first)).toBe('superseded');
    queue.completed(firstId, 'late');
    await flush();
    expect(worker.started).toHaveLength(1); // held: the next run may build on this result
    worker.release();
    await flush();
    expect(worker.finished).toEqual([firstId]);
    expect(worker.started).toHaveLength(2);
    queue.completed(worker.last.id, 'p');
    await flush();
    worker.release();
    expect(kind(await second)).toBe('ok doc:p');
  });

  it('an abort signal cancels a waiting request (it never starts) and stops a running one', async () => {
    const { worker, queue } = setup();
    const busy = new AbortController();
    const waiting = new AbortController();
    const running = queue.submit('a', 'x', OPTIONS, busy.signal);
    const runningId = worker.last.id;
    const queued = queue.submit('b', 'y', OPTIONS, waiting.signal);
    waiting.abort();
    expect(kind(await queued)).toBe('cancelled');
    expect(queue.queued).toBe(0);
    busy.abort();
    expect(kind(await running)).toBe('cancelled');
    expect(worker.aborted).toEqual([runningId]);
    queue.failed(runningId, { kind: 'cancelled', message: 'stopped' });
    expect(worker.started.map((r) => r.docKey)).toEqual(['a']);
    const already = new AbortController();
    already.abort();
    expect(kind(await queue.submit('c', 'z', OPTIONS, already.signal))).toBe('cancelled');
    expect(worker.started).toHaveLength(1);
  });

  it('progress reaches only the running request, and only until it is settled', async () => {
    const { worker, queue } = setup();
    const seen: string[] = [];
    const c = new AbortController();
    const run = queue.submit('a', 'x', OPTIONS, c.signal, (p) => seen.push(`a ${p.done}/${p.total}`));
    void queue.submit('b', 'y', OPTIONS, undefined, (p) => seen.push(`b ${p.done}/${p.total}`));
    const id = worker.last.id;
    queue.progress(id, 1, 4);
    queue.progress(id + 1, 2, 4); // not running
    c.abort();
    await run;
    queue.progress(id, 3, 4);
    expect(seen).toEqual(['a 1/4']);
  });

  it('closing fails the running and waiting requests with its error and refuses later ones', async () => {
    const { worker, queue } = setup();
    const running = queue.submit('a', 'x', OPTIONS);
    const runningId = worker.last.id;
    const waiting = queue.submit('b', 'y', OPTIONS);
    const crash = { kind: 'internal' as const, message: 'the inference worker stopped unexpectedly (exit code 1)' };
    queue.close(crash);
    for (const r of await Promise.all([running, waiting])) expect(r).toEqual({ ok: false, error: crash });
    expect(worker.aborted).toEqual([runningId]);
    expect(await queue.submit('c', 'z', OPTIONS)).toEqual({ ok: false, error: crash });
    queue.completed(runningId, 'late');
    await flush();
    expect(worker.finished).toEqual([]);
    expect(worker.started).toHaveLength(1);
  });

  it('a result that cannot be assembled is an internal error, and the queue moves on', async () => {
    const worker = new ScriptedWorker();
    const queue = new AnalysisQueue<string, string>({ start: worker.start, abort: worker.abort, finish: () => Promise.reject(new Error('bad payload')) });
    const a = queue.submit('a', 'x', OPTIONS);
    const b = queue.submit('b', 'y', OPTIONS);
    queue.completed(worker.last.id, 'p');
    const r = await a;
    expect(r.ok ? 'ok' : `${r.error.kind} ${r.error.message}`).toBe('internal could not assemble the result: bad payload');
    await flush();
    expect(worker.last.docKey).toBe('b');
    queue.failed(worker.last.id, { kind: 'internal', message: 'boom' });
    expect(kind(await b)).toBe('internal');
  });
});
