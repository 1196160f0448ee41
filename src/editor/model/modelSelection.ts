// "Select Model": the bundled default, the configured bundles, and "Browse…". A chosen folder is
// validated by the engine before anything changes; the switch happens without a restart because the
// settings change makes the ModelHost load the new bundle.
import * as vscode from 'vscode';
import type { EngineError, Result } from '../../engine';
import { SECTION, updateSetting, type Settings } from '../../settings';
import { DEFAULT_BUNDLE_ID } from '../../shared/defaultBundle';
import { resolveBundleDir } from './bundlePaths';
import type { Logger } from '../logger';
import { describeError } from './modelHost';

export interface BundleSummary {
  id: string;
  name: string;
}

export type BundleValidator = (dir: string) => Promise<Result<BundleSummary>>;

interface ModelItem extends vscode.QuickPickItem {
  /** Setting value ('' = default); undefined for "Browse…". */
  value?: string;
}

/** Pure: the quick-pick rows for the current settings. */
export function modelPickItems(settings: Settings, resolve: (configured: string) => string): ModelItem[] {
  const current = resolve(settings.modelPath);
  const items: ModelItem[] = [];
  const seen = new Set<string>();
  const add = (value: string, label: string) => {
    const dir = resolve(value);
    if (seen.has(dir)) return;
    seen.add(dir);
    items.push({ label: `${dir === current ? '$(check) ' : ''}${label}`, description: value === '' ? 'bundled default' : undefined, detail: dir, value });
  };
  add('', DEFAULT_BUNDLE_ID);
  if (settings.modelPath !== '') add(settings.modelPath, settings.modelPath.split(/[\\/]/).filter(Boolean).pop() ?? settings.modelPath);
  for (const p of settings.knownModels) add(p, p.split(/[\\/]/).filter(Boolean).pop() ?? p);
  items.push({ label: '$(folder-opened) Browse…', description: 'choose a bundle folder' });
  return items;
}

export async function selectModel(deps: {
  settings: () => Settings;
  extensionPath: string;
  validate: BundleValidator;
  log: Logger;
}): Promise<string | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolve = (p: string) => resolveBundleDir(p, deps.extensionPath, root);
  const settings = deps.settings();
  const picked = await vscode.window.showQuickPick(modelPickItems(settings, resolve), {
    title: 'Activation Inspector: Select Model',
    placeHolder: 'Model bundle to analyse documents with',
  });
  if (!picked) return undefined;
  let value = picked.value;
  let browsed = false;
  if (value === undefined) {
    const folders = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use This Bundle', title: 'Model bundle folder (with manifest.json)' });
    if (!folders || folders.length === 0) return undefined;
    value = folders[0]!.fsPath;
    browsed = true;
  }
  const dir = resolve(value);
  const checked = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Activation Inspector: checking ${dir}` },
    () => deps.validate(dir),
  );
  if (!checked.ok) {
    deps.log.warn(`Select Model: ${dir} is not a usable bundle: ${describeError(checked.error as EngineError)}`);
    void vscode.window.showErrorMessage(`Activation Inspector: ${dir} is not a usable model bundle: ${describeError(checked.error)}`);
    return undefined;
  }
  if (browsed && !settings.knownModels.includes(value)) {
    await vscode.workspace.getConfiguration(SECTION).update('knownModels', [...settings.knownModels, value], vscode.ConfigurationTarget.Global);
  }
  await updateSetting('modelPath', value, { restricted: true });
  deps.log.info(`Select Model: switched to ${checked.value.id} (${dir})`);
  void vscode.window.showInformationMessage(`Activation Inspector: using ${checked.value.name || checked.value.id}.`);
  return dir;
}
