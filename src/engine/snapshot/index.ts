// Snapshots (docs/snapshot-format.md, schemas/snapshot.schema.json): build from an AnalysisResult,
// check where it may go, write atomically (JSON + optional .safetensors of raw activations), read back
// with validation. Errors are values; nothing throws past these functions.
import type { Bundle, Dictionary } from '../bundle';
import type { SnapshotProvenance } from './types';
export * from './types';
export { buildSnapshot, buildSnapshotInSlices, sha256Text, TOOL_NAME, TOOL_VERSION } from './build';
export type { BuildSnapshotInput } from './build';
export { validateSnapshot, validateSnapshotInSlices } from './validate';
export { writeFileAtomic, writeFilesAtomic, prepareAtomicWrite, removeStaleTempFiles } from './atomic';
export type { AtomicWriteOptions } from './atomic';
export { ACTIVATIONS_FORMAT, activationsPathFor, writeSnapshotAtomic } from './write';
export type { WriteSnapshotOptions } from './write';
export { readSnapshot, readSnapshotActivations } from './read';
export type { ReadSnapshotOptions } from './read';
export { checkSnapshotTargets } from './target';
export type { SnapshotTargets } from './target';

/** Provenance of a loaded bundle plus any attached dictionaries (`--sae`), for buildSnapshot. */
export function provenanceFromBundle(bundle: Bundle, extra: Dictionary[] = []): Omit<SnapshotProvenance, 'createdAt' | 'tool'> {
  return {
    model: { id: bundle.manifest.id, name: bundle.manifest.name, sha256: bundle.modelSha256 },
    tokenizer: { sha256: bundle.tokenizerSha256 },
    dictionaries: [...bundle.dictionaries, ...extra].map((d) => ({ hookName: d.hookName, sha256: d.sha256, architecture: d.cfg.architecture, dSae: d.cfg.d_sae })),
  };
}
