// The engine end to end in real onnxruntime-node, in its worker thread: parity with PyTorch, windowing,
// incremental == full recompute, cancellation, supersession under an edit storm, a free event loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Engine, tokenAtOffset, type AnalysisOptions } from '../../src/engine';
import { ModelRunner } from '../../src/engine/inference/model-runner';
import { ModelHost } from '../../src/editor/model/modelHost';
import { openEngine } from '../../src/editor/model/engineAdapter';
import { buildWorker, compareTokens, crashingWorker, realBundle, SAMPLE, testBundle } from './inference-helpers';

const OPTS: AnalysisOptions = { topK: 10, featuresPerToken: 8, hooks: [] };
let workerPath = '';
let bundle = '';
let engine: Engine;

beforeAll(async () => {
  workerPath = await buildWorker();
  bundle = testBundle();
  const r = await Engine.open(bundle, { workerPath, chunkTokens: 24 });
  if (!r.ok) throw new Error(r.error.message);
  engine = r.value;
});
afterAll(async () => {
  await engine?.dispose();
  fs.rmSync(workerPath, { force: true });
});

async function analyze(e: Engine, key: string, text: string, opts = OPTS) {
  const r = await e.analyze(key, text, opts);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function parityCheck(dir: string) {
  return async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parity = JSON.parse(fs.readFileSync(path.join(dir, manifest.parity_fixture ?? 'parity.json'), 'utf8'));
    const a = manifest.architecture;
    const runner = await ModelRunner.create(path.join(dir, manifest.model.file), a.n_layers, a.n_heads, a.d_head, { threads: 2 });
    const hooks = Object.keys(parity.hooks);
    const out = await runner.run(Int32Array.from(parity.input_ids), Int32Array.from(parity.target_ids), null, hooks);
    const K = manifest.model.topk_max;
    let maxDiff = 0;
    const close = (x: number, y: number) => (maxDiff = Math.max(maxDiff, Math.abs(x - y) / Math.max(1, Math.abs(y))));
    parity.input_ids.forEach((_: number, i: number) => {
      close(out.entropy[i], parity.entropy[i]);
      close(out.targetLogprob[i], parity.target_logprob[i]);
      expect(Math.abs(Number(out.targetRank[i]) - parity.target_rank[i])).toBeLessThanOrEqual(1); // ties at 1e-6 may swap
      parity.topk_logprobs[i].forEach((lp: number, j: number) => close(out.topkLogprobs[i * K + j], lp));
      for (const h of hooks) {
        const d = out.hooks.get(h)!.length / parity.input_ids.length;
        parity.hooks[h][i].forEach((v: number, j: number) => close(out.hooks.get(h)![i * d + j], v));
      }
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    await runner.release();
  };
}

describe('model parity with PyTorch (parity.json)', () => {
  it('test bundle', async () => parityCheck(testBundle())());
  it.runIf(realBundle())('default bundle media/models/code-gpt2-2l', async () => parityCheck(realBundle()!)());
});

describe('analysis', () => {
  it('every token of a document many contexts long gets a prediction and features', async () => {
    const r = await analyze(engine, 'long', SAMPLE);
    expect(r.tokens.length).toBeGreaterThan(engine.info.nCtx * 4);
    expect(r.textSha256).toBe(createHash('sha256').update(SAMPLE).digest('hex'));
    expect(r.tokens[0].logprob).toBeNull();
    let prevEnd = 0;
    for (const [i, t] of r.tokens.entries()) {
      expect(t.start).toBe(prevEnd);
      prevEnd = t.end;
      if (i > 0) {
        expect(Number.isFinite(t.logprob)).toBe(true);
        expect(t.rank).toBeGreaterThanOrEqual(0);
        // log p and rank agree with the previous token's top-k where the token is in it.
        const prev = r.tokens[i - 1].topk;
        const at = prev.findIndex((e) => e.id === t.id);
        if (at >= 0) expect(Math.abs(Math.log(prev[at].prob) - t.logprob!)).toBeLessThan(1e-4);
        if (t.rank! < prev.length && at >= 0) expect(t.rank).toBeLessThanOrEqual(at);
      }
      expect(t.topk).toHaveLength(10);
      for (const h of engine.info.hooks) {
        expect(t.features[h].length).toBeGreaterThan(0);
        expect(Number.isFinite(t.reconstruction[h])).toBe(true);
      }
    }
    expect(prevEnd).toBe(SAMPLE.length);
  });

  it('windowed results equal a direct run of the window that owns each position', async () => {
    const text = SAMPLE.slice(0, 3000);
    const r = await analyze(engine, 'window-check', text);
    const ids = Int32Array.from(r.tokens, (t) => t.id);
    const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    const a = manifest.architecture;
    const runner = await ModelRunner.create(path.join(bundle, 'model.onnx'), a.n_layers, a.n_heads, a.d_head, {});
    const ctx = a.n_ctx;
    const S = ctx / 2;
    let maxDiff = 0;
    // The third window covers [2S, 2S + ctx) and owns [3S, 2S + ctx).
    const start = 2 * S;
    const win = ids.subarray(start, start + ctx);
    const tg = Int32Array.from(win, (_, i) => ids[start + i + 1] ?? 0);
    const out = await runner.run(win, tg, null, []);
    for (let i = 3 * S; i < start + ctx; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(out.entropy[i - start] - r.tokens[i].nextEntropy));
      maxDiff = Math.max(maxDiff, Math.abs(out.targetLogprob[i - start] - r.tokens[i + 1].logprob!));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    await runner.release();
  });

  it('incremental results equal a full recompute, for edits anywhere', async () => {
    let text = SAMPLE.slice(0, 4000);
    await analyze(engine, 'inc', text);
    const edits: ((s: string) => string)[] = [
      (s) => s.slice(0, s.length - 20) + 'x' + s.slice(s.length - 20), // one char near the end
      (s) => s.slice(0, 1500) + 'let y = 2;\n' + s.slice(1500), // insertion in the middle
      (s) => s.slice(0, 30) + s.slice(60), // deletion near the start
      (s) => s + '\n// appended line\n', // append
      (s) => s.slice(0, s.length - 200), // truncate
    ];
    for (const edit of edits) {
      text = edit(text);
      const inc = await analyze(engine, 'inc', text);
      const full = await analyze(engine, `full-${Math.random()}`, text);
      expect(compareTokens(inc.tokens, full.tokens)).toBeLessThan(1e-4);
      engine.forget('full');
    }
  });

  it('without cached KV (a 1-byte cache budget) an edit inside a window still equals a full recompute', async () => {
    const r = await Engine.open(bundle, { workerPath, chunkTokens: 24, cacheBytes: 1 });
    if (!r.ok) throw new Error(r.error.message);
    const e = r.value;
    try {
      let text = SAMPLE.slice(0, 2500);
      await analyze(e, 'nokv', text);
      for (const at of [2400, 1200, 700]) {
        text = text.slice(0, at) + '#' + text.slice(at);
        const inc = await analyze(e, 'nokv', text);
        expect(inc.timings.reusedTokens).toBeGreaterThan(0);
        const full = await analyze(engine, `nokv-full-${at}`, text);
        expect(compareTokens(inc.tokens, full.tokens)).toBeLessThan(1e-4);
      }
    } finally {
      await e.dispose();
    }
  });

  it('a one-character edit near the end reuses the prefix and its TokenResult objects', async () => {
    const text = SAMPLE.slice(0, 6000);
    const a = await analyze(engine, 'reuse', text);
    const edited = text.slice(0, 5990) + 'Q' + text.slice(5990);
    const b = await analyze(engine, 'reuse', edited);
    expect(b.timings.reusedTokens).toBeGreaterThan(a.tokens.length * 0.9);
    expect(b.timings.computedTokens).toBeLessThan(20);
    expect(b.tokens[10]).toBe(a.tokens[10]);
    const hit = tokenAtOffset(b, 5990);
    expect(hit && hit.start <= 5990 && 5990 < hit.end).toBe(true);
  });

  it('cancelling stops the run; the next analysis is still right', async () => {
    const ac = new AbortController();
    const p = engine.analyze('cancel', SAMPLE, OPTS, ac.signal);
    setTimeout(() => ac.abort(), 5);
    const r = await p;
    expect(r.ok ? 'ok' : r.error.kind).toBe('cancelled');
    const again = await analyze(engine, 'cancel', SAMPLE);
    const fresh = await analyze(engine, 'cancel-fresh', SAMPLE);
    expect(compareTokens(again.tokens, fresh.tokens)).toBeLessThan(1e-4);
  });

  it('an edit storm (1,000 edits in ~10 s): no stale result, at most one queued, flat memory', async () => {
    let text = SAMPLE.slice(0, 3000);
    const promises: Promise<void>[] = [];
    let maxQueued = 0;
    let oks = 0;
    let superseded = 0;
    const rss: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const pos = 1000 + ((i * 37) % 1900);
      text = text.slice(0, pos) + String.fromCharCode(97 + (i % 26)) + text.slice(pos + 1);
      const sent = text;
      promises.push(
        engine.analyze('storm', sent, OPTS).then((r) => {
          if (r.ok) {
            oks++;
            // A result is only ever for the text it was asked for.
            expect(r.value.textSha256).toBe(createHash('sha256').update(sent).digest('hex'));
            expect(r.value.textLength).toBe(sent.length);
          } else {
            expect(r.error.kind).toBe('superseded');
            superseded++;
          }
        }),
      );
      maxQueued = Math.max(maxQueued, engine.queued);
      if (i % 100 === 99) rss.push(process.memoryUsage().rss);
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(promises);
    expect(maxQueued).toBeLessThanOrEqual(1);
    expect(oks + superseded).toBe(1000);
    expect(oks).toBeGreaterThan(0);
    // The last request always completes, with the final text.
    const last = await analyze(engine, 'storm', text);
    const fresh = await analyze(engine, 'storm-fresh', text);
    expect(compareTokens(last.tokens, fresh.tokens)).toBeLessThan(1e-4);
    // Memory: the second half of the storm grows by less than 64 MiB over the first half.
    expect(rss[9] - rss[4]).toBeLessThan(64 * 2 ** 20);
  }, 60_000);

  it('the event loop keeps ticking while the model runs', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    await analyze(engine, `loop-${Math.random()}`, SAMPLE);
    const total = performance.now() - t0;
    clearInterval(timer);
    // The run is many times longer than a tick, and no tick waited more than a quarter of it.
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(total / 4);
  });

  it('a newer request for the same document supersedes the running one', async () => {
    const a = engine.analyze('sup', SAMPLE, OPTS);
    const b = engine.analyze('sup', SAMPLE + ' ', OPTS);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.ok ? 'ok' : ra.error.kind).toBe('superseded');
    expect(rb.ok).toBe(true);
  });

  it('bad input is an error value, not a throw', async () => {
    const r = await engine.analyze('bad', 'x', { ...OPTS, topK: 999 });
    expect(r.ok ? 'ok' : r.error.kind).toBe('bad-input');
    const h = await engine.analyze('bad', 'x', { ...OPTS, hooks: ['blocks.9.nothing'] });
    expect(h.ok ? 'ok' : h.error.kind).toBe('bad-input');
    const empty = await analyze(engine, 'empty', '');
    expect(empty.tokens).toHaveLength(0);
  });

  it('features without cards get computed promoted/suppressed tokens', async () => {
    const hook = engine.info.hooks[0];
    const c = await engine.getCard(hook, 5);
    expect(c.ok).toBe(true);
    if (c.ok) {
      expect(c.value.promoted).toHaveLength(10);
      expect(c.value.promoted[0].logit).toBeGreaterThanOrEqual(c.value.promoted[9].logit);
      expect(c.value.suppressed[0].logit).toBeLessThanOrEqual(c.value.promoted[9].logit);
    }
  });
});

