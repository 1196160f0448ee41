// The inspector host's rules, each without VS Code: what the panel shows, its status line, the bounded
// log of malformed messages, message routing, and card answers with their timeout.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import type { DocStatus } from '../../src/editor/document/documentTracker';
import type { ModelState } from '../../src/editor/model/modelHost';
import { CardAnswers } from '../../src/inspector/cardAnswers';
import { panelMessageRouter, type PanelMessageHandlers } from '../../src/inspector/messageRouter';
import {
  buildInitMessage,
  clearReason,
  cursorTokenIndex,
  documentSource,
  needsNewWindow,
  type SnapshotView,
  snapshotSource,
} from '../../src/inspector/panelContent';
import { buildAnalysisMessage } from '../../src/inspector/panelMessages';
import { panelStatusMessages } from '../../src/inspector/panelStatus';
import { RateLimitedLog } from '../../src/inspector/rateLimitedLog';
import { type FromWebviewMessage, parseToWebview, PROTOCOL_VERSION } from '../../src/protocol';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';

const text = 'alpha beta gamma delta epsilon';
const result = fakeAnalysis(text);
const doc = { key: 'file:///w/a.py', version: 7, path: '/w/a.py', getText: () => text };
const snapshot: SnapshotView = {
  loaded: { raw: {}, modelId: 'snap-model', createdAt: '2026-11-28T00:00:00Z', document: { path: '/w/a.py', languageId: 'python', textSha256: result.textSha256, length: result.textLength }, result },
  fileUri: { path: '/w/a.activations.json', toString: () => 'file:///w/a.activations.json' },
  textMatches: false,
};

describe('what the panel shows', () => {
  it('a complete analysis is shown as stored, under the document version', () => {
    const found = documentSource(doc, { docKey: doc.key, version: 7, result, validTokens: result.tokens.length })!;
    expect(found.prefixOnly).toBe(false);
    expect(found.source).toEqual({ docUri: doc.key, fileName: 'a.py', version: 7, result });
  });

  it('while an edit is analysed: only the valid prefix, with the current text hash and no activations', () => {
    const edited = 'alpha beta gamma XX delta epsilon';
    const stale = { ...result, activations: { hooks: {} } as never };
    const found = documentSource({ ...doc, version: 8, getText: () => edited }, { docKey: doc.key, version: 7, result: stale, validTokens: 2 })!;
    expect(found.prefixOnly).toBe(true);
    expect(found.source.version).toBe(8);
    expect(found.source.result.tokens).toEqual(result.tokens.slice(0, 2));
    expect(found.source.result.textSha256).toBe(createHash('sha256').update(edited).digest('hex'));
    expect(found.source.result.textLength).toBe(edited.length);
    expect('activations' in found.source.result).toBe(false);
    expect(stale.activations).toBeDefined(); // the stored result is not changed
    expect(parseToWebview(buildAnalysisMessage(found.source, 1)).ok).toBe(true);
  });

  it('nothing to show without an analysis or with no valid token left', () => {
    expect(documentSource(doc, undefined)).toBeUndefined();
    expect(documentSource(doc, { docKey: doc.key, version: 6, result, validTokens: 0 })).toBeUndefined();
  });

  it('a snapshot is shown under its file name, version 0', () => {
    expect(snapshotSource(snapshot)).toEqual({ docUri: 'file:///w/a.activations.json', fileName: 'a.activations.json', version: 0, result });
  });

  it('clears with a reason only when what is on screen no longer holds', () => {
    expect(clearReason(undefined, false)).toMatch(/Open a text file/);
    expect(clearReason(undefined, true)).toMatch(/Open a text file/);
    expect(clearReason({ path: '/w/b.py' }, true)).toBe('Waiting for the analysis of b.py…');
    expect(clearReason({ path: '/w/b.py' }, false)).toBeUndefined();
  });

  it('cursor token: the token under the offset, past the end the last one, none without tokens', () => {
    const gamma = text.indexOf('gamma');
    expect(result.tokens[cursorTokenIndex(result, gamma + 1)!]!.text).toBe('gamma');
    expect(cursorTokenIndex(result, text.length + 50)).toBe(result.tokens.length - 1);
    expect(cursorTokenIndex({ ...result, tokens: [] }, 0)).toBeNull();
  });

  it('a new window is needed for another document, version, or a token outside the window', () => {
    const source = { docUri: doc.key, fileName: 'a.py', version: 7, result };
    const shown = buildAnalysisMessage(source, 0, 2);
    expect(needsNewWindow(undefined, source, 0)).toBe(true);
    expect(needsNewWindow(shown, source, 1)).toBe(false);
    expect(needsNewWindow(shown, source, 3)).toBe(true);
    expect(needsNewWindow(shown, { ...source, version: 8 }, 1)).toBe(true);
    expect(needsNewWindow(shown, { ...source, docUri: 'file:///w/b.py' }, 1)).toBe(true);
  });

  it('init: the engine model and clamped settings; a snapshot is read-only with its own model', () => {
    const engine = new FakeEngine();
    const live = buildInitMessage({ ...DEFAULT_SETTINGS, topK: 0, hooks: ['blocks.0.hook_resid_post'], heatmapMode: 'surprisal' }, engine, undefined);
    expect(live).toMatchObject({ protocol: PROTOCOL_VERSION, readOnly: false, snapshot: null, model: { id: 'fake-model', name: 'Fake model', hooksWithCards: engine.hooksWithCards } });
    expect(live.settings).toEqual({ topK: 1, featuresPerToken: DEFAULT_SETTINGS.featuresPerToken, hook: 'blocks.0.hook_resid_post' });
    expect(live.legend.mode).toBe('surprisal');
    expect(buildInitMessage(DEFAULT_SETTINGS, undefined, undefined).model).toBeNull();
    const snap = buildInitMessage(DEFAULT_SETTINGS, engine, snapshot);
    expect(snap).toMatchObject({ readOnly: true, model: { id: 'snap-model', hooksWithCards: [] }, snapshot: { fileName: 'a.activations.json', textMatches: false } });
    expect(snap.settings.hook).toBeNull();
    for (const m of [live, snap]) expect(parseToWebview(m).ok).toBe(true);
  });
});

