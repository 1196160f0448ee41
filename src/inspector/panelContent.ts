// What the inspector panel shows, decided from plain state: the opened snapshot, or the active
// document's analysis (only the still-valid prefix while an edit is being analysed), the init message
// the panel renders with, and when to clear it. Pure (no `vscode`), so each rule is unit-tested alone.
import type { AnalysisResult } from '../engine';
import type { PrefixAnalysis } from '../editor/document/analysisStore';
import { sha256Hex } from '../editor/document/documentKey';
import type { AnalysisEngine, LoadedSnapshot } from '../editor/model/engineApi';
import { tokenIndexAtOffset } from '../editor/document/tokenLookup';
import { type AnalysisMessage, DEFAULT_LEGEND, type InitMessage, PROTOCOL_VERSION } from '../protocol';
import type { Settings } from '../settings';
import { type AnalysisSource, inWindow } from './panelMessages';

/** A snapshot opened in the panel (read-only, until the active editor changes). */
export interface SnapshotView {
  loaded: LoadedSnapshot;
  /** The snapshot file (a vscode.Uri fits). */
  fileUri: { readonly path: string; toString(): string };
  /** Whether the open document's text is the snapshot's; null when there is no such document. */
  textMatches: boolean | null;
}

/** The active document, as much of it as choosing what to show needs (a vscode.TextDocument adapts). */
export interface DocumentView {
  key: string;
  version: number;
  /** uri.path */
  path: string;
  getText(): string;
}

/** Top-k a snapshot's panel offers: the snapshot carries what it carries; this only bounds the control. */
const SNAPSHOT_TOPK_MAX = 50;

/** Last path segment: what the panel calls a document or snapshot. */
export function fileNameOf(path: string): string {
  return path.split('/').pop() ?? '';
}

export function snapshotSource(snapshot: SnapshotView): AnalysisSource {
  return { docUri: snapshot.fileUri.toString(), fileName: fileNameOf(snapshot.fileUri.path) || 'snapshot', version: 0, result: snapshot.loaded.result };
}

/**
 * The document's analysis as of its current version: the whole stored result, or while an edit is
 * being analysed only the tokens before it (exactly what the new analysis will say about them),
 * labelled with the current version and text. `prefixOnly` results are worth caching per version
 * (slicing and hashing the text cost time on every keystroke). Undefined when nothing holds yet.
 */
export function documentSource(doc: DocumentView, stored: PrefixAnalysis | undefined): { source: AnalysisSource; prefixOnly: boolean } | undefined {
  if (!stored) return undefined;
  const base = { docUri: doc.key, fileName: fileNameOf(doc.path), version: doc.version };
  if (stored.validTokens === stored.result.tokens.length) return { source: { ...base, result: stored.result }, prefixOnly: false };
  if (stored.validTokens === 0) return undefined;
  const text = doc.getText();
  const result: AnalysisResult = { ...stored.result, tokens: stored.result.tokens.slice(0, stored.validTokens), textSha256: sha256Hex(text), textLength: text.length };
  delete result.activations;
  return { source: { ...base, result }, prefixOnly: true };
}

/**
 * Why the panel is cleared when there is nothing to show: no document, or (when the panel still
 * shows an analysis) one that no longer holds for the current text. Undefined: leave the panel as is.
 */
export function clearReason(doc: Pick<DocumentView, 'path'> | undefined, showingAnalysis: boolean): string | undefined {
  if (!doc) return 'Open a text file to see its analysis.';
  if (!showingAnalysis) return undefined;
  return `Waiting for the analysis of ${fileNameOf(doc.path) || 'this document'}…`;
}

/** The token under the editor cursor; past the analysed text, the last token; null without tokens. */
export function cursorTokenIndex(result: AnalysisResult, cursorOffset: number): number | null {
  const i = tokenIndexAtOffset(result.tokens, cursorOffset);
  return i >= 0 ? i : result.tokens.length > 0 ? result.tokens.length - 1 : null;
}

/** Whether selecting token `index` of `source` needs a fresh analysis window first. */
export function needsNewWindow(shown: AnalysisMessage | undefined, source: AnalysisSource, index: number): boolean {
  return !shown || shown.docUri !== source.docUri || shown.version !== source.version || !inWindow(shown, index);
}

/** The init message: model, settings and legend the panel renders with, and the snapshot banner. */
export function buildInitMessage(settings: Settings, engine: AnalysisEngine | undefined, snapshot: SnapshotView | undefined): InitMessage {
  let model: InitMessage['model'] = null;
  if (snapshot) {
    const { modelId, result } = snapshot.loaded;
    model = { id: modelId, name: modelId, hooks: result.hooks, hooksWithCards: [], topkMax: SNAPSHOT_TOPK_MAX };
  } else if (engine) {
    model = { id: engine.modelId, name: engine.modelName, hooks: [...engine.hooks], hooksWithCards: [...engine.hooksWithCards], topkMax: engine.topkMax };
  }
  return {
    type: 'init',
    protocol: PROTOCOL_VERSION,
    model,
    settings: {
      topK: Math.max(1, settings.topK),
      featuresPerToken: Math.max(1, settings.featuresPerToken),
      hook: settings.hooks.length === 1 ? settings.hooks[0]! : null,
    },
    legend: { ...DEFAULT_LEGEND, mode: settings.heatmapMode },
    readOnly: snapshot !== undefined,
    snapshot: snapshot ? { fileName: fileNameOf(snapshot.fileUri.path), createdAt: snapshot.loaded.createdAt, textMatches: snapshot.textMatches } : null,
  };
}
