// The heat map's scale, shared by the editor's heat map (src/editor/heatmap.ts) and the panel's token
// strip, so both colour a token the same way. No `vscode` import, no DOM.

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
