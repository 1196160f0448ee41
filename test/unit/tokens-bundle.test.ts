// The default bundle's tokenizer recipe (training/build_tokenizer.mjs): GPT-2's byte-level BPE plus
// merges that make runs of up to 16 spaces or 8 tabs a single token, so indentation is cheap.
import { describe, expect, it } from 'vitest';
import { checkTiling, codeTokenizer } from './tokens-fixtures';

const tok = codeTokenizer();

describe('whitespace runs in the default tokenizer', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('%i spaces are one token', (n) => {
    const text = ' '.repeat(n);
    const t = tok.encode(text);
    expect(checkTiling(tok, text, t)).toBeNull();
    expect(t).toHaveLength(1);
  });

  it.each(Array.from({ length: 8 }, (_, i) => i + 1))('%i tabs are one token', (n) => {
    expect(tok.encode('\t'.repeat(n))).toHaveLength(1);
  });

  it('indentation before a word costs at most two tokens (GPT-2 keeps one space with the word)', () => {
    for (let n = 1; n <= 16; n++) {
      const text = `\n${' '.repeat(n)}return`;
      const t = tok.encode(text);
      expect(checkTiling(tok, text, t)).toBeNull();
      const indentTokens = t.filter((x) => x.start >= 1 && x.end <= 1 + n);
      expect(indentTokens.length).toBeLessThanOrEqual(1);
      expect(t[t.length - 1].text.endsWith('return')).toBe(true);
    }
  });
});
