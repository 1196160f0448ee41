// SAELens dictionaries as small ONNX graphs built at load (encoder-graph.ts) and the sessions that run
// them in the worker (encoder-session.ts).
export { buildEncoderModel, buildLogitLensModel, ENCODER_OUTPUTS } from './encoder-graph';
export { quantizeColumns } from './quantized-matmul';
export type { DictionarySpec, EncoderGraphOptions, EncoderPrecision, SaeArchitecture } from './encoder-graph';
export { DictionaryEncoder, LogitLens } from './encoder-session';
export type { EncodedRows } from './encoder-session';
export { candidatesPerRow, RANK_CANDIDATES, rankRows, toRanking } from './feature-ranking';
export type { FeatureRanking } from './feature-ranking';
export { AGREEMENT_BARS, encoderAgreement, encoderManifestEntry, meetsAgreementBars } from './agreement';
export type { EncoderAgreement, EncoderManifestEntry } from './agreement';
