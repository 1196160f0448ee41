// The files of a folder that the index covers: regular files (symbolic links are not followed), not in
// .git, not ignored by any .gitignore on the way down (each applies to its own folder, as in git), at
// most maxBytes, and accepted by `accept` (languages). Paths come back relative, '/'-separated, sorted.
import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

export interface WalkOptions {
  maxBytes: number;
  /** Further filter on the relative path (e.g. enabled languages, files.exclude). */
  accept?: (relPath: string) => boolean;
  signal?: AbortSignal;
}

interface Rules {
  /** Folder (relative, '' for the root) the rules' patterns are relative to. */
  base: string;
  rules: Ignore;
}

function ignoredBy(stack: readonly Rules[], rel: string, isDir: boolean): boolean {
  for (const { base, rules } of stack) {
    const sub = base ? rel.slice(base.length + 1) : rel;
    if (sub && rules.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/** Walks asynchronously (fs.promises: each folder read and file stat leaves the event loop free, so the
 *  editor's extension host stays responsive on a large workspace); stops early, with what it has, once
 *  `signal` aborts. Folders are visited one at a time in name order, so the result is sorted as before. */
export async function listIndexableFiles(root: string, options: WalkOptions): Promise<string[]> {
  const out: string[] = [];
  const visit = async (relDir: string, stack: Rules[]): Promise<void> => {
    if (options.signal?.aborted) return;
    const abs = path.join(root, relDir);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to index there
    }
    const here = entries.some((e) => e.isFile() && e.name === '.gitignore') ? [...stack, { base: relDir, rules: ignore().add(await readRules(path.join(abs, '.gitignore'))) }] : stack;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (options.signal?.aborted) return;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git' || ignoredBy(here, rel, true)) continue;
        await visit(rel, here);
      } else if (e.isFile()) {
        if (ignoredBy(here, rel, false) || (options.accept && !options.accept(rel))) continue;
        try {
          if ((await fs.promises.stat(path.join(root, rel))).size <= options.maxBytes) out.push(rel);
        } catch {
          // vanished meanwhile
        }
      }
    }
  };
  await visit('', []);
  return out;
}

async function readRules(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return ''; // vanished or unreadable meanwhile: no rules from it
  }
}
