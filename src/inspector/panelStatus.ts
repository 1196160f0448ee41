// The panel's status line from the model's state and the active document's analysis status: the
// same sentence as the status bar item, one of the protocol's few states, and analysis progress.
// Pure, so the mapping is unit-tested case by case.
import type { DocStatus } from '../editor/document/documentTracker';
import type { ModelState } from '../editor/model/modelHost';
import { statusView } from '../editor/statusBar';
import { type ClearMessage, LIMITS, type StatusMessage } from '../protocol';

function panelState(model: ModelState, doc: DocStatus | undefined): StatusMessage['state'] {
  if (model.kind === 'loading') return 'loading-model';
  if (model.kind === 'error') return 'error';
  switch (doc?.kind) {
    case 'pending':
    case 'analysing':
      return 'analysing';
    case 'ready':
      return 'ready';
    case 'skipped':
      return 'not-analysed';
    case 'error':
      return 'error';
    default:
      return 'idle';
  }
}

/** Fraction done while analysing with a known fraction (clamped to [0, 1]); otherwise null. */
function panelProgress(model: ModelState, doc: DocStatus | undefined): number | null {
  if (model.kind === 'loading' || model.kind === 'error' || doc?.kind !== 'analysing' || doc.fraction === undefined) return null;
  return Math.min(1, Math.max(0, doc.fraction));
}

/**
 * The status message, and for a document that is not analysed (binary, too large, ...) the clear
 * message that says why in place of its tokens.
 */
export function panelStatusMessages(model: ModelState, doc: DocStatus | undefined): { status: StatusMessage; clear?: ClearMessage } {
  const status: StatusMessage = {
    type: 'status',
    state: panelState(model, doc),
    message: statusView(model, doc).message.slice(0, LIMITS.message),
    progress: panelProgress(model, doc),
  };
  if (doc?.kind !== 'skipped') return { status };
  return { status, clear: { type: 'clear', reason: `Not analysed because ${doc.reason}. ${doc.detail}`.slice(0, LIMITS.message) } };
}
