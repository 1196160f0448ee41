// The message types of the one protocol between the extension host (src/inspector/) and the inspector
// panel (webview/). Both ends import it through src/protocol/index.ts, validate every message they
// receive with parseToWebview / parseFromWebview (validate.ts), and log + ignore what fails.
// No `vscode` import here.
//
// Conventions: every field is required (absent = null; the one exception is the engine's FeatureCard,
// passed through as it is), objects are exact (extra keys rejected),
// numbers are finite (VS Code serialises messages as JSON, so NaN/Infinity could not survive anyway).

import type { TokenResult, TopKEntry } from '../engine';
import type { FeatureCard } from './cardMessages';
import { type HeatmapMode, RANK_BUCKET_BOUNDS } from '../shared/heatmapScale';
import type { EditFromWebviewMessage, EditToWebviewMessage } from './editMessages';
import type { ComparisonMessage } from './compareMessages';

export type * from './editMessages';
export type * from './compareMessages';
export type * from './cardMessages';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------------
// Shared data shapes

export interface HeatmapLegend {
  mode: HeatmapMode;
  /** Upper bounds (exclusive) of the first three rank buckets; the fourth is "beyond". */
  rankBounds: number[];
  /** Surprisal (nats) that gets full colour intensity in surprisal mode. */
  maxSurprisal: number;
}

export const DEFAULT_LEGEND: HeatmapLegend = { mode: 'rank', rankBounds: [...RANK_BUCKET_BOUNDS], maxSurprisal: 10 };

export interface PanelModelInfo {
  id: string;
  name: string;
  /** All hooks with a dictionary, in bundle order. */
  hooks: string[];
  /** Hooks whose dictionary has feature cards. */
  hooksWithCards: string[];
  /** Largest top-k the model can return. */
  topkMax: number;
}

export interface PanelSettings {
  topK: number;
  featuresPerToken: number;
  /** The hook the panel shows features for; null = every hook. */
  hook: string | null;
}

export interface SnapshotInfo {
  fileName: string;
  /** ISO date the snapshot was written. */
  createdAt: string;
  /** Whether the open document still has the snapshot's text; null when no such document is open. */
  textMatches: boolean | null;
}

/** What the token strip needs per token: no features, no top-k. */
export interface CompactToken {
  text: string;
  start: number;
  end: number;
  logprob: number | null;
  rank: number | null;
  entropy: number | null;
}

// A feature card (FeatureCard, cardMessages.ts) is the engine's (engine.getCard): the bundle's card
// (cards/<hook>/cards.bin; docs/bundle-format.md), or one computed at load time, which has only label,
// promoted and suppressed; cards of newer bundles add label scores, activation-interval examples and more.

/** The engine's per-token result and top-k row, as the selection message carries them. */
export type { TokenResult, TopKEntry };

/** Where a feature fires in the current document. */
export interface FeatureOccurrence {
  index: number;
  text: string;
  activation: number;
}

export interface FeatureRef {
  hook: string;
  index: number;
}

// ---------------------------------------------------------------------------------------------------
// Why this prediction (the panel's "Why" section; the engine's Explanation, fitted to the panel)

export interface ExplainTokenRef {
  id: number;
  /** Decoded vocabulary text (raw; views escape it). */
  text: string;
}

/** The next-token distribution read off the residual stream at one point (logit lens). */
export interface LensRow {
  /** The residual-stream hook read. */
  hook: string;
  /** Blocks applied before this read-out: 0 = the embeddings alone, nLayers = the model's output. */
  afterBlocks: number;
  topk: TopKEntry[];
  /** Probability and 0-based rank of the explained target at this read-out. */
  targetProb: number;
  targetRank: number;
}

/** A token an attention head attends to from the explained position. */
export interface AttendedToken {
  /** Document token index. */
  index: number;
  text: string;
  weight: number;
}

