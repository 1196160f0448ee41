// Runs the built `activation-inspector` (buildCli()) as users do: a real process; exit code and output.
import { spawnSync } from 'node:child_process';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export function runCli(cli: string, args: readonly string[], timeout = 120_000): CliRun {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A few lines of Python the CLI tests repeat into their sample file. */
export const SAMPLE_PY = 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n\n\nprint(add(1, 2))\n';
