// Visible-first analysis of long documents, the editor's side: what is on screen is the engine's
// priority range (documentTracker.ts passes it with every analysis), and scrolling to a part that is not
// analysed yet while an analysis runs restarts it with the new range first (the engine keeps every
// window already done, so only the unfinished work moves).
import * as vscode from 'vscode';
import type { AnalysisStore } from './analysisStore';
import { key } from './documentKey';

/** How long scrolling must pause before the analysis is reprioritised. */
const SCROLL_SETTLE_MS = 200;

/** What the scheduler needs of the document tracker (which asks this module for the visible range, so
 *  the scheduler names only this much of it): whether a document is being analysed, and analysing it
 *  again. */
export interface AnalysisRestarter {
  status(docKey: string): { kind: string } | undefined;
  schedule(doc: vscode.TextDocument, delayMs?: number): void;
}

/** UTF-16 range of what the editors showing `doc` display, or undefined when none shows it. */
export function visibleOffsets(doc: vscode.TextDocument): { start: number; end: number } | undefined {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
  const ranges = editor?.visibleRanges;
  if (!ranges?.length) return undefined;
  return { start: doc.offsetAt(ranges[0].start), end: doc.offsetAt(ranges[ranges.length - 1].end) };
}

/** True when the stored tokens of the current version cover [start, end). */
export function covers(tokens: readonly { start: number; end: number }[], range: { start: number; end: number }): boolean {
  return tokens.length > 0 && tokens[0].start <= range.start && tokens[tokens.length - 1].end >= range.end;
}

export class VisibleFirstScheduler implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly tracker: AnalysisRestarter, private readonly store: AnalysisStore) {
    this.subscription = vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.scrolled(e.textEditor.document));
  }

  private scrolled(doc: vscode.TextDocument): void {
    const docKey = key(doc);
    if (this.tracker.status(docKey)?.kind !== 'analysing') return;
    clearTimeout(this.timers.get(docKey));
    this.timers.set(docKey, setTimeout(() => {
      this.timers.delete(docKey);
      const range = visibleOffsets(doc);
      const stored = this.store.get(docKey, doc.version);
      if (!range || this.tracker.status(docKey)?.kind !== 'analysing' || (stored && covers(stored.result.tokens, range))) return;
      this.tracker.schedule(doc, 0);
    }, SCROLL_SETTLE_MS));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.subscription.dispose();
  }
}
