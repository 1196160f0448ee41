// File helpers for bundle loading: errors as values, hashing, positioned reads.
import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseJsonText } from '../json-text';
import type { EngineError, EngineErrorKind, Result } from '../types';

export function fail<T>(kind: EngineErrorKind, file: string | undefined, message: string): Result<T> {
  return { ok: false, error: { kind, file, message } };
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** missing-file for ENOENT/ENOTDIR, unreadable-file otherwise, with the OS reason. */
export function fileError(e: unknown, file: string, what = 'could not be read'): EngineError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing-file', file, message: `${file} is missing` };
  if (code === 'EISDIR') return { kind: 'unreadable-file', file, message: `${file} is a folder, not a file` };
  return { kind: 'unreadable-file', file, message: `${file} ${what}: ${(e as Error)?.message ?? String(e)}` };
}

/**
 * Reads a whole regular file of at most maxBytes. The size is checked before reading, and a FIFO or
 * device is refused without being opened for a blocking read (a FIFO's open() waits for a writer).
 */
export async function readFileResult(abs: string, file: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Result<Buffer>> {
  try {
    const fh = await fs.open(abs, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      if (st.isDirectory()) return fail('unreadable-file', file, `${file} is a folder, not a file`);
      if (!st.isFile()) return fail('unreadable-file', file, `${file} is not a regular file`);
      if (st.size > maxBytes) return fail('unreadable-file', file, `${file} is ${st.size} bytes; the limit for this file is ${maxBytes} bytes`);
      return ok(await fh.readFile());
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { ok: false, error: fileError(e, file) };
  }
}

export async function readJsonFile(abs: string, file: string, badKind: EngineErrorKind, maxBytes?: number): Promise<Result<unknown>> {
  const r = await readFileResult(abs, file, maxBytes);
  if (!r.ok) return r;
  const json = parseJsonText(r.value.toString('utf8'));
  return json.ok ? ok(json.value) : fail(badKind, file, `${file} is ${json.message}`);
}

/**
 * A bundle file must lie inside the bundle folder once every symbolic link on its path is resolved: a
 * link to a private file elsewhere would otherwise be read (and its bytes reach error messages). Links
 * that stay inside the folder are fine. `realRoot` is the bundle folder's own real path.
 */
export async function checkInsideFolder(realRoot: string, abs: string, file: string): Promise<Result<void>> {
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch (e) {
    return { ok: false, error: fileError(e, file) };
  }
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return fail('unreadable-file', file, `${file} is a symbolic link (or lies under one) that leads outside the bundle folder; bundle files must be inside it`);
  }
  return ok(undefined);
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// sha256 by (path, inode, size, mtime): reloading an unchanged bundle (model switch, engine restart)
// does not hash hundreds of MB again. Any write to a file changes its mtime, so a stale hit needs a
// same-size rewrite within the filesystem's timestamp resolution (nanoseconds on Linux).
const hashCache = new Map<string, string>();
const HASH_CACHE_MAX = 256;

/** Streams the file through sha256 (no whole-file buffer; model.onnx can be hundreds of MB). */
export async function sha256File(abs: string): Promise<string> {
  const st = await fs.stat(abs, { bigint: true });
  const key = `${abs}\0${st.ino}\0${st.size}\0${st.mtimeNs}`;
  const hit = hashCache.get(key);
  if (hit) return hit;
  const digest = await new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(abs, { highWaterMark: 1 << 20 });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
  if (hashCache.size >= HASH_CACHE_MAX) hashCache.delete(hashCache.keys().next().value!);
  hashCache.set(key, digest);
  return digest;
}

export async function readAt(abs: string, position: number, length: number): Promise<Buffer> {
  const fh = await fs.open(abs, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
