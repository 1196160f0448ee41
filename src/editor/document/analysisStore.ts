// One store of finished analyses, keyed by document and version. Hover, heat map and panel read from
// it and subscribe to it; none of them runs the model. An entry answers in full only for the exact
// document version it was computed for, so a superseded result is never shown.
//
// While a newer version is being analysed, the store still knows which part of the old result holds
// for it: the model is causal, so every token before the first edited offset has the same prediction,
// rank and features in the new text. prefix() hands out that part (and only that part), so hovers and
// colours keep working on unchanged code while someone types further down.
import type { AnalysisResult, PartialAnalysis } from '../../engine';
import { tokenIndexAtOffset } from './tokenLookup';

export interface StoredAnalysis {
  readonly docKey: string;
  readonly version: number;
  readonly result: AnalysisResult;
  /** Visible-first: result.tokens are only the document's tokens [firstToken, firstToken + length) of
   *  totalTokens, the part analysed first; the whole result replaces it when it is done. */
  readonly partial?: { firstToken: number; totalTokens: number };
}

export interface PrefixAnalysis extends StoredAnalysis {
  /** Tokens [0, validTokens) of result are exactly what an analysis of the asked version would give. */
  readonly validTokens: number;
}

export type StoreChange = 'result' | 'edit' | 'delete';
type Listener = (docKey: string, change: StoreChange) => void;

interface Entry extends StoredAnalysis {
  /** Smallest offset edited since `version`, and the newest version those edits lead to. */
  editedFrom?: number;
  editedVersion?: number;
}

export class AnalysisStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<Listener>();

  /** The analysis of exactly this version, or undefined. */
  get(docKey: string, version: number): StoredAnalysis | undefined {
    const e = this.entries.get(docKey);
    return e && e.version === version ? e : undefined;
  }

  /** The newest analysis whatever its version (for the panel's "stale" display and snapshots). */
  latest(docKey: string): StoredAnalysis | undefined {
    return this.entries.get(docKey);
  }

  /**
   * The part of the newest analysis that is valid for `version`: all of it when it is that version;
   * the tokens before the first edit when every edit since was reported through noteEdit.
   * A byte-level BPE may merge the token just before an edit with the new text, so that token and
   * the one before it (whose "next token" changed) are left out too.
   */
  prefix(docKey: string, version: number): PrefixAnalysis | undefined {
    const e = this.entries.get(docKey);
    if (!e) return undefined;
    if (e.version === version) return { ...e, validTokens: e.result.tokens.length };
    // A partial result holds tokens in the middle of the document: an edit before them shifts them.
    if (e.partial) return undefined;
    if (e.editedFrom === undefined || e.editedVersion !== version) return undefined;
    let i = tokenIndexAtOffset(e.result.tokens, e.editedFrom);
    if (i < 0) i = e.result.tokens.length;
    return { docKey, version: e.version, result: e.result, validTokens: Math.max(0, i - 2) };
  }

  set(docKey: string, version: number, result: AnalysisResult): void {
    const current = this.entries.get(docKey);
    if (current && current.version > version) return; // never replace a newer result with an older one
    this.entries.set(docKey, { docKey, version, result });
    this.emit(docKey, 'result');
  }

  /**
   * Visible-first: the part of `version`'s analysis that was done first. Kept only while no whole
   * result of this version or a newer one is stored; the whole result replaces it.
   */
  setPartial(docKey: string, version: number, partial: PartialAnalysis): void {
    const current = this.entries.get(docKey);
    if (current && (current.version > version || (current.version === version && !current.partial))) return;
    const result: AnalysisResult = {
      modelId: partial.modelId, textSha256: partial.textSha256, textLength: partial.textLength, tokens: partial.tokens, hooks: partial.hooks,
      timings: { totalMs: 0, modelMs: 0, dictionaryMs: 0, reusedTokens: 0, computedTokens: partial.tokens.length },
    };
    this.entries.set(docKey, { docKey, version, result, partial: { firstToken: partial.firstToken, totalTokens: partial.totalTokens } });
    this.emit(docKey, 'result');
  }

  /**
   * An edit took the document from `version - 1` (or older, if edits were missed) to `version`,
   * changing text from `fromOffset` on.
   */
  noteEdit(docKey: string, version: number, fromOffset: number): void {
    const e = this.entries.get(docKey);
    if (!e) return;
    const newest = e.editedVersion ?? e.version;
    if (version === newest) {
      // the same change reported twice (or a result that already includes it): nothing new
      if (e.editedFrom !== undefined) e.editedFrom = Math.min(e.editedFrom, fromOffset);
      return;
    }
    const chained = e.editedVersion === undefined ? e.version === version - 1 : e.editedVersion === version - 1;
    if (!chained) {
      // a change we did not see: nothing of the old result can be vouched for any more
      e.editedFrom = 0;
      e.editedVersion = version;
    } else {
      e.editedFrom = Math.min(fromOffset, e.editedFrom ?? Infinity);
      e.editedVersion = version;
    }
    this.emit(docKey, 'edit');
  }

  delete(docKey: string): void {
    if (this.entries.delete(docKey)) this.emit(docKey, 'delete');
  }

  clear(): void {
    const keys = [...this.entries.keys()];
    this.entries.clear();
    for (const k of keys) this.emit(k, 'delete');
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(docKey: string, change: StoreChange): void {
    for (const l of this.listeners) {
      try {
        l(docKey, change);
      } catch {
        // a failing view must not stop the others from updating
      }
    }
  }
}
