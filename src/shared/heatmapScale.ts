// The heat map's scale, shared by the editor's heat map (src/editor/decorations/heatmapRanges.ts) and
// the panel's token strip, so both colour a token the same way. No `vscode` import, no DOM.

/** What the heat map colours by: the actual token's rank, or its surprisal. */
export type HeatmapMode = 'rank' | 'surprisal';

/** The GLTR rank buckets: 0-based rank < 10, < 100, < 1000, beyond. */
export const RANK_BUCKET_BOUNDS = [10, 100, 1000] as const;
export type RankBucket = 0 | 1 | 2 | 3;

/** Index of the bucket a 0-based rank falls in, for bounds like RANK_BUCKET_BOUNDS (the first three are used). */
export function rankBucket(rank: number, bounds: readonly number[] = RANK_BUCKET_BOUNDS): RankBucket {
  for (let i = 0; i < bounds.length && i < 3; i++) if (rank < bounds[i]!) return i as RankBucket;
  return 3;
}

/**
 * The edit-effect heat map's diverging scale (editor and panel strip): the change in a token's
 * log-prob under the edits, in bits, as a level from -3 (much less likely) to +3 (much more likely).
 * Changes under the first edge are 0 (not coloured): float noise, not an effect.
 */
export const EDIT_DELTA_EDGES_BITS = [0.05, 1, 4] as const;
export type EditDeltaLevel = -3 | -2 | -1 | 0 | 1 | 2 | 3;

export function editDeltaLevel(deltaBits: number): EditDeltaLevel {
  const size = Math.abs(deltaBits);
  if (!(size >= EDIT_DELTA_EDGES_BITS[0])) return 0;
  const step = size < EDIT_DELTA_EDGES_BITS[1] ? 1 : size < EDIT_DELTA_EDGES_BITS[2] ? 2 : 3;
  return (deltaBits < 0 ? -step : step) as EditDeltaLevel;
}
