// Host -> panel messages about feature edits and continuations, built from plain data (pure, checked
// against the protocol's own validators in the unit tests). Every message names the edit list
// (editsKey) and document version it holds, so the panel can drop what no longer matches.
import type { ContinuationPair } from '../editor/edits/continuations';
import type { EditRun } from '../editor/edits/editEffects';
import { type ActiveEdit, describeEdit, editAmount } from '../editor/edits/editSession';
import type { Continuation, EditedAnalysis, TopKEntry } from '../engine';
import { type ContinuationMessage, type ContinuationView, EDIT_LIMITS, type EditedSelectionMessage, type EditsMessage, type EditView, LIMITS } from '../protocol';
import { LOGPROB_FLOOR } from '../shared/finiteNumbers';
import { tokensChangedMost } from '../shared/tokensChanged';

/** Rows of the panel's "changed most" list. */
export const CHANGED_MOST_ROWS = 10;

const clampText = (t: string) => (t.length > LIMITS.tokenText ? t.slice(0, LIMITS.tokenText) : t);
const clampSentence = (t: string) => (t.length > LIMITS.message ? `${t.slice(0, LIMITS.message - 1)}…` : t);
const finiteOr = (n: number, fallback: number) => (Number.isFinite(n) ? n : fallback);
const logprobOf = (lp: number | null) => (lp === null ? null : Math.min(0, Math.max(LOGPROB_FLOOR, finiteOr(lp, LOGPROB_FLOOR))));
const bitsOf = (edited: number | null, original: number | null) =>
  edited === null || original === null ? null : finiteOr((edited - original) / Math.LN2, 0);

export function editView(e: ActiveEdit): EditView {
  const x = e.edit;
  return {
    id: e.id,
    label: clampSentence(describeEdit(e)),
    hook: x.hook,
    feature: x.op === 'splice' ? null : x.feature,
    op: x.op,
    amount: editAmount(x),
    scope: x.range ? e.scope : 'document',
    range: x.range ? { start: x.range.start, end: x.range.end } : null,
  };
}

/** The panel's window of the token strip: deltas are sent for these tokens only. */
export interface StripWindow {
  firstIndex: number;
  count: number;
}

/**
 * The edits message for a document: its list and, when the run matches that list and the version the
 * panel shows, the effect over the strip's window.
 */
export function buildEditsMessage(doc: { docUri: string; version: number } | null, edits: readonly ActiveEdit[], editsKey: string, run: EditRun | undefined, window: StripWindow | undefined): EditsMessage {
  const base = { type: 'edits' as const, docUri: doc?.docUri ?? null, editsKey, edits: edits.slice(0, EDIT_LIMITS.edits).map(editView) };
  const current = doc && run && run.editsKey === editsKey && run.version === doc.version ? run : undefined;
  if (edits.length === 0) return { ...base, version: null, state: 'none', effect: null, message: null };
  if (!current || current.state === 'running') return { ...base, version: null, state: 'running', effect: null, message: null };
  if (current.state === 'error') return { ...base, version: null, state: 'error', effect: null, message: clampSentence(current.message) };
  return { ...base, version: current.version, state: 'ready', effect: editEffect(current.result, window), message: null };
}

export function editEffect(r: EditedAnalysis, window: StripWindow | undefined) {
  const n = r.tokens.length;
  const first = Math.min(Math.max(window?.firstIndex ?? 0, 0), n);
  const end = Math.min(first + Math.min(window?.count ?? n, EDIT_LIMITS.deltaTokens), n);
  return {
    totalDeltaBits: finiteOr(r.totalDeltaBits, 0),
    firstEditedToken: Math.min(Math.max(r.firstEditedToken, 0), Math.max(n - 1, 0)),
    tokenCount: n,
    firstIndex: first,
    deltaBits: r.tokens.slice(first, end).map((t) => bitsOf(t.logprob, t.logprobOriginal)),
    changedMost: tokensChangedMost(r, Math.min(CHANGED_MOST_ROWS, EDIT_LIMITS.changedMost)).map((c) => ({
      index: c.index,
      text: clampText(r.tokens[c.index]!.text),
      deltaBits: finiteOr(c.deltaBits, 0),
    })),
  };
}

const topk = (rows: TopKEntry[], k: number) => rows.slice(0, Math.min(k, LIMITS.topK)).map((e) => ({ id: e.id, text: clampText(e.text), prob: Math.min(1, Math.max(0, e.prob)) }));

/** The selected token's prediction before and after the edits (the distribution that predicted it). */
export function buildEditedSelection(docUri: string, version: number, editsKey: string, r: EditedAnalysis, index: number, k: number): EditedSelectionMessage | undefined {
  const t = r.tokens[index];
  if (!t) return undefined;
  const prev = index > 0 ? r.tokens[index - 1] : undefined;
  return {
    type: 'editedSelection',
    docUri,
    version,
    editsKey,
    index,
    logprob: logprobOf(t.logprob),
    logprobOriginal: logprobOf(t.logprobOriginal),
    rank: t.rank,
    rankOriginal: t.rankOriginal,
    before: prev ? topk(prev.topkOriginal, k) : null,
    after: prev ? topk(prev.topk, k) : null,
  };
}

function continuationView(c: Continuation | null): ContinuationView | null {
  if (!c) return null;
  return { text: c.text.slice(0, EDIT_LIMITS.continuationTokens * 1000), tokens: c.tokens.slice(0, EDIT_LIMITS.continuationTokens).map((t) => ({ text: clampText(t.text), prob: Math.min(1, Math.max(0, finiteOr(t.prob, 0))) })) };
}

export function buildContinuationMessage(
  requestId: string,
  asked: { docUri: string; version: number; offset: number; temperature: number; seed: number },
  answer: { pair: ContinuationPair; labels: string[] } | { error: string },
): ContinuationMessage {
  const base = { type: 'continuation' as const, requestId, ...asked };
  if ('error' in answer) return { ...base, plain: null, edited: null, editLabels: [], error: clampSentence(answer.error) };
  return {
    ...base,
    plain: continuationView(answer.pair.plain),
    edited: continuationView(answer.pair.edited),
    editLabels: answer.labels.slice(0, EDIT_LIMITS.edits).map(clampSentence),
    error: null,
  };
}
