// The editor side of comparisons: colour bins and sentences (pure), the token under the cursor, and the
// other versions read without writing: the saved file and git HEAD (through `git show` when VS Code's
// git extension is not there).
import { afterAll, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { deltaAt } from '../../src/editor/compare/comparisonView';
import { deltaBin, deltaColorId, deltaSentence, formatP } from '../../src/editor/compare/present';
import { headVersion } from '../../src/editor/compare/sources';
import type { TokenDelta } from '../../src/engine';
import { FakeDocument, Uri } from './editorFakeVscode';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-compare-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const delta = (over: Partial<TokenDelta>): TokenDelta => ({
  start: 0, end: 1, text: 'x', matched: true, aIndex: 0, logprobBefore: Math.log(0.41), logprobAfter: Math.log(0.02), deltaLogprob: Math.log(0.02 / 0.41), featureChanges: [], ...over,
});

describe('comparison presentation', () => {
  it('bins changes by bits, both ways, with a colour per bin', () => {
    expect(deltaBin(null)).toBe(0);
    expect(deltaBin(0.1 * Math.LN2)).toBe(0);
    expect(deltaBin(1 * Math.LN2)).toBe(1);
    expect(deltaBin(-3 * Math.LN2)).toBe(-2);
    expect(deltaBin(6 * Math.LN2)).toBe(3);
    expect(deltaColorId(-3)).toBe('activationInspector.compare.less3Background');
    expect(deltaColorId(0)).toBeUndefined();
  });

  it('says what the probability was and is', () => {
    expect(deltaSentence(delta({}))).toBe('was p 0.41, now 0.02 (−4.36 bits)');
    expect(deltaSentence(delta({ matched: false, aIndex: null, deltaLogprob: null }))).toMatch(/new or changed text/);
    expect(formatP(0.003)).toBe('0.003');
  });

  it('finds the compared token under an offset', () => {
    const tokens = [delta({ start: 0, end: 3 }), delta({ start: 3, end: 3 }), delta({ start: 3, end: 7 })];
    expect(deltaAt(tokens, 4)?.start).toBe(3);
    expect(deltaAt(tokens, 0)?.end).toBe(3);
    expect(deltaAt(tokens, 9)).toBeUndefined();
  });
});

describe('git HEAD', () => {
  it('reads the committed text with git show, and never writes to the repository', async () => {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(path.join(repo, 'sub'), { recursive: true });
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    fs.writeFileSync(path.join(repo, 'sub', 'f.py'), 'x = 1\n');
    git('add', '.');
    git('commit', '-qm', 'one');
    fs.writeFileSync(path.join(repo, 'sub', 'f.py'), 'x = 2\n');
    const before = git('status', '--porcelain');
    const doc = new FakeDocument(Uri.file(path.join(repo, 'sub', 'f.py')), 'x = 2\n', 'python');
    const head = await headVersion(doc as never);
    expect(head).toEqual({ label: 'git HEAD', text: 'x = 1\n' });
    expect(git('status', '--porcelain')).toBe(before);
    const outside = new FakeDocument(Uri.file(path.join(tmp, 'loose.py')), '', 'python');
    fs.writeFileSync(path.join(tmp, 'loose.py'), '');
    await expect(headVersion(outside as never)).rejects.toThrow(/not in a git repository/);
  });
});
