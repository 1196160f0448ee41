// One store of finished analyses, keyed by document and version. Hover, heat map and panel read from
// it and subscribe to it; none of them runs the model. An entry only answers for the exact document
// version it was computed for, so a superseded result can never be shown.
import type { AnalysisResult } from '../engine/types';

export interface StoredAnalysis {
  readonly docKey: string;
  readonly version: number;
  readonly result: AnalysisResult;
}

type Listener = (docKey: string) => void;

export class AnalysisStore {
  private readonly entries = new Map<string, StoredAnalysis>();
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

  set(docKey: string, version: number, result: AnalysisResult): void {
    const current = this.entries.get(docKey);
    if (current && current.version > version) return; // never replace a newer result with an older one
    this.entries.set(docKey, { docKey, version, result });
    this.emit(docKey);
  }

  delete(docKey: string): void {
    if (this.entries.delete(docKey)) this.emit(docKey);
  }

  clear(): void {
    const keys = [...this.entries.keys()];
    this.entries.clear();
    for (const k of keys) this.emit(k);
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(docKey: string): void {
    for (const l of this.listeners) {
      try {
        l(docKey);
      } catch {
        // a failing view must not stop the others from updating
      }
    }
  }
}
