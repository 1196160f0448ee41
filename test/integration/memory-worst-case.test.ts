// Memory at the default document limit: its worst case (one token a byte) analysed and exported with
// activations, the costliest thing the CLI does, peaks under 2 GB for the whole process, inference worker
// included (docs/cli.md, "Limits", has the figure for each mode). Slow: one run of 100,000 tokens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/engine/snapshot';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../src/shared/limits';
import { buildCli, realBundle } from './inference-helpers';
import { MEMORY_BOUND_BYTES, measuredRun } from './measured-run';
import { MOST_TOKENS, WORST_CASE_DOCUMENTS } from './worst-case-documents';

const bundle = realBundle();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-memory-'));
let cli = '';
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!bundle)('memory at the default document limit', () => {
  it(`analyze --out --include-activations of ${DEFAULT_MAX_DOCUMENT_BYTES} bytes of ${MOST_TOKENS} peaks under 2 GB`, async () => {
    const doc = WORST_CASE_DOCUMENTS[MOST_TOKENS];
    const input = path.join(tmp, `worst${doc.ext}`);
    const text = doc.make(DEFAULT_MAX_DOCUMENT_BYTES);
    fs.writeFileSync(input, text);
    expect(fs.statSync(input).size).toBe(DEFAULT_MAX_DOCUMENT_BYTES);
    const out = path.join(tmp, 'worst.json');
    const r = measuredRun(cli, ['analyze', input, '--model', bundle!, '--out', out, '--include-activations'], 600_000);
    expect(r.code, r.err).toBe(0);
    console.log(`worst case: ${r.out.trim()}; peak ${(r.maxRss! / 2 ** 20).toFixed(0)} MiB`);
    expect(r.maxRss).not.toBeNull();
    expect(r.maxRss!).toBeLessThan(MEMORY_BOUND_BYTES);
    // One token a byte really was reached, and the files are whole.
    const snap = await readSnapshot(out);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.value.tokens.length).toBeGreaterThanOrEqual(DEFAULT_MAX_DOCUMENT_BYTES * 0.99);
    expect(fs.statSync(path.join(tmp, 'worst.safetensors')).size).toBeGreaterThan(snap.value.tokens.length * 4);
    expect(fs.readFileSync(input, 'utf8')).toBe(text);
  }, 900_000);
});
