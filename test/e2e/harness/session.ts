// One code-server + one browser page per test file, started in beforeAll and fully stopped in
// afterAll (the page, the browser, then code-server's whole process group). The file's tests share it
// and run in order, like one person working through a session.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, inject } from 'vitest';
import { startCodeServer, type CodeServer } from './codeServer';
import type { E2EContext } from './context';
import { runningGroups } from './processes';
import { launchBrowser, openWorkbench, type Workbench } from './workbench';

export interface Session {
  server: CodeServer;
  wb: Workbench;
  ctx: E2EContext;
  /** "Activation Inspector: Toggle Heat Map" for a command id, read from the installed package.json. */
  commandLabel(id: string): string;
}

export function useSession(
  name: string,
  options: { settings?: Record<string, unknown>; trust?: boolean; workspaceSettings?: Record<string, unknown> } = {},
): Session {
  const session = {} as Session;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const ctx = inject('e2e');
    session.ctx = ctx;
    const manifest = JSON.parse(readFileSync(path.join(ctx.installedExtension, 'package.json'), 'utf8'));
    const commands: { command: string; title: string; category?: string }[] = manifest.contributes?.commands ?? [];
    session.commandLabel = (id) => {
      const c = commands.find((x) => x.command === id);
      if (!c) throw new Error(`command ${id} is not contributed by the installed extension`);
      return c.category ? `${c.category}: ${c.title}` : c.title;
    };
    session.server = await startCodeServer({ name, codeServerBin: ctx.codeServerBin, extensionsDir: ctx.extensionsDir, ...options });
    browser = await launchBrowser();
    session.wb = await openWorkbench(browser, session.server.url, session.server.workspace, name);
  });
  // What the screen looked like when a test failed.
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const name = task.name.replace(/[^\w]+/g, '-').slice(0, 60);
      await session.wb?.shot(`FAILED-${name}`).catch(() => undefined);
    });
  });
  afterAll(async () => {
    const offHost = session.wb?.offHost ?? [];
    await session.wb?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const pid = session.server?.process.pid;
    await session.server?.stop();
    // The harness must leave nothing running behind it.
    expect(runningGroups()).toEqual([]);
    if (pid !== undefined) {
      let alive = true;
      try {
        process.kill(-pid, 0);
      } catch {
        alive = false;
      }
      expect(alive, `code-server process group ${pid} still running`).toBe(false);
    }
    expect(offHost, 'requests that left 127.0.0.1').toEqual([]);
  });
  return session;
}
