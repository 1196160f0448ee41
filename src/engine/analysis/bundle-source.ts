// What the Engine needs from a bundle folder: manifest figures, tokenizer.json, model path, dictionaries
// (as DictionarySpec), labels and card folders. `--sae DIR` folders replace the bundle's dictionary at
// their hook.
import fs from 'node:fs';
import path from 'node:path';
import { readSaeFolder } from '../dictionary/saelens';
import type { DictionarySpec } from '../dictionary/encoder-graph';
import type { Result, EngineError } from '../types';

export interface BundleSource {
  dir: string;
  id: string;
  name: string;
  modelPath: string;
  tokenizerJson: Record<string, unknown>;
  nLayers: number;
  nHeads: number;
  dHead: number;
  dModel: number;
  nCtx: number;
  dVocab: number;
  topkMax: number;
  hookNames: string[];
  dictionaries: DictionarySpec[];
  labels: Map<string, string[]>;
  cardDirs: Map<string, string>;
  manifest: Record<string, any>;
}

const fail = (kind: EngineError['kind'], message: string, file?: string): Result<never> => ({ ok: false, error: { kind, message, file } });

export function readBundleSource(dir: string, extraSaeDirs: string[] = []): Result<BundleSource> {
  const mPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return fail('missing-file', `model folder ${dir} does not exist`, dir);
  if (!fs.existsSync(mPath)) return fail('missing-file', `${mPath} is missing: not a model bundle`, 'manifest.json');
  let manifest: Record<string, any>;
  try {
    manifest = JSON.parse(fs.readFileSync(mPath, 'utf8'));
  } catch (e) {
    return fail('bad-manifest', `manifest.json is not valid JSON: ${(e as Error).message}`, 'manifest.json');
  }
  if (manifest.schema_version !== 1) return fail('unknown-schema-version', `manifest.json has schema_version ${manifest.schema_version}; this version reads 1`, 'manifest.json');
  const a = manifest.architecture ?? {};
  const tokFile = manifest.tokenizer?.file ?? 'tokenizer.json';
  const modelFile = manifest.model?.file ?? 'model.onnx';
  const modelPath = path.join(dir, modelFile);
  if (!fs.existsSync(modelPath)) return fail('missing-file', `${modelFile} is missing`, modelFile);
  let tokenizerJson: Record<string, unknown>;
  try {
    tokenizerJson = JSON.parse(fs.readFileSync(path.join(dir, tokFile), 'utf8'));
  } catch (e) {
    return fail('unreadable-file', `${tokFile} could not be read: ${(e as Error).message}`, tokFile);
  }
  const dictionaries = new Map<string, DictionarySpec>();
  const labels = new Map<string, string[]>();
  const cardDirs = new Map<string, string>();
  for (const d of manifest.dictionaries ?? []) {
    const r = readSaeFolder(path.join(dir, d.path));
    if (!r.ok) return fail(r.error.kind, r.error.message, d.path);
    dictionaries.set(r.value.hookName, r.value);
    if (d.cards) {
      const cdir = path.join(dir, d.cards);
      cardDirs.set(r.value.hookName, cdir);
      try {
        labels.set(r.value.hookName, JSON.parse(fs.readFileSync(path.join(cdir, 'labels.json'), 'utf8')).labels ?? []);
      } catch {
        // labels are optional: features are then shown by index
      }
    }
  }
  for (const sae of extraSaeDirs) {
    const r = readSaeFolder(sae);
    if (!r.ok) return r;
    dictionaries.set(r.value.hookName, r.value);
    labels.delete(r.value.hookName);
    cardDirs.delete(r.value.hookName);
  }
  return {
    ok: true,
    value: {
      dir, manifest,
      id: manifest.id, name: manifest.name ?? manifest.id,
      modelPath, tokenizerJson,
      nLayers: a.n_layers, nHeads: a.n_heads, dHead: a.d_head, dModel: a.d_model, nCtx: a.n_ctx, dVocab: a.d_vocab,
      topkMax: manifest.model?.topk_max ?? 50,
      hookNames: (manifest.model?.hooks ?? []).map((h: { name: string }) => h.name),
      dictionaries: [...dictionaries.values()],
      labels, cardDirs,
    },
  };
}
