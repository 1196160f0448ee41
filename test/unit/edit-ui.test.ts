// The feature-edit UI's pure parts: the edit store, the edited results' stamps during an edit storm,
// continuations and insertion, the host's messages (checked by the protocol's own validators), the
// panel's edit state (mismatches dropped), the heat map's diverging buckets, status bar and hover.
import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());

import { Continuations, insertion } from '../../src/editor/edits/continuations';
import { EditEffects } from '../../src/editor/edits/editEffects';
import { describeEdit, EditSessions, featureEdit, MAX_EDITS_PER_DOCUMENT, shiftRange } from '../../src/editor/edits/editSession';
import { editBucket, editEffectRanges } from '../../src/editor/decorations/heatmapRanges';
import { buildHoverMarkdown, HOVER_COMMANDS } from '../../src/editor/hover/hoverBuilder';
import { statusView, withEdits } from '../../src/editor/statusBar';
import type { FeatureEdit } from '../../src/engine';
import { buildContinuationMessage, buildEditedSelection, buildEditsMessage } from '../../src/inspector/editAnswers';
import { type AnalysisMessage, parseFromWebview, parseToWebview } from '../../src/protocol';
import { COMMANDS } from '../../src/shared/commands';
import { editDeltaLevel } from '../../src/shared/heatmapScale';
import { currentEditedSelection, currentEffect, editFromPersisted, initialEditState, reduceEdit, tokenDelta } from '../../webview/state/editState';
import { fakeContinuation, fakeEditedAnalysis } from './editFixtures';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';

const HOOK = 'blocks.0.hook_resid_post';
const ablate = (range?: { start: number; end: number }): FeatureEdit => ({ hook: HOOK, feature: 3, op: 'ablate', ...(range ? { range } : {}) });

describe('EditSessions', () => {
  it('adds, removes and clears edits, with a new key for every change of the list', () => {
    const s = new EditSessions();
    const seen: string[] = [];
    s.onDidChange((d) => seen.push(d));
    expect(s.key('a')).toBe('');
    const e1 = s.add('a', ablate(), 'document');
    const k1 = s.key('a');
    const e2 = s.add('a', { hook: HOOK, feature: 4, op: 'scale', factor: 2 }, 'document');
    expect(typeof e1 === 'object' && typeof e2 === 'object').toBe(true);
    const k2 = s.key('a');
    expect(k2).not.toBe(k1);
    expect(s.list('a').map((e) => e.id)).toEqual([(e1 as { id: string }).id, (e2 as { id: string }).id]);
    expect(s.remove('a', (e1 as { id: string }).id)).toBe(true);
    expect(s.remove('a', 'nope')).toBe(false);
    expect(s.key('a')).not.toBe(k2);
    expect(s.list('b')).toEqual([]);
    expect(s.clear('a')).toBe(true);
    expect(s.clear('a')).toBe(false);
    expect(s.key('a')).toBe('');
    expect(s.documents()).toEqual([]);
    expect(seen).toEqual(['a', 'a', 'a', 'a']);
  });

  it('refuses more than the limit, and keeps its own copy of an edit', () => {
    const s = new EditSessions();
    const edit = ablate({ start: 0, end: 2 });
    for (let i = 0; i < MAX_EDITS_PER_DOCUMENT; i++) expect(typeof s.add('a', edit, 'token')).toBe('object');
    expect(s.add('a', edit, 'token')).toMatch(/at most/);
    edit.range!.start = 99;
    expect(s.list('a')[0]!.edit.range).toEqual({ start: 0, end: 2 });
  });

  it('moves ranges with the text: shifted after an edit before them, stretched by typing inside, unchanged by typing after', () => {
    const r = { start: 10, end: 20 };
    expect(shiftRange(r, { start: 0, end: 0, newLength: 5 })).toEqual({ start: 15, end: 25 });
    expect(shiftRange(r, { start: 2, end: 6, newLength: 0 })).toEqual({ start: 6, end: 16 });
    expect(shiftRange(r, { start: 12, end: 14, newLength: 5 })).toEqual({ start: 10, end: 23 });
    expect(shiftRange(r, { start: 20, end: 20, newLength: 3 })).toEqual(r);
    expect(shiftRange(r, { start: 25, end: 30, newLength: 0 })).toEqual(r);
    expect(shiftRange(r, { start: 5, end: 15, newLength: 1 })).toEqual({ start: 5, end: 11 });
    const s = new EditSessions();
    s.add('a', ablate({ start: 10, end: 20 }), 'selection');
    s.add('a', ablate(), 'document');
    const key = s.key('a');
    // Two changes of one event, both in the old text's offsets.
    s.textChanged('a', [{ start: 0, end: 0, newLength: 2 }, { start: 30, end: 30, newLength: 1 }]);
    expect(s.list('a')[0]!.edit.range).toEqual({ start: 12, end: 22 });
    expect(s.list('a')[1]!.edit.range).toBeUndefined();
    expect(s.key('a')).not.toBe(key);
    const moved = s.key('a');
    s.textChanged('a', [{ start: 40, end: 40, newLength: 1 }]);
    expect(s.key('a')).toBe(moved); // nothing moved: same list, same key
  });

  it('builds the engine edit for each operation, and says what is missing', () => {
    expect(featureEdit(HOOK, 3, 'ablate', null, undefined)).toEqual({ hook: HOOK, feature: 3, op: 'ablate' });
    expect(featureEdit(HOOK, 3, 'scale', 2, { start: 1, end: 4 })).toEqual({ hook: HOOK, feature: 3, op: 'scale', factor: 2, range: { start: 1, end: 4 } });
    expect(featureEdit(HOOK, 3, 'clamp', -1, undefined)).toEqual({ hook: HOOK, feature: 3, op: 'clamp', value: -1 });
    expect(featureEdit(HOOK, null, 'splice', null, undefined)).toEqual({ hook: HOOK, op: 'splice' });
    expect(featureEdit(HOOK, 3, 'scale', null, undefined)).toMatch(/needs a finite factor/);
    expect(featureEdit(HOOK, null, 'ablate', null, undefined)).toMatch(/needs a feature/);
    expect(describeEdit({ id: 'e1', scope: 'token', edit: { hook: HOOK, feature: 3, op: 'scale', factor: 2, range: { start: 1, end: 4 } } })).toBe(`scale ×2 #3 · ${HOOK} · token at 1–4`);
  });
});

