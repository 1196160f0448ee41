// The safetensors reader against files written by numpy (F32, F16, BF16, F64), the writer round trip,
// and damaged files.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SAFETENSORS_HEADER_BYTES, parseSafetensorsHeader, readSafetensors, writeSafetensors } from '../../src/engine/safetensors';

const PY = '/usr/bin/python3';
const hasNumpy = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-st-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const WRITER = String.raw`
import json, struct, sys
import numpy as np
x = (np.arange(24, dtype=np.float32).reshape(4, 6) - 11.5) / 3
bf16 = (x.view(np.uint32) >> 16).astype(np.uint16)
tensors = {"f32": ("F32", x.tobytes()), "f16": ("F16", x.astype(np.float16).tobytes()),
           "bf16": ("BF16", bf16.tobytes()), "f64": ("F64", x.astype(np.float64).tobytes())}
header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
for name, (dt, b) in tensors.items():
    header[name] = {"dtype": dt, "shape": [4, 6], "data_offsets": [off, off + len(b)]}; off += len(b); blobs.append(b)
h = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
print(json.dumps({"f32": x.ravel().tolist(), "f16": x.astype(np.float16).astype(np.float32).ravel().tolist(),
                  "bf16": (bf16.astype(np.uint32) << 16).view(np.float32).ravel().tolist()}))
`;

/** A file whose tensors "a" [0,16) and "b" [8,24) share bytes 8..16. */
function overlapping(): Uint8Array {
  const header = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(24)]);
}

/** A file that declares a header of `n` bytes (refused by its length, before anything is read). */
function withHeaderLength(n: number): Uint8Array {
  const b = Buffer.alloc(64, 0x20);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

describe('safetensors', () => {
  it.skipIf(!hasNumpy)('reads F32, F16, BF16 and F64 tensors written by numpy', () => {
    const file = path.join(tmp, 'np.safetensors');
    const script = path.join(tmp, 'w.py');
    fs.writeFileSync(script, WRITER);
    const want = JSON.parse(execFileSync(PY, [script, file], { encoding: 'utf8' }));
    const r = readSafetensors(fs.readFileSync(file));
    if (!r.ok) throw new Error(r.message);
    for (const name of ['f32', 'f16', 'bf16']) {
      const t = r.value.get(name)!;
      expect(t.shape).toEqual([4, 6]);
      expect(Array.from(t.data)).toEqual(want[name].map(Math.fround));
    }
    expect(Array.from(r.value.get('f64')!.data)).toEqual(want.f32.map(Math.fround));
  });

  it('round-trips what it writes, header padded to 8 bytes', () => {
    const data = Float32Array.from([1.5, -2, 3e-8, NaN, Infinity, 0]);
    const bytes = writeSafetensors([{ name: 'a.b', shape: [2, 3], data }, { name: 'empty', shape: [0, 4], data: new Float32Array(0) }], { k: 'v' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const r = readSafetensors(bytes);
    if (!r.ok) throw new Error(r.message);
    expect(Array.from(r.value.get('a.b')!.data)).toEqual(Array.from(data));
    expect(r.value.get('empty')!.shape).toEqual([0, 4]);
    const h = parseSafetensorsHeader(bytes);
    expect(h.ok && h.value.metadata).toEqual({ k: 'v' });
  });

  it.each([
    ['too short', new Uint8Array(4), /too short/],
    ['header longer than file', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 100n, true); return b; })(), /truncated or not safetensors/],
    ['truncated data', writeSafetensors([{ name: 'x', shape: [4], data: new Float32Array(4) }]).subarray(0, -3), /file truncated/],
    ['overlapping tensors', overlapping(), /tensors "a" \[0,16\] and "b" \[8,24\] have overlapping data_offsets/],
    ['a header over the 100 MB limit', withHeaderLength(MAX_SAFETENSORS_HEADER_BYTES + 1), /header; safetensors headers are at most 100000000 bytes/],
  ])('reports a damaged file: %s', (_n, bytes, says) => {
    const r = readSafetensors(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(says);
  });

  it('does not quote a header that is not JSON', () => {
    const text = Buffer.from('PRIVATE-KEY-9f2c not json');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    const r = readSafetensors(Buffer.concat([len, text]));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/header that is not valid JSON/);
      expect(r.message).not.toMatch(/PRIVATE/);
    }
  });

  it('names a tensor without carrying a huge name or shape into the message', () => {
    const header = Buffer.from(JSON.stringify({ ['n'.repeat(100_000)]: { dtype: 'F32', shape: Array(50_000).fill(-1), data_offsets: [0, 0] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const r = readSafetensors(Buffer.concat([len, header]));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/tensor "n+… has an invalid shape \[-1,-1,/);
      expect(r.message.length).toBeLessThan(200);
    }
  });
});
