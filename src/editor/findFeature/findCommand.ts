// "Find Feature in Workspace...": which feature (from the argument a hover link or the panel passes, or
// picked: hook, then feature number), then the index brought up to date in the background with a
// cancellable progress notification, then the results view. Opening a result selects the token and
// highlights the feature in that document.
import * as vscode from 'vscode';
import type { HeatmapDecorations } from '../decorations/heatmapDecorations';
import type { Logger } from '../logger';
import type { ModelHost } from '../model/modelHost';
import { describeError } from '../model/modelHost';
import type { Settings } from '../../settings';
import { FeatureResultsView, openOccurrence, OPEN_RESULT_COMMAND } from './resultsView';
import { WorkspaceFeatureIndex, type WorkspaceOccurrence } from './workspaceIndex';

export interface FindFeatureDeps {
  storageUri: vscode.Uri;
  model: ModelHost;
  heatmap: HeatmapDecorations;
  settings: () => Settings;
  log: Logger;
  labelOf: (hook: string, index: number) => string | undefined;
}

/** `{ hook, index }` from a command argument, or undefined. */
export function featureOfArg(arg: unknown): { hook: string; index: number } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { hook, index } = arg as Record<string, unknown>;
  return typeof hook === 'string' && typeof index === 'number' && Number.isInteger(index) && index >= 0 ? { hook, index } : undefined;
}

async function pickFeature(hooks: readonly string[]): Promise<{ hook: string; index: number } | undefined> {
  const hook = hooks.length === 1 ? hooks[0] : await vscode.window.showQuickPick([...hooks], { title: 'Find Feature in Workspace: dictionary (hook)', placeHolder: 'Which hook\'s dictionary' });
  if (!hook) return undefined;
  const typed = await vscode.window.showInputBox({
    title: `Find Feature in Workspace: feature of ${hook}`,
    prompt: 'Feature number (as the hover and the inspector show it, without #)',
    validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'A whole number, e.g. 1234'),
  });
  return typed === undefined ? undefined : { hook, index: Number(typed.trim()) };
}

export class FindFeatureInWorkspace implements vscode.Disposable {
  readonly results: FeatureResultsView;
  private readonly index: WorkspaceFeatureIndex;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: FindFeatureDeps) {
    this.results = new FeatureResultsView(() => deps.settings().maxDocumentSize);
    this.index = new WorkspaceFeatureIndex({ storageUri: deps.storageUri, settings: deps.settings, log: deps.log });
    this.disposables.push(this.results, vscode.commands.registerCommand(OPEN_RESULT_COMMAND, (hit: WorkspaceOccurrence) => this.open(hit)));
  }

  /** The feature the last search was for: opening a result highlights it. */
  private lastFeature: { hook: string; index: number } | undefined;

  async run(arg?: unknown): Promise<void> {
    const loaded = await this.deps.model.get();
    if (!loaded.ok) {
      void vscode.window.showErrorMessage(`Activation Inspector: ${describeError(loaded.error)}`);
      return;
    }
    const engine = loaded.value;
    const feature = featureOfArg(arg) ?? (await pickFeature(engine.hooks));
    if (!feature) return;
    if (!engine.hooks.includes(feature.hook)) {
      void vscode.window.showErrorMessage(`Activation Inspector: the model has no dictionary for ${feature.hook}`);
      return;
    }
    if (!(vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === 'file')) {
      void vscode.window.showInformationMessage('Activation Inspector: Find Feature in Workspace needs a folder on disk open.');
      return;
    }
    this.lastFeature = feature;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Activation Inspector: finding feature #${feature.index}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return this.index.search(engine, feature.hook, feature.index, (message, fraction) => {
          const pct = Math.round(fraction * 100);
          progress.report({ message, increment: Math.max(0, pct - reported) });
          reported = Math.max(reported, pct);
        }, controller.signal);
      },
    );
    this.deps.log.info(`Find feature #${feature.index} of ${feature.hook}: ${outcome.occurrences.length} occurrences in ${outcome.files} files (${outcome.analysed} analysed${outcome.cancelled ? ', cancelled' : ''})`);
    await this.results.show({ hook: feature.hook, feature: feature.index, label: this.deps.labelOf(feature.hook, feature.index) }, outcome.occurrences, outcome.files, outcome.cancelled);
  }

  private async open(hit: WorkspaceOccurrence): Promise<void> {
    await openOccurrence(hit);
    if (this.lastFeature) this.deps.heatmap.setView({ kind: 'feature', hook: this.lastFeature.hook, index: this.lastFeature.index });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
