// Bundles for tests: a small synthetic one (real tokenizer, two tiny SAELens dictionaries in v6 and
// pre-v6 layouts, cards, and a stand-in model.onnx with the contract's interface but no nodes), and
// `breakBundle`, which damages a copy of any bundle (synthetic or the real default one) in each of the
// ways the engine must report clearly.
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { DataType, encodeModel } from '../../src/engine/onnx';
import { parseSafetensorsHeader, writeSafetensors } from '../../src/engine/safetensors';
import { expect } from 'vitest';
import type { Result } from '../../src/engine/types';
import { editManifest, readManifest, resign, rewriteSafetensorsHeader, type TestManifest } from './bundle-edits';
import { HOSTILE_BREAKAGES } from './bundle-hostile-fixtures';
import { codeTokenizerJson } from './tokens-fixtures';

export const SYN_HOOKS = [
  { name: 'blocks.0.hook_resid_post', d: 8 },
  { name: 'blocks.1.hook_resid_post', d: 8 },
];

/** The figures the synthetic manifest declares; the stand-in model.onnx agrees with them. */
const SYN_ARCH = { n_layers: 2, d_model: 8, n_heads: 2, d_head: 4, n_ctx: 64, topk_max: 10 };

/**
 * A model.onnx with the contract's inputs, outputs and embedding tables (docs/bundle-format.md) and no
 * nodes: it is never run, but its interface is what loading checks the manifest against. The tables make
 * the graph most of the file, as in a real model (truncation tests cut into it).
 */
export function fakeModelOnnx(dVocab: number): Uint8Array {
  const { n_layers, d_model, n_heads, d_head, n_ctx, topk_max } = SYN_ARCH;
  const kv = (prefix: string, positions: string) =>
    Array.from({ length: n_layers }, (_, l) => ['key', 'value'].map((kind) => ({ name: `${prefix}_${kind}_${l}`, type: DataType.FLOAT, shape: [1, n_heads, positions, d_head] }))).flat();
  const table = (name: string, rows: number) => ({ name, dims: [rows, d_model], data: Float32Array.from({ length: rows * d_model }, (_, i) => Math.sin(i)) });
  return encodeModel({
    name: 'synthetic',
    inputs: [
      { name: 'input_ids', type: DataType.INT64, shape: [1, 'n'] },
      { name: 'target_ids', type: DataType.INT64, shape: [1, 'n'] },
      ...kv('past', 'past'),
    ],
    outputs: [
      { name: 'topk_ids', type: DataType.INT64, shape: [1, 'n', topk_max] },
      { name: 'topk_logprobs', type: DataType.FLOAT, shape: [1, 'n', topk_max] },
      { name: 'entropy', type: DataType.FLOAT, shape: [1, 'n'] },
      { name: 'target_logprob', type: DataType.FLOAT, shape: [1, 'n'] },
      { name: 'target_rank', type: DataType.INT64, shape: [1, 'n'] },
      ...kv('present', 'total'),
      ...SYN_HOOKS.map((h) => ({ name: h.name, type: DataType.FLOAT, shape: [1, 'n', h.d] })),
    ],
    initializers: [table('model.wte.weight', dVocab), table('model.wpe.weight', n_ctx)],
    nodes: [],
  });
}

function weights(dIn: number, dSae: number, jumprelu: boolean): Uint8Array {
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const t = [
    { name: 'W_enc', shape: [dIn, dSae], data: fill(dIn * dSae, (i) => Math.sin(i) * 0.3) },
    { name: 'W_dec', shape: [dSae, dIn], data: fill(dSae * dIn, (i) => Math.cos(i) * 0.3) },
    { name: 'b_enc', shape: [dSae], data: fill(dSae, () => -0.01) },
    { name: 'b_dec', shape: [dIn], data: fill(dIn, (i) => i * 0.001) },
  ];
  if (jumprelu) t.push({ name: 'threshold', shape: [dSae], data: fill(dSae, () => 0.05) });
  return writeSafetensors(t);
}