describe('the panel status line', () => {
  const ready: ModelState = { kind: 'ready', bundleDir: '/b/m', modelId: 'm', loadMs: 5 };
  const cases: [ModelState, DocStatus | undefined, string, number | null][] = [
    [{ kind: 'loading', bundleDir: '/b/m' }, { kind: 'analysing', fraction: 0.5 }, 'loading-model', null],
    [{ kind: 'error', bundleDir: '/b/m', error: { kind: 'internal', message: 'broken' } }, { kind: 'ready', ms: 1, tokens: 2, reused: 0 }, 'error', null],
    [ready, undefined, 'idle', null],
    [ready, { kind: 'pending' }, 'analysing', null],
    [ready, { kind: 'analysing' }, 'analysing', null],
    [ready, { kind: 'analysing', fraction: 1.7 }, 'analysing', 1],
    [ready, { kind: 'analysing', fraction: 0.25 }, 'analysing', 0.25],
    [ready, { kind: 'ready', ms: 12, tokens: 1200, reused: 3 }, 'ready', null],
    [ready, { kind: 'error', message: 'failed' }, 'error', null],
  ];
  it.each(cases)('model %o, document %o -> %s', (model, docStatus, state, progress) => {
    const { status, clear } = panelStatusMessages(model, docStatus);
    expect(status).toMatchObject({ type: 'status', state, progress });
    expect(status.message.length).toBeGreaterThan(0);
    expect(parseToWebview(status).ok).toBe(true);
    expect(clear).toBeUndefined();
  });

  it('a skipped document: not-analysed, and a clear message that says why', () => {
    const { status, clear } = panelStatusMessages(ready, { kind: 'skipped', reason: 'it is a binary file', detail: 'x'.repeat(5000) });
    expect(status.state).toBe('not-analysed');
    expect(clear!.reason).toMatch(/^Not analysed because it is a binary file\. x+$/);
    expect(parseToWebview(clear!).ok).toBe(true);
  });
});

describe('rate-limited log', () => {
  it('writes `limit` lines per window, then reports how many it dropped when the next window opens', () => {
    let now = 1_000;
    const lines: string[] = [];
    const log = new RateLimitedLog({ limit: 3, windowMs: 60_000, write: (l) => lines.push(l), droppedLine: (n) => `${n} dropped`, now: () => now });
    const written = Array.from({ length: 10 }, (_, i) => log.write(`line ${i}`));
    expect(written).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(lines).toEqual(['line 0', 'line 1', 'line 2']);
    now += 60_000; // still the same window (it is open for windowMs)
    expect(log.write('late')).toBe(false);
    now += 1;
    expect(log.write('next window')).toBe(true);
    expect(lines.slice(3)).toEqual(['8 dropped', 'next window']);
    now += 120_000;
    log.write('quiet window');
    expect(lines.at(-1)).toBe('quiet window'); // nothing was dropped, so no count line
  });
});

