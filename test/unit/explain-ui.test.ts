// "Why this prediction" outside the browser: the host's message builder and request bookkeeping, the
// protocol's rules for explanation messages, the panel's pure state rules, the attention tint levels,
// and the inspector host end to end on the fake VS Code (request -> explanation, head -> editor tint,
// selection moves -> tint cleared, attended token -> editor scrolled, cursor left alone).
import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { attentionColorId, attentionLevel, attentionRanges } from '../../src/editor/decorations/attentionRanges';
import { HeatmapDecorations } from '../../src/editor/decorations/heatmapDecorations';
import { DocumentTracker } from '../../src/editor/document/documentTracker';
import { ModelHost } from '../../src/editor/model/modelHost';
import { ExplainAnswers, type ExplainContext } from '../../src/inspector/explainAnswers';
import { ATTENDED_PER_HEAD, attendedRanges, buildExplanationView, FEATURE_TERMS_PER_GROUP } from '../../src/inspector/explainMessages';
import { InspectorViewProvider } from '../../src/inspector/inspectorViewProvider';
import { type ExplanationMessage, parseToWebview, PROTOCOL_VERSION, type ToWebviewMessage } from '../../src/protocol';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { reduce, initialState } from '../../webview/state/panelState';
import { featureEffect, initialWhy, termName, topContributors, wantedKey, whyForSelection, whyWithReply } from '../../webview/state/whyState';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';
import { fake, FakeWebviewView, Uri, type FakeEditor } from './editorFakeVscode';
import { FAKE_DICT_HOOK, fakeExplanation } from './explainFixtures';

const label = (_h: string, i: number) => (i === 7 ? 'opening brackets' : undefined);

describe('explanation message builder', () => {
  it('summarises heads to their most attended tokens (heaviest first, with their text), labels features, and passes the validator', () => {
    const e = fakeExplanation(20, { windowStart: 4 });
    const v = buildExplanationView(e, label);
    expect(v.heads.map((h) => h.name)).toEqual(['L0H0', 'L0H1', 'L1H0', 'L1H1']);
    for (const h of v.heads) {
      expect(h.attended.length).toBe(Math.min(ATTENDED_PER_HEAD, 17));
      for (let k = 1; k < h.attended.length; k++) expect(h.attended[k]!.weight).toBeLessThanOrEqual(h.attended[k - 1]!.weight);
      for (const a of h.attended) expect(a.text).toBe(e.windowTokens[a.index - e.windowStart]!.text);
    }
    expect(v.heads[0]!.attended[0]).toMatchObject({ index: 20, weight: 0.6 });
    expect(v.heads[1]!.attended[0]).toMatchObject({ index: 4, text: 'w4' });
    expect(v.lens.map((l) => l.afterBlocks)).toEqual([0, 1, 2]);
    expect(v.attribution.find((t) => t.feature === 7)).toMatchObject({ label: 'opening brackets', activation: 3, layer: null });
    expect(v.attribution.find((t) => t.feature === 99)?.label).toBeNull();
    const msg: ExplanationMessage = { type: 'explanation', requestId: 'r', docUri: 'file:///a', version: 1, index: 20, explanation: v, error: null, errorKind: null };
    expect(parseToWebview(JSON.parse(JSON.stringify(msg)))).toMatchObject({ ok: true });
  });

  it('keeps only the largest feature terms of a dictionary with very many, and says what it left out', () => {
    const e = fakeExplanation(3);
    const many = Array.from({ length: FEATURE_TERMS_PER_GROUP + 10 }, (_, k) => ({ group: FAKE_DICT_HOOK, kind: 'feature' as const, hook: FAKE_DICT_HOOK, feature: 1000 + k, activation: 1, value: (k + 1) / 1000 }));
    e.attribution.push(...many);
    const v = buildExplanationView(e, label);
    const features = v.attribution.filter((t) => t.group === FAKE_DICT_HOOK && t.kind === 'feature');
    expect(features).toHaveLength(FEATURE_TERMS_PER_GROUP);
    expect(features.some((t) => t.feature === 7)).toBe(true); // the largest stay
    const group = v.groups.find((g) => g.name === FAKE_DICT_HOOK)!;
    expect(group.omitted?.count).toBe(12);
    expect(group.omitted!.value).toBeCloseTo(many.slice(0, 12).reduce((s, t) => s + t.value, 0), 9);
    expect(v.groups.find((g) => g.name === 'model')?.omitted).toBeNull();
  });

  it('gives the editor each token of the window with its weight for one head', () => {
    const e = fakeExplanation(5, { windowStart: 2 });
    const ranges = attendedRanges(e, 0, 1);
    expect(ranges).toHaveLength(4);
    expect(ranges[0]).toEqual({ start: 8, end: 11, weight: 0.6 });
    expect(attendedRanges(e, 7, 7)).toEqual([]);
  });
});

