import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { resolveBundleDir } from '../../src/editor/model/bundlePaths';
import { HeatmapDecorations } from '../../src/editor/decorations/heatmapDecorations';
import { sha256Hex } from '../../src/editor/document/documentKey';
import { DocumentTracker } from '../../src/editor/document/documentTracker';
import { checkEligibility, looksBinary } from '../../src/editor/document/eligibility';
import { featureBucket, heatmapRanges, rankBucket, surprisalBucket } from '../../src/editor/decorations/heatmapRanges';
import { CRASH_WINDOW_MS, MAX_CRASHES, ModelHost } from '../../src/editor/model/modelHost';
import { type BundleValidator, modelPickItems, selectModel } from '../../src/editor/model/modelSelection';
import { defaultSnapshotName } from '../../src/editor/snapshots/snapshotCommands';
import { statusTooltip, statusView } from '../../src/editor/statusBar';
import { tokenIndexAtOffset } from '../../src/editor/document/tokenLookup';
import { DEFAULT_SETTINGS, type Settings } from '../../src/settings';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';
import { fake, Uri } from './editorFakeVscode';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const facts = (over: Partial<Parameters<typeof checkEligibility>[0]> = {}) => ({ languageId: 'python', scheme: 'file', bytes: 10, head: 'print(1)', ...over });

describe('eligibility', () => {
  it('accepts ordinary text and says why it refuses the rest', () => {
    expect(checkEligibility(facts(), DEFAULT_SETTINGS)).toEqual({ ok: true });
    const refuse = (f: ReturnType<typeof facts>, s: Settings = DEFAULT_SETTINGS) => {
      const r = checkEligibility(f, s);
      return r.ok ? 'ok' : r.reason;
    };
    expect(refuse(facts({ scheme: 'output' }))).toBe('it is not a text file');
    expect(refuse(facts({ bytes: 300_000 }))).toBe('it is too large');
    expect(refuse(facts({ head: 'PK\u0003\u0004\u0000\u0000' }))).toBe('it looks binary');
    expect(refuse(facts({ bytes: 0, head: '' }))).toBe('it is empty');
    expect(refuse(facts(), { ...DEFAULT_SETTINGS, enabledLanguages: ['rust'] })).toBe('python is not enabled');
    expect(refuse(facts(), { ...DEFAULT_SETTINGS, enabledLanguages: ['python'] })).toBe('ok');
  });

  it('treats mostly-undecodable text as binary but not a few replacement characters', () => {
    expect(looksBinary('\ufffd'.repeat(20) + 'abc')).toBe(true);
    expect(looksBinary('naïve text with one \ufffd in a long line of ordinary words')).toBe(false);
  });
});

describe('token lookup and heat map', () => {
  const result = fakeAnalysis('def f(x):\n    return x');

  it('maps every offset to the token covering it', () => {
    for (let i = 0; i < result.tokens.length; i++) {
      const t = result.tokens[i]!;
      for (let o = t.start; o < t.end; o++) expect(tokenIndexAtOffset(result.tokens, o)).toBe(i);
    }
    expect(tokenIndexAtOffset(result.tokens, result.textLength)).toBe(-1);
    expect(tokenIndexAtOffset([], 0)).toBe(-1);
  });

  it('buckets like GLTR (0-based rank <10, <100, <1000, beyond) and by surprisal / activation', () => {
    expect([0, 9, 10, 99, 100, 999, 1000].map(rankBucket)).toEqual(['rank10', 'rank10', 'rank100', 'rank100', 'rank1000', 'rank1000', 'rankBeyond']);
    expect([0, 1.99, 2, 7.9, 8, 12, 40].map(surprisalBucket)).toEqual(['surprisal1', 'surprisal1', 'surprisal2', 'surprisal3', 'surprisal4', 'surprisal5', 'surprisal5']);
    expect([0.01, 0.25, 0.26, 0.75, 1].map(featureBucket)).toEqual(['feature1', 'feature1', 'feature2', 'feature3', 'feature4']);
  });

  it('covers every token except the first exactly once in rank mode', () => {
    const ranges = heatmapRanges(result, { kind: 'rank' });
    const covered = [...ranges.values()].flat().reduce((n, [s, e]) => n + (e - s), 0);
    expect(covered).toBe(result.textLength - result.tokens[0]!.end);
  });

  it('feature mode colours only tokens where the feature fires', () => {
    const t = result.tokens[3]!;
    const hit = t.features['blocks.0.hook_resid_post']![0]!;
    const ranges = heatmapRanges(result, { kind: 'feature', hook: 'blocks.0.hook_resid_post', index: hit.index });
    const all = [...ranges.values()].flat();
    expect(all.some(([s, e]) => s <= t.start && e >= t.end)).toBe(true);
    expect(heatmapRanges(result, { kind: 'feature', hook: 'blocks.0.hook_resid_post', index: 12345 }).size).toBe(0);
  });
});

