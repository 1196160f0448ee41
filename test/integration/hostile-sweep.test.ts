// The hostile-input sweep: every kind of bad input the tools meet, each run the way the product runs it
// (the CLI in a child process; snapshot, card and bundle reads and the panel protocol's validators in
// this process, as the extension host runs them), and for each: no file lost or overwritten, an end
// within a bound (no hang), a peak under 2 GB, and for the in-process reads no event-loop block of
// 200 ms or more. A table of what each case cost is printed at the end (CONTRIBUTING.md, "Testing").
// The worst-case documents at the default limit (four kinds, three modes; minutes) run only with
// HOSTILE_SWEEP_FULL=1; test/integration/memory-worst-case.test.ts always runs the costliest of them.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { buildSnapshotInSlices, readSnapshot, readSnapshotActivations, writeSnapshotAtomic, type Snapshot } from '../../src/engine/snapshot';
import { parseFromWebview, parseToWebview } from '../../src/protocol/validate';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_SNAPSHOT_ACTIVATIONS_BYTES, MAX_SNAPSHOT_BYTES } from '../../src/shared/limits';
import { BREAKAGES, expectBroken, SYN_HOOKS, writeSyntheticBundle } from '../unit/bundle-fixtures';
import { expectHostileCardRefused, HOSTILE_CARDS } from '../unit/bundle-hostile-fixtures';
import { fakeResult, PROVENANCE } from '../unit/snapshot-fixtures';
import { buildCli, realBundle } from './inference-helpers';
import { MEMORY_BOUND_BYTES, measuredRun } from './measured-run';
import { WORST_CASE_DOCUMENTS } from './worst-case-documents';

const FULL = process.env.HOSTILE_SWEEP_FULL === '1';
/** A refusal or a small analysis ends well within this; more is a hang. */
const SMALL_CASE_MS = 120_000;
/** A worst-case document at the default limit, analysed on a busy machine. */
const LARGE_CASE_MS = 600_000;
const BLOCK_BOUND_MS = 200;

const bundle = realBundle();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sweep-'));
let cli = '';

interface Row {
  group: string;
  name: string;
  outcome: string;
  ms: number;
  peakMiB: number | null;
  blockMs: number | null;
}
const rows: Row[] = [];

beforeAll(async () => {
  cli = await buildCli();
});

