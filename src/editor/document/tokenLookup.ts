// Offset -> token lookup over a finished analysis. Token ranges tile the text in order, so a binary
// search answers a hover in O(log n) without touching the model.
import type { TokenSpan } from '../../engine';

/** Index of the token whose [start, end) covers `offset`, or -1 (offset past the end, empty text). */
export function tokenIndexAtOffset(tokens: readonly TokenSpan[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (offset < t.start) hi = mid - 1;
    else if (offset >= t.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
