// The status bar item: model + state of the active document; clicking it opens the inspector.
import * as vscode from 'vscode';
import type { DocStatus } from './document/documentTracker';
import { COMMANDS } from '../shared/commands';
import type { ModelState } from './model/modelHost';
import { describeError } from './model/modelHost';

export interface StatusView {
  text: string;
  /** One sentence about the state, without the product name (the panel shows it as is). */
  message: string;
  /** Whether to draw it with the error background. */
  error: boolean;
}

function modelName(model: ModelState): string {
  if (model.kind === 'ready') return model.modelId;
  const parts = model.bundleDir.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'model';
}

/** The status bar item's tooltip for a view. */
export function statusTooltip(view: StatusView): string {
  return `Activation Inspector: ${view.message}\nClick to open the inspector.`;
}

/** Pure: what the item says for a model state and the active document's status. */
export function statusView(model: ModelState, doc: DocStatus | undefined): StatusView {
  const name = modelName(model);
  if (model.kind === 'error') {
    return { text: `$(error) ${name}: failed to load`, message: `${describeError(model.error)} ("Select Model" picks another bundle.)`, error: true };
  }
  if (model.kind === 'loading') return { text: `$(loading~spin) ${name}: loading…`, message: `loading ${model.bundleDir}`, error: false };
  switch (doc?.kind) {
    case 'skipped':
      return { text: `$(circle-slash) ${name}: not analysed because ${doc.reason}`, message: `not analysed because ${doc.reason}. ${doc.detail}`, error: false };
    case 'pending':
      return { text: `$(sync) ${name}: waiting for typing to pause`, message: 'analysis starts when typing pauses', error: false };
    case 'analysing': {
      const pct = doc.fraction === undefined ? '' : ` ${Math.round(doc.fraction * 100)}%`;
      if (doc.visibleShown) return { text: `$(sync~spin) ${name}: visible part shown · analysing the rest${pct}`, message: 'the visible part is analysed and shown; analysing the rest of the document', error: false };
      return { text: `$(sync~spin) ${name}: analysing${pct}`, message: 'analysing the document', error: false };
    }
    case 'ready':
      return {
        text: `$(pulse) ${name}: ${doc.tokens.toLocaleString('en-US')} tokens · ${formatMs(doc.ms)}`,
        message: `${doc.tokens.toLocaleString('en-US')} tokens; last analysis ${formatMs(doc.ms)} (${doc.reused.toLocaleString('en-US')} tokens reused)`,
        error: false,
      };
    case 'error':
      return { text: `$(warning) ${name}: ${doc.message}`, message: doc.message, error: true };
    default:
      return { text: `$(pulse) ${name}`, message: 'not analysed yet', error: false };
  }
}

/** What the status bar says about a document's active feature edits (undefined: none). */
export interface EditsStatus {
  count: number;
  state: 'running' | 'ready' | 'error' | 'waiting';
  totalBits: number | null;
}

/** Pure: the view with the active edits named, so nothing edited passes for the plain model's output. */
export function withEdits(view: StatusView, edits: EditsStatus | undefined): StatusView {
  if (!edits) return view;
  const n = `${edits.count} feature edit${edits.count === 1 ? '' : 's'}`;
  const effect =
    edits.state === 'ready' && edits.totalBits !== null
      ? `${edits.totalBits >= 0 ? '+' : '−'}${Math.abs(edits.totalBits).toFixed(1)} bits`
      : edits.state === 'error' ? 'failed' : 'computing…';
  return {
    text: `${view.text} · $(beaker) ${n}: ${effect}`,
    message: `${view.message}. ${n} active: the edit effect and edited predictions are shown as edited (${effect} over the document); "Clear Feature Edits" removes them`,
    error: view.error || edits.state === 'error',
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('activationInspector.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Activation Inspector';
    this.item.command = COMMANDS.openInspector;
  }

  update(model: ModelState, doc: DocStatus | undefined, visible: boolean, edits?: EditsStatus): void {
    const view = withEdits(statusView(model, doc), edits);
    const max = edits ? 130 : 90;
    this.item.text = view.text.length > max ? `${view.text.slice(0, max - 1)}…` : view.text;
    this.item.tooltip = statusTooltip(view);
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (visible) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
