// The worker hands a run's raw activations to the caller instead of copying them (they are the largest
// thing an analysis makes), and forgets its own: a later run that asks for them again, of the same text
// or after an edit, must compute every row again and give what a fresh engine gives.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type AnalysisOptions } from '../../src/engine';
import { buildWorker, SAMPLE, testBundle } from './inference-helpers';

const OPTS: AnalysisOptions = { topK: 5, featuresPerToken: 4, hooks: [], includeActivations: true };
let workerPath = '';
let engine: Engine;
let fresh: Engine;

beforeAll(async () => {
  workerPath = await buildWorker();
  const bundle = testBundle();
  const [a, b] = await Promise.all([Engine.open(bundle, { workerPath, chunkTokens: 24 }), Engine.open(bundle, { workerPath, chunkTokens: 24 })]);
  if (!a.ok || !b.ok) throw new Error('engine did not open');
  engine = a.value;
  fresh = b.value;
});
afterAll(async () => {
  await engine?.dispose();
  await fresh?.dispose();
  fs.rmSync(workerPath, { force: true });
});

async function activations(e: Engine, key: string, text: string): Promise<Record<string, Float32Array>> {
  const r = await e.analyze(key, text, OPTS);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.activations).toBeDefined();
  return r.value.activations!;
}

function maxDifference(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let worst = 0;
  for (const h of Object.keys(a)) {
    expect(a[h].length).toBe(b[h].length);
    for (let i = 0; i < a[h].length; i++) worst = Math.max(worst, Math.abs(a[h][i] - b[h][i]));
  }
  return worst;
}

describe('activations handed over by the worker', () => {
  it('a second run of the same text, and a run after an edit, equal a fresh engine', async () => {
    const text = SAMPLE.slice(0, 1500);
    const first = await activations(engine, 'doc', text);
    const again = await activations(engine, 'doc', text);
    expect(maxDifference(again, first)).toBe(0);
    expect(Object.values(again).some((a) => a.some((x) => x !== 0))).toBe(true);
    const edited = text.slice(0, 1400) + 'Q' + text.slice(1400);
    const incremental = await activations(engine, 'doc', edited);
    const full = await activations(fresh, 'doc', edited);
    expect(maxDifference(incremental, full)).toBeLessThan(1e-4);
  });
});
