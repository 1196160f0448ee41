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

/** The worker's KV cache budget: a command analyses a file once, so the cache only serves the work that
 *  follows on the same text (edits, explain) near where it is, not edits anywhere in a long document. */
const CLI_CACHE_BYTES = 64 * 2 ** 20;

export async function openEngine(values: ArgValues): Promise<Engine> {
  const dir = stringArg(values.model) ?? defaultModelDir();
  const saeDirs = Array.isArray(values.sae) ? values.sae : [];
  const r = await Engine.open(dir, {
    threads: intArg(values.threads, 'threads', 2, 1, 64),
    extraDictionaries: saeDirs,
    cacheBytes: CLI_CACHE_BYTES,
  });
  if (!r.ok) {
    const sae = saeFolderOf(r.error.file, saeDirs);
    const what = sae !== undefined ? `cannot attach --sae ${sae}` : `cannot open the model bundle ${dir}`;
    throw new UsageError(`${what}: ${r.error.message}`.replace(/\n/g, ' '));
  }
  return r.value;
}
