// Which n of a token's active features are listed, and in what order (docs/bundle-format.md, "Ranking").
//
// Ranked by raw activation, a token's list is topped by the features that fire strongly everywhere (dense
// ones, or positional ones that fire on the first positions of every window), while a feature whose
// firing here is far above its usual strength says more about this token. The 'unusual' order keys each
// active feature by activation / typical_activation (its median activation where it fires, from the
// bundle's labels.json) and lists dense and positional features after all the others, each group by that
// key. It chooses among every feature active at the token (all k of a TopK dictionary), not only among the
// n strongest; the listed activations stay the raw ones.
//
// Runs in the worker on the encoder's output, one typed-array pass per row: the candidates of a TopK
// dictionary are its k active features (32 on the default bundle), so choosing n of them is a few hundred
// comparisons a token.
import type { FeatureOrder } from '../types';

/** What ranking knows about a dictionary's features (built from labels.json at load; see toRanking). */
export interface FeatureRanking {
  /** Per feature: 1 / typical_activation. A feature with no typical activation (dead on held-out text)
   *  gets 1 / the dictionary's median typical activation. Absent: the bundle has no typical_activation,
   *  and the key is the raw activation. */
  inverseTypical?: Float32Array;
  /** Per feature: 1 when it is dense or positional (src/shared/featureDensity.ts, rankedAfter). Absent: none is. */
  after?: Uint8Array;
}

/** Features considered per token for a dictionary that is not TopK (its active features are not bounded
 *  by k): the strongest this many, by raw activation. */
export const RANK_CANDIDATES = 128;

/**
 * Builds the ranking tables of one dictionary. `typical` and `after` come from labels.json (either may be
 * missing); returns undefined when neither is known, so ranking falls back to raw activation order.
 */
export function toRanking(dSae: number, typical: readonly number[] | undefined, after: ((i: number) => boolean) | undefined): FeatureRanking | undefined {
  let inverseTypical: Float32Array | undefined;
  if (typical && typical.length === dSae) {
    const positive = typical.filter((t) => t > 0).sort((a, b) => a - b);
    const fallback = positive.length ? positive[Math.floor(positive.length / 2)] : 1;
    inverseTypical = new Float32Array(dSae);
    for (let i = 0; i < dSae; i++) inverseTypical[i] = 1 / (typical[i] > 0 ? typical[i] : fallback);
  }
  let afterTable: Uint8Array | undefined;
  if (after) {
    afterTable = new Uint8Array(dSae);
    let any = false;
    for (let i = 0; i < dSae; i++) if (after(i)) (afterTable[i] = 1), (any = true);
    if (!any) afterTable = undefined;
  }
  return inverseTypical || afterTable ? { inverseTypical, after: afterTable } : undefined;
}

/** How many candidates per row the encoder must return for `per` listed features in this order. */
export function candidatesPerRow(order: FeatureOrder, ranking: FeatureRanking | undefined, per: number, active: number): number {
  if (order === 'activation' || !ranking) return Math.min(per, active);
  return active;
}

/**
 * Chooses and orders `per` features of each of `m` rows from `c` candidates a row (descending by raw
 * activation, zeros = not firing), writing [m, per] into outIdx / outAct (raw activations; zeros pad a row
 * with fewer firing features). With ranking, dense/positional features go after the others; within each
 * group the key is activation × inverseTypical (or the raw activation without it). Ties keep the
 * candidates' order (the stronger raw activation first).
 */
export function rankRows(
  candIdx: Int32Array,
  candAct: Float32Array,
  m: number,
  c: number,
  per: number,
  ranking: FeatureRanking,
  outIdx: Int32Array,
  outAct: Float32Array,
): void {
  const inv = ranking.inverseTypical;
  const after = ranking.after;
  // A row's chosen features, best first, with their sort keys; one buffer reused for every row.
  const keys = new Float64Array(per);
  for (let r = 0; r < m; r++) {
    const base = r * c;
    const out = r * per;
    let kept = 0;
    for (let j = 0; j < c; j++) {
      const a = candAct[base + j];
      if (!(a > 0)) break; // descending: the rest do not fire either
      const f = candIdx[base + j];
      const key = inv ? a * inv[f] : a;
      // One number orders both groups: the others' keys are > 0, an "after" feature's lies in (-1, 0)
      // and grows with its key.
      const s = after && after[f] ? -1 / (1 + key) : key;
      if (kept === per && s <= keys[per - 1]) continue;
      let p = kept < per ? kept++ : per - 1;
      while (p > 0 && keys[p - 1] < s) {
        keys[p] = keys[p - 1];
        outIdx[out + p] = outIdx[out + p - 1];
        outAct[out + p] = outAct[out + p - 1];
        p--;
      }
      keys[p] = s;
      outIdx[out + p] = f;
      outAct[out + p] = a;
    }
    for (let p = kept; p < per; p++) {
      outIdx[out + p] = 0;
      outAct[out + p] = 0;
    }
  }
}
