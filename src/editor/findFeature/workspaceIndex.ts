// The workspace's feature index (src/featureIndex, the CLI's code and file format), kept in the
// extension's storage, one database per workspace folder. Brought up to date before each search: only
// files whose content or the model changed are analysed again, in the background, cancellably.
import * as vscode from 'vscode';
import path from 'node:path';
import { createHash } from 'node:crypto';
import ignore from 'ignore';
import { FeatureIndexStore, indexFingerprint, listIndexableFiles, updateIndex, type FoundOccurrence, type IndexFile } from '../../featureIndex';
import type { AnalysisEngine } from '../model/engineApi';
import type { Logger } from '../logger';
import { languageOfPath } from '../../shared/languages';
import type { Settings } from '../../settings';
import { readWorkspaceText } from './readText';

export interface WorkspaceOccurrence extends FoundOccurrence {
  uri: vscode.Uri;
}

export interface SearchOutcome {
  occurrences: WorkspaceOccurrence[];
  files: number;
  analysed: number;
  cancelled: boolean;
}

export interface WorkspaceIndexDeps {
  storageUri: vscode.Uri;
  settings: () => Settings;
  log: Logger;
}

/** Paths accepted by files.exclude (patterns set to true, read as gitignore-style patterns) and by the
 *  enabled languages (by extension; '*' accepts every file). */
function fileFilter(folder: vscode.WorkspaceFolder, settings: Settings): (rel: string) => boolean {
  const excludes = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude') ?? {};
  const excluded = ignore().add(Object.entries(excludes).filter(([, on]) => on === true).map(([glob]) => glob));
  const all = settings.enabledLanguages.includes('*');
  return (rel) => !excluded.ignores(rel) && (all || settings.enabledLanguages.includes(languageOfPath(rel) ?? ''));
}

export class WorkspaceFeatureIndex {
  constructor(private readonly deps: WorkspaceIndexDeps) {}

  private dbFile(folder: vscode.WorkspaceFolder): string {
    const id = createHash('sha256').update(folder.uri.toString()).digest('hex').slice(0, 16);
    return path.join(this.deps.storageUri.fsPath, `feature-index-${id}.sqlite`);
  }

  /** Updates every file-backed workspace folder's index, then finds the feature in them. */
  async search(
    engine: AnalysisEngine,
    hook: string,
    feature: number,
    progress: (message: string, fraction: number) => void,
    signal: AbortSignal,
  ): Promise<SearchOutcome> {
    const settings = this.deps.settings();
    const hooks = settings.hooks.filter((h) => engine.hooks.includes(h));
    const p = engine.provenance?.();
    // What an occurrence is follows the settings the editor analyses with (featuresPerToken, featureOrder),
    // so a search finds what the hover and the inspector list; an index built with others is rebuilt.
    const { featuresPerToken, featureOrder } = settings;
    const fingerprint = p
      ? indexFingerprint(p, { featuresPerToken, featureOrder, hooks: hooks.length ? hooks : [...engine.hooks] })
      : `${engine.modelId}|${engine.bundleDir}|${featuresPerToken}|${featureOrder}|${hooks.join(',')}`;
    const outcome: SearchOutcome = { occurrences: [], files: 0, analysed: 0, cancelled: false };
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    for (const [fi, folder] of folders.entries()) {
      const root = folder.uri.fsPath;
      const store = await FeatureIndexStore.open(this.dbFile(folder), { fingerprint, root });
      try {
        if (store.notice) {
          this.deps.log.warn(store.notice);
          void vscode.window.showWarningMessage(`Activation Inspector: ${store.notice}`);
        }
        const rels = await listIndexableFiles(root, { maxBytes: settings.maxDocumentSize, accept: fileFilter(folder, settings), signal });
        const files: IndexFile[] = rels.map((rel) => ({ path: rel, read: () => readWorkspaceText(vscode.Uri.joinPath(folder.uri, ...rel.split('/')), settings.maxDocumentSize) }));
        const report = await updateIndex(store, files, {
          analyze: (k, text, s) => engine.analyze(k, text, { topK: 1, featuresPerToken, featureOrder, hooks }, s),
          forget: (k) => engine.forget(k),
        }, {
          signal,
          onProgress: (pr) => progress(`${folder.name}: ${pr.done}/${pr.total}${pr.path ? ` ${pr.path}` : ''}`, (fi + (pr.total ? pr.done / pr.total : 1)) / folders.length),
        });
        for (const f of report.failed) this.deps.log.warn(`Feature index: ${f.path}: ${f.message}`);
        outcome.analysed += report.analysed.length;
        outcome.files += store.stats().files;
        for (const o of store.find(hook, feature)) outcome.occurrences.push({ ...o, uri: vscode.Uri.joinPath(folder.uri, ...o.file.split('/')) });
        if (report.cancelled) {
          outcome.cancelled = true;
          break;
        }
      } finally {
        store.close();
      }
    }
    outcome.occurrences.sort((a, b) => b.activation - a.activation || a.uri.toString().localeCompare(b.uri.toString()) || a.start - b.start);
    return outcome;
  }
}
