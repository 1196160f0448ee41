// `activation-inspector explain` as users run it: the token containing --offset, --json's documented
// shape (attribution values summing to the logit per group, attention rows over tokens 0..position),
// --target/--versus by id or text, the readable form, and one-line errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, testBundle } from './inference-helpers';
import { runCli, SAMPLE_PY } from './cli-run';

let cli = '';
let bundle = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-explain-'));
const sample = path.join(tmp, 'sample.py');
const TEXT = SAMPLE_PY.repeat(12);

const run = (...args: string[]) => runCli(cli, args);

interface Json {
  position: number;
  token: { id: number; text: string; start: number; end: number };
  target: { id: number; text: string };
  versus: { id: number; text: string } | null;
  logit: number;
  lens: { hook: string; topk: { id: number; text: string; prob: number }[]; targetProb: number; targetRank: number }[];
  attention: { layer: number; head: number; weights: number[] }[];
  attribution: { group: string; kind: string; value: number }[];
}

beforeAll(async () => {
  cli = await buildCli();
  bundle = testBundle();
  fs.writeFileSync(sample, TEXT);
});
afterAll(() => {
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('explain', () => {
  const offset = TEXT.length - 20; // late in a document longer than the test model's context
  let json: Json;

  it('--json prints one object whose attribution groups each add up to the logit', () => {
    const r = run('explain', sample, '--offset', String(offset), '--model', bundle, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    json = JSON.parse(r.out) as Json;
    expect(json.token.start).toBeLessThanOrEqual(offset);
    expect(json.token.end).toBeGreaterThan(offset);
    expect(TEXT.slice(json.token.start, json.token.end)).toBe(json.token.text);
    expect(json.versus).toBeNull();
    const sums = new Map<string, number>();
    for (const t of json.attribution) sums.set(t.group, (sums.get(t.group) ?? 0) + t.value);
    expect(sums.size).toBeGreaterThan(1);
    for (const s of sums.values()) expect(Math.abs(s - json.logit)).toBeLessThanOrEqual(1e-3);
    expect(json.lens.map((l) => l.hook)).toEqual(['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.1.hook_resid_post']);
    expect(json.attention).toHaveLength(8);
    for (const a of json.attention) {
      expect(a.weights).toHaveLength(json.position + 1);
      expect(Math.abs(a.weights.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-6);
      expect(a.weights[0]).toBe(0); // outside the model's window for this position
    }
  });

  it('--target and --versus take an id or a token\'s text', () => {
    const rival = json.lens[2].topk.find((t) => t.id !== json.target.id)!;
    const byId = JSON.parse(run('explain', sample, '--offset', String(offset), '--model', bundle, '--json', '--versus', String(rival.id)).out) as Json;
    const byText = JSON.parse(run('explain', sample, '--offset', String(offset), '--model', bundle, '--json', '--target', json.target.text, '--versus', rival.text).out) as Json;
    for (const e of [byId, byText]) {
      expect(e.versus).toEqual({ id: rival.id, text: rival.text });
      expect(Math.abs(e.logit - Math.log(json.lens[2].targetProb / rival.prob))).toBeLessThan(1e-3);
    }
  });

  it('prints a readable explanation by default', () => {
    const r = run('explain', sample, '--offset', '30', '--model', bundle);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^token #\d+ /);
    expect(r.out).toMatch(/logit lens/);
    expect(r.out).toMatch(/L1H3 /);
    expect(r.out).toMatch(/direct logit attribution of logit\(.*\) = -?\d/);
  });

  it.each([
    [['--model', 'MODEL'], /needs --offset/],
    [['--offset', '999999', '--model', 'MODEL'], /--offset must be an integer/],
    [['--offset', '3', '--target', '99999999', '--model', 'MODEL'], /token ids are 0\.\./],
    [['--offset', '3', '--target', 'no such token at all', '--model', 'MODEL'], /is not one token of this model's vocabulary/],
  ])('refuses %j with one line', (args, pattern) => {
    const r = run('explain', sample, ...args.map((a) => (a === 'MODEL' ? bundle : a)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(pattern);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
