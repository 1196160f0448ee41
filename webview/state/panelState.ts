// The panel's state and how messages change it. Pure: no DOM, no postMessage, so it can be reasoned
// about (and tested) on its own. The panel re-renders whatever sections depend on what changed.

import {
  type AnalysisMessage,
  type CardMessage,
  type ComparisonMessage,
  DEFAULT_LEGEND,
  type FeatureRef,
  type HeatmapLegend,
  type InitMessage,
  parseToWebview,
  type PanelSettings,
  type SelectionMessage,
  type StatusMessage,
  type ToWebviewMessage,
} from '../../src/protocol';
import { type HeadShade, initialWhy, whyForSelection, type WhyState } from './whyState';
import { editFromPersisted, type EditPanelState, initialEditState, type PersistedEdit, reduceEdit } from './editState';

export type CardView =
  | { state: 'loading'; ref: FeatureRef; requestId: string }
  | { state: 'ready'; ref: FeatureRef; message: CardMessage }
  | { state: 'error'; ref: FeatureRef; error: string };

export interface PanelState {
  init: InitMessage | null;
  analysis: AnalysisMessage | null;
  /** Details of the selected token; only kept while they match the analysis shown. */
  selection: SelectionMessage | null;
  /** Document token index selected in the strip (may run ahead of `selection` while it loads). */
  selectedIndex: number | null;
  status: StatusMessage | null;
  error: { message: string; kind: string | null } | null;
  /** Why there is nothing to show (no editor, file not analysed because ...). */
  cleared: string | null;
  card: CardView | null;
  highlight: FeatureRef | null;
  options: PanelSettings;
  legend: HeatmapLegend;
  includeActivations: boolean;
  /** The "Why this prediction" section. */
  why: WhyState;
  /** Feature edits, their effect and continuations. */
  edit: EditPanelState;
  /** A comparison with another version of the document (shown only for the version it names). */
  comparison: ComparisonMessage | null;
}

export const DEFAULT_OPTIONS: PanelSettings = { topK: 10, featuresPerToken: 8, hook: null };

export function initialState(): PanelState {
  return {
    init: null,
    analysis: null,
    selection: null,
    selectedIndex: null,
    status: null,
    error: null,
    cleared: null,
    card: null,
    highlight: null,
    options: { ...DEFAULT_OPTIONS },
    legend: DEFAULT_LEGEND,
    includeActivations: false,
    why: initialWhy(),
    edit: initialEditState(),
    comparison: null,
  };
}

/** Applies one validated host message. Card and explanation replies are routed through PendingRequests instead. */
export function reduce(state: PanelState, msg: ToWebviewMessage): PanelState {
  switch (msg.type) {
    case 'init': {
      // The host's settings win; only a hook chosen in the panel survives a re-init that names none.
      const hooks = msg.model?.hooks ?? [];
      const keptHook = state.options.hook !== null && hooks.includes(state.options.hook) ? state.options.hook : null;
      return { ...state, init: msg, options: { ...msg.settings, hook: msg.settings.hook ?? keptHook }, legend: msg.legend, error: null };
    }
    case 'analysis': {
      const sameDoc = state.analysis?.docUri === msg.docUri;
      const selectedIndex = msg.cursorIndex ?? (sameDoc ? state.selectedIndex : null);
      // Details for another document or version are stale: never show them against this text.
      const selection =
        state.selection && state.selection.docUri === msg.docUri && state.selection.version === msg.version ? state.selection : null;
      return {
        ...state,
        analysis: msg,
        selection,
        selectedIndex: selectedIndex === null ? null : Math.min(selectedIndex, Math.max(msg.tokenCount - 1, 0)),
        card: sameDoc ? state.card : null,
        cleared: null,
        error: null,
        why: whyForSelection(state.why, selection),
      };
    }
    case 'selection': {
      const a = state.analysis;
      if (!a || a.docUri !== msg.docUri || a.version !== msg.version) return state; // stale answer
      return { ...state, selection: msg, selectedIndex: msg.index, why: whyForSelection(state.why, msg) };
    }
    case 'status':
      return { ...state, status: msg };
    case 'error':
      return { ...state, error: { message: msg.message, kind: msg.kind } };
    case 'highlight':
      return { ...state, highlight: msg.feature };
    case 'clear':
      return { ...state, analysis: null, selection: null, selectedIndex: null, card: null, cleared: msg.reason, why: whyForSelection(state.why, null) };
    case 'showWhy':
      return { ...state, why: { ...state.why, open: true } };
    case 'edits':
    case 'editedSelection':
      return { ...state, edit: reduceEdit(state.edit, msg) };
    case 'comparison':
      return { ...state, comparison: msg.label === null ? null : msg };
    case 'showContinuation':
      return { ...state, edit: { ...state.edit, continuation: { ...state.edit.continuation, open: true } } };
    case 'card':
    case 'explanation':
    case 'continuation':
      return state;
  }
}

