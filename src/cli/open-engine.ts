// Opens the Engine for a CLI command: bundle folder, --sae folders, threads; errors become UsageErrors
// (one line, non-zero exit).
import { Engine } from '../engine';
import { type ArgValues, defaultModelDir, intArg, stringArg, UsageError } from './args';

export async function openEngine(values: ArgValues): Promise<Engine> {
  const dir = stringArg(values.model) ?? defaultModelDir();
  const r = await Engine.open(dir, {
    threads: intArg(values.threads, 'threads', 2, 1, 64),
    extraDictionaries: Array.isArray(values.sae) ? values.sae : [],
  });
  if (!r.ok) throw new UsageError(`cannot open the model bundle ${dir}: ${r.error.message}`.replace(/\n/g, ' '));
  return r.value;
}
