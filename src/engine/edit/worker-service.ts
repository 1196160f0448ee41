// The worker's side of edit and continuation requests: they run in order with the other requests; one
// that a newer request of the same kind for the same document has superseded is dropped (it may still be
// waiting in the worker's queue), a running one stops between session runs when the main thread raises
// the shared abort flag with its id, and every outcome becomes a typed reply.
import { Cancelled } from '../inference';
import type { EngineError, Result } from '../types';
import { BadEditRequest, EditTools, type EditHost } from './host';
import { runContinuation } from './continuer';
import { runEdited } from './runner';
import type { WorkerContinue, WorkerEdit, WorkerEditReply } from './types';

class Stopped extends Error {}

type Request = WorkerEdit | WorkerContinue;

const slot = (msg: Request) => `${msg.type}:${msg.docKey}`;

export class EditService {
  private readonly tools: EditTools;
  private readonly abortFlag: Int32Array;
  /** Per kind and document, the newest request that has arrived. */
  private readonly newest = new Map<string, number>();

  constructor(host: EditHost) {
    this.tools = new EditTools(host);
    this.abortFlag = new Int32Array(host.init.abort);
  }

  /** Called as a request arrives (before it waits its turn), so older ones know they are stale. */
  arrived(msg: Request): void {
    this.newest.set(slot(msg), msg.id);
  }

  async handle(msg: Request): Promise<WorkerEditReply> {
    const checkStop = () => {
      if (this.newest.get(slot(msg)) !== msg.id) throw new Stopped('superseded');
      if (Atomics.load(this.abortFlag, 0) === msg.id) throw new Stopped('cancelled');
    };
    const reply = (result: Result<never> | { ok: true; value: unknown }): WorkerEditReply =>
      (msg.type === 'edit' ? { type: 'edit-result', id: msg.id, result } : { type: 'continue-result', id: msg.id, result }) as WorkerEditReply;
    const fail = (kind: EngineError['kind'], message: string) => reply({ ok: false, error: { kind, message } });
    try {
      checkStop();
      if (msg.type === 'edit') return reply({ ok: true, value: await runEdited(this.tools, msg, checkStop) });
      return reply({ ok: true, value: await runContinuation(this.tools, msg, checkStop) });
    } catch (e) {
      const what = msg.type === 'edit' ? 'edited analysis' : 'continuation';
      if (e instanceof Stopped) return fail(e.message === 'superseded' ? 'superseded' : 'cancelled', `${what} ${e.message}`);
      if (e instanceof Cancelled) return fail('cancelled', `${what} cancelled`);
      if (e instanceof BadEditRequest) return fail('bad-input', e.message);
      return fail('internal', `${what} failed: ${(e as Error).message}`);
    } finally {
      if (this.newest.get(slot(msg)) === msg.id) this.newest.delete(slot(msg));
    }
  }

  forget(docKey: string): void {
    for (const kind of ['edit', 'continue']) this.newest.delete(`${kind}:${docKey}`);
  }

  async release(): Promise<void> {
    await this.tools.release();
  }
}