/** An edit-effects harness over a fake engine and a document whose text and version the test changes. */
function harness(delayMs = 5) {
  const engine = new FakeEngine();
  engine.delayMs = delayMs;
  const sessions = new EditSessions();
  const doc = { version: 1, text: 'def f(x):\n  return x + 1\n' };
  const plainReady = new Set<number>([1]);
  const effects = new EditEffects({
    sessions,
    engine: async () => ({ ok: true, value: engine }),
    document: (k) => (k === 'a' ? { version: doc.version, getText: () => doc.text } : undefined),
    plainReady: (_k, v) => plainReady.has(v),
    options: () => ({ topK: 5, featuresPerToken: 4, hooks: [] }),
    delayMs: 1,
  });
  return { engine, sessions, doc, plainReady, effects };
}

describe('EditEffects: an edit storm never shows a stale or mislabelled result', () => {
  it('answers only for the version and edit list a result was computed for', async () => {
    const { sessions, doc, effects } = harness();
    sessions.add('a', ablate(), 'document');
    const run = await effects.run('a');
    expect(run?.state).toBe('ready');
    expect(effects.result('a', 1)?.edits).toEqual([ablate()]);
    // Another edit: the old result no longer answers (its list is not the current one).
    sessions.add('a', ablate({ start: 0, end: 3 }), 'token');
    expect(effects.get('a', 1)).toBeUndefined();
    // Typing: the version moves on, nothing answers for it until it is run.
    doc.version = 2;
    expect(effects.get('a', 2)).toBeUndefined();
    expect(effects.get('a', 1)).toBeUndefined();
  });

  it('drops a run whose list changed while it ran, and runs nothing until the plain analysis is current', async () => {
    const { engine, sessions, doc, plainReady, effects } = harness(20);
    sessions.add('a', ablate(), 'document');
    const first = effects.run('a');
    await new Promise((r) => setTimeout(r, 2));
    const removed = sessions.list('a')[0]!.id;
    sessions.remove('a', removed);
    sessions.add('a', ablate({ start: 4, end: 5 }), 'token');
    expect(await first).toBeUndefined(); // answered for a list that is gone
    expect(effects.get('a', 1)).toBeUndefined();
    doc.version = 2;
    expect(await effects.run('a')).toBeUndefined();
    expect(engine.editCalls).toHaveLength(1);
    plainReady.add(2);
    const second = await effects.run('a');
    expect(second?.state === 'ready' && second.result.edits).toEqual([ablate({ start: 4, end: 5 })]);
    expect(second?.version).toBe(2);
  });

  it('random storms: whatever get() answers was computed for exactly the current version and list', async () => {
    const { sessions, doc, plainReady, effects } = harness(3);
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pending: Promise<unknown>[] = [];
    for (let step = 0; step < 120; step++) {
      const what = rand(5);
      if (what === 0) sessions.add('a', ablate(rand(2) ? { start: rand(10), end: 10 + rand(10) } : undefined), 'token');
      else if (what === 1 && sessions.list('a').length > 0) sessions.remove('a', sessions.list('a')[rand(sessions.list('a').length)]!.id);
      else if (what === 2) {
        doc.version++;
        doc.text += 'x';
        if (rand(2)) plainReady.add(doc.version);
      } else if (what === 3) pending.push(effects.run('a'));
      else await new Promise((r) => setTimeout(r, rand(6)));
      const run = effects.get('a', doc.version);
      if (run) {
        expect(run.version).toBe(doc.version);
        expect(run.editsKey).toBe(sessions.key('a'));
        if (run.state === 'ready') expect(run.result.edits).toEqual(sessions.list('a').map((e) => e.edit));
      }
    }
    await Promise.all(pending);
    const last = effects.get('a', doc.version);
    if (last?.state === 'ready') expect(last.result.edits).toEqual(sessions.list('a').map((e) => e.edit));
    effects.dispose();
  });
});

