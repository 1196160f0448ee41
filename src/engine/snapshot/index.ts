// Snapshots (docs/snapshot-format.md, schemas/snapshot.schema.json): build from an AnalysisResult,
// write atomically (JSON + optional .safetensors of raw activations), read back with validation.
// Errors are values; nothing throws past these functions.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Bundle, Dictionary } from '../bundle';
import { parseSafetensorsHeader, readSafetensors, writeSafetensors } from '../safetensors';
import type { Result } from '../types';
import { writeFilesAtomic, type AtomicWriteOptions } from './atomic';
import { validateSnapshot } from './validate';
import type { HookActivations, Snapshot, SnapshotProvenance } from './types';
import { createHash } from 'node:crypto';
export * from './types';
export { buildSnapshot, sha256Text, TOOL_NAME, TOOL_VERSION } from './build';
export type { BuildSnapshotInput } from './build';
export { validateSnapshot } from './validate';
export { writeFileAtomic, writeFilesAtomic, prepareAtomicWrite } from './atomic';
export type { AtomicWriteOptions } from './atomic';

/** Provenance of a loaded bundle plus any attached dictionaries (`--sae`), for buildSnapshot. */
export function provenanceFromBundle(bundle: Bundle, extra: Dictionary[] = []): Omit<SnapshotProvenance, 'createdAt' | 'tool'> {
  return {
    model: { id: bundle.manifest.id, name: bundle.manifest.name, sha256: bundle.modelSha256 },
    tokenizer: { sha256: bundle.tokenizerSha256 },
    dictionaries: [...bundle.dictionaries, ...extra].map((d) => ({ hookName: d.hookName, sha256: d.sha256, architecture: d.cfg.architecture, dSae: d.cfg.d_sae })),
  };
}

/** `x/foo.json` -> `x/foo.safetensors` (same folder, same base name). */
export function activationsPathFor(jsonPath: string): string {
  const ext = path.extname(jsonPath);
  return (ext ? jsonPath.slice(0, -ext.length) : jsonPath) + '.safetensors';
}

/**
 * Writes the snapshot JSON at `jsonPath` and, with activations, `<base>.safetensors` beside it (one F32
 * tensor per hook, named by the hook, shape [tokens, d]). Each file is replaced atomically (temp file
 * in the same folder + fsync + rename), and both temp files are complete before either is renamed: an
 * interrupted export leaves the previous files intact. The JSON records the activations file's sha256,
 * so a reader can tell when a JSON and an activations file do not belong together.
 */
export async function writeSnapshotAtomic(
  jsonPath: string,
  snapshot: Snapshot,
  activations?: HookActivations,
  options: AtomicWriteOptions = {},
): Promise<Result<{ jsonPath: string; activationsPath?: string }>> {
  try {
    let toWrite: Snapshot = { ...snapshot };
    delete toWrite.activations;
    let activationsPath: string | undefined;
    const files: { target: string; data: Uint8Array | string }[] = [];
    if (activations && Object.keys(activations).length > 0) {
      const n = snapshot.tokens.length;
      const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
      for (const [hook, a] of Object.entries(activations)) {
        const [rows, d] = a.shape;
        if (rows !== n || a.data.length !== rows * d) {
          return { ok: false, error: { kind: 'bad-input', message: `activations for ${hook} have shape [${a.shape.join(', ')}] (${a.data.length} values) but the snapshot has ${n} tokens` } };
        }
        tensors.push({ name: hook, shape: [rows, d], data: a.data });
      }
      const bytes = writeSafetensors(tensors, { format: 'activation-inspector-activations', document_sha256: snapshot.document.sha256 });
      activationsPath = activationsPathFor(jsonPath);
      files.push({ target: activationsPath, data: bytes });
      toWrite = {
        ...toWrite,
        activations: {
          file: path.basename(activationsPath),
          dtype: 'F32',
          sha256: createHash('sha256').update(bytes).digest('hex'),
          tensors: Object.fromEntries(tensors.map((t) => [t.name, { shape: t.shape as [number, number] }])),
        },
      };
    }
    files.push({ target: jsonPath, data: JSON.stringify(toWrite) });
    await writeFilesAtomic(files, options);
    return { ok: true, value: { jsonPath, activationsPath } };
  } catch (e) {
    return { ok: false, error: { kind: 'unreadable-file', file: jsonPath, message: `could not write the snapshot ${jsonPath}: ${(e as Error)?.message ?? String(e)}` } };
  }
}

export async function readSnapshot(jsonPath: string): Promise<Result<Snapshot>> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      error: { kind: code === 'ENOENT' ? 'missing-file' : 'unreadable-file', file: jsonPath, message: code === 'ENOENT' ? `${jsonPath} does not exist` : `${jsonPath} could not be read: ${(e as Error).message}` },
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: { kind: 'bad-snapshot', file: jsonPath, message: `${jsonPath} is not valid JSON (${(e as Error).message})` } };
  }
  try {
    return validateSnapshot(json, jsonPath);
  } catch (e) {
    return { ok: false, error: { kind: 'internal', file: jsonPath, message: `validating ${jsonPath} failed unexpectedly: ${(e as Error)?.message}` } };
  }
}

/** The activations file a snapshot references, checked against the JSON (hash, names, shapes). */
export async function readSnapshotActivations(jsonPath: string, snapshot: Snapshot): Promise<Result<HookActivations>> {
  const ref = snapshot.activations;
  if (!ref) return { ok: false, error: { kind: 'bad-input', file: jsonPath, message: `${jsonPath} was exported without activations` } };
  const file = path.join(path.dirname(jsonPath), ref.file);
  const bad = (message: string): Result<HookActivations> => ({ ok: false, error: { kind: 'bad-snapshot', file, message: `${file}: ${message}` } });
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, error: { kind: code === 'ENOENT' ? 'missing-file' : 'unreadable-file', file, message: `${file} (the snapshot's activations) ${code === 'ENOENT' ? 'is missing' : `could not be read: ${(e as Error).message}`}` } };
  }
  if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256) return bad(`does not belong to ${path.basename(jsonPath)} (sha256 differs from the one the snapshot records)`);
  const header = parseSafetensorsHeader(bytes);
  if (!header.ok) return bad(header.message);
  const tensors = readSafetensors(bytes);
  if (!tensors.ok) return bad(tensors.message);
  const out: HookActivations = {};
  for (const [hook, want] of Object.entries(ref.tensors)) {
    const t = tensors.value.get(hook);
    if (!t) return bad(`has no tensor ${hook}`);
    if (t.shape.length !== 2 || t.shape[0] !== want.shape[0] || t.shape[1] !== want.shape[1]) return bad(`tensor ${hook} has shape [${t.shape.join(', ')}], the snapshot says [${want.shape.join(', ')}]`);
    out[hook] = { shape: [t.shape[0], t.shape[1]], data: t.data };
  }
  return { ok: true, value: out };
}
