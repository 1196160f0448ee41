// `activation-inspector analyze --edit` and `continue` as users run them: tables, snapshots that record
// their edits, JSON continuations, and one-line refusals naming what is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSnapshot } from '../../src/engine';
import { buildCli, testBundle } from './inference-helpers';
import { runCli, SAMPLE_PY } from './cli-run';

let cli = '';
let bundle = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-edit-'));
const sample = path.join(tmp, 'sample.py');
const HOOK = 'blocks.0.hook_resid_post';

const run = (...args: string[]) => runCli(cli, args);

beforeAll(async () => {
  cli = await buildCli();
  bundle = testBundle();
  fs.writeFileSync(sample, SAMPLE_PY.repeat(4));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('analyze --edit', () => {
  it('prints edited and unedited probabilities under a header naming the edits', () => {
    const r = run('analyze', sample, '--model', bundle, '--edit', `${HOOK}:5=7`, '--edit', `${HOOK}:splice@10-40`);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^EDITED \\(${HOOK}:5=7, ${HOOK}:splice@10-40\\): total change -?\\d`));
    expect(lines[1]).toMatch(/p edited.*p orig.*Δ bits.*top predictions \(edited\)/);
    expect(lines.length).toBeGreaterThan(40);
  });

  it('writes a snapshot with the edits in its provenance and each token\'s logprobOriginal', async () => {
    const out = path.join(tmp, 'edited.json');
    const r = run('analyze', sample, '--model', bundle, '--edit', `${HOOK}:5=0@0-20`, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const snap = await readSnapshot(out);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.value.provenance.edits).toEqual([{ hook: HOOK, feature: 5, op: 'ablate', range: { start: 0, end: 20 } }]);
    expect(snap.value.tokens.every((t) => 'logprobOriginal' in t)).toBe(true);
    const plainOut = path.join(tmp, 'plain.json');
    expect(run('analyze', sample, '--model', bundle, '--out', plainOut).code).toBe(0);
    const plain = JSON.parse(fs.readFileSync(plainOut, 'utf8'));
    expect(plain.provenance.edits).toBeUndefined();
    expect(plain.tokens.some((t: object) => 'logprobOriginal' in t)).toBe(false);
    // The plain snapshot's log-probs are the edited one's originals.
    const edited = JSON.parse(fs.readFileSync(out, 'utf8'));
    edited.tokens.forEach((t: { logprobOriginal: number | null }, i: number) => expect(t.logprobOriginal).toBe(plain.tokens[i].logprob));
  });

  it.each([
    [[`${HOOK}:5`], /--edit: bad edit .*no =SPEC/],
    [[`${HOOK}:99999=0`], /feature 99999 is out of range/],
    [['blocks.0.hook_resid_mid:1=0'], /hook "blocks.0.hook_resid_mid" has no dictionary/],
    [[`${HOOK}:1=0@5-100000`], /past the end of the text/],
  ])('refuses %s', (edits, why) => {
    const r = run('analyze', sample, '--model', bundle, ...edits.flatMap((e) => ['--edit', e]));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(why);
  });
});

describe('continue', () => {
  it('prints a greedy continuation, and as JSON a sampled one with edits that is the same for the same seed', () => {
    const r = run('continue', sample, '--model', bundle, '--offset', '30', '--tokens', '6');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^continuation of 6 tokens from offset 30 \(greedy\)/);
    const json = (seed: string) => {
      const j = run('continue', sample, '--model', bundle, '--offset', '30', '--tokens', '6', '--temperature', '0.9', '--seed', seed, '--edit', `${HOOK}:5=3`, '--json');
      expect(j.code).toBe(0);
      return JSON.parse(j.out);
    };
    const a = json('4');
    expect(a.edited).toBe(true);
    expect(a.edits).toEqual([`${HOOK}:5=3`]);
    expect(a.tokens).toHaveLength(6);
    for (const t of a.tokens) expect(t.prob).toBeGreaterThan(0);
    expect(json('4').tokens).toEqual(a.tokens);
    expect(fs.readFileSync(sample, 'utf8')).toMatch(/^def add/);
  });

  it('refuses a bad temperature and an offset past the end', () => {
    expect(run('continue', sample, '--model', bundle, '--temperature', 'hot').err).toMatch(/--temperature must be a number/);
    expect(run('continue', sample, '--model', bundle, '--offset', '999999').err).toMatch(/--offset must be an integer/);
  });
});