describe('continuations', () => {
  it('runs without and with the edits, and inserts only into the version it continues', async () => {
    const engine = new FakeEngine();
    const c = new Continuations(async () => ({ ok: true, value: engine }));
    const r = await c.run('q1', { docKey: 'a', version: 4, text: 'abc', offset: 3, tokens: 2, temperature: 0, seed: 0, edits: [ablate()] });
    expect(r.ok).toBe(true);
    expect(engine.continueCalls.map((x) => x.options.edits ?? null)).toEqual([null, [ablate()]]);
    const pair = c.get('q1');
    expect(pair?.plain.edited).toBe(false);
    expect(pair?.edited?.edited).toBe(true);
    expect(insertion(pair, 'edited', { key: 'a', version: 4 })).toEqual({ offset: 3, text: ' edited words' });
    expect(insertion(pair, 'plain', { key: 'a', version: 5 })).toMatch(/changed/);
    expect(insertion(undefined, 'plain', { key: 'a', version: 4 })).toMatch(/no longer kept/);
    const plainOnly = await c.run('q2', { docKey: 'a', version: 4, text: 'abc', offset: 1, tokens: 2, temperature: 0.5, seed: 3, edits: [] });
    expect(plainOnly.ok && plainOnly.value.edited).toBe(null);
    expect(insertion(c.get('q2'), 'edited', { key: 'a', version: 4 })).toMatch(/no edited continuation/);
    expect(c.latest()?.id).toBe('q2');
  });
});

