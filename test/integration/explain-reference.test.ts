// Explain on a Hugging Face GPT-2 checkpoint converted by training/convert_checkpoint.py, against an
// independent numpy float64 forward pass of the checkpoint (training/reference_gpt2.py --explain, which
// shares no code with the export): logit-lens probabilities and ranks, every head's attention weights
// and every attribution term (per head, per MLP, embeddings, biases) within 2e-4, at positions in the
// first window and in later ones. The attribution groups, including a residual and an MLP dictionary,
// add up to the logit at every tenth position.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type Explanation } from '../../src/engine';
import { py, pythonMissing } from './byo-helpers';
import { checkExplanation } from './explain-helpers';
import { buildWorker } from './inference-helpers';

const missing = pythonMissing(['numpy', 'torch', 'onnx']);
if (missing) console.warn(`explain-reference skipped: ${missing}`);

const TEXT = [
  'import json',
  'def load(path: str) -> dict:',
  '    """Read a JSON file; return {} when it is missing."""',
  '    try:',
  '        with open(path) as f:',
  '            return json.load(f)',
  '    except FileNotFoundError:',
  '        return {}',
  '',
].join('\n').repeat(4);
const TOL = 2e-4;

interface Reference {
  logit: number;
  lens: { hook: string; topk_ids: number[]; topk_probs: number[]; target_prob: number; target_rank: number }[];
  pattern: number[][][];
  attribution: { embed: number; pos_embed: number; heads: number[][]; attn_bias: number[]; mlp: number[]; ln_bias: number };
}

describe.skipIf(missing !== null)('explain on a converted GPT-2 checkpoint matches a numpy reference of the checkpoint', () => {
  let dir = '';
  let engine: Engine;
  let ids: number[] = [];
  const ckpt = () => path.join(dir, 'ckpt');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-ref-'));
    py('make_gpt2_small_fixture.py', ['--preset', 'tiny', '--checkpoint-only', ckpt(), '--seed', '11']);
    py('sae_reference.py', ['fixtures', '--out', path.join(dir, 'resid'), '--d-in', '64', '--d-sae', '256', '--n', '8', '--hook-name', 'blocks.1.hook_resid_pre']);
    py('sae_reference.py', ['fixtures', '--out', path.join(dir, 'mlp'), '--d-in', '256', '--d-sae', '512', '--n', '8', '--hook-name', 'blocks.0.mlp.hook_post']);
    py('convert_checkpoint.py', ['--checkpoint', ckpt(), '--out', path.join(dir, 'bundle'),
      '--sae', path.join(dir, 'resid', 'saes', 'topk-pre-v6'), '--sae', path.join(dir, 'mlp', 'saes', 'standard-v6')]);
    const opened = await Engine.open(path.join(dir, 'bundle'), { workerPath: await buildWorker() });
    if (!opened.ok) throw new Error(opened.error.message);
    engine = opened.value;
    const a = await engine.analyze('doc', TEXT, { topK: 5, featuresPerToken: 2, hooks: [] });
    if (!a.ok) throw new Error(a.error.message);
    ids = a.value.tokens.map((t) => t.id);
  }, 300_000);
  afterAll(async () => {
    await engine?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function reference(e: Explanation): Reference {
    // The model saw the window's tokens; the reference runs exactly those, from position 0.
    const idsFile = path.join(dir, `ids-${e.position}.json`);
    const out = path.join(dir, `ref-${e.position}.json`);
    fs.writeFileSync(idsFile, JSON.stringify(ids.slice(e.windowStart, e.position + 1)));
    const args = ['--checkpoint', ckpt(), '--ids', idsFile, '--out', path.join(dir, 'unused.json'), '--explain', String(e.position - e.windowStart),
      '--target', String(e.target.id), '--topk', String(e.lens[0].topk.length), '--explain-out', out];
    if (e.versus) args.push('--versus', String(e.versus.id));
    py('reference_gpt2.py', args);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as Reference;
  }

  function compare(e: Explanation, ref: Reference): void {
    const near = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what} at ${e.position}: ${a} vs ${b}`).toBeLessThanOrEqual(TOL);
    near(e.logit, ref.logit, 'logit');
    expect(e.lens.map((l) => l.hook)).toEqual(ref.lens.map((l) => l.hook));
    e.lens.forEach((l, i) => {
      const r = ref.lens[i];
      near(l.targetProb, r.target_prob, `${l.hook} target prob`);
      expect(l.targetRank, l.hook).toBe(r.target_rank);
      l.topk.forEach((t, j) => {
        near(t.prob, r.topk_probs[j], `${l.hook} top-${j} prob`);
        // Ids agree except where two probabilities tie within float32 rounding.
        if (Math.abs(r.topk_probs[j] - (r.topk_probs[j + 1] ?? -1)) > 1e-6 && Math.abs(r.topk_probs[j] - (r.topk_probs[j - 1] ?? 2)) > 1e-6) expect(t.id).toBe(r.topk_ids[j]);
      });
    });
    for (const a of e.attention) {
      const r = ref.pattern[a.layer][a.head];
      expect(a.weights).toHaveLength(r.length);
      a.weights.forEach((w, j) => near(w, r[j], `${a.name} weight ${j}`));
    }
    const model = e.attribution.filter((t) => t.group === 'model');
    for (const t of model) {
      const want = t.kind === 'head' ? ref.attribution.heads[t.layer!][t.head!]
        : t.kind === 'attn_bias' ? ref.attribution.attn_bias[t.layer!]
          : t.kind === 'mlp' ? ref.attribution.mlp[t.layer!]
            : ref.attribution[t.kind as 'embed' | 'pos_embed' | 'ln_bias'];
      near(t.value, want, `${t.kind} L${t.layer ?? ''}H${t.head ?? ''}`);
    }
  }

  it('lens, attention and attribution match the reference within 2e-4, in the first window and later ones', async () => {
    const n = ids.length;
    expect(n).toBeGreaterThan(engine.info.nCtx + 64);
    const positions = [5, 40, engine.info.nCtx - 1, engine.info.nCtx + 10, n - 2];
    for (const p of positions) {
      const r = await engine.explain('doc', TEXT, { token: p });
      if (!r.ok) throw new Error(r.error.message);
      compare(r.value, reference(r.value));
    }
    const base = await engine.explain('doc', TEXT, { token: 60 });
    if (!base.ok) throw new Error(base.error.message);
    const rival = base.value.lens[base.value.lens.length - 1].topk.find((t) => t.id !== base.value.target.id)!;
    const diff = await engine.explain('doc', TEXT, { token: 60 }, { versus: rival.id });
    if (!diff.ok) throw new Error(diff.error.message);
    compare(diff.value, reference(diff.value));
  });

  it('adds up to the logit in every group, with a residual and an MLP dictionary', async () => {
    for (let p = 0; p < ids.length; p += 10) {
      const r = await engine.explain('doc', TEXT, { token: p });
      if (!r.ok) throw new Error(r.error.message);
      checkExplanation(r.value, 2, 4);
      expect(r.value.groups.map((g) => [g.name, g.path])).toEqual([
        ['model', undefined], ['blocks.1.hook_resid_pre', 'residual'], ['blocks.0.mlp.hook_post', 'mlp-out'],
      ]);
    }
  });
});
