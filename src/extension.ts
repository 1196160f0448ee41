// activate(): builds the editor layer's parts and registers them, nothing else. The engine (and ONNX
// Runtime) is imported lazily on the first analysis, so activation never blocks the editor.
import * as vscode from 'vscode';
import { AnalysisStore } from './editor/document/analysisStore';
import { resolveBundleDir } from './editor/model/bundlePaths';
import { offsetArg } from './editor/commandArgs';
import { HeatmapDecorations } from './editor/decorations/heatmapDecorations';
import { key } from './editor/document/documentKey';
import { DocumentTracker } from './editor/document/documentTracker';
import type { Logger } from './editor/logger';
import type { EngineOpener, SnapshotApi } from './editor/model/engineApi';
import { featureArg, pickFeatureAtCursor } from './editor/featurePick';
import { AnalysisHoverProvider } from './editor/hover/hoverProvider';
import { COMMANDS } from './shared/commands';
import { describeError, ModelHost } from './editor/model/modelHost';
import { selectModel } from './editor/model/modelSelection';
import { exportSnapshot, openSnapshot } from './editor/snapshots/snapshotCommands';
import { StatusBar } from './editor/statusBar';
import { InspectorViewProvider, VIEW_ID } from './inspector/inspectorViewProvider';
import { analysisSettingsChanged, SettingsSource } from './settings';
import { registerSideViews, type SideViews } from './editor/sideViews';
import { VisibleFirstScheduler } from './editor/document/visibleFirst';
import { editedForExport, FeatureEditing, hoverEdited } from './editor/edits/featureEditing';
import { registerFeatureEdits } from './editor/edits/editRegistration';

/** What activate() returns: handles for the integration tests and measurements, not a public API. */
export interface ActivationInspectorApi {
  store: AnalysisStore;
  tracker: DocumentTracker;
  model: ModelHost;
  heatmap: HeatmapDecorations;
  inspector: InspectorViewProvider;
  hover: AnalysisHoverProvider;
  /** The inspector beside the editor, comparisons, the workspace feature search. */
  sideViews: SideViews;
  /** Feature edits, their effects and continuations. */
  editing: FeatureEditing;
}

const loadOpener = async (): Promise<EngineOpener> => (await import('./editor/model/engineAdapter')).openEngine;
const loadSnapshotApi = async (): Promise<SnapshotApi> => (await import('./editor/snapshots/snapshotAdapter')).snapshotApi;

