// The PyTorch-eager baseline of `bench`: training/bench_pytorch.py --serve, run interleaved with the engine,
// round by round, so that both see the same machine load. Each round pauses, runs PyTorch once, pauses the
// same, runs the engine once; the figure is the median of the per-round ratios (PyTorch ms / engine ms),
// with their range.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';

export interface BaselineJob {
  bundle: string;
  ids: number[];
  features: number;
  threads: number;
  dictionaries: { hook: string; dir: string }[];
}

export type Interleaved =
  | { kind: 'ok'; info: Record<string, string>; pytorchMs: number[]; engineMs: number[]; ratios: number[] }
  /** No Python with PyTorch here: the bench goes on without this figure. */
  | { kind: 'unavailable'; reason: string }
  /** The baseline refused (a parameter not loaded, or its outputs do not match parity.json) or crashed. */
  | { kind: 'failed'; reason: string; info: Record<string, string> };

/** bench_pytorch.py's exit status when torch or onnx cannot be imported. */
const EXIT_UNAVAILABLE = 4;
/** Pause before each timed run of an interleaved comparison. */
export const PAUSE_MS = 300;

/** Environment of the baseline: what a practitioner sets for eager PyTorch on a small CPU machine (see
 *  bench_pytorch.py's docstring). The machine's OpenBLAS core-type pins are dropped for this process alone:
 *  its kernels run faster on these CPUs without them. */
function baselineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_WAIT_POLICY: 'PASSIVE',
    MALLOC_MMAP_MAX_: '0',
    MALLOC_TRIM_THRESHOLD_: '68719476736',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  delete env.OPENBLAS_NUM_THREADS; // bench_pytorch.py picks 1 or `threads` by timing both
  return env;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function interleaveWithPytorch(
  root: string,
  job: BaselineJob,
  engineRun: () => Promise<number>,
  rounds: number,
): Promise<Interleaved> {
  const file = path.join(os.tmpdir(), `activation-inspector-bench-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(job));
  const python = process.env.PYTHON || '/usr/bin/python3';
  const py = spawn(python, [path.join(root, 'training', 'bench_pytorch.py'), file, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], env: baselineEnv() });
  let stderr = '';
  let spawnError: Error | null = null;
  const exited = new Promise<number | null>((resolve) => {
    py.on('error', (e) => {
      spawnError = e;
      resolve(null);
    });
    py.on('close', (code) => resolve(code));
  });
  py.stderr.on('data', (d) => (stderr += d));
  py.stdin.on('error', () => {}); // the process may have exited: its exit status says why
  const lines = readline.createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string | null> => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  const info: Record<string, string> = {};
  const ended = async (): Promise<Interleaved> => {
    const code = await exited;
    const last = stderr.trim().split('\n').pop() || '';
    if (spawnError) return { kind: 'unavailable', reason: `${python}: ${(spawnError as Error).message}` };
    if (code === EXIT_UNAVAILABLE) return { kind: 'unavailable', reason: last || 'no PyTorch' };
    return { kind: 'failed', reason: last || `${python} exited with status ${code}`, info };
  };
  try {
    for (;;) {
      const line = await next();
      if (line === null) return await ended();
      if (line === 'ready') break;
      const at = line.indexOf(': ');
      if (at > 0) info[line.slice(0, at)] = line.slice(at + 2);
    }
    const pytorchMs: number[] = [];
    const engineMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await sleep(PAUSE_MS);
      py.stdin.write('run\n');
      const line = await next();
      if (line === null || !line.startsWith('ms: ')) return await ended();
      pytorchMs.push(Number(line.slice(4)));
      await sleep(PAUSE_MS);
      engineMs.push(await engineRun());
    }
    return { kind: 'ok', info, pytorchMs, engineMs, ratios: pytorchMs.map((p, i) => p / engineMs[i]) };
  } finally {
    py.stdin.end('quit\n');
    if (py.exitCode === null) py.kill();
    fs.rmSync(file, { force: true });
  }
}
