import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { COMMANDS } from '../../src/shared/commands';
import { analysisSettingsChanged, DEFAULT_SETTINGS, readSettings, settingTarget, SettingsSource } from '../../src/settings';
import { fake } from './editorFakeVscode';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('readSettings', () => {
  it('gives the defaults for an empty configuration, frozen', () => {
    const s = readSettings(() => undefined);
    expect(s).toEqual(DEFAULT_SETTINGS);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.enabledLanguages)).toBe(true);
  });

  it('clamps numbers, rejects wrong types, cleans lists', () => {
    const values: Record<string, unknown> = {
      modelPath: '  /m  ', topK: 500, featuresPerToken: -3, debounceMs: 'fast', maxDocumentSize: 12.6,
      'heatmap.mode': 'nonsense', enabledLanguages: ['python', 3, ' ', 'python', 'rust'], hooks: 'blocks.0',
    };
    const s = readSettings((k) => values[k]);
    expect(s.modelPath).toBe('/m');
    expect(s.topK).toBe(50);
    expect(s.featuresPerToken).toBe(1); // the engine needs at least one
    expect(s.debounceMs).toBe(DEFAULT_SETTINGS.debounceMs);
    expect(s.maxDocumentSize).toBe(13);
    expect(s.heatmapMode).toBe('rank');
    expect(s.enabledLanguages).toEqual(['python', 'rust']);
    expect(s.hooks).toEqual([]);
  });

  it('reads the feature order, falling back to "unusual" for anything else', () => {
    expect(DEFAULT_SETTINGS.featureOrder).toBe('unusual');
    expect(readSettings((k) => (k === 'featureOrder' ? 'activation' : undefined)).featureOrder).toBe('activation');
    expect(readSettings((k) => (k === 'featureOrder' ? 'unusual' : undefined)).featureOrder).toBe('unusual');
    for (const bad of ['Activation', '', 3, null, ['activation']]) {
      expect(readSettings((k) => (k === 'featureOrder' ? bad : undefined)).featureOrder, String(bad)).toBe('unusual');
    }
  });

  it('declares the feature orders in package.json as the code reads them', () => {
    const p = pkg.contributes.configuration.properties['activationInspector.featureOrder'] as { enum: string[]; enumDescriptions: string[] };
    expect(p.enum).toEqual(['unusual', 'activation']);
    expect(p.enumDescriptions).toHaveLength(2);
  });

  it('knows which changes need a new analysis', () => {
    expect(analysisSettingsChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, topK: 3 })).toBe(true);
    // The order decides which of a token's active features are kept, so it is the analysis's.
    expect(analysisSettingsChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, featureOrder: 'activation' })).toBe(true);
    expect(analysisSettingsChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, heatmapMode: 'surprisal' })).toBe(false);
  });
});

describe('settingTarget', () => {
  it('writes to the workspace only when the workspace sets the key and its values apply', () => {
    expect(settingTarget({ workspaceValue: 5 }, true)).toBe('workspace');
    expect(settingTarget({ workspaceValue: 5 }, false)).toBe('global');
    expect(settingTarget({}, true)).toBe('global');
    expect(settingTarget(undefined, true)).toBe('global');
    expect(settingTarget({ workspaceValue: '' }, true)).toBe('workspace');
  });
});

describe('SettingsSource', () => {
  it('rebuilds a new object on change and tells listeners', () => {
    fake.reset();
    const source = new SettingsSource();
    const before = source.value;
    const seen: number[] = [];
    source.onDidChange(({ current }) => seen.push(current.topK));
    fake.setConfig({ 'activationInspector.topK': 7 });
    expect(source.value.topK).toBe(7);
    expect(before.topK).toBe(10);
    expect(seen).toEqual([7]);
    source.dispose();
  });
});

describe('package.json contributions', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { default: unknown; description?: string; markdownDescription?: string }>;

  it('declares every setting with a description and the same default as the code', () => {
    const keyOf: Record<string, keyof typeof DEFAULT_SETTINGS> = {
      'activationInspector.modelPath': 'modelPath', 'activationInspector.knownModels': 'knownModels',
      'activationInspector.enabledLanguages': 'enabledLanguages', 'activationInspector.topK': 'topK',
      'activationInspector.featuresPerToken': 'featuresPerToken', 'activationInspector.featureOrder': 'featureOrder',
      'activationInspector.hooks': 'hooks',
      'activationInspector.heatmap.mode': 'heatmapMode', 'activationInspector.maxDocumentSize': 'maxDocumentSize',
      'activationInspector.debounceMs': 'debounceMs', 'activationInspector.inspector.location': 'inspectorLocation',
    };
    expect(Object.keys(props).sort()).toEqual(Object.keys(keyOf).sort());
    for (const [k, field] of Object.entries(keyOf)) {
      expect(props[k]!.description ?? props[k]!.markdownDescription, k).toBeTruthy();
      expect(props[k]!.default, k).toEqual(DEFAULT_SETTINGS[field]);
    }
  });

  it('declares the same numeric limits as the code', async () => {
    const { LIMITS } = await import('../../src/settings');
    for (const [k, [min, max]] of Object.entries(LIMITS)) {
      const p = props[`activationInspector.${k}`] as unknown as { minimum: number; maximum: number };
      expect([p.minimum, p.maximum], k).toEqual([min, max]);
    }
  });

  it('restricts the model folder settings in untrusted workspaces', () => {
    expect(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations).toEqual(
      expect.arrayContaining(['activationInspector.modelPath', 'activationInspector.knownModels']),
    );
  });

  it('contributes the contract command ids under the category, and the panel view', () => {
    const cmds = pkg.contributes.commands as { command: string; category: string; title: string }[];
    for (const id of Object.values(COMMANDS)) {
      const c = cmds.find((x) => x.command === id);
      expect(c, id).toBeDefined();
      expect(c!.category).toBe('Activation Inspector');
    }
    const container = pkg.contributes.viewsContainers.panel[0];
    expect(pkg.contributes.views[container.id]).toEqual([
      expect.objectContaining({ type: 'webview', id: 'activationInspector.inspector' }),
      expect.objectContaining({ id: 'activationInspector.featureResults' }),
      expect.objectContaining({ id: 'activationInspector.comparison' }),
    ]);
    // The inspector beside the editor is restored after a reload, which may need to activate the extension.
    expect(pkg.activationEvents).toEqual(['onStartupFinished', 'onWebviewPanel:activationInspector.inspectorPanel']);
  });

  it('contributes a theme colour, with dark/light/high-contrast defaults, for every heat-map bucket', async () => {
    const { ALL_BUCKETS, bucketColorId } = await import('../../src/editor/decorations/heatmapRanges');
    const colors = pkg.contributes.colors as { id: string; defaults: Record<string, string> }[];
    for (const b of ALL_BUCKETS) {
      const c = colors.find((x) => x.id === bucketColorId(b));
      expect(c, b).toBeDefined();
      for (const theme of ['dark', 'light', 'highContrast']) expect(c!.defaults[theme]).toMatch(/^#[0-9a-f]{8}$/i);
    }
  });
});