export function activate(context: vscode.ExtensionContext): ActivationInspectorApi {
  const output = vscode.window.createOutputChannel('Activation Inspector', { log: true });
  const log: Logger = { info: (l) => output.info(l), warn: (l) => output.warn(l), error: (l) => output.error(l) };
  const settingsSource = new SettingsSource();
  const settings = () => settingsSource.value;
  const bundleDirFor = (configured: string) =>
    resolveBundleDir(configured, context.extensionUri.fsPath, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);

  const store = new AnalysisStore();
  const notifiedLoadErrors = new Set<string>();
  const model = new ModelHost(bundleDirFor(settings().modelPath), {
    loadOpener,
    log: (l) => log.info(l),
    // After a worker crash the engine reloads on the next analysis: ask for those of the visible editors now.
    onEngineRestart: () => tracker.reanalyseVisible(),
    withLoadProgress: (dir, work) =>
      Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: `Activation Inspector: loading ${dir.split(/[\\/]/).pop()}` },
          () => work,
        ),
      ),
  });
  const tracker = new DocumentTracker(store, model, settings, log);
  const heatmap = new HeatmapDecorations(store);
  const editing = new FeatureEditing({ store, model, settings });
  heatmap.setEditEffectSource(editing.heatmapSource());
  const statusBar = new StatusBar();
  const labelOf = (hook: string, index: number) => model.loaded?.featureLabel(hook, index) || undefined;
  const densityOf = (hook: string, index: number) => model.loaded?.featureDensity(hook, index);
  // The hover's lens line comes from what the inspector explained (inspector is built just below).
  const hover = new AnalysisHoverProvider(store, settings, labelOf, densityOf, (docKey, version, index) => inspector.lensSummary(docKey, version, index), (docKey, version, index) => hoverEdited(editing, docKey, version, index), (hook, index) => model.loaded?.featureFacts?.(hook, index));
  const inspectorDeps = { extensionUri: context.extensionUri, store, tracker, model, heatmap, settings, log, labelOf, densityOf, editing };
  const inspector = new InspectorViewProvider(inspectorDeps);

  const updateStatus = () => {
    const doc = vscode.window.activeTextEditor?.document;
    statusBar.update(model.state, doc ? tracker.status(key(doc)) : undefined, doc !== undefined, doc && editing.summary(key(doc), doc.version));
  };
  const modelSub = model.onDidChangeState((state) => {
    updateStatus();
    // One notification per failing folder, not one per analysis: no error storm.
    if (state.kind === 'error' && !notifiedLoadErrors.has(state.bundleDir)) {
      notifiedLoadErrors.add(state.bundleDir);
      void vscode.window
        .showErrorMessage(`Activation Inspector could not load the model: ${describeError(state.error)}`, 'Select Model…', 'Show Log')
        .then((choice) => {
          if (choice === 'Select Model…') void vscode.commands.executeCommand(COMMANDS.selectModel);
          else if (choice === 'Show Log') output.show(true);
        });
    }
  });

  const snapshotDeps = {
    store, tracker, model, settings, log, loadSnapshotApi, showSnapshot: inspector.showSnapshot.bind(inspector),
    editedFor: (doc: vscode.TextDocument) => editedForExport(editing, doc),
    editCount: (doc: vscode.TextDocument) => editing.sessions.list(key(doc)).length,
  };
  const validateBundle = async (dir: string) => (await import('./editor/model/engineAdapter')).validateBundle(dir);
  const run = (name: string, fn: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(name, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        log.error(`${name} failed: ${(e as Error)?.stack ?? e}`);
        void vscode.window.showErrorMessage(`Activation Inspector: ${(e as Error)?.message ?? e}`);
        return undefined;
      }
    });

  const sideViews = registerSideViews({ context, inspectorDeps, panelInspector: inspector, store, tracker, model, heatmap, settings, log, loadSnapshotApi, command: run });
  context.subscriptions.push(
    editing,
    editing.onDidChange(updateStatus),
    registerFeatureEdits({
      editing, store, labelOf, heatmap, settings, command: run,
      hooks: () => model.loaded?.hooks ?? [],
      showContinuation: async () => {
        const shown = sideViews.inspectorForOpen(); // where "Open Inspector" shows it (beside the editor by default)
        await shown.reveal();
        shown.edits.showContinuation();
      },
    }),
    output,
    settingsSource,
    tracker,
    heatmap,
    statusBar,
    inspector,
    sideViews,
    // Long documents: what is on screen is analysed first.
    new VisibleFirstScheduler(tracker, store),
    { dispose: () => modelSub.dispose() },
    { dispose: () => void model.dispose() },
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }, { scheme: 'vscode-vfs' }], hover),
    vscode.window.registerWebviewViewProvider(VIEW_ID, inspector),
    tracker.onDidChangeStatus(updateStatus),
    vscode.window.onDidChangeActiveTextEditor(updateStatus),
    run(COMMANDS.openInspector, (arg) => sideViews.inspectorForOpen().reveal(offsetArg(arg))),
    run(COMMANDS.explainPrediction, (arg) => inspector.reveal(offsetArg(arg), true)),
    run(COMMANDS.toggleHeatmap, () => {
      const mode = settings().heatmapMode;
      const view = heatmap.view;
      // Whatever is drawn (heat map or a feature highlight) goes; from nothing, the configured heat map.
      heatmap.setView(view === undefined ? { kind: mode } : undefined);
      tracker.refreshVisible();
      log.info(`Heat map ${heatmap.view ? `on (${heatmap.view.kind})` : 'off'}`);
    }),
    run(COMMANDS.highlightFeature, async (arg) => {
      const feature = featureArg(arg) ?? (await pickFeatureAtCursor(store, labelOf));
      if (!feature) return;
      heatmap.setView({ kind: 'feature', hook: feature.hook, index: feature.index });
      log.info(`Highlighting feature #${feature.index} of ${feature.hook}`);
    }),
    run(COMMANDS.exportSnapshot, (arg) => exportSnapshot(snapshotDeps, includeArg(arg))),
    run(COMMANDS.openSnapshot, (arg) => openSnapshot(snapshotDeps, arg instanceof vscode.Uri ? arg : undefined)),
    run(COMMANDS.selectModel, async () => {
      const dir = await selectModel({ settings, extensionPath: context.extensionUri.fsPath, validate: validateBundle, log });
      // Re-choosing the folder that failed to load (after fixing it) is a retry: no setting changes then.
      if (dir !== undefined && dir === model.currentBundleDir && model.state.kind === 'error') {
        model.reset();
        store.clear();
        tracker.reanalyseVisible();
      }
    }),
    settingsSource.onDidChange(({ previous, current }) => {
      log.info('Settings changed');
      if (model.setBundleDir(bundleDirFor(current.modelPath))) {
        store.clear();
        tracker.reanalyseVisible();
      } else if (analysisSettingsChanged(previous, current) || previous.enabledLanguages.join() !== current.enabledLanguages.join() || previous.maxDocumentSize !== current.maxDocumentSize) {
        tracker.reanalyseVisible();
      }
      if (heatmap.view && heatmap.view.kind !== 'feature' && heatmap.view.kind !== 'editEffect' && heatmap.view.kind !== current.heatmapMode) heatmap.setView({ kind: current.heatmapMode });
      inspector.refresh();
      sideViews.sidePanel.inspector?.refresh();
    }),
  );

  updateStatus();
  // First analysis after activation has returned: the engine loads off the activation path.
  const first = setTimeout(() => tracker.refreshVisible(), 0);
  context.subscriptions.push({ dispose: () => clearTimeout(first) });
  log.info(`Activated; model folder ${model.currentBundleDir} (loaded on first use)`);
  return { store, tracker, model, heatmap, inspector, hover, sideViews, editing };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

function includeArg(arg: unknown): { includeActivations?: boolean } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const v = (arg as Record<string, unknown>).includeActivations;
  return typeof v === 'boolean' ? { includeActivations: v } : undefined;
}
