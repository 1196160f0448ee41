// What the editor layer needs from the engine, in one small interface. engineAdapter.ts fits the real
// engine (src/engine) to it; tests pass fakes. Keeping the surface this narrow means the VS Code
// layer holds no model logic and survives engine refactors.
// Type-only: the engine itself is loaded lazily (engineAdapter.ts, by dynamic import).
import type { AnalysisOptions, AnalysisResult, Continuation, ContinueOptions, EditedAnalysis, EngineError, ExplainOptions, Explanation, FeatureCard, FeatureEdit, FeatureFacts, FeatureOrder, Result, PartialAnalysis } from '../../engine';

export interface AnalyzeProgress {
  /** Fraction done in [0, 1]. */
  fraction: number;
  /** Visible-first (options.priorityRange): the tokens of that range, once, before the whole result. */
  partial?: PartialAnalysis;
}

export interface AnalysisEngine {
  /** Bundle id (manifest.json `id`). */
  readonly modelId: string;
  /** Human-readable model name (manifest `name`). */
  readonly modelName: string;
  /** Largest top-k the model returns (manifest model.topk_max). */
  readonly topkMax: number;
  /** Hooks whose dictionary has feature cards in the bundle. */
  readonly hooksWithCards: readonly string[];
  /** Folder the bundle was loaded from. */
  readonly bundleDir: string;
  /** Hook names with a dictionary in this bundle. */
  readonly hooks: readonly string[];
  /** Feature label from the bundle's labels.json; undefined when there is none. */
  featureLabel(hook: string, index: number): string | undefined;
  /** Fraction of tokens the feature fires on (from the bundle's cards); undefined when unknown. */
  featureDensity(hook: string, index: number): number | undefined;
  /** What the bundle's labels.json says about the feature (positional, label score, readable, typical
   *  activation, ranked after the others); undefined without cards. Optional: fakes may leave it out. */
  featureFacts?(hook: string, index: number): FeatureFacts | undefined;
  /**
   * Analyse `text` as the newest version of document `docKey` (incremental against the previous one).
   * A newer call for the same docKey supersedes this one (error kind 'superseded').
   */
  analyze(
    docKey: string,
    text: string,
    options: AnalysisOptions,
    signal?: AbortSignal,
    onProgress?: (p: AnalyzeProgress) => void,
  ): Promise<Result<AnalysisResult>>;
  /** A feature card (bundle cards/ or computed); plain JSON for the panel. */
  getCard(hook: string, index: number): Promise<Result<FeatureCard>>;
  /**
   * Why the model predicts what it does after token `index` of `text` (the document `docKey`): logit
   * lens, attention rows, direct logit attribution. Runs in the worker for that one position; a newer
   * call for the same docKey supersedes this one. Error kind 'cannot-explain' for a bundle without
   * what it needs.
   */
  explain(docKey: string, text: string, index: number, options: ExplainOptions, signal?: AbortSignal): Promise<Result<Explanation>>;
  /**
   * The analysis of `text` with dictionary features edited: every token's log-prob and next-token
   * distribution under the edited model beside the plain ones (always labelled edited). Pass the
   * options the plain analysis uses. A newer call for the same docKey supersedes this one.
   */
  analyzeEdited(docKey: string, text: string, edits: FeatureEdit[], options: AnalysisOptions, signal?: AbortSignal): Promise<Result<EditedAnalysis>>;
  /** What the model would write from UTF-16 `offset` (greedy, or sampled with a seed), with or without
   *  edits; the document is not changed. A newer call for the same docKey supersedes this one. */
  continue(docKey: string, text: string, offset: number, options: ContinueOptions, signal?: AbortSignal): Promise<Result<Continuation>>;
  /** Drops cached state for a closed document. */
  forget(docKey: string): void;
  /** Hashes of the model, tokenizer and dictionaries in use (the feature index's fingerprint). */
  provenance?(): { model: { sha256: string }; tokenizer: { sha256: string }; dictionaries: { hookName: string; sha256: string }[] };
  /** Called once if the engine stops by itself (its worker crashed); it answers only errors after that. */
  onDidStop(listener: (error: EngineError) => void): { dispose(): void };
  dispose(): Promise<void>;
}

/** Opens (loads and validates) a bundle folder. */
export type EngineOpener = (bundleDir: string) => Promise<Result<AnalysisEngine>>;

/** Builds / writes / reads snapshots; loaded lazily and usable without a model. */
export interface SnapshotApi {
  /** Builds the snapshot from a finished analysis and writes it atomically (plus .safetensors when activations are present). */
  write(file: string, input: SnapshotInput): Promise<Result<{ files: string[] }>>;
  read(file: string): Promise<Result<LoadedSnapshot>>;
}

export interface SnapshotInput {
  engine: AnalysisEngine;
  result: AnalysisResult;
  /** The same text with feature edits: the snapshot then holds the edited predictions (tokens carry
   *  logprobOriginal) and lists the edits in its provenance. */
  edited?: EditedAnalysis;
  document: { path: string | null; languageId: string | null; text: string };
  /** The options the analysis ran with (recorded in the snapshot). */
  options: { topK: number; featuresPerToken: number; featureOrder?: FeatureOrder; hooks: string[] };
}

export interface LoadedSnapshot {
  /** The snapshot's own JSON (what the panel renders). */
  raw: unknown;
  modelId: string;
  /** ISO time the snapshot was written. */
  createdAt: string;
  document: { path: string; languageId: string; textSha256: string; length: number; text?: string };
  result: AnalysisResult;
}
