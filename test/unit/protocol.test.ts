import { describe, expect, it } from 'vitest';
import {
  parseFromWebview,
  parseToWebview,
  tokenWindow,
  toCompactToken,
  type SelectionMessage,
  type ToWebviewMessage,
} from '../../src/protocol';
import { rankBucket } from '../../src/shared/heatmapScale';
import { validFromWebview, validToWebview } from './protocolSamples';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('protocol validation', () => {
  it('accepts every valid host->panel message, after a JSON round trip too', () => {
    for (const m of validToWebview) {
      expect(parseToWebview(m), m.type).toMatchObject({ ok: true });
      expect(parseToWebview(clone(m)), m.type).toMatchObject({ ok: true });
    }
  });

  it('accepts every valid panel->host message', () => {
    for (const m of validFromWebview) expect(parseFromWebview(clone(m)), m.type).toMatchObject({ ok: true });
  });

  it('keeps the two directions apart', () => {
    for (const m of validToWebview) expect(parseFromWebview(m).ok).toBe(false);
    for (const m of validFromWebview) expect(parseToWebview(m).ok).toBe(false);
  });

  it('names the offending field in the reason', () => {
    const sel = clone(validToWebview.find((m) => m.type === 'selection')!) as SelectionMessage;
    (sel.token.topk[1] as { prob: unknown }).prob = 'high';
    const r = parseToWebview(sel);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('selection.token.topk[1].prob'), requestId: null });
  });

  it('rejects extra fields, missing fields and non-finite numbers', () => {
    expect(parseFromWebview({ type: 'selectToken', index: 1, extra: 1 }).ok).toBe(false);
    expect(parseFromWebview({ type: 'selectToken' }).ok).toBe(false);
    expect(parseFromWebview({ type: 'selectToken', index: Number.NaN }).ok).toBe(false);
    expect(parseFromWebview({ type: 'selectToken', index: -1 }).ok).toBe(false);
    expect(parseFromWebview({ type: 'selectToken', index: 1.5 }).ok).toBe(false);
  });

  it('enforces cross-field rules: token ranges, windows, card xor error', () => {
    const analysis = clone(validToWebview.find((m) => m.type === 'analysis')!);
    expect(parseToWebview({ ...analysis, tokenCount: 2 }).ok).toBe(false);
    const badRange = clone(analysis);
    badRange.tokens[1]!.end = 2;
    expect(parseToWebview(badRange).ok).toBe(false);
    const card = clone(validToWebview.find((m) => m.type === 'card')!);
    expect(parseToWebview({ ...card, error: 'also an error' }).ok).toBe(false);
    expect(parseToWebview({ ...card, card: null }).ok).toBe(false);
  });

  it('a selection\'s labels and densities line up with its features; densities are fractions or null', () => {
    const selection = clone(validToWebview.find((m) => m.type === 'selection')!);
    const hook = Object.keys(selection.token.features)[0]!;
    const withDensities = (d: unknown) => ({ ...selection, featureDensities: { [hook]: d } });
    expect(parseToWebview(withDensities([null])).ok).toBe(true);
    expect(parseToWebview(withDensities([0.5, 0.1]))).toMatchObject({ ok: false, reason: expect.stringContaining('featureDensities') });
    expect(parseToWebview(withDensities([1.5])).ok).toBe(false);
    expect(parseToWebview(withDensities([-0.1])).ok).toBe(false);
    expect(parseToWebview({ ...selection, featureDensities: {} })).toMatchObject({ ok: false, reason: expect.stringContaining('featureDensities hooks') });
    const { featureDensities: _, ...without } = selection;
    expect(parseToWebview(without).ok).toBe(false);
    expect(parseToWebview({ ...selection, featureLabels: { [hook]: [] } })).toMatchObject({ ok: false, reason: expect.stringContaining('featureLabels') });
  });

  it("accepts scored-label cards and older cards alike, and checks every new card field's type and bounds", () => {
    const scored = clone(validToWebview.find((m) => m.type === 'card' && m.requestId === 'c4')!) as Extract<ToWebviewMessage, { type: 'card' }>;
    expect(parseToWebview(scored)).toMatchObject({ ok: true });
    const older = clone(validToWebview.find((m) => m.type === 'card' && m.requestId === 'c1')!);
    expect(parseToWebview(older)).toMatchObject({ ok: true });
    const withCard = (patch: Record<string, unknown>) => ({ ...scored, card: { ...scored.card, ...patch } });
    const quantile = scored.card!.quantiles![0]!;
    const bad: [string, Record<string, unknown>][] = [
      ['label_score', { label_score: 1.5 }],
      ['label_score', { label_score: Number.NaN }],
      ['label_precision', { label_precision: -0.1 }],
      ['label_recall', { label_recall: '0.5' }],
      ['label_kind', { label_kind: 3 }],
      ['label_kind', { label_kind: 'k'.repeat(201) }],
      ['positional', { positional: 'yes' }],
      ['position_peak', { position_peak: { from: 0, to: 32 } }],
      ['position_peak', { position_peak: { from: 0, to: 32, share: 2 } }],
      ['before it starts', { position_peak: { from: 40, to: 32, share: 0.5 } }],
      ['typical_activation', { typical_activation: Number.POSITIVE_INFINITY }],
      ['quantiles', { quantiles: {} }],
      ['quantiles', { quantiles: Array.from({ length: 17 }, () => quantile) }],
      ['quantiles[0].contexts', { quantiles: [{ ...quantile, contexts: Array.from({ length: 33 }, () => quantile.contexts[0]) }] }],
      ['quantiles[0].share', { quantiles: [{ ...quantile, share: 1.2 }] }],
      ['before it starts', { quantiles: [{ ...quantile, from: 3, to: 1 }] }],
      ['outside its tokens', { quantiles: [{ ...quantile, contexts: [{ tokens: ['a'], index: 1, activation: 1 }] }] }],
      ['unexpected field', { quantiles: [{ ...quantile, extra: 1 }] }],
      ['outside its tokens', { top_contexts: [{ tokens: ['a', 'b'], index: 2, activation: 1 }] }],
      ['logit_path', { logit_path: null }],
      ['logit_note', { logit_note: 'n'.repeat(2001) }],
    ];
    for (const [where, patch] of bad) expect(parseToWebview(withCard(patch)), JSON.stringify(patch).slice(0, 80)).toMatchObject({ ok: false, reason: expect.stringContaining(where) });
    expect(parseToWebview({ ...scored, labelReadable: 'yes' })).toMatchObject({ ok: false, reason: expect.stringContaining('labelReadable') });
    const { labelReadable: _, ...unknownReadability } = scored;
    expect(parseToWebview(unknownReadability).ok).toBe(true);
  });

  it('a selection\'s positional flags, label scores and readability line up with its features', () => {
    const selection = clone(validToWebview.find((m) => m.type === 'selection' && m.featureScores !== undefined)!) as SelectionMessage;
    const hook = Object.keys(selection.token.features)[0]!;
    expect(parseToWebview(selection).ok).toBe(true);
    expect(parseToWebview({ ...selection, featureScores: { [hook]: [0.5] } })).toMatchObject({ ok: false, reason: expect.stringContaining('featureScores') });
    expect(parseToWebview({ ...selection, featureScores: { [hook]: [1.5, null] } }).ok).toBe(false);
    expect(parseToWebview({ ...selection, featurePositional: { [hook]: [true, null] } }).ok).toBe(false);
    expect(parseToWebview({ ...selection, featureReadable: { other: [true, false] } }).ok).toBe(false);
  });

  it('reports the requestId of a malformed reply so its waiter can be failed', () => {
    const r = parseToWebview({ type: 'card', requestId: 'c9', hook: 3 });
    expect(r).toMatchObject({ ok: false, requestId: 'c9' });
  });

  it('rejects oversized payloads', () => {
    const analysis = clone(validToWebview.find((m) => m.type === 'analysis')!);
    const many = Array.from({ length: 20_001 }, (_, i) => ({ text: 'x', start: i, end: i + 1, logprob: -1, rank: 1, entropy: 1 }));
    expect(parseToWebview({ ...analysis, tokens: many, tokenCount: many.length }).ok).toBe(false);
    expect(parseFromWebview({ type: 'log', level: 'info', message: 'x'.repeat(100_000) }).ok).toBe(false);
  });

  it('does not throw on exotic objects', () => {
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('boom'); }, getPrototypeOf: () => Object.prototype });
    expect(parseToWebview(throwing).ok).toBe(false);
    expect(parseToWebview(Object.create({ type: 'clear' })).ok).toBe(false);
  });
});

describe('protocol helpers', () => {
  it('buckets ranks like GLTR (0-based rank < 10, < 100, < 1000, beyond)', () => {
    expect([0, 9, 10, 99, 100, 999, 1000, 50_000].map((r) => rankBucket(r))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('windows tokens around a centre, clamped to the document', () => {
    expect(tokenWindow(1000, 500, 100)).toEqual({ first: 450, end: 550 });
    expect(tokenWindow(1000, 3, 100)).toEqual({ first: 0, end: 100 });
    expect(tokenWindow(1000, 999, 100)).toEqual({ first: 900, end: 1000 });
    expect(tokenWindow(10, 5, 100)).toEqual({ first: 0, end: 10 });
    expect(tokenWindow(0, 0, 100)).toEqual({ first: 0, end: 0 });
  });

  it('compacts a token result to what the strip needs', () => {
    const sel = validToWebview.find((m) => m.type === 'selection') as SelectionMessage;
    expect(toCompactToken(sel.token)).toEqual({ text: ' f', start: 3, end: 5, logprob: -2.5, rank: 4, entropy: 3.1 });
  });
});
