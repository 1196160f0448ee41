// The host's side of the panel's "Why this prediction" section, in the VS Code layer: it answers
// explanation requests (explainAnswers.ts does the bookkeeping), tints in the editor what the head
// chosen in the panel attends to, and scrolls the editor to an attended token without moving its
// cursor (so the explained token stays selected).
import * as vscode from 'vscode';
import { AttentionDecorations } from '../editor/decorations/attentionDecorations';
import { key } from '../editor/document/documentKey';
import type { ModelHost } from '../editor/model/modelHost';
import type { FromWebviewMessage, ToWebviewMessage } from '../protocol';
import type { LensSummary } from '../shared/lensSummary';
import type { Settings } from '../settings';
import { ExplainAnswers } from './explainAnswers';
import { attendedRanges } from './explainMessages';
import type { AnalysisSource } from './panelMessages';

type Message<K extends FromWebviewMessage['type']> = Extract<FromWebviewMessage, { type: K }>;

/** Lens rows requested: the panel's table shows five columns, the hover only the target's rank. */
const EXPLAIN_TOPK_MAX = 10;

export interface PanelExplainDeps {
  model: ModelHost;
  settings: () => Settings;
  labelOf: (hook: string, index: number) => string | undefined;
  /** What the panel shows now (undefined: nothing). */
  source: () => AnalysisSource | undefined;
  /** The document the panel follows; default the active editor's (a panel beside the editor, which
   *  takes the focus, passes the editor it follows). */
  document?: () => vscode.TextDocument | undefined;
  /** Whether that is a snapshot (nothing is run for one). */
  showingSnapshot: () => boolean;
  post: (m: ToWebviewMessage) => void;
}

export class PanelExplain implements vscode.Disposable {
  private readonly answers: ExplainAnswers;
  /** The editor's picture of the chosen head. */
  readonly attention = new AttentionDecorations();

  constructor(private readonly deps: PanelExplainDeps) {
    this.answers = new ExplainAnswers({ loaded: () => deps.model.loaded, load: () => deps.model.get() }, deps.labelOf);
  }

  /** The hover's lens line for token `index` of a document version, when the panel explained it. */
  lensSummary(docKey: string, version: number, index: number): LensSummary | undefined {
    return this.answers.summary(docKey, version, index);
  }

  async request(m: Message<'requestExplain'>): Promise<void> {
    const source = this.deps.source();
    if (!source) return;
    const doc = this.document();
    const current = doc !== undefined && key(doc) === source.docUri && doc.version === source.version && m.index < source.result.tokens.length;
    const reply = await this.answers.answer(m, {
      docKey: source.docUri,
      version: source.version,
      current,
      getText: () => doc!.getText(),
      snapshot: this.deps.showingSnapshot(),
      topK: Math.min(this.deps.settings().topK, EXPLAIN_TOPK_MAX),
    });
    if (reply) this.deps.post(reply);
  }

  /** Tints what a head attends to, from the explanation the panel shows, while the text is still that version. */
  showAttention(m: Message<'showAttention'>): void {
    const kept = this.answers.explanation(m.requestId);
    const doc = this.document();
    if (!kept || !doc || key(doc) !== kept.docKey || doc.version !== kept.version) return;
    const { token } = kept.explanation;
    this.attention.show({ docKey: kept.docKey, version: kept.version, query: token, attended: attendedRanges(kept.explanation, m.layer, m.head) });
  }

  private document(): vscode.TextDocument | undefined {
    return this.deps.document ? this.deps.document() : vscode.window.activeTextEditor?.document;
  }

  clearAttention(): void {
    this.attention.clear();
  }

  /** Scrolls the editor to a token without moving its cursor. */
  peek(index: number): void {
    const source = this.deps.source();
    const token = source?.result.tokens[index];
    const editor = source && vscode.window.visibleTextEditors.find((e) => key(e.document) === source.docUri);
    if (!token || !editor || this.deps.showingSnapshot()) return;
    const range = new vscode.Range(editor.document.positionAt(token.start), editor.document.positionAt(token.end));
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.answers.dispose();
    this.attention.dispose();
  }
}
