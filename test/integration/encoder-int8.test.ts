// int8 dictionary encoders (manifest `encoder.precision: "int8"`) against float32, on held-out text: this
// repository's own TypeScript, which is not among the model's training sources (the manifest lists them).
// Every dictionary the default bundle marks int8 must select the features float32 selects (top feature of
// >= 99% of tokens, top-8 sets overlapping >= 95%, explained variance within 0.005); the engine must really
// run it quantised; and a row's features must not depend on the rows sharing its batch (so an incremental
// analysis still equals a full one).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type AnalysisResult } from '../../src/engine';
import { encodeInBatches, encoderPair } from '../../src/engine/analysis';
import { encoderAgreement, meetsAgreementBars } from '../../src/engine/dictionary';
import { buildWorker, compareTokens, realBundle } from './inference-helpers';
import { heldOutText } from './held-out';

const bundle = realBundle();
const PER = 8;

describe.skipIf(!bundle)('int8 dictionary encoders on the default bundle', () => {
  let engine: Engine;
  let result: AnalysisResult;
  type DictionaryEntry = { hook_name: string; path: string; encoder?: { precision?: string } };
  const manifest = bundle ? (JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as { dictionaries: DictionaryEntry[] }) : null;
  const int8Hooks = (manifest?.dictionaries ?? []).filter((d) => d.encoder?.precision === 'int8').map((d) => d.hook_name);
  const encoders = (hook: string) => encoderPair(bundle!, manifest!.dictionaries.find((d) => d.hook_name === hook)!.path);

  beforeAll(async () => {
    const r = await Engine.open(bundle!, { workerPath: await buildWorker() });
    if (!r.ok) throw new Error(r.error.message);
    engine = r.value;
    // By raw activation: the features are compared with the encoders' own top-n below.
    const a = await engine.analyze('held-out', heldOutText(24_000), { topK: 1, featuresPerToken: PER, featureOrder: 'activation', hooks: [], includeActivations: true });
    if (!a.ok) throw new Error(a.error.message);
    result = a.value;
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  it('the bundle runs some encoders in int8', () => {
    expect(int8Hooks.length).toBeGreaterThan(0);
  });

  it('each int8 encoder selects the features float32 selects, and the engine runs it quantised', async () => {
    const n = result.tokens.length;
    expect(n).toBeGreaterThan(3000);
    for (const hook of int8Hooks) {
      const { exact, quantised } = await encoders(hook);
      const x = result.activations![hook];
      const e = await encodeInBatches(exact, x, n, PER);
      const q = await encodeInBatches(quantised, x, n, PER);
      const agreement = encoderAgreement(e, q, n, PER);
      console.log(`${hook}: ${JSON.stringify(agreement)}`);
      expect(meetsAgreementBars(agreement), `${hook}: ${JSON.stringify(agreement)}`).toBe(true);
      // The engine's features are the int8 encoder's, token for token (so the manifest's setting is used).
      let same = 0;
      for (let t = 0; t < n; t++) {
        const top = result.tokens[t].features[hook][0];
        if (top && top.index === q.idx[t * PER] && Math.abs(top.activation - q.act[t * PER]) <= 1e-5) same++;
      }
      expect(same).toBe(n);
      await exact.release();
      await quantised.release();
    }
  });

  it("an int8 row's features do not depend on the rows in its batch", async () => {
    const hook = int8Hooks[0];
    const { exact, quantised } = await encoders(hook);
    const d = quantised.spec.dIn;
    const x = result.activations![hook];
    const batch = await quantised.encode(x.slice(0, 300 * d), 300, PER);
    for (const r of [0, 7, 150, 299]) {
      const alone = await quantised.encode(x.slice(r * d, (r + 1) * d), 1, PER);
      expect(Array.from(alone.idx)).toEqual(Array.from(batch.idx.subarray(r * PER, (r + 1) * PER)));
      expect(Array.from(alone.act)).toEqual(Array.from(batch.act.subarray(r * PER, (r + 1) * PER)));
      expect(alone.ev[0]).toBe(batch.ev[r]);
    }
    await exact.release();
    await quantised.release();
  });

  it('with int8 encoders an incremental analysis still equals a full one', async () => {
    const opts = { topK: 5, featuresPerToken: PER, hooks: [] };
    let text = heldOutText(6000);
    await engine.analyze('inc', text, opts);
    text = text.slice(0, 4000) + 'let y = 2;\n' + text.slice(4000);
    const inc = await engine.analyze('inc', text, opts);
    const full = await engine.analyze('full', text, opts);
    if (!inc.ok || !full.ok) throw new Error('analysis failed');
    expect(inc.value.timings.reusedTokens).toBeGreaterThan(0);
    expect(compareTokens(inc.value.tokens, full.value.tokens)).toBeLessThan(1e-4);
  });
});
