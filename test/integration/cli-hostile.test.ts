// The CLI under hostile and huge inputs: nothing lost (--out never replaces an input or a file that is
// not a snapshot), nothing frozen (devices, FIFOs and files over the limit are refused up front, long runs
// show progress), and every limit and refusal said in one line on stderr.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/engine/snapshot';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../src/shared/limits';
import { buildCli, testBundle } from './inference-helpers';

let cli = '';
let bundle = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-hostile-'));
const source = path.join(tmp, 'input.py');
const SOURCE_TEXT = 'def add(a, b):\n    return a + b\n';

function run(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

function expectOneLineError(r: ReturnType<typeof run>, message: RegExp) {
  expect(r.code, r.err).toBe(1);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(message);
}

beforeAll(async () => {
  cli = await buildCli();
  bundle = testBundle();
  fs.writeFileSync(source, SOURCE_TEXT);
});

afterAll(() => {
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('--out never loses data', () => {
  it('refuses the input file as --out, before opening the model, and leaves it as it was', () => {
    // A model folder that does not exist: the refusal comes first, before any work.
    const r = run(['analyze', source, '--out', source, '--model', path.join(tmp, 'no-model')]);
    expectOneLineError(r, /--out .*input\.py is the input file/);
    expect(fs.readFileSync(source, 'utf8')).toBe(SOURCE_TEXT);
  });

  it('refuses a link to the input file', () => {
    const link = path.join(tmp, 'link.json');
    fs.symlinkSync(source, link);
    expectOneLineError(run(['analyze', source, '--out', link, '--model', bundle]), /is the input file .*through a link/);
    expect(fs.readFileSync(source, 'utf8')).toBe(SOURCE_TEXT);
  });

  it('refuses an existing file that is not a snapshot, without echoing its content', () => {
    const notes = path.join(tmp, 'notes.json');
    fs.writeFileSync(notes, 'my private notes\n');
    const r = run(['analyze', source, '--out', notes, '--model', bundle]);
    expectOneLineError(r, /notes\.json exists and is not an Activation Inspector snapshot/);
    expect(r.err).not.toMatch(/private/);
    expect(fs.readFileSync(notes, 'utf8')).toBe('my private notes\n');
  });

  it('replaces a snapshot it wrote itself', () => {
    const out = path.join(tmp, 'again.json');
    expect(run(['analyze', source, '--out', out, '--model', bundle]).code).toBe(0);
    const r = run(['analyze', source, '--out', out, '--model', bundle]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('refuses --out x.safetensors with --include-activations (both files on one path)', () => {
    const out = path.join(tmp, 'x.safetensors');
    expectOneLineError(run(['analyze', source, '--out', out, '--include-activations', '--model', bundle]), /ends in \.safetensors/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses an empty --out instead of printing the table', () => {
    const r = run(['analyze', source, '--out', '', '--model', bundle]);
    expectOneLineError(r, /--out is empty/);
    expect(r.out).toBe('');
  });
});

describe('inputs that would freeze it are refused up front', () => {
  it('refuses a device (/dev/zero)', () => {
    expectOneLineError(run(['analyze', '/dev/zero', '--model', bundle], 30_000), /\/dev\/zero is not a regular file/);
  });

  it('refuses a FIFO with no writer instead of waiting for one', () => {
    const fifo = path.join(tmp, 'pipe.py');
    execFileSync('mkfifo', [fifo]);
    const r = run(['analyze', fifo, '--model', bundle], 30_000);
    expect(r.signal).toBeNull();
    expectOneLineError(r, /pipe\.py is not a regular file/);
  });

  it('refuses a file over the default limit before reading it, and says how to raise it', () => {
    const big = path.join(tmp, 'big.py');
    fs.writeFileSync(big, 'x'.repeat(DEFAULT_MAX_DOCUMENT_BYTES + 1));
    const r = run(['analyze', big, '--model', bundle], 30_000);
    expectOneLineError(r, new RegExp(`more than the limit of ${DEFAULT_MAX_DOCUMENT_BYTES.toLocaleString('en-US')}; --max-bytes N raises it`));
    expectOneLineError(run(['eval', big, '--model', bundle], 30_000), /--max-bytes/);
  });

  it('--max-bytes lowers and raises the limit', () => {
    expectOneLineError(run(['analyze', source, '--max-bytes', '10', '--model', bundle]), /more than the limit of 10/);
    expectOneLineError(run(['analyze', source, '--max-bytes', '0', '--model', bundle]), /--max-bytes must be an integer/);
    expect(run(['analyze', source, '--max-bytes', String(SOURCE_TEXT.length), '--model', bundle]).code).toBe(0);
  });

  it('--progress reports the analysis on stderr, and stdout keeps only the table', () => {
    const r = run(['analyze', source, '--progress', '--model', bundle]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/analyzing .*input\.py: \d+\/\d+ tokens \(100%\)/);
    expect(r.out).not.toMatch(/analyzing/);
    const quiet = run(['analyze', source, '--model', bundle]);
    expect(quiet.err).toBe('');
  });
});

describe('output that says what it means', () => {
  it.each([
    ['an empty file', ''],
    ['a one-byte file', 'x'],
  ])('eval on %s says there is nothing to score', (_name, content) => {
    const f = path.join(tmp, `eval-${content.length}.py`);
    fs.writeFileSync(f, content);
    const r = run(['eval', f, '--model', bundle]);
    expectOneLineError(r, /nothing to score/);
    expect(r.out).not.toMatch(/NaN|Infinity/);
  });

  it('escapes C0 and C1 control characters in the table', () => {
    const f = path.join(tmp, 'controls.py');
    fs.writeFileSync(f, 'x = "\u009b31m\u001b[2J\u0085"\n');
    const r = run(['analyze', f, '--model', bundle]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\\u\{009B\}/);
    // Nothing but newlines among the C0 and C1 controls reaches the terminal.
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('escapes control characters of a file name in an error message', () => {
    const r = run(['analyze', path.join(tmp, 'a\u001b[2Jb\u009b.py'), '--model', bundle]);
    expectOneLineError(r, /a\\u\{001B\}\[2Jb\\u\{009B\}\.py does not exist/);
    expect(r.err).not.toMatch(/[\u001b\u009b]/);
  });

  it('records a dropped byte-order mark: the file is EF BB BF + the snapshot text, whose sha256 it records', async () => {
    const f = path.join(tmp, 'bom.py');
    fs.writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SOURCE_TEXT)]));
    const out = path.join(tmp, 'bom.json');
    expect(run(['analyze', f, '--out', out, '--model', bundle]).code).toBe(0);
    const snap = await readSnapshot(out);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.value.document.byteOrderMark).toBe(true);
    expect(snap.value.document.text).toBe(SOURCE_TEXT);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(snap.value.document.text)]))).toBe(sha(fs.readFileSync(f)));
    const plain = path.join(tmp, 'plain.json');
    expect(run(['analyze', source, '--out', plain, '--model', bundle]).code).toBe(0);
    const p = await readSnapshot(plain);
    expect(p.ok && p.value.document.byteOrderMark).toBeUndefined();
  });
});

describe('--sae errors name the SAE folder', () => {
  it('a broken cfg.json is reported against the --sae folder, not the model bundle, and not quoted', () => {
    const sae = path.join(tmp, 'broken-sae');
    fs.mkdirSync(sae);
    fs.writeFileSync(path.join(sae, 'cfg.json'), 'password=hunter2\n');
    const r = run(['analyze', source, '--model', bundle, '--sae', sae]);
    expectOneLineError(r, new RegExp(`cannot attach --sae ${sae.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.err).not.toMatch(/cannot open the model bundle/);
    expect(r.err).not.toMatch(/hunter2/);
  });

  it('refuses a second --sae for the same hook, naming both folders', () => {
    const sae = `${bundle}-extra-sae`;
    const copy = path.join(tmp, 'extra-sae-copy');
    fs.cpSync(sae, copy, { recursive: true });
    const r = run(['analyze', source, '--model', bundle, '--sae', sae, '--sae', copy]);
    expectOneLineError(r, /a second dictionary for hook blocks\.1\.hook_resid_pre/);
    expect(r.err).toContain(copy);
    expect(r.err).toContain(sae);
  });
});
