// Opens the Engine for a CLI command: bundle folder, --sae folders, threads; errors become UsageErrors
// (one line, non-zero exit) that name what failed: the bundle, or the --sae folder at fault.
import path from 'node:path';
import { Engine } from '../engine';
import { type ArgValues, defaultModelDir, intArg, stringArg, UsageError } from './args';

/** The --sae folder that `file` is, or lies in; undefined when the problem is the bundle's. */
function saeFolderOf(file: string | undefined, saeDirs: string[]): string | undefined {
  if (file === undefined) return undefined;
  const abs = path.resolve(file);
  return saeDirs.find((d) => {
    const rel = path.relative(path.resolve(d), abs);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

export async function openEngine(values: ArgValues): Promise<Engine> {
  const dir = stringArg(values.model) ?? defaultModelDir();
  const saeDirs = Array.isArray(values.sae) ? values.sae : [];
  const r = await Engine.open(dir, {
    threads: intArg(values.threads, 'threads', 2, 1, 64),
    extraDictionaries: saeDirs,
  });
  if (!r.ok) {
    const sae = saeFolderOf(r.error.file, saeDirs);
    const what = sae !== undefined ? `cannot attach --sae ${sae}` : `cannot open the model bundle ${dir}`;
    throw new UsageError(`${what}: ${r.error.message}`.replace(/\n/g, ' '));
  }
  return r.value;
}