describe("the host's edit messages pass the panel's validator", () => {
  const text = 'def f(x):\n  return x + 1\n';
  const sessions = new EditSessions();
  sessions.add('file:///a.py', ablate({ start: 4, end: 5 }), 'token');
  sessions.add('file:///a.py', { hook: HOOK, op: 'splice' }, 'document');
  const edits = sessions.list('file:///a.py');
  const key = sessions.key('file:///a.py');
  const result = fakeEditedAnalysis(text, edits.map((e) => e.edit));

  it('edits message: the effect only for the same list and version; deltas over the window', () => {
    const ready = buildEditsMessage({ docUri: 'file:///a.py', version: 2 }, edits, key, { state: 'ready', version: 2, editsKey: key, result }, { firstIndex: 2, count: 5 });
    expect(parseToWebview(ready)).toMatchObject({ ok: true });
    expect(ready.state).toBe('ready');
    expect(ready.effect!.firstIndex).toBe(2);
    expect(ready.effect!.deltaBits).toHaveLength(5);
    expect(ready.effect!.totalDeltaBits).toBeCloseTo(result.totalDeltaBits);
    expect(Math.abs(ready.effect!.changedMost[0]!.deltaBits)).toBeGreaterThan(0);
    expect(ready.edits.map((e) => e.op)).toEqual(['ablate', 'splice']);
    const otherList = buildEditsMessage({ docUri: 'file:///a.py', version: 2 }, edits, key, { state: 'ready', version: 2, editsKey: 'old', result }, undefined);
    expect(otherList).toMatchObject({ state: 'running', effect: null, version: null });
    const otherVersion = buildEditsMessage({ docUri: 'file:///a.py', version: 3 }, edits, key, { state: 'ready', version: 2, editsKey: key, result }, undefined);
    expect(otherVersion.effect).toBeNull();
    const failed = buildEditsMessage({ docUri: 'file:///a.py', version: 2 }, edits, key, { state: 'error', version: 2, editsKey: key, message: 'x'.repeat(5000) }, undefined);
    expect(parseToWebview(failed)).toMatchObject({ ok: true });
    const none = buildEditsMessage(null, [], '', undefined, undefined);
    expect(parseToWebview(none)).toMatchObject({ ok: true });
  });

  it('edited selection and continuation messages', () => {
    const sel = buildEditedSelection('file:///a.py', 2, key, result, 3, 5)!;
    expect(parseToWebview(sel)).toMatchObject({ ok: true });
    expect(sel.before).toEqual(result.tokens[2]!.topkOriginal.slice(0, 5));
    expect(sel.after).toEqual(result.tokens[2]!.topk.slice(0, 5));
    expect(buildEditedSelection('file:///a.py', 2, key, result, 999, 5)).toBeUndefined();
    const asked = { docUri: 'file:///a.py', version: 2, offset: 3, temperature: 0, seed: 0 };
    const pair = { docKey: 'file:///a.py', version: 2, offset: 3, temperature: 0, seed: 0, plain: fakeContinuation(3, []), edited: fakeContinuation(3, [ablate()]) };
    const ok = buildContinuationMessage('continue-1', asked, { pair, labels: edits.map(describeEdit) });
    expect(parseToWebview(ok)).toMatchObject({ ok: true });
    expect(ok.edited?.text).toBe(' edited words');
    expect(parseToWebview(buildContinuationMessage('continue-2', asked, { error: 'no model' }))).toMatchObject({ ok: true });
  });

  it('rejects malformed edit requests from the panel', () => {
    const bad: unknown[] = [
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'ablate', amount: 2, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'scale', amount: null, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'splice', amount: null, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: null, op: 'clamp', amount: 1, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'scale', amount: Number.NaN, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'scale', amount: 1e300, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'delete', amount: null, scope: 'token' },
      { type: 'addEdit', hook: HOOK, feature: 1, op: 'ablate', amount: null, scope: 'everywhere' },
      { type: 'removeEdit', id: '' },
      { type: 'requestContinuation', requestId: 'c', tokens: 0, temperature: 0, seed: 0 },
      { type: 'requestContinuation', requestId: 'c', tokens: 10, temperature: -1, seed: 0 },
      { type: 'requestContinuation', requestId: 'c', tokens: 10, temperature: 0, seed: 1.5 },
      { type: 'insertContinuation', requestId: 'c', which: 'both' },
    ];
    for (const m of bad) expect(parseFromWebview(m).ok, JSON.stringify(m)).toBe(false);
  });
});

describe("the panel's edit state", () => {
  const analysis = (version: number): AnalysisMessage => ({
    type: 'analysis', docUri: 'file:///a.py', fileName: 'a.py', version, textSha256: 'a'.repeat(64), textLength: 9, hooks: [HOOK],
    tokenCount: 3, firstIndex: 0, tokens: [], cursorIndex: null,
  });
  const edits = (editsKey: string, version: number | null) => ({
    type: 'edits' as const, docUri: 'file:///a.py', version, editsKey,
    edits: [{ id: 'e1', label: 'ablate', hook: HOOK, feature: 1, op: 'ablate' as const, amount: null, scope: 'document' as const, range: null }],
    state: version === null ? ('running' as const) : ('ready' as const),
    effect: version === null ? null : { totalDeltaBits: -1, firstEditedToken: 0, tokenCount: 3, firstIndex: 0, deltaBits: [null, -0.5, -0.5], changedMost: [] },
    message: null,
  });
  const selection = (editsKey: string, version: number, index: number) => ({
    type: 'editedSelection' as const, docUri: 'file:///a.py', version, editsKey, index, logprob: -2, logprobOriginal: -1, rank: 1, rankOriginal: 0, before: [], after: [],
  });

  it('shows an effect only for the version on screen, and a before/after only for the current list and token', () => {
    let s = reduceEdit(initialEditState(), edits('k1', 3));
    expect(currentEffect(s, analysis(3))).not.toBeNull();
    expect(currentEffect(s, analysis(4))).toBeNull(); // typed since: the effect is of older text
    expect(tokenDelta(s, analysis(3), 1)).toBe(-0.5);
    expect(tokenDelta(s, analysis(3), 0)).toBeNull();
    expect(tokenDelta(s, analysis(4), 1)).toBeUndefined();
    s = reduceEdit(s, selection('k1', 3, 1));
    expect(currentEditedSelection(s, analysis(3), 1)).not.toBeNull();
    expect(currentEditedSelection(s, analysis(3), 2)).toBeNull();
    expect(reduceEdit(s, selection('k0', 3, 2)).selection?.index).toBe(1); // for an old list: dropped
    // The list changes (an edit added or removed): the old before/after goes at once.
    s = reduceEdit(s, edits('k2', null));
    expect(s.selection).toBeNull();
    expect(currentEffect(s, analysis(3))).toBeNull();
    // Another document's edits never show on this one.
    expect(currentEffect(reduceEdit(initialEditState(), { ...edits('k1', 3), docUri: 'file:///b.py' }), analysis(3))).toBeNull();
  });

  it('restores only valid form choices', () => {
    const base = initialEditState();
    expect(editFromPersisted({ form: { op: 'clamp', amount: '3', scope: 'token' } }, base).form).toEqual({ op: 'clamp', amount: '3', scope: 'token' });
    expect(editFromPersisted({ form: { op: 'explode', amount: '3', scope: 'token' } }, base).form).toEqual(base.form);
    expect(editFromPersisted({ continuation: { open: true, tokens: 1e9, mode: 'greedy', temperature: 1, seed: 0 } }, base).continuation).toEqual(base.continuation);
  });
});

