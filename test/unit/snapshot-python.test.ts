// A snapshot loads in Python with nothing but json + numpy (the safetensors header parsed by hand with
// struct), and the documented UTF-16 offset recipe recovers every token's text, astral characters and
// lone surrogates included. Skipped when /usr/bin/python3 with numpy is not on this machine.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSnapshot, writeSnapshotAtomic } from '../../src/engine/snapshot';
import { fakeActivations, fakeResult, PROVENANCE } from './snapshot-fixtures';

const PY = '/usr/bin/python3';
const hasNumpy = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-py-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const READER = String.raw`
import json, struct, sys
import numpy as np

snap = json.load(open(sys.argv[1], encoding="utf-8"))
text = snap["document"]["text"]
units = text.encode("utf-16-le", "surrogatepass")            # start/end count UTF-16 code units
assert len(units) // 2 == snap["document"]["length"]
for t in snap["tokens"]:
    piece = units[2 * t["start"]:2 * t["end"]].decode("utf-16-le", "surrogatepass")
    assert piece == t["text"], (t, piece)

ref = snap["activations"]
with open(sys.argv[1].rsplit("/", 1)[0] + "/" + ref["file"], "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    data = f.read()
out = {}
for name, meta in ref["tensors"].items():
    e = header[name]
    assert e["dtype"] == "F32" and e["shape"] == meta["shape"]
    a, b = e["data_offsets"]
    arr = np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"])
    out[name] = {"shape": list(arr.shape), "sum": float(arr.astype(np.float64).sum()), "first": float(arr[0, 0]), "last": float(arr[-1, -1])}
print(json.dumps({"tokens": len(snap["tokens"]), "tensors": out}))
`;

describe.skipIf(!hasNumpy)('snapshot interoperability with Python', () => {
  it('json + numpy read the snapshot and its activations exactly', async () => {
    const text = 'x = "😀 中文 e\u0301"\r\n\tprint(x)  # \uD800 lone\n';
    const s = buildSnapshot({ result: fakeResult(text), provenance: PROVENANCE, document: { path: '/tmp/x.py', languageId: 'python', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
    if (!s.ok) throw new Error(s.error.message);
    const acts = fakeActivations(s.value.tokens.length, 32);
    const file = path.join(tmp, 'py.json');
    const w = await writeSnapshotAtomic(file, s.value, acts);
    expect(w.ok).toBe(true);
    const script = path.join(tmp, 'read.py');
    fs.writeFileSync(script, READER);
    const out = JSON.parse(execFileSync(PY, [script, file], { encoding: 'utf8' }));
    expect(out.tokens).toBe(s.value.tokens.length);
    for (const [hook, a] of Object.entries(acts)) {
      const py = out.tensors[hook];
      expect(py.shape).toEqual(a.shape);
      expect(py.first).toBe(a.data[0]);
      expect(py.last).toBe(a.data[a.data.length - 1]);
      const sum = a.data.reduce((x, y) => x + y, 0);
      expect(py.sum).toBeCloseTo(sum, 3);
    }
  });
});
