// Atomic file replacement: write a temp file in the target's own folder (same filesystem, so rename is
// atomic), fsync it, rename it over the target, fsync the folder. A crash or kill at any point leaves
// either the previous file or the new one, never a mix; a failed write removes its temp file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Called after each chunk reaches the temp file (progress; tests use it to interrupt a write). */
  onChunkWritten?: (written: number, total: number) => void | Promise<void>;
  chunkBytes?: number;
}

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(target);
  const chunk = options.chunkBytes ?? 1 << 20;
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, 'wx', 0o644);
    for (let off = 0; off < bytes.length || (off === 0 && bytes.length === 0); ) {
      const n = Math.min(chunk, bytes.length - off);
      if (n > 0) await writeAll(fh, bytes.subarray(off, off + n));
      off += n;
      await options.onChunkWritten?.(off, bytes.length);
      if (n === 0) break;
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, target);
  } catch (e) {
    await fh?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncDir(path.dirname(target));
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
