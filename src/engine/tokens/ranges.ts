// Token byte lengths -> exact UTF-16 ranges of the original string.
//
// The rule where a token splits a character (only byte-level tokens can: an emoji is 4 UTF-8 bytes and
// may come out as 2-4 tokens): **a character belongs to the token that holds its first byte.** Tokens
// that hold only later bytes of that character get an empty range at the character's end. Formally, with
// token k covering bytes [b0, b1) of the document's UTF-8 encoding, and pos(b) = the UTF-16 offset of the
// first character whose first byte is at or after b (the text length if none):
//     range(k) = [pos(b0), pos(b1))
// So ranges tile the text in order with no gap or overlap by construction, every non-empty range is
// whole characters (never half a surrogate pair), and the token that *starts* a character — where the
// model commits to it, so whose probability is the surprise of that character — is the one a hover
// over the character finds.
//
// Lone surrogates are encoded to UTF-8 as U+FFFD (3 bytes) before tokenising (TextEncoder's rule), so
// such a unit counts as one 3-byte character of the original string: its range is that one unit.
//
// If the tokens' bytes do not add up to the text's (a tokenizer with a text-changing normalizer), the
// ranges still tile: the last token runs to the end of the text, or trailing tokens get empty ranges at
// the end.
import type { TokenSpan } from '../types';

export function alignTokens(text: string, ids: ArrayLike<number>, byteLengths: ArrayLike<number>): TokenSpan[] {
  const n = text.length;
  const spans: TokenSpan[] = new Array(ids.length);
  let u16 = 0; // UTF-16 offset of the next character not yet assigned
  let charByte = 0; // byte offset where that character starts
  let tokenEndByte = 0;
  for (let k = 0; k < ids.length; k++) {
    const start = u16;
    tokenEndByte += byteLengths[k];
    // Advance past every character whose first byte lies inside this token.
    // Inlined UTF-8 width of the character at u16: this loop runs once per character of the document.
    while (u16 < n && charByte < tokenEndByte) {
      const c = text.charCodeAt(u16);
      if (c < 0x80) {
        charByte += 1;
        u16 += 1;
      } else if (c < 0x800) {
        charByte += 2;
        u16 += 1;
      } else if (c >= 0xd800 && c <= 0xdbff && u16 + 1 < n && (text.charCodeAt(u16 + 1) & 0xfc00) === 0xdc00) {
        charByte += 4;
        u16 += 2;
      } else {
        charByte += 3; // BMP character, or a lone surrogate (encoded as U+FFFD)
        u16 += 1;
      }
    }
    const end = k === ids.length - 1 ? n : u16;
    spans[k] = { id: ids[k], text: text.slice(start, end), start, end };
  }
  return spans;
}

/**
 * Index of the token whose range covers UTF-16 offset `offset` (start <= offset < end), by binary
 * search; -1 when no token covers it (offset < 0, offset >= the text length, or no tokens). Empty
 * ranges never cover anything.
 */
export function tokenIndexAt(tokens: readonly { start: number; end: number }[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  // Last token with start <= offset.
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid].start <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  // Ranges tile in order, so an empty range at p is followed by a token starting at p: the last token
  // starting at or before offset is the only candidate.
  if (found < 0) return -1;
  const t = tokens[found];
  return offset < t.end ? found : -1;
}