describe('a crashed worker', () => {
  it.each([
    ['throws', 'throw', /the inference worker failed: simulated worker crash/],
    ['exits', 'exit', /the inference worker stopped unexpectedly \(exit code 3\)/],
  ] as const)('it %s: the waiting callers fail once, the stop is reported, and the model host loads a fresh engine', async (_, how, message) => {
    // The first engine's worker dies on a request for 'crash-me'; the host's later engines get the plain worker.
    const workers = [crashingWorker(workerPath, 'crash-me', how), workerPath];
    const opener: typeof openEngine = (bundleDir) => {
      process.env.ACTIVATION_INSPECTOR_WORKER = workers.shift() ?? workerPath;
      return openEngine(bundleDir);
    };
    try {
      const restarts: number[] = [];
      const host = new ModelHost(bundle, { loadOpener: async () => opener, onEngineRestart: () => restarts.push(1) });
      const first = await host.get();
      if (!first.ok) throw new Error(first.error.message);
      const fine = await first.value.analyze('crash', SAMPLE.slice(0, 200), OPTS);
      expect(fine.ok).toBe(true);
      const stops: string[] = [];
      first.value.onDidStop((e) => stops.push(e.message));
      const waiting = [first.value.analyze('crash-me', SAMPLE, OPTS), first.value.analyze('crash', SAMPLE, OPTS)];
      for (const r of await Promise.all(waiting)) {
        expect(r.ok ? 'ok' : r.error.message).toMatch(message);
      }
      expect(stops).toHaveLength(1);
      expect(restarts).toHaveLength(1);
      const later = await first.value.analyze('crash', 'x = 1\n', OPTS);
      expect(later.ok ? 'ok' : later.error.kind).toBe('internal');
      // The host dropped the dead engine; the next use loads a new one that works.
      expect(host.loaded).toBeUndefined();
      const second = await host.get();
      if (!second.ok) throw new Error(second.error.message);
      expect(second.value).not.toBe(first.value);
      const again = await second.value.analyze('crash', SAMPLE.slice(0, 400), OPTS);
      expect(again.ok).toBe(true);
      await host.dispose();
    } finally {
      delete process.env.ACTIVATION_INSPECTOR_WORKER;
    }
  }, 120_000);
});

