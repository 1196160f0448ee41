// When a feature counts as dense, shared by the hover (src/editor), the panel (webview/) and the CLI.
// Ranked by activation, a feature that fires on a large share of all tokens tops most tokens' lists,
// while its label (drawn from its largest activations) describes few of them; each view marks it.

/** A feature that fires on at least this fraction of the bundle's card tokens is marked dense. */
export const DENSE_FEATURE = 0.1;

/** The whole-number percentage of tokens a dense feature fires on; undefined when sparse or unknown. */
export function densePercent(density: number | null | undefined): number | undefined {
  if (density === null || density === undefined || !Number.isFinite(density) || density < DENSE_FEATURE) return undefined;
  return Math.round(Math.min(density, 1) * 100);
}
