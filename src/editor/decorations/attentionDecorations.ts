// The editor's picture of one attention head: while a head is chosen in the inspector's "Why" section,
// the tokens it attends to from the explained token are tinted by weight (theme colours, package.json
// contributes.colors) and the explained token is outlined. Cleared when the selection moves on, the
// document changes or another editor becomes active.
import * as vscode from 'vscode';
import { DecorationTypes } from './decorationTypes';
import { key } from '../document/documentKey';
import { ATTENTION_LEVELS, type AttentionLevel, attentionColorId, attentionRanges } from './attentionRanges';

export interface AttentionPicture {
  docKey: string;
  /** Document version the offsets are of. */
  version: number;
  /** The explained token (outlined). */
  query: { start: number; end: number };
  attended: { start: number; end: number; weight: number }[];
}

export class AttentionDecorations implements vscode.Disposable {
  private readonly types = new DecorationTypes<AttentionLevel | 'query'>((level) =>
    level === 'query'
      ? {
          borderWidth: '1px',
          borderStyle: 'solid',
          borderColor: new vscode.ThemeColor('activationInspector.attention.queryBorder'),
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }
      : { backgroundColor: new vscode.ThemeColor(attentionColorId(level)), rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed },
  );
  private current: AttentionPicture | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.current && key(e.document) === this.current.docKey && e.contentChanges.length > 0) this.clear();
      }),
    );
  }

  /** What is drawn now (tests read it). */
  get picture(): AttentionPicture | undefined {
    return this.current;
  }

  show(picture: AttentionPicture): void {
    this.current = picture;
    this.refresh();
  }

  clear(): void {
    if (!this.current) return;
    this.current = undefined;
    this.refresh();
  }

  private refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) this.apply(editor);
  }

  private apply(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const p = this.current && key(doc) === this.current.docKey && doc.version === this.current.version ? this.current : undefined;
    const ranges = p ? attentionRanges(p.attended) : new Map<AttentionLevel, [number, number][]>();
    const toRange = ([s, e]: readonly [number, number]) => new vscode.Range(doc.positionAt(s), doc.positionAt(e));
    for (const level of ATTENTION_LEVELS) {
      const list = ranges.get(level);
      if (!list && !this.types.has(level)) continue; // never drawn with it: nothing to clear
      editor.setDecorations(this.types.get(level), (list ?? []).map(toRange));
    }
    if (p || this.types.has('query')) editor.setDecorations(this.types.get('query'), p ? [toRange([p.query.start, p.query.end])] : []);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.types.dispose();
  }
}
