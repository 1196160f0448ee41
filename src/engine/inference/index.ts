// Running the model in the worker thread: the analysis (core.ts: incremental per-document state,
// windows, dictionaries), the ONNX Runtime session with its KV cache (model-runner.ts) and the windowing
// plan. The main thread needs the analysis's message shapes (protocol.ts) and the windowing plan; the
// worker's entry (src/engine/worker) runs InferenceCore, and edits and explanations run on its
// ModelRunner, so they depend on this folder and never the other way round.
export type {
  AnalyzePayload, FeatureRows, InferenceReply, InferenceRequest, RunOptions, WorkerAnalyze, WorkerCardReply, WorkerCardRequest, WorkerInfo, WorkerInit,
} from './protocol';
export { Cancelled, InferenceCore } from './core';
export type { ChunkOutputs, ModelRunner, WindowKv } from './model-runner';
export { DICTIONARY_BATCH_ROWS, planRuns, planWindows, windowCount } from './windows';
// The models the worker's sessions load (the analysis model, counting in float; the context-only cut, KV
// outputs alone, for positions whose outputs nobody reads); the benchmark's bare ONNX Runtime baseline
// loads the same.
export { analysisModel, contextModelBytes, createSession, kvOutputNames } from './model-runner';
export type { Window, WindowRun } from './windows';
