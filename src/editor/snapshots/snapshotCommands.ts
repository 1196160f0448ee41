// "Export Activation Snapshot" and "Open Activation Snapshot". Export writes the engine's snapshot
// format (atomically, by the engine); open shows a snapshot in the inspector without the model and
// warns when the document it came from no longer has the same text.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { key, sha256Hex } from '../document/documentKey';
import type { EditorParts } from '../editorParts';
import type { LoadedSnapshot, SnapshotApi } from '../model/engineApi';
import { describeError } from '../model/modelHost';
import type { EditedAnalysis } from '../../engine';

export interface SnapshotDeps extends Omit<EditorParts, 'heatmap'> {
  loadSnapshotApi: () => Promise<SnapshotApi>;
  showSnapshot: (loaded: LoadedSnapshot, file: vscode.Uri, textMatches: boolean | null) => Promise<void>;
  /** With feature edits active on the document: the edited analysis of its current version (computed
   *  when needed), or why there is none; undefined when no edits are active. */
  editedFor?: (doc: vscode.TextDocument) => Promise<EditedAnalysis | string | undefined>;
  /** How many feature edits the document has (0: a plain snapshot). */
  editCount?: (doc: vscode.TextDocument) => number;
}

/** Pure: `src/app.py` -> `app.activations.json` beside it. */
export function defaultSnapshotName(documentPath: string): string {
  const base = path.basename(documentPath) || 'untitled';
  const ext = path.extname(base);
  return `${ext ? base.slice(0, -ext.length) : base}.activations.json`;
}

function defaultSnapshotUri(doc: vscode.TextDocument): vscode.Uri {
  const name = defaultSnapshotName(doc.uri.path);
  if (doc.uri.scheme === 'file') return vscode.Uri.file(path.join(path.dirname(doc.uri.fsPath), name));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(name);
}

export async function exportSnapshot(deps: SnapshotDeps, arg?: { includeActivations?: boolean }): Promise<vscode.Uri | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Activation Inspector: open a document to export its analysis.');
    return undefined;
  }
  const doc = editor.document;
  // With edits active the snapshot is the edited analysis, and everything about the export says so.
  const edits = deps.editCount?.(doc) ?? 0;
  const edited = edits > 0 ? ` edited (${edits} feature edit${edits === 1 ? '' : 's'})` : '';
  let includeActivations = arg?.includeActivations;
  if (includeActivations === undefined) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: 'Predictions and features', description: 'JSON only', include: false },
        { label: 'Also include raw activations', description: 'adds a .safetensors file beside the JSON', include: true },
      ],
      { title: `Export${edited} Activation Snapshot`, placeHolder: edited ? 'The snapshot holds the edited predictions; what to include' : 'What to include' },
    );
    if (!choice) return undefined;
    includeActivations = choice.include;
  }
  const target = await vscode.window.showSaveDialog({
    defaultUri: defaultSnapshotUri(doc),
    filters: { 'Activation snapshot': ['json'] },
    saveLabel: 'Export Snapshot',
    title: `Export${edited} Activation Snapshot`,
  });
  if (!target) return undefined;

  const written = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Activation Inspector: exporting${edited} snapshot`, cancellable: false },
    async () => {
      const version = doc.version;
      const text = doc.getText();
      const stored = deps.store.get(key(doc), version);
      // Raw activations are not kept in the store (memory), so they need one more (incremental) run.
      const result = stored && !includeActivations ? stored.result : await deps.tracker.analyseNow(doc, { includeActivations });
      if (!result) return { ok: false as const, message: 'the document could not be analysed (see the status bar)' };
      if (result.textSha256 !== sha256Hex(text)) return { ok: false as const, message: 'the document changed during export; try again' };
      const engine = await deps.model.get();
      if (!engine.ok) return { ok: false as const, message: describeError(engine.error) };
      const editedResult = edits > 0 ? await deps.editedFor?.(doc) : undefined;
      if (typeof editedResult === 'string') return { ok: false as const, message: `the edited analysis failed: ${editedResult}` };
      if (doc.version !== version) return { ok: false as const, message: 'the document changed during export; try again' };
      const api = await deps.loadSnapshotApi();
      const s = deps.settings();
      const res = await api.write(target.fsPath, {
        engine: engine.value,
        result,
        document: { path: doc.isUntitled ? null : doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString(), languageId: doc.languageId, text },
        options: { topK: s.topK, featuresPerToken: s.featuresPerToken, featureOrder: s.featureOrder, hooks: [...result.hooks] },
        edited: editedResult,
      });
      return res.ok ? { ok: true as const, files: res.value.files } : { ok: false as const, message: describeError(res.error) };
    },
  );
  if (!written.ok) {
    deps.log.error(`Export snapshot failed: ${written.message}`);
    void vscode.window.showErrorMessage(`Activation Inspector: could not export the snapshot: ${written.message}`);
    return undefined;
  }
  deps.log.info(`Exported snapshot ${written.files.join(', ')}`);
  void vscode.window.showInformationMessage(`Activation Inspector:${edited} snapshot written to ${path.basename(target.fsPath)}${edited ? ' (its provenance lists the edits; tokens keep logprobOriginal)' : ''}.`);
  return target;
}

/** The open document a snapshot was taken from, by path (absolute, or the same file name as a fallback). */
function findSourceDocument(snapshotPath: string): vscode.TextDocument | undefined {
  const docs = vscode.workspace.textDocuments;
  return (
    docs.find((d) => d.uri.fsPath === snapshotPath || d.uri.toString() === snapshotPath) ??
    docs.find((d) => d.uri.scheme === 'file' && path.basename(d.uri.fsPath) === path.basename(snapshotPath))
  );
}

export async function openSnapshot(deps: SnapshotDeps, file?: vscode.Uri): Promise<LoadedSnapshot | undefined> {
  let target = file;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      filters: { 'Activation snapshot': ['json'] },
      openLabel: 'Open Snapshot',
      title: 'Open Activation Snapshot',
    });
    if (!picked || picked.length === 0) return undefined;
    target = picked[0]!;
  }
  const api = await deps.loadSnapshotApi();
  const read = await api.read(target.fsPath);
  if (!read.ok) {
    deps.log.error(`Open snapshot ${target.fsPath} failed: ${describeError(read.error)}`);
    void vscode.window.showErrorMessage(`Activation Inspector: could not open the snapshot: ${describeError(read.error)}`);
    return undefined;
  }
  const loaded = read.value;
  const doc = findSourceDocument(loaded.document.path);
  const textMatches = doc ? sha256Hex(doc.getText()) === loaded.document.textSha256 : null;
  if (textMatches === false) {
    void vscode.window.showWarningMessage(
      `Activation Inspector: ${path.basename(doc!.uri.fsPath)} has changed since this snapshot was taken (its text sha256 differs); the inspector shows the snapshot's text.`,
    );
  }
  deps.log.info(`Opened snapshot ${target.fsPath} (model ${loaded.modelId}, ${loaded.result.tokens.length} tokens, text matches: ${textMatches ?? 'no open document'})`);
  await deps.showSnapshot(loaded, target, textMatches);
  return loaded;
}