afterAll(() => {
  const cols = ['group', 'case', 'outcome', 'ms', 'peak MiB', 'block ms'];
  const cells = rows.map((r) => [r.group, r.name, r.outcome, r.ms.toFixed(0), r.peakMiB?.toFixed(0) ?? '-', r.blockMs?.toFixed(0) ?? '-']);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(['', line(cols), ...cells.map(line)].join('\n'));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What a path is now: its type, and a regular file's size and hash (a link is not followed). */
function fingerprint(p: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 'absent';
  }
  if (st.isSymbolicLink()) return `link -> ${fs.readlinkSync(p)}`;
  if (!st.isFile()) return `${st.isDirectory() ? 'folder' : st.isFIFO() ? 'fifo' : 'special'} ${st.mode}`;
  if (st.size > 2 ** 30) return `file ${st.size} ${st.mtimeMs}`; // a sparse giant: its size and time
  return `file ${st.size} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
}

/** The snapshot writer's temp files left in a folder (`.<name>.<pid>.<hex>.tmp`). */
function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

interface CliCase {
  args: string[];
  /** 'ok': exit 0; 'refused': exit 1 with one line on stderr. */
  expect: 'ok' | 'refused';
  /** Paths that must be exactly as they were afterwards (inputs, files in the way of --out). */
  guard: string[];
  timeoutMs?: number;
}

function cliCase(group: string, name: string, c: CliCase): void {
  it(`${group}: ${name}`, () => {
    const before = c.guard.map(fingerprint);
    const r = measuredRun(cli, ['analyze', ...c.args, '--model', bundle!], c.timeoutMs ?? SMALL_CASE_MS);
    const outcome = r.timedOut ? 'HUNG' : r.signal ? `killed ${r.signal}` : r.code === 0 ? 'analysed' : `refused: ${r.err.trim().split('\n')[0].slice(0, 70)}`;
    rows.push({ group, name, outcome, ms: r.ms, peakMiB: r.maxRss === null ? null : r.maxRss / 2 ** 20, blockMs: null });
    expect(r.timedOut, 'ended within the bound').toBe(false);
    expect(r.code, r.err).toBe(c.expect === 'ok' ? 0 : 1);
    if (c.expect === 'refused') expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.maxRss).not.toBeNull();
    expect(r.maxRss!).toBeLessThan(MEMORY_BOUND_BYTES);
    expect(c.guard.map(fingerprint), 'guarded files unchanged').toEqual(before);
    expect(tempFiles(tmp)).toEqual([]);
  }, (c.timeoutMs ?? SMALL_CASE_MS) + 30_000);
}

/** Runs `read` in this process and records its time, the longest event-loop block, and the peak RSS. */
function inProcessCase(group: string, name: string, read: () => Promise<string>, timeoutMs = SMALL_CASE_MS): void {
  it(`${group}: ${name}`, async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    delay.enable();
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('HUNG'), timeoutMs)));
    try {
      const outcome = await Promise.race([read(), hung]);
      // A block at the very end is recorded only when the monitor's timer next runs.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const blockMs = delay.max / 1e6;
      peak = Math.max(peak, process.memoryUsage().rss);
      rows.push({ group, name, outcome, ms: performance.now() - t0, peakMiB: peak / 2 ** 20, blockMs });
      expect(outcome).not.toBe('HUNG');
      expect(blockMs, 'longest event-loop block (ms)').toBeLessThan(BLOCK_BOUND_MS);
      expect(peak).toBeLessThan(MEMORY_BOUND_BYTES);
    } finally {
      delay.disable();
      clearInterval(sampler);
      clearTimeout(timer);
    }
  }, timeoutMs + 30_000);
}

/** A file in the sweep's folder. */
function put(name: string, data: string | Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

function fifo(name: string): string {
  const p = path.join(tmp, name);
  execFileSync('mkfifo', [p]);
  return p;
}

/** A snapshot reading's outcome, as a row says it. */
async function readOutcome(file: string): Promise<string> {
  const r = await readSnapshot(file);
  return r.ok ? `read ${r.value.tokens.length} tokens` : `refused (${r.error.kind})`;
}

async function expectRefusedRead(file: string): Promise<string> {
  const outcome = await readOutcome(file);
  expect(outcome).toMatch(/^refused/);
  return outcome;
}

describe.skipIf(!bundle)('hostile-input sweep', () => {
  const source = put('input.py', 'def add(a, b):\n    return a + b\n');
  const notes = put('notes.json', 'my private notes\n');

  describe('bad documents', () => {
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    cliCase('document', 'binary (random bytes with NULs)', { args: [put('binary.bin', random)], expect: 'refused', guard: [path.join(tmp, 'binary.bin')] });
    cliCase('document', 'NUL bytes in text', { args: [put('nul.py', 'a = 1\n\0\0b = 2\n')], expect: 'refused', guard: [path.join(tmp, 'nul.py')] });
    cliCase('document', 'invalid UTF-8', { args: [put('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0xfe]))], expect: 'refused', guard: [path.join(tmp, 'latin1.txt')] });
    cliCase('document', 'a lone surrogate (CESU-8 ED A0 80)', { args: [put('surrogate.txt', Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]))], expect: 'refused', guard: [path.join(tmp, 'surrogate.txt')] });
    cliCase('document', 'empty', { args: [put('empty.py', '')], expect: 'ok', guard: [path.join(tmp, 'empty.py')] });
    cliCase('document', `one line of ${DEFAULT_MAX_DOCUMENT_BYTES} bytes`, { args: [put('line.txt', 'x'.repeat(DEFAULT_MAX_DOCUMENT_BYTES))], expect: 'ok', guard: [path.join(tmp, 'line.txt')] });
    cliCase('document', 'one byte over the limit', { args: [put('over.txt', 'y'.repeat(DEFAULT_MAX_DOCUMENT_BYTES + 1))], expect: 'refused', guard: [path.join(tmp, 'over.txt')] });
    cliCase('document', '10 GB sparse file', {
      args: [(() => {
        const p = path.join(tmp, 'sparse.txt');
        fs.closeSync(fs.openSync(p, 'w'));
        fs.truncateSync(p, 10 * 1024 ** 3);
        return p;
      })()],
      expect: 'refused',
      guard: [path.join(tmp, 'sparse.txt')],
    });
  });

  describe.runIf(FULL)('worst-case documents at the default limit', () => {
    for (const [kind, doc] of Object.entries(WORST_CASE_DOCUMENTS)) {
      const file = `limit-${kind.replace(/\W+/g, '-')}${doc.ext}`;
      const input = put(file, doc.make(DEFAULT_MAX_DOCUMENT_BYTES));
      for (const [mode, extra] of [['table', []], ['--out', ['--out', path.join(tmp, 'limit.json')]], ['--out --include-activations', ['--out', path.join(tmp, 'limit.json'), '--include-activations']]] as const) {
        cliCase('limit', `${kind}, ${mode}`, { args: [input, ...extra], expect: 'ok', guard: [input], timeoutMs: LARGE_CASE_MS });
      }
    }
  });

  describe('devices, FIFOs, folders, links', () => {
    cliCase('device', '/dev/zero as the input', { args: ['/dev/zero'], expect: 'refused', guard: [] });
    cliCase('device', '/dev/urandom as the input', { args: ['/dev/urandom'], expect: 'refused', guard: [] });
    cliCase('device', '/dev/null as --out', { args: [source, '--out', '/dev/null'], expect: 'refused', guard: [source] });
    cliCase('fifo', 'a FIFO with no writer as the input', { args: [fifo('in.fifo')], expect: 'refused', guard: [path.join(tmp, 'in.fifo')] });
    cliCase('fifo', 'a FIFO with no reader as --out', { args: [source, '--out', fifo('out.fifo')], expect: 'refused', guard: [source, path.join(tmp, 'out.fifo')] });
    cliCase('folder', 'a folder as the input', { args: [tmp], expect: 'refused', guard: [source] });
    cliCase('folder', 'a folder as --out', { args: [source, '--out', tmp], expect: 'refused', guard: [source, notes] });
    cliCase('link', 'a link to /dev/zero as the input', {
      args: [(() => (fs.symlinkSync('/dev/zero', path.join(tmp, 'zero-link')), path.join(tmp, 'zero-link')))()],
      expect: 'refused',
      guard: [path.join(tmp, 'zero-link')],
    });
    cliCase('link', 'a dangling link as the input', {
      args: [(() => (fs.symlinkSync(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling')), path.join(tmp, 'dangling')))()],
      expect: 'refused',
      guard: [path.join(tmp, 'dangling')],
    });
    cliCase('link', '--out a link to the input', {
      args: [source, '--out', (() => (fs.symlinkSync(source, path.join(tmp, 'to-input.json')), path.join(tmp, 'to-input.json')))()],
      expect: 'refused',
      guard: [source, path.join(tmp, 'to-input.json')],
    });
    cliCase('link', '--out a link to a private file', {
      args: [source, '--out', (() => (fs.symlinkSync(notes, path.join(tmp, 'to-notes.json')), path.join(tmp, 'to-notes.json')))()],
      expect: 'refused',
      guard: [source, notes, path.join(tmp, 'to-notes.json')],
    });
    cliCase('output', '--out over a file that is not a snapshot', { args: [source, '--out', notes], expect: 'refused', guard: [source, notes] });
    cliCase('output', '--out the input itself', { args: [source, '--out', source], expect: 'refused', guard: [source] });
    cliCase('output', '--out whose activations would land on the input', {
      args: [put('clash.safetensors', 'not activations'), '--out', path.join(tmp, 'clash.json'), '--include-activations'],
      expect: 'refused',
      guard: [path.join(tmp, 'clash.safetensors')],
    });
  });

  describe('broken bundles (loaded as the extension loads them)', () => {
    const good = path.join(tmp, 'bundle-good');
    writeSyntheticBundle(good);
    for (const [name, breakIt] of Object.entries(BREAKAGES)) {
      inProcessCase('bundle', name, async () => {
        const dir = path.join(tmp, `bundle-${name.replace(/\W+/g, '-')}`);
        fs.cpSync(good, dir, { recursive: true });
        const want = breakIt(dir);
        const r = await loadBundle(dir);
        expectBroken(r, want);
        return `refused (${want.kind})`;
      });
    }
    for (const [name, card] of Object.entries(HOSTILE_CARDS)) {
      inProcessCase('card', name, async () => {
        const dir = path.join(tmp, `cards-${name.replace(/\W+/g, '-')}`);
        fs.cpSync(good, dir, { recursive: true });
        await expectHostileCardRefused(dir, `cards/${SYN_HOOKS[0].name}`, SYN_HOOKS[0].name, card);
        return 'refused, other cards read';
      });
    }
  });

  describe('hostile snapshots (read as the extension reads them)', () => {
    const head = '{"format":"activation-inspector-snapshot","version":1,';
    inProcessCase('snapshot', `over ${MAX_SNAPSHOT_BYTES / 2 ** 20} MiB (sparse)`, async () => {
      const p = path.join(tmp, 'huge.json');
      fs.closeSync(fs.openSync(p, 'w'));
      fs.truncateSync(p, MAX_SNAPSHOT_BYTES + 1);
      return expectRefusedRead(p);
    });
    inProcessCase('snapshot', 'nested 1,000,000 deep', async () => expectRefusedRead(put('deep.json', `${head}"tokens":${'['.repeat(1e6)}${']'.repeat(1e6)}}`)));
    inProcessCase('snapshot', 'a token nested 1,000,000 deep', async () => expectRefusedRead(put('deep-token.json', `${head}"tokens":[${'{"a":'.repeat(1e6)}1${'}'.repeat(1e6)}]}`)));
    inProcessCase('snapshot', 'wrong types', async () => expectRefusedRead(put('types.json', `${head}"provenance":[],"document":"x","options":1,"hooks":{},"tokens":"many"}`)));
    inProcessCase('snapshot', 'version as a string', async () => expectRefusedRead(put('version.json', '{"format":"activation-inspector-snapshot","version":"1"}')));
    inProcessCase('snapshot', 'truncated', async () => expectRefusedRead(put('truncated.json', `${head}"tokens":[{"id":1,"te`)));
    inProcessCase('snapshot', 'binary', async () => expectRefusedRead(put('binary.json', Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) & 255)))));
    inProcessCase('snapshot', 'a FIFO with no writer', async () => expectRefusedRead(fifo('snap.fifo')));
    inProcessCase('snapshot', '/dev/zero', async () => expectRefusedRead('/dev/zero'));
    inProcessCase('snapshot', 'a folder', async () => expectRefusedRead(tmp));

    // The largest snapshot the default limit gives (one token a byte): built, written and read back
    // in-process, as the editor's export and open do.
    const big = path.join(tmp, 'big.json');
    const text = WORST_CASE_DOCUMENTS.emoji.make(DEFAULT_MAX_DOCUMENT_BYTES);
    let result: ReturnType<typeof fakeResult> | undefined;
    let snapshot: Snapshot | undefined;
    it('snapshot: (an analysis of the largest document, made up)', () => {
      result = fakeResult(text);
    }, LARGE_CASE_MS);
    inProcessCase(
      'snapshot',
      `build ${DEFAULT_MAX_DOCUMENT_BYTES.toLocaleString('en-US')} tokens`,
      async () => {
        const snap = await buildSnapshotInSlices({ result: result!, provenance: PROVENANCE, document: { path: null, languageId: 'plaintext', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
        if (!snap.ok) throw new Error(snap.error.message);
        snapshot = snap.value;
        return `built ${snapshot.tokens.length} tokens`;
      },
      LARGE_CASE_MS,
    );
    inProcessCase(
      'snapshot',
      `write ${DEFAULT_MAX_DOCUMENT_BYTES.toLocaleString('en-US')} tokens with activations`,
      async () => {
        const n = snapshot!.tokens.length;
        const acts = { [SYN_HOOKS[0].name]: { shape: [n, 256] as [number, number], data: new Float32Array(n * 256).fill(0.5) } };
        const w = await writeSnapshotAtomic(big, snapshot!, acts);
        if (!w.ok) throw new Error(w.error.message);
        return `wrote ${n} tokens, ${(fs.statSync(big).size / 2 ** 20).toFixed(0)} MiB`;
      },
      LARGE_CASE_MS,
    );
    inProcessCase(
      'snapshot',
      `read ${DEFAULT_MAX_DOCUMENT_BYTES.toLocaleString('en-US')} tokens with activations`,
      async () => {
        const r = await readSnapshot(big);
        if (!r.ok) throw new Error(r.error.message);
        const a = await readSnapshotActivations(big, r.value);
        if (!a.ok) throw new Error(a.error.message);
        return `read ${r.value.tokens.length} tokens and their activations`;
      },
      LARGE_CASE_MS,
    );
    inProcessCase('snapshot', `activations over ${MAX_SNAPSHOT_ACTIVATIONS_BYTES / 2 ** 30} GiB (sparse)`, async () => {
      const r = await readSnapshot(big);
      if (!r.ok) throw new Error(r.error.message);
      const st = path.join(tmp, 'big.safetensors');
      fs.truncateSync(st, MAX_SNAPSHOT_ACTIVATIONS_BYTES + 1);
      const a = await readSnapshotActivations(big, r.value);
      expect(a.ok).toBe(false);
      return a.ok ? 'read' : `refused (${a.error.kind})`;
    }, LARGE_CASE_MS);
  });

  describe('malformed panel messages (the protocol validators)', () => {
    const deepObject = () => {
      let o: Record<string, unknown> = {};
      const root = o;
      for (let i = 0; i < 100_000; i++) o = (o.a = {}) as Record<string, unknown>;
      return root;
    };
    const throwing = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    const garbage: [string, () => unknown][] = [
      ['null, arrays, numbers, strings', () => [null, [], 1, 'x']],
      ['an unknown type', () => ({ type: 'rm -rf', requestId: 'x'.repeat(1e6) })],
      ['__proto__ and constructor keys', () => JSON.parse('{"type":"selectToken","__proto__":{"polluted":1},"constructor":{"prototype":{}}}')],
      ['a 10 MB string field', () => ({ type: 'selectToken', index: 'i'.repeat(1e7) })],
      ['an object nested 100,000 deep', () => ({ type: 'exportSnapshot', includeActivations: deepObject() })],
      ['a million-element array', () => ({ type: 'tokens', tokens: new Array(1e6).fill({ id: 'x' }) })],
      ['getters that throw (a proxy)', () => throwing],
    ];
    for (const [name, make] of garbage) {
      inProcessCase('message', name, async () => {
        const values = name.startsWith('null') ? (make() as unknown[]) : [make()];
        for (const v of values) {
          for (const parse of [parseFromWebview, parseToWebview]) {
            const r = parse(v);
            expect(r.ok).toBe(false);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        return 'refused';
      });
    }
  });
});
