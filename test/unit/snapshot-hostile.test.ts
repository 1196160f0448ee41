// Snapshots under hostile and huge inputs: what the writer refuses, where it refuses to write, one writer
// at a time, stale temp files, size and file-type checks before reading, parsing in slices, and the
// finite stand-in for log p = -Infinity that the writer, the reader and the panel share.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  activationsPathFor,
  buildSnapshot,
  checkSnapshotTargets,
  readSnapshot,
  readSnapshotActivations,
  writeSnapshotAtomic,
  type Snapshot,
} from '../../src/engine/snapshot';
import { parseJsonInSlices } from '../../src/engine/snapshot/json-slices';
import { toCompactToken, parseToWebview } from '../../src/protocol';
import type { TokenResult } from '../../src/engine';
import { LOGPROB_FLOOR } from '../../src/shared/finiteNumbers';
import { MAX_SNAPSHOT_BYTES } from '../../src/shared/limits';
import { fakeActivations, fakeResult, HOOKS, PROVENANCE } from './snapshot-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-snap-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function snapshotOf(text: string, edit?: (r: ReturnType<typeof fakeResult>) => void): Snapshot {
  const result = fakeResult(text);
  edit?.(result);
  const r = buildSnapshot({ result, provenance: PROVENANCE, document: { path: null, languageId: 'python', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function write(file: string, snap: Snapshot, acts?: ReturnType<typeof fakeActivations>) {
  const w = await writeSnapshotAtomic(file, snap, acts);
  if (!w.ok) throw new Error(w.error.message);
}

/** The panel's analysis and selection messages for a token list, as the host builds them. */
function panelAccepts(tokens: TokenResult[], index: number): { analysis: boolean; selection: boolean } {
  const analysis = parseToWebview({
    type: 'analysis', docUri: 'file:///w/a.py', fileName: 'a.py', version: 1, textSha256: 'a'.repeat(64), textLength: tokens.at(-1)!.end,
    hooks: HOOKS, tokenCount: tokens.length, firstIndex: 0, tokens: tokens.map(toCompactToken), cursorIndex: index,
  });
  const perFeature = <T>(v: T) => Object.fromEntries(Object.entries(tokens[index].features).map(([h, hits]) => [h, hits.map(() => v)]));
  const selection = parseToWebview({
    type: 'selection', docUri: 'file:///w/a.py', version: 1, index, token: tokens[index],
    predictedBy: [], nextToken: null, featureLabels: perFeature(''), featureDensities: perFeature(null),
  });
  return { analysis: analysis.ok, selection: selection.ok };
}

describe('log p = -Infinity: one finite encoding for writer, reader and panel', () => {
  it('a zero probability is written as LOGPROB_FLOOR, and the panel accepts the tokens read back', async () => {
    const snap = snapshotOf('x = 1\ny = 2\n', (r) => {
      r.tokens[1].logprob = -Infinity;
      r.tokens[2].reconstruction[HOOKS[0]] = -Infinity;
    });
    const file = path.join(tmp, 'neg-inf.json');
    await write(file, snap);
    const back = await readSnapshot(file);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.tokens[1].logprob).toBe(LOGPROB_FLOOR);
    expect(panelAccepts(back.value.tokens as TokenResult[], 1)).toEqual({ analysis: true, selection: true });
    expect(panelAccepts(back.value.tokens as TokenResult[], 2)).toEqual({ analysis: true, selection: true });
  });

  it('a snapshot holding -1.8e308 (as earlier versions wrote) reads as LOGPROB_FLOOR', async () => {
    const json = JSON.parse(JSON.stringify(snapshotOf('a = b\n'))) as Snapshot;
    json.tokens[1].logprob = -Number.MAX_VALUE;
    const file = path.join(tmp, 'legacy.json');
    fs.writeFileSync(file, JSON.stringify(json));
    const back = await readSnapshot(file);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.tokens[1].logprob).toBe(LOGPROB_FLOOR);
    expect(panelAccepts(back.value.tokens as TokenResult[], 1).selection).toBe(true);
  });
});

describe('the writer writes only what the reader accepts', () => {
  it.each([
    ['a negative token id', (r: ReturnType<typeof fakeResult>) => (r.tokens[1].id = -1), /tokens\/1\/id/],
    ['a fractional prediction id', (r: ReturnType<typeof fakeResult>) => (r.tokens[2].topk[0].id = 2.5), /tokens\/2\/topk\/0\/id/],
    ['a NaN feature index', (r: ReturnType<typeof fakeResult>) => (r.tokens[0].features[HOOKS[0]][0].index = NaN), /tokens\/0\/features/],
  ])('refuses %s and leaves no file', async (_name, edit, where) => {
    const file = path.join(tmp, `invalid-${_name.replace(/\W/g, '-')}.json`);
    const w = await writeSnapshotAtomic(file, snapshotOf('def f(x):\n    return x\n', edit));
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toMatch(where);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses to write the activations onto the JSON path (x.safetensors)', async () => {
    const snap = snapshotOf('a = 1\n');
    const file = path.join(tmp, 'same.safetensors');
    const w = await writeSnapshotAtomic(file, snap, fakeActivations(snap.tokens.length, 4));
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toMatch(/same path/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a snapshot larger than the limit before writing anything', async () => {
    const snap = snapshotOf('a = 1\n'.repeat(50));
    const file = path.join(tmp, 'too-big.json');
    const w = await writeSnapshotAtomic(file, snap, undefined, { maxBytes: 1000 });
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toMatch(/more than the 1000 bytes/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('one writer at a time per snapshot path', { timeout: 60_000 }, () => {
  it('a second export to the same path waits until the first has renamed both files', async () => {
    const file = path.join(tmp, 'locked.json');
    const a = snapshotOf('first = 1\n');
    const b = snapshotOf('second = 2\n');
    let bStartedWhileAPaused = false;
    let aPaused = false;
    let writeB: Promise<unknown> | undefined;
    const writeA = writeSnapshotAtomic(file, a, fakeActivations(a.tokens.length, 8, 1), {
      onChunkWritten: async (target) => {
        if (writeB || !target.endsWith('.json')) return;
        aPaused = true;
        writeB = writeSnapshotAtomic(file, b, fakeActivations(b.tokens.length, 8, 2), {
          onChunkWritten: () => {
            if (aPaused) bStartedWhileAPaused = true;
          },
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        aPaused = false;
      },
    });
    expect((await writeA).ok).toBe(true);
    await writeB;
    expect(bStartedWhileAPaused).toBe(false);
    const back = await readSnapshot(file);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.document.text).toBe('second = 2\n');
    expect((await readSnapshotActivations(file, back.value)).ok).toBe(true);
  });

  it('concurrent exports to one path always leave a JSON and activations that belong together', async () => {
    const file = path.join(tmp, 'race.json');
    for (let round = 0; round < 10; round++) {
      const texts = ['left = 1\n'.repeat(40), 'right = 2\n'.repeat(30)];
      const snaps = texts.map((t) => snapshotOf(t));
      const results = await Promise.all(snaps.map((s, i) => writeSnapshotAtomic(file, s, fakeActivations(s.tokens.length, 64, i + 1), { chunkBytes: 1024 })));
      expect(results.every((r) => r.ok)).toBe(true);
      const back = await readSnapshot(file);
      if (!back.ok) throw new Error(back.error.message);
      const acts = await readSnapshotActivations(file, back.value);
      expect(acts.ok, `round ${round}: ${acts.ok ? '' : acts.error.message}`).toBe(true);
    }
  });
});

describe('temp files left by killed writers', () => {
  it('are removed by the next write to the folder; a live writer\'s are kept', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'stale-'));
    const dead = path.join(dir, '.old.json.4194999.0badc0de.tmp'); // above Linux's pid_max: never running
    const alive = path.join(dir, `.other.json.${process.ppid}.12345678.tmp`);
    const notOurs = path.join(dir, '.notes.tmp');
    for (const f of [dead, alive, notOurs]) fs.writeFileSync(f, 'x'.repeat(1000));
    await write(path.join(dir, 'snap.json'), snapshotOf('a = 1\n'));
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(alive)).toBe(true);
    expect(fs.existsSync(notOurs)).toBe(true);
  });
});

describe('the reader checks before reading', () => {
  it('refuses a file over the limit without reading it, naming the limit', async () => {
    const file = path.join(tmp, 'huge.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, MAX_SNAPSHOT_BYTES + 1);
    const r = await readSnapshot(file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/more than the 256\.0 MiB a snapshot may have/);
  });

  it('refuses a FIFO without waiting for a writer, and a folder', async () => {
    const fifo = path.join(tmp, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const r = await readSnapshot(fifo);
    expect(r.ok === false && r.error.message).toMatch(/not a regular file/);
    const d = await readSnapshot(tmp);
    expect(d.ok === false && d.error.message).toMatch(/is a folder/);
  }, 10_000);

  it('never quotes the content of a file that is not JSON', async () => {
    const file = path.join(tmp, 'passwd-like.json');
    fs.writeFileSync(file, 'root:x:0:0:secret-password:/root:/bin/bash\n');
    const r = await readSnapshot(file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/not valid JSON/);
      expect(r.error.message).not.toMatch(/root:x|password/);
    }
  });

  it('refuses an activations file over its limit', async () => {
    const snap = snapshotOf('a = 1\n');
    const file = path.join(tmp, 'acts-limit.json');
    await write(file, snap, fakeActivations(snap.tokens.length, 64));
    const back = await readSnapshot(file);
    if (!back.ok) throw new Error(back.error.message);
    const r = await readSnapshotActivations(file, back.value, 100);
    expect(r.ok === false && r.error.message).toMatch(/more than the 100 bytes/);
    expect(fs.statSync(activationsPathFor(file)).size).toBeGreaterThan(100);
  });
});

describe('parsing in slices', () => {
  it('gives what JSON.parse gives, for any JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()))), async (v) => {
        for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2)]) expect(await parseJsonInSlices(text, { sliceMs: 0 })).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
    const proto = await parseJsonInSlices('{"__proto__": {"polluted": 1}}');
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto as object)).toEqual(['__proto__']);
  });

  it.each(['{"a": [1, 2', '{"a": 1,}', '{"a" 1}', '{"a": [1 2]}', '{"a": "x} ', '{"a": {"b": ]}}', '{"a": 1} x', '{"a": [1, }'])('rejects %j like JSON.parse', async (text) => {
    expect(() => JSON.parse(text)).toThrow();
    await expect(parseJsonInSlices(text)).rejects.toThrow(/at character \d+|invalid value/);
  });

  it('lets the event loop run while it parses a large snapshot', async () => {
    const text = JSON.stringify(snapshotOf('def f(x):\n    return x + 1\n'.repeat(400)));
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const parsed = await parseJsonInSlices(text, { sliceMs: 0 });
    done = true;
    expect(parsed).toEqual(JSON.parse(text));
    expect(ticks).toBeGreaterThan(100);
  });
});

