// encodeIncremental(new, {old, encode(old)}) equals encode(new) exactly for any edit, and reuses the
// unchanged prefix's token objects. 4,000 generated (text, edit) pairs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenSpan } from '../../src/engine';
import { codeTokenizer, gpt2Tokenizer } from './tokens-fixtures';

const tok = codeTokenizer();
const pieces = [' ', '  ', '    ', '\t', '\n', '\r\n', 'def', 'x', 'foo_bar', '(', ')', ':', '=', '42', "'s", "'", '"', '#', 'é', 'e\u0301', '😀', '中文', '\u00a0', '\u2028', '\uD800', '\uDC00', '<|endoftext|>', 'return', ' if', '\u3000', '\uFEFF'];
const codeLike = fc.string({ unit: fc.constantFrom(...pieces), maxLength: 50 });
const text = fc.oneof(codeLike, fc.string({ unit: 'binary', maxLength: 30 }), codeLike.map((s) => s.repeat(3)));
const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 6 }), ins: fc.oneof(codeLike.map((s) => s.slice(0, 8)), fc.string({ unit: 'binary', maxLength: 3 })) });

function apply(s: string, e: { at: number; del: number; ins: string }): string {
  const at = s.length === 0 ? 0 : e.at % (s.length + 1);
  return s.slice(0, at) + e.ins + s.slice(at + e.del);
}

function plain(t: readonly TokenSpan[]) {
  return t.map(({ id, text, start, end }) => ({ id, text, start, end }));
}

describe('encodeIncremental', { timeout: 120_000 }, () => {
  it('equals a full encode after any edit (3,000 cases) and reuses prefix tokens', () => {
    let reusedTotal = 0;
    fc.assert(
      fc.property(text, fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
        let prevText = base;
        let prevTokens = tok.encode(base);
        for (const e of edits) {
          const next = apply(prevText, e);
          const inc = tok.encodeIncremental(next, { text: prevText, tokens: prevTokens });
          expect(plain(inc)).toEqual(plain(tok.encode(next)));
          reusedTotal += inc.filter((t, i) => t === prevTokens[i]).length;
          prevText = next;
          prevTokens = inc;
        }
      }),
      { numRuns: 3000 },
    );
    expect(reusedTotal).toBeGreaterThan(1000);
  });

  it('equals a full encode with special tokens as specials, and with GPT-2 (1,000 cases)', () => {
    const gpt2 = gpt2Tokenizer();
    fc.assert(
      fc.property(text, edit, (base, e) => {
        const next = apply(base, e);
        for (const [t, o] of [[tok, { specialTokens: 'as-special' as const }], [gpt2, {}]] as const) {
          const inc = t.encodeIncremental(next, { text: base, tokens: t.encode(base, o) }, o);
          expect(plain(inc)).toEqual(plain(t.encode(next, o)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an edit at the end of a long file re-tokenises only the last line', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `    value_${i} = compute(${i}, "x")  # note`);
    const old = lines.join('\n') + '\n';
    const oldTokens = tok.encode(old);
    const next = old.slice(0, -10) + 'Z' + old.slice(-10);
    const inc = tok.encodeIncremental(next, { text: old, tokens: oldTokens });
    expect(plain(inc)).toEqual(plain(tok.encode(next)));
    const reused = inc.filter((t, i) => t === oldTokens[i]).length;
    expect(oldTokens.length - reused).toBeLessThan(20);
  });

  it('unrelated previous tokens fall back to a full encode', () => {
    const inc = tok.encodeIncremental('abc def', { text: 'abc xyz', tokens: [{ id: 1, text: 'a', start: 0, end: 1 }] });
    expect(plain(inc)).toEqual(plain(tok.encode('abc def')));
  });
});