describe('analysis store', () => {
  const text = 'alpha beta gamma delta epsilon zeta eta theta';
  const result = fakeAnalysis(text);

  it('answers in full only for the analysed version; after edits, only the prefix before them', () => {
    const store = new AnalysisStore();
    store.set('d', 3, result);
    expect(store.get('d', 3)).toBeDefined();
    expect(store.prefix('d', 3)!.validTokens).toBe(result.tokens.length);
    expect(store.get('d', 4)).toBeUndefined();
    expect(store.prefix('d', 4)).toBeUndefined(); // an edit nobody reported
    const at = text.indexOf('epsilon');
    store.noteEdit('d', 4, at);
    store.noteEdit('d', 5, at + 3);
    const p = store.prefix('d', 5)!;
    expect(p.validTokens).toBeGreaterThan(0);
    expect(p.result.tokens[p.validTokens - 1]!.end).toBeLessThan(at);
    expect(p.result.tokens[p.validTokens + 1]!.end).toBeLessThanOrEqual(at);
    expect(store.prefix('d', 4)).toBeUndefined(); // only the newest reported version
    const before = store.prefix('d', 5)!.validTokens;
    store.noteEdit('d', 5, at + 3); // the same change reported twice
    expect(store.prefix('d', 5)!.validTokens).toBe(before);
    store.noteEdit('d', 4, 2);
    expect(store.prefix('d', 4)!.validTokens).toBe(0); // versions went backwards: nothing holds
    expect(store.prefix('d', 5)).toBeUndefined();
    store.noteEdit('d', 9, 40); // a gap in versions: nothing can be vouched for
    expect(store.prefix('d', 9)!.validTokens).toBe(0);
  });

  it('keeps a newer result over an older one arriving late', () => {
    const store = new AnalysisStore();
    store.set('d', 5, result);
    store.set('d', 4, fakeAnalysis('old'));
    expect(store.latest('d')!.version).toBe(5);
  });
});

describe('status bar text', () => {
  const ready = { kind: 'ready' as const, bundleDir: '/b/m', modelId: 'code-gpt2-2l', loadMs: 1 };
  it('shows model and state', () => {
    expect(statusView({ kind: 'loading', bundleDir: '/x/code-gpt2-2l' }, undefined).text).toContain('code-gpt2-2l: loading');
    expect(statusView(ready, { kind: 'analysing', fraction: 0.5 }).text).toContain('analysing 50%');
    expect(statusView(ready, { kind: 'ready', ms: 85, tokens: 2000, reused: 1900 }).text).toContain('2,000 tokens · 85 ms');
    expect(statusView(ready, { kind: 'skipped', reason: 'it looks binary', detail: '' }).text).toContain('not analysed because it looks binary');
    const err = statusView({ kind: 'error', bundleDir: '/b', error: { kind: 'missing-file', file: 'model.onnx', message: 'model.onnx is missing' } }, undefined);
    expect(err.error).toBe(true);
    expect(err.message).toContain('model.onnx');
    expect(statusTooltip(err)).toMatch(/^Activation Inspector: /);
  });
});

describe('small pure helpers', () => {
  it('names snapshots after the file', () => {
    expect(defaultSnapshotName('/w/src/app.py')).toBe('app.activations.json');
    expect(defaultSnapshotName('Untitled-1')).toBe('Untitled-1.activations.json');
  });
  it('resolves bundle folders', () => {
    expect(resolveBundleDir('', '/ext', '/w')).toBe('/ext/media/models/code-gpt2-2l');
    expect(resolveBundleDir('models/x', '/ext', '/w')).toBe('/w/models/x');
    expect(resolveBundleDir('/abs/x/', '/ext', '/w')).toBe('/abs/x/');
  });
  it('lists the default, configured bundles and Browse, marking the current one', () => {
    const items = modelPickItems({ ...DEFAULT_SETTINGS, modelPath: '/m/gpt2', knownModels: ['/m/gpt2', '/m/other'] }, (p) => p || '/ext/default');
    expect(items.map((i) => i.label)).toEqual(['code-gpt2-2l', '$(check) gpt2', 'other', '$(folder-opened) Browse…']);
    expect(items[3]!.value).toBeUndefined();
  });
});

