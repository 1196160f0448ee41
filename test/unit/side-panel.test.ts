// The inspector beside the editor: the same host as the bottom panel's view, in a webview panel that
// opens in the next column, follows the editor (also while the panel itself has the focus), restores
// after a reload through its serializer, and closes cleanly.
import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { InspectorSidePanel, SIDE_PANEL_VIEW_TYPE } from '../../src/inspector/sidePanel';
import { PROTOCOL_VERSION, type ToWebviewMessage } from '../../src/protocol';
import { fakeAnalysis } from './editorFakeEngine';
import { fakeEditorParts } from './editorFakeParts';
import { fake, FakeWebviewPanel, Uri } from './editorFakeVscode';

let side: InspectorSidePanel;
let store: AnalysisStore;

beforeEach(async () => {
  fake.reset();
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const parts = await fakeEditorParts(log);
  store = parts.store;
  side = new InspectorSidePanel({ ...parts, labelOf: () => undefined });
});

const postedTo = (panel: FakeWebviewPanel) => <T extends ToWebviewMessage['type']>(type: T) =>
  panel.webview.posted.filter((m): m is Extract<ToWebviewMessage, { type: T }> => m.type === type);

describe('inspector beside the editor', () => {
  it('opens in the next column with the same page, and follows the cursor, also while it has the focus', async () => {
    const { doc, editor } = fake.open('/w/a.py', 'import os\nprint(os.name)\n');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    side.open();
    expect(fake.webviewPanels).toHaveLength(1);
    const panel = fake.webviewPanels[0]!;
    expect(panel.viewType).toBe(SIDE_PANEL_VIEW_TYPE);
    expect(panel.column).toMatchObject({ viewColumn: -2, preserveFocus: true }); // ViewColumn.Beside
    expect(panel.webview.html).toContain('/ext/dist/webview.js');
    expect((panel.webview.options as { localResourceRoots: Uri[] }).localResourceRoots.map((u) => u.path)).toEqual(['/ext/dist']);
    const posted = postedTo(panel);
    panel.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    await new Promise((r) => setTimeout(r, 0));
    expect(posted('analysis')[0]).toMatchObject({ docUri: doc.uri.toString() });
    editor.moveCursor(doc.getText().indexOf('print') + 1);
    expect(posted('selection').at(-1)).toMatchObject({ token: { text: 'print' } });
    // The panel takes the focus: VS Code reports no active text editor; the panel keeps the document.
    const clearsBefore = posted('clear').length;
    fake.active = undefined;
    fake.events.activeEditor.fire(undefined);
    expect(posted('clear').length).toBe(clearsBefore);
    editor.moveCursor(doc.getText().indexOf('name') + 1);
    expect(posted('selection').at(-1)).toMatchObject({ token: { text: 'name' } });
    // Opening again reveals the same panel.
    side.open();
    expect(fake.webviewPanels).toHaveLength(1);
    expect(panel.revealed).toBe(1);
  });

  it('is restored by its serializer after a reload, and closes cleanly', async () => {
    const { doc } = fake.open('/w/b.py', 'x = 1\n');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    const serializer = fake.panelSerializers.get(SIDE_PANEL_VIEW_TYPE) as { deserializeWebviewPanel(p: unknown, s: unknown): Promise<void> };
    expect(serializer).toBeDefined();
    const restored = new FakeWebviewPanel(SIDE_PANEL_VIEW_TYPE, 2);
    await serializer.deserializeWebviewPanel(restored, { selected: 0 });
    expect(side.isOpen).toBe(true);
    expect(restored.webview.html).toContain('webview.js');
    restored.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    await new Promise((r) => setTimeout(r, 0));
    expect(postedTo(restored)('analysis')[0]).toMatchObject({ docUri: doc.uri.toString() });
    restored.dispose();
    expect(side.isOpen).toBe(false);
    expect(side.inspector).toBeUndefined();
  });
});

describe('visible-first results in the store', () => {
  it('shows a partial result only for its version; the whole result replaces it; an edit hides it', () => {
    const whole = fakeAnalysis('a b c d e f g h');
    const partial = { partial: true as const, modelId: whole.modelId, textSha256: whole.textSha256, textLength: whole.textLength, hooks: whole.hooks, tokens: whole.tokens.slice(3, 6), firstToken: 3, totalTokens: whole.tokens.length };
    store.setPartial('d', 2, partial);
    expect(store.get('d', 2)?.partial).toEqual({ firstToken: 3, totalTokens: whole.tokens.length });
    expect(store.get('d', 2)?.result.tokens).toHaveLength(3);
    store.noteEdit('d', 3, 0);
    expect(store.prefix('d', 3)).toBeUndefined();
    store.set('d', 2, whole);
    expect(store.get('d', 2)?.partial).toBeUndefined();
    store.setPartial('d', 2, partial); // late: never over the whole result
    expect(store.get('d', 2)?.result.tokens).toHaveLength(whole.tokens.length);
  });
});
