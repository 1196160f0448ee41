// Every process the e2e harness starts goes through here. Each is spawned detached, as the leader of
// its own process group, so stopping it also stops what it started (code-server's extension host,
// file watcher, pty host): killing only the leader would leave an extension host running after the test.
import { spawn, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

const liveGroups = new Set<number>();
const cleanups = new Set<() => void>();

/** A synchronous clean-up (e.g. removing a temp folder) to run if the process is interrupted. */
export function registerCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export interface Spawned {
  pid: number;
  /** Resolves with the exit code (or signal name) when the leader exits. */
  exited: Promise<number | string>;
  /** SIGTERM to the whole group, then SIGKILL after `graceMs` if any member is still there. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGroup(
  command: string,
  args: string[],
  options: SpawnOptions & { logFile: string },
): Spawned {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  liveGroups.add(pid);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-error'));
  });
  return {
    pid,
    exited,
    async stop(graceMs = 5_000) {
      await stopGroup(pid, graceMs);
      log.end();
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopGroup(pgid: number, graceMs = 5_000): Promise<void> {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    liveGroups.delete(pgid);
    return;
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
    const hardDeadline = Date.now() + 2_000;
    while (groupAlive(pgid) && Date.now() < hardDeadline) await new Promise((r) => setTimeout(r, 50));
  }
  liveGroups.delete(pgid);
}

/** Groups still running (for a test that checks the harness left nothing behind). */
export function runningGroups(): number[] {
  return [...liveGroups].filter(groupAlive);
}

// Last line of defence: if the test process ends or is interrupted without afterAll running, kill
// every group we started. Synchronous, because 'exit' handlers cannot wait.
function killAllNow() {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort while exiting
    }
  }
  cleanups.clear();
}

const installed = Symbol.for('activation-inspector.e2e.cleanup');
const g = globalThis as Record<symbol, boolean>;
if (!g[installed]) {
  g[installed] = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.kill(process.pid, signal);
    });
  }
}
