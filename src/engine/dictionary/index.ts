// SAELens dictionaries as small ONNX graphs built at load (encoder-graph.ts) and the sessions that run
// them in the worker (encoder-session.ts).
export { buildEncoderModel, buildLogitLensModel, ENCODER_OUTPUTS } from './encoder-graph';
export type { DictionarySpec, SaeArchitecture } from './encoder-graph';
export { DictionaryEncoder, LogitLens } from './encoder-session';
export type { EncodedRows } from './encoder-session';
