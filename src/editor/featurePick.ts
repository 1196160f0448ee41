// "Highlight Feature" without arguments: pick one of the features firing at the cursor's token.
import * as vscode from 'vscode';
import type { AnalysisStore } from './document/analysisStore';
import { key } from './document/documentKey';
import { tokenIndexAtOffset } from './document/tokenLookup';

export interface FeatureChoice {
  hook: string;
  index: number;
}

export async function pickFeatureAtCursor(store: AnalysisStore, labelOf: (hook: string, index: number) => string | undefined, title = 'Highlight Feature in Document'): Promise<FeatureChoice | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const stored = store.get(key(editor.document), editor.document.version);
  if (!stored) {
    void vscode.window.showInformationMessage('Activation Inspector: the document has no current analysis yet.');
    return undefined;
  }
  const i = tokenIndexAtOffset(stored.result.tokens, editor.document.offsetAt(editor.selection.active));
  const token = stored.result.tokens[i];
  const hits = token ? stored.result.hooks.flatMap((hook) => (token.features[hook] ?? []).map((f) => ({ hook, ...f }))) : [];
  if (hits.length === 0) {
    void vscode.window.showInformationMessage('Activation Inspector: no feature fires on the token at the cursor.');
    return undefined;
  }
  hits.sort((a, b) => b.activation - a.activation);
  const picked = await vscode.window.showQuickPick(
    hits.map((h) => ({ label: `#${h.index} ${labelOf(h.hook, h.index) ?? ''}`.trim(), description: `${h.activation.toFixed(2)} · ${h.hook}`, hook: h.hook, index: h.index })),
    { title, placeHolder: 'Features firing on the token at the cursor' },
  );
  return picked ? { hook: picked.hook, index: picked.index } : undefined;
}

/** Validates a command argument coming from a hover link or the panel (untrusted shape). */
export function featureArg(arg: unknown): FeatureChoice | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { hook, index } = arg as Record<string, unknown>;
  if (typeof hook !== 'string' || hook === '' || typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
  return { hook, index };
}
