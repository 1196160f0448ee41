// Every message between the Engine (main thread) and the worker thread: the analysis's (inference/), the
// explanations' (explain/) and the edits' (edit/). Each folder owns its message shapes; this union is
// what the worker's entry (worker.ts) and the main thread's WorkerHost exchange.
import type { WorkerContinue, WorkerEdit, WorkerEditReply } from '../edit';
import type { WorkerExplain, WorkerExplainReply } from '../explain';
import type { InferenceReply, InferenceRequest } from '../inference';

export type ToWorker = InferenceRequest | WorkerExplain | WorkerEdit | WorkerContinue;

export type FromWorker = InferenceReply | WorkerExplainReply | WorkerEditReply;
