// The feature order end to end (Engine.analyze in its worker) on a copy of the default bundle whose first
// dictionary's labels.json is given the arrays of issue 14 (score, positional, typical_activation,
// readable_threshold): 'unusual' chooses among every active feature of a token, lists dense and positional
// ones after the others, each group by activation / typical activation, with raw activations; 'activation'
// is the strongest first; the order is part of what an analysis is reused for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type AnalysisResult, type FeatureOrder } from '../../src/engine';
import { rankedAfter } from '../../src/shared/featureDensity';
import { resign } from '../unit/bundle-edits';
import { buildWorker, realBundle, SAMPLE } from './inference-helpers';

const source = realBundle();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-feature-order-'));
let engine: Engine;
let workerPath = '';
let hook = '';
let k = 0;
let facts: { density: number[]; positional: boolean[]; typical: number[] };
const text = SAMPLE.slice(0, 2500);

beforeAll(async () => {
  if (!source) return;
  const dir = path.join(tmp, 'bundle');
  fs.cpSync(source, dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const d = manifest.dictionaries[0];
  hook = d.hook_name;
  const rel = `${d.cards}/labels.json`;
  const labels = JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8'));
  const n = labels.labels.length as number;
  // Typical activations spread over two orders of magnitude, so the order differs from raw activation;
  // every 9th feature positional, and the bundle's own densities (some dense).
  const typical = Array.from({ length: n }, (_, i) => (i % 23 === 0 ? 0 : 0.05 * 1.07 ** (i % 67)));
  const positional = Array.from({ length: n }, (_, i) => i % 9 === 0);
  facts = { density: labels.density ?? new Array(n).fill(0), positional, typical };
  labels.score = Array.from({ length: n }, (_, i) => (i % 10) / 10);
  labels.positional = positional;
  labels.typical_activation = typical;
  labels.readable_threshold = 0.5;
  fs.writeFileSync(path.join(dir, rel), JSON.stringify(labels));
  resign(dir, [rel]);
  workerPath = await buildWorker();
  const r = await Engine.open(dir, { workerPath, verifyChecksums: false });
  if (!r.ok) throw new Error(r.error.message);
  engine = r.value;
  k = engine.info.dictionaries.find((x) => x.hookName === hook)!.k ?? 0;
}, 120_000);

afterAll(async () => {
  await engine?.dispose();
  if (workerPath) fs.rmSync(workerPath, { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function analyze(key: string, featuresPerToken: number, featureOrder?: FeatureOrder): Promise<AnalysisResult> {
  const r = await engine.analyze(key, text, { topK: 3, featuresPerToken, hooks: [hook], ...(featureOrder ? { featureOrder } : {}) });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe.runIf(source)('feature order on the engine', () => {
  it("'unusual' (the default) chooses among every active feature and keeps raw activations", async () => {
    expect(k).toBeGreaterThan(5);
    const all = await analyze('all', k, 'activation'); // every active feature of each token, by activation
    const per = 5;
    const positive = facts.typical.filter((x) => x > 0).sort((a, b) => a - b);
    const medianTypical = positive[Math.floor(positive.length / 2)];
    const unusual = await analyze('unusual', per);
    const plain = await analyze('plain', per, 'activation');
    let differs = 0;
    let fromBeyondTopN = 0;
    for (let t = 0; t < all.tokens.length; t++) {
      const active = all.tokens[t].features[hook];
      const byIndex = new Map(active.map((f) => [f.index, f.activation]));
      // As the engine keys them: activation × float32(1 / typical), a feature dead on held-out text
      // (typical 0) measured against the dictionary's median typical activation.
      const key = (i: number) => byIndex.get(i)! * Math.fround(1 / (facts.typical[i] > 0 ? facts.typical[i] : medianTypical));
      const want = [...active]
        .map((f, j) => ({ ...f, j, after: rankedAfter(facts.density[f.index], facts.positional[f.index]) }))
        .sort((a, b) => Number(a.after) - Number(b.after) || key(b.index) - key(a.index) || a.j - b.j)
        .slice(0, per);
      const got = unusual.tokens[t].features[hook];
      expect(got.map((f) => f.index), `token ${t}`).toEqual(want.map((f) => f.index));
      for (const f of got) expect(f.activation, `token ${t} feature ${f.index}`).toBeCloseTo(byIndex.get(f.index)!, 4);
      const after = got.map((f) => rankedAfter(facts.density[f.index], facts.positional[f.index]));
      expect(after, `token ${t}: dense/positional last`).toEqual([...after].sort((a, b) => Number(a) - Number(b)));
      expect(plain.tokens[t].features[hook]).toEqual(active.slice(0, per));
      if (got.map((f) => f.index).join() !== plain.tokens[t].features[hook].map((f) => f.index).join()) differs++;
      const topN = new Set(active.slice(0, per).map((f) => f.index));
      if (got.some((f) => !topN.has(f.index))) fromBeyondTopN++;
    }
    expect(differs).toBeGreaterThan(0);
    expect(fromBeyondTopN).toBeGreaterThan(0);
  });

  it('a change of order on the same document gives the other order (the result is not reused)', async () => {
    const a = await analyze('same', 5, 'activation');
    const b = await analyze('same', 5, 'unusual');
    const c = await analyze('same', 5, 'activation');
    expect(b.tokens.map((t) => t.features[hook].map((f) => f.index).join())).not.toEqual(a.tokens.map((t) => t.features[hook].map((f) => f.index).join()));
    expect(c.tokens.map((t) => t.features[hook])).toEqual(a.tokens.map((t) => t.features[hook]));
  });

  it("featureFacts gives labels.json's per-feature figures", () => {
    const i = 18; // positional (every 9th), score 0.8
    const f = engine.featureFacts(hook, i)!;
    expect(f).toMatchObject({ positional: true, score: 0.8, readable: true, typicalActivation: facts.typical[i], rankedAfter: true });
    expect(engine.featureFacts(hook, 3)).toMatchObject({ positional: false, score: 0.3, readable: false });
    expect(engine.featureFacts(hook, -1)).toBeUndefined();
    expect(engine.featureFacts('no.such.hook', 0)).toBeUndefined();
  });

  it('rejects an unknown order', async () => {
    const r = await engine.analyze('bad', text, { topK: 1, featuresPerToken: 1, hooks: [], featureOrder: 'random' as FeatureOrder });
    expect(r.ok === false && r.error.kind).toBe('bad-input');
  });
});
