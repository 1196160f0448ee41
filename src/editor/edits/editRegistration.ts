// Registers the feature-edit commands and connects the edits to the heat map: an added edit shows the
// edit-effect map; when the last edit of every document goes, the map returns to the configured mode.
import * as vscode from 'vscode';
import type { HeatmapDecorations } from '../decorations/heatmapDecorations';
import { key } from '../document/documentKey';
import { clearEditsCommand, type EditCommandDeps, editFeatureCommand, removeEditCommand, spliceHookCommand } from './editCommands';
import { FeatureEditing, insertContinuation } from './featureEditing';
import { COMMANDS } from '../../shared/commands';
import type { Settings } from '../../settings';

export interface EditRegistrationDeps extends Omit<EditCommandDeps, 'showEffect'> {
  heatmap: HeatmapDecorations;
  settings: () => Settings;
  /** Registers a command with the extension's error reporting. */
  command: (name: string, fn: (...args: unknown[]) => unknown) => vscode.Disposable;
  /** Opens the inspector's continuation section (it asks for a continuation from the cursor). */
  showContinuation: () => Promise<void>;
}

export function registerFeatureEdits(d: EditRegistrationDeps): vscode.Disposable {
  const showEffect = () => d.heatmap.setView({ kind: 'editEffect' });
  const deps: EditCommandDeps = { ...d, showEffect };
  const sub = d.editing.onDidChange(() => {
    const anyEdits = d.editing.sessions.documents().length > 0;
    if (!anyEdits && d.heatmap.view?.kind === 'editEffect') d.heatmap.setView({ kind: d.settings().heatmapMode });
  });
  return vscode.Disposable.from(
    sub,
    d.command(COMMANDS.editFeature, (arg) => editFeatureCommand(deps, arg)),
    d.command(COMMANDS.spliceHook, (arg) => spliceHookCommand(deps, arg)),
    d.command(COMMANDS.removeEdit, (arg) => removeEditCommand(deps, arg)),
    d.command(COMMANDS.clearEdits, (arg) => clearEditsCommand(deps, arg)),
    // Toggles the edit-effect map ({ on: true } from the panel only turns it on).
    d.command(COMMANDS.showEditEffect, (arg) => {
      const on = typeof arg === 'object' && arg !== null && (arg as Record<string, unknown>).on === true;
      if (on || d.heatmap.view?.kind !== 'editEffect') showEffect();
      else d.heatmap.setView({ kind: d.settings().heatmapMode });
    }),
    d.command(COMMANDS.continueHere, () => d.showContinuation()),
    d.command(COMMANDS.insertContinuation, async (arg) => {
      const editor = vscode.window.activeTextEditor;
      const latest = d.editing.continuations.latest();
      const which = typeof arg === 'object' && arg !== null && (arg as Record<string, unknown>).which === 'edited' ? 'edited' : 'plain';
      if (!editor || !latest || latest.pair.docKey !== key(editor.document)) {
        void vscode.window.showInformationMessage('Activation Inspector: no continuation of this document to insert ("What Would the Model Write Here?" makes one).');
        return;
      }
      await insertContinuation(d.editing, editor.document, latest.id, which, (m) => void vscode.window.showWarningMessage(`Activation Inspector: ${m}`));
    }),
  );
}

export { FeatureEditing };
