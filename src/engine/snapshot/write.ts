// Writing a snapshot: JSON + optional .safetensors of raw activations, each replaced atomically, one
// writer at a time per snapshot path, and only a snapshot that the reader will accept.
import { createHash } from 'node:crypto';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { MAX_SNAPSHOT_BYTES } from '../../shared/limits';
import { safetensorsPieces } from '../safetensors';
import type { Result } from '../types';
import { removeStaleTempFiles, writeFilesAtomic, type AtomicWriteOptions, type FileData, type StreamedData } from './atomic';
import { yieldEvery } from './slices';
import { validateSnapshotInSlices } from './validate';
import type { HookActivations, Snapshot } from './types';

export interface WriteSnapshotOptions extends AtomicWriteOptions {
  /** Largest JSON written, in bytes (default MAX_SNAPSHOT_BYTES, the most the reader accepts). */
  maxBytes?: number;
}

/** The safetensors metadata "format" of a snapshot's activations file. */
export const ACTIVATIONS_FORMAT = 'activation-inspector-activations';

/** `x/foo.json` -> `x/foo.safetensors` (same folder, same base name). */
export function activationsPathFor(jsonPath: string): string {
  const ext = path.extname(jsonPath);
  return (ext ? jsonPath.slice(0, -ext.length) : jsonPath) + '.safetensors';
}

/** The activations would land on the JSON itself (`x.safetensors`; case-blind, as on macOS and Windows). */
export function activationsCollide(jsonPath: string): boolean {
  return path.resolve(activationsPathFor(jsonPath)).toLowerCase() === path.resolve(jsonPath).toLowerCase();
}

/** Lock folder `<snapshot>.lock`: a writer that dies leaves it, and it counts as stale after this long. */
const LOCK_STALE_MS = 10_000;
// Waiting for another writer: up to about a minute (a large export takes seconds).
const LOCK_RETRIES = { retries: 60, factor: 1.5, minTimeout: 50, maxTimeout: 1_000 };

/**
 * JSON.stringify(snapshot), the same bytes, in pieces: each token is serialised on its own, so the file
 * never exists as one string (for a document of 200,000 tokens that string is about 400 MB, twice that
 * in UTF-16 when the text is not Latin-1, plus its UTF-8 copy).
 */
