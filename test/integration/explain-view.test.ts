// The inspector's "Why" section on the real engine: the editor's engine adapter explains a token by
// index, the host fits the explanation to the panel (explainMessages.ts) and the protocol accepts it;
// the attended tokens are the document's, the lens summary the hover shows agrees with the lens rows,
// and every attribution group of the view still adds up to the explained logit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../src/editor/model/engineApi';
import { openEngine } from '../../src/editor/model/engineAdapter';
import { attendedRanges, buildExplanationView } from '../../src/inspector/explainMessages';
import { parseToWebview } from '../../src/protocol';
import { lensSummary } from '../../src/shared/lensSummary';
import { buildWorker, realBundle, SAMPLE } from './inference-helpers';

const real = realBundle();

describe.skipIf(!real)('explanations for the panel, from the real engine', () => {
  let engine: AnalysisEngine;
  const text = SAMPLE.slice(0, 3000);

  beforeAll(async () => {
    process.env.ACTIVATION_INSPECTOR_WORKER = await buildWorker();
    const opened = await openEngine(real!);
    if (!opened.ok) throw new Error(opened.error.message);
    engine = opened.value;
  });
  afterAll(async () => {
    await engine?.dispose();
    delete process.env.ACTIVATION_INSPECTOR_WORKER;
  });

  it('explains token i by index; the panel view passes the validator and keeps the engine\'s figures', async () => {
    const analysed = await engine.analyze('doc', text, { topK: 10, featuresPerToken: 8, hooks: [] });
    if (!analysed.ok) throw new Error(analysed.error.message);
    const tokens = analysed.value.tokens;
    for (const i of [0, 1, Math.floor(tokens.length / 2), tokens.length - 1]) {
      const r = await engine.explain('doc', text, i, { topK: 10 });
      if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
      const e = r.value;
      expect(e.position).toBe(i);
      expect(e.token).toMatchObject({ start: tokens[i]!.start, end: tokens[i]!.end });
      const view = buildExplanationView(e, (h, k) => engine.featureLabel(h, k));
      const parsed = parseToWebview(JSON.parse(JSON.stringify({ type: 'explanation', requestId: 'r', docUri: 'doc', version: 1, index: i, explanation: view, error: null, errorKind: null })));
      expect(parsed, parsed.ok ? '' : parsed.reason).toMatchObject({ ok: true });
      // Attended tokens are the document's own tokens, heaviest first, within the window.
      for (const h of view.heads) {
        expect(h.attended.length).toBeGreaterThan(0);
        for (const a of h.attended) {
          expect(a.text).toBe(tokens[a.index]!.text);
          expect(a.index).toBeGreaterThanOrEqual(e.windowStart);
          expect(a.index).toBeLessThanOrEqual(i);
        }
        expect(h.attended[0]!.weight).toBeCloseTo(h.maxWeight, 6);
      }
      // Each group of the view adds up to the logit (nothing was trimmed on this bundle).
      for (const g of view.groups) {
        expect(g.omitted).toBeNull();
        const sum = view.attribution.filter((t) => t.group === g.name).reduce((s, t) => s + t.value, 0);
        expect(Math.abs(sum - view.logit)).toBeLessThanOrEqual(1e-3);
      }
      // The editor's tint covers the window's tokens, at their document ranges.
      const ranges = attendedRanges(e, 0, 0);
      expect(ranges).toHaveLength(i - e.windowStart + 1);
      expect(ranges.at(-1)).toMatchObject({ start: tokens[i]!.start, end: tokens[i]!.end });
      // The hover's summary reads the same rows; the last one is the model's own prediction.
      const s = lensSummary(view.lens, view.target.text);
      expect(s.blocks).toBe(view.lens.length - 1);
      if (s.top1 !== null) expect(view.lens[s.top1]!.targetRank).toBe(0);
      if (i < tokens.length - 1) expect(view.target.id).toBe(tokens[i + 1]!.id);
      expect(view.lens.at(-1)!.topk.map((t) => t.id)).toEqual(tokens[i]!.topk.map((t) => t.id));
    }
  });
});
