// Feature edits in the VS Code layer: the edit lists of open documents (editSession.ts), their edited
// results (editEffects.ts) and continuations (continuations.ts), kept in step with the editor: ranges
// follow typing, a new plain analysis or a changed list runs the edits again, a closed document's
// edits go. Hover, heat map, status bar, panel and export read from here; none of them runs the model.
import * as vscode from 'vscode';
import type { AnalysisStore } from '../document/analysisStore';
import { Continuations, insertion } from './continuations';
import type { EditEffectSource } from '../decorations/heatmapDecorations';
import { key } from '../document/documentKey';
import { EditEffects } from './editEffects';
import { type ActiveEdit, EditSessions } from './editSession';
import type { EditedAnalysis, FeatureEdit } from '../../engine';
import { editEffectRanges } from '../decorations/heatmapRanges';
import type { HoverEdited } from '../hover/hoverBuilder';
import type { ModelHost } from '../model/modelHost';
import type { EditScope } from '../../protocol';
import type { Settings } from '../../settings';
import { tokenIndexAtOffset } from '../document/tokenLookup';

export interface FeatureEditingDeps {
  store: AnalysisStore;
  model: ModelHost;
  settings: () => Settings;
}

function openDocument(docKey: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => key(d) === docKey && !d.isClosed);
}

export class FeatureEditing implements vscode.Disposable {
  readonly sessions = new EditSessions();
  readonly effects: EditEffects;
  readonly continuations: Continuations;
  private readonly emitter = new vscode.EventEmitter<string>();
  /** A document's edits or their result changed (docKey). */
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: FeatureEditingDeps) {
    this.effects = new EditEffects({
      sessions: this.sessions,
      engine: () => deps.model.get(),
      document: (docKey) => openDocument(docKey),
      plainReady: (docKey, version) => {
        const stored = deps.store.get(docKey, version);
        return stored !== undefined && stored.partial === undefined;
      },
      options: (engine) => {
        const s = deps.settings();
        return { topK: Math.min(s.topK, engine.topkMax), featuresPerToken: s.featuresPerToken, featureOrder: s.featureOrder, hooks: s.hooks.filter((h) => engine.hooks.includes(h)) };
      },
    });
    this.continuations = new Continuations(() => deps.model.get());
    const sessionSub = this.sessions.onDidChange((docKey) => {
      this.effects.schedule(docKey);
      this.emitter.fire(docKey);
    });
    const effectSub = this.effects.onDidChange((docKey) => this.emitter.fire(docKey));
    const storeSub = deps.store.onDidChange((docKey, change) => {
      if (change === 'result' && this.sessions.list(docKey).length > 0) this.effects.schedule(docKey);
    });
    this.disposables.push(
      { dispose: () => sessionSub.dispose() },
      { dispose: () => effectSub.dispose() },
      { dispose: () => storeSub.dispose() },
      vscode.workspace.onDidChangeTextDocument((e) => {
        const docKey = key(e.document);
        if (this.sessions.list(docKey).length === 0 || e.contentChanges.length === 0) return;
        this.sessions.textChanged(
          docKey,
          e.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, newLength: c.text.length })),
        );
        this.effects.schedule(docKey); // the version moved: the old result is dropped at once
        this.emitter.fire(docKey);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const docKey = key(doc);
        this.sessions.forget(docKey);
        this.effects.forget(docKey);
      }),
      this.emitter,
    );
  }

  /** Adds an edit to a document, its range taken from `scope` in the editor showing it (`tokenIndex`:
   *  the token the panel has selected, else the one under the cursor). */
  add(doc: vscode.TextDocument, make: (range: { start: number; end: number } | undefined) => FeatureEdit | string, scope: EditScope, selection?: vscode.Selection, tokenIndex?: number): ActiveEdit | string {
    const range = this.scopeRange(doc, scope, selection, tokenIndex);
    if (typeof range === 'string') return range;
    const edit = make(range);
    if (typeof edit === 'string') return edit;
    return this.sessions.add(key(doc), edit, scope);
  }

  /** The UTF-16 range of a scope: the token under the cursor, the selection, or undefined (the document). */
  scopeRange(doc: vscode.TextDocument, scope: EditScope, selection?: vscode.Selection, tokenIndex?: number): { start: number; end: number } | undefined | string {
    if (scope === 'document') return undefined;
    const sel = selection ?? vscode.window.visibleTextEditors.find((e) => e.document === doc)?.selection;
    if (scope === 'token' && tokenIndex !== undefined) {
      const stored = this.deps.store.prefix(key(doc), doc.version);
      const token = stored && tokenIndex < stored.validTokens ? stored.result.tokens[tokenIndex] : undefined;
      return token ? { start: token.start, end: token.end } : 'the selected token is not analysed in this version yet';
    }
    if (!sel) return 'no editor shows the document: pick the whole document';
    if (scope === 'selection') {
      if (sel.isEmpty) return 'the selection is empty: select text or pick the token';
      return { start: doc.offsetAt(sel.start), end: doc.offsetAt(sel.end) };
    }
    const stored = this.deps.store.prefix(key(doc), doc.version);
    const tokens = stored?.result.tokens.slice(0, stored.validTokens) ?? [];
    const token = tokens[tokenIndexAtOffset(tokens, doc.offsetAt(sel.active))];
    if (!token) return 'no analysed token under the cursor yet';
    return { start: token.start, end: token.end };
  }

  /** The edit-effect heat map's source (heatmapDecorations.ts). */
  heatmapSource(): EditEffectSource {
    return {
      ranges: (docKey, version) => {
        const result = this.effects.result(docKey, version);
        return result ? editEffectRanges(result.tokens) : undefined;
      },
      onDidChange: (listener) => this.onDidChange(() => listener()),
    };
  }

  /** For the status bar: how many edits the document has and whether their result is computed. */
  summary(docKey: string, version: number): { count: number; state: 'running' | 'ready' | 'error' | 'waiting'; totalBits: number | null } | undefined {
    const count = this.sessions.list(docKey).length;
    if (count === 0) return undefined;
    const run = this.effects.get(docKey, version);
    return { count, state: run?.state ?? 'waiting', totalBits: run?.state === 'ready' ? run.result.totalDeltaBits : null };
  }

  dispose(): void {
    this.effects.dispose();
    this.continuations.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** The hover's edited numbers for token `index` of a document version (hoverBuilder's HoverEdited). */