describe('document tracker', () => {
  let engine: FakeEngine;
  let store: AnalysisStore;
  let model: ModelHost;
  let tracker: DocumentTracker;
  let opens: number;
  let settings: Settings;

  beforeEach(() => {
    fake.reset();
    engine = new FakeEngine();
    store = new AnalysisStore();
    opens = 0;
    settings = { ...DEFAULT_SETTINGS, debounceMs: 20 };
    model = new ModelHost('/fake/bundle', {
      loadOpener: async () => async () => {
        opens++;
        return { ok: true, value: engine };
      },
    });
    tracker = new DocumentTracker(store, model, () => settings, silent);
  });
  afterEach(() => tracker.dispose());

  const settle = (ms = 120) => new Promise((r) => setTimeout(r, ms));

  it('does not load the model until a document is shown, then analyses it once', async () => {
    expect(opens).toBe(0);
    const { doc } = fake.open('/w/a.py', 'import os\nprint(os.name)\n');
    tracker.refreshVisible();
    await settle();
    expect(opens).toBe(1);
    expect(store.get(doc.uri.toString(), doc.version)?.result.textSha256).toBe(sha256Hex(doc.getText()));
    expect(tracker.status(doc.uri.toString())?.kind).toBe('ready');
  });

  it('debounces a burst of edits into one run of the newest text', async () => {
    const { doc } = fake.open('/w/a.py', 'x = 1\n');
    tracker.refreshVisible();
    await settle();
    engine.calls = [];
    const statuses: string[] = [];
    const sub = tracker.onDidChangeStatus((k) => statuses.push(tracker.status(k)!.kind));
    for (const ch of 'abcdef') doc.edit(doc.getText().length, 0, ch);
    await settle();
    sub.dispose();
    expect(engine.calls.map((c) => c.text)).toEqual(['x = 1\nabcdef']);
    // The status bar and the panel hear of the burst once, not once per keystroke.
    expect(statuses.filter((s) => s === 'pending')).toEqual(['pending']);
    expect(statuses.at(-1)).toBe('ready');
    expect(store.get(doc.uri.toString(), doc.version)).toBeDefined();
  });

  it('never stores a result for a superseded version, even when the engine is slow', async () => {
    engine.delayMs = 50;
    settings = { ...settings, debounceMs: 0 };
    const { doc } = fake.open('/w/a.py', 'a');
    tracker.refreshVisible();
    const seen: number[] = [];
    store.onDidChange(() => seen.push(store.latest(doc.uri.toString())!.version));
    for (let i = 0; i < 10; i++) {
      doc.edit(doc.getText().length, 0, ' b');
      await settle(15);
    }
    await settle(200);
    const final = store.get(doc.uri.toString(), doc.version);
    expect(final?.result.textLength).toBe(doc.getText().length);
    // every stored result was for the version current when it arrived: versions only go up
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(tracker.stats.current).toBeGreaterThanOrEqual(1);
  });

  it('asks the engine for no more top-k than the bundle has, and only hooks it has', async () => {
    settings = { ...settings, topK: 50, hooks: ['blocks.0.hook_resid_post', 'not.a.hook'] };
    (engine as { topkMax: number }).topkMax = 20;
    const { doc } = fake.open('/w/a.py', 'abc');
    await tracker.analyseNow(doc as never);
    expect(engine.calls.at(-1)!.options).toMatchObject({ topK: 20, hooks: ['blocks.0.hook_resid_post'] });
  });

  it('asks the engine for the feature order the settings name', async () => {
    const { doc } = fake.open('/w/order.py', 'abc');
    await tracker.analyseNow(doc as never);
    expect(engine.calls.at(-1)!.options.featureOrder).toBe('unusual');
    settings = { ...settings, featureOrder: 'activation' };
    doc.edit(3, 0, 'd');
    await tracker.analyseNow(doc as never);
    expect(engine.calls.at(-1)!.options.featureOrder).toBe('activation');
  });

  it('drops a result whose text sha256 does not match what was sent', async () => {
    engine.lieAboutText = true;
    const { doc } = fake.open('/w/a.py', 'abc');
    await tracker.analyseNow(doc as never);
    expect(store.get(doc.uri.toString(), doc.version)).toBeUndefined();
    expect(tracker.stats.stale).toBe(1);
  });

  it('says why a document is not analysed, without calling the engine', async () => {
    const { doc } = fake.open('/w/blob.bin', 'ELF\u0000\u0001\u0002', 'plaintext');
    await tracker.analyseNow(doc as never);
    expect(tracker.status(doc.uri.toString())).toMatchObject({ kind: 'skipped', reason: 'it looks binary' });
    expect(engine.calls).toHaveLength(0);
  });

  it('a failing model load is tried once, not once per edit', async () => {
    let attempts = 0;
    model = new ModelHost('/bad', {
      loadOpener: async () => async () => {
        attempts++;
        return { ok: false, error: { kind: 'missing-file', file: 'manifest.json', message: 'manifest.json is missing' } };
      },
    });
    tracker.dispose();
    tracker = new DocumentTracker(store, model, () => ({ ...settings, debounceMs: 0 }), silent);
    const { doc } = fake.open('/w/a.py', 'a');
    for (let i = 0; i < 20; i++) {
      doc.edit(0, 0, 'x');
      await settle(5);
    }
    await settle(50);
    expect(attempts).toBe(1);
    expect(tracker.status(doc.uri.toString())).toMatchObject({ kind: 'error' });
    expect(model.state.kind).toBe('error');
  });

  it('shows progress for slow runs; Cancel stops the run and the status says so', async () => {
    engine.delayMs = 1700;
    fake.pressCancel = true;
    const { doc } = fake.open('/w/a.py', 'abc def');
    const result = await tracker.analyseNow(doc as never);
    expect(result).toBeUndefined();
    expect(fake.progress.map((p) => p.location)).toEqual([10, 15]); // window area, then the notification
    expect(tracker.status(doc.uri.toString())).toMatchObject({ kind: 'skipped', reason: 'the analysis was cancelled' });
    expect(store.latest(doc.uri.toString())).toBeUndefined();
  });

  it('an analysis that keeps failing is logged once and shown in the status, never as a notification storm', async () => {
    const errors: string[] = [];
    tracker.dispose();
    tracker = new DocumentTracker(store, model, () => ({ ...settings, debounceMs: 0 }), { ...silent, error: (l) => errors.push(l) });
    engine.failWith = { kind: 'bad-input', message: 'the text could not be tokenised' };
    const { doc } = fake.open('/w/a.py', 'abc');
    for (let i = 0; i < 20; i++) {
      doc.edit(0, 0, 'x');
      await settle(5);
    }
    await settle(50);
    expect(engine.calls.length).toBeGreaterThan(1);
    expect(errors).toHaveLength(1);
    expect(fake.messages).toEqual([]);
    expect(tracker.status(doc.uri.toString())).toMatchObject({ kind: 'error', message: 'the text could not be tokenised' });
  });

  it('forgets a closed document everywhere', async () => {
    const { doc } = fake.open('/w/a.py', 'abc def');
    await tracker.analyseNow(doc as never);
    fake.close(doc);
    expect(store.latest(doc.uri.toString())).toBeUndefined();
    expect(engine.forgotten).toEqual([doc.uri.toString()]);
  });
});

