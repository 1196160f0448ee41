// What the inspector does with each message of its panel, from its arrival (validated by the message
// router, messageRouter.ts; malformed ones logged at a bounded rate) to its handler. Most requests go
// to the part that owns them (the "Why" section's PanelExplain, the feature edits' PanelEdits, a
// command); answered here are feature cards, a token revealed in the editor, and the panel's options
// written to the settings.
import * as vscode from 'vscode';
import { key } from '../editor/document/documentKey';
import type { EditorParts } from '../editor/editorParts';
import type { ToWebviewMessage } from '../protocol';
import { updateSetting } from '../settings';
import { COMMANDS } from '../shared/commands';
import { CardAnswers } from './cardAnswers';
import { panelMessageRouter, type PanelMessageHandlers } from './messageRouter';
import { type AnalysisSource, featureOccurrences } from './panelMessages';
import type { PanelEdits } from './panelEdits';
import type { PanelExplain } from './panelExplain';
import { RateLimitedLog } from './rateLimitedLog';

/** Malformed panel messages logged per minute; the rest are counted, not logged (no log storm). */
const MAX_REJECTIONS_LOGGED_PER_MINUTE = 10;

/** What the requests read from and act on: the inspector's parts and its view of the document. */
export interface PanelRequestsHost extends Pick<EditorParts, 'model' | 'heatmap' | 'settings' | 'log'> {
  explain: PanelExplain;
  edits: PanelEdits;
  /** What the panel shows now (panelContent.ts), undefined when nothing holds. */
  source(): AnalysisSource | undefined;
  /** Whether a snapshot is shown (read-only) instead of the followed editor's document. */
  showingSnapshot(): boolean;
  /** The model id of the snapshot shown, if any: a card is answered for that model. */
  snapshotModelId(): string | undefined;
  /** The text editor the inspector follows. */
  followedEditor(): vscode.TextEditor | undefined;
  /** The page has (re)loaded and says it is ready for messages. */
  pageReady(): void;
  /** Selects token `index` in the panel. */
  select(index: number): void;
  post(msg: ToWebviewMessage): void;
}

export class PanelRequests implements vscode.Disposable {
  private readonly cards: CardAnswers;
  /** Takes a message as the webview delivers it (webview.onDidReceiveMessage). */
  readonly receive: (raw: unknown) => void;

  constructor(private readonly host: PanelRequestsHost) {
    this.cards = new CardAnswers({ loaded: () => host.model.loaded, load: () => host.model.get() });
    const rejections = new RateLimitedLog({
      limit: MAX_REJECTIONS_LOGGED_PER_MINUTE,
      windowMs: 60_000,
      write: (line) => host.log.warn(line),
      droppedLine: (n) => `Inspector: ${n} more malformed panel messages ignored`,
    });
    this.receive = panelMessageRouter({
      handlers: this.handlers(),
      malformed: (reason) => rejections.write(`Inspector: ignored a malformed panel message: ${reason}`),
      failed: (e) => host.log.error(`Inspector: handling a panel message failed: ${(e as Error)?.message ?? e}`),
    });
  }

  private handlers(): PanelMessageHandlers {
    const host = this.host;
    return {
      ready: () => host.pageReady(),
      selectToken: (m) => host.select(m.index),
      revealToken: (m) => this.revealToken(m.index),
      requestCard: (m) => this.answerCard(m.requestId, m.hook, m.index),
      highlightFeature: async (m) => {
        await vscode.commands.executeCommand(COMMANDS.highlightFeature, { hook: m.hook, index: m.index });
      },
      clearHighlight: () => host.heatmap.setView(undefined),
      findFeature: async (m) => {
        await vscode.commands.executeCommand(COMMANDS.findFeatureInWorkspace, { hook: m.hook, index: m.index });
      },
      requestExplain: (m) => host.explain.request(m),
      showAttention: (m) => host.explain.showAttention(m),
      clearAttention: () => host.explain.clearAttention(),
      peekToken: (m) => host.explain.peek(m.index),
      setOptions: (m) => this.applyOptions(m.topK, m.featuresPerToken),
      exportSnapshot: async (m) => {
        await vscode.commands.executeCommand(COMMANDS.exportSnapshot, { includeActivations: m.includeActivations });
      },
      openSnapshot: async () => {
        await vscode.commands.executeCommand(COMMANDS.openSnapshot);
      },
      log: (m) => host.log[m.level](`Inspector panel: ${m.message}`),
      ...host.edits.handlers(),
    };
  }

  /** Panel controls write the settings only when a value actually changes, where the change takes effect. */
  private async applyOptions(topK: number, featuresPerToken: number): Promise<void> {
    const s = this.host.settings();
    if (s.topK !== topK) await updateSetting('topK', topK);
    if (s.featuresPerToken !== featuresPerToken) await updateSetting('featuresPerToken', featuresPerToken);
  }

  private async answerCard(requestId: string, hook: string, index: number): Promise<void> {
    const source = this.host.source();
    const occurrences = source ? featureOccurrences(source.result, hook, index) : [];
    const answer = await this.cards.answer(hook, index, this.host.snapshotModelId());
    const readable = answer.card !== null && answer.labelReadable !== undefined ? { labelReadable: answer.labelReadable } : {};
    this.host.post({ type: 'card', requestId, hook, index, card: answer.card as never, occurrences, error: answer.error, ...readable });
  }

  /** Moves the editor's cursor to token `index` and scrolls it into view (a snapshot: selects it only). */
  private revealToken(index: number): void {
    const source = this.host.source();
    const token = source?.result.tokens[index];
    if (!source || !token) return;
    const followed = this.host.followedEditor();
    const editor = vscode.window.visibleTextEditors.find((e) => key(e.document) === source.docUri) ?? followed;
    if (this.host.showingSnapshot() || !editor || key(editor.document) !== source.docUri) {
      this.host.select(index);
      return;
    }
    const start = editor.document.positionAt(token.start);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, editor.document.positionAt(token.end)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.host.select(index);
  }

  dispose(): void {
    this.cards.dispose();
  }
}
