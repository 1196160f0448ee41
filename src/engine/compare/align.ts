// Token alignment between two versions of a text, through a text diff (jsdiff, Myers): lines first,
// then the characters of each replaced block, so a small edit in a long file costs little. A token of B
// is matched when it lies wholly inside unchanged text and A has a token over exactly the same text
// there; matches are one to one and keep document order. Pure: no model, no I/O.
import { diffChars, diffLines } from 'diff';

/** Unchanged text: A[aStart, aStart + length) equals B[bStart, bStart + length). */
export interface EqualRun {
  aStart: number;
  bStart: number;
  length: number;
}

export interface Span {
  start: number;
  end: number;
}

/** Replaced blocks up to this many UTF-16 units (both sides together) are refined character by
 *  character; bigger ones count as wholly changed (Myers is O(N·D)). */
const REFINE_LIMIT = 40_000;

/** The unchanged text of A and B as runs, in order, adjacent runs merged. */
export function equalRuns(a: string, b: string): EqualRun[] {
  const runs: EqualRun[] = [];
  const push = (aStart: number, bStart: number, length: number) => {
    if (length <= 0) return;
    const last = runs[runs.length - 1];
    if (last && last.aStart + last.length === aStart && last.bStart + last.length === bStart) last.length += length;
    else runs.push({ aStart, bStart, length });
  };
  const changes = diffLines(a, b);
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < changes.length; ) {
    const c = changes[i];
    if (!c.added && !c.removed) {
      push(ai, bi, c.value.length);
      ai += c.value.length;
      bi += c.value.length;
      i++;
      continue;
    }
    // A block of removed and added lines (in either order).
    let removed = '';
    let added = '';
    while (i < changes.length && (changes[i].added || changes[i].removed)) {
      if (changes[i].removed) removed += changes[i].value;
      else added += changes[i].value;
      i++;
    }
    if (removed && added && removed.length + added.length <= REFINE_LIMIT) {
      let ra = ai;
      let rb = bi;
      for (const d of diffChars(removed, added)) {
        if (!d.added && !d.removed) push(ra, rb, d.value.length);
        if (!d.added) ra += d.value.length;
        if (!d.removed) rb += d.value.length;
      }
    }
    ai += removed.length;
    bi += added.length;
  }
  return runs;
}

/** Index of the last run whose bStart <= offset, or -1. */
function runAt(runs: readonly EqualRun[], offset: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].bStart <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * For each token of B, the index of the token of A it is matched to, or null (in changed text, or cut
 * differently by the tokenizer around an edit). Tokens are ordered by start, as an analysis gives them.
 */
export function alignTokens(aText: string, aTokens: readonly Span[], bText: string, bTokens: readonly Span[]): (number | null)[] {
  const runs = equalRuns(aText, bText);
  const aByStart = new Map<string, number>();
  aTokens.forEach((t, i) => aByStart.set(`${t.start}:${t.end}`, i));
  const used = new Set<number>();
  let lastMatched = -1;
  return bTokens.map((t) => {
    const r = runAt(runs, t.start);
    if (r < 0) return null;
    const run = runs[r];
    if (t.end > run.bStart + run.length || (t.end === t.start && t.start === run.bStart + run.length)) return null;
    const shift = run.aStart - run.bStart;
    const i = aByStart.get(`${t.start + shift}:${t.end + shift}`);
    // One to one and in order (an empty token may share its offsets with a neighbour).
    if (i === undefined || used.has(i) || i <= lastMatched) return null;
    used.add(i);
    lastMatched = i;
    return i;
  });
}
