// The panel protocol's messages about feature edits (ablate / scale / clamp / splice), their effect on
// the document's predictions, and continuations. Types only; editShapes.ts checks them at run time,
// messages.ts joins them to the host <-> panel unions. No `vscode` import.
//
// Every edited result names the edit list and the document version it was computed for (editsKey,
// version): the panel shows it only while both still match what it has, so an edit storm (edits
// added and removed while typing) never shows a stale result or an edited one as the plain model's.

import type { TopKEntry } from '../engine';

export type EditOp = 'ablate' | 'scale' | 'clamp' | 'splice';
/** Where an edit applies: the token under the cursor, the editor's selection, the whole document. */
export type EditScope = 'token' | 'selection' | 'document';

/** One active edit, as the panel lists it. */
export interface EditView {
  /** The host's id for the edit (removeEdit names it). */
  id: string;
  /** One line for people, e.g. "ablate #12 of blocks.0.hook_resid_post, tokens 4-7". */
  label: string;
  hook: string;
  /** null for a splice (the whole hook). */
  feature: number | null;
  op: EditOp;
  /** The scale factor or the clamp value; null for ablate and splice. */
  amount: number | null;
  scope: EditScope;
  /** UTF-16 range of the document; null for the whole document. */
  range: { start: number; end: number } | null;
}

/** A token whose log-prob the edits changed the most. */
export interface ChangedToken {
  index: number;
  text: string;
  /** Edited minus original log p of the token, in bits. */
  deltaBits: number;
}

/** The edited analysis, fitted to the panel: the per-token change over the strip's window. */
export interface EditEffectView {
  /** Sum over the document of (edited - original) log p, in bits. */
  totalDeltaBits: number;
  /** Tokens up to and including it are unchanged (the model is causal). */
  firstEditedToken: number;
  tokenCount: number;
  /** deltaBits[k] is document token firstIndex + k (null: not predicted, the first token). */
  firstIndex: number;
  deltaBits: (number | null)[];
  changedMost: ChangedToken[];
}

export type EditRunState = 'none' | 'running' | 'ready' | 'error';

/** The active edits of the followed document and, when computed for this very list and version, their effect. */
export interface EditsMessage {
  type: 'edits';
  /** The document the edits belong to; null when no document is followed. */
  docUri: string | null;
  /** The document version the effect was computed for (null when there is no effect). */
  version: number | null;
  /** Changes whenever the edit list does. */
  editsKey: string;
  edits: EditView[];
  state: EditRunState;
  effect: EditEffectView | null;
  /** Why there is no effect (state 'error'), else null. */
  message: string | null;
}

/** The selected token's prediction before and after the edits. */
export interface EditedSelectionMessage {
  type: 'editedSelection';
  docUri: string;
  version: number;
  editsKey: string;
  index: number;
  /** log p of the token, edited and original (null for the first token). */
  logprob: number | null;
  logprobOriginal: number | null;
  rank: number | null;
  rankOriginal: number | null;
  /** Distribution that predicted this token (the previous token's top-k), before and after; null for token 0. */
  before: TopKEntry[] | null;
  after: TopKEntry[] | null;
}

export interface ContinuationView {
  text: string;
  tokens: { text: string; prob: number }[];
}

/** The answer to requestContinuation: the text the model would write, without and with the edits. */
export interface ContinuationMessage {
  type: 'continuation';
  requestId: string;
  docUri: string;
  version: number;
  /** UTF-16 offset the continuation starts from (the cursor). */
  offset: number;
  temperature: number;
  seed: number;
  plain: ContinuationView | null;
  /** null when no edits are active (or on error). */
  edited: ContinuationView | null;
  /** Labels of the edits the edited continuation ran with. */
  editLabels: string[];
  error: string | null;
}

/** Ask the panel to show its continuation section (the command "What Would the Model Write Here?"). */
export interface ShowContinuationMessage {
  type: 'showContinuation';
}

export type EditToWebviewMessage = EditsMessage | EditedSelectionMessage | ContinuationMessage | ShowContinuationMessage;

export type EditFromWebviewMessage =
  /** Add an edit of a feature (feature null: splice the hook). amount: scale factor / clamp value. */
  | { type: 'addEdit'; hook: string; feature: number | null; op: EditOp; amount: number | null; scope: EditScope }
  | { type: 'removeEdit'; id: string }
  | { type: 'clearEdits' }
  /** Continue the text from the editor cursor; temperature 0 = greedy. */
  | { type: 'requestContinuation'; requestId: string; tokens: number; temperature: number; seed: number }
  /** Insert the continuation answered to requestId at its offset (when the document is still that version). */
  | { type: 'insertContinuation'; requestId: string; which: 'plain' | 'edited' };
