// Host side of the inspector panel (webview view `activationInspector.inspector`): the VS Code shell.
// It serves the HTML page, listens to the editor, the store, the tracker and the model, and posts
// what the panel shows. The rules live beside it, each testable alone: what to show (panelContent),
// the status line (panelStatus), what each panel message does (panelRequests: validation and dispatch,
// card answers), the "Why this prediction" section's requests and editor tints (panelExplain), and the
// feature edits (panelEdits).
import * as vscode from 'vscode';
import { key } from '../editor/document/documentKey';
import type { LoadedSnapshot } from '../editor/model/engineApi';
import type { EditorParts } from '../editor/editorParts';
import { tokenIndexAtOffset } from '../editor/document/tokenLookup';
import { type AnalysisMessage, type ComparisonMessage, parseToWebview, type ToWebviewMessage } from '../protocol';
import type { LensSummary } from '../shared/lensSummary';
import { PanelExplain } from './panelExplain';
import { PanelEdits } from './panelEdits';
import type { FeatureEditing } from '../editor/edits/featureEditing';
import { FollowedEditor, type InspectorSurface, loadInspectorPage, viewSurface } from './inspectorSurface';
import { PanelRequests } from './panelRequests';
import {
  buildInitMessage,
  clearReason,
  cursorTokenIndex,
  type DocumentView,
  documentSource,
  needsNewWindow,
  type SnapshotView,
  snapshotSource,
} from './panelContent';
import { type AnalysisSource, buildAnalysisMessage, buildSelectionMessage, inWindow } from './panelMessages';
import { panelStatusMessages } from './panelStatus';

export const VIEW_ID = 'activationInspector.inspector';

export interface InspectorDeps extends EditorParts {
  extensionUri: vscode.Uri;
  labelOf: (hook: string, index: number) => string | undefined;
  /** Fraction of tokens a feature fires on (bundle cards); absent or undefined when unknown. */
  densityOf?: (hook: string, index: number) => number | undefined;
  /** Feature edits and continuations (absent: the panel offers none). */
  editing?: FeatureEditing;
}

/** While typing, the panel's prefix view is refreshed at most this often. */
const EDIT_PUSH_MS = 250;

function documentView(doc: vscode.TextDocument): DocumentView {
  return { key: key(doc), version: doc.version, path: doc.uri.path, getText: () => doc.getText() };
}