/** The token strip's data for a document index, when it is inside the window the host sent. */
export function loadedToken(state: PanelState, index: number) {
  const a = state.analysis;
  if (!a) return null;
  return a.tokens[index - a.firstIndex] ?? null;
}

// ---------------------------------------------------------------------------------------------------
// Surviving hide / re-show: VS Code destroys a hidden webview view's page; vscode.setState keeps a
// small JSON value for the next one. What comes back is validated like any message.

export interface PersistedState {
  v: 1;
  options: PanelSettings;
  includeActivations: boolean;
  selectedIndex: number | null;
  card: FeatureRef | null;
  /** Kept only when small, so the panel can draw at once while the host re-sends. */
  init: InitMessage | null;
  analysis: AnalysisMessage | null;
  selection: SelectionMessage | null;
  /** The "Why" section's choices (not its explanation: that is asked for again). */
  why?: { open: boolean; shade: HeadShade; group: string };
  /** The edit form's and the continuation section's choices. */
  edit?: PersistedEdit;
}

const PERSIST_MAX_TOKENS = 3000;

export function toPersisted(s: PanelState): PersistedState {
  return {
    v: 1,
    options: s.options,
    includeActivations: s.includeActivations,
    selectedIndex: s.selectedIndex,
    card: s.card ? s.card.ref : null,
    init: s.init,
    analysis: s.analysis && s.analysis.tokens.length <= PERSIST_MAX_TOKENS ? s.analysis : null,
    selection: s.selection,
    why: { open: s.why.open, shade: s.why.shade, group: s.why.group },
    edit: { form: s.edit.form, continuation: s.edit.continuation },
  };
}

export function fromPersisted(raw: unknown): { state: PanelState; reopenCard: FeatureRef | null } {
  let state = initialState();
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== 1) return { state, reopenCard: null };
  const p = raw as Partial<PersistedState>;
  for (const m of [p.init, p.analysis, p.selection]) {
    const parsed = m ? parseToWebview(m) : null;
    if (parsed?.ok) state = reduce(state, parsed.message);
  }
  // Options are checked by sending them through the same validator as a setOptions message would be.
  const o = p.options;
  if (o && Number.isInteger(o.topK) && Number.isInteger(o.featuresPerToken) && (o.hook === null || typeof o.hook === 'string'))
    state.options = { topK: o.topK, featuresPerToken: o.featuresPerToken, hook: o.hook };
  if (typeof p.includeActivations === 'boolean') state.includeActivations = p.includeActivations;
  const w = p.why;
  if (w && typeof w === 'object' && typeof w.open === 'boolean' && (w.shade === 'distance' || w.shade === 'focus') && typeof w.group === 'string' && w.group.length <= 200)
    state.why = { ...state.why, open: w.open, shade: w.shade, group: w.group };
  state.edit = editFromPersisted(p.edit, state.edit);
  if (typeof p.selectedIndex === 'number' && Number.isInteger(p.selectedIndex) && p.selectedIndex >= 0) state.selectedIndex = p.selectedIndex;
  const c = p.card;
  const reopenCard = c && typeof c.hook === 'string' && Number.isInteger(c.index) ? { hook: c.hook, index: c.index } : null;
  return { state, reopenCard };
}
