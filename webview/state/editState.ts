// The panel's feature-edit state: the host's edit list and edit effect, the selected token's before /
// after, the edit form on the feature card and the continuation section. Pure: no DOM. Everything
// edited is shown only while it matches what the panel shows (document, version, edit list), so an
// edit storm never leaves a stale result on screen or an edited number passing for the plain model's.

import type { AnalysisMessage, ContinuationMessage, EditedSelectionMessage, EditOp, EditScope, EditsMessage } from '../../src/protocol';
import { editDeltaLevel, type EditDeltaLevel } from '../../src/shared/heatmapScale';

export type ContinuationState =
  | { state: 'idle' }
  | { state: 'loading'; requestId: string }
  | { state: 'ready'; requestId: string; message: ContinuationMessage }
  | { state: 'error'; error: string };

export interface ContinuationForm {
  open: boolean;
  tokens: number;
  /** 'greedy' ignores temperature and seed. */
  mode: 'greedy' | 'sampled';
  temperature: number;
  seed: number;
}

export interface EditForm {
  op: Exclude<EditOp, 'splice'>;
  /** The scale factor or clamp value as typed (checked before it is sent). */
  amount: string;
  scope: EditScope;
}

export interface EditPanelState {
  edits: EditsMessage | null;
  selection: EditedSelectionMessage | null;
  form: EditForm;
  continuation: ContinuationForm;
  view: ContinuationState;
}

export const CONTINUATION_TOKENS_MAX = 200;

export function initialEditState(): EditPanelState {
  return {
    edits: null,
    selection: null,
    form: { op: 'ablate', amount: '2', scope: 'document' },
    continuation: { open: false, tokens: 20, mode: 'greedy', temperature: 0.8, seed: 0 },
    view: { state: 'idle' },
  };
}

/** Applies an edits / editedSelection message. */
export function reduceEdit(s: EditPanelState, m: EditsMessage | EditedSelectionMessage): EditPanelState {
  if (m.type === 'edits') {
    // A new edit list (or document): the before / after of the old one goes at once.
    const keep = s.selection && s.selection.editsKey === m.editsKey && s.selection.docUri === m.docUri;
    return { ...s, edits: m, selection: keep ? s.selection : null };
  }
  if (!s.edits || s.edits.editsKey !== m.editsKey || s.edits.docUri !== m.docUri) return s; // for another list
  return { ...s, selection: m };
}

/** The edits of the document the panel shows (none for another document). */
export function activeEdits(s: EditPanelState, a: AnalysisMessage | null): EditsMessage | null {
  return s.edits && a && s.edits.docUri === a.docUri && s.edits.edits.length > 0 ? s.edits : null;
}

/** The edit effect, only when computed for the version the panel shows and the current list. */
export function currentEffect(s: EditPanelState, a: AnalysisMessage | null) {
  const e = activeEdits(s, a);
  return e && e.state === 'ready' && e.effect && e.version === a!.version ? e.effect : null;
}

/** The selected token's before / after, only for the version, list and token the panel shows. */
export function currentEditedSelection(s: EditPanelState, a: AnalysisMessage | null, selectedIndex: number | null): EditedSelectionMessage | null {
  const e = activeEdits(s, a);
  const sel = s.selection;
  if (!e || !sel || !a || sel.editsKey !== e.editsKey || sel.docUri !== a.docUri || sel.version !== a.version || sel.index !== selectedIndex) return null;
  return sel;
}

/** The change of token `index` in bits under the current effect; undefined when none is shown for it. */
export function tokenDelta(s: EditPanelState, a: AnalysisMessage | null, index: number): number | null | undefined {
  const effect = currentEffect(s, a);
  if (!effect) return undefined;
  const k = index - effect.firstIndex;
  return k >= 0 && k < effect.deltaBits.length ? effect.deltaBits[k]! : undefined;
}

/** The token strip's class for an edit-effect level (diverging: d-3 .. d3; d0 = no visible change). */
export function editLevelClass(deltaBits: number | null): string {
  if (deltaBits === null) return 'tok first';
  const level: EditDeltaLevel = editDeltaLevel(deltaBits);
  return `tok edit-d${level < 0 ? `m${-level}` : level}`;
}

/** A change in bits, signed, for people: "+1.25 bits", "−0.40 bits". */
export function signedBits(bits: number, digits = 2): string {
  return `${bits >= 0 ? '+' : '−'}${Math.abs(bits).toFixed(digits)} bits`;
}

/** Applies a continuation answer to the request it answers; an answer to an older request is dropped. */
export function continuationAnswered(s: EditPanelState, requestId: string, answer: ContinuationMessage | Error): EditPanelState {
  if (s.view.state !== 'loading' || s.view.requestId !== requestId) return s;
  if (answer instanceof Error) return { ...s, view: { state: 'error', error: answer.message } };
  return { ...s, view: answer.error !== null ? { state: 'error', error: answer.error } : { state: 'ready', requestId, message: answer } };
}

// ---- surviving hide / re-show: the form choices only (results are asked for again) ----

export interface PersistedEdit {
  form: EditForm;
  continuation: ContinuationForm;
}

export function editFromPersisted(raw: unknown, into: EditPanelState): EditPanelState {
  if (typeof raw !== 'object' || raw === null) return into;
  const p = raw as Partial<PersistedEdit>;
  const f = p.form;
  const c = p.continuation;
  const form =
    f && ['ablate', 'scale', 'clamp'].includes(f.op) && typeof f.amount === 'string' && f.amount.length <= 40 && ['token', 'selection', 'document'].includes(f.scope) ? { op: f.op, amount: f.amount, scope: f.scope } : into.form;
  const continuation =
    c && typeof c.open === 'boolean' && Number.isInteger(c.tokens) && c.tokens >= 1 && c.tokens <= CONTINUATION_TOKENS_MAX && (c.mode === 'greedy' || c.mode === 'sampled') && Number.isFinite(c.temperature) && c.temperature >= 0 && c.temperature <= 100 && Number.isInteger(c.seed) && c.seed >= 0 && c.seed < 2 ** 32
      ? { open: c.open, tokens: c.tokens, mode: c.mode, temperature: c.temperature, seed: c.seed }
      : into.continuation;
  return { ...into, form, continuation };
}
