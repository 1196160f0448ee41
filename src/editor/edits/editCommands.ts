// The feature-edit commands' conversations with the user: Edit Feature… (feature, operation, amount,
// scope), Splice Hook…, Remove Feature Edit…, Clear Feature Edits. The arguments a hover link or the
// panel passes are untrusted and checked here.
import * as vscode from 'vscode';
import type { AnalysisStore } from '../document/analysisStore';
import { key } from '../document/documentKey';
import { describeEdit, featureEdit } from './editSession';
import { featureArg, pickFeatureAtCursor } from '../featurePick';
import type { FeatureEditing } from './featureEditing';
import type { EditOp, EditScope } from '../../protocol';
import { parseEditAmount } from '../../shared/editAmount';

export interface EditCommandDeps {
  editing: FeatureEditing;
  store: AnalysisStore;
  labelOf: (hook: string, index: number) => string | undefined;
  /** Hooks with a dictionary in the loaded model (empty before it is loaded). */
  hooks: () => readonly string[];
  /** An edit was added: show its effect (the edit-effect heat map). */
  showEffect: () => void;
}

/** The document a command acts on: the one a link names (when open in an editor), else the active editor's. */
function targetEditor(arg: unknown): vscode.TextEditor | undefined {
  const uri = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>).uri : undefined;
  if (typeof uri === 'string') return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  return vscode.window.activeTextEditor;
}

async function pickOp(): Promise<{ op: EditOp; amount: number | null } | undefined> {
  const op = await vscode.window.showQuickPick(
    [
      { label: 'Ablate', description: 'activation set to 0', op: 'ablate' as const },
      { label: 'Scale…', description: 'activation multiplied by a factor', op: 'scale' as const },
      { label: 'Clamp…', description: 'activation set to a value (also switches on a silent feature)', op: 'clamp' as const },
    ],
    { title: 'Edit Feature: operation' },
  );
  if (!op) return undefined;
  if (op.op === 'ablate') return { op: 'ablate', amount: null };
  const typed = await vscode.window.showInputBox({
    title: op.op === 'scale' ? 'Scale the activation by' : 'Clamp the activation to',
    value: op.op === 'scale' ? '2' : '5',
    validateInput: (v) => (parseEditAmount(v) === null ? 'a number, e.g. 2 or -0.5' : undefined),
  });
  const amount = typed === undefined ? null : parseEditAmount(typed);
  return amount === null ? undefined : { op: op.op, amount };
}

async function pickScope(editor: vscode.TextEditor): Promise<EditScope | undefined> {
  const items = [
    { label: 'Token under the cursor', scope: 'token' as const },
    ...(editor.selection.isEmpty ? [] : [{ label: 'Selection', scope: 'selection' as const }]),
    { label: 'Whole document', scope: 'document' as const },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Edit Feature: where' }))?.scope;
}

function added(result: string | { edit: unknown }, deps: EditCommandDeps): void {
  if (typeof result === 'string') {
    void vscode.window.showWarningMessage(`Activation Inspector: edit not added: ${result}`);
    return;
  }
  deps.showEffect();
}

/** Edit Feature…: from a hover link ({uri, hook, index, offset}), or asks for the feature at the cursor. */
export async function editFeatureCommand(deps: EditCommandDeps, arg: unknown): Promise<void> {
  const editor = targetEditor(arg);
  if (!editor) return;
  const offset = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>).offset : undefined;
  // A hover link's token: its offset becomes the cursor, so "token under the cursor" is the hovered one.
  if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 && offset <= editor.document.getText().length) {
    const at = editor.document.positionAt(offset);
    editor.selection = new vscode.Selection(at, at);
  }
  const feature = featureArg(arg) ?? (await pickFeatureAtCursor(deps.store, deps.labelOf, 'Edit Feature'));
  if (!feature) return;
  const op = await pickOp();
  if (!op) return;
  const scope = await pickScope(editor);
  if (!scope) return;
  added(deps.editing.add(editor.document, (range) => featureEdit(feature.hook, feature.index, op.op, op.amount, range), scope, editor.selection), deps);
}

/** Splice Hook…: replace a hook's activation by its dictionary's reconstruction (drop the error term). */
export async function spliceHookCommand(deps: EditCommandDeps, arg: unknown): Promise<void> {
  const editor = targetEditor(arg);
  if (!editor) return;
  const given = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>).hook : undefined;
  const hook = typeof given === 'string' && deps.hooks().includes(given) ? given : await vscode.window.showQuickPick([...deps.hooks()], { title: 'Splice Hook: which dictionary' });
  if (!hook) return;
  const scope = await pickScope(editor);
  if (!scope) return;
  added(deps.editing.add(editor.document, (range) => featureEdit(hook, null, 'splice', null, range), scope, editor.selection), deps);
}

/** Remove Feature Edit…: the one a link names ({uri, id}), or one picked from the document's list. */
export async function removeEditCommand(deps: EditCommandDeps, arg: unknown): Promise<void> {
  const editor = targetEditor(arg);
  if (!editor) return;
  const docKey = key(editor.document);
  const given = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>).id : undefined;
  const edits = deps.editing.sessions.list(docKey);
  if (edits.length === 0) {
    void vscode.window.showInformationMessage('Activation Inspector: this document has no feature edits.');
    return;
  }
  const id = typeof given === 'string' ? given : (await vscode.window.showQuickPick(edits.map((e) => ({ label: describeEdit(e), id: e.id })), { title: 'Remove Feature Edit' }))?.id;
  if (id) deps.editing.sessions.remove(docKey, id);
}

export function clearEditsCommand(deps: EditCommandDeps, arg: unknown): void {
  const editor = targetEditor(arg);
  if (editor) deps.editing.sessions.clear(key(editor.document));
}
