// training/convert_checkpoint.py on small GPT-2-shaped checkpoints in Hugging Face's on-disk layouts
// (model.safetensors without prefix + vocab.json/merges.txt; pytorch_model.bin with the `transformer.`
// prefix, F16 weights and a tokenizer.json): the bundle it writes must run in ONNX Runtime with the same
// log-probs as an independent numpy forward pass of the checkpoint, tokenize like GPT-2's own encoder, list
// every file with its sha256, store the tied embedding once, and bad input must be refused clearly.
// The GPT-2-small-sized version of these checks is byo-gpt2-small.test.ts.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { TextTokenizer } from '../../src/engine/tokens';
import { maxAbsDiff, openModel, PYTHON, py, pyFails, pythonMissing, runModel, SAMPLE_TEXT, TRAINING } from './byo-helpers';

const gpt3Encoder = createRequire(import.meta.url)('gpt-3-encoder') as { encode(text: string): number[] };
const missing = pythonMissing(['numpy', 'torch', 'onnx']);
if (missing) console.warn(`byo-convert skipped: ${missing}`);

type Manifest = {
  id: string;
  architecture: { n_layers: number; n_heads: number; d_head: number; d_model: number; d_vocab: number; n_ctx: number; d_mlp: number };
  tokenizer: { file: string; eot_token_id: number };
  model: { hooks: { name: string; d: number }[]; topk_max: number };
  dictionaries: { hook_name: string; path: string }[];
  files: Record<string, { sha256: string; bytes: number }>;
  parity_fixture: string;
};

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
  );
}

/** Rewrites one tensor of a checkpoint's model.safetensors with a Python expression of `a`. */
function editTensor(ckpt: string, name: string, expr: string | null) {
  const code = [
    'import sys; sys.path.insert(0, sys.argv[1])',
    'from safetensors_io import load_file, save_file',
    'p = sys.argv[2] + "/model.safetensors"; w = load_file(p); name = sys.argv[3]',
    'if sys.argv[4] == "DROP": del w[name]',
    'else: a = w[name]; w[name] = eval(sys.argv[4])',
    'save_file(w, p)',
  ].join('\n');
  execFileSync(PYTHON, ['-c', code, TRAINING, ckpt, name, expr ?? 'DROP']);
}

