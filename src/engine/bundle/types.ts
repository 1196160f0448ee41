// Shapes of a loaded model bundle (docs/bundle-format.md). No `vscode` import.
import type { Result } from '../types';
import type { TextTokenizer } from '../tokens';

export interface ManifestHook {
  name: string;
  d: number;
}

export interface ManifestDictionary {
  hook_name: string;
  /** Folder relative to the bundle: SAELens layout (cfg.json + sae_weights.safetensors). */
  path: string;
  /** Folder relative to the bundle: labels.json, cards.bin, cards.offsets. */
  cards?: string;
  /** int8: the encoder runs quantised (its features agree with float32 on held-out text; `agreement`
   *  has the figures). Absent: float32. */
  encoder?: { precision: 'float32' | 'int8'; agreement?: Record<string, unknown> };
}

export interface ManifestFileEntry {
  sha256: string;
  bytes: number;
}

export interface Manifest {
  schema_version: 1;
  id: string;
  name: string;
  description?: string;
  architecture: {
    family: string;
    n_layers: number;
    d_model: number;
    n_heads: number;
    d_head: number;
    d_mlp: number;
    n_ctx: number;
    d_vocab: number;
    act_fn: string;
  };
  tokenizer: { file: string; eot_token_id?: number };
  model: { file: string; opset?: number; topk_max: number; hooks: ManifestHook[] };
  dictionaries?: ManifestDictionary[];
  files: Record<string, ManifestFileEntry>;
  parity_fixture?: string;
  /** uint16 LE token ids that card contexts stored as `{at: [start, end]}` point into. */
  card_tokens?: string;
  corpus?: unknown;
  evaluation?: unknown;
}

export type SaeArchitecture = 'standard' | 'topk' | 'jumprelu';

/** A SAELens cfg.json, v6 or pre-v6, normalized to one shape (SAELens's own field names). */
export interface SaeConfig {
  hook_name: string;
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  /** topk only. */
  k?: number;
  apply_b_dec_to_input: boolean;
  normalize_activations: 'none' | 'expected_average_only_in';
  /** dtype the config declares (informational; the safetensors header decides how bytes are read). */
  dtype: string;
  /** The cfg.json as read, for fields this shape does not carry (e.g. a norm scaling factor). */
  raw: Record<string, unknown>;
}

export interface SaeWeights {
  /** [d_in, d_sae] row-major. */
  W_enc: Float32Array;
  /** [d_sae, d_in] row-major. */
  W_dec: Float32Array;
  /** [d_sae] */
  b_enc: Float32Array;
  /** [d_in] */
  b_dec: Float32Array;
  /** [d_sae], jumprelu only. */
  threshold?: Float32Array;
}

export interface Dictionary {
  hookName: string;
  /** Absolute folder. */
  dir: string;
  cfg: SaeConfig;
  weights: SaeWeights;
  /** sha256 (hex) of sae_weights.safetensors. */
  sha256: string;
  /** sha256 (hex) of cfg.json. */
  cfgSha256: string;
  /** From the bundle's cards labels.json when present (docs/bundle-format.md): one label per feature, and
   *  the per-feature arrays that bundles made since issue 14 add. */
  labels?: string[];
  /** Fraction of owned positions of held-out text where each feature fires. */
  density?: number[];
  /** Label score 0-1: F1 of "the label's rule says it fires" against "the feature fires" on held-out text. */
  score?: number[];
  /** Each feature's firings concentrate in one band of window positions. */
  positional?: boolean[];
  /** Each feature's median activation where it fires (0 for a dead feature). */
  typicalActivation?: number[];
  /** A label with score >= this is readable; below it the label is shown as unclear. */
  readableThreshold?: number;
  /** 'bundle' for the manifest's dictionaries, 'folder' for ones attached with loadSaeFolder (--sae). */
  source: 'bundle' | 'folder';
}

/** A feature card as stored in cards.bin (docs/bundle-format.md). */
export interface BundleCard {
  index: number;
  label: string;
  label_method?: string;
  density: number;
  max_activation: number;
  mean_activation: number;
  histogram?: { edges: number[]; counts: number[] };
  top_contexts?: { tokens: string[]; index: number; activation: number }[];
  promoted?: { id: number; text: string; logit: number }[];
  suppressed?: { id: number; text: string; logit: number }[];
  [key: string]: unknown;
}

export interface CardStore {
  /** Hooks that have cards. */
  readonly hooks: string[];
  hasCards(hook: string): boolean;
  /** Label from labels.json, or undefined when the hook has no cards / index is out of range. */
  label(hook: string, index: number): string | undefined;
  /** One card, read with a single positioned read of cards.bin. */
  getCard(hook: string, index: number): Promise<Result<BundleCard>>;
}

export interface Bundle {
  /** Absolute folder. */
  dir: string;
  manifest: Manifest;
  tokenizer: TextTokenizer;
  tokenizerPath: string;
  tokenizerSha256: string;
  /** Absolute path of model.onnx. */
  modelPath: string;
  modelSha256: string;
  hooks: ManifestHook[];
  dictionaries: Dictionary[];
  cards: CardStore;
  /** Absolute path of the parity fixture, when the manifest names one. */
  parityPath?: string;
}

export interface LoadBundleOptions {
  /** Hash every listed file and compare with the manifest (default true). */
  verifyChecksums?: boolean;
}
