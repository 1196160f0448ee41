// Snapshot writers in separate processes, as two CLI runs or the CLI and the editor are: concurrent
// exports to one path never leave a JSON paired with the other export's activations, and a writer killed
// while holding the lock and a half-written temp file leaves neither behind for long.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, readSnapshot, readSnapshotActivations, writeSnapshotAtomic, type Snapshot } from '../../src/engine/snapshot';
import { fakeActivations, fakeResult, PROVENANCE } from './snapshot-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-snap-procs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let writer = '';

function snapshotOf(text: string): Snapshot {
  const r = buildSnapshot({ result: fakeResult(text), provenance: PROVENANCE, document: { path: null, languageId: 'python', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Starts a writer process; resolves with what it printed once it exits or says HALF (then it waits to be killed). */
function startWriter(target: string, snapshotFile: string, fill: number, pauseHalfway: boolean) {
  const child = spawn(process.execPath, [writer, target, snapshotFile, String(fill), pauseHalfway ? 'pause' : 'run'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes('HALF')) resolve('HALF');
    });
    child.on('exit', () => resolve(out.trim()));
  });
  return { child, said };
}

beforeAll(async () => {
  const bundled = path.join(tmp, 'snapshot.cjs');
  await esbuild({ entryPoints: [path.resolve(__dirname, '../../src/engine/snapshot/index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundled, logLevel: 'silent' });
  writer = path.join(tmp, 'writer.cjs');
  fs.writeFileSync(
    writer,
    `const fs = require('fs');
const { writeSnapshotAtomic } = require(${JSON.stringify(bundled)});
const [target, snapshotFile, fill, mode] = process.argv.slice(2);
const snap = JSON.parse(fs.readFileSync(snapshotFile, 'utf8'));
const n = snap.tokens.length, d = 512, data = new Float32Array(n * d).fill(Number(fill));
let said = false;
writeSnapshotAtomic(target, snap, { h: { shape: [n, d], data } }, {
  chunkBytes: 8192,
  onChunkWritten: async (file, written, total) => {
    if (mode === 'pause' && !said && file.endsWith('.json') && written >= total / 2) {
      said = true;
      process.stdout.write('HALF\\n');
      await new Promise(() => setInterval(() => {}, 1000)); // hold the lock and the temp file until killed
    }
  },
}).then((r) => process.stdout.write(r.ok ? 'DONE\\n' : 'FAILED ' + r.error.message + '\\n'));
`,
  );
});

describe('snapshot writers in separate processes', { timeout: 120_000 }, () => {
  it('two processes exporting to one path at once: every round leaves a JSON and activations that belong together', async () => {
    const target = path.join(tmp, 'shared.json');
    const inputs = ['left = 1\n'.repeat(60), 'right = 2\n'.repeat(45)].map((text, i) => {
      const f = path.join(tmp, `input-${i}.json`);
      fs.writeFileSync(f, JSON.stringify(snapshotOf(text)));
      return f;
    });
    for (let round = 0; round < 12; round++) {
      const writers = inputs.map((f, i) => startWriter(target, f, i + 1, false));
      expect(await Promise.all(writers.map((w) => w.said))).toEqual(['DONE', 'DONE']);
      const back = await readSnapshot(target);
      if (!back.ok) throw new Error(back.error.message);
      const acts = await readSnapshotActivations(target, back.value);
      expect(acts.ok, `round ${round}: ${acts.ok ? '' : acts.error.message}`).toBe(true);
    }
  });

  it('after a writer is killed holding the lock, the next export succeeds and removes its temp file and lock', async () => {
    const target = path.join(tmp, 'killed.json');
    const input = path.join(tmp, 'input-killed.json');
    fs.writeFileSync(input, JSON.stringify(snapshotOf('x = [' + '1, '.repeat(2000) + ']\n')));
    const w = startWriter(target, input, 7, true);
    expect(await w.said).toBe('HALF');
    const leftovers = () => fs.readdirSync(tmp).filter((f) => f.startsWith('.killed.') || f === 'killed.json.lock');
    expect(leftovers()).toContain('killed.json.lock');
    expect(leftovers().some((f) => f.endsWith('.tmp'))).toBe(true);
    w.child.kill('SIGKILL');
    await new Promise((resolve) => w.child.on('exit', resolve));
    const snap = snapshotOf('y = 2\n');
    const r = await writeSnapshotAtomic(target, snap, fakeActivations(snap.tokens.length, 4)); // waits out the stale lock
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    expect(leftovers()).toEqual([]);
    const back = await readSnapshot(target);
    expect(back.ok && back.value.document.text).toBe('y = 2\n');
  });
});
