// Which colour bucket each token falls into, as plain data (offset ranges per bucket); the decoration
// layer turns these into editor decorations. Pure so the bucketing is unit-tested.
import type { AnalysisResult } from '../../engine';
import { editDeltaLevel, rankBucket as rankBucketIndex } from '../../shared/heatmapScale';
import { surprisalBits } from '../../shared/present';

export type HeatmapView =
  | { kind: 'rank' }
  | { kind: 'surprisal' }
  | { kind: 'feature'; hook: string; index: number }
  /** The change in log-prob under the active feature edits (a diverging map; editEffectRanges). */
  | { kind: 'editEffect' };

/** GLTR's buckets over the 0-based rank of the actual token: <10, <100, <1000, beyond (the panel's too). */
export const RANK_BUCKETS = ['rank10', 'rank100', 'rank1000', 'rankBeyond'] as const;
/** Surprisal in bits: <2, <4, <8, <12, beyond. */
export const SURPRISAL_BUCKETS = ['surprisal1', 'surprisal2', 'surprisal3', 'surprisal4', 'surprisal5'] as const;
export const SURPRISAL_EDGES_BITS = [2, 4, 8, 12] as const;
/** Feature activation as a fraction of its maximum in the document: (0, .25], (.25, .5], (.5, .75], (.75, 1]. */
export const FEATURE_BUCKETS = ['feature1', 'feature2', 'feature3', 'feature4'] as const;

/** The edit effect, diverging: the token became less likely (down) or more likely (up), three steps each. */
export const EDIT_BUCKETS = ['editDown3', 'editDown2', 'editDown1', 'editUp1', 'editUp2', 'editUp3'] as const;

export type BucketId = (typeof RANK_BUCKETS)[number] | (typeof SURPRISAL_BUCKETS)[number] | (typeof FEATURE_BUCKETS)[number] | (typeof EDIT_BUCKETS)[number];
export const ALL_BUCKETS: readonly BucketId[] = [...RANK_BUCKETS, ...SURPRISAL_BUCKETS, ...FEATURE_BUCKETS, ...EDIT_BUCKETS];

export function rankBucket(rank: number): (typeof RANK_BUCKETS)[number] {
  return RANK_BUCKETS[rankBucketIndex(rank)];
}

export function surprisalBucket(bits: number): (typeof SURPRISAL_BUCKETS)[number] {
  const i = SURPRISAL_EDGES_BITS.findIndex((edge) => bits < edge);
  return SURPRISAL_BUCKETS[i === -1 ? SURPRISAL_BUCKETS.length - 1 : i]!;
}

export function featureBucket(fraction: number): (typeof FEATURE_BUCKETS)[number] {
  const i = Math.min(FEATURE_BUCKETS.length - 1, Math.max(0, Math.ceil(fraction * FEATURE_BUCKETS.length) - 1));
  return FEATURE_BUCKETS[i]!;
}

export type OffsetRange = readonly [start: number, end: number];

/** What the edit-effect map reads from an edited analysis. */
export interface EditedTokenDelta {
  start: number;
  end: number;
  logprob: number | null;
  logprobOriginal: number | null;
}

/** The bucket of a log-prob change in bits; undefined when it is too small to colour. */
export function editBucket(deltaBits: number): (typeof EDIT_BUCKETS)[number] | undefined {
  const level = editDeltaLevel(deltaBits);
  return level === 0 ? undefined : EDIT_BUCKETS[level < 0 ? 3 + level : 2 + level];
}

/** Offset ranges per bucket of the edit-effect map (adjacent tokens of one bucket merged). */
export function editEffectRanges(tokens: readonly EditedTokenDelta[]): Map<BucketId, OffsetRange[]> {
  return mergeRanges(tokens, (t) =>
    t.logprob === null || t.logprobOriginal === null ? undefined : editBucket((t.logprob - t.logprobOriginal) / Math.LN2),
  );
}

function mergeRanges<T extends { start: number; end: number }>(tokens: readonly T[], bucketOf: (t: T) => BucketId | undefined): Map<BucketId, OffsetRange[]> {
  const out = new Map<BucketId, OffsetRange[]>();
  let lastBucket: BucketId | undefined;
  let lastEnd = -1;
  for (const t of tokens) {
    const bucket = t.end > t.start ? bucketOf(t) : undefined;
    if (bucket === undefined) {
      lastBucket = undefined;
      continue;
    }
    let list = out.get(bucket);
    if (!list) out.set(bucket, (list = []));
    if (bucket === lastBucket && lastEnd === t.start && list.length > 0) list[list.length - 1] = [list[list.length - 1]![0], t.end];
    else list.push([t.start, t.end]);
    lastBucket = bucket;
    lastEnd = t.end;
  }
  return out;
}

/**
 * Offset ranges per bucket for one view. Adjacent tokens of the same bucket are merged (fewer
 * decorations for the editor to lay out); tokens with nothing to show (the first token, empty ranges,
 * tokens where the feature does not fire) get no range.
 */
export function heatmapRanges(result: AnalysisResult, view: HeatmapView): Map<BucketId, OffsetRange[]> {
  let maxActivation = 0;
  if (view.kind === 'feature') {
    for (const t of result.tokens) {
      const hit = t.features[view.hook]?.find((f) => f.index === view.index);
      if (hit && hit.activation > maxActivation) maxActivation = hit.activation;
    }
  }
  return mergeRanges(result.tokens, (t) => {
    if (view.kind === 'rank') return t.rank === null ? undefined : rankBucket(t.rank);
    if (view.kind === 'surprisal') return t.logprob === null ? undefined : surprisalBucket(surprisalBits(t.logprob));
    if (view.kind === 'editEffect') return undefined; // drawn from the edited analysis (editEffectRanges)
    const hit = t.features[view.hook]?.find((f) => f.index === view.index);
    return hit && hit.activation > 0 && maxActivation > 0 ? featureBucket(hit.activation / maxActivation) : undefined;
  });
}

/** Colour id contributed in package.json for a bucket, e.g. activationInspector.heatmap.rank10Background. */
export function bucketColorId(bucket: BucketId): string {
  return `activationInspector.heatmap.${bucket}Background`;
}
