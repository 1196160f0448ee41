// Atomic file replacement: write a temp file in the target's own folder (same filesystem, so rename is
// atomic), fsync it, rename it over the target, fsync the folder. A crash or kill at any point leaves
// either the previous file or the new one, never a mix; a failed write removes its temp file.
// Several files (snapshot JSON + activations) are all written and synced before any is renamed, so an
// interrupted export leaves the previous pair intact; only a crash in the microseconds between the
// renames could pair a new file with an old one (the snapshot's recorded sha256 detects that).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Called after each chunk reaches the temp file (progress; tests use it to interrupt a write). */
  onChunkWritten?: (file: string, written: number, total: number) => void | Promise<void>;
  chunkBytes?: number;
  /** writeFilesAtomic: called once every file is prepared, before the first rename; a throw aborts all. */
  beforeCommit?: () => void;
}

export interface PreparedWrite {
  target: string;
  tmp: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A temp file tempPathFor named: `.<name>.<pid>.<8 hex>.tmp`; the pid is captured. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** A temp file this old is stale whoever wrote it (its writer may be on another machine). */
const TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files that killed writers left in `dir` (a SIGKILL or power loss skips the clean-up,
 * and a temp file is as large as the snapshot): those whose writing process no longer runs, and any
 * older than a day. Best effort; returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const file = path.join(dir, name);
    try {
      const st = await fs.lstat(file);
      if (!st.isFile()) continue;
      const stale = (pid !== process.pid && !processIsAlive(pid)) || Date.now() - st.mtimeMs > TEMP_MAX_AGE_MS;
      if (!stale) continue;
      await fs.rm(file, { force: true });
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/** A file's contents given as pieces, so that a large file never exists as one string or array. */
export interface StreamedData {
  /** Bytes in all (UTF-8 for string pieces); a write that gives another count fails. */
  size: number;
  /** The pieces in order; called once per write. */
  pieces: () => Iterable<Uint8Array | string>;
}

export type FileData = Uint8Array | string | StreamedData;

/** `data` as byte chunks of at most `chunk` bytes (small string pieces are joined first). */
function* chunksOf(data: FileData, chunk: number): Generator<Uint8Array> {
  const split = function* (bytes: Uint8Array) {
    for (let off = 0; off < bytes.length; off += chunk) yield bytes.subarray(off, off + chunk);
  };
  if (typeof data === 'string' || data instanceof Uint8Array) {
    yield* split(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    return;
  }
  let strings: string[] = [];
  let chars = 0;
  for (const piece of data.pieces()) {
    if (typeof piece === 'string') {
      strings.push(piece);
      chars += piece.length;
      if (chars < chunk) continue;
    }
    if (strings.length > 0) yield* split(Buffer.from(strings.join(''), 'utf8'));
    strings = [];
    chars = 0;
    if (typeof piece !== 'string') yield* split(piece);
  }
  if (strings.length > 0) yield* split(Buffer.from(strings.join(''), 'utf8'));
}

/** Writes and fsyncs the temp file; nothing visible changes until commit(). */
export async function prepareAtomicWrite(target: string, data: FileData, options: AtomicWriteOptions = {}): Promise<PreparedWrite> {
  const total = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data instanceof Uint8Array ? data.length : data.size;
  const tmp = tempPathFor(target);
  const chunk = options.chunkBytes ?? 1 << 20;
  const abort = async () => {
    await fs.rm(tmp, { force: true }).catch(() => {});
  };
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, 'wx', 0o644);
    let off = 0;
    for (const bytes of chunksOf(data, chunk)) {
      await writeAll(fh, bytes);
      off += bytes.length;
      await options.onChunkWritten?.(target, off, total);
    }
    if (off === 0) await options.onChunkWritten?.(target, 0, total);
    if (off !== total) throw new Error(`${target}: ${off} bytes were written, ${total} were announced`);
    await fh.sync();
    await fh.close();
    fh = undefined;
  } catch (e) {
    await fh?.close().catch(() => {});
    await abort();
    throw e;
  }
  return {
    target,
    tmp,
    abort,
    async commit() {
      try {
        await fs.rename(tmp, target);
      } catch (e) {
        await abort();
        throw e;
      }
      await syncDir(path.dirname(target));
    },
  };
}

export async function writeFileAtomic(target: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  await (await prepareAtomicWrite(target, data, options)).commit();
}

/** Prepares every file, then renames them in order; on any failure before the renames, nothing changes. */
export async function writeFilesAtomic(files: { target: string; data: FileData }[], options: AtomicWriteOptions = {}): Promise<void> {
  const prepared: PreparedWrite[] = [];
  try {
    for (const f of files) prepared.push(await prepareAtomicWrite(f.target, f.data, options));
    options.beforeCommit?.();
  } catch (e) {
    await Promise.all(prepared.map((p) => p.abort()));
    throw e;
  }
  for (let i = 0; i < prepared.length; i++) {
    try {
      await prepared[i].commit();
    } catch (e) {
      await Promise.all(prepared.slice(i + 1).map((p) => p.abort()));
      throw e;
    }
  }
}

async function writeAll(fh: fs.FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

/** Makes the rename itself durable. Not possible on Windows (opening a folder fails); best effort. */
async function syncDir(dir: string): Promise<void> {
  let dh: fs.FileHandle | undefined;
  try {
    dh = await fs.open(dir, 'r');
    await dh.sync();
  } catch {
    // Best effort only.
  } finally {
    await dh?.close().catch(() => {});
  }
}
