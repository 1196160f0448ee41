// Where the predicted token first shows up in the logit lens, in words: one rule for the hover's lens
// line (src/editor/hover/hoverLens.ts) and the panel's lens table. Pure; no `vscode`, no DOM.

export interface LensSummary {
  /** The explained target token's text (raw). */
  target: string;
  /** Read-out (blocks applied: 0 = the embeddings alone) where the target first ranks 1st; null = never. */
  top1: number | null;
  /** ... first ranks in the top 10; null = never. */
  top10: number | null;
  /** Blocks in the model (the last read-out, after all of them, is the model's output). */
  blocks: number;
}

/** Summarises lens read-outs in order (embeddings, after each block), each with the target's 0-based rank. */
export function lensSummary(lens: readonly { targetRank: number }[], target: string): LensSummary {
  const first = (maxRank: number) => {
    const i = lens.findIndex((l) => l.targetRank < maxRank);
    return i < 0 ? null : i;
  };
  return { target, top1: first(1), top10: first(10), blocks: Math.max(lens.length - 1, 0) };
}

/** A read-out for people: `the embeddings`, `L0`, `L1 (the output)`. Blocks are numbered from 0, like heads `L{layer}H{head}`. */
export function lensStage(afterBlocks: number, blocks: number): string {
  if (afterBlocks <= 0) return 'the embeddings';
  return `L${afterBlocks - 1}${afterBlocks === blocks ? ' (the output)' : ''}`;
}

function at(afterBlocks: number, blocks: number): string {
  return afterBlocks <= 0 ? 'already at the embeddings' : `after ${lensStage(afterBlocks, blocks)}`;
}

/** What the target does across the lens: "reaches the top 10 after L0 and the top 1 after L1 (the output)". */
export function lensMilestoneText(s: LensSummary): string {
  if (s.top10 === null) return 'never reaches the top 10';
  if (s.top1 === null) return `reaches the top 10 ${at(s.top10, s.blocks)} but never the top 1`;
  if (s.top1 === s.top10) return `reaches the top 1 ${at(s.top1, s.blocks)}`;
  return `reaches the top 10 ${at(s.top10, s.blocks)} and the top 1 ${at(s.top1, s.blocks)}`;
}
