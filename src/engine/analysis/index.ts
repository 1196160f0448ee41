// The main-thread Engine (engine.ts) and what it hands out; the same-settings ONNX Runtime baseline of an
// analysis (bare-ort.ts) for the benchmark. The rest of this folder is the Engine's own parts.
export { Engine, tokenAtOffset } from './engine';
export type { AnalysisStats, AnalyzeProgress, DictionaryInfo, EngineInfo, EngineOpenOptions, FeatureFacts } from './engine';
export type { FeatureCard, TokenLogit } from './card';
export type { PartialAnalysis } from './partial';
export { BareOrt } from './bare-ort';
export type { BareOrtOptions } from './bare-ort';
export { AGREEMENT_FEATURES, checkEncoders, encodeInBatches, encoderPair, markEncoders } from './encoder-check';
export type { EncoderCheck, EncoderCheckOptions } from './encoder-check';
