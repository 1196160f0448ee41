// Visible-first scheduling of a long document's windows. Each window runs on its own (its KV starts at
// its first token), so the windows covering the range someone is looking at can run before the others;
// the rest then follow in document order. Coverage keeps track of which positions hold outputs, so the
// document's valid prefix only grows over positions really computed, and a partial result hands out
// only tokens whose outputs are complete.
import type { WindowRun } from './windows';

/** A UTF-16 range [start, end) of the text. */
export interface OffsetRange {
  start: number;
  end: number;
}

/** Tokens [lo, hi) that overlap the UTF-16 range (a caret in an empty range picks the token under it);
 *  null when none does. `starts`/`ends` are the tokens' offsets, ascending. */
export function tokensOverlapping(starts: Int32Array, ends: Int32Array, range: OffsetRange): [number, number] | null {
  const n = starts.length;
  if (n === 0) return null;
  const from = Math.max(0, range.start);
  const to = Math.max(from + 1, range.end);
  // First token ending after `from`.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  let last = first;
  while (last < n && starts[last] < to) last++;
  return last > first ? [first, last] : null;
}

/** The runs whose owned positions meet tokens [lo, hi) first (in document order), then the others in
 *  document order; `priorityCount` is how many lead. */
export function orderRuns<T extends WindowRun>(runs: readonly T[], tokens: [number, number] | null): { ordered: T[]; priorityCount: number } {
  if (!tokens) return { ordered: [...runs], priorityCount: 0 };
  const [lo, hi] = tokens;
  const first: T[] = [];
  const rest: T[] = [];
  for (const r of runs) (r.ownedStart < hi && r.end > lo ? first : rest).push(r);
  return { ordered: [...first, ...rest], priorityCount: first.length };
}

/** Which positions of a document hold outputs computed for its current tokens. */
export class Coverage {
  private readonly marks: Uint8Array;
  private validPrefix: number;

  /** Positions [0, valid) are already computed. */
  constructor(readonly n: number, valid: number) {
    this.marks = new Uint8Array(n);
    this.marks.fill(1, 0, Math.min(valid, n));
    this.validPrefix = Math.min(valid, n);
  }

  /** Positions [a, b) now hold outputs. */
  add(a: number, b: number): void {
    this.marks.fill(1, Math.max(0, a), Math.min(b, this.n));
    while (this.validPrefix < this.n && this.marks[this.validPrefix]) this.validPrefix++;
  }

  /** Every position before this one holds outputs. */
  get prefix(): number {
    return this.validPrefix;
  }

  /** Tokens of [lo, hi) whose results are complete: the token's own position (its prediction, features)
   *  and the one before it (its log-prob and rank) both computed. The run [first, last) that starts at
   *  the first complete token; null when there is none. */
  completeWithin(lo: number, hi: number): [number, number] | null {
    const done = (t: number) => this.marks[t] === 1 && (t === 0 || this.marks[t - 1] === 1);
    let first = Math.max(0, lo);
    const end = Math.min(hi, this.n);
    while (first < end && !done(first)) first++;
    let last = first;
    while (last < end && done(last)) last++;
    return last > first ? [first, last] : null;
  }
}