export function* snapshotJsonPieces(snapshot: Snapshot): Generator<string> {
  let first = true;
  for (const [key, value] of Object.entries(snapshot)) {
    if (value === undefined) continue;
    yield `${first ? '{' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'tokens' && Array.isArray(value)) {
      yield '[';
      for (let i = 0; i < value.length; i++) yield (i > 0 ? ',' : '') + JSON.stringify(value[i]);
      yield ']';
    } else {
      yield JSON.stringify(value);
    }
  }
  yield first ? '{}' : '}';
}

/** snapshotJsonPieces with its size in UTF-8 bytes (one serialising pass to count, in slices of time that
 *  leave the editor working, and one to write). */
async function snapshotJson(snapshot: Snapshot): Promise<StreamedData> {
  const maybeYield = yieldEvery();
  let size = 0;
  for (const piece of snapshotJsonPieces(snapshot)) {
    size += Buffer.byteLength(piece, 'utf8');
    await maybeYield();
  }
  return { size, pieces: () => snapshotJsonPieces(snapshot) };
}

/** sha256 of the pieces, hashed 4 MiB at a time between yields to the event loop. */
async function sha256OfPieces(pieces: Iterable<Uint8Array>): Promise<string> {
  const maybeYield = yieldEvery();
  const hash = createHash('sha256');
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += 4 * 2 ** 20) {
      hash.update(piece.subarray(at, at + 4 * 2 ** 20));
      await maybeYield();
    }
  }
  return hash.digest('hex');
}

/**
 * Runs `write` while holding the lock on `jsonPath`, so that two exports to one path (two CLI runs, the
 * CLI and the editor) cannot pair one's JSON with the other's activations: the second waits.
 */
async function withWriteLock<T>(jsonPath: string, write: (stillHeld: () => void) => Promise<T>): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path.resolve(jsonPath), {
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: LOCK_RETRIES,
      onCompromised: (e) => {
        compromised = e;
      },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') throw new Error(`another export to ${jsonPath} is still running (its lock is ${jsonPath}.lock); try again when it ends`);
    throw e;
  }
  try {
    return await write(() => {
      if (compromised) throw new Error(`the lock on ${jsonPath} was lost during the export (${compromised.message})`);
    });
  } finally {
    await release().catch(() => {});
  }
}

/**
 * Writes the snapshot JSON at `jsonPath` and, with activations, `<base>.safetensors` beside it (one F32
 * tensor per hook, named by the hook, shape [tokens, d]). The snapshot is validated first (the reader's
 * own checks): an invalid one is refused, not written. Each file is replaced atomically (temp file in
 * the same folder + fsync + rename), both temp files are complete before either is renamed, and a
 * lock keeps concurrent writers of one path apart. Temp files that killed writers left in the folder
 * are removed. The JSON records the activations file's sha256, so a reader can tell when a JSON and an
 * activations file do not belong together.
 */
export async function writeSnapshotAtomic(
  jsonPath: string,
  snapshot: Snapshot,
  activations?: HookActivations,
  options: WriteSnapshotOptions = {},
): Promise<Result<{ jsonPath: string; activationsPath?: string }>> {
  const refuse = (message: string): Result<{ jsonPath: string }> => ({ ok: false, error: { kind: 'bad-input', file: jsonPath, message: `${jsonPath} was not written: ${message}` } });
  try {
    let toWrite: Snapshot = { ...snapshot };
    delete toWrite.activations;
    let activationsPath: string | undefined;
    const files: { target: string; data: FileData }[] = [];
    if (activations && Object.keys(activations).length > 0) {
      activationsPath = activationsPathFor(jsonPath);
      if (activationsCollide(jsonPath)) return refuse('its activations would be written to the same path (.safetensors); give the snapshot a .json name');
      const n = snapshot.tokens.length;
      const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
      for (const [hook, a] of Object.entries(activations)) {
        const [rows, d] = a.shape;
        if (rows !== n || a.data.length !== rows * d) return refuse(`activations for ${hook} have shape [${a.shape.join(', ')}] (${a.data.length} values) but the snapshot has ${n} tokens`);
        tensors.push({ name: hook, shape: [rows, d], data: a.data });
      }
      const bytes = safetensorsPieces(tensors, { format: ACTIVATIONS_FORMAT, document_sha256: snapshot.document.sha256 });
      const sha256 = await sha256OfPieces(bytes.pieces());
      files.push({ target: activationsPath, data: bytes });
      toWrite = {
        ...toWrite,
        activations: {
          file: path.basename(activationsPath),
          dtype: 'F32',
          sha256,
          tensors: Object.fromEntries(tensors.map((t) => [t.name, { shape: t.shape as [number, number] }])),
        },
      };
    }
    // NaN and ±Infinity fail the schema's number checks here (JSON would turn them into null).
    const valid = await validateSnapshotInSlices(toWrite, path.basename(jsonPath));
    if (!valid.ok) return refuse(`the snapshot is not valid, so no reader would open it (${valid.error.message})`);
    const json = await snapshotJson(toWrite);
    const maxBytes = options.maxBytes ?? MAX_SNAPSHOT_BYTES;
    const size = json.size;
    if (size > maxBytes) return refuse(`it would be ${size} bytes, more than the ${maxBytes} bytes a snapshot may have (see "Limits" in docs/snapshot-format.md); ask for fewer predictions or features per token, or analyse less text`);
    files.push({ target: jsonPath, data: json });
    await withWriteLock(jsonPath, async (stillHeld) => {
      await removeStaleTempFiles(path.dirname(path.resolve(jsonPath)));
      await writeFilesAtomic(files, { ...options, beforeCommit: stillHeld });
    });
    return { ok: true, value: { jsonPath, activationsPath } };
  } catch (e) {
    return { ok: false, error: { kind: 'unreadable-file', file: jsonPath, message: `could not write the snapshot ${jsonPath}: ${(e as Error)?.message ?? String(e)}` } };
  }
}
