// The default bundle's feature labels and ranking (issue 14), on text the model and the labels never saw:
// this repository's own TypeScript. Every feature has a label and a score in 0..1; the manifest's label
// figures match labels.json; and with the default order (most unusual activation first, dense and
// positional features after the others) the top-listed feature of at most 10% of tokens is dense or
// positional, for every dictionary; the raw activation order keeps the raw activations the same.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type AnalysisResult } from '../../src/engine';
import { buildWorker, realBundle } from './inference-helpers';
import { heldOutText } from './held-out';

const bundle = realBundle();

type Labels = { labels: string[]; score: number[]; density: number[]; positional: boolean[]; typical_activation: number[]; readable_threshold: number };
type DictEval = { label_score_median: number; label_readable_fraction: number };

describe.skipIf(!bundle)('feature labels and ranking of the default bundle', () => {
  const manifest = bundle ? JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) : null;
  const dicts: { hook_name: string; cards: string }[] = (manifest?.dictionaries ?? []).filter((d: { cards?: string }) => d.cards);
  const labelsOf = (d: { cards: string }): Labels => JSON.parse(fs.readFileSync(path.join(bundle!, d.cards, 'labels.json'), 'utf8'));
  let engine: Engine;
  let unusual: AnalysisResult;
  let raw: AnalysisResult;

  beforeAll(async () => {
    const r = await Engine.open(bundle!, { workerPath: await buildWorker() });
    if (!r.ok) throw new Error(r.error.message);
    engine = r.value;
    const text = heldOutText(24_000);
    const a = await engine.analyze('held-out-unusual', text, { topK: 1, featuresPerToken: 8, featureOrder: 'unusual', hooks: [] });
    const b = await engine.analyze('held-out-raw', text, { topK: 1, featuresPerToken: 8, featureOrder: 'activation', hooks: [] });
    if (!a.ok || !b.ok) throw new Error('analysis failed');
    unusual = a.value;
    raw = b.value;
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  it('every feature has a label and a score, and the manifest figures are those of labels.json', () => {
    expect(dicts.length).toBeGreaterThan(0);
    for (const d of dicts) {
      const l = labelsOf(d);
      expect(l.labels.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
      expect(l.score.length).toBe(l.labels.length);
      expect(l.score.every((s) => s >= 0 && s <= 1)).toBe(true);
      const sorted = [...l.score].sort((x, y) => x - y);
      const n = sorted.length;
      const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      const ev: DictEval = manifest.evaluation.dictionaries[d.hook_name];
      expect(ev.label_score_median).toBeCloseTo(median, 3);
      expect(ev.label_readable_fraction).toBeCloseTo(l.score.filter((s) => s >= l.readable_threshold).length / n, 3);
    }
  });

  it('the top-listed feature of at most 10% of held-out tokens is dense or positional (default order)', () => {
    for (const d of dicts) {
      let demoted = 0;
      let rawDemoted = 0;
      let counted = 0;
      for (let t = 0; t < unusual.tokens.length; t++) {
        const top = unusual.tokens[t].features[d.hook_name]?.[0];
        if (!top) continue;
        counted++;
        if (engine.featureFacts(d.hook_name, top.index)?.rankedAfter) demoted++;
        const rtop = raw.tokens[t].features[d.hook_name]?.[0];
        if (rtop && engine.featureFacts(d.hook_name, rtop.index)?.rankedAfter) rawDemoted++;
      }
      console.log(`${d.hook_name}: top feature dense or positional on ${(demoted / counted).toFixed(4)} of ${counted} tokens (raw activation order: ${(rawDemoted / counted).toFixed(4)})`);
      expect(counted).toBeGreaterThan(3000);
      expect(demoted / counted).toBeLessThanOrEqual(0.1);
    }
  });

  it('both orders list features with their raw activations, and the unusual order is by activation / typical activation', () => {
    for (const d of dicts) {
      const typical = labelsOf(d).typical_activation;
      // A feature with no typical activation is keyed by the dictionary's median one (as the engine does).
      const positive = typical.filter((x) => x > 0).sort((x, y) => x - y);
      const fallback = positive[Math.floor(positive.length / 2)];
      for (let t = 0; t < unusual.tokens.length; t += 7) {
        const list = unusual.tokens[t].features[d.hook_name] ?? [];
        const rawList = raw.tokens[t].features[d.hook_name] ?? [];
        // Raw activations are unchanged: every feature listed in both orders has the same activation.
        for (const f of list) {
          const same = rawList.find((g) => g.index === f.index);
          if (same) expect(f.activation).toBeCloseTo(same.activation, 5);
        }
        // Within the features that are not ranked after, the ratio never increases down the list.
        const keys = list.filter((f) => !engine.featureFacts(d.hook_name, f.index)?.rankedAfter).map((f) => f.activation / (typical[f.index] > 0 ? typical[f.index] : fallback));
        for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeLessThanOrEqual(keys[i - 1] * (1 + 1e-5) + 1e-6);
      }
    }
  });
});
