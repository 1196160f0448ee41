// Runs once before the e2e files: makes sure code-server is installed, packs the extension into the
// .vsix that ships (scripts/package.mjs) and installs that file with `code-server --install-extension`,
// so every test drives what a user would install, not the source folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { artifactsRoot, findCodeServer, installVsix, repoRoot } from './harness/codeServer';
import type { E2EContext } from './harness/context';

export default function setup(project: TestProject) {
  const started = Date.now();
  mkdirSync(artifactsRoot, { recursive: true });
  const codeServerBin = findCodeServer(true);

  let vsix = process.env.E2E_VSIX ? path.resolve(process.env.E2E_VSIX) : '';
  if (!vsix) {
    if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    }
    vsix = path.join(artifactsRoot, 'activation-inspector-linux-x64.vsix');
    // The size bar is checked by a test of its own (editor.test.ts), so an oversized package still
    // gets every other check instead of stopping the suite here.
    const args = ['--target', 'linux-x64', '--out', vsix, '--max-mb', '100000'];
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  const extensionsDir = path.join(artifactsRoot, '.extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  installVsix(codeServerBin, vsix, extensionsDir);
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const prefix = `${pkg.publisher}.${pkg.name}-`.toLowerCase();
  const installed = readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(prefix));
  if (!installed) throw new Error(`the .vsix did not install into ${extensionsDir} (found: ${readdirSync(extensionsDir).join(', ')})`);

  const context: E2EContext = {
    codeServerBin,
    extensionsDir,
    vsix,
    installedExtension: path.join(extensionsDir, installed),
  };
  project.provide('e2e', context);
  console.log(`e2e setup: ${path.relative(repoRoot, vsix)} installed as ${installed} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
