// Snapshot build -> atomic write -> read round trip, schema validation, and the reader's errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import schema from '../../schemas/snapshot.schema.json';
import {
  activationsPathFor,
  buildSnapshot,
  readSnapshot,
  readSnapshotActivations,
  validateSnapshot,
  writeSnapshotAtomic,
  type Snapshot,
} from '../../src/engine/snapshot';
import { LOGPROB_FLOOR } from '../../src/shared/finiteNumbers';
import { fakeActivations, fakeResult, HOOKS, PROVENANCE } from './snapshot-fixtures';

const TEXT = 'def f(x):\r\n\treturn x + 1  # 😀 中文 e\u0301\n';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-snap-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function build(text = TEXT): Snapshot {
  const r = buildSnapshot({
    result: fakeResult(text),
    provenance: PROVENANCE,
    document: { path: '/project/x.py', languageId: 'python', text },
    options: { topK: 3, featuresPerToken: 3, hooks: [] },
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('snapshot round trip', () => {
  it('builds a snapshot that matches the JSON Schema and reads back identical', async () => {
    const snap = build();
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(JSON.stringify(snap))), JSON.stringify(validate.errors)).toBe(true);
    expect(snap.provenance.tool.name).toBe('activation-inspector');
    expect(snap.provenance.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(snap.tokens[0].logprob).toBeNull();
    const file = path.join(tmp, 'round.json');
    const w = await writeSnapshotAtomic(file, snap);
    expect(w.ok).toBe(true);
    const back = await readSnapshot(file);
    expect(back.ok && back.value).toEqual(snap);
  });

  it("records the feature order and keeps each token's features as listed, with raw activations only", async () => {
    const result = fakeResult(TEXT);
    const listed = result.tokens[1]!.features[HOOKS[0]!]!;
    const r = buildSnapshot({ result, provenance: PROVENANCE, document: { path: null, languageId: null, text: TEXT }, options: { topK: 3, featuresPerToken: 3, featureOrder: 'unusual', hooks: [] } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.options.featureOrder).toBe('unusual');
    expect(r.value.tokens[1]!.features[HOOKS[0]!]).toEqual(listed.map((f) => ({ index: f.index, activation: f.activation })));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(JSON.stringify(r.value)))).toBe(true);
    const file = path.join(tmp, 'ordered.json');
    expect((await writeSnapshotAtomic(file, r.value)).ok).toBe(true);
    const back = await readSnapshot(file);
    expect(back.ok && back.value.options.featureOrder).toBe('unusual');
    // Older snapshots have no featureOrder; an unknown one is refused.
    expect(build().options.featureOrder).toBeUndefined();
    const bad = JSON.parse(JSON.stringify(r.value));
    bad.options.featureOrder = 'random';
    expect(validateSnapshot(bad).ok).toBe(false);
  });

  it('refuses to build from an analysis of other text', () => {
    const r = buildSnapshot({ result: fakeResult('abc'), provenance: PROVENANCE, document: { path: null, languageId: null, text: 'abd' }, options: { topK: 1, featuresPerToken: 1, hooks: [] } });
    expect(r.ok === false && r.error.kind).toBe('bad-input');
  });

  it('writes no NaN/Infinity: out-of-range numbers are clamped into the schema', () => {
    const result = fakeResult('a b c');
    result.tokens[1].logprob = -Infinity;
    result.tokens[1].entropy = -1e-9;
    result.tokens[2].logprob = 1e-8;
    result.tokens[2].topk[0].prob = 1.0000001;
    result.tokens[2].reconstruction[HOOKS[0]] = NaN;
    const r = buildSnapshot({ result, provenance: PROVENANCE, document: { path: null, languageId: null, text: 'a b c' }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const json = JSON.parse(JSON.stringify(r.value));
    expect(validateSnapshot(json).ok).toBe(true);
    expect(json.tokens[1].logprob).toBe(LOGPROB_FLOOR);
  });

  it('writes activations beside the JSON and reads them back exactly', async () => {
    const snap = build();
    const acts = fakeActivations(snap.tokens.length, 16);
    const file = path.join(tmp, 'with-acts.json');
    const w = await writeSnapshotAtomic(file, snap, acts);
    expect(w.ok && w.value.activationsPath).toBe(path.join(tmp, 'with-acts.safetensors'));
    const back = await readSnapshot(file);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.activations?.file).toBe('with-acts.safetensors');
    const a = await readSnapshotActivations(file, back.value);
    if (!a.ok) throw new Error(a.error.message);
    for (const h of HOOKS) {
      expect(a.value[h].shape).toEqual([snap.tokens.length, 16]);
      expect(Array.from(a.value[h].data)).toEqual(Array.from(acts[h].data));
    }
  });

  it('rejects activations whose row count is not the token count', async () => {
    const snap = build();
    const w = await writeSnapshotAtomic(path.join(tmp, 'bad-acts.json'), snap, fakeActivations(snap.tokens.length + 1));
    expect(w.ok === false && w.error.kind).toBe('bad-input');
  });

  it('an activations file from another export is detected', async () => {
    const a = path.join(tmp, 'a.json');
    const b = path.join(tmp, 'b.json');
    const snap = build();
    await writeSnapshotAtomic(a, snap, fakeActivations(snap.tokens.length, 4, 1));
    await writeSnapshotAtomic(b, snap, fakeActivations(snap.tokens.length, 4, 2));
    fs.copyFileSync(activationsPathFor(b), activationsPathFor(a));
    const r = await readSnapshot(a);
    if (!r.ok) throw new Error(r.error.message);
    const acts = await readSnapshotActivations(a, r.value);
    expect(acts.ok).toBe(false);
    if (!acts.ok) expect(acts.error.message).toMatch(/does not belong/);
  });
});

describe('snapshot reader errors name the file and the problem', () => {
  async function readJson(name: string, json: unknown) {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
    return readSnapshot(file);
  }
  function mutate(f: (s: Snapshot) => void): Snapshot {
    const s = JSON.parse(JSON.stringify(build())) as Snapshot;
    f(s);
    return s;
  }

  it.each([
    ['missing file', null, 'missing-file', /does not exist/],
    ['invalid JSON', '{"format": ', 'bad-snapshot', /not valid JSON/],
    ['not a snapshot', { hello: 1 }, 'bad-snapshot', /not an Activation Inspector snapshot/],
    ['newer version', mutate((s) => ((s as { version: number }).version = 2)), 'unknown-schema-version', /version 2/],
    ['schema violation', mutate((s) => ((s.tokens[1] as unknown as Record<string, unknown>).rank = 'high')), 'bad-snapshot', /\/tokens\/1\/rank/],
    ['edited text', mutate((s) => (s.document.text = s.document.text.replace('x', 'y'))), 'bad-snapshot', /sha256 does not match/],
    ['gap between tokens', mutate((s) => (s.tokens[1].start += 1)), 'bad-snapshot', /tokens\[1\] starts at/],
    ['token text differs', mutate((s) => (s.tokens[2].text = 'zz')), 'bad-snapshot', /tokens\[2\]\.text/],
    ['undeclared hook', mutate((s) => (s.tokens[0].features['blocks.9.x'] = [])), 'bad-snapshot', /blocks\.9\.x/],
    ['probability above 1', mutate((s) => (s.tokens[0].topk[0].prob = 2)), 'bad-snapshot', /prob/],
  ])('%s', async (name, json, kind, message) => {
    const file = path.join(tmp, `${name.replace(/\W/g, '-')}.json`);
    const r = json === null ? await readSnapshot(file) : await readJson(path.basename(file), json);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe(kind);
    expect(r.error.file).toBe(file);
    expect(r.error.message).toContain(file);
    expect(r.error.message).toMatch(message as RegExp);
  });
});