describe('explanation messages in the protocol', () => {
  const valid = (): ExplanationMessage => ({
    type: 'explanation', requestId: 'r', docUri: 'file:///a', version: 1, index: 9, explanation: buildExplanationView(fakeExplanation(9, { windowStart: 2 }), label), error: null, errorKind: null,
  });

  it('needs exactly one of explanation / error, at the index it answers, attending only inside its window', () => {
    expect(parseToWebview(valid()).ok).toBe(true);
    expect(parseToWebview({ ...valid(), error: 'x' }).ok).toBe(false);
    expect(parseToWebview({ ...valid(), explanation: null }).ok).toBe(false);
    expect(parseToWebview({ ...valid(), explanation: null, error: 'cannot', errorKind: 'cannot-explain' }).ok).toBe(true);
    expect(parseToWebview({ ...valid(), index: 8 }).ok).toBe(false);
    const late = valid();
    late.explanation!.heads[0]!.attended[0]!.index = 10;
    expect(parseToWebview(late)).toMatchObject({ ok: false, reason: expect.stringContaining('outside the window') });
    const early = valid();
    early.explanation!.heads[0]!.attended[0]!.index = 1;
    expect(parseToWebview(early).ok).toBe(false);
    const stray = valid();
    stray.explanation!.attribution[0]!.group = 'blocks.9.hook_resid_post';
    expect(parseToWebview(stray)).toMatchObject({ ok: false, reason: expect.stringContaining('unknown group') });
    const bad = valid();
    (bad.explanation!.attribution[0] as { kind: string }).kind = 'magic';
    expect(parseToWebview(bad).ok).toBe(false);
  });
});

describe('explain answers (host bookkeeping)', () => {
  const ctx = (o: Partial<ExplainContext> = {}): ExplainContext => ({ docKey: 'file:///a.py', version: 2, current: true, getText: () => 'a b c d e f', snapshot: false, topK: 10, ...o });
  const req = (requestId: string, index: number, target: number | null = null) => ({ requestId, index, target, versus: null });

  it('answers with the view; a newer request supersedes the older, which gets no reply', async () => {
    const engine = new FakeEngine();
    engine.delayMs = 20;
    const answers = new ExplainAnswers({ loaded: () => engine, load: async () => ({ ok: true, value: engine }) }, label);
    const first = answers.answer(req('a', 3), ctx());
    const second = answers.answer(req('b', 4), ctx());
    expect(await first).toBeNull();
    const reply = (await second)!;
    expect(reply).toMatchObject({ type: 'explanation', requestId: 'b', index: 4, version: 2, error: null });
    expect(reply.explanation?.position).toBe(4);
    expect(engine.explainCalls.map((c) => [c.index, c.options.topK])).toEqual([[3, 10], [4, 10]]);
    // Kept for the editor's tint, and summarised for the hover (default target only).
    expect(answers.explanation('b')?.explanation.position).toBe(4);
    expect(answers.explanation('a')).toBeUndefined();
    expect(answers.summary('file:///a.py', 2, 4)).toEqual({ target: ' target', top1: 2, top10: 1, blocks: 2 });
    expect(answers.summary('file:///a.py', 3, 4)).toBeUndefined();
    await answers.answer(req('c', 5, 42), ctx());
    expect(answers.summary('file:///a.py', 2, 5)).toBeUndefined();
    expect(engine.explainCalls.at(-1)?.options).toEqual({ topK: 10, target: 42 });
  });

  it("passes the engine's reason on (a bundle that cannot explain), and runs nothing for a snapshot or a stale version", async () => {
    const engine = new FakeEngine();
    engine.explainFailWith = { kind: 'cannot-explain', message: 'model.onnx has no attention outputs: re-export the bundle' };
    const answers = new ExplainAnswers({ loaded: () => engine, load: async () => ({ ok: true, value: engine }) }, label);
    expect(await answers.answer(req('a', 1), ctx())).toMatchObject({ explanation: null, errorKind: 'cannot-explain', error: expect.stringContaining('re-export the bundle') });
    expect(await answers.answer(req('b', 1), ctx({ snapshot: true }))).toMatchObject({ errorKind: 'snapshot' });
    expect(await answers.answer(req('c', 1), ctx({ current: false }))).toMatchObject({ errorKind: 'stale' });
    expect(engine.explainCalls).toHaveLength(1);
    const failing = new ExplainAnswers({ loaded: () => undefined, load: async () => ({ ok: false, error: { kind: 'missing-file', file: 'model.onnx', message: 'missing' } }) }, label);
    expect((await failing.answer(req('d', 1), ctx()))?.error).toContain('model.onnx');
  });
});

