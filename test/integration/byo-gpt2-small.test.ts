// The bring-your-own-model proof at GPT-2-small scale: a GPT-2-small-shaped checkpoint in Hugging
// Face's exact on-disk layout (random weights, real GPT-2 tokenizer) plus SAELens SAEs with d_sae 24,576 on
// blocks.8.hook_resid_pre, converted by training/convert_checkpoint.py. Generated on demand into
// ~/.cache/activation-inspector (about a minute, ~1.3 GB; reused when present) by
// training/make_gpt2_small_fixture.py. Checks: every token's log-prob within 2e-4 of an independent numpy
// forward pass, token ids equal to GPT-2's own encoder, the engine's SAE encoding within 1e-4 of the
// SAELens reference for each architecture on the model's real activations, the manifest's checksums, and
// that model.onnx holds the tied embedding once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { TextTokenizer } from '../../src/engine/tokens';
import { engineEncode, loadSpec, maxAbsDiff, openModel, py, pythonMissing, readF32, runModel, writeF32 } from './byo-helpers';
import type * as ort from 'onnxruntime-node';

const gpt3Encoder = createRequire(import.meta.url)('gpt-3-encoder') as { encode(text: string): number[] };
const missing = pythonMissing(['numpy', 'torch', 'onnx']);
if (missing) console.warn(`byo-gpt2-small skipped: ${missing}`);

const HOOK = 'blocks.8.hook_resid_pre';
// Prose, code and non-ASCII text, about 230 GPT-2 tokens.
const TEXT = `The quick brown fox jumps over the lazy dog. GPT-2's tokenizer splits "don't" and "we'll" at the
apostrophe, keeps leading spaces on words, and falls back to bytes for 東京 or 🙂.

import numpy as np

def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax; subtracts the max first."""
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)

for i in range(10):
\tprint(f"{i:>3} -> {softmax(np.arange(i + 1.0))[-1]:.4f}")  # <|endoftext|> is plain text here
`;

type Paths = { root: string; checkpoint: string; bundle: string; saes: Record<string, string>; hook: string };
type Manifest = {
  architecture: { n_layers: number; n_heads: number; d_head: number; d_model: number; d_vocab: number; n_ctx: number; d_mlp: number };
  dictionaries: { hook_name: string; path: string }[];
  files: Record<string, { sha256: string; bytes: number }>;
};