describe('edit-effect heat map, status bar and hover', () => {
  it('buckets the change in bits on a diverging scale, merging neighbours', () => {
    expect([-5, -2, -0.5, -0.01, 0, 0.01, 0.5, 2, 5].map(editDeltaLevel)).toEqual([-3, -2, -1, 0, 0, 0, 1, 2, 3]);
    expect(editBucket(-5)).toBe('editDown3');
    expect(editBucket(0.5)).toBe('editUp1');
    expect(editBucket(0.001)).toBeUndefined();
    const ranges = editEffectRanges([
      { start: 0, end: 3, logprob: null, logprobOriginal: null },
      { start: 3, end: 5, logprob: -3, logprobOriginal: -1 },
      { start: 5, end: 8, logprob: -3, logprobOriginal: -1 },
      { start: 8, end: 9, logprob: -1, logprobOriginal: -1 },
      { start: 9, end: 12, logprob: -1, logprobOriginal: -4 },
    ]);
    expect(Object.fromEntries(ranges)).toEqual({ editDown2: [[3, 8]], editUp3: [[9, 12]] });
  });

  it('the status bar names active edits and their total', () => {
    const model = { kind: 'ready', modelId: 'm', bundleDir: '/b' } as const;
    const plain = statusView(model as never, { kind: 'ready', tokens: 10, ms: 5, reused: 0 } as never);
    expect(withEdits(plain, undefined)).toBe(plain);
    const v = withEdits(plain, { count: 2, state: 'ready', totalBits: -3.21 });
    expect(v.text).toContain('2 feature edits: −3.2 bits');
    expect(v.message).toContain('shown as edited');
    expect(withEdits(plain, { count: 1, state: 'running', totalBits: null }).text).toContain('1 feature edit: computing');
    expect(withEdits(plain, { count: 1, state: 'error', totalBits: null }).error).toBe(true);
  });

  it('the hover labels edited numbers and offers an allowed "edit…" link per feature', () => {
    const result = fakeAnalysis('def f(x):\n  return x\n');
    const base = { result, index: 2, uri: 'file:///a.py', labelOf: () => 'label', hooks: [], maxFeatures: 3 };
    const plain = buildHoverMarkdown(base);
    expect(plain).not.toContain('**Edited**');
    expect(plain).toContain(`command:${COMMANDS.editFeature}?`);
    expect(HOVER_COMMANDS).toContain(COMMANDS.editFeature);
    expect(HOVER_COMMANDS).toContain(COMMANDS.clearEdits);
    const edited = buildHoverMarkdown({ ...base, edited: { count: 1, token: { logprob: Math.log(0.1), logprobOriginal: Math.log(0.4), rank: 5, rankOriginal: 1 } } });
    expect(edited).toContain("**Edited** (1 feature edit active): p **10%** (unedited 40%)");
    expect(edited).toContain('change **−2.00** bits');
    expect(buildHoverMarkdown({ ...base, edited: { count: 2 } })).toContain('being computed');
    // Every command link in the hover is on the allow-list.
    for (const m of edited.matchAll(/command:([\w.]+)/g)) expect(HOVER_COMMANDS).toContain(m[1]);
  });
});