/**
 * labels.json's per-feature arrays of the synthetic bundle's first dictionary (issue 14): feature i has
 * density 0.01·i (10 and up are dense), every fifth is positional, feature 1 is dead on held-out text
 * (typical activation 0), and the others' typical activation grows with i.
 */
export const SYN_LABEL_FACTS = {
  readable_threshold: 0.5,
  score: (i: number) => i / 16,
  positional: (i: number) => i % 5 === 0,
  typical_activation: (i: number) => (i === 1 ? 0 : 0.5 + 0.25 * i),
};

/** Cards in the current layout (cards.bin: one raw-deflate blob per card) or the older cards.jsonl; with
 *  `oldLabels`, labels.json as bundles made before issue 14 had it (labels and density only). */
function cards(dSae: number, format: 'bin' | 'jsonl', oldLabels = false): { labels: string; blobs: Buffer; offsets: Buffer } {
  const blobs = Array.from({ length: dSae }, (_, i) => {
    const json = JSON.stringify({ index: i, label: `feature ${i} ✓`, label_method: 'test', density: 0.01 * i, max_activation: i, mean_activation: i / 2 });
    return format === 'bin' ? zlib.deflateRawSync(Buffer.from(json)) : Buffer.from(json + '\n');
  });
  const offsets = Buffer.alloc(4 * (dSae + 1));
  let off = 0;
  blobs.forEach((b, i) => {
    offsets.writeUInt32LE(off, 4 * i);
    off += b.length;
  });
  offsets.writeUInt32LE(off, 4 * dSae);
  return {
    labels: JSON.stringify({
      label_method: 'test', labels: blobs.map((_, i) => `feature ${i} ✓`), density: blobs.map((_, i) => 0.01 * i),
      ...(oldLabels ? {} : {
        readable_threshold: SYN_LABEL_FACTS.readable_threshold,
        score: blobs.map((_, i) => SYN_LABEL_FACTS.score(i)),
        positional: blobs.map((_, i) => SYN_LABEL_FACTS.positional(i)),
        typical_activation: blobs.map((_, i) => SYN_LABEL_FACTS.typical_activation(i)),
      }),
    }),
    blobs: Buffer.concat(blobs),
    offsets,
  };
}

export { resign };

