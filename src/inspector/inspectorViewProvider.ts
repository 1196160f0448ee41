// Host side of the inspector panel (webview view `activationInspector.inspector`): serves the HTML
// shell, validates every message from the panel (malformed ones are logged, rate-limited, and
// ignored), and keeps the panel on the active document's current analysis and cursor, or on an
// opened snapshot (read-only, no model needed).
import * as vscode from 'vscode';
import type { AnalysisResult } from '../engine/types';
import { type AnalysisStore } from '../editor/analysisStore';
import type { DocumentTracker } from '../editor/documentTracker';
import { key, sha256Hex } from '../editor/documentTracker';
import type { HeatmapDecorations } from '../editor/decorations';
import { COMMANDS } from '../editor/hoverBuilder';
import type { LoadedSnapshot } from '../editor/engineApi';
import type { Logger } from '../editor/documentTracker';
import { describeError, type ModelHost } from '../editor/modelHost';
import { statusView } from '../editor/statusBar';
import { tokenIndexAtOffset } from '../editor/tokenLookup';
import {
  type AnalysisMessage,
  DEFAULT_LEGEND,
  type FromWebviewMessage,
  type InitMessage,
  parseFromWebview,
  parseToWebview,
  PROTOCOL_VERSION,
  type StatusMessage,
  type ToWebviewMessage,
} from '../protocol';
import { updateSetting, type Settings } from '../settings';
import { makeNonce, panelHtml } from './html';
import { type AnalysisSource, buildAnalysisMessage, buildSelectionMessage, featureOccurrences, inWindow } from './panelMessages';

export const VIEW_ID = 'activationInspector.inspector';

export interface InspectorDeps {
  extensionUri: vscode.Uri;
  store: AnalysisStore;
  tracker: DocumentTracker;
  model: ModelHost;
  heatmap: HeatmapDecorations;
  settings: () => Settings;
  log: Logger;
  labelOf: (hook: string, index: number) => string | undefined;
  /** Fraction of tokens a feature fires on (bundle cards); absent or undefined when unknown. */
  densityOf?: (hook: string, index: number) => number | undefined;
}

interface SnapshotView {
  loaded: LoadedSnapshot;
  fileUri: vscode.Uri;
  textMatches: boolean | null;
}

/** While typing, the panel's prefix view is refreshed at most this often. */
const EDIT_PUSH_MS = 250;

/** Malformed panel messages logged per minute; the rest are counted, not logged (no log storm). */
const MAX_REJECTIONS_LOGGED_PER_MINUTE = 10;

