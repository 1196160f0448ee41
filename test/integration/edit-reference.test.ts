// Feature edits on a converted Hugging Face GPT-2 checkpoint with SAELens dictionaries (one folded into
// the bundle by convert_checkpoint.py, one with an input scaling factor attached with --sae) against an
// independent numpy forward pass of the checkpoint that applies the same edits from the SAEs' own
// safetensors (training/reference_gpt2.py --edits): every token's log-prob within 2e-4.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type FeatureEdit } from '../../src/engine';
import { py, pythonMissing, SAMPLE_TEXT } from './byo-helpers';
import { buildWorker } from './inference-helpers';

const missing = pythonMissing(['numpy', 'torch', 'onnx']);
if (missing) console.warn(`edit-reference skipped: ${missing}`);

const OPTS = { topK: 5, featuresPerToken: 4, hooks: [] };
const LATE = 'blocks.1.hook_resid_pre'; // topk dictionary inside the bundle
const EARLY = 'blocks.0.hook_resid_post'; // jumprelu, expected_average_only_in with its scaling factor

describe.skipIf(missing !== null)('edits on a converted GPT-2 checkpoint match a numpy reference', () => {
  let dir = '';
  let engine: Engine;
  let workerPath = '';
  const ckpt = () => path.join(dir, 'ckpt');
  const saeLate = () => path.join(dir, 'saes-late', 'saes', 'topk-pre-v6');
  const saeEarly = () => path.join(dir, 'saes-early', 'saes', 'jumprelu-v6-expected-average');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edit-reference-'));
    py('make_gpt2_small_fixture.py', ['--preset', 'tiny', '--checkpoint-only', ckpt()]);
    py('sae_reference.py', ['fixtures', '--out', path.join(dir, 'saes-late'), '--d-in', '64', '--d-sae', '256', '--n', '8', '--hook-name', LATE]);
    py('sae_reference.py', ['fixtures', '--out', path.join(dir, 'saes-early'), '--d-in', '64', '--d-sae', '256', '--n', '8', '--hook-name', EARLY, '--seed', '3']);
    py('convert_checkpoint.py', ['--checkpoint', ckpt(), '--out', path.join(dir, 'bundle'), '--sae', saeLate()]);
    workerPath = await buildWorker();
    const r = await Engine.open(path.join(dir, 'bundle'), { workerPath, extraDictionaries: [saeEarly()] });
    if (!r.ok) throw new Error(r.error.message);
    engine = r.value;
  }, 300_000);
  afterAll(async () => {
    await engine?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function compare(edits: FeatureEdit[]) {
    const r = await engine.analyzeEdited('doc', SAMPLE_TEXT, edits, OPTS);
    if (!r.ok) throw new Error(r.error.message);
    const tokens = r.value.tokens;
    // The reference takes token positions: those the engine's ranges cover.
    const positions = (e: FeatureEdit) => {
      if (!e.range) return { from: 0, to: tokens.length };
      const hit = tokens.flatMap((t, i) => (t.start < Math.max(e.range!.end, e.range!.start + 1) && t.end > e.range!.start ? [i] : []));
      return { from: hit[0], to: hit[hit.length - 1] + 1 };
    };
    const editsFile = path.join(dir, 'edits.json');
    fs.writeFileSync(editsFile, JSON.stringify(edits.map((e) => ({ ...e, ...positions(e) }))));
    const idsFile = path.join(dir, 'ids.json');
    fs.writeFileSync(idsFile, JSON.stringify(tokens.map((t) => t.id)));
    const refFile = path.join(dir, 'ref.json');
    py('reference_gpt2.py', ['--checkpoint', ckpt(), '--ids', idsFile, '--out', refFile, '--edits', editsFile, '--sae', `${LATE}=${saeLate()}`, '--sae', `${EARLY}=${saeEarly()}`]);
    const ref: { target_logprob: number[] } = JSON.parse(fs.readFileSync(refFile, 'utf8'));
    let max = 0;
    for (let t = 1; t < tokens.length; t++) max = Math.max(max, Math.abs(tokens[t].logprob! - ref.target_logprob[t - 1]));
    expect(max).toBeLessThanOrEqual(2e-4);
    // The edit did something the comparison can see.
    const moved = Math.max(...tokens.slice(1).map((t) => Math.abs(t.logprob! - t.logprobOriginal!)));
    expect(moved).toBeGreaterThan(1e-2);
    return r.value;
  }

  async function firing(hook: string, t: number): Promise<number> {
    const a = await engine.analyze('doc', SAMPLE_TEXT, OPTS);
    if (!a.ok) throw new Error(a.error.message);
    return a.value.tokens[t].features[hook][0].index;
  }

  it('ablation over a range (topk dictionary in the bundle)', async () => {
    const f = await firing(LATE, 20);
    await compare([{ hook: LATE, feature: f, op: 'ablate', range: { start: 40, end: 200 } }]);
  });

  it('scaling and clamping at two hooks, one with an input scaling factor', async () => {
    const f = await firing(EARLY, 12);
    await compare([
      { hook: LATE, feature: 7, op: 'clamp', value: 6, range: { start: 30, end: 31 } },
      { hook: EARLY, feature: f, op: 'scale', factor: 3 },
    ]);
  });

  it('splice (the error term dropped) with an edited feature', async () => {
    const f = await firing(EARLY, 30);
    await compare([{ hook: EARLY, op: 'splice' }, { hook: EARLY, feature: f, op: 'ablate', range: { start: 100, end: 160 } }]);
  });
});
