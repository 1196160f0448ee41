// The persistent feature index through the real CLI: `index` twice does no model work the second time,
// a changed file is the only one analysed again, `find` returns exactly what `analyze` reports for the
// feature (up to the per-file bound), strongest first; a killed `index` leaves a sound index the next
// run completes; a damaged one is rebuilt with a message. `diff` aligns two versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { Engine } from '../../src/engine';
import { FeatureIndexStore, PER_FILE_BOUND } from '../../src/featureIndex';
import { buildCli, buildWorker, testBundle } from './inference-helpers';

const require = createRequire(import.meta.url);
let cli = '';
let bundle = '';
let workerPath = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-index-test-'));
const folder = path.join(tmp, 'ws');
const db = path.join(tmp, 'index.sqlite');
const FEATURES = 5;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function index(...extra: string[]) {
  const r = run('index', folder, '--db', db, '--model', bundle, '--json', ...extra);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { analysed: string[]; unchanged: number; removed: string[]; rebuilt: string | null; files: number };
}

const SOURCES = ['src/engine/compare/align.ts', 'src/engine/compare/compare.ts', 'src/featureIndex/walk.ts', 'src/featureIndex/occurrences.ts', 'src/cli/find.ts'];

beforeAll(async () => {
  cli = await buildCli();
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(path.dirname(cli), 'sql-wasm.wasm'));
  workerPath = await buildWorker();
  bundle = testBundle();
  fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
  for (const [i, s] of SOURCES.entries()) fs.copyFileSync(s, path.join(folder, i % 2 ? 'sub' : '', path.basename(s)));
  fs.writeFileSync(path.join(folder, '.gitignore'), 'skipped.txt\n');
  fs.writeFileSync(path.join(folder, 'skipped.txt'), 'never indexed\n');
  fs.writeFileSync(path.join(folder, 'blob.bin'), Buffer.from([0, 1, 2, 0]));
});

