// The worker's life on the main thread, with small stand-in worker scripts (real worker threads, no
// model): the init handshake and its failures, messages both ways, the abort flag, an unexpected end
// reported once, and dispose() reporting nothing.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerHost } from '../../src/engine/analysis/worker-host';
import type { WorkerInit } from '../../src/engine/inference';
import type { FromWorker } from '../../src/engine/worker';
import type { EngineError } from '../../src/engine';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-host-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A worker script: `onInit` runs on the init message; other messages go to the shared handler. */
function script(name: string, onInit: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(
    file,
    `const { parentPort } = require('node:worker_threads');
let abort = null;
parentPort.on('message', (m) => {
  if (m.type === 'init') { abort = new Int32Array(m.abort); ${onInit} }
  else if (m.type === 'dispose') parentPort.close();
  else if (m.type === 'forget' && m.docKey === 'throw') throw new Error('simulated crash');
  else if (m.type === 'forget' && m.docKey === 'exit') process.exit(3);
  else if (m.type === 'card') parentPort.postMessage({ type: 'card', id: m.id, promoted: [[Atomics.load(abort, 0), 1]], suppressed: [] });
});
`,
  );
  return file;
}

const READY = "parentPort.postMessage({ type: 'ready', info: { vocabTexts: ['tok'], hooks: ['h'], dictionaries: [] } });";
const ready = script('ready', READY);
const initError = script('init-error', "parentPort.postMessage({ type: 'init-error', error: { kind: 'truncated-model', message: 'model.onnx is cut short' } });");
const exitsAtInit = script('exits-at-init', 'process.exit(2);');

const INIT: Omit<WorkerInit, 'type' | 'abort'> = {
  modelPath: 'model.onnx', tokenizerJson: {}, nLayers: 1, nHeads: 1, dHead: 1, dModel: 1, nCtx: 8, dVocab: 1, topkMax: 1,
  dictionaries: [], threads: 1, chunkTokens: 8, cacheBytes: 1024,
};

async function started(file = ready): Promise<WorkerHost> {
  const r = await WorkerHost.start(file, INIT);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.info.vocabTexts).toEqual(['tok']);
  return r.value.host;
}

function nextMessage(host: WorkerHost): Promise<FromWorker> {
  return new Promise((resolve) => host.listen(resolve));
}

describe('worker host', () => {
  it('a missing worker file is a missing-file error', async () => {
    const r = await WorkerHost.start(path.join(dir, 'nope.js'), INIT);
    expect(r.ok ? 'ok' : r.error).toMatchObject({ kind: 'missing-file', file: path.join(dir, 'nope.js') });
  });

  it("the worker's init error comes back naming model.onnx", async () => {
    const r = await WorkerHost.start(initError, INIT);
    expect(r.ok ? 'ok' : r.error).toEqual({ kind: 'truncated-model', message: 'model.onnx is cut short', file: 'model.onnx' });
  });

  it('a worker that exits during init is an error, not a hang', async () => {
    const r = await WorkerHost.start(exitsAtInit, INIT);
    expect(r.ok ? 'ok' : r.error.kind).toBe('internal');
    expect(r.ok ? '' : r.error.message).toMatch(/failed to start: .*exit code 2/);
  });

  it('posts messages, hears replies, and sets the abort flag the worker reads', async () => {
    const host = await started();
    host.abort(42);
    const reply = nextMessage(host);
    host.post({ type: 'card', id: 'c1', hook: 'h', index: 0, n: 1 });
    expect(await reply).toEqual({ type: 'card', id: 'c1', promoted: [[42, 1]], suppressed: [] });
    await host.dispose();
  });

  it.each([
    ['throws', 'throw', /the inference worker failed: simulated crash/],
    ['exits', 'exit', /stopped unexpectedly \(exit code 3\)/],
  ] as const)('a worker that %s is reported once, to every listener, and ends the host', async (_, how, message) => {
    const host = await started();
    const heard: string[] = [];
    host.onStopped((e) => heard.push(`first ${e.message}`));
    const unsubscribed = host.onStopped((e) => heard.push(`gone ${e.message}`));
    unsubscribed();
    const stopped = new Promise<EngineError>((resolve) => host.onStopped(resolve));
    host.post({ type: 'forget', docKey: how });
    const e = await stopped;
    expect(e.kind).toBe('internal');
    expect(e.message).toMatch(message);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(message);
    expect(host.ended).toEqual(e);
    // A listener that comes later still hears the crash, once.
    const late = await new Promise<EngineError>((resolve) => host.onStopped(resolve));
    expect(late).toEqual(e);
    await host.dispose(); // nothing left to stop
    expect(host.ended).toEqual(e);
  });

  it('dispose() stops the worker without reporting a stop, and the host posts nothing after', async () => {
    const host = await started();
    const heard: EngineError[] = [];
    host.onStopped((e) => heard.push(e));
    await host.dispose();
    expect(host.ended?.kind).toBe('cancelled');
    host.onStopped((e) => heard.push(e));
    host.post({ type: 'forget', docKey: 'exit' });
    await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual([]);
  });
});
