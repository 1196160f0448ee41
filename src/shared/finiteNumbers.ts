// JSON has no -Infinity (JSON.stringify writes null, which would read back as "no prediction"), and a
// probability of exactly zero has log-probability -Infinity. One finite stand-in for it, and one floor
// for per-token explained variance, used by the snapshot writer, the snapshot reader and the panel's
// message validator alike, so that whatever one of them writes the others accept.
// No Node API, no DOM: the webview bundles this too.

/** Log-probability written for a probability of zero (and for anything below it). */
export const LOGPROB_FLOOR = -1e6;
/** Lowest per-token explained variance written (it is unbounded below when a token's variance is ~0). */
export const EXPLAINED_VARIANCE_FLOOR = -1e6;

/** A log-probability as stored: within [LOGPROB_FLOOR, 0]; NaN (no value) is null. */
export function storedLogprob(x: number | null): number | null {
  if (x === null || Number.isNaN(x)) return null;
  return Math.max(LOGPROB_FLOOR, Math.min(0, x));
}

/** A per-token explained variance as stored: within [EXPLAINED_VARIANCE_FLOOR, 1]; NaN (0/0) is 0. */
export function storedExplainedVariance(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(EXPLAINED_VARIANCE_FLOOR, Math.min(1, x));
}
