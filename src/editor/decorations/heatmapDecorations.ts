// Heat-map decorations: theme colours per bucket (package.json contributes.colors), applied to the
// visible editors from the store's analysis of their current version (or, while an edit is being
// analysed, the part of the previous analysis that still holds). Only view state lives here.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../engine';
import type { AnalysisStore } from '../document/analysisStore';
import { DecorationTypes } from './decorationTypes';
import { key } from '../document/documentKey';
import { ALL_BUCKETS, type BucketId, bucketColorId, heatmapRanges, type HeatmapView, type OffsetRange } from './heatmapRanges';

/** The edit-effect map's ranges for a document version (undefined: none for that version). */
export interface EditEffectSource {
  ranges(docKey: string, version: number): Map<BucketId, OffsetRange[]> | undefined;
  onDidChange(listener: () => void): vscode.Disposable;
}

export class HeatmapDecorations implements vscode.Disposable {
  private readonly types = new DecorationTypes<BucketId>((bucket) => ({
    backgroundColor: new vscode.ThemeColor(bucketColorId(bucket)),
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  }));
  private viewValue: HeatmapView | undefined;
  private readonly emitter = new vscode.EventEmitter<HeatmapView | undefined>();
  readonly onDidChangeView = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Documents that currently carry decorations (so turning the map off clears them). */
  private readonly drawn = new Set<string>();
  /** The ranges last drawn from each stored result for the view then shown: while typing, every
   *  keystroke redraws from the same result (its still-valid prefix), which need not be bucketed again. */
  private readonly rangesByResult = new WeakMap<AnalysisResult, { view: HeatmapView; ranges: Map<BucketId, OffsetRange[]> }>();
  /** Where the edit-effect map's ranges come from (the feature edits' results), once connected. */
  private editEffect: EditEffectSource | undefined;

  constructor(private readonly store: AnalysisStore) {
    // Results and edits both arrive through the store (the tracker reports edits to it first).
    const sub = store.onDidChange((docKey) => {
      if (!this.viewValue && !this.drawn.has(docKey)) return;
      for (const editor of vscode.window.visibleTextEditors) if (key(editor.document) === docKey) this.apply(editor);
    });
    this.disposables.push({ dispose: () => sub.dispose() }, vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()));
  }

  /** Connects the edit-effect map to the edited results; redraws when they change. */
  setEditEffectSource(source: EditEffectSource): void {
    this.editEffect = source;
    const sub = source.onDidChange(() => {
      if (this.viewValue?.kind === 'editEffect') this.refresh();
    });
    this.disposables.push(sub);
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
    if (ranges.size > 0) this.drawn.add(key(doc));
    else this.drawn.delete(key(doc));
    for (const bucket of ALL_BUCKETS) {
      const list = ranges.get(bucket);
      if (!list && !this.types.has(bucket)) continue; // nothing drawn with it yet, nothing to clear
      editor.setDecorations(this.types.get(bucket), (list ?? []).map(([s, e]) => new vscode.Range(doc.positionAt(s), doc.positionAt(e))));
    }
  }

  private rangesFor(doc: vscode.TextDocument, view: HeatmapView): Map<BucketId, OffsetRange[]> {
    // Only a result computed for this very version and edit list; nothing while one is computed.
    if (view.kind === 'editEffect') return this.editEffect?.ranges(key(doc), doc.version) ?? new Map();
    const part = this.store.prefix(key(doc), doc.version);
    if (!part) return new Map();
    let cached = this.rangesByResult.get(part.result);
    if (cached?.view !== view) {
      cached = { view, ranges: heatmapRanges(part.result, view) };
      this.rangesByResult.set(part.result, cached);
    }
    const all = cached.ranges;
    if (part.validTokens === part.result.tokens.length) return all;
    // Only the still-valid prefix while the edited version is being analysed.
    const cutoff = part.validTokens > 0 ? part.result.tokens[part.validTokens - 1]!.end : 0;
    const out = new Map<BucketId, OffsetRange[]>();
    for (const [bucket, list] of all) {
      const kept = list.filter(([, e]) => e <= cutoff);
      if (kept.length > 0) out.set(bucket, kept);
    }
    return out;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.types.dispose();
    this.emitter.dispose();
  }
}
