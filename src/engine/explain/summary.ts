// Pure helpers over an Explanation for the views: the hover's one-line lens summary, a feature card's
// direct effect, and one attribution group's terms.
import type { AttributionTerm, Explanation, LensLayer } from './types';

export interface LensMilestone {
  /** Index into Explanation.lens. */
  index: number;
  hook: string;
  /** Blocks applied before this read-out: 0 = the embeddings alone, n_layers = the model's output. */
  afterBlocks: number;
}

/** Where the target first reaches the top 1 and the top 10 of the logit lens; null = never. */
export function lensMilestones(lens: readonly LensLayer[]): { top1: LensMilestone | null; top10: LensMilestone | null } {
  const first = (maxRank: number): LensMilestone | null => {
    const index = lens.findIndex((l) => l.targetRank < maxRank);
    return index < 0 ? null : { index, hook: lens[index].hook, afterBlocks: index };
  };
  return { top1: first(1), top10: first(10) };
}

/** The terms of one attribution group ('model' or a dictionary hook), in order. */
export function groupTerms(e: Pick<Explanation, 'attribution'>, group: string): AttributionTerm[] {
  return e.attribution.filter((t) => t.group === group);
}

/**
 * A dictionary feature's term in the explained prediction (its activation times its W_dec row, through
 * the path its group states): 0 when the feature does not fire at this token, undefined when the
 * explanation has no group for that hook.
 */
export function featureEffect(e: Pick<Explanation, 'attribution' | 'groups'>, hook: string, feature: number): number | undefined {
  if (!e.groups.some((g) => g.name === hook)) return undefined;
  const t = e.attribution.find((x) => x.group === hook && x.kind === 'feature' && x.feature === feature);
  return t?.value ?? 0;
}
