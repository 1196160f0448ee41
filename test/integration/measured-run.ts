// Runs the CLI in a child process and reports what it cost: the peak resident set of the whole process
// (inference worker included, from process.resourceUsage() at exit) and whether it ended within a bound.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MeasuredRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Peak resident set size in bytes; null when the process did not exit by itself (killed, hung). */
  maxRss: number | null;
  ms: number;
  /** Killed at the time limit. */
  timedOut: boolean;
}

/** 2 GB, the most memory any run may peak at. */
export const MEMORY_BOUND_BYTES = 2 * 1024 ** 3;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-measured-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const preload = path.join(dir, 'report-max-rss.cjs');
fs.writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.AI_MAX_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)));\n");

let runs = 0;

/** node `script` `args`, killed after `timeoutMs`. */
export function measuredRun(script: string, args: string[], timeoutMs: number): MeasuredRun {
  const report = path.join(dir, `rss-${process.pid}-${runs++}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, script, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, AI_MAX_RSS_FILE: report },
  });
  const ms = performance.now() - t0;
  const maxRss = fs.existsSync(report) ? Number(fs.readFileSync(report, 'utf8')) : null;
  fs.rmSync(report, { force: true });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '', maxRss, ms, timedOut };
}