describe('the panel\'s why state', () => {
  const sel = { docUri: 'file:///a.py', version: 2, index: 4 };
  const key = { ...sel, target: null, versus: null };
  const view = buildExplanationView(fakeExplanation(4), label);

  it('wants an explanation only while open, for the selected token and chosen target', () => {
    expect(wantedKey(initialWhy(), sel)).toBeNull();
    expect(wantedKey({ ...initialWhy(), open: true, target: 42 }, sel)).toEqual({ ...key, target: 42 });
    expect(wantedKey({ ...initialWhy(), open: true }, null)).toBeNull();
  });

  it('forgets target, versus and head when the selection moves on, keeps them while it stays', () => {
    const why = { ...initialWhy(), open: true, target: 42, versus: 43, head: { layer: 1, head: 0 }, view: { state: 'ready' as const, key, requestId: 'r', explanation: view } };
    expect(whyForSelection(why, sel)).toBe(why);
    expect(whyForSelection(why, { ...sel, index: 5 })).toMatchObject({ open: true, target: null, versus: null, head: null, view: { state: 'idle' } });
    expect(whyForSelection(why, { ...sel, version: 3 }).view.state).toBe('idle');
    expect(whyForSelection(why, null).view.state).toBe('idle');
    // Through the reducer: a selection of another token resets the section.
    const s = { ...initialState(), why };
    expect(reduce(s, { type: 'showWhy' }).why.open).toBe(true);
  });

  it('applies only the reply it waits for', () => {
    const loading = { ...initialWhy(), open: true, view: { state: 'loading' as const, key, requestId: 'r2' } };
    const m: ExplanationMessage = { type: 'explanation', requestId: 'r1', docUri: sel.docUri, version: 2, index: 4, explanation: view, error: null, errorKind: null };
    expect(whyWithReply(loading, 'r1', m)).toBe(loading);
    expect(whyWithReply(loading, 'r2', { ...m, requestId: 'r2' }).view.state).toBe('ready');
    expect(whyWithReply(loading, 'r2', { ...m, explanation: null, error: 'no', errorKind: 'cannot-explain' }).view).toMatchObject({ state: 'error', error: 'no', kind: 'cannot-explain' });
  });

  it('names terms, ranks contributors for and against, and finds a feature\'s direct effect', () => {
    expect(view.attribution.map(termName).slice(0, 6)).toEqual(['token embedding', 'position embedding', 'L0H0', 'L0H1', 'L0 attention bias', 'L0 MLP']);
    const { pro, con } = topContributors(view, 'model', 2);
    expect(pro.map(termName)).toEqual(['L0 MLP', 'L0H0']);
    expect(con.map(termName)).toEqual(['L1H1', 'L0H1']);
    expect(featureEffect(view, FAKE_DICT_HOOK, 7)).toBe(2.5);
    expect(featureEffect(view, FAKE_DICT_HOOK, 8)).toBe(0);
    expect(featureEffect(view, 'blocks.1.hook_resid_post', 7)).toBeUndefined();
  });
});

describe('attention tint levels', () => {
  it('tints heavier weights more and leaves the tiny ones alone', () => {
    expect(attentionLevel(0.01)).toBeUndefined();
    expect(attentionLevel(0.05)).toBe('weight1');
    expect(attentionLevel(0.2)).toBe('weight2');
    expect(attentionLevel(0.3)).toBe('weight3');
    expect(attentionLevel(0.9)).toBe('weight4');
    const ranges = attentionRanges([{ start: 0, end: 3, weight: 0.6 }, { start: 4, end: 6, weight: 0.001 }, { start: 7, end: 9, weight: 0.2 }, { start: 9, end: 9, weight: 0.9 }]);
    expect([...ranges.entries()]).toEqual([['weight4', [[0, 3]]], ['weight2', [[7, 9]]]]);
    expect(attentionColorId('weight4')).toBe('activationInspector.attention.weight4Background');
  });
});

