// The inference worker's side of the engine. The worker itself (worker.ts, the dist/worker.js entry)
// and what runs in it (core.ts, model-runner.ts, doc-state.ts) are imported by nothing outside this
// folder; the main thread needs only the message shapes (protocol.ts) and the windowing plan.
export type {
  AnalyzePayload, FeatureRows, FromWorker, RunOptions, ToWorker, WorkerAnalyze, WorkerCardReply, WorkerCardRequest, WorkerExplain, WorkerExplainReply, WorkerInfo, WorkerInit,
} from './protocol';
export { DICTIONARY_BATCH_ROWS, planRuns, planWindows, windowCount } from './windows';
// The models the worker's sessions load (the analysis model, counting in float; the context-only cut, KV
// outputs alone, for positions whose outputs nobody reads); the benchmark's bare ONNX Runtime baseline
// loads the same.
export { analysisModel, contextModelBytes, createSession, kvOutputNames } from './model-runner';
export type { Window, WindowRun } from './windows';
