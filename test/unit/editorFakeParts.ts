// The editor parts the panel hosts are built on (store, tracker, model host, heat map) around a
// FakeEngine, for the inspector tests. The test file mocks 'vscode' (editorFakeVscode) before this loads.
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { HeatmapDecorations } from '../../src/editor/decorations/heatmapDecorations';
import { DocumentTracker } from '../../src/editor/document/documentTracker';
import type { EditorParts } from '../../src/editor/editorParts';
import type { Logger } from '../../src/editor/logger';
import { ModelHost } from '../../src/editor/model/modelHost';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { FakeEngine } from './editorFakeEngine';
import { Uri } from './editorFakeVscode';

export interface FakeEditorParts extends EditorParts {
  engine: FakeEngine;
  extensionUri: never;
}

export async function fakeEditorParts(log: Logger): Promise<FakeEditorParts> {
  const store = new AnalysisStore();
  const engine = new FakeEngine();
  const model = new ModelHost('/fake', { loadOpener: async () => async () => ({ ok: true, value: engine }) });
  await model.get();
  // A long debounce: these tests control when results land.
  const tracker = new DocumentTracker(store, model, () => ({ ...DEFAULT_SETTINGS, debounceMs: 5000 }), log);
  const heatmap = new HeatmapDecorations(store);
  return { store, engine, model, tracker, heatmap, settings: () => DEFAULT_SETTINGS, log, extensionUri: Uri.file('/ext') as never };
}
