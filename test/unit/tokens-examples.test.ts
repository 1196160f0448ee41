// Example inputs for token ranges, single-id decoding, special tokens, and tokenIndexAt.
import { describe, expect, it } from 'vitest';
import { END_OF_TEXT, TextTokenizer, tokenIndexAt } from '../../src/engine/tokens';
import { checkTiling, codeTokenizer, codeTokenizerJson } from './tokens-fixtures';

const tok = codeTokenizer();

function ranges(text: string) {
  const tokens = tok.encode(text);
  const problem = checkTiling(tok, text, tokens);
  expect(problem).toBeNull();
  return tokens;
}

describe('token ranges on awkward inputs', () => {
  it.each([
    ['empty', ''],
    ['CRLF line endings', 'a = 1\r\nb = 2\r\n\r\n'],
    ['tabs and space runs', '\tif x:\n\t\treturn  y    # ok\n        z'],
    ['emoji and ZWJ sequences', 'ok 😀 👩‍💻 🇫🇷 done'],
    ['combining marks', 'e\u0301 a\u0308\u0301 Z\u0335\u0321\u0322'],
    ['CJK', '中文字符 日本語のテキスト 한국어'],
    ['lone high surrogate', 'a\uD800b'],
    ['lone low surrogate at start', '\uDC00xyz'],
    ['reversed pair', '\uDC00\uD800'],
    ['surrogate at end', 'abc\uD83D'],
    ['NUL and control bytes', 'a\u0000b\u0001\u007f\u0085c'],
    ['BOM and replacement char', '\uFEFFhello \uFFFD'],
    ['special token literal', `x ${END_OF_TEXT} y`],
  ])('%s', (_name, text) => {
    ranges(text);
  });

  it('CRLF: \\r and \\n each land in a token of their own text', () => {
    const tokens = ranges('a\r\nb');
    expect(tokens.map((t) => t.text).join('')).toBe('a\r\nb');
    expect(tokens.find((t) => t.text.includes('\r'))).toBeDefined();
  });

  it('an emoji split across byte tokens belongs to the token with its first byte; the others are empty at its end', () => {
    const text = 'x😀y';
    const tokens = ranges(text);
    const i = tokenIndexAt(tokens, 1);
    expect(tokens[i].text).toBe('😀');
    expect(tokenIndexAt(tokens, 2)).toBe(i); // low surrogate: same token
    // The emoji is 4 bytes; this vocabulary has no single token for it, so later pieces are empty at offset 3.
    const pieces = tokens.filter((t) => t.start === 3 && t.end === 3);
    expect(pieces.length).toBeGreaterThan(0);
    const bytes = [tokens[i], ...pieces].reduce((n, t) => n + tok.idToBytes(t.id).length, 0);
    expect(bytes).toBe(4);
  });

  it('a lone surrogate is one 3-byte U+FFFD character covering exactly its own unit', () => {
    const text = 'a\uD800b';
    const tokens = ranges(text);
    const i = tokenIndexAt(tokens, 1);
    expect(tokens[i].start).toBe(1);
    expect(tokens[i].end).toBe(2);
    expect(tok.idToText(tokens[i].id)).toBe('\uFFFD');
  });
});

describe('special tokens', () => {
  it('the document literal <|endoftext|> is plain text by default, the special id on request', () => {
    const text = `a${END_OF_TEXT}b`;
    const plain = tok.encode(text);
    expect(plain.map((t) => t.id)).not.toContain(tok.eotId);
    const special = tok.encode(text, { specialTokens: 'as-special' });
    expect(checkTiling(tok, text, special)).toBeNull();
    const e = special.find((t) => t.id === tok.eotId)!;
    expect(e).toBeDefined();
    expect(e.text).toBe(END_OF_TEXT);
    expect(tok.isSpecial(e.id)).toBe(true);
  });

  it('knows the eot id and the vocabulary size from tokenizer.json', () => {
    const json = codeTokenizerJson() as { model: { vocab: Record<string, number> }; added_tokens: { id: number; content: string }[] };
    const ids = [...Object.values(json.model.vocab), ...json.added_tokens.map((a) => a.id)];
    expect(tok.vocabSize).toBe(Math.max(...ids) + 1);
    expect(tok.eotId).toBe(json.added_tokens.find((a) => a.content === END_OF_TEXT)!.id);
  });
});

describe('idToText', () => {
  it('decodes whole-character tokens and escapes partial bytes as \\xNN', () => {
    const tokens = tok.encode(' hello 😀');
    expect(tokens.map((t) => tok.idToText(t.id)).join('').startsWith(' hello')).toBe(true);
    const emojiPieces = tokens.filter((t) => t.start >= 7).map((t) => tok.idToText(t.id));
    expect(emojiPieces.join('')).toMatch(/\\xF0/);
    expect(tok.idToText(tok.eotId!)).toBe(END_OF_TEXT);
    expect(tok.idToText(-5)).toBe('');
    expect(tok.idToText(tok.vocabSize + 10)).toBe('');
  });

  it('round-trips every id of a byte-level vocabulary through its bytes', () => {
    const dec = new TextDecoder();
    for (let id = 0; id < tok.vocabSize; id++) {
      const b = tok.idToBytes(id);
      expect(b.length).toBeGreaterThan(0);
      const s = tok.idToText(id);
      if (!s.includes('\\x')) expect(s).toBe(dec.decode(b));
    }
  });
});

describe('tokenIndexAt', () => {
  it('binary-searches the covering token; -1 outside the text', () => {
    const spans = [
      { start: 0, end: 2 },
      { start: 2, end: 2 },
      { start: 2, end: 5 },
      { start: 5, end: 5 },
      { start: 5, end: 5 },
    ];
    expect([-1, 0, 1, 2, 3, 4, 5].map((o) => tokenIndexAt(spans, o))).toEqual([-1, 0, 0, 2, 2, 2, -1]);
    expect(tokenIndexAt([], 0)).toBe(-1);
  });
});

describe('fromJson rejects what it cannot range', () => {
  it('a non-byte-level tokenizer gives a bad-tokenizer error naming the file', () => {
    const json = codeTokenizerJson() as Record<string, unknown>;
    const r = TextTokenizer.fromJson({ ...json, pre_tokenizer: { type: 'Whitespace' } }, 'x/tokenizer.json');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('bad-tokenizer');
      expect(r.error.message).toContain('x/tokenizer.json');
      expect(r.error.message).toContain('ByteLevel');
    }
    expect(TextTokenizer.fromJson(42).ok).toBe(false);
    expect(TextTokenizer.fromJson({ model: { type: 'WordPiece' } }).ok).toBe(false);
  });

  it('fromFile reports a missing file and invalid JSON as values', async () => {
    const missing = await TextTokenizer.fromFile('/nonexistent/tokenizer.json');
    expect(missing.ok === false && missing.error.kind).toBe('missing-file');
    const bad = await TextTokenizer.fromFile(__filename);
    expect(bad.ok === false && bad.error.kind).toBe('bad-tokenizer');
  });

  it('add_prefix_space in the pre-tokenizer is ignored so bytes line up with the text', () => {
    const json = codeTokenizerJson() as Record<string, unknown>;
    const r = TextTokenizer.fromJson({ ...json, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(checkTiling(r.value, 'hello world', r.value.encode('hello world'))).toBeNull();
  });
});