describe.skipIf(missing !== null)('convert_checkpoint.py on GPT-2-shaped Hugging Face checkpoints', () => {
  let dir = '';
  const ckptA = () => path.join(dir, 'ckpt-safetensors');
  const ckptB = () => path.join(dir, 'ckpt-bin-prefixed-f16');
  const bundleA = () => path.join(dir, 'bundle-a');
  const bundleB = () => path.join(dir, 'bundle-b');
  const saes = () => path.join(dir, 'saes');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'byo-convert-'));
    py('make_gpt2_small_fixture.py', ['--preset', 'tiny', '--checkpoint-only', ckptA()]);
    py('make_gpt2_small_fixture.py', ['--preset', 'tiny', '--checkpoint-only', ckptB(), '--seed', '5', '--prefix', 'transformer.',
      '--format', 'bin', '--tokenizer', 'tokenizer.json', '--dtype', 'float16']);
    py('sae_reference.py', ['fixtures', '--out', saes(), '--d-in', '64', '--d-sae', '256', '--n', '8', '--hook-name', 'blocks.1.hook_resid_pre']);
    py('convert_checkpoint.py', ['--checkpoint', ckptA(), '--out', bundleA(), '--sae', path.join(saes(), 'saes', 'topk-pre-v6')]);
    py('convert_checkpoint.py', ['--checkpoint', ckptB(), '--out', bundleB(), '--id', 'tiny-b']);
  }, 300_000);
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a manifest that lists every file with its sha256 and size, and the model architecture', () => {
    for (const b of [bundleA(), bundleB()]) {
      const m: Manifest = readJson(path.join(b, 'manifest.json'));
      const files = listFiles(b).filter((f) => f !== 'manifest.json').sort();
      expect(Object.keys(m.files).sort()).toEqual(files);
      for (const f of files) {
        const bytes = fs.readFileSync(path.join(b, f));
        expect(m.files[f], f).toEqual({ sha256: crypto.createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
      }
      expect(m.architecture).toMatchObject({ n_layers: 2, d_model: 64, n_heads: 4, d_head: 16, d_mlp: 256, n_ctx: 128, d_vocab: 50257 });
      expect(m.tokenizer.eot_token_id).toBe(50256);
      expect(m.model.hooks.map((h) => h.name)).toEqual([0, 1].flatMap((l) =>
        ['hook_resid_pre', 'hook_resid_mid', 'mlp.hook_post', 'hook_resid_post'].map((k) => `blocks.${l}.${k}`)));
    }
    const a: Manifest = readJson(path.join(bundleA(), 'manifest.json'));
    expect(a.dictionaries).toEqual([{ hook_name: 'blocks.1.hook_resid_pre', path: 'saes/blocks.1.hook_resid_pre' }]);
    expect(fs.readFileSync(path.join(bundleA(), 'saes/blocks.1.hook_resid_pre/cfg.json'), 'utf8'))
      .toBe(fs.readFileSync(path.join(saes(), 'saes/topk-pre-v6/cfg.json'), 'utf8'));
    expect(readJson(path.join(bundleB(), 'manifest.json')).id).toBe('tiny-b');
  });

  it('loads in the engine (manifest schema, checksums, ONNX structure, dictionaries)', async () => {
    for (const b of [bundleA(), bundleB()]) {
      const r = await loadBundle(b);
      if (!r.ok) throw new Error(`${b}: ${r.error.message}`);
      expect(r.value.dictionaries.map((d) => d.hookName)).toEqual(b === bundleA() ? ['blocks.1.hook_resid_pre'] : []);
    }
  });

  it('stores the tied embedding once in model.onnx', () => {
    const m: Manifest = readJson(path.join(bundleA(), 'manifest.json'));
    const { d_vocab: V, d_model: d, n_ctx: C, n_layers: L, d_mlp: M } = m.architecture;
    const params = V * d + C * d + L * (4 * d * d + 2 * d * M + 9 * d + M) + 2 * d;
    const bytes = m.files['model.onnx'].bytes;
    expect(bytes).toBeGreaterThan(params * 4);
    expect(bytes).toBeLessThan(params * 4 + 0.5 * V * d * 4); // a second [V, d] copy would add V·d·4
  });

  it('tokenizes exactly like GPT-2\'s own encoder (gpt-3-encoder), from vocab.json+merges.txt and from tokenizer.json', async () => {
    const expected = gpt3Encoder.encode(SAMPLE_TEXT);
    for (const b of [bundleA(), bundleB()]) {
      const tok = await TextTokenizer.fromFile(path.join(b, 'tokenizer.json'));
      if (!tok.ok) throw new Error(tok.error.message);
      expect(tok.value.encodeIds(SAMPLE_TEXT)).toEqual(expected);
    }
  });

  it.each([['safetensors, no prefix, F32', 0], ['pytorch_model.bin, transformer. prefix, F16', 1]])(
    '%s: ONNX log-probs match the numpy reference within 2e-4, with and without the KV cache',
    async (_label, which) => {
      const [ckpt, bundle] = which === 0 ? [ckptA(), bundleA()] : [ckptB(), bundleB()];
      const m: Manifest = readJson(path.join(bundle, 'manifest.json'));
      const ids = gpt3Encoder.encode(SAMPLE_TEXT);
      expect(ids.length).toBeGreaterThan(64);
      const idsFile = path.join(dir, `ids-${which}.json`);
      fs.writeFileSync(idsFile, JSON.stringify(ids));
      const refFile = path.join(dir, `ref-${which}.json`);
      py('reference_gpt2.py', ['--checkpoint', ckpt, '--ids', idsFile, '--out', refFile]);
      const ref: { target_logprob: number[] } = readJson(refFile);
      const session = await openModel(bundle);
      const full = await runModel(session, m, ids.slice(0, -1), ids.slice(1));
      expect(maxAbsDiff(full.targetLogprob, ref.target_logprob)).toBeLessThanOrEqual(2e-4);
      // The predictions are not near-uniform (else agreement would prove little).
      const spread = Math.max(...ref.target_logprob) - Math.min(...ref.target_logprob);
      expect(spread).toBeGreaterThan(2);
      const cut = 40;
      const first = await runModel(session, m, ids.slice(0, cut), ids.slice(1, cut + 1));
      const rest = await runModel(session, m, ids.slice(cut, -1), ids.slice(cut + 1), [], first.presents);
      const joined = [...first.targetLogprob, ...rest.targetLogprob];
      expect(maxAbsDiff(joined, ref.target_logprob)).toBeLessThanOrEqual(2e-4);
      // parity.json (PyTorch's outputs, written at export) is reproduced too.
      const parity: { input_ids: number[]; target_ids: number[]; target_logprob: number[] } = readJson(path.join(bundle, 'parity.json'));
      const p = await runModel(session, m, parity.input_ids, parity.target_ids);
      expect(maxAbsDiff(p.targetLogprob, parity.target_logprob)).toBeLessThanOrEqual(1e-4);
      await session.release();
    },
  );

  describe('refuses bad input with a sentence that names the problem', () => {
    function variant(name: string, edit: (ckpt: string) => void): string {
      const d = path.join(dir, name);
      fs.cpSync(ckptA(), d, { recursive: true });
      edit(d);
      return d;
    }
    const refused = (args: string[], pattern: RegExp) => {
      const r = pyFails('convert_checkpoint.py', args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/Traceback/);
    };

    it('a non-gelu_new activation', () => {
      const d = variant('bad-act', (c) => {
        const cfg = readJson(path.join(c, 'config.json'));
        fs.writeFileSync(path.join(c, 'config.json'), JSON.stringify({ ...cfg, activation_function: 'relu' }));
      });
      refused(['--checkpoint', d, '--out', path.join(dir, 'o1')], /activation_function is 'relu'.*gelu_new/);
    });
    it('weights in nn.Linear layout', () => {
      const d = variant('bad-layout', (c) => editTensor(c, 'h.0.mlp.c_fc.weight', 'a.T.copy()'));
      refused(['--checkpoint', d, '--out', path.join(dir, 'o2')], /h\.0\.mlp\.c_fc\.weight has shape \[256, 64\].*transposed/);
    });
    it('a missing parameter', () => {
      const d = variant('bad-missing', (c) => editTensor(c, 'h.1.ln_2.bias', null));
      refused(['--checkpoint', d, '--out', path.join(dir, 'o3')], /missing 1 GPT-2 parameter.*h\.1\.ln_2\.bias/);
    });
    it('a config.json from another model size', () => {
      const d = variant('bad-config', (c) => {
        const cfg = readJson(path.join(c, 'config.json'));
        fs.writeFileSync(path.join(c, 'config.json'), JSON.stringify({ ...cfg, n_layer: 3 }));
      });
      refused(['--checkpoint', d, '--out', path.join(dir, 'o4')], /missing .*h\.2\./);
    });
    it('no tokenizer files', () => {
      const d = variant('bad-tok', (c) => fs.rmSync(path.join(c, 'merges.txt')));
      refused(['--checkpoint', d, '--out', path.join(dir, 'o5')], /no tokenizer/);
    });
    it('an SAE whose width does not match its hook', () => {
      const sae = path.join(dir, 'wide-sae');
      py('sae_reference.py', ['fixtures', '--out', sae, '--d-in', '32', '--d-sae', '64', '--n', '4', '--hook-name', 'blocks.0.hook_resid_post']);
      refused(['--checkpoint', ckptA(), '--out', path.join(dir, 'o6'), '--sae', path.join(sae, 'saes/standard-v6')], /d_in is 32 but blocks\.0\.hook_resid_post has width 64/);
    });
    it('an SAE with an unsupported architecture', () => {
      const sae = path.join(dir, 'gated-sae');
      fs.cpSync(path.join(saes(), 'saes/standard-v6'), sae, { recursive: true });
      const cfg = readJson(path.join(sae, 'cfg.json'));
      fs.writeFileSync(path.join(sae, 'cfg.json'), JSON.stringify({ ...cfg, architecture: 'gated' }));
      refused(['--checkpoint', ckptA(), '--out', path.join(dir, 'o7'), '--sae', sae], /architecture 'gated' is not supported/);
    });
    it('an output folder that is not a bundle', () => {
      const out = path.join(dir, 'not-a-bundle');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'notes.txt'), 'keep me');
      refused(['--checkpoint', ckptA(), '--out', out], /not empty and holds no manifest\.json/);
      expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('keep me');
    });
  });
});
