// One esbuild script for every bundle the product ships.
//   dist/extension.js  src/extension.ts   (node, cjs; vscode and onnxruntime-node stay external)
//   dist/cli.js        src/cli/main.ts    (node, cjs, with a shebang: package.json bin)
//   dist/worker.js     src/engine/worker/worker.ts  (the worker thread: analyses, explanations, edits)
//   dist/webview.js    webview/main.ts    (browser, iife; its CSS lands in dist/webview.css)
// Usage: node scripts/build.mjs [--production] [--watch] [--only cli,worker]
//   default       readable bundles with source maps beside them (dist/*.map), for debugging and tests
//   --production  what ships in the .vsix (scripts/package.mjs builds this way): minified, no source
//                 maps, so no source text travels with the package
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/build.mjs [--production] [--watch] [--only cli,worker]';
let args;
try {
  args = parseArgs({
    options: {
      production: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(`build: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const { production, watch } = args;
const only = args.only ? new Set(args.only.split(',')) : null;

const node = { platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };
const entries = [
  { entry: 'src/extension.ts', out: 'dist/extension.js', ...node },
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', ...node, banner: { js: '#!/usr/bin/env node' } },
  { entry: 'src/engine/worker/worker.ts', out: 'dist/worker.js', ...node },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

function removeSourceMaps(out) {
  for (const ext of ['.js', '.css']) {
    fs.rmSync(path.join(root, out.replace(/\.js$/, ext) + '.map'), { force: true });
  }
}

let failed = 0;
for (const e of entries) {
  if (only && !only.has(path.basename(e.out, '.js'))) continue;
  const { entry, out, ...rest } = e;
  const options = {
    entryPoints: [path.join(root, entry)],
    outfile: path.join(root, out),
    bundle: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'error',
    ...rest,
  };
  try {
    if (watch) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    } else {
      // A production build leaves no stale maps from an earlier debug build beside its output.
      if (production) removeSourceMaps(out);
      await esbuild.build(options);
      if (out === 'dist/cli.js') fs.chmodSync(path.join(root, out), 0o755);
      console.log(`built ${out}`);
    }
  } catch {
    // esbuild has printed the errors; keep building the other entries, fail at the end.
    failed++;
    console.log(`FAILED ${out}`);
  }
}
// SQLite (sql.js, the feature index) loads its WebAssembly from beside the bundle that uses it.
if (!only || only.has('extension') || only.has('cli')) {
  fs.copyFileSync(path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(root, 'dist/sql-wasm.wasm'));
}
if (watch) console.log('watching…');
else if (failed) process.exit(1);
