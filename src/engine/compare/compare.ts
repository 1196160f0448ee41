// Two analyses of two versions of a text, token by token: tokens aligned through the text diff
// (align.ts), and for every matched token the change in log-probability and in its features. Works on
// anything shaped like a TokenResult (a fresh analysis or a snapshot's tokens). Pure.
import type { FeatureHit } from '../types';
import { alignTokens } from './align';

/** What a side of the comparison needs: the text and its analysed tokens. */
export interface ComparedSide {
  text: string;
  hooks: readonly string[];
  tokens: readonly ComparedToken[];
}

export interface ComparedToken {
  start: number;
  end: number;
  text: string;
  logprob: number | null;
  features: Record<string, FeatureHit[]>;
}

export interface FeatureChange {
  hook: string;
  index: number;
  /** Activation in A and in B (0 where the feature was not among the token's reported features). */
  before: number;
  after: number;
}

export interface TokenDelta {
  /** UTF-16 range in B. */
  start: number;
  end: number;
  text: string;
  /** Aligned to a token of A in unchanged text. */
  matched: boolean;
  /** Index of that token in A; null when not matched (inserted or re-cut text). */
  aIndex: number | null;
  logprobBefore: number | null;
  logprobAfter: number | null;
  /** B's log-prob minus A's; null when not matched or either is null (a document's first token). */
  deltaLogprob: number | null;
  /** The features whose activation changed most (largest |after - before| first), matched tokens only. */
  featureChanges: FeatureChange[];
}

export interface Comparison {
  tokens: TokenDelta[];
  /** UTF-16 ranges of A whose tokens have no match in B (deleted or re-cut text). */
  deletedInA: { start: number; end: number }[];
  matched: number;
  /** Hooks both sides were analysed with. */
  hooks: string[];
}

export interface CompareOptions {
  /** Feature changes kept per token (default 3). */
  featureChanges?: number;
}

function featureChanges(a: ComparedToken, b: ComparedToken, hooks: readonly string[], keep: number): FeatureChange[] {
  const out: FeatureChange[] = [];
  for (const hook of hooks) {
    const before = new Map((a.features[hook] ?? []).map((f) => [f.index, f.activation]));
    const after = new Map((b.features[hook] ?? []).map((f) => [f.index, f.activation]));
    for (const index of new Set([...before.keys(), ...after.keys()])) {
      const change = { hook, index, before: before.get(index) ?? 0, after: after.get(index) ?? 0 };
      if (change.before !== change.after) out.push(change);
    }
  }
  out.sort((x, y) => Math.abs(y.after - y.before) - Math.abs(x.after - x.before) || x.index - y.index);
  return out.slice(0, keep);
}

export function compareAnalyses(a: ComparedSide, b: ComparedSide, options: CompareOptions = {}): Comparison {
  const keep = options.featureChanges ?? 3;
  const hooks = b.hooks.filter((h) => a.hooks.includes(h));
  const aligned = alignTokens(a.text, a.tokens, b.text, b.tokens);
  const matchedA = new Set<number>();
  const tokens = b.tokens.map((t, i): TokenDelta => {
    const ai = aligned[i];
    const before = ai === null ? null : a.tokens[ai];
    if (ai !== null) matchedA.add(ai);
    const delta = before && before.logprob !== null && t.logprob !== null ? t.logprob - before.logprob : null;
    return {
      start: t.start, end: t.end, text: t.text, matched: ai !== null, aIndex: ai,
      logprobBefore: before ? before.logprob : null, logprobAfter: t.logprob, deltaLogprob: delta,
      featureChanges: before ? featureChanges(before, t, hooks, keep) : [],
    };
  });
  const deletedInA: { start: number; end: number }[] = [];
  a.tokens.forEach((t, i) => {
    if (matchedA.has(i)) return;
    const last = deletedInA[deletedInA.length - 1];
    if (last && last.end === t.start) last.end = t.end;
    else deletedInA.push({ start: t.start, end: t.end });
  });
  return { tokens, deletedInA, matched: matchedA.size, hooks };
}

/** The `limit` matched tokens whose log-prob changed most, largest |delta| first. */
export function biggestChanges(c: Comparison, limit: number): TokenDelta[] {
  return c.tokens
    .filter((t) => t.deltaLogprob !== null && t.deltaLogprob !== 0)
    .sort((x, y) => Math.abs(y.deltaLogprob!) - Math.abs(x.deltaLogprob!) || x.start - y.start)
    .slice(0, limit);
}
