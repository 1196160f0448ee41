/**
 * Public engine API: the only module the VS Code layer, the CLI and the benchmarks import.
 * No `vscode` import here or below.
 *
 * ```ts
 * const opened = await Engine.open(bundleDir, { threads: 2, extraDictionaries: [saeDir] });
 * if (!opened.ok) show(opened.error);                 // errors are values: { kind, file?, message }
 * const engine = opened.value;
 * engine.info                                          // model id/name, n_ctx, topk_max, dictionary hooks
 * const r = await engine.analyze(docUri, text, { topK: 10, featuresPerToken: 8, hooks: [] }, abortSignal,
 *                                (p) => progress(p.done / p.total));
 * // r.ok === false with error.kind 'superseded' when a newer analyze() for the same docKey arrived,
 * // 'cancelled' when the signal aborted. Otherwise r.value is an AnalysisResult (src/engine/types.ts).
 * // Visible-first: options.priorityRange { start, end } (UTF-16) runs the windows covering it first; the
 * // progress callback then gets p.partial, a PartialAnalysis (partial: true, textSha256, firstToken).
 * tokenAtOffset(r.value, offset)                       // hover: binary search offset -> TokenResult
 * engine.featureLabel(hook, index)                     // label from cards, or '' when the bundle has none
 * engine.featureDensity(hook, index)                   // fraction of card tokens it fires on, or undefined
 * engine.featureFacts(hook, index)                     // FeatureFacts: label, density, positional, score,
 *                                                      // readable, typicalActivation, rankedAfter (labels.json)
 * // options.featureOrder 'unusual' (default) | 'activation': which of a token's active features are listed
 * // and in what order; each FeatureHit keeps its raw activation (unusualRatio in src/shared/featureDensity.ts)
 * await engine.getCard(hook, index)                    // Result<FeatureCard>: the bundle's card, or one
 *                                                      // computed at load (promoted/suppressed tokens)
 * await engine.explain(docUri, text, { offset }, { target?, versus?, topK? }, abortSignal)
 *                                                      // Result<Explanation>: logit lens, attention rows and
 *                                                      // direct logit attribution for the token at offset
 *                                                      // (or { token: index }); 'cannot-explain' for bundles
 *                                                      // that lack what it needs; superseded per docKey
 * lensMilestones(e.lens), featureEffect(e, hook, i)    // pure helpers for the hover and the feature card
 * await engine.analyzeEdited(docUri, text, [{ hook, feature: 12, op: 'ablate' }], analysisOptions, abortSignal)
 *                                                      // Result<EditedAnalysis>: edited: true, the edit list,
 *                                                      // per token logprob and logprobOriginal, topk and
 *                                                      // topkOriginal, totalDeltaBits; superseded per docKey
 * await engine.continue(docUri, text, offset, { tokens: 20, temperature?, seed?, edits? }, abortSignal)
 *                                                      // Result<Continuation>: generated tokens and their
 *                                                      // probabilities; the document is not changed
 * parseEdit('blocks.0.hook_resid_post:12=x2@0-40')     // the CLI's edit syntax -> FeatureEdit
 * tokensChangedMost(edited, 10)                        // [{ index, deltaBits }], largest |change| first
 * engine.forget(docUri)                                // drop a closed document's caches
 * await engine.dispose()                               // stops the worker; pending calls resolve 'cancelled'
 * ```
 *
 * Behaviour the callers can rely on:
 * - All model and dictionary work runs in one worker thread per Engine (ONNX Runtime blocks the thread it
 *   runs on); at most one run at a time; per document at most one queued request: a newer analyze() for
 *   the same docKey supersedes the queued or running older one (which resolves with kind 'superseded').
 * - Results are incremental per docKey: tokens before the first changed token are reused (the very same
 *   TokenResult objects), the model reruns from there on top of the cached KV of the window prefix.
 * - Caches are bounded (LRU over documents within a byte budget).
 */
export { Engine, tokenAtOffset } from './analysis';
export type { AnalysisStats, AnalyzeProgress, DictionaryInfo, EngineInfo, EngineOpenOptions, FeatureCard, FeatureFacts, PartialAnalysis, TokenLogit } from './analysis';
export * from './types';

// Why this prediction (docs/engine.md, "Explaining one prediction").
export { featureEffect, groupTerms, lensMilestones } from './explain';
export type {
  AttributionGroup, AttributionKind, AttributionTerm, ExplainAt, ExplainOptions, Explanation, HeadAttention, LensLayer, LensMilestone, TokenRef,
} from './explain';

// Editing features and continuing the text (docs/engine.md, "Editing features"). The edit syntax and its
// checks are shared by the command line and the editor.
export { EDIT_SYNTAX, editProblem, formatEdit, parseEdit, tokensChangedMost } from './edit';
export type { Continuation, ContinuationToken, ContinueOptions, EditableDictionary, EditedAnalysis, EditedToken, FeatureEdit, TextRange, TokenChange } from './edit';

// Two versions of a text compared token by token (docs/engine.md, "Comparing versions"): alignment
// through a text diff, log-prob and feature changes of matched tokens.
export { alignTokens, biggestChanges, compareAnalyses, equalRuns } from './compare';
export type { ComparedSide, ComparedToken, Comparison, FeatureChange, TokenDelta } from './compare';

// Bundles without a model: the editor's "Select Model" validates a folder before switching to it.
export { loadBundle } from './bundle';
export type { Bundle, Manifest } from './bundle';

// Snapshots (docs/snapshot-format.md): built from a finished analysis, written atomically, read back
// without a model.
export { buildSnapshot, buildSnapshotInSlices, checkSnapshotTargets, readSnapshot, readSnapshotActivations, writeSnapshotAtomic } from './snapshot';
export type { BuildSnapshotInput, HookActivations, Snapshot, SnapshotProvenance, SnapshotToken } from './snapshot';

// For the benchmark: the windowing plan (to count the FLOPs of an analysis) and a same-settings ONNX
// Runtime baseline (a graph written with the engine's ONNX writer, run with its session options).
export { planWindows } from './inference';
export type { Window } from './inference';
export { DataType, encodeModel, sessionOptions } from './onnx';
export type { GraphSpec, SessionTuning } from './onnx';
// The analysis's ONNX Runtime work alone (same graphs, windows and session options), for the engine's
// overhead figure.
export { BareOrt } from './analysis';
export type { BareOrtOptions } from './analysis';

// Whether a bundle may run its dictionaries' encoders in int8 (docs/bundle-format.md, the `encoder` field):
// float32 and int8 features compared on held-out text, and the manifest entries that follow from it.
export { AGREEMENT_FEATURES, checkEncoders, markEncoders } from './analysis';
export type { EncoderCheck, EncoderCheckOptions } from './analysis';
export { AGREEMENT_BARS } from './dictionary';
export type { EncoderAgreement } from './dictionary';
