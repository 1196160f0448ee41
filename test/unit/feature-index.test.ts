import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { collectOccurrences, decodeOccurrences, encodeOccurrences, FeatureIndexStore, indexFingerprint, lineOf, lineStarts, listIndexableFiles, updateIndex, type IndexOptions } from '../../src/featureIndex';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-index-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('occurrences', () => {
  it('round-trips through the binary record format (float32 activations)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ start: fc.nat(), end: fc.nat(), line: fc.nat(), activation: fc.float({ noNaN: true, noDefaultInfinity: true }) })), (list) => {
        const exact = list.map((o) => ({ ...o, activation: Math.fround(o.activation) }));
        expect(decodeOccurrences(encodeOccurrences(exact))).toEqual(exact.map((o) => ({ ...o, activation: Object.is(o.activation, -0) ? -0 : o.activation })));
      }),
    );
  });

  it('keeps every reported feature with activation > 0, strongest first, bounded per file', () => {
    const text = 'a\nb\nc\nd';
    const tokens = [0, 2, 4, 6].map((start, i) => ({ start, end: start + 1, features: { h: [{ index: 1, activation: i + 1 }, { index: 2, activation: 0 }] } }));
    const occ = collectOccurrences(text, tokens, ['h'], 2);
    expect(occ).toEqual([{ hook: 'h', feature: 1, count: 4, occurrences: [{ start: 6, end: 7, line: 4, activation: 4 }, { start: 4, end: 5, line: 3, activation: 3 }] }]);
  });

  it('numbers lines from 1, CRLF or LF', () => {
    const starts = lineStarts('x\r\ny\nz');
    expect([0, 1, 3, 4, 5].map((o) => lineOf(starts, o))).toEqual([1, 1, 2, 2, 3]);
  });
});

describe('listIndexableFiles', () => {
  it('honours nested .gitignore files, skips .git, big files and what accept refuses', async () => {
    const root = path.join(tmp, 'walk');
    for (const d of ['a/b', '.git', 'c']) fs.mkdirSync(path.join(root, d), { recursive: true });
    const files: Record<string, string> = { '.gitignore': 'c/\n*.log\n', 'keep.ts': 'x', 'x.log': 'x', 'a/.gitignore': 'b/skip.ts\n', 'a/b/skip.ts': 'x', 'a/b/ok.ts': 'x', '.git/config': 'x', 'c/gone.ts': 'x', 'big.ts': 'x'.repeat(100), 'no.md': 'x' };
    for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(root, f), t);
    expect(await listIndexableFiles(root, { maxBytes: 50, accept: (p) => !p.endsWith('.md') })).toEqual(['.gitignore', 'a/.gitignore', 'a/b/ok.ts', 'keep.ts']);
  });

  it('returns nothing once its signal is aborted, and the same list again without one', async () => {
    const root = path.join(tmp, 'walk');
    const aborted = new AbortController();
    aborted.abort();
    expect(await listIndexableFiles(root, { maxBytes: 50, signal: aborted.signal })).toEqual([]);
    expect(await listIndexableFiles(root, { maxBytes: 50 })).toEqual(['.gitignore', 'a/.gitignore', 'a/b/ok.ts', 'keep.ts', 'no.md']);
  });
});

