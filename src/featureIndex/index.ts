// The persistent feature index (docs/feature-index.md): where in a folder each dictionary feature fires.
// No `vscode` import: the CLI and the extension share it, and its file format.
export { listIndexableFiles } from './walk';
export type { WalkOptions } from './walk';
export { FeatureIndexStore, INDEX_FORMAT, INDEX_VERSION } from './store';
export type { FoundOccurrence, IndexIdentity, IndexStats } from './store';
export { indexFingerprint, sha256Text, updateIndex } from './indexer';
export type { AnalyzeOutcome, IndexAnalyzer, IndexFile, IndexOptions, IndexProgress, IndexRunOptions, IndexRunReport } from './indexer';
export { collectOccurrences, decodeOccurrences, encodeOccurrences, lineOf, lineStarts, PER_FILE_BOUND } from './occurrences';
export type { FeatureOccurrences, IndexedToken, Occurrence } from './occurrences';
