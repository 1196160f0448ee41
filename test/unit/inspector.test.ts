import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../src/inspector/html';
import { InspectorViewProvider } from '../../src/inspector/inspectorViewProvider';
import { buildAnalysisMessage, buildSelectionMessage, featureOccurrences } from '../../src/inspector/panelMessages';
import { parseToWebview, PROTOCOL_VERSION, type ToWebviewMessage } from '../../src/protocol';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { PAGE_NEEDS } from '../../webview/components/toolkitPage';
import { fakeAnalysis } from './editorFakeEngine';
import { fakeEditorParts } from './editorFakeParts';
import { fake, FakeWebviewView, Uri } from './editorFakeVscode';

describe('panel HTML', () => {
  const page = { cspSource: 'vscode-webview://abc', scriptUri: 'vscode-resource:/ext/dist/webview.js', styleUri: 'vscode-resource:/ext/dist/webview.css' };
  const cspOf = (html: string) => /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;

  it('has a strict CSP: nothing by default, only our nonce for scripts, no inline or remote code', () => {
    const nonce = makeNonce();
    const html = panelHtml({ ...page, nonce, needs: { styleNonce: true } });
    const csp = cspOf(html);
    expect(csp.split('; ')[0]).toBe("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(csp).toContain(`style-src vscode-webview://abc 'nonce-${nonce}'`);
    expect(html).toContain(`<meta property="csp-nonce" content="${nonce}">`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain(`nonce="${nonce}"`);
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(makeNonce()).not.toBe(nonce);
    expect(contentSecurityPolicy('x', 'n')).toContain("connect-src 'none'");
  });

  it('allows no inline style at all when the panel does not ask for a style nonce', () => {
    const html = panelHtml({ ...page, nonce: 'bm9uY2U=', needs: { styleNonce: false } });
    expect(cspOf(html)).toContain('style-src vscode-webview://abc; ');
    expect(html).not.toContain('csp-nonce');
    expect(cspOf(html)).toContain("script-src 'nonce-bm9uY2U='");
  });

  it('follows what the panel declares it needs', () => {
    const html = panelHtml({ ...page, nonce: 'bm9uY2U=' });
    expect(html.includes('csp-nonce')).toBe(PAGE_NEEDS.styleNonce);
    expect(cspOf(html).includes(`style-src vscode-webview://abc 'nonce-`)).toBe(PAGE_NEEDS.styleNonce);
  });
});

describe('panel messages', () => {
  const result = fakeAnalysis('def f(x):\n    return x + 1\n');
  const src = { docUri: 'file:///w/a.py', fileName: 'a.py', version: 3, result };

  it('analysis and selection messages pass the protocol validators', () => {
    const a = buildAnalysisMessage(src, 4);
    expect(parseToWebview(a)).toMatchObject({ ok: true });
    for (let i = 0; i < result.tokens.length; i++) {
      const s = buildSelectionMessage(src, i, (_h, k) => (k === 99 ? undefined : `label ${k}`))!;
      const parsed = parseToWebview(s);
      expect(parsed, `token ${i}: ${parsed.ok ? '' : parsed.reason}`).toMatchObject({ ok: true });
    }
    expect(buildSelectionMessage(src, 0, () => undefined)!.predictedBy).toBeNull();
  });

  it('selection densities follow the features, null where unknown or not a fraction', () => {
    const hook = 'blocks.0.hook_resid_post';
    const i = result.tokens.findIndex((t) => (t.features[hook]?.length ?? 0) >= 2);
    const [a, b] = result.tokens[i]!.features[hook]!;
    const s = buildSelectionMessage(src, i, () => undefined, (_h, k) => (k === a!.index ? 0.25 : k === b!.index ? Number.NaN : undefined))!;
    expect(s.featureDensities[hook]!.slice(0, 2)).toEqual([0.25, null]);
    expect(parseToWebview(s).ok).toBe(true);
    expect(buildSelectionMessage(src, i, () => undefined)!.featureDensities[hook]!.every((d) => d === null)).toBe(true);
  });

  it("selection carries each listed feature's positional flag, label score and readability when the bundle has them", () => {
    const hook = 'blocks.0.hook_resid_post';
    const i = result.tokens.findIndex((t) => (t.features[hook]?.length ?? 0) >= 2);
    const [a, b] = result.tokens[i]!.features[hook]!;
    const facts = (_h: string, k: number) => (k === a!.index ? { positional: true, score: 0.21, readable: false } : k === b!.index ? { score: Number.NaN } : undefined);
    const s = buildSelectionMessage(src, i, () => 'x', () => undefined, facts)!;
    expect(s.featurePositional![hook]!.slice(0, 2)).toEqual([true, false]);
    expect(s.featureScores![hook]!.slice(0, 2)).toEqual([0.21, null]);
    expect(s.featureReadable![hook]!.slice(0, 2)).toEqual([false, null]);
    expect(parseToWebview(s)).toMatchObject({ ok: true });
    // An older bundle: none of the three is sent.
    const older = buildSelectionMessage(src, i, () => 'x', () => undefined, () => undefined)!;
    expect([older.featurePositional, older.featureScores, older.featureReadable]).toEqual([undefined, undefined, undefined]);
    expect(parseToWebview(older)).toMatchObject({ ok: true });
  });

  it('windows long documents around the cursor', () => {
    const long = fakeAnalysis('x '.repeat(6000));
    const msg = buildAnalysisMessage({ ...src, result: long }, 9000, 1000);
    expect(msg.tokens).toHaveLength(1000);
    expect(msg.firstIndex).toBeLessThanOrEqual(9000);
    expect(msg.firstIndex + 1000).toBeGreaterThan(9000);
    expect(parseToWebview(msg).ok).toBe(true);
  });

  it('finds where a feature fires, strongest first', () => {
    const idx = result.tokens[2]!.features['blocks.0.hook_resid_post']![0]!.index;
    const occ = featureOccurrences(result, 'blocks.0.hook_resid_post', idx);
    expect(occ.some((o) => o.index === 2)).toBe(true);
    expect(occ.map((o) => o.activation)).toEqual([...occ.map((o) => o.activation)].sort((a, b) => b - a));
  });
});

describe('inspector view provider', () => {
  let view: FakeWebviewView;
  let provider: InspectorViewProvider;
  let store: AnalysisStore;
  let logs: string[];

  beforeEach(async () => {
    fake.reset();
    logs = [];
    const log = { info: (l: string) => logs.push(l), warn: (l: string) => logs.push(l), error: (l: string) => logs.push(`ERROR ${l}`) };
    const parts = await fakeEditorParts(log);
    const { engine, heatmap } = parts;
    store = parts.store;
    provider = new InspectorViewProvider({ ...parts, labelOf: (h, i) => engine.featureLabel(h, i) });
    // the highlight command as extension.ts registers it
    fake.commands.set('activationInspector.highlightFeature', (arg) => {
      const { hook, index } = arg as { hook: string; index: number };
      heatmap.setView({ kind: 'feature', hook, index });
    });
    view = new FakeWebviewView();
    provider.resolveWebviewView(view as never);
  });

  const posted = <T extends ToWebviewMessage['type']>(type: T) =>
    view.webview.posted.filter((m): m is Extract<ToWebviewMessage, { type: T }> => m.type === type);

  it('limits resources to dist/ and sends nothing before the panel says ready', () => {
    expect((view.webview.options as { localResourceRoots: Uri[] }).localResourceRoots.map((u) => u.path)).toEqual(['/ext/dist']);
    expect(view.webview.html).toContain('/ext/dist/webview.js');
    expect(view.webview.posted).toHaveLength(0);
  });

  it('answers ready with init, analysis and the cursor token, all valid; follows the cursor', async () => {
    const { doc, editor } = fake.open('/w/a.py', 'import os\nprint(os.name)\n');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    await new Promise((r) => setTimeout(r, 0));
    expect(posted('init')).toHaveLength(1);
    expect(posted('init')[0]).toMatchObject({ readOnly: false, model: { id: 'fake-model' } });
    expect(posted('analysis')[0]).toMatchObject({ docUri: doc.uri.toString(), version: doc.version, cursorIndex: 0 });
    expect(posted('selection')[0]).toMatchObject({ index: 0 });
    for (const m of view.webview.posted) expect(parseToWebview(m).ok).toBe(true);
    editor.moveCursor(doc.getText().indexOf('print') + 2);
    const printIndex = fakeAnalysis(doc.getText()).tokens.findIndex((t) => t.text === 'print');
    expect(posted('selection').at(-1)).toMatchObject({ index: printIndex, token: { text: 'print' } });
  });

  it('panel options are written where they take effect: the workspace when it sets them, else the user', async () => {
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    fake.workspaceConfig.set('activationInspector.topK', 5);
    view.webview.receive.fire({ type: 'setOptions', topK: 20, featuresPerToken: DEFAULT_SETTINGS.featuresPerToken + 1, hook: null });
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.configWrites).toEqual([
      { key: 'activationInspector.topK', value: 20, target: 'workspace' },
      { key: 'activationInspector.featuresPerToken', value: DEFAULT_SETTINGS.featuresPerToken + 1, target: 'global' },
    ]);
    expect(fake.config.get('activationInspector.topK')).toBe(20);
  });

  it('"Show in inspector" before the panel is ready selects that token once it is', async () => {
    const { doc } = fake.open('/w/a.py', 'alpha beta gamma delta');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    await provider.reveal({ uri: doc.uri.toString(), offset: doc.getText().indexOf('gamma') + 1 });
    expect(fake.executed.map((e) => e.name)).toContain('activationInspector.inspector.focus');
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    expect(posted('selection').at(-1)).toMatchObject({ index: 4, token: { text: 'gamma' } });
  });

  it('clears the panel when the active editor switches to a document without an analysis yet', async () => {
    const { doc } = fake.open('/w/a.py', 'alpha beta');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    expect(posted('analysis')).toHaveLength(1);
    fake.open('/w/b.py', 'other text');
    expect(posted('clear').at(-1)).toMatchObject({ reason: expect.stringContaining('b.py') });
  });

  it('while an edit is analysed, shows only the tokens before it, under the current version', async () => {
    const { doc } = fake.open('/w/a.py', 'alpha beta gamma delta epsilon zeta eta theta');
    const result = fakeAnalysis(doc.getText());
    store.set(doc.uri.toString(), doc.version, result);
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    const at = doc.getText().indexOf('zeta');
    doc.edit(at, 0, 'Z'); // the tracker reports each edit to the store
    doc.edit(at + 1, 0, 'Z');
    await new Promise((r) => setTimeout(r, 400));
    const msgs = posted('analysis');
    expect(msgs).toHaveLength(2); // the first, and one throttled update for both keystrokes
    const prefix = msgs.at(-1)!;
    expect(prefix.version).toBe(doc.version);
    expect(prefix.tokens.length).toBeGreaterThan(0);
    expect(prefix.tokens.at(-1)!.end).toBeLessThan(at);
    expect(parseToWebview(prefix).ok).toBe(true);
    doc.edit(0, 0, 'Q');
    await new Promise((r) => setTimeout(r, 400));
    expect(posted('clear').at(-1)).toMatchObject({ reason: expect.stringContaining('a.py') });
  });

  it('stops sending while hidden and starts again when the panel says ready', async () => {
    const { doc } = fake.open('/w/a.py', 'alpha beta');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    view.setVisible(false);
    const before = view.webview.posted.length;
    provider.refresh();
    expect(view.webview.posted.length).toBe(before);
    view.setVisible(true);
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    expect(posted('init')).toHaveLength(2);
  });

  it('reveals a clicked token in the editor and serves cards with occurrences', async () => {
    const { doc, editor } = fake.open('/w/a.py', 'alpha beta gamma');
    const result = fakeAnalysis(doc.getText());
    store.set(doc.uri.toString(), doc.version, result);
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    view.webview.receive.fire({ type: 'revealToken', index: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(doc.offsetAt(editor.selection.active as never)).toBe(result.tokens[2]!.start);
    expect(editor.revealed).toBeDefined();
    const f = result.tokens[2]!.features['blocks.0.hook_resid_post']![0]!;
    view.webview.receive.fire({ type: 'requestCard', requestId: 'r1', hook: 'blocks.0.hook_resid_post', index: f.index });
    await new Promise((r) => setTimeout(r, 10));
    const card = posted('card')[0];
    expect(card).toMatchObject({ requestId: 'r1', error: null, card: { index: f.index } });
    expect(card!.occurrences.some((o) => o.index === 2)).toBe(true);
    view.webview.receive.fire({ type: 'highlightFeature', hook: 'blocks.0.hook_resid_post', index: f.index });
    await new Promise((r) => setTimeout(r, 0));
    expect(posted('highlight').at(-1)).toEqual({ type: 'highlight', feature: { hook: 'blocks.0.hook_resid_post', index: f.index } });
  });

  it('ignores malformed messages and logs a bounded number of them', async () => {
    fake.open('/w/a.py', 'x');
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    await new Promise((r) => setTimeout(r, 50)); // let the opened document's analysis land first
    const before = view.webview.posted.length;
    for (let i = 0; i < 1000; i++) view.webview.receive.fire(i % 2 ? { type: 'revealToken', index: -i } : `garbage ${i}`);
    await new Promise((r) => setTimeout(r, 0));
    expect(view.webview.posted.slice(before).map((m) => m.type)).toEqual([]);
    expect(logs.filter((l) => l.includes('malformed')).length).toBeLessThanOrEqual(11);
    expect(logs.some((l) => l.startsWith('ERROR'))).toBe(false);
  });

  it('shows a snapshot read-only with its own tokens until the editor changes', async () => {
    fake.open('/w/a.py', 'something else');
    view.webview.receive.fire({ type: 'ready', protocol: PROTOCOL_VERSION });
    const result = fakeAnalysis('snap shot text');
    await provider.showSnapshot(
      { raw: {}, modelId: 'fake-model', createdAt: '2026-11-28T00:00:00Z', document: { path: '/w/a.py', languageId: 'python', textSha256: result.textSha256, length: result.textLength }, result },
      Uri.file('/w/a.activations.json') as never,
      false,
    );
    expect(posted('init').at(-1)).toMatchObject({ readOnly: true, snapshot: { fileName: 'a.activations.json', textMatches: false } });
    expect(posted('analysis').at(-1)).toMatchObject({ textSha256: result.textSha256, tokenCount: result.tokens.length });
    view.webview.receive.fire({ type: 'selectToken', index: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(posted('selection').at(-1)).toMatchObject({ index: 2, token: { text: 'shot' } });
    expect(provider.isShowingSnapshot).toBe(true);
  });
});
