// Timing one engine request for the benchmarks: its milliseconds and its value; a failed request ends
// the benchmark with a usage error that names it.
import type { Result } from '../engine';
import { UsageError } from './args';

export async function timedRequest<T>(bench: string, f: () => Promise<Result<T>>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  if (!r.ok) throw new UsageError(`${bench}: ${r.error.message}`);
  return [performance.now() - t0, r.value];
}
