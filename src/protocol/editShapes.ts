// Run-time shapes of the feature-edit and continuation messages (editMessages.ts has the types).
// validate.ts passes in its shared field checks and joins these to its tables, so both ends validate
// edit messages exactly like every other message.
import { arr, type Check, int, literal, nullable, num, obj, refine, str } from './check';
import { EDIT_AMOUNT_MAX } from '../shared/editAmount';
import type { ContinuationMessage, EditFromWebviewMessage, EditsMessage, EditToWebviewMessage } from './editMessages';

export interface SharedChecks {
  hookName: Check;
  tokenIndex: Check;
  offset: Check;
  logprob: Check;
  requestId: Check;
  text: Check;
  sentence: Check;
  uri: Check;
  topKEntry: Check;
  topK: number;
}

export const EDIT_LIMITS = {
  edits: 64,
  changedMost: 50,
  deltaTokens: 20_000,
  continuationTokens: 512,
  editId: 100,
  /** Largest scale factor or clamp value accepted from the panel (the engine's own checks follow). */
  amount: EDIT_AMOUNT_MAX,
} as const;

const op = literal('ablate', 'scale', 'clamp', 'splice');
const scope = literal('token', 'selection', 'document');
const editId = str(EDIT_LIMITS.editId, 1);
// A change in bits: finite; the total over a long document can be large.
const bits = num();

/** The amount goes with the op: a number for scale and clamp, null for ablate and splice; a splice names no feature. */
function editRule(e: { op: string; amount: number | null; feature: number | null }): string | null {
  const wantsAmount = e.op === 'scale' || e.op === 'clamp';
  if (wantsAmount !== (e.amount !== null)) return `edit op "${e.op}" ${wantsAmount ? 'needs' : 'takes no'} amount`;
  if ((e.op === 'splice') !== (e.feature === null)) return e.op === 'splice' ? 'a splice names no feature' : `edit op "${e.op}" needs a feature`;
  return null;
}

export function editShapes(c: SharedChecks): { toWebview: Record<EditToWebviewMessage['type'], Check>; fromWebview: Record<EditFromWebviewMessage['type'], Check> } {
  const amount = nullable(num(-EDIT_LIMITS.amount, EDIT_LIMITS.amount));
  const editView = refine(
    obj({
      id: editId,
      label: c.sentence,
      hook: c.hookName,
      feature: nullable(int()),
      op,
      amount,
      scope,
      range: nullable(refine(obj({ start: c.offset, end: c.offset }), (r: { start: number; end: number }) => (r.end < r.start ? 'edit range ends before it starts' : null))),
    }),
    editRule,
  );
  const effect = refine(
    obj({
      totalDeltaBits: bits,
      firstEditedToken: c.tokenIndex,
      tokenCount: int(0, 100_000_000),
      firstIndex: c.tokenIndex,
      deltaBits: arr(nullable(bits), EDIT_LIMITS.deltaTokens),
      changedMost: arr(obj({ index: c.tokenIndex, text: c.text, deltaBits: bits }), EDIT_LIMITS.changedMost),
    }),
    (e: NonNullable<EditsMessage['effect']>) => {
      if (e.firstIndex + e.deltaBits.length > e.tokenCount) return 'edit effect window extends past tokenCount';
      return e.changedMost.some((t) => t.index >= e.tokenCount) ? 'changed token outside the document' : null;
    },
  );
  const continuationView = obj({ text: str(EDIT_LIMITS.continuationTokens * 1000), tokens: arr(obj({ text: c.text, prob: num(0, 1.001) }), EDIT_LIMITS.continuationTokens) });
  const dist = nullable(arr(c.topKEntry, c.topK));
  return {
    toWebview: {
      edits: refine(
        obj({
          type: literal('edits'),
          docUri: nullable(c.uri),
          version: nullable(int()),
          editsKey: str(100),
          edits: arr(editView, EDIT_LIMITS.edits),
          state: literal('none', 'running', 'ready', 'error'),
          effect: nullable(effect),
          message: nullable(c.sentence),
        }),
        (m: EditsMessage) => {
          if ((m.effect === null) !== (m.version === null)) return 'edits message needs a version exactly when it has an effect';
          if (m.effect && m.state !== 'ready') return 'an edit effect comes only with state "ready"';
          if (m.edits.length === 0 && m.state !== 'none') return 'no edits, yet an edit run state';
          return null;
        },
      ),
      editedSelection: obj({
        type: literal('editedSelection'),
        docUri: c.uri,
        version: int(),
        editsKey: str(100),
        index: c.tokenIndex,
        logprob: nullable(c.logprob),
        logprobOriginal: nullable(c.logprob),
        rank: nullable(int()),
        rankOriginal: nullable(int()),
        before: dist,
        after: dist,
      }) as Check,
      continuation: refine(
        obj({
          type: literal('continuation'),
          requestId: c.requestId,
          docUri: c.uri,
          version: int(),
          offset: c.offset,
          temperature: num(0, 100),
          seed: int(0, 2 ** 32 - 1),
          plain: nullable(continuationView),
          edited: nullable(continuationView),
          editLabels: arr(c.sentence, EDIT_LIMITS.edits),
          error: nullable(c.sentence),
        }),
        (m: ContinuationMessage) => ((m.plain === null) === (m.error === null) ? 'continuation message needs exactly one of plain / error' : null),
      ),
      showContinuation: obj({ type: literal('showContinuation') }),
    },
    fromWebview: {
      addEdit: refine(obj({ type: literal('addEdit'), hook: c.hookName, feature: nullable(int()), op, amount, scope }), editRule),
      removeEdit: obj({ type: literal('removeEdit'), id: editId }),
      clearEdits: obj({ type: literal('clearEdits') }),
      requestContinuation: obj({
        type: literal('requestContinuation'),
        requestId: c.requestId,
        tokens: int(1, EDIT_LIMITS.continuationTokens),
        temperature: num(0, 100),
        seed: int(0, 2 ** 32 - 1),
      }),
      insertContinuation: obj({ type: literal('insertContinuation'), requestId: c.requestId, which: literal('plain', 'edited') }),
    },
  };
}

