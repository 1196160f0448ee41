// Entry of dist/worker.js: the worker thread, serving analyses (inference/), explanations (explain/) and
// edits (edit/). ONNX Runtime's session.run holds the thread it runs on for the whole run, so all model
// and dictionary work happens here, one request at a time, and the extension host's event loop stays
// free. Cancellation arrives through a shared Int32Array that is checked between session runs (a message
// could not be read while a run holds this thread).
import { parentPort } from 'node:worker_threads';
import { EditService } from '../edit';
import { ExplainService } from '../explain';
import { Cancelled, InferenceCore } from '../inference';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('worker.js must run in a worker thread');

let core: InferenceCore | null = null;
let explain: ExplainService | null = null;
let edits: EditService | null = null;
// Messages are handled strictly in order: an analyze request never overlaps another.
let chain: Promise<void> = Promise.resolve();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function buffersOf(obj: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(obj)) {
    if (obj.buffer instanceof ArrayBuffer) out.add(obj.buffer);
  } else if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) buffersOf(v, out);
  }
  return [...out];
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      try {
        core = await InferenceCore.create(msg);
        explain = new ExplainService(core);
        edits = new EditService(core);
        send({ type: 'ready', info: core.info() });
      } catch (e) {
        send({ type: 'init-error', error: { kind: 'internal', message: `could not start the model: ${(e as Error).message}` } });
      }
      return;
    case 'analyze': {
      if (!core) return send({ type: 'failed', id: msg.id, error: { kind: 'internal', message: 'engine not started' } });
      try {
        let last = 0;
        const payload = await core.analyze(msg.id, msg.docKey, msg.text, msg.options, { baseId: msg.baseId }, (done, total) => {
          const now = performance.now();
          if (now - last > 50 || done === total) {
            last = now;
            send({ type: 'progress', id: msg.id, done, total });
          }
        }, (partial) => send({ type: 'partial', id: msg.id, payload: partial }, buffersOf(partial)));
        send({ type: 'result', id: msg.id, payload }, buffersOf(payload));
      } catch (e) {
        if (e instanceof Cancelled) send({ type: 'failed', id: msg.id, error: { kind: 'cancelled', message: 'analysis cancelled' } });
        else send({ type: 'failed', id: msg.id, error: { kind: 'internal', message: (e as Error).message } });
      }
      return;
    }
    case 'card': {
      if (!core) return;
      try {
        const r = await core.featureLogits(msg.hook, msg.index, msg.n);
        send({ type: 'card', id: msg.id, ...r });
      } catch (e) {
        send({ type: 'card', id: msg.id, promoted: [], suppressed: [], error: { kind: 'internal', message: (e as Error).message } });
      }
      return;
    }
    case 'explain': {
      if (!explain) return send({ type: 'explanation', id: msg.id, result: { ok: false, error: { kind: 'internal', message: 'engine not started' } } });
      send(await explain.handle(msg));
      return;
    }
    case 'edit':
    case 'continue': {
      if (!edits) return send({ type: msg.type === 'edit' ? 'edit-result' : 'continue-result', id: msg.id, result: { ok: false, error: { kind: 'internal', message: 'engine not started' } } });
      const reply = await edits.handle(msg);
      send(reply, reply.result.ok ? buffersOf(reply.result.value) : []);
      return;
    }
    case 'forget':
      core?.forget(msg.docKey);
      explain?.forget(msg.docKey);
      edits?.forget(msg.docKey);
      return;
    case 'dispose':
      await explain?.release();
      await edits?.release();
      await core?.dispose();
      core = null;
      port!.close();
      return;
  }
}

port.on('message', (msg: ToWorker) => {
  // An explain supersedes older ones for its document as soon as it arrives, before it waits its turn.
  if (msg.type === 'explain') explain?.arrived(msg);
  if (msg.type === 'edit' || msg.type === 'continue') edits?.arrived(msg);
  chain = chain.then(() => handle(msg));
});
