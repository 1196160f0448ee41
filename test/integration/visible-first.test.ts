// Visible-first analysis: with a priority range, the windows covering it run first and their tokens
// arrive as a partial result before the whole one; the partial tokens equal the whole result's, the
// whole result equals a plain analysis, and a run superseded after its partial leaves a cache the next
// run completes correctly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Engine, type AnalysisOptions, type PartialAnalysis } from '../../src/engine';
import { buildWorker, compareTokens, SAMPLE, testBundle } from './inference-helpers';

const OPTS: AnalysisOptions = { topK: 5, featuresPerToken: 4, hooks: [] };
let workerPath = '';
let engine: Engine;

beforeAll(async () => {
  workerPath = await buildWorker();
  const r = await Engine.open(testBundle(), { workerPath, chunkTokens: 16 });
  if (!r.ok) throw new Error(r.error.message);
  engine = r.value;
});
afterAll(async () => {
  await engine?.dispose();
  fs.rmSync(workerPath, { force: true });
});

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('visible-first analysis', () => {
  const text = SAMPLE.repeat(2); // many 64-token windows
  const at = Math.floor(text.length * 0.7);
  const range = { start: at, end: at + 400 };

  it('delivers the priority range first, with the same tokens as the whole result, which equals a plain analysis', async () => {
    const plain = ok(await engine.analyze('plain', text, OPTS));
    const partials: PartialAnalysis[] = [];
    const fractionsAtPartial: number[] = [];
    const whole = ok(
      await engine.analyze('prio', text, { ...OPTS, priorityRange: range }, undefined, (p) => {
        if (p.partial) {
          partials.push(p.partial);
          fractionsAtPartial.push(p.total ? p.done / p.total : 0);
        }
      }),
    );
    expect(compareTokens(whole.tokens, plain.tokens)).toBeLessThan(1e-5);
    expect(partials).toHaveLength(1);
    const part = partials[0];
    expect(part.partial).toBe(true);
    expect(part.textSha256).toBe(plain.textSha256);
    expect(part.totalTokens).toBe(plain.tokens.length);
    // It covers the range (all but perhaps its first token, whose log-prob comes from the window before).
    const first = part.tokens[0];
    const last = part.tokens[part.tokens.length - 1];
    expect(first.start).toBeLessThanOrEqual(range.start + 40);
    expect(last.end).toBeGreaterThanOrEqual(range.end);
    expect(compareTokens(part.tokens, plain.tokens.slice(part.firstToken, part.firstToken + part.tokens.length))).toBeLessThan(1e-5);
    // It came early: far from the end of the work.
    expect(fractionsAtPartial[0]).toBeLessThan(0.5);
  });

  it('a run superseded after its partial leaves a cache from which the next run completes exactly', async () => {
    const plain = ok(await engine.analyze('plain', text, OPTS));
    const controller = new AbortController();
    const first = engine.analyze('resume', text, { ...OPTS, priorityRange: range }, controller.signal, (p) => {
      if (p.partial) controller.abort();
    });
    expect((await first).ok).toBe(false);
    const other = { start: Math.floor(text.length * 0.2), end: Math.floor(text.length * 0.2) + 100 };
    const second = ok(await engine.analyze('resume', text, { ...OPTS, priorityRange: other }));
    expect(compareTokens(second.tokens, plain.tokens)).toBeLessThan(1e-5);
    // And once more after an edit near the end: incremental on top of a visible-first run.
    const edited = text.slice(0, text.length - 50) + '// changed\n' + text.slice(text.length - 50);
    const inc = ok(await engine.analyze('resume', edited, { ...OPTS, priorityRange: range }));
    const full = ok(await engine.analyze('plain-edited', edited, OPTS));
    expect(compareTokens(inc.tokens, full.tokens)).toBeLessThan(1e-5);
  });

  it('refuses a malformed priority range', async () => {
    const r = await engine.analyze('bad', text, { ...OPTS, priorityRange: { start: 10, end: 2 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('bad-input');
  });
});
