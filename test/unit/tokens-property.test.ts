// Property tests: for any string, encode() tiles the text exactly and every UTF-16 offset maps to the
// token holding its character's first byte. 4 × 3,000 = 12,000 generated strings on the default
// bundle's tokenizer, plus 1,000 with GPT-2's full vocabulary.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTiling, codeTokenizer, gpt2Tokenizer } from './tokens-fixtures';

const tok = codeTokenizer();

const codePieces = [
  ' ', '  ', '    ', '\t', '\t\t', '\n', '\r\n', '\r', 'def', 'return', 'x', 'foo_bar', '(', ')', '{', '}', ':', ';', '=', '==',
  '0', '42', '3.14', "'s", "'", '"', '#', '//', '/*', '*/', 'é', 'e\u0301', '😀', '👩‍💻', '中文', 'ß', '\u00a0', '\u2028',
  '\uD800', '\uDC00', '\uDBFF\uDFFF', '<|endoftext|>', '<|', '|>', '\u0000', '\u007f', 'ﬁ', 'Ω', '\uFEFF', '\uFFFD',
];
const codeLike = fc.string({ unit: fc.constantFrom(...codePieces), maxLength: 60 });
const fullUnicode = fc.string({ unit: 'binary', maxLength: 40 });
const surrogateSoup = fc.string({
  unit: fc.oneof(fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0, max: 0x7f })).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const mixed = fc
  .array(fc.oneof(fullUnicode, codeLike, surrogateSoup, fc.string({ unit: 'grapheme', maxLength: 10 })), { maxLength: 6 })
  .map((parts) => parts.join(''));

function property(arb: fc.Arbitrary<string>, t = tok, specialTokens: 'as-text' | 'as-special' = 'as-text') {
  return fc.property(arb, (text) => {
    const problem = checkTiling(t, text, t.encode(text, { specialTokens }));
    if (problem) throw new Error(`${problem} for ${JSON.stringify(text)}`);
  });
}

describe('token ranges, property tests', { timeout: 120_000 }, () => {
  it('tile and map offsets: full Unicode (3,000 strings)', () => {
    fc.assert(property(fullUnicode), { numRuns: 3000 });
  });
  it('tile and map offsets: code-like strings with whitespace runs, CRLF, emoji, specials (3,000)', () => {
    fc.assert(property(codeLike), { numRuns: 3000 });
  });
  it('tile and map offsets: lone and paired surrogates (3,000)', () => {
    fc.assert(property(surrogateSoup), { numRuns: 3000 });
  });
  it('tile and map offsets: mixtures, special tokens encoded as specials (3,000)', () => {
    fc.assert(property(mixed, tok, 'as-special'), { numRuns: 3000 });
  });
  it('tile and map offsets with GPT-2 full vocabulary (1,000)', () => {
    fc.assert(property(mixed, gpt2Tokenizer()), { numRuns: 1000 });
  });
  it('the checker itself rejects broken ranges', () => {
    const text = 'ab😀c';
    const good = tok.encode(text);
    expect(checkTiling(tok, text, good)).toBeNull();
    const shifted = good.map((t, i) => (i === 0 ? { ...t, end: t.end + 1 } : t));
    expect(checkTiling(tok, text, shifted)).not.toBeNull();
    const emojiTok = good.findIndex((t) => t.text === '😀');
    if (emojiTok >= 0 && good[emojiTok + 1]?.start === good[emojiTok].end) {
      // Moving the emoji to its last byte's token breaks the first-byte rule.
      const moved = good.map((t, i) => (i === emojiTok ? { ...t, end: t.start, text: '' } : t));
      expect(checkTiling(tok, text, moved)).not.toBeNull();
    }
  });
});