/** One head's attention from the explained token, summarised: the panel never needs every weight. */
export interface HeadSummary {
  layer: number;
  head: number;
  /** `L{layer}H{head}`. */
  name: string;
  /** Mean distance back in tokens (Σ w_j (position - j)). */
  meanDistance: number;
  /** Entropy of the row in nats (0 = all weight on one token). */
  entropy: number;
  maxWeight: number;
  /** The most attended tokens, heaviest first. */
  attended: AttendedToken[];
}

export type AttributionKind = 'embed' | 'pos_embed' | 'head' | 'attn_bias' | 'mlp' | 'mlp_bias' | 'feature' | 'sae_bias' | 'sae_error' | 'ln_bias';

/** One direct contribution to the explained logit (absent fields are null). */
export interface AttributionEntry {
  /** 'model' or the hook of a dictionary's group. */
  group: string;
  kind: AttributionKind;
  layer: number | null;
  head: number | null;
  feature: number | null;
  activation: number | null;
  /** Feature label ('feature' terms); null when the bundle has none. */
  label: string | null;
  value: number;
}

export interface AttributionGroupSummary {
  /** 'model' or a dictionary hook. */
  name: string;
  /** Sum of the group's terms (the explained logit, up to rounding; a group with trimmed features says so with `omitted`). */
  sum: number;
  /** How a dictionary's terms reach the logit; null for 'model'. */
  path: 'residual' | 'mlp-out' | null;
  /** Feature terms left out of the message (the smallest by magnitude) and their total. */
  omitted: { count: number; value: number } | null;
}

/** Why the model predicts what it does after one token: logit lens, attention, direct logit attribution. */
export interface ExplanationView {
  /** Document token index explained (the prediction made after it). */
  position: number;
  token: { id: number; text: string; start: number; end: number };
  /** First token of the context window the model saw for this position. */
  windowStart: number;
  target: ExplainTokenRef;
  /** True when the target is the token that actually follows. */
  targetIsNext: boolean;
  versus: ExplainTokenRef | null;
  /** logit(target), or logit(target) - logit(versus). */
  logit: number;
  lens: LensRow[];
  heads: HeadSummary[];
  attribution: AttributionEntry[];
  groups: AttributionGroupSummary[];
}

export type PanelStatusState = 'idle' | 'loading-model' | 'analysing' | 'ready' | 'not-analysed' | 'error';

// ---------------------------------------------------------------------------------------------------
// Host -> panel

export interface InitMessage {
  type: 'init';
  protocol: number;
  model: PanelModelInfo | null;
  settings: PanelSettings;
  legend: HeatmapLegend;
  readOnly: boolean;
  snapshot: SnapshotInfo | null;
}

/**
 * The analysed document's tokens, possibly only a window of them: tokens[k] is document token
 * firstIndex + k; tokenCount is the document's total. The host sends a fresh window when the cursor
 * (or a selectToken) leaves the one the panel has.
 */
export interface AnalysisMessage {
  type: 'analysis';
  docUri: string;
  fileName: string;
  version: number;
  textSha256: string;
  textLength: number;
  hooks: string[];
  tokenCount: number;
  firstIndex: number;
  tokens: CompactToken[];
  /** The token under the editor cursor, if any; when set, the host follows with its selection message. */
  cursorIndex: number | null;
}

/** Full details of one token, answering a cursor move or a selectToken. */
export interface SelectionMessage {
  type: 'selection';
  docUri: string;
  version: number;
  index: number;
  token: TokenResult;
  /** The distribution that predicted this token (the previous token's top-k); null for token 0. */
  predictedBy: TopKEntry[] | null;
  /** The token that actually follows in the document, to mark in token.topk; null at the end. */
  nextToken: { id: number; text: string } | null;
  /** Labels of token.features[hook], same order. */
  featureLabels: Record<string, string[]>;
  /** Fraction of tokens each of token.features[hook] fires on (bundle cards), same order; null when unknown. */
  featureDensities: Record<string, (number | null)[]>;
  /** Whether each of token.features[hook] is positional (fires in a band of window positions), same order.
   *  Absent when the bundle's labels.json says nothing about it. */
  featurePositional?: Record<string, boolean[]>;
  /** Label score (0-1) of each of token.features[hook], same order; null when unknown. */
  featureScores?: Record<string, (number | null)[]>;
  /** Whether each label is readable (score >= the bundle's readable_threshold), same order; null when unknown. */
  featureReadable?: Record<string, (boolean | null)[]>;
}

