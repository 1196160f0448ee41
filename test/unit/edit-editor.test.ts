// Feature edits in the VS Code layer (fake VS Code, fake engine): an edit's range follows typing, the
// edited result, the edit-effect map and the hover's edited numbers are there only for the document
// version and edit list they were computed for, and a closed document's edits go.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { key } from '../../src/editor/document/documentKey';
import { featureEdit } from '../../src/editor/edits/editSession';
import { FeatureEditing, editedForExport, hoverEdited } from '../../src/editor/edits/featureEditing';
import { ModelHost } from '../../src/editor/model/modelHost';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';
import { fake, Position, Selection } from './editorFakeVscode';

const HOOK = 'blocks.0.hook_resid_post';
const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('FeatureEditing', () => {
  let engine: FakeEngine;
  let store: AnalysisStore;
  let editing: FeatureEditing;

  beforeEach(() => {
    fake.reset();
    engine = new FakeEngine();
    store = new AnalysisStore();
    const model = new ModelHost('/fake/bundle', { loadOpener: async () => async () => ({ ok: true, value: engine }) });
    editing = new FeatureEditing({ store, model, settings: () => DEFAULT_SETTINGS });
  });
  afterEach(() => editing.dispose());

  it('edits the token under the cursor; the result, map and hover hold only for their version and list', async () => {
    const text = 'import os\nprint(os.name)\n';
    const { doc, editor } = fake.open('/w/a.py', text);
    const docKey = key(doc as never);
    store.set(docKey, 1, fakeAnalysis(text));
    editor.selection = new Selection(new Position(1, 2), new Position(1, 2)); // inside "print"
    const added = editing.add(doc as never, (range) => featureEdit(HOOK, 3, 'ablate', null, range), 'token');
    expect(typeof added === 'object' && added.edit.range).toEqual({ start: 10, end: 15 });
    await settle();
    expect(engine.editCalls).toHaveLength(1);
    expect(editing.effects.result(docKey, 1)?.edits[0]).toMatchObject({ hook: HOOK, feature: 3, op: 'ablate' });
    expect(editing.heatmapSource().ranges(docKey, 1)?.size).toBeGreaterThan(0);
    expect(hoverEdited(editing, docKey, 1, 5)?.token?.logprobOriginal).toBe(fakeAnalysis(text).tokens[5]!.logprob);
    expect(editing.summary(docKey, 1)).toMatchObject({ count: 1, state: 'ready' });

    // Typing before the edit: its range moves, the old result is dropped at once.
    doc.edit(0, 0, '# ');
    expect(editing.sessions.list(docKey)[0]!.edit.range).toEqual({ start: 12, end: 17 });
    expect(editing.effects.get(docKey, 2)).toBeUndefined();
    expect(editing.effects.get(docKey, 1)).toBeUndefined();
    expect(editing.heatmapSource().ranges(docKey, 2)).toBeUndefined();
    expect(hoverEdited(editing, docKey, 2, 5)).toEqual({ count: 1, token: undefined });
    await settle();
    expect(engine.editCalls).toHaveLength(1); // the plain analysis of version 2 is not there yet
    store.set(docKey, 2, fakeAnalysis(doc.getText()));
    await settle();
    expect(engine.editCalls).toHaveLength(2);
    expect(editing.effects.result(docKey, 2)?.edits[0]!.range).toEqual({ start: 12, end: 17 });

    // The export waits for (or reuses) the current result; with no edits it has none.
    expect(await editedForExport(editing, doc as never)).toBe(editing.effects.result(docKey, 2));
    editing.sessions.clear(docKey);
    expect(editing.effects.get(docKey, 2)).toBeUndefined();
    expect(await editedForExport(editing, doc as never)).toBeUndefined();
    expect(editing.summary(docKey, 2)).toBeUndefined();
  });

  it('refuses a selection scope without a selection, and forgets a closed document', () => {
    const text = 'a = 1\n';
    const { doc } = fake.open('/w/b.py', text);
    const docKey = key(doc as never);
    expect(editing.add(doc as never, (range) => featureEdit(HOOK, 1, 'clamp', 5, range), 'selection')).toMatch(/selection is empty/);
    expect(editing.add(doc as never, (range) => featureEdit(HOOK, 1, 'clamp', 5, range), 'token')).toMatch(/no analysed token/);
    expect(typeof editing.add(doc as never, (range) => featureEdit(HOOK, 1, 'clamp', 5, range), 'document')).toBe('object');
    fake.close(doc);
    expect(editing.sessions.list(docKey)).toEqual([]);
  });
});
