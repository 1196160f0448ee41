// The analysis's messages between the Engine (main thread) and the inference worker: starting it, analyses,
// feature cards, forgetting a document, stopping. Typed arrays travel as transferables; the worker keeps
// every cache, the main thread keeps the last delivered TokenResults. Explain and edit requests have their
// own messages (explain/types.ts, edit/types.ts); worker/protocol.ts joins them all.
import type { DictionarySpec } from '../dictionary';
import type { EngineError, FeatureOrder } from '../types';
import type { OffsetRange } from './priority';

export interface WorkerInit {
  type: 'init';
  modelPath: string;
  tokenizerJson: Record<string, unknown>;
  nLayers: number;
  nHeads: number;
  dHead: number;
  dModel: number;
  nCtx: number;
  dVocab: number;
  topkMax: number;
  dictionaries: DictionarySpec[];
  threads: number;
  /** Tokens per session.run inside a window (cancellation/progress granularity). */
  chunkTokens: number;
  cacheBytes: number;
  /** Int32Array(1) over a SharedArrayBuffer: the id of a request the main thread wants stopped. */
  abort: SharedArrayBuffer;
}

export interface RunOptions {
  topK: number;
  featuresPerToken: number;
  /** Which of a token's active features are kept and in what order (default 'unusual'; dictionary/feature-ranking.ts). */
  featureOrder?: FeatureOrder;
  hooks: string[];
  includeActivations: boolean;
  /** Per-token sq_err and L0 per dictionary (eval). */
  includeStats: boolean;
  /** UTF-16 range to analyse first (visible-first, inference/priority.ts): its windows run before the
   *  others and a 'partial' message carries their tokens before the whole result. */
  priorityRange?: OffsetRange;
}

export interface WorkerAnalyze {
  type: 'analyze';
  id: number;
  docKey: string;
  text: string;
  options: RunOptions;
  /** Id of the delivered request whose TokenResults the main thread still holds for this document. */
  baseId: number | null;
}

/** Promoted/suppressed tokens of a feature whose dictionary has no cards in the bundle. */
export interface WorkerCardRequest {
  type: 'card';
  /** The main thread's request id, echoed in the reply. */
  id: string;
  hook: string;
  index: number;
  /** Tokens per list. */
  n: number;
}

/** [token id, logit] pairs, largest (promoted) and smallest (suppressed) first. */
export interface WorkerCardReply {
  type: 'card';
  id: string;
  promoted: [number, number][];
  suppressed: [number, number][];
  error?: EngineError;
}

export type InferenceRequest =
  | WorkerInit
  | WorkerAnalyze
  | { type: 'forget'; docKey: string }
  | WorkerCardRequest
  | { type: 'dispose' };

export interface FeatureRows {
  per: number;
  idx: Int32Array;
  act: Float32Array;
  ev: Float32Array;
}

/** Results for tokens [fromToken, n) (earlier ones are the main thread's base, unchanged). */
export interface AnalyzePayload {
  n: number;
  fromToken: number;
  textSha256: string;
  hooks: string[];
  topK: number;
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  /** log p(token) under the prediction before it; NaN for the first token of the document. */
  logprob: Float32Array;
  rank: Int32Array; // -1 for the first token
  entropy: Float32Array; // NaN for the first token
  topkIds: Int32Array; // [tail, topK]
  topkLogprobs: Float32Array;
  nextEntropy: Float32Array;
  features: Record<string, FeatureRows>;
  /** Whole document, [n, d] per hook, when asked. */
  activations?: Record<string, Float32Array>;
  /** Whole document, per hook, when asked. */
  stats?: Record<string, { sqErr: Float32Array; l0: Float32Array }>;
  modelMs: number;
  dictionaryMs: number;
  totalMs: number;
  reusedTokens: number;
  computedTokens: number;
}

export interface WorkerInfo {
  vocabTexts: string[];
  hooks: string[];
  dictionaries: { hookName: string; architecture: string; dIn: number; dSae: number; k?: number; scalingFactor?: number }[];
}

export type InferenceReply =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'init-error'; error: EngineError }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; payload: AnalyzePayload }
  /** Visible-first: the complete tokens [payload.fromToken, payload.fromToken + payload.ids.length) of
   *  the priority range, before the whole result (no activations or stats). */
  | { type: 'partial'; id: number; payload: AnalyzePayload }
  | { type: 'failed'; id: number; error: EngineError }
  | WorkerCardReply;
