// Replaces a file's content so that a reader (or the next run after a crash) sees either the old file or
// the new one, never a mix: write a temporary file in the same folder, flush it to disk, rename it over.
// Asynchronous throughout (fs.promises), so writing a large index never holds the caller's event loop
// (the extension host's, in the editor) for the write or the flush.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await fs.open(temp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(temp, file);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
  // The rename itself reaches the disk with the folder (not possible on Windows; best effort).
  try {
    const dh = await fs.open(dir, 'r');
    await dh.sync().finally(() => dh.close());
  } catch {
    // folders cannot be opened for fsync on some platforms
  }
}
