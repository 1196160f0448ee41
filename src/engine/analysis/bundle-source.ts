// What the Engine needs from a loaded bundle (src/engine/bundle: loadBundle/loadSaeFolder): figures,
// tokenizer.json, model path, dictionaries as DictionarySpec. `--sae DIR` folders replace the bundle's
// dictionary at their hook.
//
// normalize_activations 'expected_average_only_in': SAELens scales inputs by s = sqrt(d_in) / E[||x||]
// during training and normally folds s into the saved weights (the saved config then says 'none'). When
// a folder still says expected_average_only_in, s is read from cfg.json (`norm_scaling_factor`,
// `scaling_factor` or `activation_norm_scaling_factor`) or from `activation_scaler.json`
// ({"scaling_factor": s}) beside it; when neither is there no factor is applied — exactly what SAELens's
// own SAE.encode does for such a folder (its run-time norm functions exist only for constant_norm_rescale
// and layer_norm), and what training/sae_reference.py, the parity tests' reference, does.
import fs from 'node:fs';
import path from 'node:path';
import { loadBundle, loadSaeFolder, type Bundle, type Dictionary, type Manifest } from '../bundle';
import { toRanking, type DictionarySpec, type EncoderPrecision, type FeatureRanking } from '../dictionary';
import { rankedAfter } from '../../shared/featureDensity';
import type { Result } from '../types';
import type { WorkerInit } from '../inference';

/** The worker's init fields come straight from the bundle source. */
type ModelFigures = Pick<WorkerInit, 'modelPath' | 'tokenizerJson' | 'nLayers' | 'nHeads' | 'dHead' | 'dModel' | 'nCtx' | 'dVocab' | 'topkMax' | 'dictionaries'>;

export interface BundleSource extends ModelFigures {
  bundle: Bundle;
  /** Dictionaries attached with --sae, in the order given. */
  attached: Dictionary[];
  dir: string;
  id: string;
  name: string;
  labels: Map<string, string[]>;
  /** Per hook, the fraction of card tokens each feature fires on (labels.json `density`), when the bundle has it. */
  densities: Map<string, number[]>;
  /** Per hook, labels.json's per-feature arrays (score, positional, typical activation, readable threshold). */
  facts: Map<string, FeatureFactTables>;
}

/** labels.json's per-feature arrays of one dictionary, as Dictionary holds them. */
export type FeatureFactTables = Pick<Dictionary, 'density' | 'score' | 'positional' | 'typicalActivation' | 'readableThreshold'>;

/** The 'unusual' order's tables for a bundle dictionary (feature-ranking.ts); undefined without labels.json data. */
function rankingOf(d: Dictionary): FeatureRanking | undefined {
  if (d.source !== 'bundle') return undefined;
  const { density, positional } = d;
  const after = density || positional ? (i: number) => rankedAfter(density?.[i], positional?.[i]) : undefined;
  return toRanking(d.cfg.d_sae, d.typicalActivation, after);
}

function scalingFactor(d: Dictionary): number | undefined {
  const raw = d.cfg.raw as Record<string, unknown>;
  const v = raw.norm_scaling_factor ?? raw.scaling_factor ?? raw.activation_norm_scaling_factor;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  try {
    const s = JSON.parse(fs.readFileSync(path.join(d.dir, 'activation_scaler.json'), 'utf8')).scaling_factor;
    if (typeof s === 'number' && Number.isFinite(s) && s > 0) return s;
  } catch {
    // no scaler file: estimated at load
  }
  return undefined;
}

/** int8 only for the bundle's own dictionaries whose manifest entry says so; attached folders are float32. */
function encoderPrecision(manifest: Manifest, d: Dictionary): EncoderPrecision {
  if (d.source !== 'bundle') return 'float32';
  return manifest.dictionaries?.find((m) => m.hook_name === d.hookName)?.encoder?.precision ?? 'float32';
}

export function toSpec(d: Dictionary, precision: EncoderPrecision = 'float32'): DictionarySpec {
  return {
    precision,
    hookName: d.hookName,
    architecture: d.cfg.architecture,
    dIn: d.cfg.d_in,
    dSae: d.cfg.d_sae,
    k: d.cfg.k,
    applyBDecToInput: d.cfg.apply_b_dec_to_input,
    normalizeActivations: d.cfg.normalize_activations,
    scalingFactor: d.cfg.normalize_activations === 'expected_average_only_in' ? scalingFactor(d) : undefined,
    ranking: rankingOf(d),
    ...d.weights,
  };
}

export async function openBundleSource(dir: string, extraSaeDirs: string[] = [], verifyChecksums = true): Promise<Result<BundleSource>> {
  const loaded = await loadBundle(dir, { verifyChecksums });
  if (!loaded.ok) return loaded;
  const b = loaded.value;
  const widths = new Map(b.hooks.map((h) => [h.name, h.d]));
  const byHook = new Map<string, Dictionary>(b.dictionaries.map((d) => [d.hookName, d]));
  const attached: Dictionary[] = [];
  const attachedFrom = new Map<string, string>();
  for (const sae of extraSaeDirs) {
    const r = await loadSaeFolder(sae);
    if (!r.ok) return r;
    const earlier = attachedFrom.get(r.value.hookName);
    if (earlier !== undefined) {
      return { ok: false, error: { kind: 'bad-dictionary', file: sae, message: `${sae}: a second dictionary for hook ${r.value.hookName} (${earlier} is attached there already); attach one per hook` } };
    }
    attachedFrom.set(r.value.hookName, sae);
    const w = widths.get(r.value.hookName);
    if (w === undefined) {
      return { ok: false, error: { kind: 'bad-dictionary', file: sae, message: `${sae}: hook ${r.value.hookName} is not one this model outputs` } };
    }
    if (w !== r.value.cfg.d_in) {
      return { ok: false, error: { kind: 'bad-dictionary', file: sae, message: `${sae}: d_in ${r.value.cfg.d_in} does not match ${r.value.hookName} (width ${w})` } };
    }
    byHook.set(r.value.hookName, r.value);
    attached.push(r.value);
  }
  const labels = new Map<string, string[]>();
  const densities = new Map<string, number[]>();
  const facts = new Map<string, FeatureFactTables>();
  for (const d of byHook.values()) {
    if (d.source !== 'bundle') continue;
    if (d.labels) labels.set(d.hookName, d.labels);
    if (d.density) densities.set(d.hookName, d.density);
    const { density, score, positional, typicalActivation, readableThreshold } = d;
    facts.set(d.hookName, { density, score, positional, typicalActivation, readableThreshold });
  }
  const a = b.manifest.architecture;
  let tokenizerJson: Record<string, unknown>;
  try {
    tokenizerJson = JSON.parse(fs.readFileSync(b.tokenizerPath, 'utf8'));
  } catch (e) {
    return { ok: false, error: { kind: 'unreadable-file', file: b.manifest.tokenizer.file, message: `${b.manifest.tokenizer.file}: ${(e as Error).message}` } };
  }
  return {
    ok: true,
    value: {
      bundle: b, attached, dir: b.dir, id: b.manifest.id, name: b.manifest.name ?? b.manifest.id,
      modelPath: b.modelPath, tokenizerJson,
      nLayers: a.n_layers, nHeads: a.n_heads, dHead: a.d_head, dModel: a.d_model, nCtx: a.n_ctx, dVocab: a.d_vocab,
      topkMax: b.manifest.model.topk_max,
      dictionaries: [...byHook.values()].map((d) => toSpec(d, encoderPrecision(b.manifest, d))),
      labels,
      densities,
      facts,
    },
  };
}
