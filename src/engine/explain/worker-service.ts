// The worker's side of explain requests: runs them in order with the other requests, drops one that a
// newer explain for the same document has superseded (it may still be waiting in the worker's queue),
// stops a running one when the main thread raises the shared abort flag with its id, and turns every
// outcome into a typed reply.
import type { EngineError } from '../types';
import { BadExplainRequest, Explainer, type ExplainHost } from './explainer';
import type { WorkerExplain, WorkerExplainReply } from './types';
import { CannotExplain } from './weights';

class Stopped extends Error {}

export class ExplainService {
  private readonly explainer: Explainer;
  private readonly abortFlag: Int32Array;
  /** Per document, the newest explain request that has arrived. */
  private readonly newest = new Map<string, number>();

  constructor(host: ExplainHost) {
    this.explainer = new Explainer(host);
    this.abortFlag = new Int32Array(host.init.abort);
  }

  /** Called as a request arrives (before it waits its turn), so older ones know they are stale. */
  arrived(msg: WorkerExplain): void {
    this.newest.set(msg.docKey, msg.id);
  }

  async handle(msg: WorkerExplain): Promise<WorkerExplainReply> {
    const fail = (kind: EngineError['kind'], message: string): WorkerExplainReply => ({ type: 'explanation', id: msg.id, result: { ok: false, error: { kind, message } } });
    const checkStop = () => {
      const newest = this.newest.get(msg.docKey);
      if (newest !== undefined && newest !== msg.id) throw new Stopped('superseded');
      if (Atomics.load(this.abortFlag, 0) === msg.id) throw new Stopped('cancelled');
    };
    try {
      checkStop();
      const value = await this.explainer.explain(msg, '', checkStop);
      return { type: 'explanation', id: msg.id, result: { ok: true, value } };
    } catch (e) {
      if (e instanceof Stopped) return fail(e.message === 'superseded' ? 'superseded' : 'cancelled', `explain ${e.message}`);
      if (e instanceof CannotExplain) return fail('cannot-explain', e.message);
      if (e instanceof BadExplainRequest) return fail('bad-input', e.message);
      return fail('internal', `explain failed: ${(e as Error).message}`);
    } finally {
      if (this.newest.get(msg.docKey) === msg.id) this.newest.delete(msg.docKey);
    }
  }

  forget(docKey: string): void {
    this.newest.delete(docKey);
  }

  async release(): Promise<void> {
    await this.explainer.release();
  }
}
