// Brings a feature index up to date with a set of files: a file whose content hash is stored unchanged
// is not analysed again; a changed or new one is analysed and its occurrences replace the old ones; a
// file no longer in the set is dropped. The store is saved (atomically, asynchronously) every saveEveryMs
// (longer for a large index) and at the end, so a run killed half-way leaves a sound index that the next
// run completes. Shared by the CLI (`activation-inspector index`) and the extension (Find Feature in
// Workspace).
import { createHash } from 'node:crypto';
import { collectOccurrences, PER_FILE_BOUND, type IndexedToken } from './occurrences';
import type { FeatureIndexStore } from './store';
import type { FeatureOrder } from '../engine';

export interface IndexFile {
  /** Relative to the index's root, '/'-separated. */
  path: string;
  /** The file's text; null when it is not indexable (binary, too big, unreadable). */
  read(): Promise<string | null>;
}

export type AnalyzeOutcome = { ok: true; value: { tokens: readonly IndexedToken[]; hooks: readonly string[] } } | { ok: false; error: { kind: string; message: string } };

export interface IndexAnalyzer {
  analyze(key: string, text: string, signal?: AbortSignal): Promise<AnalyzeOutcome>;
  /** Drops the engine's caches of a document once it is indexed. */
  forget?(key: string): void;
}

export interface IndexProgress {
  done: number;
  total: number;
  path: string;
}

export interface IndexRunReport {
  analysed: string[];
  unchanged: number;
  removed: string[];
  failed: { path: string; message: string }[];
  cancelled: boolean;
}

export interface IndexRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Time between two saves while analysing (default 2000 ms; longer once a save takes over a tenth of
   *  it, as a large index does). */
  saveEveryMs?: number;
}

/** The analysis options that decide what an occurrence is: how many features a token lists, in which
 *  order they are chosen among its active ones (another order lists other features), and for which hooks. */
export interface IndexOptions {
  featuresPerToken: number;
  featureOrder: FeatureOrder;
  hooks: readonly string[];
}

/** What makes stored results comparable: model, tokenizer and dictionaries (their hashes) and the
 *  options that decide what an occurrence is. */
export function indexFingerprint(p: { model: { sha256: string }; tokenizer: { sha256: string }; dictionaries: { hookName: string; sha256: string }[] }, options: IndexOptions): string {
  const dictionaries = p.dictionaries.map((d) => `${d.hookName}=${d.sha256}`).sort();
  const { featuresPerToken, featureOrder } = options;
  return JSON.stringify({ model: p.model.sha256, tokenizer: p.tokenizer.sha256, dictionaries, featuresPerToken, featureOrder, hooks: [...options.hooks].sort(), bound: PER_FILE_BOUND });
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function updateIndex(store: FeatureIndexStore, files: readonly IndexFile[], analyzer: IndexAnalyzer, options: IndexRunOptions = {}): Promise<IndexRunReport> {
  const report: IndexRunReport = { analysed: [], unchanged: 0, removed: [], failed: [], cancelled: false };
  const saveEveryMs = options.saveEveryMs ?? 2000;
  let saveInterval = saveEveryMs;
  let lastSave = performance.now();
  // Cancelled before the start (e.g. during the file walk, whose list is then partial): removing the
  // files missing from that list would drop sound results.
  if (options.signal?.aborted) return { ...report, cancelled: true };
  const wanted = new Set(files.map((f) => f.path));
  for (const p of store.paths()) {
    if (!wanted.has(p)) {
      store.removeFile(p);
      report.removed.push(p);
    }
  }
  for (const [i, file] of files.entries()) {
    if (options.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    options.onProgress?.({ done: i, total: files.length, path: file.path });
    const text = await file.read();
    if (text === null) {
      if (store.fileRecord(file.path)) {
        store.removeFile(file.path);
        report.removed.push(file.path);
      }
      continue;
    }
    const sha = sha256Text(text);
    if (store.fileRecord(file.path)?.sha256 === sha) {
      report.unchanged++;
      continue;
    }
    const key = `feature-index:${file.path}`;
    const r = await analyzer.analyze(key, text, options.signal);
    analyzer.forget?.(key);
    if (!r.ok) {
      if (r.error.kind === 'cancelled') {
        report.cancelled = true;
        break;
      }
      report.failed.push({ path: file.path, message: r.error.message });
      continue;
    }
    store.replaceFile(file.path, sha, r.value.tokens.length, collectOccurrences(text, r.value.tokens, r.value.hooks));
    report.analysed.push(file.path);
    if (performance.now() - lastSave >= saveInterval) {
      const t = performance.now();
      await store.save();
      lastSave = performance.now();
      // A large index takes longer to write each time: keep saving to at most a tenth of the run.
      saveInterval = Math.max(saveEveryMs, 10 * (lastSave - t));
    }
  }
  await store.save();
  options.onProgress?.({ done: files.length, total: files.length, path: '' });
  return report;
}
