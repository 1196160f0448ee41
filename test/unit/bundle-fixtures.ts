// Bundles for tests: a small synthetic one (real tokenizer, two tiny SAELens dictionaries in v6 and
// pre-v6 layouts, cards, and a stand-in model.onnx that is a structurally complete ONNX protobuf), and
// `breakBundle`, which damages a copy of any bundle (synthetic or the real default one) in each of the
// ways the engine must report clearly.
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseSafetensorsHeader, writeSafetensors } from '../../src/engine/safetensors';
import { expect } from 'vitest';
import type { Result } from '../../src/engine/types';
import { codeTokenizerJson } from './tokens-fixtures';

export const SYN_HOOKS = [
  { name: 'blocks.0.hook_resid_post', d: 8 },
  { name: 'blocks.1.hook_resid_post', d: 8 },
];

function sha(buf: Buffer | Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** ModelProto { ir_version: 8, graph: <n opaque bytes>, opset_import: <3 bytes> } as protobuf bytes. */
export function fakeOnnx(graphBytes = 4000): Buffer {
  const graph = Buffer.alloc(graphBytes, 0x11);
  return Buffer.concat([Buffer.from([0x08, 0x08, 0x3a, ...varint(graphBytes)]), graph, Buffer.from([0x42, 0x03, 0x08, 0x11, 0x00])]);
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

/** Cards in the current layout (cards.bin: one raw-deflate blob per card) or the older cards.jsonl. */
function cards(dSae: number, format: 'bin' | 'jsonl'): { labels: string; blobs: Buffer; offsets: Buffer } {
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
    labels: JSON.stringify({ label_method: 'test', labels: blobs.map((_, i) => `feature ${i} ✓`), density: blobs.map((_, i) => 0.01 * i) }),
    blobs: Buffer.concat(blobs),
    offsets,
  };
}

/** Recomputes the sha256 + bytes of every file the manifest lists (what a bundle author's tool does). */
export function resign(dir: string, only?: string[]): void {
  const mPath = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mPath, 'utf8'));
  for (const rel of Object.keys(m.files)) {
    if (only && !only.includes(rel)) continue;
    const buf = fs.readFileSync(path.join(dir, rel));
    m.files[rel] = { sha256: sha(buf), bytes: buf.length };
  }
  fs.writeFileSync(mPath, JSON.stringify(m, null, 2));
}

export function writeSyntheticBundle(dir: string, options: { cardsFormat?: 'bin' | 'jsonl' } = {}): void {
  const cardsFormat = options.cardsFormat ?? 'bin';
  fs.mkdirSync(dir, { recursive: true });
  const put = (rel: string, data: string | Uint8Array) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  };
  const tok = codeTokenizerJson() as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  const dVocab = Math.max(...Object.values(tok.model.vocab), ...tok.added_tokens.map((a) => a.id)) + 1;
  put('tokenizer.json', JSON.stringify(tok));
  put('model.onnx', fakeOnnx());
  put('parity.json', '{}');
  const [h0, h1] = SYN_HOOKS;
  // v6 topk config
  put(`saes/${h0.name}/cfg.json`, JSON.stringify({ architecture: 'topk', d_in: 8, d_sae: 16, k: 4, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', metadata: { hook_name: h0.name } }));
  put(`saes/${h0.name}/sae_weights.safetensors`, weights(8, 16, false));
  // pre-v6 flat jumprelu config
  put(`saes/${h1.name}/cfg.json`, JSON.stringify({ architecture: 'jumprelu', d_in: 8, d_sae: 12, dtype: 'float32', hook_name: h1.name, hook_point: h1.name, activation_fn_str: 'relu', apply_b_dec_to_input: false }));
  put(`saes/${h1.name}/sae_weights.safetensors`, weights(8, 12, true));
  const c = cards(16, cardsFormat);
  put(`cards/${h0.name}/labels.json`, c.labels);
  put(`cards/${h0.name}/cards.${cardsFormat}`, c.blobs);
  put(`cards/${h0.name}/cards.offsets`, c.offsets);
  const manifest = {
    schema_version: 1,
    id: 'synthetic-test',
    name: 'Synthetic test bundle',
    description: 'tests only',
    architecture: { family: 'gpt2', n_layers: 2, d_model: 8, n_heads: 2, d_head: 4, d_mlp: 32, n_ctx: 64, d_vocab: dVocab, act_fn: 'gelu_new' },
    tokenizer: { file: 'tokenizer.json', eot_token_id: dVocab - 1 },
    model: { file: 'model.onnx', opset: 17, topk_max: 10, hooks: SYN_HOOKS },
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

type Manifest = {
  architecture: { d_vocab: number };
  model: { file: string };
  tokenizer: { file: string };
  dictionaries: { hook_name: string; path: string; cards?: string }[];
};
const readManifest = (dir: string): Manifest => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const editManifest = (dir: string, f: (m: Record<string, unknown>) => void) => {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  f(m);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
};

export interface Breakage {
  /** Expected EngineError kind. */
  kind: string;
  /** Expected error.file (bundle-relative). */
  file: string;
  /** What the message must say besides the file name. */
  says: RegExp;
}

/** A load of a broken bundle failed the way `want` says: kind, file, and a message naming the file. */
export function expectBroken(r: Result<unknown>, want: Breakage): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(want.kind);
  expect(r.error.file).toBe(want.file);
  expect(r.error.message).toContain(want.file);
  expect(r.error.message).toMatch(want.says);
}

/** The ten kinds of broken bundle (plus variants), each applied to a fresh copy in `dir`. */
export const BREAKAGES: Record<string, (dir: string) => Breakage> = {
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
    const p = path.join(dir, rel);
    const buf = fs.readFileSync(p);
    const h = parseSafetensorsHeader(buf);
    if (!h.ok) throw new Error(h.message);
    // Same bytes, W_enc declared transposed: [d_sae, d_in] instead of [d_in, d_sae].
    const header = { ...h.value.entries } as Record<string, unknown>;
    const wEnc = h.value.entries.W_enc;
    header.W_enc = { ...wEnc, shape: [wEnc.shape[1], wEnc.shape[0]] };
    if (h.value.metadata) header.__metadata__ = h.value.metadata;
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    fs.writeFileSync(p, Buffer.concat([len, Buffer.from(json), buf.subarray(h.value.dataStart)]));
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
