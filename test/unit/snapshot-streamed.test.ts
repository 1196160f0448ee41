// The snapshot writer streams: the JSON is serialised token by token and the activations are written
// from views of their Float32Arrays. What reaches the disk must be exactly what one JSON.stringify and
// one safetensors array would have been.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSnapshot, writeSnapshotAtomic, type Snapshot } from '../../src/engine/snapshot';
import { snapshotJsonPieces } from '../../src/engine/snapshot/write';
import { parseJsonInSlices } from '../../src/engine/snapshot/json-slices';
import { writeFileAtomic } from '../../src/engine/snapshot/atomic';
import { safetensorsPieces, writeSafetensors } from '../../src/engine/safetensors';
import { fakeActivations, fakeResult, PROVENANCE } from './snapshot-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-streamed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function snapshotOf(text: string): Snapshot {
  const r = buildSnapshot({ result: fakeResult(text), provenance: PROVENANCE, document: { path: null, languageId: 'plaintext', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('streamed snapshot writing', () => {
  it.each([
    ['code', 'def f(x):\n    return x + 1  # 😀 \u2028 "quoted" \\ \n'],
    ['text with a lone surrogate and NUL', 'a\uD800b\u0000c'],
    ['empty text', ''],
  ])('the JSON pieces of %s join to JSON.stringify of the snapshot', (_name, text) => {
    const snap = { ...snapshotOf(text), activations: { file: 'x.safetensors', dtype: 'F32' as const, sha256: 'c'.repeat(64), tensors: { h: { shape: [1, 2] as [number, number] } } } };
    expect([...snapshotJsonPieces(snap)].join('')).toBe(JSON.stringify(snap));
  });

  it('the safetensors pieces join to the single-array serialisation', () => {
    const tensors = Object.entries(fakeActivations(7, 5)).map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    const { size, pieces } = safetensorsPieces(tensors, { k: 'v' });
    const joined = Buffer.concat([...pieces()]);
    expect(joined.length).toBe(size);
    expect(joined.equals(Buffer.from(writeSafetensors(tensors, { k: 'v' })))).toBe(true);
  });

  it('writes the same files as before, chunk by chunk, and reports progress against the full size', async () => {
    const text = 'const a = [1, 2, 3].map((x) => x * 2);\n'.repeat(40);
    const snap = snapshotOf(text);
    const acts = fakeActivations(snap.tokens.length, 16);
    const file = path.join(tmp, 'streamed.json');
    const seen: [string, number, number][] = [];
    const r = await writeSnapshotAtomic(file, snap, acts, { chunkBytes: 1000, onChunkWritten: (t, w, total) => void seen.push([path.extname(t), w, total]) });
    if (!r.ok) throw new Error(r.error.message);
    const json = fs.readFileSync(file, 'utf8');
    const written = JSON.parse(json) as Snapshot;
    expect(json).toBe(JSON.stringify(written));
    expect(written.tokens).toEqual(JSON.parse(JSON.stringify(snap.tokens)));
    const st = fs.readFileSync(path.join(tmp, 'streamed.safetensors'));
    expect(st.equals(Buffer.from(writeSafetensors(Object.entries(acts).map(([name, t]) => ({ name, shape: t.shape, data: t.data })), written.activations ? { format: 'activation-inspector-activations', document_sha256: snap.document.sha256 } : undefined)))).toBe(true);
    for (const ext of ['.json', '.safetensors']) {
      const mine = seen.filter(([e]) => e === ext);
      expect(mine.length).toBeGreaterThan(2);
      expect(mine.every(([, w, total], i) => w <= total && (i === 0 || w - mine[i - 1][1] <= 1000))).toBe(true);
      expect(mine.at(-1)![1]).toBe(mine.at(-1)![2]);
    }
  });

  it('a stream that gives another size than announced is not committed', async () => {
    const target = path.join(tmp, 'short.txt');
    fs.writeFileSync(target, 'before');
    await expect(writeFileAtomic(target, { size: 10, pieces: () => ['abc'] })).rejects.toThrow(/3 bytes were written, 10 were announced/);
    expect(fs.readFileSync(target, 'utf8')).toBe('before');
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.short'))).toEqual([]);
  });
});

describe('parsing UTF-8 bytes in slices', () => {
  it('gives what JSON.parse of the decoded text gives, for any JSON with any characters', async () => {
    const value = fc.oneof(fc.jsonValue(), fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.array(fc.jsonValue()), fc.string({ unit: 'binary' }))));
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2)]) {
          const bytes = Buffer.from(text, 'utf8');
          expect(await parseJsonInSlices(bytes, { sliceMs: 0 })).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('skips a byte-order mark, reads invalid UTF-8 as U+FFFD, and refuses what JSON.parse refuses', async () => {
    expect(await parseJsonInSlices(Buffer.from('\uFEFF{"a": ["\u00e9"]}', 'utf8'))).toEqual({ a: ['\u00e9'] });
    expect(await parseJsonInSlices(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x5b, 0x22, 0xff, 0x22, 0x5d, 0x7d]))).toEqual({ a: ['\uFFFD'] });
    for (const bad of ['{"a": [1, 2', '{"a" 1}', '{"a": [1 2]}', '{"a": 1} x']) await expect(parseJsonInSlices(Buffer.from(bad))).rejects.toThrow(/at character \d+|invalid value/);
    await expect(parseJsonInSlices(Buffer.from(`{"a": ${'['.repeat(100)}${']'.repeat(100)}}`))).rejects.toThrow(/nested deeper than 64 levels/);
  });
});
