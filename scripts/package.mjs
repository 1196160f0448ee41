#!/usr/bin/env node
// Packs the built extension (dist/ from `npm run build`) into a platform-specific .vsix and checks it:
// the default model is inside, only the target's ONNX Runtime binaries are, every module the bundles
// require at run time ships with them, and the file stays under the size budget.
//
//   node scripts/package.mjs [--target linux-x64] [--out FILE.vsix] [--max-mb 60]
//
// Targets: linux-x64 (default), linux-arm64, darwin-arm64, win32-x64, win32-arm64 (what onnxruntime-node 1.30 ships).
// `.vscodeignore` is written for linux-x64; for another target its binaries line is rewritten.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_MODEL = 'media/models/code-gpt2-2l';
// onnxruntime-node 1.30 ships binaries for these platform/arch folders only.
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

function parseArgs(argv) {
  const args = { target: 'linux-x64', out: undefined, maxMb: 60 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') args.target = argv[++i];
    else if (a === '--out' || a === '-o') args.out = argv[++i];
    else if (a === '--max-mb') args.maxMb = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/package.mjs [--target linux-x64] [--out FILE.vsix] [--max-mb 60]');
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  if (!TARGETS[args.target]) fail(`unknown target ${args.target}; one of ${Object.keys(TARGETS).join(', ')}`);
  return args;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function writeIgnoreFile(target) {
  const source = readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  const binaries = 'napi-v6/linux/x64';
  if (!source.includes(binaries)) fail(`.vscodeignore has no line for ${binaries}`);
  const rewritten = source.replaceAll(binaries, `napi-v6/${TARGETS[target]}`);
  const dir = path.join(root, '.cache', 'package');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `vscodeignore-${target}`);
  writeFileSync(file, rewritten);
  return file;
}

function runVsce(target, ignoreFile, out) {
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(vsce)) fail('@vscode/vsce is not installed: run npm ci');
  // README links stay relative (docs/ ships inside): there is no public repository URL to point them at.
  const args = [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
  if (!['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(path.join(root, f)))) args.push('--skip-license');
  // No stdin: vsce must never wait on a question (CI has no terminal).
  execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function listVsix(file) {
  const requireFromVsce = createRequire(path.join(root, 'node_modules', '@vscode', 'vsce', 'package.json'));
  const yauzl = requireFromVsce('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map();
      zip.on('entry', (entry) => {
        entries.set(entry.fileName, entry.uncompressedSize);
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

// Bare module names the bundles load at run time (esbuild leaves externals as require("name")).
function requiredPackages(bundle) {
  const text = readFileSync(bundle, 'utf8');
  const names = new Set();
  // Calls only: `require("x")` inside a string or template (code generators such as Ajv's) is not a load.
  for (const m of text.matchAll(/(?<![\w$.'"`])(?:require|import)\(\s*["']([^"'.\/][^"']*)["']\s*\)/g)) {
    const spec = m[1];
    if (spec.startsWith('node:') || spec === 'vscode') continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (builtinModules.includes(name)) continue;
    names.add(name);
  }
  return names;
}

function check(entries, target, out, maxMb) {
  const problems = [];
  const has = (p) => entries.has(`extension/${p}`);
  for (const f of ['package.json', 'dist/extension.js', `${DEFAULT_MODEL}/manifest.json`]) {
    if (!has(f)) problems.push(`missing ${f}`);
  }
  const ortDir = `node_modules/onnxruntime-node/bin/napi-v6/${TARGETS[target]}`;
  if (![...entries.keys()].some((k) => k.startsWith(`extension/${ortDir}/`) && k.endsWith('.node'))) {
    problems.push(`missing ONNX Runtime binding in ${ortDir}`);
  }
  const foreign = [...entries.keys()].filter(
    (k) => k.includes('/onnxruntime-node/bin/') && !k.startsWith(`extension/${ortDir}/`),
  );
  if (foreign.length) problems.push(`other platforms' binaries included: ${foreign.slice(0, 3).join(', ')}`);
  for (const k of entries.keys()) {
    if (/^extension\/(src|test|training|webview)\//.test(k) || k.endsWith('.map') || k.endsWith('.vsix')) {
      problems.push(`source or build leftovers shipped: ${k}`);
      break;
    }
  }
  for (const bundle of ['extension.js', 'worker.js', 'cli.js']) {
    const file = path.join(root, 'dist', bundle);
    if (!existsSync(file)) continue;
    for (const name of requiredPackages(file)) {
      if (!has(`node_modules/${name}/package.json`)) problems.push(`dist/${bundle} requires "${name}", which is not in the .vsix`);
    }
  }
  const bytes = statSync(out).size;
  if (bytes > maxMb * 2 ** 20) problems.push(`${(bytes / 2 ** 20).toFixed(1)} MB is over the ${maxMb} MB budget`);
  return { problems, bytes };
}

const args = parseArgs(process.argv.slice(2));
if (!existsSync(path.join(root, 'dist', 'extension.js'))) fail('dist/extension.js is missing: run `npm run build` first');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(args.out ?? path.join(root, `${pkg.name}-${args.target}-${pkg.version}.vsix`));
mkdirSync(path.dirname(out), { recursive: true });

runVsce(args.target, writeIgnoreFile(args.target), out);
const entries = await listVsix(out);
const { problems, bytes } = check(entries, args.target, out, args.maxMb);
const unpacked = [...entries.values()].reduce((a, b) => a + b, 0);
console.log(
  `package: ${path.relative(process.cwd(), out) || out}: ${(bytes / 2 ** 20).toFixed(1)} MB ` +
    `(${(unpacked / 2 ** 20).toFixed(1)} MB unpacked, ${entries.size} files, target ${args.target})`,
);
if (problems.length) {
  for (const p of problems) console.error(`package: ${p}`);
  const largest = [...entries].sort((a, b) => b[1] - a[1]).slice(0, 6);
  console.error(`package: largest files (unpacked): ${largest.map(([f, n]) => `${f.replace(/^extension\//, '')} ${(n / 2 ** 20).toFixed(1)} MB`).join(', ')}`);
  process.exit(1);
}
