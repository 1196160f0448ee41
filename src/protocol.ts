// The one message protocol between the extension host (src/inspector/) and the inspector panel
// (webview/). Both ends import this file, validate every message they receive with
// parseToWebview / parseFromWebview, and log + ignore what fails. No `vscode` import here.
//
// Conventions: every field is required (absent = null; the one exception is the engine's FeatureCard,
// passed through as it is), objects are exact (extra keys rejected),
// numbers are finite (VS Code serialises messages as JSON, so NaN/Infinity could not survive anyway).

import type { FeatureCard } from './engine/analysis/card';
import type { TokenResult, TopKEntry } from './engine/types';
import { arr, bool, type Check, int, isPlainObject, literal, nullable, num, obj, optional, record, refine, str } from './protocolCheck';

export { PendingRequests, type PendingRequestsOptions } from './protocolRequests';

export const PROTOCOL_VERSION = 1;

/** Size limits: a message past them is rejected rather than rendered. */
export const LIMITS = {
  tokensPerMessage: 20_000,
  tokenText: 1_000,
  topK: 50,
  features: 64,
  hooks: 32,
  uri: 4_096,
  message: 2_000,
  occurrences: 2_000,
  cardContexts: 64,
  contextTokens: 256,
  histogramBins: 200,
} as const;

// ---------------------------------------------------------------------------------------------------
// Shared data shapes

/** The GLTR rank buckets: 0-based rank < 10, < 100, < 1000, beyond. Host heat map and panel share them. */
export const RANK_BUCKET_BOUNDS = [10, 100, 1000] as const;
export type RankBucket = 0 | 1 | 2 | 3;

export function rankBucket(rank: number, bounds: readonly number[] = RANK_BUCKET_BOUNDS): RankBucket {
  for (let i = 0; i < bounds.length && i < 3; i++) if (rank < bounds[i]!) return i as RankBucket;
  return 3;
}

export type HeatmapMode = 'rank' | 'surprisal';

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

/**
 * A feature card, as the engine returns it (engine.getCard): the bundle's card
 * (cards/<hook>/cards.bin; docs/bundle-format.md), or one computed at load time, which has only
 * label, promoted and suppressed.
 */
export type { FeatureCard } from './engine/analysis/card';

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