describe('heat-map decorations', () => {
  it('colours the current analysis, keeps only the unchanged prefix while an edit is re-analysed, and clears when off', () => {
    fake.reset();
    const store = new AnalysisStore();
    const deco = new HeatmapDecorations(store);
    const { doc, editor } = fake.open('/w/a.py', 'alpha beta gamma delta epsilon zeta');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    deco.setView({ kind: 'rank' });
    const total = () => [...editor.decorations.values()].reduce((n, r) => n + r.length, 0);
    const full = total();
    expect(full).toBeGreaterThan(0);
    const at = doc.getText().indexOf('delta');
    doc.edit(at, 0, 'X');
    store.noteEdit(doc.uri.toString(), doc.version, at); // what the tracker does on every change
    const prefixOnly = total();
    expect(prefixOnly).toBeGreaterThan(0);
    expect(prefixOnly).toBeLessThan(full);
    const cut = doc.getText().indexOf('X');
    for (const ranges of editor.decorations.values()) for (const r of ranges) expect(doc.offsetAt(r.end as never)).toBeLessThan(cut);
    // Another view of the same stored result is bucketed anew, not taken from the rank view's ranges.
    const drawnTypes = () => [...editor.decorations].filter(([, r]) => r.length > 0).map(([t]) => t);
    const rankTypes = drawnTypes();
    deco.setView({ kind: 'surprisal' });
    expect(drawnTypes().length).toBeGreaterThan(0);
    expect(drawnTypes()).not.toEqual(rankTypes);
    deco.setView(undefined);
    expect(total()).toBe(0);
    deco.dispose();
  });
});

