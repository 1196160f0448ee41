// A 1 MB single line, and very long single pre-tokens (runs of one character), tile exactly, and
// tokenising scales about linearly (the time ratio 1 MB : 100 KB stays far below the 100× that a
// quadratic step would give). Ratios only; no wall-clock bounds.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTiling, codeTokenizer } from './tokens-fixtures';

const tok = codeTokenizer();
const root = path.resolve(__dirname, '../..');

function oneLine(bytes: number): string {
  const src = fs.readFileSync(path.join(root, 'training/gpt2.py'), 'utf8').replace(/\r?\n/g, ' ') + ' 😀 中文 é ';
  let s = '';
  while (s.length < bytes) s += src;
  return s.slice(0, bytes);
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

describe('large inputs', { timeout: 120_000 }, () => {
  it('a 1 MB single line tiles exactly and scales about linearly', () => {
    const small = oneLine(100_000);
    const big = oneLine(1_000_000);
    tok.encode(small); // warm up
    const a = timed(() => tok.encode(small));
    const b = timed(() => tok.encode(big));
    expect(checkTiling(tok, big, b.value)).toBeNull();
    const ratio = b.ms / a.ms;
    console.log(`1 MB line: ${b.value.length} tokens in ${b.ms.toFixed(0)} ms; 100 KB: ${a.ms.toFixed(0)} ms; ratio ${ratio.toFixed(1)}`);
    expect(ratio).toBeLessThan(40);
  });

  it.each([
    ['spaces', ' '],
    ['letters', 'x'],
    ['emoji', '😀'],
    ['lone surrogates', '\uD800'],
  ])('a 200 KB run of %s (one huge pre-token) tiles exactly', (_name, unit) => {
    const text = unit.repeat(Math.ceil(200_000 / unit.length));
    const r = timed(() => tok.encode(text));
    console.log(`200 KB run of ${_name}: ${r.value.length} tokens in ${r.ms.toFixed(0)} ms`);
    expect(checkTiling(tok, text, r.value)).toBeNull();
  });
});
