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

export function listIndexableFiles(root: string, options: WalkOptions): string[] {
  const out: string[] = [];
  const visit = (relDir: string, stack: Rules[]) => {
    if (options.signal?.aborted) return;
    const abs = path.join(root, relDir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to index there
    }
    const gitignore = entries.find((e) => e.isFile() && e.name === '.gitignore');
    const here = gitignore ? [...stack, { base: relDir, rules: ignore().add(fs.readFileSync(path.join(abs, '.gitignore'), 'utf8')) }] : stack;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git' || ignoredBy(here, rel, true)) continue;
        visit(rel, here);
      } else if (e.isFile()) {
        if (ignoredBy(here, rel, false) || (options.accept && !options.accept(rel))) continue;
        try {
          if (fs.statSync(path.join(root, rel)).size <= options.maxBytes) out.push(rel);
        } catch {
          // vanished meanwhile
        }
      }
    }
  };
  visit('', []);
  return out;
}