export type ToWebviewMessage =
  | InitMessage
  | AnalysisMessage
  | SelectionMessage
  | CardMessage
  | StatusMessage
  | ErrorMessage
  | HighlightMessage
  | ClearMessage;

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
  | { type: 'clearHighlight' }
  | { type: 'setOptions'; topK: number; featuresPerToken: number; hook: string | null }
  | { type: 'exportSnapshot'; includeActivations: boolean }
  | { type: 'openSnapshot' }
  /** For the host's output channel (e.g. a message the panel rejected). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

// ---------------------------------------------------------------------------------------------------
// Run-time shapes

const hookName = str(200, 1);
const tokenIndex = int(0, 100_000_000);
const offset = int(0, Number.MAX_SAFE_INTEGER);
// Float round-off can put a log-prob a hair above 0 or a probability a hair above 1.
const prob = num(0, 1.001);
const logprob = num(-1e6, 1e-3);
const nonNegative = num(0);
const requestId = str(100, 1);
const text = str(LIMITS.tokenText);
const sentence = str(LIMITS.message);

const rangeRule = (v: { start: number; end: number }) => (v.end < v.start ? `token end ${v.end} is before start ${v.start}` : null);

const topKEntry = obj({ id: int(), text, prob });
const featureHit = obj({ index: int(), activation: num() });

const tokenResult = refine(
  obj({
    id: int(),
    text,
    start: offset,
    end: offset,
    logprob: nullable(logprob),
    rank: nullable(int()),
    entropy: nullable(nonNegative),
    topk: arr(topKEntry, LIMITS.topK),
    nextEntropy: nonNegative,
    features: record(arr(featureHit, LIMITS.features), LIMITS.hooks),
    reconstruction: record(num(-1e6, 1), LIMITS.hooks),
  }),
  rangeRule,
);

const compactToken = refine(
  obj({ text, start: offset, end: offset, logprob: nullable(logprob), rank: nullable(int()), entropy: nullable(nonNegative) }),
  rangeRule,
);

const vocabLogit = obj({ id: int(), text, logit: num() });

const featureCard = refine(
  obj({
    index: int(),
    label: str(LIMITS.message),
    label_method: optional(str(LIMITS.message)),
    density: optional(num(0, 1)),
    max_activation: optional(num()),
    mean_activation: optional(num()),
    histogram: optional(obj({ edges: arr(num(), LIMITS.histogramBins + 1), counts: arr(num(0), LIMITS.histogramBins) })),
    top_contexts: optional(arr(obj({ tokens: arr(text, LIMITS.contextTokens), index: int(), activation: num() }), LIMITS.cardContexts)),
    promoted: arr(vocabLogit, LIMITS.topK),
    suppressed: arr(vocabLogit, LIMITS.topK),
    computed: optional(bool),
    label_confidence: optional(num(0, 1)),
  }, { allowExtra: true }), // bundle cards may carry more (e.g. label_confidence); the panel reads only these
  (c: FeatureCard) => {
    if (c.histogram && c.histogram.counts.length > 0 && c.histogram.edges.length !== c.histogram.counts.length + 1)
      return 'card histogram needs one more edge than counts';
    const bad = c.top_contexts?.find((ctx) => ctx.index >= ctx.tokens.length);
    return bad ? 'card context index is outside its tokens' : null;
  },
);

const featureRef = obj({ hook: hookName, index: int() });

const toWebviewShapes: Record<ToWebviewMessage['type'], Check> = {
  init: obj({
    type: literal('init'),
    protocol: int(1, 1000),
    model: nullable(
      obj({
        id: str(200, 1),
        name: str(400),
        hooks: arr(hookName, LIMITS.hooks),
        hooksWithCards: arr(hookName, LIMITS.hooks),
        topkMax: int(1, 10_000),
      }),
    ),
    settings: obj({ topK: int(1, LIMITS.topK), featuresPerToken: int(1, LIMITS.features), hook: nullable(hookName) }),
    legend: obj({ mode: literal('rank', 'surprisal'), rankBounds: arr(int(1), 3), maxSurprisal: num(0.001, 1000) }),
    readOnly: bool,
    snapshot: nullable(obj({ fileName: str(1000), createdAt: str(100), textMatches: nullable(bool) })),
  }),
  analysis: refine(
    obj({
      type: literal('analysis'),
      docUri: str(LIMITS.uri, 1),
      fileName: str(1000),
      version: int(),
      textSha256: str(64, 64),
      textLength: offset,
      hooks: arr(hookName, LIMITS.hooks),
      tokenCount: int(0, 100_000_000),
      firstIndex: tokenIndex,
      tokens: arr(compactToken, LIMITS.tokensPerMessage),
      cursorIndex: nullable(tokenIndex),
    }),
    (m: AnalysisMessage) =>
      m.firstIndex + m.tokens.length > m.tokenCount ? 'analysis window extends past tokenCount' : null,
  ),
  selection: refine(
    obj({
      type: literal('selection'),
      docUri: str(LIMITS.uri, 1),
      version: int(),
      index: tokenIndex,
      token: tokenResult,
      predictedBy: nullable(arr(topKEntry, LIMITS.topK)),
      nextToken: nullable(obj({ id: int(), text })),
      featureLabels: record(arr(str(LIMITS.message), LIMITS.features), LIMITS.hooks),
    }),
    (m: SelectionMessage) => {
      // The three per-hook records must describe the same hooks, labels aligned with features.
      const hooks = Object.keys(m.token.features).sort().join('\n');
      if (Object.keys(m.token.reconstruction).sort().join('\n') !== hooks) return 'selection reconstruction hooks differ from features hooks';
      if (Object.keys(m.featureLabels).sort().join('\n') !== hooks) return 'selection featureLabels hooks differ from features hooks';
      const misaligned = Object.keys(m.featureLabels).find((h) => m.featureLabels[h]!.length !== m.token.features[h]!.length);
      return misaligned ? `selection featureLabels["${misaligned.slice(0, 40)}"] is not aligned with its features` : null;
    },
  ),
  card: refine(
    obj({
      type: literal('card'),
      requestId,
      hook: hookName,
      index: int(),
      card: nullable(featureCard),
      occurrences: arr(obj({ index: tokenIndex, text, activation: num() }), LIMITS.occurrences),
      error: nullable(sentence),
    }),
    (m: CardMessage) => ((m.card === null) === (m.error === null) ? 'card message needs exactly one of card / error' : null),
  ),
  status: obj({
    type: literal('status'),
    state: literal('idle', 'loading-model', 'analysing', 'ready', 'not-analysed', 'error'),
    message: sentence,
    progress: nullable(num(0, 1)),
  }),
  error: obj({ type: literal('error'), message: sentence, kind: nullable(str(100)) }),
  highlight: obj({ type: literal('highlight'), feature: nullable(featureRef) }),
  clear: obj({ type: literal('clear'), reason: sentence }),
};

const fromWebviewShapes: Record<FromWebviewMessage['type'], Check> = {
  ready: obj({ type: literal('ready'), protocol: int(1, 1000) }),
  selectToken: obj({ type: literal('selectToken'), index: tokenIndex }),
  revealToken: obj({ type: literal('revealToken'), index: tokenIndex }),
  requestCard: obj({ type: literal('requestCard'), requestId, hook: hookName, index: int() }),
  highlightFeature: obj({ type: literal('highlightFeature'), hook: hookName, index: int() }),
  clearHighlight: obj({ type: literal('clearHighlight') }),
  setOptions: obj({
    type: literal('setOptions'),
    topK: int(1, LIMITS.topK),
    featuresPerToken: int(1, LIMITS.features),
    hook: nullable(hookName),
  }),
  exportSnapshot: obj({ type: literal('exportSnapshot'), includeActivations: bool }),
  openSnapshot: obj({ type: literal('openSnapshot') }),
  log: obj({ type: literal('log'), level: literal('info', 'warn', 'error'), message: str(LIMITS.message * 2) }),
};

// ---------------------------------------------------------------------------------------------------
// Parsing

export type Parsed<T> =
  | { ok: true; message: T }
  /** requestId is set when a malformed message still names a request, so its waiter can be failed. */
  | { ok: false; reason: string; requestId: string | null };