describe('select model', () => {
  const deps = (validate: BundleValidator) => ({
    settings: () => ({ ...DEFAULT_SETTINGS, modelPath: fake.config.get('activationInspector.modelPath') as string ?? '', knownModels: (fake.config.get('activationInspector.knownModels') as string[]) ?? [] }),
    extensionPath: '/ext',
    validate,
    log: silent,
  });

  it('switches only to a folder the engine validates, remembering browsed ones', async () => {
    fake.reset();
    const checked: string[] = [];
    const validate: BundleValidator = async (dir) => {
      checked.push(dir);
      return dir.includes('bad') ? { ok: false, error: { kind: 'missing-file', file: 'manifest.json', message: 'manifest.json is missing' } } : { ok: true, value: { id: 'gpt2', name: 'GPT-2' } };
    };
    fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file('/models/bad')]);
    await selectModel(deps(validate));
    expect(fake.config.get('activationInspector.modelPath')).toBeUndefined();
    expect(fake.messages.at(-1)).toMatchObject({ level: 'error' });
    expect(fake.messages.at(-1)!.text).toContain('manifest.json');

    fake.answers.push((items: { label: string }[]) => items.at(-1), [Uri.file('/models/gpt2')]);
    await selectModel(deps(validate));
    expect(fake.config.get('activationInspector.modelPath')).toBe('/models/gpt2');
    expect(fake.config.get('activationInspector.knownModels')).toEqual(['/models/gpt2']);
    expect(checked).toEqual(['/models/bad', '/models/gpt2']);

    fake.answers.push((items: { label: string; value?: string }[]) => items.find((i) => i.value === ''));
    await selectModel(deps(validate));
    expect(fake.config.get('activationInspector.modelPath')).toBe('');
    expect(checked.at(-1)).toBe('/ext/media/models/code-gpt2-2l');
  });

  it('the model host swaps engines when the folder changes, without reloading for the same folder', async () => {
    const engines: FakeEngine[] = [];
    const host = new ModelHost('/a', { loadOpener: async () => async () => { const e = new FakeEngine(); engines.push(e); return { ok: true, value: e }; } });
    await host.get();
    expect(host.setBundleDir('/a')).toBe(false);
    expect(host.setBundleDir('/b')).toBe(true);
    expect(engines[0]!.disposed).toBe(true);
    await host.get();
    expect(engines).toHaveLength(2);
    expect(host.state).toMatchObject({ kind: 'ready', bundleDir: '/b' });
  });

  it('the model host drops a crashed engine, reloads on next use and asks for re-analysis', async () => {
    const engines: FakeEngine[] = [];
    let restarts = 0;
    let clock = 0;
    const host = new ModelHost('/a', {
      loadOpener: async () => async () => { const e = new FakeEngine(); engines.push(e); return { ok: true, value: e }; },
      onEngineRestart: () => restarts++,
      now: () => clock,
    });
    const first = await host.get();
    expect(first.ok && first.value).toBe(engines[0]);
    engines[0]!.crash();
    expect(engines[0]!.disposed).toBe(true);
    expect(restarts).toBe(1);
    expect(host.state).toMatchObject({ kind: 'idle', bundleDir: '/a' });
    expect(host.loaded).toBeUndefined();
    const second = await host.get();
    expect(second.ok && second.value).toBe(engines[1]);
    expect(host.state.kind).toBe('ready');
    // A stop reported by an engine the host no longer holds changes nothing.
    engines[0]!.crash();
    expect(restarts).toBe(1);
    expect(host.loaded).toBe(engines[1]);
  });

  it('the model host gives up after MAX_CRASHES crashes in the window, until reset()', async () => {
    const engines: FakeEngine[] = [];
    let clock = 0;
    const host = new ModelHost('/a', {
      loadOpener: async () => async () => { const e = new FakeEngine(); engines.push(e); return { ok: true, value: e }; },
      now: () => clock,
    });
    // Crashes spread wider than the window never add up.
    for (let i = 0; i < MAX_CRASHES + 1; i++) {
      await host.get();
      engines.at(-1)!.crash();
      clock += CRASH_WINDOW_MS;
    }
    expect(host.state.kind).toBe('idle');
    for (let i = 0; i < MAX_CRASHES; i++) {
      await host.get();
      engines.at(-1)!.crash();
      clock += 1000;
    }
    expect(host.state).toMatchObject({ kind: 'error', bundleDir: '/a' });
    const loads = engines.length;
    const refused = await host.get();
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/stopped 3 times in 10 minutes .*exit code 1/);
    expect(engines).toHaveLength(loads);
    host.reset();
    expect((await host.get()).ok).toBe(true);
    expect(engines).toHaveLength(loads + 1);
  });
});