export class InspectorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: InspectorSurface | undefined;
  /** The text editor followed (the active one, or the last one while a webview beside has the focus). */
  private readonly followed: FollowedEditor;
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
  /** What each panel message does (panelRequests.ts). */
  private readonly requests: PanelRequests;
  /** The "Why" section's requests, and the editor's picture of the head chosen there. */
  readonly explain: PanelExplain;
  /** Feature edits, their effect and continuations (panelEdits.ts). */
  readonly edits: PanelEdits;
  /** "Explain this prediction" asked before the panel was ready: open its "Why" section once it is. */
  private whyRequested = false;
  /** The comparison the token strip colours by (Compare with ...), resent when the page reloads. */
  private comparison: ComparisonMessage | undefined;
  /** Messages sent, by type (tests and the output channel's debug line read it). */
  readonly sent: Record<string, number> = {};

  /** `place` shows this inspector where it lives: the bottom panel's view unless told otherwise (the
   *  webview panel beside the editor, sidePanel.ts). */
  constructor(
    private readonly deps: InspectorDeps,
    private readonly place: { reveal(): Thenable<unknown> } = { reveal: () => vscode.commands.executeCommand(`${VIEW_ID}.focus`) },
  ) {
    this.followed = new FollowedEditor({
      switched: () => {
        this.snapshot = undefined;
        this.explain.clearAttention();
        this.pushInit();
        this.pushAnalysis(true);
      },
      cursorMoved: (editor) => {
        if (!this.snapshot) this.followCursor(editor);
      },
    });
    this.explain = new PanelExplain({
      ...deps,
      document: () => this.activeDocument(),
      source: () => this.source(),
      showingSnapshot: () => this.snapshot !== undefined,
      post: (m) => this.post(m),
    });
    this.edits = new PanelEdits({ ...deps, document: () => this.activeDocument(), showingSnapshot: () => this.snapshot !== undefined, topK: () => deps.settings().topK, post: (m) => this.post(m), canPost: () => this.canPost(), warn: (message) => this.post({ type: 'error', message, kind: null }) });
    this.requests = new PanelRequests({
      ...deps,
      explain: this.explain,
      edits: this.edits,
      source: () => this.source(),
      showingSnapshot: () => this.snapshot !== undefined,
      snapshotModelId: () => this.snapshot?.loaded.modelId,
      followedEditor: () => this.followed.editor,
      pageReady: () => this.pageReady(),
      select: (index) => this.select(index),
      post: (m) => this.post(m),
    });
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
    const modelSub = deps.model.onDidChangeState(() => {
      this.pushStatus();
      if (deps.model.state.kind === 'ready') this.pushInit();
    });
    this.disposables.push(
      storeSub,
      modelSub,
      deps.tracker.onDidChangeStatus(() => this.pushStatus()),
      deps.heatmap.onDidChangeView((v) => this.post({ type: 'highlight', feature: v?.kind === 'feature' ? { hook: v.hook, index: v.index } : null })),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.attach(viewSurface(view));
  }

  /** Serves the page in `view` (the bottom panel's view, or a webview panel beside the editor). */
  attach(view: InspectorSurface): void {
    this.view = view;
    this.ready = false;
    loadInspectorPage(view.webview, this.deps.extensionUri);
    this.disposables.push(
      view.webview.onDidReceiveMessage(this.requests.receive),
      // Without retainContextWhenHidden a hidden panel loses its page; it says 'ready' again when shown.
      view.onDidChangeVisibility(() => {
        if (view.visible) return;
        this.ready = false;
        this.explain.clearAttention(); // the head it was chosen in is gone with the page
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    );
  }

  /** Reveals the panel; with a token offset, selects that token; with `why`, opens its "Why" section. */
  async reveal(target?: { uri?: string; offset?: number }, why = false): Promise<void> {
    await this.place.reveal();
    if (why && this.canPost()) this.post({ type: 'showWhy' });
    else if (why) this.whyRequested = true;
    if (target?.offset === undefined) return;
    const doc = this.activeDocument();
    const stored = doc && this.deps.store.get(key(doc), doc.version);
    if (!doc || !stored || (target.uri && target.uri !== key(doc))) return;
    const index = tokenIndexAtOffset(stored.result.tokens, target.offset);
    // A panel opened just now is not ready yet: it gets this token once it says so.
    if (index >= 0 && this.canPost()) this.select(index);
    else if (index >= 0) this.requestedIndex = index;
  }

  /** Shows a loaded snapshot, read-only, until the active editor changes. */
  async showSnapshot(loaded: LoadedSnapshot, fileUri: vscode.Uri, textMatches: boolean | null): Promise<void> {
    this.snapshot = { loaded, fileUri, textMatches };
    this.selectedIndex = null;
    await this.place.reveal();
    this.pushInit();
    this.pushAnalysis(true);
  }

  /** A comparison with another version for the token strip (label null: none any more). */
  showComparison(msg: ComparisonMessage): void {
    this.comparison = msg.label === null ? undefined : msg;
    this.post(msg);
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

  /** The hover's lens line for token `index` of a document version, when the panel explained it. */
  lensSummary(docKey: string, version: number, index: number): LensSummary | undefined {
    return this.explain.lensSummary(docKey, version, index);
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  /** The page has (re)loaded: it gets what it shows, and what was asked for before it was ready. */
  private pageReady(): void {
    this.ready = true;
    if (this.whyRequested) this.post({ type: 'showWhy' });
    this.whyRequested = false;
    this.refresh();
    if (this.comparison) this.post(this.comparison);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  private activeDocument(): vscode.TextDocument | undefined {
    return this.followed.editor?.document;
  }

  /** What the panel shows now: the snapshot, or the active document's current analysis. */
  private source(): AnalysisSource | undefined {
    if (this.snapshot) return snapshotSource(this.snapshot);
    const doc = this.activeDocument();
    if (!doc) return undefined;
    const cached = this.prefixSource;
    if (cached && cached.docUri === key(doc) && cached.version === doc.version) return cached;
    const found = documentSource(documentView(doc), this.deps.store.prefix(key(doc), doc.version));
    if (found?.prefixOnly) this.prefixSource = found.source;
    return found?.source;
  }

  private cancelEditPush(): void {
    if (this.editPushTimer) clearTimeout(this.editPushTimer);
    this.editPushTimer = undefined;
    this.prefixSource = undefined;
  }

  private pushInit(): void {
    if (this.canPost()) this.post(buildInitMessage(this.deps.settings(), this.deps.model.loaded, this.snapshot));
  }

  private pushStatus(): void {
    if (!this.canPost() || this.snapshot) return;
    const doc = this.activeDocument();
    const { status, clear } = panelStatusMessages(this.deps.model.state, doc ? this.deps.tracker.status(key(doc)) : undefined);
    this.post(status);
    if (clear) this.post(clear);
  }

  /** Sends the analysis window (and the selection) for the current source. */
  private pushAnalysis(withSelection: boolean): void {
    if (!this.canPost()) return;
    const source = this.source();
    if (!source) {
      // Nothing of what is on screen holds for the current text (another document, or an edit at
      // its very start): clear it rather than show results of a superseded version.
      const doc = this.activeDocument();
      const reason = clearReason(doc && { path: doc.uri.path }, this.lastAnalysis !== undefined);
      if (reason === undefined) return;
      this.post({ type: 'clear', reason });
      this.lastAnalysis = undefined;
      return;
    }
    const requested = this.requestedIndex;
    this.requestedIndex = undefined;
    const cursor = requested !== undefined && requested < source.result.tokens.length ? requested : this.cursorIndex(source);
    const msg = buildAnalysisMessage(source, cursor);
    this.lastAnalysis = msg;
    this.post(msg);
    if (withSelection && cursor !== null) this.select(cursor);
  }

  private cursorIndex(source: AnalysisSource): number | null {
    if (this.snapshot) return this.selectedIndex;
    const editor = this.followed.editor;
    return editor ? cursorTokenIndex(source.result, editor.document.offsetAt(editor.selection.active)) : null;
  }

  private followCursor(editor: vscode.TextEditor): void {
    if (!this.canPost()) return;
    const source = this.source();
    if (!source) return;
    const index = tokenIndexAtOffset(source.result.tokens, editor.document.offsetAt(editor.selection.active));
    if (index < 0 || index === this.selectedIndex) return;
    if (needsNewWindow(this.lastAnalysis, source, index)) this.pushAnalysis(true);
    else this.select(index);
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
      : buildSelectionMessage(source, index, this.deps.labelOf, this.deps.densityOf, (hook, i) => this.deps.model.loaded?.featureFacts?.(hook, i));
    if (!msg) return;
    if (index !== this.selectedIndex) this.explain.clearAttention();
    this.selectedIndex = index;
    this.post(msg);
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
    this.edits.posted(msg);
  }

  dispose(): void {
    this.cancelEditPush();
    this.requests.dispose();
    this.explain.dispose();
    this.edits.dispose();
    this.followed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
