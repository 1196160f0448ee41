// Feature edits and continuations end to end in the worker, on the small test bundle (n_ctx 64, so
// documents span several windows) and on the default bundle: the identity edit reproduces the analysis,
// nothing before the first edited position changes, a greedy continuation is the argmax of a full
// analysis of the extended text (with edits: of the edited analysis), and an edit storm never returns a
// stale or mislabelled result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Engine, type AnalysisOptions, type EditedAnalysis, type FeatureEdit } from '../../src/engine';
import { buildWorker, realBundle, SAMPLE, testBundle } from './inference-helpers';

const OPTS: AnalysisOptions = { topK: 10, featuresPerToken: 8, hooks: [] };
let workerPath = '';
let engine: Engine;
let hooks: string[] = [];
const TEXT = SAMPLE.slice(0, 1500);

beforeAll(async () => {
  workerPath = await buildWorker();
  const bundle = testBundle();
  const r = await Engine.open(bundle, { workerPath, extraDictionaries: [`${bundle}-extra-sae`] });
  if (!r.ok) throw new Error(r.error.message);
  engine = r.value;
  hooks = engine.info.hooks;
});
afterAll(async () => {
  await engine?.dispose();
  fs.rmSync(workerPath, { force: true });
});

async function plain(e: Engine, key: string, text: string) {
  const r = await e.analyze(key, text, OPTS);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function edited(e: Engine, key: string, text: string, edits: FeatureEdit[]): Promise<EditedAnalysis> {
  const r = await e.analyzeEdited(key, text, edits, OPTS);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** The feature with the largest activation at token `t` of hook `h` in a plain analysis. */
async function firingFeature(key: string, text: string, h: string, t: number): Promise<number> {
  const a = await plain(engine, key, text);
  const hit = a.tokens[t].features[h][0];
  if (!hit) throw new Error(`no feature fires at token ${t} of ${h}`);
  return hit.index;
}

const maxDelta = (r: EditedAnalysis, from = 0, to = r.tokens.length) =>
  Math.max(0, ...r.tokens.slice(from, to).map((t) => Math.abs((t.logprob ?? 0) - (t.logprobOriginal ?? 0))));

describe('feature edits', () => {
  it('the identity edit (scale 1) reproduces the analysis within 1e-6, labelled edited', async () => {
    const a = await plain(engine, 'id', TEXT);
    expect(engine.info.nCtx).toBeLessThan(a.tokens.length); // several windows
    for (const h of hooks) {
      const f = await firingFeature('id', TEXT, h, 5);
      const r = await edited(engine, 'id', TEXT, [{ hook: h, feature: f, op: 'scale', factor: 1 }]);
      expect(r.edited).toBe(true);
      expect(r.edits).toEqual([{ hook: h, feature: f, op: 'scale', factor: 1 }]);
      expect(r.tokens.length).toBe(a.tokens.length);
      for (let t = 1; t < a.tokens.length; t++) {
        expect(Math.abs(r.tokens[t].logprob! - a.tokens[t].logprob!)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(r.tokens[t].logprobOriginal! - a.tokens[t].logprob!)).toBeLessThanOrEqual(1e-6);
        expect(r.tokens[t].topk.map((x) => x.id)).toEqual(a.tokens[t].topk.map((x) => x.id));
      }
      expect(Math.abs(r.totalDeltaBits)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('an ablation changes nothing before the first position it touches, in every window after it', async () => {
    const a = await plain(engine, 'causal', TEXT);
    const n = a.tokens.length;
    const at = Math.floor(n * 0.6);
    for (const h of hooks) {
      const f = await firingFeature('causal', TEXT, h, at);
      const range = { start: a.tokens[at].start, end: a.tokens[n - 1].end };
      const r = await edited(engine, 'causal', TEXT, [{ hook: h, feature: f, op: 'ablate', range }]);
      expect(r.firstEditedToken).toBe(at);
      // Token `at`'s own log-prob was predicted before it; its next-token distribution is made at it.
      for (let t = 0; t <= at; t++) expect(r.tokens[t].logprob).toBe(r.tokens[t].logprobOriginal);
      for (let t = 0; t < at; t++) expect(r.tokens[t].topk).toEqual(r.tokens[t].topkOriginal);
      expect(maxDelta(r, at + 1)).toBeGreaterThan(1e-4);
      const bits = r.tokens.slice(1).reduce((s, t) => s + (t.logprob! - t.logprobOriginal!), 0) / Math.LN2;
      expect(r.totalDeltaBits).toBeCloseTo(bits, 6);
    }
  });

  it('clamps a silent feature on, splices a hook, and applies edits at several hooks in model order', async () => {
    const h = hooks[0];
    const a = await plain(engine, 'multi', TEXT);
    const silent = [...Array(engine.info.dictionaries[0].dSae).keys()].find((i) => !a.tokens.some((t) => t.features[h].some((x) => x.index === i)))!;
    const clamp = await edited(engine, 'multi', TEXT, [{ hook: h, feature: silent, op: 'clamp', value: 8 }]);
    expect(maxDelta(clamp)).toBeGreaterThan(1e-3);
    const splice = await edited(engine, 'multi', TEXT, [{ hook: h, op: 'splice' }]);
    expect(maxDelta(splice)).toBeGreaterThan(1e-4);
    // Two hooks: the result depends on both (each edit alone differs from the pair).
    const [h1, h2] = hooks;
    const f2 = await firingFeature('multi', TEXT, h2, 20);
    const e1: FeatureEdit = { hook: h1, feature: silent, op: 'clamp', value: 8 };
    const e2: FeatureEdit = { hook: h2, feature: f2, op: 'scale', factor: 3 };
    const both = await edited(engine, 'multi', TEXT, [e2, e1]);
    const only2 = await edited(engine, 'multi', TEXT, [e2]);
    const diff = Math.max(...both.tokens.slice(1).map((t, i) => Math.abs(t.logprob! - clamp.tokens[i + 1].logprob!)));
    expect(diff).toBeGreaterThan(1e-5);
    expect(Math.max(...both.tokens.slice(1).map((t, i) => Math.abs(t.logprob! - only2.tokens[i + 1].logprob!)))).toBeGreaterThan(1e-5);
  });

  it('after an edited analysis, the next plain analysis of the document still sends only the changed tokens', async () => {
    const h = hooks[0];
    const a = await plain(engine, 'typing', TEXT);
    const f = await firingFeature('typing', TEXT, h, 5);
    await edited(engine, 'typing', TEXT, [{ hook: h, feature: f, op: 'ablate' }]);
    const b = await plain(engine, 'typing', `${TEXT} x`);
    // The unchanged prefix is neither recomputed nor sent again: its token results are the ones already held.
    expect(b.timings.reusedTokens).toBeGreaterThan(a.tokens.length / 2);
    expect(b.tokens[0]).toBe(a.tokens[0]);
    expect(b.tokens[a.tokens.length - 3]).toBe(a.tokens[a.tokens.length - 3]);
  });

  it('refuses edits it cannot apply, naming what is wrong', async () => {
    const d = engine.info.dictionaries[0];
    const cases: [FeatureEdit[], RegExp][] = [
      [[{ hook: d.hookName, feature: d.dSae, op: 'ablate' }], /feature \d+ is out of range/],
      [[{ hook: 'blocks.0.hook_nothing', feature: 1, op: 'ablate' }], /has no dictionary/],
      [[{ hook: d.hookName, feature: 1, op: 'scale', factor: NaN }], /finite/],
      [[{ hook: d.hookName, feature: 1, op: 'ablate', range: { start: 5, end: 99999 } }], /past the end/],
      [[], /no edits/],
    ];
    for (const [edits, message] of cases) {
      const r = await engine.analyzeEdited('bad', TEXT, edits, OPTS);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('bad-input');
        expect(r.error.message).toMatch(message);
      }
    }
  });

  it('an edit storm (edits added and removed, superseding each other) never returns a stale or mislabelled result', async () => {
    const h = hooks[0];
    const f = await firingFeature('storm', TEXT, h, 10);
    const lists: FeatureEdit[][] = [];
    for (let i = 0; i < 12; i++) {
      const l: FeatureEdit[] = [{ hook: h, feature: f, op: 'scale', factor: 1 + (i % 4) }];
      if (i % 3 === 0) l.push({ hook: hooks[1], feature: (i * 7) % 50, op: 'clamp', value: 3 });
      lists.push(l);
    }
    const pending = lists.map((l, i) => {
      const text = i % 5 === 4 ? TEXT + ' ' : TEXT; // some also change the text
      return engine.analyzeEdited('storm', text, l, OPTS).then((r) => ({ r, l, text }));
    });
    const settled = await Promise.all(pending);
    const ok = settled.filter((s) => s.r.ok);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(settled[settled.length - 1].r.ok).toBe(true);
    for (const s of settled) if (!s.r.ok) expect(s.r.error.kind).toBe('superseded');
    // Each delivered result is exactly what its own request asks for, computed afresh.
    for (const s of ok) {
      if (!s.r.ok) continue;
      expect(s.r.value.edits).toEqual(s.l);
      expect(s.r.value.textLength).toBe(s.text.length);
      const fresh = await edited(engine, 'fresh', s.text, s.l);
      for (let t = 1; t < fresh.tokens.length; t++) expect(Math.abs(s.r.value.tokens[t].logprob! - fresh.tokens[t].logprob!)).toBeLessThanOrEqual(1e-5);
    }
  });
});

/** A greedy continuation of `tokens` tokens from the end of `prefix` against the argmax of a full (with
 *  edits: edited) analysis of the extended text, up to where that text tokenises differently from the
 *  prefix's tokens followed by the generated ones (a generated "  " re-tokenises as one token). */
async function greedyMatchesAnalysis(e: Engine, prefix: string, tokens: number, edits: FeatureEdit[]): Promise<{ start: number; matched: number }> {
  const c = await e.continue('cont', prefix, prefix.length, { tokens, edits });
  if (!c.ok) throw new Error(c.error.message);
  expect(c.value.edited).toBe(edits.length > 0);
  expect(c.value.tokens.length).toBe(tokens);
  const extended = prefix + c.value.text;
  const start = (await plain(e, 'pre', prefix)).tokens.length;
  const whole = edits.map(({ range: _, ...rest }) => rest as FeatureEdit);
  const full = edits.length ? (await edited(e, 'ext', extended, whole)).tokens : (await plain(e, 'ext', extended)).tokens;
  let matched = 0;
  while (matched < tokens && full[start + matched]?.id === c.value.tokens[matched].id) matched++;
  for (let k = 0; k < matched; k++) {
    const before = full[start + k - 1];
    expect(before.topk[0].id).toBe(c.value.tokens[k].id);
    expect(Math.abs(Math.log(before.topk[0].prob) - c.value.tokens[k].logprob)).toBeLessThanOrEqual(1e-4);
  }
  return { start, matched };
}

describe('continuations', () => {
  it('the first token is the argmax of the analysis before the offset, with and without edits, around window boundaries', async () => {
    const a = await plain(engine, 'first', TEXT);
    const C = engine.info.nCtx;
    const f = await firingFeature('first', TEXT, hooks[0], 10);
    const edit: FeatureEdit = { hook: hooks[0], feature: f, op: 'scale', factor: 4 };
    for (const n of [1, C - 1, C, C + 1, C + C / 2 - 1, C + C / 2, 2 * C + 3]) {
      const offset = a.tokens[n - 1].end;
      const prefix = TEXT.slice(0, offset);
      for (const edits of [[], [edit]]) {
        // Once from a document the engine has analysed (its cached KV), once from one it has not.
        for (const key of ['first', `fresh-${n}`]) {
          const c = await engine.continue(key, TEXT, offset, { tokens: 1, edits });
          if (!c.ok) throw new Error(c.error.message);
          const base = edits.length ? (await edited(engine, 'first-base', prefix, edits)).tokens : (await plain(engine, 'first-base', prefix)).tokens;
          const last = base[base.length - 1];
          expect(c.value.tokens[0].id).toBe(last.topk[0].id);
          expect(Math.abs(c.value.tokens[0].prob - last.topk[0].prob)).toBeLessThanOrEqual(1e-5);
        }
      }
    }
  });

  it('sampling is reproducible with a seed and does not change the document', async () => {
    const text = TEXT.slice(0, 300);
    const a = await plain(engine, 'samp', text);
    const run = (seed: number) => engine.continue('samp', text, 200, { tokens: 20, temperature: 1.2, seed });
    const [x, y, z] = [await run(1), await run(1), await run(2)];
    if (!x.ok || !y.ok || !z.ok) throw new Error('continuation failed');
    expect(x.value.tokens).toEqual(y.value.tokens);
    expect(x.value.tokens.map((t) => t.id)).not.toEqual(z.value.tokens.map((t) => t.id));
    for (const t of x.value.tokens) expect(t.prob).toBeGreaterThan(0);
    const b = await plain(engine, 'samp', text);
    expect(b.tokens.map((t) => t.logprob)).toEqual(a.tokens.map((t) => t.logprob));
  });

  it('refuses an offset with no text before it and a bad token count', async () => {
    for (const [offset, tokens] of [[0, 5], [5, 0], [99999, 5]]) {
      const r = await engine.continue('bad', TEXT, offset, { tokens });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('bad-input');
    }
  });
});

describe.skipIf(!realBundle())('the default bundle', () => {
  it('identity, ablation, and greedy continuations across window boundaries', async () => {
    const r = await Engine.open(realBundle()!, { workerPath });
    if (!r.ok) throw new Error(r.error.message);
    const e = r.value;
    try {
      const text = SAMPLE.slice(0, 3000);
      const a = await plain(e, 'd', text);
      for (const h of e.info.hooks) {
        const f = a.tokens[30].features[h][0].index;
        const id = await edited(e, 'd', text, [{ hook: h, feature: f, op: 'scale', factor: 1 }]);
        expect(maxDelta(id)).toBeLessThanOrEqual(1e-6);
        const ab = await edited(e, 'd', text, [{ hook: h, feature: f, op: 'ablate', range: { start: a.tokens[30].start, end: a.tokens[30].end } }]);
        expect(ab.firstEditedToken).toBe(30);
        expect(maxDelta(ab, 0, 31)).toBe(0);
        expect(maxDelta(ab, 31)).toBeGreaterThan(0);
      }
      // Greedy continuations that cross window boundaries (n_ctx 512: a new window's owned range starts
      // at 512 and 768), without and with an edit.
      const long = SAMPLE.slice(0, 6000);
      const tokens = (await plain(e, 'long', long)).tokens;
      const prefix = long.slice(0, tokens[Math.min(tokens.length, e.info.nCtx + e.info.nCtx / 2) - 20].end);
      const f = a.tokens[30].features[e.info.hooks[0]][0].index;
      for (const edits of [[], [{ hook: e.info.hooks[0], feature: f, op: 'scale' as const, factor: 3 }]]) {
        const { start, matched } = await greedyMatchesAnalysis(e, prefix, 40, edits);
        expect(start).toBeLessThan(e.info.nCtx + e.info.nCtx / 2);
        expect(start + matched).toBeGreaterThan(e.info.nCtx + e.info.nCtx / 2);
      }
    } finally {
      await e.dispose();
    }
  });
});