describe('bundle and --sae errors', () => {
  it('a missing folder or manifest is a value naming the file', async () => {
    const r = await Engine.open('/nonexistent/bundle', { workerPath });
    expect(r.ok).toBe(false);
    const m = await Engine.open(path.dirname(bundle), { workerPath });
    expect(m.ok ? 'ok' : m.error.kind).toBe('missing-file');
  });

  it('--sae replaces the dictionary at its hook (pre-v6 config, expected_average_only_in without a stored factor)', async () => {
    const hook = 'blocks.1.hook_resid_pre';
    const r = await Engine.open(bundle, { workerPath, extraDictionaries: [`${bundle}-extra-sae`] });
    if (!r.ok) throw new Error(r.error.message);
    const d = r.value.info.dictionaries.find((x) => x.hookName === hook);
    expect(d?.architecture).toBe('standard');
    expect(r.value.info.dictionaries).toHaveLength(3);
    const a = await r.value.analyze('x', SAMPLE.slice(0, 500), { ...OPTS, hooks: [hook] });
    expect(a.ok && a.value.tokens[5].features[hook].length).toBeGreaterThan(0);
    await r.value.dispose();
    const bad = await Engine.open(bundle, { workerPath, extraDictionaries: ['/nonexistent/sae'] });
    expect(bad.ok ? 'ok' : bad.error.kind).toBe('missing-file');
  });
});

