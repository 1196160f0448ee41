// Host -> panel messages built from plain analysis data (pure, unit-tested against the protocol's own
// validators so the panel never has to drop what the host sends).
import type { AnalysisResult, TokenResult } from '../engine';
import {
  type AnalysisMessage,
  type FeatureOccurrence,
  LIMITS,
  type SelectionMessage,
  toCompactToken,
  tokenWindow,
} from '../protocol';

/**
 * Tokens sent per analysis message: the panel's strip shows a window around the cursor (and asks for
 * another when a click leaves it). Measured: 4,000 tokens cost ~330 KB of JSON and 20-60 ms of the
 * extension host's time per message, too much to send while someone types; 1,200 is ~100 KB.
 */
export const ANALYSIS_WINDOW = 1200;

function clampText(text: string): string {
  return text.length > LIMITS.tokenText ? text.slice(0, LIMITS.tokenText) : text;
}

function finite(n: number, fallback = 0): number {
  return Number.isFinite(n) ? n : fallback;
}

export interface AnalysisSource {
  docUri: string;
  fileName: string;
  version: number;
  result: AnalysisResult;
}

export function buildAnalysisMessage(src: AnalysisSource, cursorIndex: number | null, window = ANALYSIS_WINDOW): AnalysisMessage {
  const tokens = src.result.tokens;
  const { first, end } = tokenWindow(tokens.length, cursorIndex ?? 0, Math.min(window, LIMITS.tokensPerMessage));
  return {
    type: 'analysis',
    docUri: src.docUri,
    fileName: src.fileName,
    version: src.version,
    textSha256: src.result.textSha256,
    textLength: src.result.textLength,
    hooks: src.result.hooks.slice(0, LIMITS.hooks),
    tokenCount: tokens.length,
    firstIndex: first,
    tokens: tokens.slice(first, end).map((t) => {
      const c = toCompactToken(t);
      return { ...c, text: clampText(c.text), logprob: c.logprob === null ? null : Math.min(0, finite(c.logprob, -1e6)), entropy: c.entropy === null ? null : Math.max(0, finite(c.entropy)) };
    }),
    cursorIndex: cursorIndex !== null && cursorIndex >= 0 && cursorIndex < tokens.length ? cursorIndex : null,
  };
}

/** Whether token `index` lies inside the window an analysis message carried. */
export function inWindow(msg: Pick<AnalysisMessage, 'firstIndex' | 'tokens'>, index: number): boolean {
  return index >= msg.firstIndex && index < msg.firstIndex + msg.tokens.length;
}

/** One token made safe for the protocol: same hooks in features, reconstruction and labels; finite numbers. */
function panelToken(t: TokenResult, hooks: readonly string[]): TokenResult {
  const features: TokenResult['features'] = {};
  const reconstruction: TokenResult['reconstruction'] = {};
  for (const h of hooks.slice(0, LIMITS.hooks)) {
    features[h] = (t.features[h] ?? []).slice(0, LIMITS.features).map((f) => ({ index: f.index, activation: finite(f.activation) }));
    reconstruction[h] = Math.min(1, Math.max(-1e6, finite(t.reconstruction[h] ?? 0)));
  }
  return {
    id: t.id,
    text: clampText(t.text),
    start: t.start,
    end: t.end,
    logprob: t.logprob === null ? null : Math.min(0, finite(t.logprob, -1e6)),
    rank: t.rank,
    entropy: t.entropy === null ? null : Math.max(0, finite(t.entropy)),
    topk: t.topk.slice(0, LIMITS.topK).map((e) => ({ id: e.id, text: clampText(e.text), prob: Math.min(1, Math.max(0, finite(e.prob))) })),
    nextEntropy: Math.max(0, finite(t.nextEntropy)),
    features,
    reconstruction,
  };
}

/** What the bundle says of a feature beyond its label (the engine's featureFacts); all absent for older bundles. */
export interface SelectionFeatureFacts {
  positional?: boolean;
  /** Label score, 0–1. */
  score?: number;
  /** score >= the bundle's readable_threshold. */
  readable?: boolean;
}

/** Per hook, one fact of each listed feature, or undefined when no listed feature has it (older bundles). */
function perFeature<T>(
  features: SelectionMessage['token']['features'],
  read: (hook: string, index: number) => T | undefined,
  fallback: T,
): Record<string, T[]> | undefined {
  let known = false;
  const out: Record<string, T[]> = {};
  for (const [h, hits] of Object.entries(features)) {
    out[h] = hits.map((f) => {
      const v = read(h, f.index);
      if (v !== undefined) known = true;
      return v ?? fallback;
    });
  }
  return known ? out : undefined;
}

const unitOrUndefined = (x: number | undefined) => (x !== undefined && Number.isFinite(x) && x >= 0 && x <= 1 ? x : undefined);

export function buildSelectionMessage(
  src: AnalysisSource,
  index: number,
  labelOf: (hook: string, index: number) => string | undefined,
  densityOf: (hook: string, index: number) => number | undefined = () => undefined,
  factsOf: (hook: string, index: number) => SelectionFeatureFacts | undefined = () => undefined,
): SelectionMessage | undefined {
  const tokens = src.result.tokens;
  const t = tokens[index];
  if (!t) return undefined;
  const hooks = src.result.hooks.filter((h) => t.features[h] !== undefined || t.reconstruction[h] !== undefined);
  const token = panelToken(t, hooks);
  const featureLabels: Record<string, string[]> = {};
  const featureDensities: Record<string, (number | null)[]> = {};
  for (const h of Object.keys(token.features)) {
    featureLabels[h] = token.features[h]!.map((f) => (labelOf(h, f.index) ?? '').slice(0, LIMITS.message));
    featureDensities[h] = token.features[h]!.map((f) => {
      const d = densityOf(h, f.index);
      return d !== undefined && Number.isFinite(d) && d >= 0 && d <= 1 ? d : null;
    });
  }
  const featurePositional = perFeature(token.features, (h, i) => factsOf(h, i)?.positional, false);
  const featureScores = perFeature<number | null>(token.features, (h, i) => unitOrUndefined(factsOf(h, i)?.score), null);
  const featureReadable = perFeature<boolean | null>(token.features, (h, i) => factsOf(h, i)?.readable, null);
  const prev = index > 0 ? tokens[index - 1] : undefined;
  const next = tokens[index + 1];
  return {
    type: 'selection',
    docUri: src.docUri,
    version: src.version,
    index,
    token,
    predictedBy: prev ? panelToken(prev, []).topk : null,
    nextToken: next ? { id: next.id, text: clampText(next.text) } : null,
    featureLabels,
    featureDensities,
    ...(featurePositional ? { featurePositional } : {}),
    ...(featureScores ? { featureScores } : {}),
    ...(featureReadable ? { featureReadable } : {}),
  };
}

/** Where feature (hook, index) fires in the analysed document, strongest first. */
export function featureOccurrences(result: AnalysisResult, hook: string, featureIndex: number, limit = LIMITS.occurrences): FeatureOccurrence[] {
  const out: FeatureOccurrence[] = [];
  result.tokens.forEach((t, i) => {
    const hit = t.features[hook]?.find((f) => f.index === featureIndex);
    if (hit && hit.activation > 0 && Number.isFinite(hit.activation)) out.push({ index: i, text: clampText(t.text), activation: hit.activation });
  });
  out.sort((a, b) => b.activation - a.activation);
  return out.slice(0, limit);
}
