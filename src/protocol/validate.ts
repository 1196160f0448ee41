// Run-time validation of every panel protocol message (messages.ts has the types). Both ends call
// parseToWebview / parseFromWebview on receipt; what fails is logged and ignored, never thrown.
import { arr, bool, type Check, int, isPlainObject, literal, nullable, num, obj, optional, record, refine, str } from './check';
import type { AnalysisMessage, CardMessage, ExplanationMessage, FromWebviewMessage, SelectionMessage, ToWebviewMessage } from './messages';
import { EXPLAINED_VARIANCE_FLOOR, LOGPROB_FLOOR } from '../shared/finiteNumbers';
import { editShapes } from './editShapes';
import { compareShapes } from './compareShapes';
import { CARD_LIMITS, cardShape } from './cardShapes';

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
  cardContexts: CARD_LIMITS.contexts,
  contextTokens: CARD_LIMITS.contextTokens,
  histogramBins: CARD_LIMITS.histogramBins,
  lensLayers: 256,
  heads: 4_096,
  attendedPerHead: 32,
  attributionTerms: 8_192,
} as const;

// ---------------------------------------------------------------------------------------------------
// Run-time shapes

const hookName = str(200, 1);
const tokenIndex = int(0, 100_000_000);
const offset = int(0, Number.MAX_SAFE_INTEGER);
// Float round-off can put a log-prob a hair above 0 or a probability a hair above 1.
const prob = num(0, 1.001);
const logprob = num(LOGPROB_FLOOR, 1e-3);
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
    reconstruction: record(num(EXPLAINED_VARIANCE_FLOOR, 1), LIMITS.hooks),
  }),
  rangeRule,
);

const compactToken = refine(
  obj({ text, start: offset, end: offset, logprob: nullable(logprob), rank: nullable(int()), entropy: nullable(nonNegative) }),
  rangeRule,
);

const featureCard = cardShape(text);

const featureRef = obj({ hook: hookName, index: int() });

const edit = editShapes({ hookName, tokenIndex, offset, logprob, requestId, text, sentence, uri: str(LIMITS.uri, 1), topKEntry, topK: LIMITS.topK });

const compare = compareShapes({ uri: str(LIMITS.uri, 1), label: str(LIMITS.uri) });

const explainTokenRef = obj({ id: int(), text });

const explanationView = refine(
  obj({
    position: tokenIndex,
    token: refine(obj({ id: int(), text, start: offset, end: offset }), rangeRule),
    windowStart: tokenIndex,
    target: explainTokenRef,
    targetIsNext: bool,
    versus: nullable(explainTokenRef),
    logit: num(),
    lens: arr(obj({ hook: hookName, afterBlocks: int(0, 10_000), topk: arr(topKEntry, LIMITS.topK), targetProb: prob, targetRank: int() }), LIMITS.lensLayers),
    heads: arr(
      obj({
        layer: int(0, 10_000),
        head: int(0, 10_000),
        name: str(40, 1),
        meanDistance: nonNegative,
        entropy: nonNegative,
        maxWeight: prob,
        attended: arr(obj({ index: tokenIndex, text, weight: prob }), LIMITS.attendedPerHead),
      }),
      LIMITS.heads,
    ),
    attribution: arr(
      obj({
        group: hookName,
        kind: literal('embed', 'pos_embed', 'head', 'attn_bias', 'mlp', 'mlp_bias', 'feature', 'sae_bias', 'sae_error', 'ln_bias'),
        layer: nullable(int(0, 10_000)),
        head: nullable(int(0, 10_000)),
        feature: nullable(int()),
        activation: nullable(num()),
        label: nullable(str(LIMITS.message)),
        value: num(),
      }),
      LIMITS.attributionTerms,
    ),
    groups: arr(
      obj({ name: hookName, sum: num(), path: nullable(literal('residual', 'mlp-out')), omitted: nullable(obj({ count: int(1), value: num() })) }),
      LIMITS.hooks + 1,
    ),
  }),
  (e: ExplanationMessage['explanation'] & object) => {
    if (e.windowStart > e.position) return 'explanation windowStart is after its position';
    const groups = new Set(e.groups.map((g) => g.name));
    const stray = e.attribution.find((t) => !groups.has(t.group));
    if (stray) return `explanation term of unknown group "${stray.group.slice(0, 40)}"`;
    const late = e.heads.find((hd) => hd.attended.some((a) => a.index > e.position || a.index < e.windowStart));
    return late ? `explanation head ${late.name.slice(0, 40)} attends outside the window` : null;
  },
);

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
      featureDensities: record(arr(nullable(num(0, 1)), LIMITS.features), LIMITS.hooks),
      featurePositional: optional(record(arr(bool, LIMITS.features), LIMITS.hooks)),
      featureScores: optional(record(arr(nullable(num(0, 1)), LIMITS.features), LIMITS.hooks)),
      featureReadable: optional(record(arr(nullable(bool), LIMITS.features), LIMITS.hooks)),
    }),
    (m: SelectionMessage) => {
      // The per-hook records must describe the same hooks, labels, densities (and the optional per-feature
      // facts) aligned with features.
      const hooks = Object.keys(m.token.features).sort().join('\n');
      if (Object.keys(m.token.reconstruction).sort().join('\n') !== hooks) return 'selection reconstruction hooks differ from features hooks';
      const aligned: [string, Record<string, unknown[]> | undefined][] = [
        ['featureLabels', m.featureLabels], ['featureDensities', m.featureDensities],
        ['featurePositional', m.featurePositional], ['featureScores', m.featureScores], ['featureReadable', m.featureReadable],
      ];
      for (const [name, perHook] of aligned) {
        if (perHook === undefined) continue;
        if (Object.keys(perHook).sort().join('\n') !== hooks) return `selection ${name} hooks differ from features hooks`;
        const misaligned = Object.keys(perHook).find((h) => perHook[h]!.length !== m.token.features[h]!.length);
        if (misaligned) return `selection ${name}["${misaligned.slice(0, 40)}"] is not aligned with its features`;
      }
      return null;
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
      labelReadable: optional(bool),
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
  explanation: refine(
    obj({
      type: literal('explanation'),
      requestId,
      docUri: str(LIMITS.uri, 1),
      version: int(),
      index: tokenIndex,
      explanation: nullable(explanationView),
      error: nullable(sentence),
      errorKind: nullable(str(100)),
    }),
    (m: ExplanationMessage) => {
      if ((m.explanation === null) === (m.error === null)) return 'explanation message needs exactly one of explanation / error';
      return m.explanation && m.explanation.position !== m.index ? 'explanation position differs from its index' : null;
    },
  ),
  showWhy: obj({ type: literal('showWhy') }),
  ...edit.toWebview,
  ...compare,
};

