// Feature edits, edited analyses and continuations: the plain data that crosses the engine boundary and
// the worker's message shapes for them. Nothing here imports the worker side.
import type { EngineError, FeatureOrder, Result, TopKEntry } from '../types';

/** A UTF-16 range [start, end) of the document; an empty range means the token at `start`. */
export interface TextRange {
  start: number;
  end: number;
}

/**
 * One edit of a dictionary feature at a hook, or a splice of the hook (the activation replaced by the
 * dictionary's reconstruction, i.e. its error term dropped). `range` absent = the whole document.
 * - ablate: the feature's activation set to 0
 * - scale:  multiplied by `factor`
 * - clamp:  set to `value` (also switches on a feature that was silent)
 * An edit changes the hook's activation x to x + (new - old) * W_dec[feature] (in x's units): the error
 * term and every other feature stay as they were.
 */
export type FeatureEdit =
  | { hook: string; feature: number; op: 'ablate'; range?: TextRange }
  | { hook: string; feature: number; op: 'scale'; factor: number; range?: TextRange }
  | { hook: string; feature: number; op: 'clamp'; value: number; range?: TextRange }
  | { hook: string; op: 'splice'; range?: TextRange };

/** One token of an edited analysis: the edited model's numbers beside the unedited ones. */
export interface EditedToken {
  id: number;
  text: string;
  start: number;
  end: number;
  /** log p(this token | before) under the edited model; null for the first token. */
  logprob: number | null;
  /** The same under the unedited model (the plain analysis). */
  logprobOriginal: number | null;
  rank: number | null;
  rankOriginal: number | null;
  entropy: number | null;
  entropyOriginal: number | null;
  /** Next-token distribution at this token, edited and unedited (top-k, descending). */
  topk: TopKEntry[];
  topkOriginal: TopKEntry[];
  nextEntropy: number;
  nextEntropyOriginal: number;
}

/** The result of analyze with edits. Never a plain AnalysisResult: `edited` is always true and `edits`
 *  lists what was changed, so nothing edited can be shown as the model's plain output. */
export interface EditedAnalysis {
  edited: true;
  edits: FeatureEdit[];
  modelId: string;
  textSha256: string;
  textLength: number;
  tokens: EditedToken[];
  /** First token position an edit touches; tokens up to and including it are unchanged (causal). */
  firstEditedToken: number;
  /** Sum over tokens of (edited - original) log p, in bits (negative: the text became less likely). */
  totalDeltaBits: number;
  timings: { totalMs: number; modelMs: number; dictionaryMs: number; rerunTokens: number };
}

export interface ContinueOptions {
  /** Tokens to generate (1..4096). */
  tokens: number;
  /** 0 or absent: greedy (the model's most likely token). */
  temperature?: number;
  /** PRNG seed for sampling (default 0). */
  seed?: number;
  /** Edits active during the continuation; see docs/engine.md for which generated tokens they reach. */
  edits?: FeatureEdit[];
}

export interface ContinuationToken {
  id: number;
  /** Decoded token text (raw). */
  text: string;
  /** Probability of this token under the (edited, when edits are given) model, before temperature. */
  prob: number;
  logprob: number;
}

export interface Continuation {
  /** true when edits were active; `edits` lists them. */
  edited: boolean;
  edits: FeatureEdit[];
  modelId: string;
  /** The cursor offset the continuation starts from; the document itself is not changed. */
  offset: number;
  temperature: number;
  seed: number;
  tokens: ContinuationToken[];
  /** The generated tokens' text joined. */
  text: string;
  timings: { totalMs: number; prefixMs: number; msPerToken: number };
}

// ---- worker messages ----

/** What the worker needs to know about an analysis to bring the document's state up to date. */
export interface EditRunOptions {
  topK: number;
  featuresPerToken: number;
  /** As the plain analysis has it (its cache is kept only for the same order). */
  featureOrder?: FeatureOrder;
  hooks: string[];
}

export interface WorkerEdit {
  type: 'edit';
  id: number;
  docKey: string;
  text: string;
  edits: FeatureEdit[];
  options: EditRunOptions;
}

export interface WorkerContinue {
  type: 'continue';
  id: number;
  docKey: string;
  text: string;
  offset: number;
  options: ContinueOptions;
}

/** Per position arrays of a whole document (index = token position). */
export interface PositionArrays {
  /** log p(token t) for t >= 1; NaN at 0. */
  logprob: Float32Array;
  rank: Int32Array;
  entropy: Float32Array;
  /** [n, K] */
  topkIds: Int32Array;
  topkLogprobs: Float32Array;
  nextEntropy: Float32Array;
}

export interface EditPayload {
  n: number;
  K: number;
  textSha256: string;
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  original: PositionArrays;
  edited: PositionArrays;
  firstEditedToken: number;
  rerunTokens: number;
  modelMs: number;
  dictionaryMs: number;
  totalMs: number;
}

export interface ContinuePayload {
  ids: number[];
  logprobs: number[];
  prefixMs: number;
  stepMs: number;
  totalMs: number;
}

export type WorkerEditReply =
  | { type: 'edit-result'; id: number; result: Result<EditPayload> }
  | { type: 'continue-result'; id: number; result: Result<ContinuePayload> };

export type EditFailure = { ok: false; error: EngineError };
