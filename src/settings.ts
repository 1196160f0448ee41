// One typed, read-only view of the `activationInspector.*` configuration. It is rebuilt from scratch on
// every configuration change (see SettingsSource) so no part of the extension holds a stale or
// half-updated copy, and bad values (wrong type, out of range) fall back to the default instead of
// reaching the engine.
import * as vscode from 'vscode';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_CEILING } from './shared/limits';
import type { HeatmapMode } from './shared/heatmapScale';
import type { FeatureOrder } from './engine';

export const SECTION = 'activationInspector';

export interface Settings {
  /** Bundle folder; '' = the bundled default (media/models/code-gpt2-2l). */
  readonly modelPath: string;
  /** More bundle folders offered by "Select Model". */
  readonly knownModels: readonly string[];
  /** Language ids analysed; '*' = every text document. */
  readonly enabledLanguages: readonly string[];
  readonly topK: number;
  readonly featuresPerToken: number;
  /** Which of a token's active features are listed, and in what order: 'unusual' (activation over the
   *  feature's typical activation; dense and positional features after the others) or 'activation'. */
  readonly featureOrder: FeatureOrder;
  /** Hook names shown; empty = every dictionary in the bundle. */
  readonly hooks: readonly string[];
  readonly heatmapMode: HeatmapMode;
  /** Documents larger than this many UTF-8 bytes are not analysed (bytes bound the tokens; characters do not). */
  readonly maxDocumentSize: number;
  readonly debounceMs: number;
  /** Where "Open Inspector" shows the inspector: beside the editor (a webview panel) or in the bottom panel. */
  readonly inspectorLocation: 'beside' | 'panel';
}

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  modelPath: '',
  knownModels: Object.freeze([]) as readonly string[],
  enabledLanguages: Object.freeze(['*']) as readonly string[],
  topK: 10,
  featuresPerToken: 5,
  featureOrder: 'unusual' as FeatureOrder,
  hooks: Object.freeze([]) as readonly string[],
  heatmapMode: 'rank' as HeatmapMode,
  maxDocumentSize: DEFAULT_MAX_DOCUMENT_BYTES,
  debounceMs: 300,
  inspectorLocation: 'beside' as const,
});

/** Limits mirrored in package.json `contributes.configuration` (topk_max of the bundle format is 50). */
export const LIMITS = Object.freeze({
  topK: [1, 50],
  featuresPerToken: [1, 64],
  maxDocumentSize: [1, MAX_DOCUMENT_BYTES_CEILING],
  debounceMs: [0, 10_000],
} as const);

/** Reads one raw value by key (relative to the section); `WorkspaceConfiguration.get` fits. */
export type ConfigGetter = (key: string) => unknown;

function integerIn(value: unknown, [min, max]: readonly [number, number], fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

function stringList(value: unknown, fallback: readonly string[]): readonly string[] {
  if (!Array.isArray(value)) return fallback;
  const strings = value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '');
  return Object.freeze([...new Set(strings)]);
}

/** Pure: raw configuration values -> a frozen Settings object. */
export function readSettings(get: ConfigGetter): Settings {
  const d = DEFAULT_SETTINGS;
  const modelPath = get('modelPath');
  const mode = get('heatmap.mode');
  const order = get('featureOrder');
  return Object.freeze({
    modelPath: typeof modelPath === 'string' ? modelPath.trim() : d.modelPath,
    knownModels: stringList(get('knownModels'), d.knownModels),
    enabledLanguages: stringList(get('enabledLanguages'), d.enabledLanguages),
    topK: integerIn(get('topK'), LIMITS.topK, d.topK),
    featuresPerToken: integerIn(get('featuresPerToken'), LIMITS.featuresPerToken, d.featuresPerToken),
    featureOrder: order === 'unusual' || order === 'activation' ? order : d.featureOrder,
    hooks: stringList(get('hooks'), d.hooks),
    heatmapMode: mode === 'rank' || mode === 'surprisal' ? mode : d.heatmapMode,
    maxDocumentSize: integerIn(get('maxDocumentSize'), LIMITS.maxDocumentSize, d.maxDocumentSize),
    inspectorLocation: get('inspector.location') === 'panel' ? 'panel' : get('inspector.location') === 'beside' ? 'beside' : d.inspectorLocation,
    debounceMs: integerIn(get('debounceMs'), LIMITS.debounceMs, d.debounceMs),
  });
}

/** Whether the analysis (as opposed to only the views) depends on what changed between a and b. */
export function analysisSettingsChanged(a: Settings, b: Settings): boolean {
  return a.topK !== b.topK || a.featuresPerToken !== b.featuresPerToken || a.featureOrder !== b.featureOrder || a.hooks.join('\n') !== b.hooks.join('\n');
}

/**
 * Where a change made from the UI must be written to take effect: the workspace's settings when the
 * workspace sets the key (a user-level value would stay shadowed by it, so the control would seem
 * broken), otherwise the user's. Workspace values of restricted keys count only in a trusted workspace.
 */
export function settingTarget(inspected: { workspaceValue?: unknown } | undefined, workspaceValuesApply: boolean): 'workspace' | 'global' {
  return inspected?.workspaceValue !== undefined && workspaceValuesApply ? 'workspace' : 'global';
}

/** Writes `activationInspector.<key>` where it takes effect (see settingTarget). */
export async function updateSetting(key: string, value: unknown, opts: { restricted?: boolean } = {}): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const applies = !opts.restricted || vscode.workspace.isTrusted;
  const target = settingTarget(config.inspect(key), applies) === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update(key, value, target);
}

/** Owns the current Settings; rebuilds it when the `activationInspector` section changes. */
export class SettingsSource implements vscode.Disposable {
  private current: Settings;
  private readonly emitter = new vscode.EventEmitter<{ previous: Settings; current: Settings }>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.current = SettingsSource.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const previous = this.current;
      this.current = SettingsSource.read();
      this.emitter.fire({ previous, current: this.current });
    });
  }

  get value(): Settings {
    return this.current;
  }

  private static read(): Settings {
    const config = vscode.workspace.getConfiguration(SECTION);
    return readSettings((key) => config.get(key));
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
