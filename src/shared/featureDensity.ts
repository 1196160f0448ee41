// When a feature counts as dense or positional, and whether it is ranked after the others: one rule shared
// by the engine's ranking (src/engine/dictionary/feature-ranking.ts), the hover (src/editor), the panel
// (webview/) and the CLI. Ranked by activation, a feature that fires on a large share of all tokens (dense)
// or on the first positions of every window (positional) tops most tokens' lists, while its label
// describes few of them; each view marks it, and the default order lists it after the others.

/** A feature that fires on at least this fraction of the owned positions of held-out text is marked dense. */
export const DENSE_FEATURE = 0.1;

/** Whether a density (labels.json `density`) marks its feature dense; false when unknown. */
export function isDense(density: number | null | undefined): boolean {
  return density !== null && density !== undefined && Number.isFinite(density) && density >= DENSE_FEATURE;
}

/** The whole-number percentage of tokens a dense feature fires on; undefined when sparse or unknown. */
export function densePercent(density: number | null | undefined): number | undefined {
  if (!isDense(density)) return undefined;
  return Math.round(Math.min(density!, 1) * 100);
}

/** Whether a feature goes after the others in the default ('unusual') order: dense or positional. */
export function rankedAfter(density: number | null | undefined, positional: boolean | null | undefined): boolean {
  return positional === true || isDense(density);
}

/** The short tags a list shows beside a feature (e.g. the CLI's `dense 34%`, `positional`), in a fixed order. */
export function featureTags(density: number | null | undefined, positional: boolean | null | undefined): string[] {
  const tags: string[] = [];
  const percent = densePercent(density);
  if (percent !== undefined) tags.push(`dense ${percent}%`);
  if (positional === true) tags.push('positional');
  return tags;
}

/** How unusual an activation is for its feature: activation / typical activation (labels.json
 *  `typical_activation`, the median where it fires); undefined when the typical activation is unknown or 0. */
export function unusualRatio(activation: number, typicalActivation: number | null | undefined): number | undefined {
  if (typicalActivation === null || typicalActivation === undefined || !(typicalActivation > 0) || !Number.isFinite(activation)) return undefined;
  return Math.max(0, activation) / typicalActivation;
}
