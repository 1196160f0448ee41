// Fits the engine's Explanation of one prediction to what the panel shows (ExplanationView): attention
// rows summarised to each head's most attended tokens (the editor decorations read the full rows on
// the host), feature terms labelled, and, for a dictionary with very many active features, only the
// largest terms kept (what is left out is counted and summed, so the bars still add up). Pure; no
// `vscode`.
import type { Explanation } from '../engine';
import type { AttributionEntry, AttributionGroupSummary, ExplanationView, HeadSummary } from '../protocol';
import { LIMITS } from '../protocol';

/** Attended tokens listed per head. */
export const ATTENDED_PER_HEAD = 12;
/** Feature terms kept per dictionary group (by magnitude). */
export const FEATURE_TERMS_PER_GROUP = 256;

/** Text of document token `index`, from the window the explanation carries. */
function tokenText(e: Pick<Explanation, 'windowStart' | 'windowTokens'>, index: number): string {
  return (e.windowTokens[index - e.windowStart]?.text ?? '').slice(0, LIMITS.tokenText);
}

function headSummaries(e: Explanation): HeadSummary[] {
  return e.attention.map((a) => {
    const order = a.weights.map((w, k) => ({ index: e.windowStart + k, weight: w }));
    order.sort((x, y) => y.weight - x.weight || y.index - x.index);
    return {
      layer: a.layer,
      head: a.head,
      name: a.name,
      meanDistance: Math.max(0, a.meanDistance),
      entropy: Math.max(0, a.entropy),
      maxWeight: Math.min(1, Math.max(0, a.maxWeight)),
      attended: order.slice(0, ATTENDED_PER_HEAD).map((o) => ({ index: o.index, text: tokenText(e, o.index), weight: Math.min(1, Math.max(0, o.weight)) })),
    };
  });
}

function entry(t: Explanation['attribution'][number], labelOf: (hook: string, index: number) => string | undefined): AttributionEntry {
  const label = t.kind === 'feature' && t.hook !== undefined && t.feature !== undefined ? labelOf(t.hook, t.feature) : undefined;
  return {
    group: t.group,
    kind: t.kind,
    layer: t.layer ?? null,
    head: t.head ?? null,
    feature: t.feature ?? null,
    activation: t.activation ?? null,
    label: label ? label.slice(0, LIMITS.message) : null,
    value: t.value,
  };
}

/** The panel's view of an explanation; `labelOf` names dictionary features (bundle labels). */
export function buildExplanationView(
  e: Explanation,
  labelOf: (hook: string, index: number) => string | undefined,
): ExplanationView {
  const attribution: AttributionEntry[] = [];
  const groups: AttributionGroupSummary[] = [];
  for (const g of e.groups) {
    const terms = e.attribution.filter((t) => t.group === g.name);
    const features = terms.filter((t) => t.kind === 'feature');
    const kept = new Set(features.sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, FEATURE_TERMS_PER_GROUP));
    const dropped = features.filter((t) => !kept.has(t));
    for (const t of terms) if (t.kind !== 'feature' || kept.has(t)) attribution.push(entry(t, labelOf));
    groups.push({
      name: g.name,
      sum: g.sum,
      path: g.path ?? null,
      omitted: dropped.length > 0 ? { count: dropped.length, value: dropped.reduce((s, t) => s + t.value, 0) } : null,
    });
  }
  return {
    position: e.position,
    token: { ...e.token, text: e.token.text.slice(0, LIMITS.tokenText) },
    windowStart: e.windowStart,
    target: { id: e.target.id, text: e.target.text.slice(0, LIMITS.tokenText) },
    targetIsNext: e.targetIsNext,
    versus: e.versus ? { id: e.versus.id, text: e.versus.text.slice(0, LIMITS.tokenText) } : null,
    logit: e.logit,
    lens: e.lens.map((l, i) => ({
      hook: l.hook,
      afterBlocks: i,
      topk: l.topk.slice(0, LIMITS.topK).map((t) => ({ id: t.id, text: t.text.slice(0, LIMITS.tokenText), prob: t.prob })),
      targetProb: l.targetProb,
      targetRank: l.targetRank,
    })),
    heads: headSummaries(e),
    attribution,
    groups,
  };
}

/** Document token ranges a head attends to, with their weights (the editor's attention decorations). */
export function attendedRanges(
  e: Pick<Explanation, 'attention' | 'windowTokens'>,
  layer: number,
  head: number,
): { start: number; end: number; weight: number }[] {
  const row = e.attention.find((a) => a.layer === layer && a.head === head);
  if (!row) return [];
  const out: { start: number; end: number; weight: number }[] = [];
  row.weights.forEach((weight, k) => {
    const t = e.windowTokens[k];
    if (t && t.end > t.start) out.push({ start: t.start, end: t.end, weight });
  });
  return out;
}
