// `activation-inspector` as users run it: real process, real bundle folder, exit codes and output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSnapshot, readSnapshotActivations } from '../../src/engine';
import { DENSE_FEATURE } from '../../src/shared/featureDensity';
import { shortHook } from '../../src/shared/present';
import { buildCli, realBundle, testBundle } from './inference-helpers';
import { runCli, SAMPLE_PY } from './cli-run';

let cli = '';
let bundle = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-test-'));
const sample = path.join(tmp, 'sample.py');

const run = (...args: string[]) => runCli(cli, args);

// One table entry: #index, the quoted label with its score when the bundle has one (`"label" (score 0.62)`
// or `unclear (score 0.21) — best guess: "label"`), the tags, the activation.
const LABEL = String.raw`(?:unclear \(score \d\.\d\d\) — best guess: )?"(?:[^"\\]|\\.)*"(?: \(score \d\.\d\d\))?`;
const HIT = new RegExp(String.raw`#(\d+) ${LABEL}( \[dense (\d+)%\])?( \[positional\])? -?\d+\.\d+`, 'g');

beforeAll(async () => {
  cli = await buildCli();
  bundle = testBundle();
  fs.writeFileSync(sample, SAMPLE_PY.repeat(8));
});

afterAll(() => {
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('analyze', () => {
  it('prints a per-token table', () => {
    const r = run('analyze', sample, '--model', bundle, '--top-k', '3', '--features', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/token.*p.*rank.*top predictions.*features/);
    expect(lines.length).toBeGreaterThan(50);
    expect(lines[2]).toContain(`${shortHook('blocks.0.hook_resid_post')}: #`);
  });

  it('on the default bundle, labels the features and tags the dense ones with their density', () => {
    const real = realBundle()!;
    // By raw activation, so dense features come up (the default order lists them after the others).
    const r = run('analyze', sample, '--model', real, '--features', '3', '--order', 'activation');
    expect(r.code).toBe(0);
    const density = (hook: string) =>
      (JSON.parse(fs.readFileSync(path.join(real, 'cards', hook, 'labels.json'), 'utf8')) as { density: number[] }).density;
    const hooks = ['blocks.0.hook_resid_post', 'blocks.1.hook_resid_post', 'blocks.0.mlp.hook_post'];
    const byShortHook: Record<string, number[]> = Object.fromEntries(hooks.map((h) => [shortHook(h), density(h)]));
    let dense = 0;
    let sparse = 0;
    for (const line of r.out.trim().split('\n').slice(1)) {
      for (const part of line.split(' | ')) {
        const hook = Object.keys(byShortHook).find((h) => part.includes(`${h}: `));
        if (!hook) continue;
        // Each hit: #index "label" (score S)? [dense N%]? [positional]? activation
        for (const m of part.matchAll(HIT)) {
          const d = byShortHook[hook]![Number(m[1])]!;
          if (d >= DENSE_FEATURE) {
            expect(m[3], `${hook} #${m[1]}`).toBe(String(Math.round(d * 100)));
            dense++;
          } else {
            expect(m[2], `${hook} #${m[1]}`).toBeUndefined();
            sparse++;
          }
        }
      }
    }
    expect(dense).toBeGreaterThan(0);
    expect(sparse).toBeGreaterThan(0);
  });

  it('by default lists dense and positional features after the others, and refuses an unknown --order', () => {
    const real = realBundle()!;
    const r = run('analyze', sample, '--model', real, '--features', '8');
    expect(r.code).toBe(0);
    for (const line of r.out.trim().split('\n').slice(1)) {
      for (const part of line.split(' | ')) {
        // Dense or positional (ranked after the others), by the tags.
        const tags = [...part.matchAll(HIT)].map((m) => m[2] !== undefined || m[4] !== undefined);
        expect(tags, part).toEqual([...tags].sort((a, b) => Number(a) - Number(b)));
      }
    }
    const bad = run('analyze', sample, '--model', real, '--order', 'random');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--order must be unusual or activation/);
  });

  it('writes a snapshot (and activations) that the snapshot reader accepts', async () => {
    const out = path.join(tmp, 'snap.json');
    const r = run('analyze', sample, '--model', bundle, '--out', out, '--include-activations', '--hooks', 'blocks.1.hook_resid_pre');
    expect(r.code).toBe(0);
    const snap = await readSnapshot(out);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.value.hooks).toEqual(['blocks.1.hook_resid_pre']);
    expect(snap.value.tokens.length).toBeGreaterThan(50);
    expect(snap.value.provenance.model.id).toBe('test-gpt2');
    const acts = await readSnapshotActivations(out, snap.value);
    if (!acts.ok) throw new Error(acts.error.message);
    expect(acts.value['blocks.1.hook_resid_pre'].shape).toEqual([snap.value.tokens.length, 64]);
  });

  it('--sae attaches a SAELens folder at its hook', () => {
    const r = run('analyze', sample, '--model', bundle, '--sae', `${bundle}-extra-sae`, '--hooks', 'blocks.1.hook_resid_pre', '--features', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${shortHook('blocks.1.hook_resid_pre')}: #`);
  });

  it.each([
    [['analyze', '/no/such/file.py'], /does not exist/],
    [['analyze', 'BINARY'], /binary/],
    [['analyze', process.execPath], /more than the limit of 100,000/],
    [['analyze', 'SAMPLE', '--model', os.tmpdir()], /manifest/],
    [['analyze', 'SAMPLE', '--top-k', '0'], /--top-k/],
    [['analyze', 'SAMPLE', '--hooks', 'blocks.7.nope'], /no dictionary/],
    [['analyze', 'SAMPLE', '--sae', '/no/such/sae'], /sae/],
    [['analyze', 'SAMPLE', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command/],
    [['eval'], /at least one FILE/],
  ])('bad input %j exits non-zero with one line', (args, msg) => {
    const binary = path.join(tmp, 'small.bin');
    fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    const a = (args as string[]).map((x) => (x === 'SAMPLE' ? sample : x === 'BINARY' ? binary : x));
    if (!a.includes('--model') && a[0] !== 'frobnicate' && a.length > 1) a.push('--model', bundle);
    const r = run(...a);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(msg as RegExp);
  });
});

describe('eval', () => {
  it('prints bits per byte, top-1 accuracy, and per-dictionary explained variance and L0', () => {
    const r = run('eval', sample, sample, '--model', bundle);
    expect(r.code).toBe(0);
    const v = Object.fromEntries(r.out.trim().split('\n').map((l) => l.split(': ')));
    expect(Number(v.files)).toBe(2);
    expect(Number(v.bits_per_byte)).toBeGreaterThan(0);
    expect(Number(v.top1_accuracy)).toBeGreaterThanOrEqual(0);
    expect(Number(v['l0.blocks.1.hook_resid_pre'])).toBeLessThanOrEqual(16); // topk k = 16
    expect(Number(v['explained_variance.blocks.0.hook_resid_post'])).toBeLessThanOrEqual(1);
  });
});
