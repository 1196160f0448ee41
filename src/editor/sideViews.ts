// The views beside the document: the inspector as a webview panel beside the editor, comparisons
// across versions (their list of biggest changes, heat map and hover) and the feature search across the
// workspace (its results list), built and registered here so activate() stays a list of parts. Each one
// lives in its own place (src/inspector/sidePanel.ts, src/editor/compare, src/editor/findFeature).
import * as vscode from 'vscode';
import type { EditorParts } from './editorParts';
import type { SnapshotApi } from './model/engineApi';
import { offsetArg } from './commandArgs';
import { CompareCommands } from './compare/compareCommands';
import { ComparisonView, type ActiveComparison } from './compare/comparisonView';
import { comparisonBins } from './compare/present';
import type { ComparisonMessage } from '../protocol';
import { FindFeatureInWorkspace } from './findFeature/findCommand';
import { InspectorSidePanel } from '../inspector/sidePanel';
import type { InspectorDeps, InspectorViewProvider } from '../inspector/inspectorViewProvider';
import { COMMANDS } from '../shared/commands';

export interface SideViewsDeps extends EditorParts {
  context: vscode.ExtensionContext;
  inspectorDeps: InspectorDeps;
  /** The bottom panel's inspector (Open Inspector with inspector.location "panel"). */
  panelInspector: InspectorViewProvider;
  loadSnapshotApi: () => Promise<SnapshotApi>;
  /** Registers a command whose failures are logged and shown (extension.ts's wrapper). */
  command: (id: string, fn: (...args: unknown[]) => unknown) => vscode.Disposable;
}

export interface SideViews extends vscode.Disposable {
  sidePanel: InspectorSidePanel;
  comparison: ComparisonView;
  find: FindFeatureInWorkspace;
  /** The inspector Open Inspector opens, by the inspector.location setting. */
  inspectorForOpen(): InspectorViewProvider;
}

export function registerSideViews(deps: SideViewsDeps): SideViews {
  const sidePanel = new InspectorSidePanel(deps.inspectorDeps);
  const comparison = new ComparisonView();
  const compare = new CompareCommands(deps, comparison);
  const find = new FindFeatureInWorkspace({
    storageUri: deps.context.storageUri ?? deps.context.globalStorageUri,
    model: deps.model,
    heatmap: deps.heatmap,
    settings: deps.settings,
    log: deps.log,
    labelOf: deps.inspectorDeps.labelOf,
  });
  // The inspectors' token strips show the comparison too (a panel opened later gets it on opening).
  let comparisonMessage: ComparisonMessage | undefined;
  const toInspectors = (c: ActiveComparison | undefined) => {
    const cleared = comparisonMessage && { ...comparisonMessage, label: null, bins: '' };
    comparisonMessage = c && { type: 'comparison', docUri: c.docKey, version: c.version, label: c.label, bins: comparisonBins(c.comparison.tokens) };
    const msg = comparisonMessage ?? cleared;
    if (!msg) return;
    deps.panelInspector.showComparison(msg);
    sidePanel.inspector?.showComparison(msg);
  };
  const openSide = () => {
    const host = sidePanel.open();
    if (comparisonMessage) host.showComparison(comparisonMessage);
    return host;
  };
  const disposables: vscode.Disposable[] = [
    sidePanel,
    comparison,
    find,
    comparison.onDidChangeActive(toInspectors),
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }, { scheme: 'vscode-vfs' }], comparison),
    deps.command(COMMANDS.openInspectorToSide, (arg) => openSide().reveal(offsetArg(arg))),
    deps.command(COMMANDS.compareWithSaved, () => compare.withSaved()),
    deps.command(COMMANDS.compareWithHead, () => compare.withHead()),
    deps.command(COMMANDS.compareWithSnapshot, (arg) => compare.withSnapshot(arg)),
    deps.command(COMMANDS.findFeatureInWorkspace, (arg) => find.run(arg)),
  ];
  return {
    sidePanel,
    comparison,
    find,
    inspectorForOpen: () => (deps.settings().inspectorLocation === 'beside' ? openSide() : deps.panelInspector),
    dispose: () => disposables.forEach((d) => d.dispose()),
  };
}
