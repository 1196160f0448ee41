// Engine.explain on the default bundle and on a small random bundle with a short context (many windows):
// the attribution groups add up to the logit at many positions, the last lens layer is the model's own
// prediction, attention rows are distributions up to the position, the cached KV prefix changes nothing,
// versus is a logit difference, requests supersede per document and cancel, and a bundle without the
// weights explain reads says so while analysis keeps working.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, featureEffect, lensMilestones, planWindows, type Explanation } from '../../src/engine';
import { PYTHON, pythonMissing } from './byo-helpers';
import { checkExplanation } from './explain-helpers';
import { buildWorker, realBundle, SAMPLE, testBundle } from './inference-helpers';

const real = realBundle();
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { kind: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
};

/** The bundle's layer and head counts, which an explanation's heads, lens and attention follow. */
function layersAndHeads(engine: Engine): [number, number] {
  const { n_layers, n_heads } = engine.bundle.manifest.architecture;
  return [n_layers, n_heads];
}

/** Positions at and around every window boundary, plus the ends and a spread in between. */
function positionsFor(n: number, ctx: number, spread: number): number[] {
  const set = new Set<number>([0, 1, n - 2, n - 1]);
  for (const w of planWindows(n, ctx)) for (const p of [w.ownedStart - 1, w.ownedStart, w.ownedStart + 1]) set.add(p);
  for (let i = 0; i < spread; i++) set.add(Math.floor(((i + 0.5) * n) / spread));
  return [...set].filter((p) => p >= 0 && p < n).sort((a, b) => a - b);
}

