// The inference worker's side of the engine. The worker itself (worker.ts, the dist/worker.js entry)
// and what runs in it (core.ts, model-runner.ts, doc-state.ts) are imported by nothing outside this
// folder; the main thread needs only the message shapes (protocol.ts) and the windowing plan.
export type {
  AnalyzePayload, FeatureRows, FromWorker, RunOptions, ToWorker, WorkerAnalyze, WorkerCardReply, WorkerCardRequest, WorkerExplain, WorkerExplainReply, WorkerInfo, WorkerInit,
} from './protocol';
export { DICTIONARY_BATCH_ROWS, planRuns, planWindows, windowCount } from './windows';
// The context-only model (KV outputs alone) the worker runs for positions whose outputs nobody reads; the
// benchmark's bare ONNX Runtime baseline runs it too.
export { contextModelBytes, kvOutputNames } from './model-runner';
export type { Window, WindowRun } from './windows';
