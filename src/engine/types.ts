// Plain data that crosses the engine boundary: the extension, the CLI, snapshots and the panel all use
// these shapes. No `vscode` import here or anywhere under src/engine/.

/** A token and the exact UTF-16 range [start, end) of the document text it covers. */
export interface TokenSpan {
  id: number;
  /** The document's own text for [start, end) (may be '' for a token that only continues a split character). */
  text: string;
  start: number;
  end: number;
}

export interface TopKEntry {
  id: number;
  /** Decoded token text (raw, whitespace not escaped; views escape it). */
  text: string;
  prob: number;
}

export interface FeatureHit {
  index: number;
  /** The raw activation (feature_acts), whatever the order the features are listed in. */
  activation: number;
}

/**
 * How a token's features are chosen and listed (docs/bundle-format.md, "Ranking"):
 * 'unusual' ranks every active feature by activation / typical activation, dense and positional features
 * after the others; 'activation' by raw activation. Either way `activation` stays the raw value.
 */
export type FeatureOrder = 'unusual' | 'activation';
export const FEATURE_ORDERS: readonly FeatureOrder[] = ['unusual', 'activation'];

export interface TokenResult extends TokenSpan {
  /** log p(this token | everything before it); null for the document's first token (nothing predicted it). */
  logprob: number | null;
  /** 0-based rank of this token under that prediction (0 = the model's top choice); null for the first token. */
  rank: number | null;
  /** Entropy (nats) of the prediction this token answered; null for the first token. */
  entropy: number | null;
  /** The next-token distribution the model made at this token, top-k, descending. */
  topk: TopKEntry[];
  /** Entropy (nats) of that next-token distribution. */
  nextEntropy: number;
  /** Per hook name: the n dictionary features listed at this token, in the order asked for
   *  (AnalysisOptions.featureOrder): chosen among all the features active there. */
  features: Record<string, FeatureHit[]>;
  /** Per hook name: explained variance of the dictionary's reconstruction of this token's activation. */
  reconstruction: Record<string, number>;
}

export interface AnalysisTimings {
  totalMs: number;
  modelMs: number;
  dictionaryMs: number;
  /** Tokens whose results were reused from the previous analysis of the same document. */
  reusedTokens: number;
  computedTokens: number;
}

export interface AnalysisResult {
  modelId: string;
  /** sha256 (hex) of the analysed text, so a result can never be shown for other text. */
  textSha256: string;
  textLength: number;
  tokens: TokenResult[];
  hooks: string[];
  timings: AnalysisTimings;
  /** Per hook name: raw activations [tokens, d] row-major; present only when includeActivations was asked. */
  activations?: Record<string, Float32Array>;
}

export interface AnalysisOptions {
  topK: number;
  featuresPerToken: number;
  /** Which n of a token's active features are listed, and in what order (default 'unusual'). */
  featureOrder?: FeatureOrder;
  /** Hook names whose dictionaries are encoded; empty = all dictionaries in the bundle. */
  hooks: string[];
  /** Also return raw hook activations ([tokens, d] row-major per hook) for snapshots. */
  includeActivations?: boolean;
  /** Visible-first (a document longer than one window): the UTF-16 range [start, end) whose windows run
   *  first; their tokens reach the progress callback as `partial` before the whole result. */
  priorityRange?: { start: number; end: number };
}

/** Errors are values at the engine boundary: a kind, the file involved, and a sentence for people. */
export type EngineErrorKind =
  | 'missing-file'
  | 'unreadable-file'
  | 'bad-manifest'
  | 'unknown-schema-version'
  | 'checksum-mismatch'
  | 'truncated-model'
  | 'bad-tensor-shape'
  | 'nan-weights'
  | 'vocab-mismatch'
  | 'bad-dictionary'
  | 'bad-tokenizer'
  | 'bad-snapshot'
  | 'bad-input'
  /** The bundle's model lacks what explaining a prediction needs (made before explain existed). */
  | 'cannot-explain'
  | 'cancelled'
  | 'superseded'
  | 'internal';

export interface EngineError {
  kind: EngineErrorKind;
  /** The file the problem is in, relative to the bundle folder where there is one. */
  file?: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: EngineError };
