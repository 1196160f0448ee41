// Fits the engine's public API (src/engine/index.ts) to the narrow AnalysisEngine interface the
// editor layer uses. This module is imported lazily (dynamic import) on the first analysis.
import { Engine, loadBundle, type AnalysisOptions, type ContinueOptions, type EngineError, type ExplainOptions, type Explanation, type FeatureCard, type FeatureEdit, type FeatureFacts, type Result } from '../../engine';
import type { AnalysisEngine, AnalyzeProgress, EngineOpener } from './engineApi';
import type { BundleSummary } from './modelSelection';

class EngineAdapter implements AnalysisEngine {
  readonly modelId: string;
  readonly modelName: string;
  readonly topkMax: number;
  readonly hooks: readonly string[];
  readonly hooksWithCards: readonly string[];

  constructor(private readonly engine: Engine, readonly bundleDir: string) {
    const info = engine.info;
    this.modelId = info.modelId;
    this.modelName = info.name || info.modelId;
    this.topkMax = info.topkMax;
    this.hooks = info.dictionaries.map((d) => d.hookName);
    this.hooksWithCards = info.dictionaries.filter((d) => d.hasCards).map((d) => d.hookName);
  }

  featureLabel(hook: string, index: number): string | undefined {
    return this.engine.featureLabel(hook, index) || undefined;
  }

  featureDensity(hook: string, index: number): number | undefined {
    return this.engine.featureDensity(hook, index);
  }

  featureFacts(hook: string, index: number): FeatureFacts | undefined {
    return this.engine.featureFacts(hook, index);
  }

  analyze(docKey: string, text: string, options: AnalysisOptions, signal?: AbortSignal, onProgress?: (p: AnalyzeProgress) => void) {
    return this.engine.analyze(docKey, text, options, signal, onProgress ? (p) => onProgress({ fraction: p.total > 0 ? p.done / p.total : 0, partial: p.partial }) : undefined);
  }

  getCard(hook: string, index: number): Promise<Result<FeatureCard>> {
    return this.engine.getCard(hook, index);
  }

  explain(docKey: string, text: string, index: number, options: ExplainOptions, signal?: AbortSignal): Promise<Result<Explanation>> {
    return this.engine.explain(docKey, text, { token: index }, options, signal);
  }

  analyzeEdited(docKey: string, text: string, edits: FeatureEdit[], options: AnalysisOptions, signal?: AbortSignal) {
    return this.engine.analyzeEdited(docKey, text, edits, options, signal);
  }

  continue(docKey: string, text: string, offset: number, options: ContinueOptions, signal?: AbortSignal) {
    return this.engine.continue(docKey, text, offset, options, signal);
  }

  forget(docKey: string): void {
    this.engine.forget(docKey);
  }

  provenance() {
    return this.engine.provenance();
  }

  onDidStop(listener: (error: EngineError) => void): { dispose(): void } {
    return { dispose: this.engine.onStopped(listener) };
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

export const openEngine: EngineOpener = async (bundleDir) => {
  const opened = await Engine.open(bundleDir, {});
  if (!opened.ok) return opened;
  return { ok: true, value: new EngineAdapter(opened.value, bundleDir) };
};

/**
 * Validates a bundle folder with the engine's loader (manifest schema, checksums, ONNX structure,
 * dictionaries) without starting a model: "Select Model" switches only to folders that pass.
 */
export async function validateBundle(bundleDir: string): Promise<Result<BundleSummary>> {
  const loaded = await loadBundle(bundleDir);
  if (!loaded.ok) return loaded;
  const { id, name } = loaded.value.manifest;
  return { ok: true, value: { id, name: name || id } };
}