export class InspectorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private snapshot: SnapshotView | undefined;
  private lastAnalysis: AnalysisMessage | undefined;
  private selectedIndex: number | null = null;
  /** A token asked for (hover's "Show in inspector") before the panel was ready. */
  private requestedIndex: number | undefined;
  /** Pending panel update after an edit (throttled), and the prefix view built for the current version. */
  private editPushTimer: ReturnType<typeof setTimeout> | undefined;
  private prefixSource: AnalysisSource | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private rejections = { windowStart: 0, logged: 0, dropped: 0 };
  /** Messages sent, by type (tests and the output channel's debug line read it). */
  readonly sent: Record<string, number> = {};

  constructor(private readonly deps: InspectorDeps) {
    const storeSub = deps.store.onDidChange((docKey, change) => {
      const doc = this.activeDocument();
      if (this.snapshot || !doc || key(doc) !== docKey) return;
      if (change !== 'edit') {
        this.cancelEditPush();
        this.pushAnalysis(true);
        return;
      }
      // While typing: at most one update per EDIT_PUSH_MS, showing only the still-valid prefix.
      this.editPushTimer ??= setTimeout(() => {
        this.editPushTimer = undefined;
        this.pushAnalysis(true);
      }, EDIT_PUSH_MS);
    });
    this.disposables.push(
      { dispose: () => storeSub.dispose() },
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.snapshot = undefined;
        this.pushInit();
        this.pushAnalysis(true);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (this.snapshot || e.textEditor !== vscode.window.activeTextEditor) return;
        this.followCursor(e.textEditor);
      }),
      deps.tracker.onDidChangeStatus(() => this.pushStatus()),
      deps.heatmap.onDidChangeView((v) => this.post({ type: 'highlight', feature: v?.kind === 'feature' ? { hook: v.hook, index: v.index } : null })),
    );
    const modelSub = deps.model.onDidChangeState(() => {
      this.pushStatus();
      if (deps.model.state.kind === 'ready') this.pushInit();
    });
    this.disposables.push({ dispose: () => modelSub.dispose() });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.deps.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [dist] };
    view.webview.html = panelHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      nonce: makeNonce(),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      // Without retainContextWhenHidden a hidden panel loses its page; it says 'ready' again when shown.
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.ready = false;
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    );
  }

  /** Reveals the panel; with a token offset, selects that token. */
  async reveal(target?: { uri?: string; offset?: number }): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    if (target?.offset !== undefined) {
      const doc = this.activeDocument();
      const stored = doc && this.deps.store.get(key(doc), doc.version);
      if (stored && (!target.uri || target.uri === key(doc!))) {
        const index = tokenIndexAtOffset(stored.result.tokens, target.offset);
        // A panel opened just now is not ready yet: it gets this token once it says so.
        if (index >= 0 && this.canPost()) this.select(index);
        else if (index >= 0) this.requestedIndex = index;
      }
    }
  }

  /** Shows a loaded snapshot, read-only, until the active editor changes. */
  async showSnapshot(loaded: LoadedSnapshot, fileUri: vscode.Uri, textMatches: boolean | null): Promise<void> {
    this.snapshot = { loaded, fileUri, textMatches };
    this.selectedIndex = null;
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    this.pushInit();
    this.pushAnalysis(true);
  }

  /** Settings or model changed: resend what the panel renders with. */
  refresh(): void {
    this.pushInit();
    this.pushStatus();
    this.pushAnalysis(true);
  }

  get isShowingSnapshot(): boolean {
    return this.snapshot !== undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  private receive(raw: unknown): void {
    const parsed = parseFromWebview(raw);
    if (!parsed.ok) {
      this.logRejection(parsed.reason);
      return;
    }
    void this.handle(parsed.message).catch((e) => this.deps.log.error(`Inspector: handling a panel message failed: ${(e as Error)?.message ?? e}`));
  }

  private logRejection(reason: string): void {
    const now = Date.now();
    if (now - this.rejections.windowStart > 60_000) {
      if (this.rejections.dropped > 0) this.deps.log.warn(`Inspector: ${this.rejections.dropped} more malformed panel messages ignored`);
      this.rejections = { windowStart: now, logged: 0, dropped: 0 };
    }
    if (this.rejections.logged < MAX_REJECTIONS_LOGGED_PER_MINUTE) {
      this.rejections.logged++;
      this.deps.log.warn(`Inspector: ignored a malformed panel message: ${reason}`);
    } else {
      this.rejections.dropped++;
    }
  }

  private async handle(msg: FromWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.pushInit();
        this.pushStatus();
        this.pushAnalysis(true);
        return;
      case 'selectToken':
        this.select(msg.index);
        return;
      case 'revealToken':
        this.revealToken(msg.index);
        return;
      case 'requestCard':
        await this.answerCard(msg.requestId, msg.hook, msg.index);
        return;
      case 'highlightFeature':
        await vscode.commands.executeCommand(COMMANDS.highlightFeature, { hook: msg.hook, index: msg.index });
        return;
      case 'clearHighlight':
        this.deps.heatmap.setView(undefined);
        return;
      case 'setOptions':
        await this.applyOptions(msg.topK, msg.featuresPerToken);
        return;
      case 'exportSnapshot':
        await vscode.commands.executeCommand(COMMANDS.exportSnapshot, { includeActivations: msg.includeActivations });
        return;
      case 'openSnapshot':
        await vscode.commands.executeCommand(COMMANDS.openSnapshot);
        return;
      case 'log':
        this.deps.log[msg.level](`Inspector panel: ${msg.message}`);
        return;
    }
  }

  /** Panel controls write the settings only when a value actually changes, where the change takes effect. */
  private async applyOptions(topK: number, featuresPerToken: number): Promise<void> {
    const s = this.deps.settings();
    if (s.topK !== topK) await updateSetting('topK', topK);
    if (s.featuresPerToken !== featuresPerToken) await updateSetting('featuresPerToken', featuresPerToken);
  }

  private async answerCard(requestId: string, hook: string, index: number): Promise<void> {
    const source = this.source();
    const occurrences = source ? featureOccurrences(source.result, hook, index) : [];
    const reply = (card: unknown, error: string | null) =>
      this.post({ type: 'card', requestId, hook, index, card: card as never, occurrences, error } as ToWebviewMessage);
    const engine = this.deps.model.loaded;
    if (this.snapshot && (!engine || engine.modelId !== this.snapshot.loaded.modelId)) {
      reply(null, `Feature cards need the model "${this.snapshot.loaded.modelId}" loaded; this snapshot is shown without it.`);
      return;
    }
    const got = engine ? { ok: true as const, value: engine } : await this.deps.model.get();
    if (!got.ok) {
      reply(null, describeError(got.error));
      return;
    }
    const card = await got.value.getCard(hook, index);
    if (card.ok) reply(card.value, null);
    else reply(null, describeError(card.error));
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  private activeDocument(): vscode.TextDocument | undefined {
    return vscode.window.activeTextEditor?.document;
  }

  /** What the panel shows now: the snapshot, or the active document's current analysis. */
  private source(): AnalysisSource | undefined {
    if (this.snapshot) {
      const { loaded, fileUri } = this.snapshot;
      return { docUri: fileUri.toString(), fileName: fileUri.path.split('/').pop() ?? 'snapshot', version: 0, result: loaded.result };
    }
    const doc = this.activeDocument();
    if (!doc) return undefined;
    const docKey = key(doc);
    const cached = this.prefixSource;
    if (cached && cached.docUri === docKey && cached.version === doc.version) return cached;
    const part = this.deps.store.prefix(docKey, doc.version);
    if (!part) return undefined;
    const fileName = doc.uri.path.split('/').pop() ?? '';
    if (part.validTokens === part.result.tokens.length) return { docUri: docKey, fileName, version: doc.version, result: part.result };
    if (part.validTokens === 0) return undefined;
    // An edit is being analysed: only the tokens before it, which are exactly what the new analysis
    // will say about them, labelled with the current version and text.
    const text = doc.getText();
    const result: AnalysisResult = { ...part.result, tokens: part.result.tokens.slice(0, part.validTokens), textSha256: sha256Hex(text), textLength: text.length };
    delete result.activations;
    this.prefixSource = { docUri: docKey, fileName, version: doc.version, result };
    return this.prefixSource;
  }

  private cancelEditPush(): void {
    if (this.editPushTimer) clearTimeout(this.editPushTimer);
    this.editPushTimer = undefined;
    this.prefixSource = undefined;
  }

  private cursorIndex(result: AnalysisResult): number | null {
    if (this.snapshot) return this.selectedIndex;
    const editor = vscode.window.activeTextEditor;
    if (!editor) return null;
    const i = tokenIndexAtOffset(result.tokens, editor.document.offsetAt(editor.selection.active));
    return i >= 0 ? i : result.tokens.length > 0 ? result.tokens.length - 1 : null;
  }

  private pushInit(): void {
    if (!this.canPost()) return;
    const s = this.deps.settings();
    const engine = this.deps.model.loaded;
    let model: InitMessage['model'] = null;
    if (this.snapshot) {
      const r = this.snapshot.loaded.result;
      model = { id: this.snapshot.loaded.modelId, name: this.snapshot.loaded.modelId, hooks: r.hooks, hooksWithCards: [], topkMax: 50 };
    } else if (engine) {
      model = { id: engine.modelId, name: engine.modelName, hooks: [...engine.hooks], hooksWithCards: [...engine.hooksWithCards], topkMax: engine.topkMax };
    }
    this.post({
      type: 'init',
      protocol: PROTOCOL_VERSION,
      model,
      settings: { topK: Math.max(1, s.topK), featuresPerToken: Math.max(1, s.featuresPerToken), hook: s.hooks.length === 1 ? s.hooks[0]! : null },
      legend: { ...DEFAULT_LEGEND, mode: s.heatmapMode },
      readOnly: this.snapshot !== undefined,
      snapshot: this.snapshot
        ? { fileName: this.snapshot.fileUri.path.split('/').pop() ?? '', createdAt: this.snapshot.loaded.createdAt, textMatches: this.snapshot.textMatches }
        : null,
    });
  }

  private pushStatus(): void {
    if (!this.canPost() || this.snapshot) return;
    const doc = this.activeDocument();
    const model = this.deps.model.state;
    const docStatus = doc ? this.deps.tracker.status(key(doc)) : undefined;
    const view = statusView(model, docStatus);
    const message = view.message.slice(0, 2000);
    let state: StatusMessage['state'] = 'idle';
    let progress: number | null = null;
    if (model.kind === 'loading') state = 'loading-model';
    else if (model.kind === 'error') state = 'error';
    else if (docStatus?.kind === 'analysing' || docStatus?.kind === 'pending') {
      state = 'analysing';
      progress = docStatus.kind === 'analysing' && docStatus.fraction !== undefined ? Math.min(1, Math.max(0, docStatus.fraction)) : null;
    } else if (docStatus?.kind === 'ready') state = 'ready';
    else if (docStatus?.kind === 'skipped') state = 'not-analysed';
    else if (docStatus?.kind === 'error') state = 'error';
    this.post({ type: 'status', state, message, progress });
    if (docStatus?.kind === 'skipped') this.post({ type: 'clear', reason: `Not analysed because ${docStatus.reason}. ${docStatus.detail}`.slice(0, 2000) });
  }

  /** Sends the analysis window (and the selection) for the current source. */
  private pushAnalysis(withSelection: boolean): void {
    if (!this.canPost()) return;
    const source = this.source();
    if (!source) {
      const doc = this.activeDocument();
      if (!doc) this.post({ type: 'clear', reason: 'Open a text file to see its analysis.' });
      // Nothing of what is on screen holds for the current text (another document, or an edit at
      // its very start): clear it rather than show results of a superseded version.
      else if (this.lastAnalysis) {
        this.post({ type: 'clear', reason: `Waiting for the analysis of ${doc.uri.path.split('/').pop() ?? 'this document'}…` });
      } else return;
      this.lastAnalysis = undefined;
      return;
    }
    const requested = this.requestedIndex;
    this.requestedIndex = undefined;
    const cursor = requested !== undefined && requested < source.result.tokens.length ? requested : this.cursorIndex(source.result);
    const msg = buildAnalysisMessage(source, cursor);
    this.lastAnalysis = msg;
    this.post(msg);
    if (withSelection && cursor !== null) this.select(cursor);
  }

  private followCursor(editor: vscode.TextEditor): void {
    if (!this.canPost()) return;
    const source = this.source();
    if (!source) return;
    const index = tokenIndexAtOffset(source.result.tokens, editor.document.offsetAt(editor.selection.active));
    if (index < 0 || index === this.selectedIndex) return;
    if (!this.lastAnalysis || this.lastAnalysis.docUri !== source.docUri || this.lastAnalysis.version !== source.version || !inWindow(this.lastAnalysis, index)) {
      this.pushAnalysis(true);
      return;
    }
    this.select(index);
  }

  private select(index: number): void {
    const source = this.source();
    if (!source) return;
    if (this.lastAnalysis && !inWindow(this.lastAnalysis, index)) {
      const msg = buildAnalysisMessage(source, index);
      this.lastAnalysis = msg;
      this.post(msg);
    }
    const msg = this.snapshot
      ? buildSelectionMessage(source, index, () => undefined)
      : buildSelectionMessage(source, index, this.deps.labelOf, this.deps.densityOf);
    if (!msg) return;
    this.selectedIndex = index;
    this.post(msg);
  }

  private revealToken(index: number): void {
    const source = this.source();
    const token = source?.result.tokens[index];
    if (!source || !token) return;
    const editor = vscode.window.visibleTextEditors.find((e) => key(e.document) === source.docUri) ?? vscode.window.activeTextEditor;
    if (this.snapshot || !editor || key(editor.document) !== source.docUri) {
      this.select(index);
      return;
    }
    const start = editor.document.positionAt(token.start);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, editor.document.positionAt(token.end)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.select(index);
  }

  private canPost(): boolean {
    return this.view !== undefined && this.ready;
  }

  private post(msg: ToWebviewMessage): void {
    if (!this.view || !this.ready) return;
    // The panel validates too; checking here turns a host bug into one log line instead of a blank
    // panel. Analysis windows are left out (validating one costs 5-60 ms, and they are sent while
    // typing): buildAnalysisMessage clamps every field, and unit tests run its output through
    // parseToWebview.
    const checked = msg.type === 'analysis' ? ({ ok: true } as const) : parseToWebview(msg);
    if (!checked.ok) {
      this.deps.log.error(`Inspector: not sending an invalid ${msg.type} message: ${checked.reason}`);
      return;
    }
    this.sent[msg.type] = (this.sent[msg.type] ?? 0) + 1;
    void this.view.webview.postMessage(msg);
  }

  dispose(): void {
    this.cancelEditPush();
    for (const d of this.disposables) d.dispose();
  }
}