export function hoverEdited(editing: FeatureEditing, docKey: string, version: number, index: number): HoverEdited | undefined {
  const count = editing.sessions.list(docKey).length;
  if (count === 0) return undefined;
  const t = editing.effects.result(docKey, version)?.tokens[index];
  return { count, token: t && { logprob: t.logprob, logprobOriginal: t.logprobOriginal, rank: t.rank, rankOriginal: t.rankOriginal } };
}

/** The export's edited analysis of a document's current version (undefined: no edits; a string: why none). */
export async function editedForExport(editing: FeatureEditing, doc: vscode.TextDocument): Promise<EditedAnalysis | string | undefined> {
  if (editing.sessions.list(key(doc)).length === 0) return undefined;
  const run = await editing.effects.run(key(doc));
  return run?.state === 'ready' ? run.result : run?.state === 'error' ? run.message : 'the edited analysis is not ready (the document changed?); try again';
}

/** Inserts a kept continuation at its offset when the document is still the version it continues. */
export async function insertContinuation(editing: FeatureEditing, doc: vscode.TextDocument, requestId: string, which: 'plain' | 'edited', warn: (m: string) => void): Promise<boolean> {
  const what = insertion(editing.continuations.get(requestId), which, { key: key(doc), version: doc.version });
  if (typeof what === 'string') {
    warn(`Not inserted: ${what}`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, doc.positionAt(what.offset), what.text);
  return vscode.workspace.applyEdit(edit);
}