export function writeSyntheticBundle(dir: string, options: { cardsFormat?: 'bin' | 'jsonl'; oldLabels?: boolean } = {}): void {
  const cardsFormat = options.cardsFormat ?? 'bin';
  fs.mkdirSync(dir, { recursive: true });
  const put = (rel: string, data: string | Uint8Array) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  };
  const tok = codeTokenizerJson() as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  const dVocab = Math.max(...Object.values(tok.model.vocab), ...tok.added_tokens.map((a) => a.id)) + 1;
  put('tokenizer.json', JSON.stringify(tok));
  put('model.onnx', fakeModelOnnx(dVocab));
  put('parity.json', '{}');
  const [h0, h1] = SYN_HOOKS;
  // v6 topk config
  put(`saes/${h0.name}/cfg.json`, JSON.stringify({ architecture: 'topk', d_in: 8, d_sae: 16, k: 4, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', metadata: { hook_name: h0.name } }));
  put(`saes/${h0.name}/sae_weights.safetensors`, weights(8, 16, false));
  // pre-v6 flat jumprelu config
  put(`saes/${h1.name}/cfg.json`, JSON.stringify({ architecture: 'jumprelu', d_in: 8, d_sae: 12, dtype: 'float32', hook_name: h1.name, hook_point: h1.name, activation_fn_str: 'relu', apply_b_dec_to_input: false }));
  put(`saes/${h1.name}/sae_weights.safetensors`, weights(8, 12, true));
  const c = cards(16, cardsFormat, options.oldLabels);
  put(`cards/${h0.name}/labels.json`, c.labels);
  put(`cards/${h0.name}/cards.${cardsFormat}`, c.blobs);
  put(`cards/${h0.name}/cards.offsets`, c.offsets);
  const manifest = {
    schema_version: 1,
    id: 'synthetic-test',
    name: 'Synthetic test bundle',
    description: 'tests only',
    architecture: { family: 'gpt2', n_layers: SYN_ARCH.n_layers, d_model: SYN_ARCH.d_model, n_heads: SYN_ARCH.n_heads, d_head: SYN_ARCH.d_head, d_mlp: 32, n_ctx: SYN_ARCH.n_ctx, d_vocab: dVocab, act_fn: 'gelu_new' },
    tokenizer: { file: 'tokenizer.json', eot_token_id: dVocab - 1 },
    model: { file: 'model.onnx', opset: 17, topk_max: SYN_ARCH.topk_max, hooks: SYN_HOOKS },
    dictionaries: [
      { hook_name: h0.name, path: `saes/${h0.name}`, cards: `cards/${h0.name}` },
      { hook_name: h1.name, path: `saes/${h1.name}` },
    ],
    files: {} as Record<string, { sha256: string; bytes: number }>,
    parity_fixture: 'parity.json',
  };
  const walk = (rel: string): string[] =>
    fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.posix.join(rel, e.name)) : [path.posix.join(rel, e.name)]));
  for (const rel of walk('.').map((r) => r.replace(/^\.\//, '')).sort()) manifest.files[rel] = { sha256: '', bytes: 0 };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  resign(dir);
}

export function copyBundle(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

type Manifest = TestManifest;

export interface Breakage {
  /** Expected EngineError kind. */
  kind: string;
  /** Expected error.file (bundle-relative). */
  file: string;
  /** What the message must say besides the file name. */
  says: RegExp;
  /** What the message must not say (the content of a file that is not what it claims to be). */
  never?: RegExp;
}

/** A load of a broken bundle failed the way `want` says: kind, file, and a message naming the file. */
export function expectBroken(r: Result<unknown>, want: Breakage): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(want.kind);
  expect(r.error.file).toBe(want.file);
  expect(r.error.message).toContain(want.file);
  expect(r.error.message).toMatch(want.says);
  if (want.never) expect(r.error.message).not.toMatch(want.never);
}

/** The ten kinds of broken bundle (plus variants, and the hostile ones), each applied to a fresh copy in `dir`. */
export const BREAKAGES: Record<string, (dir: string) => Breakage> = {
  ...HOSTILE_BREAKAGES,
  'missing file': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const rel = `${d.path}/sae_weights.safetensors`;
    fs.rmSync(path.join(dir, rel));
    return { kind: 'missing-file', file: rel, says: /missing/ };
  },
  'unreadable file': (dir) => {
    const rel = readManifest(dir).tokenizer.file;
    fs.rmSync(path.join(dir, rel));
    fs.mkdirSync(path.join(dir, rel)); // a folder where a file should be: unreadable even as root
    return { kind: 'unreadable-file', file: rel, says: /not a regular file/ };
  },
  'bad manifest JSON': (dir) => {
    const p = path.join(dir, 'manifest.json');
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8').slice(0, 100));
    return { kind: 'bad-manifest', file: 'manifest.json', says: /not valid JSON/ };
  },
  'manifest against the schema': (dir) => {
    editManifest(dir, (m) => {
      delete m.model;
    });
    return { kind: 'bad-manifest', file: 'manifest.json', says: /must have required property 'model'/ };
  },
  'unknown schema version': (dir) => {
    editManifest(dir, (m) => {
      m.schema_version = 2;
    });
    return { kind: 'unknown-schema-version', file: 'manifest.json', says: /schema_version 2/ };
  },
  'checksum mismatch': (dir) => {
    const rel = readManifest(dir).tokenizer.file;
    const p = path.join(dir, rel);
    const buf = fs.readFileSync(p);
    const i = buf.indexOf('"merges"');
    buf[i + 1] = 'M'.charCodeAt(0); // same size, different bytes
    fs.writeFileSync(p, buf);
    return { kind: 'checksum-mismatch', file: rel, says: /sha256/ };
  },
  'truncated ONNX': (dir) => {
    const rel = readManifest(dir).model.file;
    const p = path.join(dir, rel);
    fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2));
    return { kind: 'truncated-model', file: rel, says: /truncated/ };
  },
  'truncated ONNX with a re-signed manifest': (dir) => {
    const rel = readManifest(dir).model.file;
    const p = path.join(dir, rel);
    fs.truncateSync(p, Math.floor(fs.statSync(p).size * 0.7));
    resign(dir, [rel]);
    return { kind: 'truncated-model', file: rel, says: /truncated/ };
  },
  'wrong tensor shape': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const rel = `${d.path}/sae_weights.safetensors`;
    // Same bytes, W_enc declared transposed: [d_sae, d_in] instead of [d_in, d_sae].
    rewriteSafetensorsHeader(path.join(dir, rel), (e) => {
      e.W_enc.shape = [e.W_enc.shape[1], e.W_enc.shape[0]];
    });
    resign(dir, [rel]);
    return { kind: 'bad-tensor-shape', file: rel, says: /W_enc has shape \[\d+, \d+\], expected/ };
  },
  'NaN weights': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const rel = `${d.path}/sae_weights.safetensors`;
    const p = path.join(dir, rel);
    const buf = fs.readFileSync(p);
    const h = parseSafetensorsHeader(buf);
    if (!h.ok) throw new Error(h.message);
    const e = h.value.entries.W_dec;
    const at = h.value.dataStart + e.data_offsets[0] + 5 * (e.dtype === 'F32' ? 4 : 2);
    if (e.dtype === 'F32') buf.writeFloatLE(NaN, at);
    else buf.writeUInt16LE(e.dtype === 'F16' ? 0x7e00 : 0x7fc0, at); // F16 / BF16 quiet NaN
    fs.writeFileSync(p, buf);
    resign(dir, [rel]);
    return { kind: 'nan-weights', file: rel, says: /W_dec holds NaN at flat index 5/ };
  },
  'vocab mismatch': (dir) => {
    const m = readManifest(dir);
    const n = m.architecture.d_vocab;
    editManifest(dir, (x) => {
      (x.architecture as { d_vocab: number }).d_vocab = n + 7;
    });
    return { kind: 'vocab-mismatch', file: m.tokenizer.file, says: new RegExp(`has ${n} tokens but the model's d_vocab .* is ${n + 7}`) };
  },
  'eot id that disagrees with the tokenizer': (dir) => {
    const m = readManifest(dir) as Manifest & { tokenizer: { eot_token_id: number } };
    editManifest(dir, (x) => {
      (x.tokenizer as { eot_token_id: number }).eot_token_id = m.tokenizer.eot_token_id - 1;
    });
    return { kind: 'vocab-mismatch', file: m.tokenizer.file, says: /eot_token_id \d+ but .* has <\|endoftext\|> = \d+/ };
  },
  'bad dictionary config': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const rel = `${d.path}/cfg.json`;
    const p = path.join(dir, rel);
    const cfg = JSON.parse(fs.readFileSync(p, 'utf8'));
    cfg.architecture = 'gated';
    fs.writeFileSync(p, JSON.stringify(cfg));
    resign(dir, [rel]);
    return { kind: 'bad-dictionary', file: rel, says: /architecture "gated"; supported: standard, topk, jumprelu/ };
  },
  'dictionary for a hook of another width': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const rel = `${d.path}/cfg.json`;
    const p = path.join(dir, rel);
    const cfg = JSON.parse(fs.readFileSync(p, 'utf8'));
    cfg.d_in += 1;
    fs.writeFileSync(p, JSON.stringify(cfg));
    resign(dir, [rel]);
    return { kind: 'bad-dictionary', file: rel, says: /has d_in \d+, but hook .* is \d+ wide/ };
  },
};
