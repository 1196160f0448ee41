// The panel's explanation requests: while the "Why" section is open, the prediction after the selected
// token is asked for once the selection has settled (arrow keys held down ask for nothing until they
// stop), a newer request supersedes the older one (which is failed here and ignored if its reply still
// comes), and each settles exactly once through PendingRequests.

import { type ExplanationMessage, type FromWebviewMessage, PendingRequests } from '../../src/protocol';
import type { PanelState } from '../state/panelState';
import { sameKey, wantedKey, whyWithReply } from '../state/whyState';

/** Longer than any one-window explanation on a slow machine; the host answers errors well before. */
const EXPLAIN_TIMEOUT_MS = 60_000;
/** Selection must rest this long before the model is asked. */
export const EXPLAIN_SETTLE_MS = 200;

export interface ExplainRequestsDeps {
  state(): PanelState;
  update(next: PanelState): void;
  post(m: FromWebviewMessage): void;
}

export class ExplainRequests {
  private readonly pending = new PendingRequests<ExplanationMessage>({ timeoutMs: EXPLAIN_TIMEOUT_MS, idPrefix: 'explain-' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The newest request sent; failed as superseded when the next one goes. */
  private latest: string | undefined;

  constructor(private readonly deps: ExplainRequestsDeps) {}

  /** Call after every state change: asks (after the selection settles) when the section wants another explanation. */
  sync(): void {
    clearTimeout(this.timer);
    if (!this.needed()) return;
    this.timer = setTimeout(() => this.request(), EXPLAIN_SETTLE_MS);
  }

  /** A validated explanation reply; false when nothing waits for it (late or superseded). */
  resolve(m: ExplanationMessage): boolean {
    return this.pending.resolve(m.requestId, m);
  }

  /** A reply that failed validation but names its request. */
  fail(requestId: string, reason: string): void {
    this.pending.fail(requestId, reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.pending.dispose('panel closed');
  }

  private needed(): boolean {
    const s = this.deps.state();
    const want = wantedKey(s.why, s.selection && s.selection.index === s.selectedIndex ? s.selection : null);
    const v = s.why.view;
    // A snapshot is shown without its model: the section says so and nothing is asked.
    if (s.init?.readOnly) return false;
    return want !== null && (v.state === 'idle' || !sameKey(v.key, want));
  }

  private request(): void {
    if (!this.needed()) return;
    const s = this.deps.state();
    const key = wantedKey(s.why, s.selection)!;
    if (this.latest) this.pending.fail(this.latest, 'superseded');
    const { requestId, promise } = this.pending.start();
    this.latest = requestId;
    this.deps.update({ ...s, why: { ...s.why, view: { state: 'loading', key, requestId } } });
    this.deps.post({ type: 'requestExplain', requestId, index: key.index, target: key.target, versus: key.versus });
    promise.then(
      (m) => {
        const cur = this.deps.state();
        this.deps.update({ ...cur, why: whyWithReply(cur.why, requestId, m) });
      },
      (err: Error) => {
        const cur = this.deps.state();
        const v = cur.why.view;
        if (v.state !== 'loading' || v.requestId !== requestId) return;
        this.deps.update({ ...cur, why: { ...cur.why, view: { state: 'error', key: v.key, error: err.message, kind: null } } });
      },
    );
  }
}