describe.skipIf(missing !== null)('GPT-2-small-shaped checkpoint converted to a bundle', () => {
  let paths: Paths;
  let manifest: Manifest;
  let session: ort.InferenceSession;
  let tmp = '';
  let ids: number[] = [];
  let full: Awaited<ReturnType<typeof runModel>>; // the whole text in one run, with HOOK's activations

  beforeAll(async () => {
    const out = py('make_gpt2_small_fixture.py', []);
    paths = JSON.parse(out.trim().split('\n').pop()!);
    manifest = JSON.parse(fs.readFileSync(path.join(paths.bundle, 'manifest.json'), 'utf8'));
    session = await openModel(paths.bundle);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'byo-gpt2-'));
    ids = gpt3Encoder.encode(TEXT);
    full = await runModel(session, manifest, ids.slice(0, -1), ids.slice(1), [HOOK]);
  }, 900_000);
  afterAll(async () => {
    await session?.release();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has GPT-2 small\'s shape and a manifest whose checksums match every file', () => {
    expect(manifest.architecture).toMatchObject({ n_layers: 12, d_model: 768, n_heads: 12, d_head: 64, d_mlp: 3072, n_ctx: 1024, d_vocab: 50257 });
    expect(manifest.dictionaries).toEqual([{ hook_name: HOOK, path: `saes/${HOOK}` }]);
    for (const [file, want] of Object.entries(manifest.files)) {
      const h = crypto.createHash('sha256');
      let bytes = 0;
      const fd = fs.openSync(path.join(paths.bundle, file), 'r');
      const buf = Buffer.alloc(1 << 22);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) h.update(buf.subarray(0, n));
      fs.closeSync(fd);
      expect({ sha256: h.digest('hex'), bytes }, file).toEqual(want);
    }
  });

  it('loads in the engine (manifest schema, checksums, ONNX structure, the 24,576-feature dictionary)', async () => {
    const r = await loadBundle(paths.bundle);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.dictionaries.map((d) => [d.hookName, d.cfg.d_sae])).toEqual([[HOOK, 24576]]);
  });

  it('stores the 50,257 x 768 tied embedding once in model.onnx', () => {
    const { d_vocab: V, d_model: d, n_ctx: C, n_layers: L, d_mlp: M } = manifest.architecture;
    const params = V * d + C * d + L * (4 * d * d + 2 * d * M + 9 * d + M) + 2 * d; // 124.4M for GPT-2 small
    const bytes = manifest.files['model.onnx'].bytes;
    console.log(`model.onnx ${(bytes / 1e6).toFixed(1)} MB for ${(params / 1e6).toFixed(1)}M parameters`);
    expect(bytes).toBeGreaterThan(params * 4);
    expect(bytes).toBeLessThan(params * 4 + 0.5 * V * d * 4);
  });

  it('the bundle tokenizer (engine TextTokenizer) gives the ids of GPT-2\'s own encoder', async () => {
    const tok = await TextTokenizer.fromFile(path.join(paths.bundle, 'tokenizer.json'));
    if (!tok.ok) throw new Error(tok.error.message);
    expect(ids.length).toBeGreaterThan(150);
    expect(tok.value.encodeIds(TEXT)).toEqual(ids);
  });

  it('every token\'s log-prob is within 2e-4 of the independent numpy forward pass (full run and with KV cache)', async () => {
    const idsFile = path.join(tmp, 'ids.json');
    fs.writeFileSync(idsFile, JSON.stringify(ids));
    const refFile = path.join(tmp, 'ref.json');
    const refHook = path.join(tmp, 'ref-hook.f32');
    py('reference_gpt2.py', ['--checkpoint', paths.checkpoint, '--ids', idsFile, '--out', refFile, '--hook', HOOK, '--hook-out', refHook]);
    const ref: { target_logprob: number[] } = JSON.parse(fs.readFileSync(refFile, 'utf8'));
    const lpDiff = maxAbsDiff(full.targetLogprob, ref.target_logprob);
    const refActs = readF32(refHook).subarray(0, (ids.length - 1) * 768);
    const hookDiff = maxAbsDiff(full.hooks[HOOK], refActs);
    let hookScale = 0;
    for (const v of refActs) hookScale = Math.max(hookScale, Math.abs(v));
    const spread = Math.max(...ref.target_logprob) - Math.min(...ref.target_logprob);
    console.log(`log-prob max |diff| ${lpDiff.toExponential(2)} over ${ids.length - 1} tokens (spread ${spread.toFixed(1)} nats); ` +
      `${HOOK} max |diff| ${hookDiff.toExponential(2)} (max |act| ${hookScale.toFixed(2)})`);
    expect(lpDiff).toBeLessThanOrEqual(2e-4);
    expect(spread).toBeGreaterThan(2);
    expect(hookDiff).toBeLessThanOrEqual(1e-4 * Math.max(1, hookScale));

    const cut = 100;
    const first = await runModel(session, manifest, ids.slice(0, cut), ids.slice(1, cut + 1));
    const rest = await runModel(session, manifest, ids.slice(cut, -1), ids.slice(cut + 1), [], first.presents);
    expect(maxAbsDiff([...first.targetLogprob, ...rest.targetLogprob], ref.target_logprob)).toBeLessThanOrEqual(2e-4);
  });

  it.each(['standard-pre-v6', 'topk-v6-no-b-dec', 'jumprelu-v6-expected-average'])(
    'SAE %s (d_sae 24,576) on the model\'s own activations: engine encode within 1e-4 of the SAELens reference',
    async (variant) => {
      const hookActs = full.hooks[HOOK];
      const n = ids.length - 1;
      const xFile = path.join(tmp, 'x.f32');
      writeF32(xFile, hookActs);
      const expFile = path.join(tmp, `${variant}.f32`);
      const ambFile = path.join(tmp, `${variant}.json`);
      const folder = variant === 'standard-pre-v6' ? path.join(paths.bundle, 'saes', HOOK) : paths.saes[variant];
      py('sae_reference.py', ['encode', '--sae', folder, '--inputs', xFile, '--out', expFile, '--ambiguous', ambFile]);
      const { ambiguous, active_fraction: active } = JSON.parse(fs.readFileSync(ambFile, 'utf8')) as { ambiguous: number[]; active_fraction: number };
      const spec = await loadSpec(folder);
      expect(spec.dSae).toBe(24576);
      const acts = await engineEncode(spec, hookActs, n);
      const diff = maxAbsDiff(acts, readF32(expFile), new Set(ambiguous));
      console.log(`${variant}: max |diff| ${diff.toExponential(2)}, active ${(active * 100).toFixed(2)}%, ` +
        `${ambiguous.length} entries within 2e-5 of a threshold/top-k boundary left out`);
      expect(active).toBeGreaterThan(1e-3);
      expect(ambiguous.length).toBeLessThan(n * 24576 * 1e-4); // leaving those out keeps >99.99% of entries
      expect(diff).toBeLessThanOrEqual(1e-4);
    },
  );
});