export interface CardMessage {
  type: 'card';
  requestId: string;
  hook: string;
  index: number;
  /** Exactly one of card / error is non-null. */
  card: FeatureCard | null;
  occurrences: FeatureOccurrence[];
  error: string | null;
  /**
   * Whether the card's label_score reaches the bundle's readable_threshold (the engine knows the
   * threshold; below it the label reads as unclear). Absent when unknown (older bundles, no card).
   */
  labelReadable?: boolean;
}

export interface StatusMessage {
  type: 'status';
  state: PanelStatusState;
  message: string;
  /** 0..1 while analysing, else null. */
  progress: number | null;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
  /** EngineErrorKind where the error came from the engine. */
  kind: string | null;
}

/** Which feature the editor currently highlights (null = none). */
export interface HighlightMessage {
  type: 'highlight';
  feature: FeatureRef | null;
}

/** Nothing to show (no editor, or the document is not analysed because ...). */
export interface ClearMessage {
  type: 'clear';
  reason: string;
}

/** The answer to a requestExplain: exactly one of explanation / error is non-null. */
export interface ExplanationMessage {
  type: 'explanation';
  requestId: string;
  docUri: string;
  version: number;
  index: number;
  explanation: ExplanationView | null;
  error: string | null;
  /** The engine's error kind ('cannot-explain' for a bundle made before explaining existed). */
  errorKind: string | null;
}

/** Open the panel's "Why" section (the hover's "Explain this prediction"). */
export interface ShowWhyMessage {
  type: 'showWhy';
}

export type ToWebviewMessage =
  | InitMessage
  | ExplanationMessage
  | ShowWhyMessage
  | AnalysisMessage
  | SelectionMessage
  | CardMessage
  | StatusMessage
  | ErrorMessage
  | HighlightMessage
  | ClearMessage
  | EditToWebviewMessage
  /** A comparison with another version (compareMessages.ts). */
  | ComparisonMessage;

// ---------------------------------------------------------------------------------------------------
// Panel -> host

export type FromWebviewMessage =
  /** The panel script is running; the host answers with init (+ analysis/selection if any). */
  | { type: 'ready'; protocol: number }
  /** Show this token's details (host answers with selection) without moving the editor cursor. */
  | { type: 'selectToken'; index: number }
  /** Move the editor cursor to this token (and reveal it). */
  | { type: 'revealToken'; index: number }
  /** Host answers with a card message carrying the same requestId. */
  | { type: 'requestCard'; requestId: string; hook: string; index: number }
  | { type: 'highlightFeature'; hook: string; index: number }
  /** Find Feature in Workspace for this feature (the card's button). */
  | { type: 'findFeature'; hook: string; index: number }
  /** Explain the prediction after token `index` (target/versus: token ids, null = the default); host answers with an explanation message. */
  | { type: 'requestExplain'; requestId: string; index: number; target: number | null; versus: number | null }
  /** Decorate in the editor what head L{layer}H{head} attends to, in the explanation answered to requestId. */
  | { type: 'showAttention'; requestId: string; layer: number; head: number }
  | { type: 'clearAttention' }
  /** Scroll the editor to this token without moving the cursor (the selection stays where it is). */
  | { type: 'peekToken'; index: number }
  | { type: 'clearHighlight' }
  | { type: 'setOptions'; topK: number; featuresPerToken: number; hook: string | null }
  | { type: 'exportSnapshot'; includeActivations: boolean }
  | { type: 'openSnapshot' }
  /** For the host's output channel (e.g. a message the panel rejected). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** Feature edits and continuations (editMessages.ts). */
  | EditFromWebviewMessage;
