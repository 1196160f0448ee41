// An interrupted export leaves the previous snapshot (JSON and activations) intact: a writer that fails
// halfway in this process, and a child process killed with SIGKILL in the middle of writing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, readSnapshot, readSnapshotActivations, writeSnapshotAtomic, type Snapshot } from '../../src/engine/snapshot';
import { fakeActivations, fakeResult, PROVENANCE } from './snapshot-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-atomic-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function snapshotOf(text: string): Snapshot {
  const r = buildSnapshot({ result: fakeResult(text), provenance: PROVENANCE, document: { path: null, languageId: 'plaintext', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function expectIntact(file: string, text: string, acts: ReturnType<typeof fakeActivations>) {
  const back = await readSnapshot(file);
  if (!back.ok) throw new Error(back.error.message);
  expect(back.value.document.text).toBe(text);
  const a = await readSnapshotActivations(file, back.value);
  if (!a.ok) throw new Error(a.error.message);
  for (const [h, t] of Object.entries(acts)) expect(Array.from(a.value[h].data.subarray(0, 64))).toEqual(Array.from(t.data.subarray(0, 64)));
}

const OLD_TEXT = 'old = "previous export"\n';
const NEW_TEXT = 'new = [' + '1, '.repeat(3000) + ']\n';

describe('interrupted snapshot export', { timeout: 120_000 }, () => {
  it.each(['activations', 'json'])('a write that fails halfway through the %s file leaves the previous pair intact and no temp file', async (which) => {
    const file = path.join(tmp, `fail-${which}.json`);
    const oldSnap = snapshotOf(OLD_TEXT);
    const oldActs = fakeActivations(oldSnap.tokens.length, 8, 1);
    expect((await writeSnapshotAtomic(file, oldSnap, oldActs)).ok).toBe(true);
    const newSnap = snapshotOf(NEW_TEXT);
    const r = await writeSnapshotAtomic(file, newSnap, fakeActivations(newSnap.tokens.length, 64, 2), {
      chunkBytes: 4096,
      onChunkWritten: (target, written, total) => {
        if (target.endsWith(which === 'json' ? '.json' : '.safetensors') && written >= total / 2) throw new Error('simulated crash');
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('simulated crash');
    await expectIntact(file, OLD_TEXT, oldActs);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith(`.fail-${which}`))).toEqual([]);
  });

  describe('a child process killed mid-write', () => {
    let bundled: string;
    beforeAll(async () => {
      bundled = path.join(tmp, 'snapshot.cjs');
      await esbuild({ entryPoints: [path.resolve(__dirname, '../../src/engine/snapshot/index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundled, logLevel: 'silent' });
    });

    it.each(['activations', 'json'])('SIGKILL halfway through the %s file leaves the previous pair readable', async (which) => {
      const file = path.join(tmp, `killed-${which}.json`);
      const oldSnap = snapshotOf(OLD_TEXT);
      const oldActs = fakeActivations(oldSnap.tokens.length, 8, 1);
      expect((await writeSnapshotAtomic(file, oldSnap, oldActs)).ok).toBe(true);
      const newSnap = snapshotOf(NEW_TEXT);
      const input = path.join(tmp, `input-${which}.json`);
      fs.writeFileSync(input, JSON.stringify(newSnap));
      const script = path.join(tmp, `writer-${which}.cjs`);
      fs.writeFileSync(
        script,
        `const fs = require('fs');
const { writeSnapshotAtomic } = require(${JSON.stringify(bundled)});
const snap = JSON.parse(fs.readFileSync(${JSON.stringify(input)}, 'utf8'));
const n = snap.tokens.length, d = 256, data = new Float32Array(n * d).fill(7);
let said = false;
writeSnapshotAtomic(${JSON.stringify(file)}, snap, { h: { shape: [n, d], data } }, {
  chunkBytes: 4096,
  onChunkWritten: async (target, written, total) => {
    if (!said && target.endsWith(${JSON.stringify(which === 'json' ? '.json' : '.safetensors')}) && written >= total / 2) {
      said = true;
      process.stdout.write('HALF\\n');
      await new Promise(() => setInterval(() => {}, 1000)); // hold the write open until killed (an empty event loop would exit)
    }
  },
}).then(() => process.stdout.write('DONE\\n'));
`,
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const said = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (b) => {
          out += b;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', () => resolve(out.trim() || 'exited'));
      });
      expect(said).toBe('HALF');
      // A temp file with part of the new export exists right now.
      expect(fs.readdirSync(tmp).some((f) => f.startsWith(`.killed-${which}`) && f.endsWith('.tmp'))).toBe(true);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      await expectIntact(file, OLD_TEXT, oldActs);
    });
  });
});
