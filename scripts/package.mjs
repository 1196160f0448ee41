#!/usr/bin/env node
// Builds the production bundles (`scripts/build.mjs --production`: minified, no source maps), packs them
// into a platform-specific .vsix and checks it: the default model is inside, only the target's ONNX
// Runtime binaries are, every module the bundles require at run time ships with them, the shipped
// JavaScript is minified and carries no source text, and the file stays under the size budget.
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
import { parseArgs } from 'node:util';

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

const USAGE = 'usage: node scripts/package.mjs [--target linux-x64] [--out FILE.vsix] [--max-mb 60]';
// Shipped bundles average thousands of characters a line when minified, about 40 when not; the toolkit's
// HTML templates keep their line breaks, so the panel's bundle sits lowest (about 200).
const MIN_MEAN_LINE_LENGTH = 100;

function readArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        target: { type: 'string', default: 'linux-x64' },
        out: { type: 'string', short: 'o' },
        'max-mb': { type: 'string', default: '60' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail(`${e.message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!TARGETS[values.target]) fail(`unknown target ${values.target}; one of ${Object.keys(TARGETS).join(', ')}`);
  const maxMb = Number(values['max-mb']);
  if (!(maxMb > 0)) fail(`--max-mb must be a positive number, got ${values['max-mb']}`);
  return { target: values.target, out: values.out, maxMb };
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

// A shipped bundle must be minified and must not carry its sources (inline source map or sourcesContent).
function productionProblems(distFile) {
  const text = readFileSync(path.join(root, distFile), 'utf8');
  const problems = [];
  if (/[#@] sourceMappingURL=/.test(text)) problems.push(`${distFile} points at a source map`);
  if (text.includes('"sourcesContent"')) problems.push(`${distFile} embeds its sources`);
  const meanLineLength = text.length / text.split('\n').length;
  if (distFile.endsWith('.js') && meanLineLength < MIN_MEAN_LINE_LENGTH) {
    problems.push(`${distFile} is not minified (${meanLineLength.toFixed(0)} characters a line)`);
  }
  return problems;
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
  for (const k of entries.keys()) {
    if (/^extension\/dist\/[^/]+\.(js|css)$/.test(k)) problems.push(...productionProblems(k.replace(/^extension\//, '')));
  }
  const bytes = statSync(out).size;
  if (bytes > maxMb * 2 ** 20) problems.push(`${(bytes / 2 ** 20).toFixed(1)} MB is over the ${maxMb} MB budget`);
  return { problems, bytes };
}

const args = readArgs(process.argv.slice(2));
try {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
} catch {
  fail('the production build failed (esbuild printed why above)');
}
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
