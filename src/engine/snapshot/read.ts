// Reading a snapshot back: size checked before any byte is read (docs/snapshot-format.md, "Limits"), the
// file read asynchronously, the JSON parsed in slices that yield to the event loop, then validated.
// Errors are values and never quote the file's content.
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MAX_SNAPSHOT_ACTIVATIONS_BYTES, MAX_SNAPSHOT_BYTES } from '../../shared/limits';
import { EXPLAINED_VARIANCE_FLOOR, LOGPROB_FLOOR } from '../../shared/finiteNumbers';
import { JsonSliceError, parseJsonInSlices, type SliceOptions } from './json-slices';
import { parseSafetensorsHeader, readSafetensors, type SafetensorsHeaderEntry } from '../safetensors';
import type { EngineErrorKind, Result } from '../types';
import { yieldEvery, yieldToEventLoop } from './slices';
import { validateSnapshotInSlices } from './validate';
import type { HookActivations, Snapshot } from './types';

export interface ReadSnapshotOptions extends SliceOptions {
  /** Largest JSON file read, in bytes (default MAX_SNAPSHOT_BYTES). */
  maxBytes?: number;
}

const MB = 1024 * 1024;

function sizeInWords(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MiB` : `${bytes} bytes`;
}

/**
 * The bytes of a regular file of at most maxBytes, or an error naming the limit. The size is checked
 * before reading, and a FIFO or device is refused without a blocking open (a FIFO's open() waits for a
 * writer; /dev/zero never ends).
 */
async function readLimited(file: string, maxBytes: number, what: string): Promise<Result<Buffer>> {
  const fail = (kind: EngineErrorKind, message: string): Result<Buffer> => ({ ok: false, error: { kind, file, message } });
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const st = await fh.stat();
    if (st.isDirectory()) return fail('unreadable-file', `${file} is a folder, not ${what}`);
    if (!st.isFile()) return fail('unreadable-file', `${file} is not a regular file, so not ${what}`);
    if (st.size > maxBytes) {
      return fail('bad-snapshot', `${file} is ${sizeInWords(st.size)}, more than the ${sizeInWords(maxBytes)} ${what} may have; it was not read (see "Limits" in docs/snapshot-format.md)`);
    }
    return { ok: true, value: await fh.readFile() };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('missing-file', `${file} does not exist`);
    return fail('unreadable-file', `${file} could not be read: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Log-probabilities and explained variances below the shared floors (snapshots written before the
 * floors existed hold -1.8e308 for a zero probability) read as the floors, so the panel accepts them.
 */
async function raiseToFloors(s: Snapshot, sliceMs = 8): Promise<void> {
  const maybeYield = yieldEvery(sliceMs);
  for (const t of s.tokens) {
    if (t.logprob !== null && t.logprob < LOGPROB_FLOOR) t.logprob = LOGPROB_FLOOR;
    for (const [hook, ev] of Object.entries(t.reconstruction)) if (ev < EXPLAINED_VARIANCE_FLOOR) t.reconstruction[hook] = EXPLAINED_VARIANCE_FLOOR;
    await maybeYield();
  }
}

/** sha256 (hex) of a large buffer, 4 MiB at a time with a yield to the event loop between (100 MB of
 *  activations would otherwise hold the thread for a quarter of a second). */
async function sha256InSlices(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.length; at += 4 * MB) {
    hash.update(bytes.subarray(at, at + 4 * MB));
    await yieldToEventLoop();
  }
  return hash.digest('hex');
}

export async function readSnapshot(jsonPath: string, options: ReadSnapshotOptions = {}): Promise<Result<Snapshot>> {
  const bytes = await readLimited(jsonPath, options.maxBytes ?? MAX_SNAPSHOT_BYTES, 'a snapshot');
  if (!bytes.ok) return bytes;
  let json: unknown;
  try {
    json = await parseJsonInSlices(bytes.value, options);
  } catch (e) {
    return { ok: false, error: { kind: 'bad-snapshot', file: jsonPath, message: `${jsonPath} is not valid JSON${e instanceof JsonSliceError ? ` (${e.message})` : ''}` } };
  }
  try {
    const valid = await validateSnapshotInSlices(json, jsonPath, options.sliceMs);
    if (valid.ok) await raiseToFloors(valid.value, options.sliceMs);
    return valid;
  } catch (e) {
    return { ok: false, error: { kind: 'internal', file: jsonPath, message: `validating ${jsonPath} failed unexpectedly: ${(e as Error)?.message}` } };
  }
}

/**
 * The tensors of a safetensors file: F32 ones (what snapshots hold) copied out 4 MiB at a time between
 * yields to the event loop (614 MB in one go held the thread for 0.7 s), any other dtype converted by
 * readSafetensors. A string is what is wrong with the file.
 */
async function tensorsInSlices(bytes: Buffer, header: { entries: Record<string, SafetensorsHeaderEntry>; dataStart: number }): Promise<Map<string, { shape: number[]; data: Float32Array }> | string> {
  if (Object.values(header.entries).some((e) => e.dtype !== 'F32')) {
    const all = readSafetensors(bytes);
    return all.ok ? all.value : all.message;
  }
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, e] of Object.entries(header.entries)) {
    const from = bytes.subarray(header.dataStart + e.data_offsets[0], header.dataStart + e.data_offsets[1]);
    const data = new Float32Array(from.length / 4);
    const to = new Uint8Array(data.buffer);
    for (let at = 0; at < from.length; at += 4 * MB) {
      to.set(from.subarray(at, at + 4 * MB), at);
      await yieldToEventLoop();
    }
    out.set(name, { shape: e.shape, data });
  }
  return out;
}

/** The activations file a snapshot references, checked against the JSON (hash, names, shapes). */
export async function readSnapshotActivations(jsonPath: string, snapshot: Snapshot, maxBytes = MAX_SNAPSHOT_ACTIVATIONS_BYTES): Promise<Result<HookActivations>> {
  const ref = snapshot.activations;
  if (!ref) return { ok: false, error: { kind: 'bad-input', file: jsonPath, message: `${jsonPath} was exported without activations` } };
  const file = path.join(path.dirname(jsonPath), ref.file);
  const bad = (message: string): Result<HookActivations> => ({ ok: false, error: { kind: 'bad-snapshot', file, message: `${file}: ${message}` } });
  const read = await readLimited(file, maxBytes, "a snapshot's activations file");
  if (!read.ok) {
    const e = read.error;
    return { ok: false, error: e.kind === 'missing-file' ? { ...e, message: `${file} (the snapshot's activations) does not exist` } : e };
  }
  const bytes = read.value;
  if ((await sha256InSlices(bytes)) !== ref.sha256) return bad(`does not belong to ${path.basename(jsonPath)} (sha256 differs from the one the snapshot records)`);
  const header = parseSafetensorsHeader(bytes);
  if (!header.ok) return bad(header.message);
  const tensors = await tensorsInSlices(bytes, header.value);
  if (typeof tensors === 'string') return bad(tensors);
  const out: HookActivations = {};
  for (const [hook, want] of Object.entries(ref.tensors)) {
    const t = tensors.get(hook);
    if (!t) return bad(`has no tensor ${hook}`);
    if (t.shape.length !== 2 || t.shape[0] !== want.shape[0] || t.shape[1] !== want.shape[1]) return bad(`tensor ${hook} has shape [${t.shape.join(', ')}], the snapshot says [${want.shape.join(', ')}]`);
    out[hook] = { shape: [t.shape[0], t.shape[1]], data: t.data };
  }
  return { ok: true, value: out };
}
