// Snapshot format, version 1: schemas/snapshot.schema.json, docs/snapshot-format.md. Field names match
// the engine's TokenResult so a snapshot token is a TokenResult plus nothing. No `vscode` import.
import type { FeatureEdit } from '../edit';
import type { FeatureOrder, TokenResult } from '../types';

export const SNAPSHOT_FORMAT = 'activation-inspector-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotDictionaryProvenance {
  hookName: string;
  /** sha256 (hex) of sae_weights.safetensors. */
  sha256: string;
  architecture?: string;
  dSae?: number;
}

export interface SnapshotProvenance {
  model: { id: string; name?: string; sha256: string };
  tokenizer: { sha256: string };
  dictionaries: SnapshotDictionaryProvenance[];
  tool: { name: string; version: string };
  /** ISO 8601 UTC. */
  createdAt: string;
  /** Present only in a snapshot of an edited analysis: the feature edits its numbers were made with. */
  edits?: FeatureEdit[];
}

export interface SnapshotDocument {
  /** File path or URI the text came from; null for untitled text. */
  path: string | null;
  languageId: string | null;
  /** sha256 (hex) of the UTF-8 encoding of text. */
  sha256: string;
  /** text.length in UTF-16 code units (the unit of every start/end). */
  length: number;
  text: string;
  /**
   * True when the file began with a UTF-8 byte-order mark, which is not part of text (editors drop it
   * too): the file's own bytes are EF BB BF followed by the UTF-8 of text. Absent otherwise.
   */
  byteOrderMark?: boolean;
}

/**
 * A stored token: these fields of the engine's TokenResult, with their types. Named one by one because
 * each is part of the file format (schemas/snapshot.schema.json): a field added to TokenResult enters
 * snapshots only when it is added here, to the schema and to docs/snapshot-format.md.
 */
export type SnapshotToken = Pick<
  TokenResult,
  'id' | 'text' | 'start' | 'end' | 'logprob' | 'rank' | 'entropy' | 'nextEntropy' | 'topk' | 'features' | 'reconstruction'
> & {
  /** Edited snapshots only: log p of the token under the unedited model (logprob is the edited one). */
  logprobOriginal?: number | null;
};

export interface SnapshotActivationsRef {
  /** Base name of the .safetensors file beside the JSON. */
  file: string;
  dtype: 'F32';
  /** sha256 (hex) of that file, so a JSON and an activations file from different exports never pair up. */
  sha256: string;
  /** Per hook name: shape [tokens, d]. */
  tensors: Record<string, { shape: [number, number] }>;
}

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  provenance: SnapshotProvenance;
  document: SnapshotDocument;
  /** featureOrder (absent in snapshots written before it existed, which listed by activation): the order of
   *  each token's features. */
  options: { topK: number; featuresPerToken: number; featureOrder?: FeatureOrder; hooks: string[] };
  hooks: string[];
  tokens: SnapshotToken[];
  activations?: SnapshotActivationsRef;
}

/** Raw hook activations: per hook name, [tokens, d] row-major. */
export type HookActivations = Record<string, { shape: [number, number]; data: Float32Array }>;