describe.runIf(realBundle())('default bundle', () => {
  it('analyses with labels and reads the bundle\'s cards', async () => {
    const r = await Engine.open(realBundle()!, { workerPath });
    if (!r.ok) throw new Error(r.error.message);
    const e = r.value;
    try {
      const a = await analyze(e, 'real', SAMPLE.slice(0, 3000));
      const hook = e.info.hooks[0];
      const hit = a.tokens[5].features[hook][0];
      expect(hit.activation).toBeGreaterThan(0);
      const card = await e.getCard(hook, hit.index);
      if (!card.ok) throw new Error(card.error.message);
      expect(card.value.index).toBe(hit.index);
      expect(card.value.label).toBe(e.featureLabel(hook, hit.index));
      expect(e.info.dictionaries.every((d) => d.hasCards)).toBe(true);
      // Densities come from each hook's labels.json, feature by feature, and agree with the card's.
      expect(card.value.density).toBeCloseTo(e.featureDensity(hook, hit.index)!, 5);
      for (const h of e.info.hooks) {
        const labelsJson = JSON.parse(fs.readFileSync(path.join(realBundle()!, 'cards', h, 'labels.json'), 'utf8')) as { density: number[] };
        for (const i of [0, hit.index, labelsJson.density.length - 1]) expect(e.featureDensity(h, i)).toBe(labelsJson.density[i]);
      }
      expect(e.featureDensity(hook, 1e9)).toBeUndefined();
      expect(e.featureDensity('blocks.9.nope', 0)).toBeUndefined();
    } finally {
      await e.dispose();
    }
  });

  it("a dictionary attached with --sae gets computed tokens through the model's fp16 embedding, as its stored card has them", async () => {
    const hook = 'blocks.1.hook_resid_post';
    const r = await Engine.open(realBundle()!, { workerPath, extraDictionaries: [path.join(realBundle()!, 'saes', hook)] });
    if (!r.ok) throw new Error(r.error.message);
    try {
      expect(r.value.info.dictionaries.find((d) => d.hookName === hook)?.hasCards).toBe(false);
      const computed = await r.value.getCard(hook, 3);
      const stored = await r.value.bundle.cards.getCard(hook, 3);
      if (!computed.ok || !stored.ok) throw new Error('no card');
      expect(computed.value.computed).toBe(true);
      expect(computed.value.promoted).toHaveLength(10);
      expect(computed.value.promoted[0].text).toBe(stored.value.promoted?.[0].text);
      expect(computed.value.suppressed[0].text).toBe(stored.value.suppressed?.[0].text);
    } finally {
      await r.value.dispose();
    }
  });
});