describe.skipIf(!real)('explain on the default bundle', () => {
  let engine: Engine;
  const text = SAMPLE.slice(0, 4500);
  let tokens: Awaited<ReturnType<Engine['analyze']>> extends infer R ? (R extends { ok: true; value: infer V } ? V : never) : never;

  beforeAll(async () => {
    engine = ok(await Engine.open(real!, { workerPath: await buildWorker() }));
    tokens = ok(await engine.analyze('doc', text, { topK: 10, featuresPerToken: 4, hooks: [] }));
  });
  afterAll(() => engine?.dispose());

  it('adds up to the logit in every group, and the last lens layer is the model\'s own prediction, at many positions', async () => {
    const n = tokens.tokens.length;
    expect(n).toBeGreaterThan(engine.info.nCtx + 200); // several windows
    const positions = positionsFor(n, engine.info.nCtx, 16);
    for (const p of positions) {
      const e = ok(await engine.explain('doc', text, { token: p }));
      checkExplanation(e, ...layersAndHeads(engine));
      expect(e.groups.map((g) => g.name)).toEqual(['model', 'blocks.0.hook_resid_post', 'blocks.1.hook_resid_post', 'blocks.0.mlp.hook_post']);
      expect(e.groups.find((g) => g.name === 'blocks.0.mlp.hook_post')!.path).toBe('mlp-out');
      const own = tokens.tokens[p].topk;
      const last = e.lens[e.lens.length - 1];
      expect(last.topk.map((t) => t.id)).toEqual(own.map((t) => t.id));
      for (let j = 0; j < own.length; j++) expect(Math.abs(last.topk[j].prob - own[j].prob)).toBeLessThan(1e-4);
      expect(e.windowStart).toBe(planWindows(n, engine.info.nCtx).find((w) => p >= w.ownedStart && p < w.end)!.start);
      if (p + 1 < n) {
        expect(e.target.id).toBe(tokens.tokens[p + 1].id);
        expect(e.targetIsNext).toBe(true);
        expect(Math.abs(last.targetProb - Math.exp(tokens.tokens[p + 1].logprob!))).toBeLessThan(1e-4);
        expect(last.targetRank).toBe(tokens.tokens[p + 1].rank);
      } else {
        expect(e.target.id).toBe(own[0].id);
        expect(e.targetIsNext).toBe(false);
      }
    }
  });

  it('gives the same answer from the analysis\'s cached KV as from a cold run, and finds the token at an offset', async () => {
    const p = tokens.tokens.length - 40;
    const tok = tokens.tokens[p];
    const warm = ok(await engine.explain('doc', text, { offset: tok.end - 1 }));
    const cold = ok(await engine.explain('other-doc', text, { token: p }));
    expect(warm.position).toBe(p);
    expect(warm.token).toEqual({ id: tok.id, text: tok.text, start: tok.start, end: tok.end });
    expect(warm.timings.reusedTokens).toBeGreaterThan(0);
    expect(cold.timings.reusedTokens).toBe(0);
    expect(cold.timings.tokensRun).toBe(p - cold.windowStart + 1);
    expect(Math.abs(warm.logit - cold.logit)).toBeLessThan(1e-4);
    for (let i = 0; i < warm.attention.length; i++) {
      for (let j = 0; j < warm.attention[i].weights.length; j++) expect(Math.abs(warm.attention[i].weights[j] - cold.attention[i].weights[j])).toBeLessThan(1e-5);
    }
    for (let i = 0; i < warm.attribution.length; i++) expect(Math.abs(warm.attribution[i].value - cold.attribution[i].value)).toBeLessThan(1e-4);
  });

  it('decomposes a logit difference with versus, and lets a feature card look up its term', async () => {
    const p = 300;
    const base = ok(await engine.explain('doc', text, { token: p }));
    const rival = base.lens[base.lens.length - 1].topk.find((t) => t.id !== base.target.id)!;
    const other = ok(await engine.explain('doc', text, { token: p }, { target: rival.id }));
    const diff = ok(await engine.explain('doc', text, { token: p }, { versus: rival.id }));
    checkExplanation(diff, ...layersAndHeads(engine));
    expect(diff.versus).toEqual({ id: rival.id, text: rival.text });
    expect(Math.abs(diff.logit - (base.logit - other.logit))).toBeLessThan(1e-3);
    expect(Math.abs(Math.log(base.lens[2].targetProb / other.lens[2].targetProb) - diff.logit)).toBeLessThan(1e-3);

    const feature = base.attribution.find((t) => t.kind === 'feature' && t.group === 'blocks.1.hook_resid_post')!;
    expect(featureEffect(base, 'blocks.1.hook_resid_post', feature.feature!)).toBe(feature.value);
    const silent = [...Array(engine.info.dictionaries.find((d) => d.hookName === 'blocks.1.hook_resid_post')!.dSae).keys()].find((i) => !base.attribution.some((t) => t.group === 'blocks.1.hook_resid_post' && t.feature === i))!;
    expect(featureEffect(base, 'blocks.1.hook_resid_post', silent)).toBe(0);
    expect(featureEffect(base, 'blocks.7.hook_resid_post', 0)).toBeUndefined();
    // The analysis's top feature at this token is among the explained ones, with its activation. Explain
    // encodes in float32; the analysis may run the encoder's product in int8 (manifest encoder.precision).
    const hit = tokens.tokens[p].features['blocks.1.hook_resid_post'][0];
    const same = base.attribution.find((x) => x.group === 'blocks.1.hook_resid_post' && x.feature === hit.index)!;
    expect(Math.abs(same.activation! - hit.activation)).toBeLessThan(0.02 * Math.max(1, hit.activation));
    const m = lensMilestones(base.lens);
    const firstTop1 = base.lens.findIndex((l) => l.targetRank === 0);
    expect(m.top1?.index ?? -1).toBe(firstTop1);
  });
});

