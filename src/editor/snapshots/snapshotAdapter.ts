// Fits the engine's snapshot module (build / atomic write / read) to the SnapshotApi the commands use.
// Imported lazily; reading needs no model. Provenance (sha256 of model, tokenizer, dictionaries)
// comes from the bundle's manifest.json, which records them for every file.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { buildSnapshotInSlices, readSnapshot, writeSnapshotAtomic, type AnalysisResult, type HookActivations, type Result, type Snapshot, type SnapshotProvenance } from '../../engine';
import type { AnalysisEngine, LoadedSnapshot, SnapshotApi } from '../model/engineApi';

interface ManifestFiles {
  id?: string;
  name?: string;
  tokenizer?: { file?: string };
  model?: { file?: string };
  dictionaries?: { hook_name: string; path: string }[];
  files?: Record<string, { sha256?: string }>;
}

async function provenanceOf(engine: AnalysisEngine, result: AnalysisResult): Promise<Result<Omit<SnapshotProvenance, 'createdAt' | 'tool'>>> {
  let manifest: ManifestFiles;
  try {
    manifest = JSON.parse(await readFile(path.join(engine.bundleDir, 'manifest.json'), 'utf8')) as ManifestFiles;
  } catch (e) {
    return { ok: false, error: { kind: 'unreadable-file', file: 'manifest.json', message: `could not read the bundle manifest: ${(e as Error).message}` } };
  }
  const sha = (file: string | undefined) => (file ? manifest.files?.[file]?.sha256 : undefined) ?? '';
  const dictionaries = result.hooks.map((hookName) => {
    const d = manifest.dictionaries?.find((x) => x.hook_name === hookName);
    return { hookName, sha256: sha(d ? `${d.path}/sae_weights.safetensors` : undefined) };
  });
  return {
    ok: true,
    value: {
      model: { id: engine.modelId, name: engine.modelName, sha256: sha(manifest.model?.file ?? 'model.onnx') },
      tokenizer: { sha256: sha(manifest.tokenizer?.file ?? 'tokenizer.json') },
      dictionaries,
    },
  };
}

function hookActivations(result: AnalysisResult): HookActivations | undefined {
  if (!result.activations) return undefined;
  const n = result.tokens.length;
  const out: HookActivations = {};
  for (const [hook, data] of Object.entries(result.activations)) {
    if (n > 0 && data.length % n === 0) out[hook] = { shape: [n, data.length / n], data };
  }
  return out;
}

/** A read snapshot as the inspector shows it: its tokens are TokenResults already. */
export function loadedFromSnapshot(s: Snapshot): LoadedSnapshot {
  return {
    raw: s,
    modelId: s.provenance.model.id,
    createdAt: s.provenance.createdAt,
    document: { path: s.document.path ?? '', languageId: s.document.languageId ?? '', textSha256: s.document.sha256, length: s.document.length, text: s.document.text },
    result: {
      modelId: s.provenance.model.id,
      textSha256: s.document.sha256,
      textLength: s.document.length,
      tokens: s.tokens,
      hooks: s.hooks,
      timings: { totalMs: 0, modelMs: 0, dictionaryMs: 0, reusedTokens: 0, computedTokens: 0 },
    },
  };
}

export const snapshotApi: SnapshotApi = {
  async write(file, input) {
    const provenance = await provenanceOf(input.engine, input.result);
    if (!provenance.ok) return provenance;
    const built = await buildSnapshotInSlices({
      result: input.result,
      provenance: provenance.value,
      document: input.document,
      options: input.options,
      edited: input.edited,
    });
    if (!built.ok) return built;
    const written = await writeSnapshotAtomic(file, built.value, hookActivations(input.result));
    if (!written.ok) return written;
    return { ok: true, value: { files: [written.value.jsonPath, ...(written.value.activationsPath ? [written.value.activationsPath] : [])] } };
  },
  async read(file) {
    const read = await readSnapshot(file);
    return read.ok ? { ok: true, value: loadedFromSnapshot(read.value) } : read;
  },
};
