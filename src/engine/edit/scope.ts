// Which token positions an edit covers, and the order hooks come in along the model.
import type { FeatureEdit } from './types';

/** Positions [from, to) of the tokens whose ranges meet the edit's range (the token at the offset for an
 *  empty range); the whole document without a range. */
export function editPositions(e: FeatureEdit, starts: Int32Array, ends: Int32Array): { from: number; to: number } {
  const n = starts.length;
  if (!e.range) return { from: 0, to: n };
  const lo = e.range.start;
  const hi = Math.max(e.range.end, lo + 1);
  let from = 0;
  while (from < n && ends[from] <= lo) from++;
  let to = from;
  while (to < n && starts[to] < hi) to++;
  return { from, to };
}

/** Per hook and row, the edits that cover it: rows are the positions [first, first + m). */
export class EditScope {
  /** Edits with their covered positions [from, to); `to` is unbounded for an edit that reaches a continuation. */
  private readonly spans: { edit: FeatureEdit; from: number; to: number }[];

  constructor(readonly edits: readonly FeatureEdit[], starts: Int32Array, ends: Int32Array, extendFrom?: { offset: number }) {
    this.spans = edits.map((edit) => {
      const p = editPositions(edit, starts, ends);
      // A continuation's new tokens lie after the cursor: an edit whose range reaches it covers them too.
      const reaches = extendFrom !== undefined && (!edit.range || edit.range.end >= extendFrom.offset);
      return { edit, from: p.from, to: reaches ? Number.MAX_SAFE_INTEGER : p.to };
    });
  }

  /** Hooks with at least one edit, in the order the model computes them. */
  get hooks(): string[] {
    return [...new Set(this.spans.filter((s) => s.to > s.from).map((s) => s.edit.hook))].sort(compareHooks);
  }

  /** First position any edit covers (Infinity when none). */
  get first(): number {
    return Math.min(Infinity, ...this.spans.filter((s) => s.to > s.from).map((s) => s.from));
  }

  /** First position in [lo, hi) any edit covers, or hi. */
  firstIn(lo: number, hi: number): number {
    let best = hi;
    for (const s of this.spans) if (s.to > lo && s.from < hi) best = Math.min(best, Math.max(s.from, lo));
    return best;
  }

  rowEdits(hook: string, first: number, m: number): FeatureEdit[][] {
    const out: FeatureEdit[][] = Array.from({ length: m }, () => []);
    for (const s of this.spans) {
      if (s.edit.hook !== hook) continue;
      for (let p = Math.max(s.from, first); p < Math.min(s.to, first + m); p++) out[p - first].push(s.edit);
    }
    return out;
  }
}

const KIND_ORDER = ['hook_resid_pre', 'hook_resid_mid', 'mlp.hook_post', 'hook_resid_post'];

/** (layer, place in the block) of a TransformerLens hook name; unknown names sort last. */
export function hookPlace(hook: string): { layer: number; kind: number } {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  const kind = m ? KIND_ORDER.indexOf(m[2]) : -1;
  return m && kind >= 0 ? { layer: Number(m[1]), kind } : { layer: Infinity, kind: Infinity };
}

export function compareHooks(a: string, b: string): number {
  const pa = hookPlace(a);
  const pb = hookPlace(b);
  return pa.layer - pb.layer || pa.kind - pb.kind;
}

/** Whether layer `l`'s attention (and so its keys and values) is computed after `hook`. */
export function attentionAfter(hook: string, l: number): boolean {
  const p = hookPlace(hook);
  return l > p.layer || (l === p.layer && p.kind === 0);
}
