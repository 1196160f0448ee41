// The panel's feature-edit and continuation actions: edits asked for from the card and the edit list
// go to the host (which answers with the new list and, once run, its effect); continuation requests
// settle exactly once through PendingRequests, a newer one superseding the older.

import { type ContinuationMessage, type FeatureRef, type FromWebviewMessage, PendingRequests } from '../../src/protocol';
import type { ContinuationEvents } from '../components/edits/continuationView';
import type { EditControlEvents } from '../components/edits/editControls';
import type { EditsEvents } from '../components/edits/editsSection';
import { parseEditAmount } from '../../src/shared/editAmount';
import { continuationAnswered } from '../state/editState';
import type { PanelState } from '../state/panelState';

/** Longer than 200 tokens twice over on a slow machine; the host answers errors well before. */
const CONTINUATION_TIMEOUT_MS = 120_000;

export interface EditRequestsDeps {
  state(): PanelState;
  update(next: PanelState): void;
  post(m: FromWebviewMessage): void;
  /** Select a token and move the editor cursor to it. */
  reveal(index: number): void;
  focusKey(key: string): boolean;
}

export class EditRequests {
  private readonly pending = new PendingRequests<ContinuationMessage>({ timeoutMs: CONTINUATION_TIMEOUT_MS, idPrefix: 'continue-' });
  private latest: string | undefined;

  constructor(private readonly deps: EditRequestsDeps) {}

  /** A validated continuation reply; false when nothing waits for it. */
  resolve(m: ContinuationMessage): boolean {
    return this.pending.resolve(m.requestId, m);
  }

  fail(requestId: string, reason: string): void {
    this.pending.fail(requestId, reason);
  }

  dispose(): void {
    this.pending.dispose('panel closed');
  }

  /** Asks for a continuation from the cursor with the section's settings. */
  requestContinuation(): void {
    const s = this.deps.state();
    if (s.init?.readOnly) return;
    if (this.latest) this.pending.fail(this.latest, 'superseded');
    const { requestId, promise } = this.pending.start();
    this.latest = requestId;
    const f = s.edit.continuation;
    this.deps.update({ ...s, edit: { ...s.edit, view: { state: 'loading', requestId } } });
    this.deps.post({ type: 'requestContinuation', requestId, tokens: f.tokens, temperature: f.mode === 'greedy' ? 0 : f.temperature, seed: f.seed });
    const settle = (answer: ContinuationMessage | Error) => {
      const cur = this.deps.state();
      this.deps.update({ ...cur, edit: continuationAnswered(cur.edit, requestId, answer) });
    };
    promise.then(settle, (err: Error) => settle(err));
  }

  cardEvents(): EditControlEvents {
    return {
      setForm: (form) => this.setEdit({ form }),
      addEdit: (ref: FeatureRef, form) => {
        const amount = form.op === 'ablate' ? null : parseEditAmount(form.amount);
        if (form.op !== 'ablate' && amount === null) return;
        this.deps.post({ type: 'addEdit', hook: ref.hook, feature: ref.index, op: form.op, amount, scope: form.scope });
      },
      splice: (hook, scope) => this.deps.post({ type: 'addEdit', hook, feature: null, op: 'splice', amount: null, scope }),
    };
  }

  listEvents(): EditsEvents {
    return {
      removeEdit: (id) => {
        this.deps.post({ type: 'removeEdit', id });
        // The button goes with the edit: focus the list's Clear button instead.
        this.deps.focusKey('edits-clear');
      },
      clearEdits: () => {
        this.deps.post({ type: 'clearEdits' });
        this.deps.focusKey('strip-selected');
      },
      reveal: (index) => this.deps.reveal(index),
    };
  }

  continuationEvents(): ContinuationEvents {
    return {
      toggle: (open) => {
        const s = this.deps.state();
        this.setEdit({ continuation: { ...s.edit.continuation, open } });
      },
      setForm: (continuation) => this.setEdit({ continuation }),
      request: () => this.requestContinuation(),
      insert: (which) => {
        const v = this.deps.state().edit.view;
        if (v.state === 'ready') this.deps.post({ type: 'insertContinuation', requestId: v.message.requestId, which });
      },
    };
  }

  private setEdit(part: Partial<PanelState['edit']>): void {
    const s = this.deps.state();
    this.deps.update({ ...s, edit: { ...s.edit, ...part } });
  }
}
