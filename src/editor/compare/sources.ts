// The "other version" of a document for a comparison: the file as saved on disk, the file at git HEAD
// (through VS Code's git extension; `git show` when the extension is not there; never written to), or
// a snapshot. Each is text to analyse, or for a snapshot a finished analysis.
import * as vscode from 'vscode';
import path from 'node:path';
import { execFile } from 'node:child_process';

export interface OtherVersion {
  /** What the comparison is with, for people: "saved", "git HEAD", "snapshot name.json". */
  label: string;
  text: string;
}

export async function savedVersion(doc: vscode.TextDocument): Promise<OtherVersion> {
  if (doc.uri.scheme === 'untitled') throw new Error('an untitled document has no saved version');
  const bytes = await vscode.workspace.fs.readFile(doc.uri);
  const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  return { label: 'saved', text };
}

interface GitRepositoryLike {
  rootUri: vscode.Uri;
  show(ref: string, filePath: string): Promise<string>;
}
interface GitApiLike {
  getRepository(uri: vscode.Uri): GitRepositoryLike | null;
}

function run(file: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { cwd, maxBuffer: 64 * 2 ** 20, encoding: 'utf8' }, (e, stdout, stderr) => (e ? reject(new Error(stderr.trim() || e.message)) : resolve(stdout))),
  );
}

export async function headVersion(doc: vscode.TextDocument): Promise<OtherVersion> {
  if (doc.uri.scheme !== 'file') throw new Error('only files on disk can be compared with git HEAD');
  const git = vscode.extensions.getExtension<{ getAPI(v: 1): GitApiLike }>('vscode.git');
  try {
    const api = git ? (git.isActive ? git.exports : await git.activate()).getAPI(1) : undefined;
    const repo = api?.getRepository(doc.uri);
    if (repo) return { label: 'git HEAD', text: await repo.show('HEAD', doc.uri.fsPath) };
  } catch {
    // fall back to the git command
  }
  const dir = path.dirname(doc.uri.fsPath);
  let root: string;
  try {
    root = (await run('git', ['rev-parse', '--show-toplevel'], dir)).trim();
  } catch {
    throw new Error(`${path.basename(doc.uri.fsPath)} is not in a git repository`);
  }
  const rel = path.relative(root, doc.uri.fsPath).split(path.sep).join('/');
  try {
    return { label: 'git HEAD', text: await run('git', ['show', `HEAD:./${rel}`], root) };
  } catch (e) {
    throw new Error(`${rel} is not in git HEAD (${(e as Error).message})`);
  }
}
