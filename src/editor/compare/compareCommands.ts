// Compare with Saved / Git HEAD / Snapshot...: the active document's current analysis (B) against the
// other version (A), analysed with the same model and options (a snapshot is used as it is), aligned
// and shown by ComparisonView. Reads only: the repository and the saved file are never written.
import * as vscode from 'vscode';
import path from 'node:path';
import type { AnalysisOptions, AnalysisResult, ComparedSide } from '../../engine';
import { key } from '../document/documentKey';
import type { EditorParts } from '../editorParts';
import type { SnapshotApi } from '../model/engineApi';
import { describeError } from '../model/modelHost';
import type { ComparisonView } from './comparisonView';
import { headVersion, savedVersion, type OtherVersion } from './sources';

export interface CompareDeps extends EditorParts {
  loadSnapshotApi: () => Promise<SnapshotApi>;
}

type Other = OtherVersion & { result?: AnalysisResult; modelId?: string };

export class CompareCommands {
  constructor(private readonly deps: CompareDeps, private readonly view: ComparisonView) {}

  withSaved(): Promise<void> {
    return this.compare((doc) => savedVersion(doc));
  }

  withHead(): Promise<void> {
    return this.compare((doc) => headVersion(doc));
  }

  withSnapshot(arg?: unknown): Promise<void> {
    return this.compare(async () => {
      const file = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Activation snapshot': ['json'] }, title: 'Compare with Snapshot' }))?.[0];
      if (!file) return undefined;
      const read = await (await this.deps.loadSnapshotApi()).read(file.fsPath);
      if (!read.ok) throw new Error(describeError(read.error));
      const text = read.value.document.text;
      if (text === undefined) throw new Error(`${path.basename(file.fsPath)} holds no document text to compare with`);
      return { label: `snapshot ${path.basename(file.fsPath)}`, text, result: read.value.result, modelId: read.value.modelId };
    });
  }

  private async compare(other: (doc: vscode.TextDocument) => Promise<Other | undefined>): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Activation Inspector: open a document to compare.');
      return;
    }
    const doc = editor.document;
    const loaded = await this.deps.model.get();
    if (!loaded.ok) throw new Error(describeError(loaded.error));
    const engine = loaded.value;
    const a = await other(doc);
    if (!a) return;
    if (a.modelId !== undefined && a.modelId !== engine.modelId) throw new Error(`the snapshot was made with model ${a.modelId}, the document is analysed with ${engine.modelId}`);
    const version = doc.version;
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Comparing with ${a.label}` }, async () => {
      const stored = this.deps.store.get(key(doc), version);
      const b = stored && !stored.partial ? stored.result : await this.deps.tracker.analyseNow(doc);
      if (!b) throw new Error('the document could not be analysed (see the status bar)');
      let aResult = a.result;
      if (!aResult) {
        const s = this.deps.settings();
        const options: AnalysisOptions = { topK: Math.min(s.topK, engine.topkMax), featuresPerToken: s.featuresPerToken, featureOrder: s.featureOrder, hooks: s.hooks.filter((h) => engine.hooks.includes(h)) };
        const docKey = `compare:${key(doc)}`;
        const r = await engine.analyze(docKey, a.text, options);
        engine.forget(docKey);
        if (!r.ok) throw new Error(describeError(r.error));
        aResult = r.value;
      }
      const side = (text: string, r: AnalysisResult): ComparedSide => ({ text, hooks: r.hooks, tokens: r.tokens });
      // Loaded on first use, as the rest of the engine is: activation never loads the model runtime.
      const { biggestChanges, compareAnalyses } = await import('../../engine');
      const comparison = compareAnalyses(side(a.text, aResult), side(doc.getText(), b));
      return { comparison, biggest: biggestChanges(comparison, 50) };
    });
    if (doc.version !== version) {
      void vscode.window.showInformationMessage('Activation Inspector: the document changed while it was compared; run the comparison again.');
      return;
    }
    this.deps.heatmap.setView(undefined); // one colouring at a time
    this.deps.log.info(`Compared ${doc.uri.fsPath || key(doc)} with ${a.label}: ${outcome.comparison.matched}/${outcome.comparison.tokens.length} tokens matched`);
    await this.view.show({ uri: doc.uri, docKey: key(doc), version, label: a.label, ...outcome });
  }
}
