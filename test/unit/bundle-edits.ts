// Low-level edits of a bundle folder for tests: the manifest, re-signing listed files, a safetensors
// header, one feature card, and deflate streams that inflate to far more than they store.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseSafetensorsHeader, type SafetensorsHeaderEntry } from '../../src/engine/safetensors';

export type TestManifest = {
  architecture: { d_vocab: number } & Record<string, number | string>;
  model: { file: string; topk_max: number };
  tokenizer: { file: string };
  dictionaries: { hook_name: string; path: string; cards?: string }[];
  files: Record<string, { sha256: string; bytes: number }>;
};

export const readManifest = (dir: string): TestManifest => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

export function editManifest(dir: string, f: (m: Record<string, unknown>) => void): void {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  f(m);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
}

/** Recomputes the sha256 + bytes of every file the manifest lists (what a bundle author's tool does). */
export function resign(dir: string, only?: string[]): void {
  const mPath = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mPath, 'utf8'));
  for (const rel of Object.keys(m.files)) {
    if (only && !only.includes(rel)) continue;
    const buf = fs.readFileSync(path.join(dir, rel));
    m.files[rel] = { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
  }
  fs.writeFileSync(mPath, JSON.stringify(m, null, 2));
}

/** Rewrites a safetensors file's header (same data bytes), padded to 8 bytes as writers do. */
export function rewriteSafetensorsHeader(file: string, edit: (entries: Record<string, SafetensorsHeaderEntry>) => void): void {
  const buf = fs.readFileSync(file);
  const h = parseSafetensorsHeader(buf);
  if (!h.ok) throw new Error(h.message);
  const entries = structuredClone(h.value.entries);
  edit(entries);
  const header: Record<string, unknown> = { ...entries };
  if (h.value.metadata) header.__metadata__ = h.value.metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), buf.subarray(h.value.dataStart)]));
}

/** Replaces feature `index`'s stored blob in `<cardsDir>/cards.bin` (offsets moved to match), re-signed. */
export function replaceCard(dir: string, cardsDir: string, index: number, blob: Buffer): void {
  const binRel = `${cardsDir}/cards.bin`;
  const offRel = `${cardsDir}/cards.offsets`;
  const bin = fs.readFileSync(path.join(dir, binRel));
  const off = fs.readFileSync(path.join(dir, offRel));
  const n = off.length / 4 - 1;
  const at = (i: number) => off.readUInt32LE(4 * i);
  const blobs = Array.from({ length: n }, (_, i) => (i === index ? blob : bin.subarray(at(i), at(i + 1))));
  let pos = 0;
  blobs.forEach((b, i) => {
    off.writeUInt32LE(pos, 4 * i);
    pos += b.length;
  });
  off.writeUInt32LE(pos, 4 * n);
  fs.writeFileSync(path.join(dir, binRel), Buffer.concat(blobs));
  fs.writeFileSync(path.join(dir, offRel), off);
  resign(dir, [binRel, offRel]);
}

/**
 * A raw-deflate stream of `prefix + chunk × times + suffix`, built without compressing the whole: each
 * part is compressed on its own and ends on a full flush (byte-aligned, no back-references across
 * parts), so the compressed chunk can be repeated. About 1 KB per MB of a repetitive chunk.
 */
export function deflateBomb(prefix: string, chunk: string, times: number, suffix: string): Buffer {
  const flushed = (s: string) => zlib.deflateRawSync(Buffer.from(s), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const c = flushed(chunk);
  return Buffer.concat([flushed(prefix), ...Array.from({ length: times }, () => c), zlib.deflateRawSync(Buffer.from(suffix))]);
}
