// Snapshots: build from an AnalysisResult, write atomically, read back with validation.
import type { AnalysisResult, Result } from '../types';
import type { HookActivations, Snapshot, SnapshotProvenance } from './types';
export * from './types';

export interface BuildSnapshotInput {
  result: AnalysisResult;
  provenance: Omit<SnapshotProvenance, 'createdAt' | 'tool'> & { tool?: SnapshotProvenance['tool']; createdAt?: string };
  document: { path: string | null; languageId: string | null; text: string };
  options: { topK: number; featuresPerToken: number; hooks: string[] };
}

export function buildSnapshot(input: BuildSnapshotInput): Result<Snapshot> {
  void input;
  return { ok: false, error: { kind: 'internal', message: 'buildSnapshot: not implemented yet' } };
}

/** Writes path (JSON) and, with activations, the .safetensors beside it; each via temp file + fsync + rename. */
export async function writeSnapshotAtomic(
  path: string,
  snapshot: Snapshot,
  activations?: HookActivations,
): Promise<Result<{ jsonPath: string; activationsPath?: string }>> {
  void path; void snapshot; void activations;
  return { ok: false, error: { kind: 'internal', message: 'writeSnapshotAtomic: not implemented yet' } };
}

export async function readSnapshot(path: string): Promise<Result<Snapshot>> {
  void path;
  return { ok: false, error: { kind: 'internal', message: 'readSnapshot: not implemented yet' } };
}

/** The activations file a snapshot references, as Float32Arrays. */
export async function readSnapshotActivations(jsonPath: string, snapshot: Snapshot): Promise<Result<HookActivations>> {
  void jsonPath; void snapshot;
  return { ok: false, error: { kind: 'internal', message: 'readSnapshotActivations: not implemented yet' } };
}
