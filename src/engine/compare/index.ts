export { alignTokens, equalRuns } from './align';
export type { EqualRun, Span } from './align';
export { biggestChanges, compareAnalyses } from './compare';
export type { CompareOptions, ComparedSide, ComparedToken, Comparison, FeatureChange, TokenDelta } from './compare';
