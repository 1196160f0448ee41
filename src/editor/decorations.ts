// Heat-map decorations: theme colours per bucket (package.json contributes.colors), applied to the
// visible editors whose current version has an analysis. Only view state lives here.
import * as vscode from 'vscode';
import type { AnalysisStore } from './analysisStore';
import { key } from './documentTracker';
import { ALL_BUCKETS, type BucketId, bucketColorId, heatmapRanges, type HeatmapView, type OffsetRange } from './heatmap';
import { tokenIndexAtOffset } from './tokenLookup';

export class HeatmapDecorations implements vscode.Disposable {
  private readonly types = new Map<BucketId, vscode.TextEditorDecorationType>();
  private viewValue: HeatmapView | undefined;
  private readonly emitter = new vscode.EventEmitter<HeatmapView | undefined>();
  readonly onDidChangeView = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * Per document: the smallest offset edited since its newest stored analysis. The model is causal,
   * so that analysis still holds for the text before the edit; only that prefix stays coloured while
   * the new analysis runs (nothing after an edit ever shows an old result).
   */
  private readonly editedFrom = new Map<string, number>();

  constructor(private readonly store: AnalysisStore) {
    const sub = store.onDidChange((docKey) => {
      this.editedFrom.delete(docKey);
      this.refresh();
    });
    this.disposables.push(
      { dispose: () => sub.dispose() },
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const docKey = key(e.document);
        const from = Math.min(...e.contentChanges.map((c) => c.rangeOffset));
        this.editedFrom.set(docKey, Math.min(from, this.editedFrom.get(docKey) ?? Infinity));
        if (this.viewValue) for (const editor of vscode.window.visibleTextEditors) if (editor.document === e.document) this.apply(editor);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.editedFrom.delete(key(doc))),
    );
  }

  /** undefined = heat map off. */
  get view(): HeatmapView | undefined {
    return this.viewValue;
  }

  setView(view: HeatmapView | undefined): void {
    this.viewValue = view;
    this.refresh();
    this.emitter.fire(view);
  }

  /** Re-applies decorations to every visible editor. */
  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) this.apply(editor);
  }

  private apply(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const ranges = this.viewValue ? this.rangesFor(doc, this.viewValue) : new Map<BucketId, OffsetRange[]>();
    for (const bucket of ALL_BUCKETS) {
      const list = ranges.get(bucket);
      if (!list && !this.types.has(bucket)) continue; // nothing drawn with it yet, nothing to clear
      const type = this.typeFor(bucket);
      editor.setDecorations(type, (list ?? []).map(([s, e]) => new vscode.Range(doc.positionAt(s), doc.positionAt(e))));
    }
  }

  private rangesFor(doc: vscode.TextDocument, view: HeatmapView): Map<BucketId, OffsetRange[]> {
    const docKey = key(doc);
    const current = this.store.get(docKey, doc.version);
    if (current) return heatmapRanges(current.result, view);
    const latest = this.store.latest(docKey);
    const from = this.editedFrom.get(docKey);
    if (!latest || from === undefined || latest.version > doc.version) return new Map();
    // Keep tokens that end before the token holding the edit, minus one more: a byte-level BPE may
    // merge the token just before an edit with the new text.
    const tokens = latest.result.tokens;
    let i = tokenIndexAtOffset(tokens, from);
    if (i < 0) i = tokens.length;
    const keep = Math.max(0, i - 1);
    const cutoff = keep > 0 ? tokens[keep - 1]!.end : 0;
    const out = new Map<BucketId, OffsetRange[]>();
    for (const [bucket, list] of heatmapRanges(latest.result, view)) {
      const kept = list.filter(([, e]) => e <= cutoff);
      if (kept.length > 0) out.set(bucket, kept);
    }
    return out;
  }

  private typeFor(bucket: BucketId): vscode.TextEditorDecorationType {
    let type = this.types.get(bucket);
    if (!type) {
      type = vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(bucketColorId(bucket)),
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
      this.types.set(bucket, type);
    }
    return type;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
    this.emitter.dispose();
  }
}