describe('panel message routing', () => {
  function table(calls: FromWebviewMessage[], overrides: Partial<PanelMessageHandlers> = {}): PanelMessageHandlers {
    const record = (m: FromWebviewMessage) => void calls.push(m);
    return {
      ready: record, selectToken: record, revealToken: record, requestCard: record, highlightFeature: record, clearHighlight: record,
      setOptions: record, exportSnapshot: record, openSnapshot: record, log: record, ...overrides,
    } as PanelMessageHandlers;
  }

  it('valid messages reach their own handler synchronously; malformed ones only the reject path', () => {
    const calls: FromWebviewMessage[] = [];
    const rejected: string[] = [];
    const route = panelMessageRouter({ handlers: table(calls), malformed: (r) => rejected.push(r), failed: () => expect.unreachable() });
    route({ type: 'selectToken', index: 3 });
    route({ type: 'requestCard', requestId: 'r1', hook: 'h', index: 2 });
    expect(calls).toEqual([{ type: 'selectToken', index: 3 }, { type: 'requestCard', requestId: 'r1', hook: 'h', index: 2 }]);
    for (const raw of [null, 'ready', { type: 'selectToken', index: -1 }, { type: 'nope' }, { type: 'requestCard', requestId: 5 }]) route(raw);
    expect(calls).toHaveLength(2);
    expect(rejected).toHaveLength(5);
    expect(rejected.every((r) => r.length > 0)).toBe(true);
  });

  it('a handler that throws or rejects is reported with its message', async () => {
    const failures: [string, string][] = [];
    const route = panelMessageRouter({
      handlers: table([], {
        openSnapshot: () => {
          throw new Error('sync boom');
        },
        exportSnapshot: async () => {
          throw new Error('async boom');
        },
      }),
      malformed: () => expect.unreachable(),
      failed: (e, m) => failures.push([(e as Error).message, m.type]),
    });
    route({ type: 'openSnapshot' });
    route({ type: 'exportSnapshot', includeActivations: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(failures).toEqual([['sync boom', 'openSnapshot'], ['async boom', 'exportSnapshot']]);
  });
});

describe('card answers', () => {
  const hook = 'blocks.0.hook_resid_post';

  it('answers from the loaded engine, loading it first when needed', async () => {
    const engine = new FakeEngine();
    let loads = 0;
    const cards = new CardAnswers({ loaded: () => (loads ? engine : undefined), load: async () => (loads++, { ok: true, value: engine }) });
    expect(await cards.answer(hook, 4)).toMatchObject({ error: null, card: { index: 4 } });
    expect(await cards.answer(hook, 5)).toMatchObject({ error: null, card: { index: 5 } });
    expect(loads).toBe(1);
    expect(cards.waiting).toBe(0);
  });

  it("passes on the engine's verdict on the card's label score, when it has one", async () => {
    const engine = new FakeEngine();
    const facts = (_h: string, k: number) => (k === 4 ? { label: 'x', score: 0.21, readable: false, rankedAfter: false } : { label: 'y', rankedAfter: false });
    const cards = new CardAnswers({ loaded: () => Object.assign(engine, { featureFacts: facts }), load: () => expect.unreachable() });
    expect(await cards.answer(hook, 4)).toMatchObject({ error: null, card: { index: 4 }, labelReadable: false });
    expect(await cards.answer(hook, 5)).not.toHaveProperty('labelReadable');
  });

  it('passes on engine and load errors as sentences', async () => {
    const engine = new FakeEngine();
    engine.getCard = async () => ({ ok: false, error: { kind: 'bad-input', message: 'no such feature', file: 'cards/x.json' } });
    expect(await new CardAnswers({ loaded: () => engine, load: () => expect.unreachable() }).answer(hook, 1)).toEqual({ card: null, error: 'no such feature (cards/x.json)' });
    const failing = new CardAnswers({ loaded: () => undefined, load: async () => ({ ok: false, error: { kind: 'internal', message: 'model.onnx is truncated' } }) });
    expect(await failing.answer(hook, 1)).toEqual({ card: null, error: 'model.onnx is truncated' });
  });

  it('a snapshot is answered only by its own, already loaded model', async () => {
    const engine = new FakeEngine();
    const load = vi.fn(async () => ({ ok: true as const, value: engine }));
    const cards = new CardAnswers({ loaded: () => engine, load });
    expect((await cards.answer(hook, 1, 'other-model')).error).toMatch(/need the model "other-model" loaded/);
    expect(await cards.answer(hook, 1, 'fake-model')).toMatchObject({ error: null, card: { index: 1 } });
    expect((await new CardAnswers({ loaded: () => undefined, load }).answer(hook, 1, 'fake-model')).error).toMatch(/need the model/);
    expect(load).not.toHaveBeenCalled();
  });

  it('a card that never comes is answered with an error at the timeout; closing settles the rest', async () => {
    const timers: (() => void)[] = [];
    const engine = new FakeEngine();
    engine.getCard = () => new Promise(() => undefined);
    const cards = new CardAnswers({ loaded: () => engine, load: () => expect.unreachable() }, { timeoutMs: 50, setTimer: (fn) => timers.push(fn), clearTimer: () => undefined });
    const first = cards.answer(hook, 1);
    const second = cards.answer(hook, 2);
    expect(cards.waiting).toBe(2);
    timers[0]!();
    expect(await first).toEqual({ card: null, error: 'The feature card could not be read: no reply within 50 ms.' });
    cards.dispose();
    expect((await second).error).toMatch(/inspector was closed/);
    expect(cards.waiting).toBe(0);
    expect((await cards.answer(hook, 3)).error).toMatch(/after dispose/);
  });
});