describe('FeatureIndexStore', () => {
  it('persists atomically, drops results for another model, and rebuilds a damaged file', async () => {
    const file = path.join(tmp, 'store.sqlite');
    const id = { fingerprint: 'model-1', root: '/r' };
    const s = await FeatureIndexStore.open(file, id);
    s.replaceFile('a.ts', 'sha-a', 3, [{ hook: 'h', feature: 7, count: 1, occurrences: [{ start: 0, end: 1, line: 1, activation: 2 }] }]);
    s.replaceFile('b.ts', 'sha-b', 3, [{ hook: 'h', feature: 7, count: 1, occurrences: [{ start: 4, end: 5, line: 2, activation: 3 }] }]);
    await s.save();
    s.close();
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await FeatureIndexStore.open(file, id);
    expect(again.notice).toBeUndefined();
    expect(again.fileRecord('a.ts')).toEqual({ sha256: 'sha-a', tokens: 3 });
    expect(again.find('h', 7).map((o) => o.file)).toEqual(['b.ts', 'a.ts']);
    again.close();
    const other = await FeatureIndexStore.open(file, { ...id, fingerprint: 'model-2' });
    expect(other.paths()).toEqual([]);
    other.close();
    fs.writeFileSync(file, 'SQLite format 3\u0000 but not really');
    const rebuilt = await FeatureIndexStore.open(file, id);
    expect(rebuilt.notice).toMatch(/rebuilt/);
    expect(rebuilt.paths()).toEqual([]);
    rebuilt.close();
    await expect(FeatureIndexStore.read(file)).rejects.toThrow(/not a sound feature index/);
  });

  it('keeps its changes to save again when a save fails, and leaves no temporary file', async () => {
    const dir = path.join(tmp, 'failing');
    const file = path.join(dir, 'index.sqlite');
    const s = await FeatureIndexStore.open(file, { fingerprint: 'm', root: '/r' });
    s.replaceFile('a.ts', 'sha-a', 1, []);
    fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true }); // a folder where the file goes: rename fails
    await expect(s.save()).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['index.sqlite']);
    fs.rmSync(file, { recursive: true });
    await s.save();
    s.close();
    const again = await FeatureIndexStore.read(file);
    expect(again.fileRecord('a.ts')).toEqual({ sha256: 'sha-a', tokens: 1 });
    again.close();
  });
});

describe('indexFingerprint', () => {
  const provenance = { model: { sha256: 'm' }, tokenizer: { sha256: 't' }, dictionaries: [{ hookName: 'h1', sha256: 'd1' }, { hookName: 'h0', sha256: 'd0' }] };
  const options: IndexOptions = { featuresPerToken: 5, featureOrder: 'unusual', hooks: ['h0', 'h1'] };
  const fp = (o: Partial<IndexOptions> = {}) => indexFingerprint(provenance, { ...options, ...o });

  it('changes with every option that decides what an occurrence is, not with the order hooks are named in', () => {
    expect(fp({ featureOrder: 'activation' })).not.toBe(fp());
    expect(fp({ featuresPerToken: 8 })).not.toBe(fp());
    expect(fp({ hooks: ['h0'] })).not.toBe(fp());
    expect(fp({ hooks: ['h1', 'h0'] })).toBe(fp());
    expect(indexFingerprint({ ...provenance, dictionaries: [...provenance.dictionaries].reverse() }, options)).toBe(fp());
  });

  it('an index built in one feature order is rebuilt, not reused, in another', async () => {
    const file = path.join(tmp, 'order.sqlite');
    const text = 'ab';
    // The fake analysis lists feature 3 at the first token in one order and feature 4 in the other.
    const analyzer = (order: IndexOptions['featureOrder']) => ({
      analyze: async () => ({
        ok: true as const,
        value: { hooks: ['h0'], tokens: [{ start: 0, end: 1, features: { h0: [{ index: order === 'unusual' ? 3 : 4, activation: 1 }] } }] },
      }),
    });
    const files = [{ path: 'a.ts', read: async () => text }];
    const build = async (featureOrder: IndexOptions['featureOrder']) => {
      const store = await FeatureIndexStore.open(file, { fingerprint: fp({ featureOrder, hooks: ['h0'] }), root: '/r' });
      const report = await updateIndex(store, files, analyzer(featureOrder));
      const found = { analysed: report.analysed, unchanged: report.unchanged, f3: store.find('h0', 3).length, f4: store.find('h0', 4).length };
      store.close();
      return found;
    };
    expect(await build('unusual')).toEqual({ analysed: ['a.ts'], unchanged: 0, f3: 1, f4: 0 });
    expect(await build('unusual')).toEqual({ analysed: [], unchanged: 1, f3: 1, f4: 0 });
    expect(await build('activation')).toEqual({ analysed: ['a.ts'], unchanged: 0, f3: 0, f4: 1 });
  });
});