function parseWith<T>(shapes: Record<string, Check>, raw: unknown, side: string): Parsed<T> {
  try {
    if (!isPlainObject(raw)) return { ok: false, reason: `${side} message must be an object`, requestId: null };
    const type = raw.type;
    const claimedId = typeof raw.requestId === 'string' && raw.requestId.length <= 100 ? raw.requestId : null;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(shapes, type)) {
      const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type;
      return { ok: false, reason: `unknown ${side} message type ${shown}`, requestId: claimedId };
    }
    const problem = shapes[type]!(raw, type);
    return problem ? { ok: false, reason: problem, requestId: claimedId } : { ok: true, message: raw as T };
  } catch (err) {
    // Only reachable through exotic objects (proxies, throwing getters); never let it escape.
    return { ok: false, reason: `${side} message could not be read: ${String(err).slice(0, 200)}`, requestId: null };
  }
}

export const parseToWebview = (raw: unknown): Parsed<ToWebviewMessage> => parseWith(toWebviewShapes, raw, 'host->panel');
export const parseFromWebview = (raw: unknown): Parsed<FromWebviewMessage> => parseWith(fromWebviewShapes, raw, 'panel->host');

// ---------------------------------------------------------------------------------------------------
// Helpers for the host side (plain data in, plain data out)

export function toCompactToken(t: TokenResult): CompactToken {
  return { text: t.text, start: t.start, end: t.end, logprob: t.logprob, rank: t.rank, entropy: t.entropy };
}

/**
 * The [first, end) token range of at most `size` tokens centred on `center`, clamped to the document.
 * The host uses it to window the analysis message around the cursor.
 */
export function tokenWindow(tokenCount: number, center: number, size: number): { first: number; end: number } {
  const n = Math.max(0, Math.min(size, tokenCount));
  const c = Math.min(Math.max(center, 0), Math.max(tokenCount - 1, 0));
  const first = Math.min(Math.max(c - Math.floor(n / 2), 0), tokenCount - n);
  return { first, end: first + n };
}
