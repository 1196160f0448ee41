// What "why this prediction" returns for one token: the logit lens, every head's attention row and the
// direct logit attribution (docs/engine.md, "Explaining one prediction"). Plain data: it crosses the
// worker boundary by structured clone and is printed as is by `activation-inspector explain --json`.
// Also the worker's message shapes for it. Nothing here imports the worker side.
import type { Result, TopKEntry } from '../types';

/** Which token to explain: the one covering a UTF-16 offset of the text, or a token index. */
export type ExplainAt = { offset: number } | { token: number };

export interface ExplainOptions {
  /** Token id whose logit is decomposed; default the actual next token (the model's top-1 at the
   *  document's last token, which has no next token). */
  target?: number;
  /** A second token id: the attribution then decomposes logit(target) - logit(versus). */
  versus?: number;
  /** Entries per logit-lens layer (default 10, at most the bundle's topk_max). */
  topK?: number;
}

export interface TokenRef {
  id: number;
  /** Decoded vocabulary text (raw; views escape it). */
  text: string;
}

/** The next-token distribution read off one residual-stream hook: ln_f and the unembedding applied. */
export interface LensLayer {
  /** `blocks.L.hook_resid_pre` for every L, then the last block's `hook_resid_post` (the model's output). */
  hook: string;
  topk: TopKEntry[];
  /** Probability of the target token at this layer. */
  targetProb: number;
  /** 0-based rank of the target (number of tokens with a strictly larger probability). */
  targetRank: number;
}

/** One head's attention from the explained token (`blocks.L.attn.hook_pattern[head, position, :]`). */
export interface HeadAttention {
  layer: number;
  head: number;
  /** `L{layer}H{head}`. */
  name: string;
  /** Weights over tokens firstToken..position (document indices); earlier tokens lie outside the
   *  model's context window for this position and get no weight. Sums to 1. */
  weights: number[];
  /** Mean distance back, Σ w_j (position - j), in tokens. */
  meanDistance: number;
  /** Entropy of the row in nats (0 = all weight on one token). */
  entropy: number;
  maxWeight: number;
  /** Document token index holding maxWeight. */
  maxToken: number;
}

export type AttributionKind =
  | 'embed'
  | 'pos_embed'
  | 'head'
  | 'attn_bias'
  | 'mlp'
  | 'mlp_bias'
  | 'feature'
  | 'sae_bias'
  | 'sae_error'
  | 'ln_bias';

/** One term of the direct logit attribution; the terms of one group add up to `Explanation.logit`. */
export interface AttributionTerm {
  /** 'model' (embeddings, heads, attention biases, MLPs) or the hook name of a dictionary's group. */
  group: string;
  kind: AttributionKind;
  layer?: number;
  head?: number;
  /** Dictionary terms: the dictionary's hook. */
  hook?: string;
  /** Dictionary feature index ('feature' terms). */
  feature?: number;
  /** Feature activation ('feature' terms). */
  activation?: number;
  value: number;
}

export interface AttributionGroup {
  /** 'model' or a dictionary hook. */
  name: string;
  /** Sum of the group's terms (equals `logit` up to float32 rounding; tests hold it to 1e-3). */
  sum: number;
  /** How a dictionary's terms reach the logit: 'residual' (from its hook along the residual stream,
   *  skipping every later block) or 'mlp-out' (through its layer's MLP output projection). */
  path?: 'residual' | 'mlp-out';
}

export interface Explanation {
  modelId: string;
  /** sha256 (hex) of the explained text. */
  textSha256: string;
  /** Token index in the document. */
  position: number;
  token: { id: number; text: string; start: number; end: number };
  /** The context window the model saw for this position: tokens [windowStart, position]. */
  windowStart: number;
  /** Those tokens (document indices windowStart..position), for labelling attention keys. */
  windowTokens: { id: number; text: string; start: number; end: number }[];
  target: TokenRef;
  /** True when the target is the token that actually follows in the document. */
  targetIsNext: boolean;
  versus: TokenRef | null;
  /** Target logit, or target minus versus. */
  logit: number;
  lens: LensLayer[];
  attention: HeadAttention[];
  /** Every group's terms: 'model' first, then one group per dictionary on a residual or MLP hook. */
  attribution: AttributionTerm[];
  groups: AttributionGroup[];
  timings: { totalMs: number; modelMs: number; tokensRun: number; reusedTokens: number };
}

// ---- worker messages ----

/** Why this prediction, for one position. Ids are negative, so they never collide with analysis ids on
 *  the shared abort flag; a newer explain for the same document supersedes it. */
export interface WorkerExplain {
  type: 'explain';
  id: number;
  docKey: string;
  text: string;
  at: ExplainAt;
  options: ExplainOptions;
}

export interface WorkerExplainReply {
  type: 'explanation';
  id: number;
  result: Result<Explanation>;
}