describe('where an export may go', () => {
  const input = path.join(tmp, 'input.py');
  fs.writeFileSync(input, 'print(1)\n');

  it.each([
    ['the input file itself', () => input, /is the input file/],
    ['a link to the input file', () => {
      const l = path.join(tmp, 'link-to-input.json');
      if (!fs.existsSync(l)) fs.symlinkSync(input, l);
      return l;
    }, /is the input file .*through a link/],
    ['a hard link to the input file', () => {
      const l = path.join(tmp, 'hard-link.json');
      if (!fs.existsSync(l)) fs.linkSync(input, l);
      return l;
    }, /is the input file/],
    ['a file that is not a snapshot', () => {
      const f = path.join(tmp, 'notes.json');
      fs.writeFileSync(f, '{"my": "notes"}');
      return f;
    }, /not an Activation Inspector snapshot/],
    ['a folder', () => tmp, /is a folder/],
    ['an empty path', () => '', /is empty/],
  ])('refuses %s', async (_name, target, message) => {
    const r = await checkSnapshotTargets(target(), { inputs: [input], flag: '--out' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  it('refuses the activations on the JSON path, and an activations path that is not an activations file', async () => {
    const same = await checkSnapshotTargets(path.join(tmp, 'x.safetensors'), { withActivations: true });
    expect(same.ok === false && same.error.message).toMatch(/ends in \.safetensors/);
    const upper = await checkSnapshotTargets(path.join(tmp, 'x.SafeTensors'), { withActivations: true });
    expect(upper.ok === false && upper.error.message).toMatch(/ends in \.safetensors/);
    fs.writeFileSync(path.join(tmp, 'y.safetensors'), 'weights');
    const other = await checkSnapshotTargets(path.join(tmp, 'y.json'), { withActivations: true });
    expect(other.ok === false && other.error.message).toMatch(/y\.safetensors .*not an Activation Inspector activations file/);
  });

  it('accepts a new path and a snapshot (with activations) this tool wrote', async () => {
    expect((await checkSnapshotTargets(path.join(tmp, 'new.json'), { inputs: [input], withActivations: true })).ok).toBe(true);
    const file = path.join(tmp, 'ours.json');
    const snap = snapshotOf('a = 1\n');
    await write(file, snap, fakeActivations(snap.tokens.length, 4));
    const r = await checkSnapshotTargets(file, { inputs: [input], withActivations: true });
    expect(r.ok && r.value).toEqual({ jsonPath: file, activationsPath: activationsPathFor(file) });
  });
});
