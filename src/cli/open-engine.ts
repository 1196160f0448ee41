// Opens the Engine for a CLI command: bundle folder, --sae folders, threads; errors become UsageErrors
// (one line, non-zero exit).
import { Engine } from '../engine';
import { defaultModelDir, intArg, UsageError } from './args';

export async function openEngine(values: Record<string, any>): Promise<Engine> {
  const dir: string = values.model ?? defaultModelDir();
  const r = await Engine.open(dir, {
    threads: intArg(values.threads, 'threads', 2, 1, 64),
    extraDictionaries: values.sae ?? [],
  });
  if (!r.ok) throw new UsageError(`cannot open the model bundle ${dir}: ${r.error.message}`.replace(/\n/g, ' '));
  return r.value;
}