const fromWebviewShapes: Record<FromWebviewMessage['type'], Check> = {
  ready: obj({ type: literal('ready'), protocol: int(1, 1000) }),
  selectToken: obj({ type: literal('selectToken'), index: tokenIndex }),
  revealToken: obj({ type: literal('revealToken'), index: tokenIndex }),
  requestCard: obj({ type: literal('requestCard'), requestId, hook: hookName, index: int() }),
  highlightFeature: obj({ type: literal('highlightFeature'), hook: hookName, index: int() }),
  findFeature: obj({ type: literal('findFeature'), hook: hookName, index: int() }),
  clearHighlight: obj({ type: literal('clearHighlight') }),
  requestExplain: obj({ type: literal('requestExplain'), requestId, index: tokenIndex, target: nullable(int()), versus: nullable(int()) }),
  showAttention: obj({ type: literal('showAttention'), requestId, layer: int(0, 10_000), head: int(0, 10_000) }),
  clearAttention: obj({ type: literal('clearAttention') }),
  peekToken: obj({ type: literal('peekToken'), index: tokenIndex }),
  setOptions: obj({
    type: literal('setOptions'),
    topK: int(1, LIMITS.topK),
    featuresPerToken: int(1, LIMITS.features),
    hook: nullable(hookName),
  }),
  exportSnapshot: obj({ type: literal('exportSnapshot'), includeActivations: bool }),
  openSnapshot: obj({ type: literal('openSnapshot') }),
  log: obj({ type: literal('log'), level: literal('info', 'warn', 'error'), message: str(LIMITS.message * 2) }),
  ...edit.fromWebview,
};

// ---------------------------------------------------------------------------------------------------
// Parsing

/** The outcome of validating one received message. */
export type ParsedMessage<T> =
  | { ok: true; message: T }
  /** requestId is set when a malformed message still names a request, so its waiter can be failed. */
  | { ok: false; reason: string; requestId: string | null };

function parseWith<T>(shapes: Record<string, Check>, raw: unknown, side: string): ParsedMessage<T> {
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

export const parseToWebview = (raw: unknown): ParsedMessage<ToWebviewMessage> => parseWith(toWebviewShapes, raw, 'host->panel');
export const parseFromWebview = (raw: unknown): ParsedMessage<FromWebviewMessage> => parseWith(fromWebviewShapes, raw, 'panel->host');

