// Starts a private code-server (VS Code 1.100 served to a browser) for one test file: its own HOME,
// settings, user data and a copy of the workspace fixtures, bound to 127.0.0.1 on a free port,
// with the marketplace, telemetry and update checks switched off.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCleanup, spawnGroup, type Spawned } from './processes';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const artifactsRoot = path.join(repoRoot, 'test-results', 'e2e');
export const workspaceFixtures = path.join(repoRoot, 'test', 'e2e', 'workspace');
export const CODE_SERVER_VERSION = '4.100.3';

/** The code-server binary: $CODE_SERVER_BIN, else the cache folder scripts/install-code-server.sh fills. */
export function findCodeServer(install: boolean): string {
  if (process.env.CODE_SERVER_BIN) return process.env.CODE_SERVER_BIN;
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const dir = process.env.CODE_SERVER_DIR ?? path.join(cache, 'activation-inspector', `code-server-${CODE_SERVER_VERSION}`);
  const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
  if (existsSync(bin) && existsSync(path.join(dir, '.installed'))) return bin;
  if (!install) throw new Error(`code-server not found at ${bin}: run scripts/install-code-server.sh`);
  return execFileSync('bash', [path.join(repoRoot, 'scripts', 'install-code-server.sh')], {
    env: { ...process.env, CODE_SERVER_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
}

/** Environment that keeps code-server inside `home` and away from any marketplace. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A parent VS Code (terminal, debugger) leaks IPC handles through these.
    if (k.startsWith('VSCODE_') || k.startsWith('ELECTRON_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
  };
}

export const baseSettings: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'git.enabled': false,
  'editor.hover.delay': 100,
  'editor.hover.sticky': true,
  'editor.minimap.enabled': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.parameterHints.enabled': false,
  'editor.occurrencesHighlight': 'off',
  'editor.selectionHighlight': false,
  'files.simpleDialog.enable': true,
  'files.autoSave': 'off',
  'security.workspace.trust.enabled': false,
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  'chat.commandCenter.enabled': false,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  /** Private copy of test/e2e/workspace; tests may write into it. */
  workspace: string;
  runDir: string;
  userDataDir: string;
  process: Spawned;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Names the run: logs go to test-results/e2e/<name>/. */
  name: string;
  codeServerBin: string;
  extensionsDir: string;
  settings?: Record<string, unknown>;
  /** Keep workspace trust on (the folder then opens in Restricted Mode until trusted). */
  trust?: boolean;
  /** Written to the workspace copy's .vscode/settings.json. */
  workspaceSettings?: Record<string, unknown>;
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  // Short path in /tmp: code-server's IPC sockets live under it and socket paths are limited to 108 bytes.
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'ai-e2e-'));
  const unregister = registerCleanup(() => rmSync(runDir, { recursive: true, force: true }));
  const home = path.join(runDir, 'home');
  const userDataDir = path.join(runDir, 'ud');
  const workspace = path.join(runDir, 'workspace');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(home, { recursive: true });
  cpSync(workspaceFixtures, workspace, { recursive: true });
  const trustSettings = opts.trust
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' }
    : {};
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...baseSettings, ...trustSettings, ...opts.settings }, null, 2),
  );
  if (opts.workspaceSettings) {
    mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(opts.workspaceSettings, null, 2));
  }
  const port = await freePort();
  const logDir = path.join(artifactsRoot, opts.name);
  rmSync(logDir, { recursive: true, force: true }); // screenshots and logs of this run only
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'code-server.log');
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', '/dev/null',
    '--user-data-dir', userDataDir,
    '--extensions-dir', opts.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    workspace,
  ];
  const proc = spawnGroup(opts.codeServerBin, args, { env: isolatedEnv(home), cwd: runDir, logFile });
  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    url,
    port,
    workspace,
    runDir,
    userDataDir,
    process: proc,
    logFile,
    async stop() {
      await proc.stop();
      // Keep the extension host's logs (output channels included) next to the screenshots.
      const logs = path.join(userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, path.join(logDir, 'vscode-logs'), { recursive: true });
      unregister();
      if (!process.env.E2E_KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForHealthz(url, proc);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitForHealthz(url: string, proc: Spawned, timeoutMs = 60_000): Promise<void> {
  let exited: number | string | undefined;
  void proc.exited.then((code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`code-server exited (${exited}) before it was ready`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms`);
}

/** `code-server --install-extension FILE.vsix` into `extensionsDir` (what a user does with the .vsix). */
export function installVsix(codeServerBin: string, vsix: string, extensionsDir: string): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ai-e2e-install-'));
  try {
    return execFileSync(
      codeServerBin,
      [
        '--config', '/dev/null',
        '--user-data-dir', path.join(home, 'ud'),
        '--extensions-dir', extensionsDir,
        '--install-extension', vsix,
        '--force',
      ],
      { env: isolatedEnv(home), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 },
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