describe('explain on a small bundle with a short context', () => {
  const bundle = testBundle();
  let engine: Engine;
  const text = SAMPLE.slice(0, 1500);

  beforeAll(async () => {
    engine = ok(await Engine.open(bundle, { workerPath: await buildWorker(), extraDictionaries: [`${bundle}-extra-sae`] }));
  });
  afterAll(() => engine?.dispose());

  it('adds up in every group across many windows, with a dictionary that scales its input', async () => {
    const n = ok(await engine.analyze('d', text, { topK: 5, featuresPerToken: 2, hooks: [] })).tokens.length;
    expect(n).toBeGreaterThan(4 * engine.info.nCtx);
    for (const p of positionsFor(n, engine.info.nCtx, 8)) {
      const e = ok(await engine.explain(p % 2 ? 'd' : `cold-${p}`, text, { token: p }));
      checkExplanation(e, ...layersAndHeads(engine));
      expect(e.groups.length).toBe(1 + engine.info.hooks.length);
    }
  });

  it('supersedes an older explain of the same document, cancels on abort, and refuses bad requests', async () => {
    const first = engine.explain('s', text, { token: 100 });
    const second = engine.explain('s', text, { token: 120 });
    const elsewhere = engine.explain('t', text, { token: 100 });
    const r1 = await first;
    expect(r1.ok === false && r1.error.kind).toBe('superseded');
    expect(ok(await second).position).toBe(120);
    expect(ok(await elsewhere).position).toBe(100);

    const ac = new AbortController();
    const cancelled = engine.explain('c', text, { token: 50 }, {}, ac.signal);
    ac.abort();
    const rc = await cancelled;
    expect(rc.ok === false && rc.error.kind).toBe('cancelled');

    const bad = async (r: Promise<{ ok: boolean; error?: { kind: string } }>) => expect((await r).error?.kind).toBe('bad-input');
    await bad(engine.explain('b', text, { offset: text.length + 5 }));
    await bad(engine.explain('b', text, { token: -1 }));
    await bad(engine.explain('b', text, { token: 1 }, { target: engine.info.dVocab }));
    await bad(engine.explain('b', text, { token: 1 }, { topK: 0 }));
    // The engine still answers after all that.
    checkExplanation(ok(await engine.explain('b', text, { token: 10 })) as Explanation, ...layersAndHeads(engine));
  });
});

const noOnnx = pythonMissing(['onnx']);
describe.skipIf(noOnnx !== null)('a bundle whose model.onnx lacks the weights explain reads', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-old-bundle-'));
    fs.cpSync(testBundle(), dir, { recursive: true });
    // Another exporter's names: ln_f's weight renamed (graph still valid, the model runs the same).
    execFileSync(PYTHON, ['-c', [
      'import onnx, sys',
      'p = sys.argv[1] + "/model.onnx"; m = onnx.load(p)',
      'for t in m.graph.initializer:',
      '    if t.name == "model.ln_f.weight": t.name = "final_norm_scale"',
      'for nd in m.graph.node:',
      '    for names in (nd.input, nd.output):',
      '        for i, x in enumerate(names):',
      '            if x == "model.ln_f.weight": names[i] = "final_norm_scale"',
      'onnx.save(m, p)',
      'import hashlib, json, os',
      'mp = sys.argv[1] + "/manifest.json"; man = json.load(open(mp)); b = open(p, "rb").read()',
      'man["files"]["model.onnx"] = {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}',
      'json.dump(man, open(mp, "w"))',
    ].join('\n'), dir]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says it cannot explain and how to re-export; analysis keeps working', async () => {
    const engine = ok(await Engine.open(dir, { workerPath: await buildWorker() }));
    try {
      const r = await engine.explain('d', 'def f(x):\n    return x + 1\n', { token: 3 });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.kind).toBe('cannot-explain');
      expect(r.error.message).toMatch(/cannot explain.*model\.ln_f\.weight.*convert_checkpoint\.py/);
      const a = ok(await engine.analyze('d', 'def f(x):\n    return x + 1\n', { topK: 3, featuresPerToken: 2, hooks: [] }));
      expect(a.tokens.length).toBeGreaterThan(5);
      expect((await engine.explain('d', 'x = 1', { token: 0 })).ok).toBe(false); // still says so, nothing else breaks
    } finally {
      await engine.dispose();
    }
  });
});