describe('inspector host: why this prediction', () => {
  let view: FakeWebviewView;
  let provider: InspectorViewProvider;
  let engine: FakeEngine;
  let editor: FakeEditor;

  beforeEach(async () => {
    fake.reset();
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const store = new AnalysisStore();
    engine = new FakeEngine();
    const model = new ModelHost('/fake', { loadOpener: async () => async () => ({ ok: true, value: engine }) });
    await model.get();
    const tracker = new DocumentTracker(store, model, () => ({ ...DEFAULT_SETTINGS, debounceMs: 5000 }), log);
    provider = new InspectorViewProvider({ extensionUri: Uri.file('/ext') as never, store, tracker, model, heatmap: new HeatmapDecorations(store), settings: () => DEFAULT_SETTINGS, log, labelOf: label });
    view = new FakeWebviewView();
    provider.resolveWebviewView(view as never);
    const opened = fake.open('/w/a.py', 'import os\nprint(os.name)\nx = 1\n');
    editor = opened.editor as FakeEditor;
    store.set(opened.doc.uri.toString(), opened.doc.version, fakeAnalysis(opened.doc.getText()));
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    await new Promise((r) => setTimeout(r, 0));
  });

  const posted = <T extends ToWebviewMessage['type']>(type: T) => view.webview.posted.filter((m): m is Extract<ToWebviewMessage, { type: T }> => m.type === type);
  const tints = () => [...editor.decorations.entries()].filter(([t]) => /attention\.weight/.test(JSON.stringify(t))).flatMap(([, r]) => r);
  const settle = () => new Promise((r) => setTimeout(r, 5));

  it('answers requestExplain with a valid explanation; a chosen head tints the editor until the selection moves on', async () => {
    view.webview.receive.fire({ type: 'requestExplain', requestId: 'e1', index: 6, target: null, versus: null });
    await settle();
    const [reply] = posted('explanation');
    expect(reply).toMatchObject({ requestId: 'e1', index: 6, error: null });
    expect(parseToWebview(reply).ok).toBe(true);
    expect(provider.lensSummary(reply!.docUri, reply!.version, 6)).toMatchObject({ top1: 2, top10: 1 });
    view.webview.receive.fire({ type: 'showAttention', requestId: 'e1', layer: 0, head: 1 });
    expect(provider.explain.attention.picture?.attended).toHaveLength(7);
    expect(tints().length).toBeGreaterThan(0);
    // An attended token is shown without moving the cursor.
    const cursor = editor.selection;
    view.webview.receive.fire({ type: 'peekToken', index: 0 });
    expect(editor.revealed?.start).toEqual(editor.document.positionAt(0));
    expect(editor.selection).toBe(cursor);
    // Selecting another token clears the tint.
    view.webview.receive.fire({ type: 'selectToken', index: 2 });
    expect(provider.explain.attention.picture).toBeUndefined();
    expect(tints()).toEqual([]);
    view.webview.receive.fire({ type: 'showAttention', requestId: 'unknown', layer: 0, head: 1 });
    expect(provider.explain.attention.picture).toBeUndefined();
  });

  it('explains and tints the followed editor while a panel beside it has the focus (no active text editor)', async () => {
    fake.active = undefined;
    fake.events.activeEditor.fire(undefined);
    view.webview.receive.fire({ type: 'requestExplain', requestId: 'e2', index: 6, target: null, versus: null });
    await settle();
    expect(posted('explanation')[0]).toMatchObject({ requestId: 'e2', error: null });
    view.webview.receive.fire({ type: 'showAttention', requestId: 'e2', layer: 0, head: 1 });
    expect(provider.explain.attention.picture?.attended).toHaveLength(7);
    expect(tints().length).toBeGreaterThan(0);
  });

  it('"Explain this prediction" opens the Why section: at once when the panel is ready, else once it is', async () => {
    await provider.reveal(undefined, true);
    expect(posted('showWhy')).toHaveLength(1);
    // The panel's page was dropped (view hidden): the request waits for its next 'ready'.
    view.setVisible(false);
    await provider.reveal(undefined, true);
    expect(posted('showWhy')).toHaveLength(1);
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    expect(posted('showWhy')).toHaveLength(2);
  });
});
