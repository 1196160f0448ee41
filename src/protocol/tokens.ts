// Token helpers over protocol data (plain data in, plain data out): the host builds compact tokens for
// the analysis message, and both ends window the token list the same way.
import type { TokenResult } from '../engine';
import type { CompactToken } from './messages';

export function toCompactToken(t: TokenResult): CompactToken {
  return { text: t.text, start: t.start, end: t.end, logprob: t.logprob, rank: t.rank, entropy: t.entropy };
}

/**
 * The [first, end) token range of at most `size` tokens centred on `center`, clamped to the document.
 * The host uses it to window the analysis message around the cursor, the panel to window its strip.
 */
export function tokenWindow(tokenCount: number, center: number, size: number): { first: number; end: number } {
  const n = Math.max(0, Math.min(size, tokenCount));
  const c = Math.min(Math.max(center, 0), Math.max(tokenCount - 1, 0));
  const first = Math.min(Math.max(c - Math.floor(n / 2), 0), tokenCount - n);
  return { first, end: first + n };
}
