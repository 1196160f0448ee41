// Which intensity each attended token gets in the editor while a head is chosen in the panel, as plain
// data (offset ranges per level); attentionDecorations.ts draws them. Pure so the levels are tested.

/** Attention weight levels, lightest first: a weight of at least ATTENTION_EDGES[i] gets level i. */
export const ATTENTION_LEVELS = ['weight1', 'weight2', 'weight3', 'weight4'] as const;
export const ATTENTION_EDGES = [0.02, 0.1, 0.25, 0.5] as const;
export type AttentionLevel = (typeof ATTENTION_LEVELS)[number];

/** The theme colour (package.json contributes.colors) of a level. */
export function attentionColorId(level: AttentionLevel): string {
  return `activationInspector.attention.${level}Background`;
}

/** The level of one weight; undefined below the lightest edge (not drawn: most weights are tiny). */
export function attentionLevel(weight: number): AttentionLevel | undefined {
  let level: AttentionLevel | undefined;
  ATTENTION_EDGES.forEach((edge, i) => {
    if (weight >= edge) level = ATTENTION_LEVELS[i];
  });
  return level;
}

/** Offset ranges per level for one head's attended tokens. */
export function attentionRanges(attended: readonly { start: number; end: number; weight: number }[]): Map<AttentionLevel, [number, number][]> {
  const out = new Map<AttentionLevel, [number, number][]>();
  for (const a of attended) {
    const level = attentionLevel(a.weight);
    if (!level || a.end <= a.start) continue;
    let list = out.get(level);
    if (!list) out.set(level, (list = []));
    list.push([a.start, a.end]);
  }
  return out;
}