afterAll(() => {
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('activation-inspector index / find', () => {
  it('does no model work the second time, and re-analyses only a changed file', () => {
    const first = index();
    expect(first.analysed.sort()).toEqual(['.gitignore', 'align.ts', 'find.ts', 'sub/compare.ts', 'sub/occurrences.ts', 'walk.ts'].sort());
    const second = index();
    expect(second.analysed).toEqual([]);
    expect(second.unchanged).toBe(first.analysed.length);
    fs.appendFileSync(path.join(folder, 'walk.ts'), '\n// one more line\n');
    const third = index();
    expect(third.analysed).toEqual(['walk.ts']);
    fs.rmSync(path.join(folder, 'find.ts'));
    const fourth = index();
    expect(fourth.analysed).toEqual([]);
    expect(fourth.removed).toEqual(['find.ts']);
    fs.copyFileSync(SOURCES[4], path.join(folder, 'find.ts'));
    expect(index().analysed).toEqual(['find.ts']);
    // Another --order lists other features at a token: the index is rebuilt, not reused, and back.
    expect(index('--order', 'activation').analysed.sort()).toEqual(first.analysed);
    expect(index('--order', 'activation').analysed).toEqual([]);
    expect(index().analysed.sort()).toEqual(first.analysed);
  });

  it('find returns exactly the occurrences analyze reports, bounded per file, strongest first', async () => {
    index();
    const opened = await Engine.open(bundle, { workerPath });
    if (!opened.ok) throw new Error(opened.error.message);
    const engine = opened.value;
    try {
      const store = await FeatureIndexStore.read(db);
      const files = store.paths();
      store.close();
      // Every occurrence analyze reports, per hook and feature.
      const expected = new Map<string, { file: string; start: number; end: number; activation: number }[]>();
      for (const rel of files) {
        const text = fs.readFileSync(path.join(folder, rel), 'utf8');
        const r = await engine.analyze(rel, text, { topK: 1, featuresPerToken: FEATURES, hooks: [] });
        if (!r.ok) throw new Error(r.error.message);
        for (const t of r.value.tokens) for (const h of r.value.hooks) for (const f of t.features[h]) {
          const k = `${h}|${f.index}`;
          if (!expected.has(k)) expected.set(k, []);
          expected.get(k)!.push({ file: path.join(folder, rel), start: t.start, end: t.end, activation: f.activation });
        }
      }
      // The most frequent features (where the bound bites) and a few rare ones.
      const keys = [...expected.keys()].sort((a, b) => expected.get(b)!.length - expected.get(a)!.length);
      const picked = [...keys.slice(0, 3), ...keys.slice(-3)];
      expect(expected.get(keys[0])!.length).toBeGreaterThan(PER_FILE_BOUND); // the bound is exercised
      for (const k of picked) {
        const [hook, feature] = k.split('|');
        const r = run('find', '--db', db, '--hook', hook, '--feature', feature, '--limit', '100000', '--json');
        expect(r.code, r.err).toBe(0);
        const found = JSON.parse(r.out) as { file: string; start: number; end: number; line: number; activation: number }[];
        const strongestPerFile = new Map<string, typeof found>();
        for (const o of expected.get(k)!) {
          const text = fs.readFileSync(o.file, 'utf8');
          const line = text.slice(0, o.start).split('\n').length;
          const list = strongestPerFile.get(o.file) ?? [];
          list.push({ ...o, line });
          strongestPerFile.set(o.file, list);
        }
        const want = [...strongestPerFile.values()]
          .flatMap((l) => l.sort((a, b) => b.activation - a.activation || a.start - b.start).slice(0, PER_FILE_BOUND))
          .sort((a, b) => b.activation - a.activation || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.start - b.start);
        expect(found).toEqual(want);
        for (let i = 1; i < found.length; i++) expect(found[i].activation).toBeLessThanOrEqual(found[i - 1].activation);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('a killed index run leaves a sound index that the next run completes', async () => {
    const big = path.join(tmp, 'big');
    const bigDb = path.join(tmp, 'big.sqlite');
    fs.mkdirSync(big);
    const text = fs.readFileSync('src/engine/inference/core.ts', 'utf8').slice(0, 5000);
    for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(big, `f${String(i).padStart(2, '0')}.ts`), `// file ${i}\n${text}`);
    const child = spawn(process.execPath, [cli, 'index', big, '--db', bigDb, '--model', bundle, '--checkpoint-ms', '0', '--progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => {
      let lines = 0;
      child.stderr.on('data', (d: Buffer) => {
        lines += d.toString().split('\n').length - 1;
        if (lines >= 4 && fs.existsSync(bigDb)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    const partial = await FeatureIndexStore.read(bigDb);
    const savedFiles = partial.paths().length;
    partial.close();
    expect(savedFiles).toBeGreaterThan(0);
    expect(savedFiles).toBeLessThan(16);
    const r = run('index', big, '--db', bigDb, '--model', bundle, '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.unchanged).toBe(savedFiles);
    expect(report.analysed.length).toBe(16 - savedFiles);
    // The same answers as an index built in one go.
    const fresh = path.join(tmp, 'fresh.sqlite');
    expect(run('index', big, '--db', fresh, '--model', bundle, '--json').code).toBe(0);
    const a = await FeatureIndexStore.read(bigDb);
    const b = await FeatureIndexStore.read(fresh);
    expect(a.stats()).toEqual(b.stats());
    a.close();
    b.close();
  });

  it('a damaged index is rebuilt with a message, never trusted', () => {
    const damaged = path.join(tmp, 'damaged.sqlite');
    fs.copyFileSync(db, damaged);
    const bytes = fs.readFileSync(damaged);
    bytes.fill(0x41, 100, 4000); // the header's tail and the first pages
    fs.writeFileSync(damaged, bytes);
    const r = run('index', folder, '--db', damaged, '--model', bundle, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/damaged or unreadable|could not be read/);
    const report = JSON.parse(r.out);
    expect(report.rebuilt).toBeTruthy();
    expect(report.unchanged).toBe(0);
    expect(report.analysed.length).toBe(report.files);
    // find refuses a damaged file outright.
    fs.writeFileSync(damaged, 'not a database at all');
    const f = run('find', '--db', damaged, '--hook', 'h', '--feature', '1');
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/not a sound feature index/);
  });
});

describe('activation-inspector diff', () => {
  it('aligns two versions and gives B minus A for matched tokens', () => {
    const a = path.join(tmp, 'a.py');
    const b = path.join(tmp, 'b.py');
    fs.writeFileSync(a, 'def add(x, y):\n    return x + y\n\nprint(add(1, 2))\n');
    fs.writeFileSync(b, 'def add(x, y):\n    z = x * 2\n    return x + y\n\nprint(add(1, 2))\n');
    const r = run('diff', a, b, '--model', bundle, '--json');
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { tokens: { start: number; end: number; matched: boolean; deltaLogprob: number | null }[] };
    const bText = fs.readFileSync(b, 'utf8');
    expect(out.tokens.map((t) => bText.slice(t.start, t.end)).join('')).toBe(bText);
    const inserted = bText.indexOf('z = x * 2');
    for (const t of out.tokens) {
      if (t.start >= inserted && t.end <= inserted + 9) expect(t.matched).toBe(false);
      if (!t.matched) expect(t.deltaLogprob).toBeNull();
    }
    // Before the edit nothing changed (the model is causal): matched with delta 0 (first token: null).
    const before = out.tokens.filter((t) => t.end < inserted - 1 && t.start > 0);
    expect(before.length).toBeGreaterThan(3);
    for (const t of before) expect(t.matched && Math.abs(t.deltaLogprob!) < 1e-5).toBe(true);
    // After it, matched tokens see a different context.
    expect(out.tokens.some((t) => t.start > inserted + 10 && t.matched && t.deltaLogprob !== 0)).toBe(true);
    const table = run('diff', a, b, '--model', bundle);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/matched to A/);
  });

  it('takes snapshots for either side, with no model for two snapshots', () => {
    const a = path.join(tmp, 'a.py');
    const b = path.join(tmp, 'b.py');
    const snapA = path.join(tmp, 'a.snapshot.json');
    const snapB = path.join(tmp, 'b.snapshot.json');
    expect(run('analyze', a, '--model', bundle, '--features', '8', '--out', snapA).code).toBe(0);
    expect(run('analyze', b, '--model', bundle, '--features', '8', '--out', snapB).code).toBe(0);
    const files = JSON.parse(run('diff', a, b, '--model', bundle, '--json').out);
    const mixed = JSON.parse(run('diff', snapA, b, '--model', bundle, '--json').out);
    // Two snapshots: no model is opened (a bundle that does not exist is never looked at).
    const snaps = run('diff', snapA, snapB, '--model', path.join(tmp, 'no-such-bundle'), '--json');
    expect(snaps.code, snaps.err).toBe(0);
    const pick = (o: { tokens: { start: number; end: number; matched: boolean; deltaLogprob: number | null }[] }) => o.tokens.map((t) => [t.start, t.end, t.matched, t.deltaLogprob === null ? null : Math.round(t.deltaLogprob * 1e4)]);
    expect(pick(mixed)).toEqual(pick(files));
    expect(pick(JSON.parse(snaps.out))).toEqual(pick(files));
  });
});
