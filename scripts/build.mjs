// One esbuild script for every bundle the product ships. Entries whose source does not exist yet are
// skipped, so the build works while parts of the tree are still being written.
//   dist/extension.js  src/extension.ts   (node, cjs; vscode and onnxruntime-node stay external)
//   dist/cli.js        src/cli/main.ts    (node, cjs, with a shebang: package.json bin)
//   dist/worker.js     src/engine/inference/worker.ts  (the inference worker thread)
//   dist/webview.js    webview/main.ts    (browser, iife)
// Usage: node scripts/build.mjs [--watch] [--minify] [--only cli,worker]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;

const node = { platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };
const entries = [
  { entry: 'src/extension.ts', out: 'dist/extension.js', ...node },
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', ...node, banner: { js: '#!/usr/bin/env node' } },
  { entry: 'src/engine/inference/worker.ts', out: 'dist/worker.js', ...node },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

let failed = 0;
for (const e of entries) {
  if (only && !only.has(path.basename(e.out, '.js'))) continue;
  if (!fs.existsSync(path.join(root, e.entry))) {
    console.log(`skip ${e.out} (no ${e.entry} yet)`);
    continue;
  }
  const { entry, out, ...rest } = e;
  const options = {
    entryPoints: [path.join(root, entry)],
    outfile: path.join(root, out),
    bundle: true,
    sourcemap: true,
    minify,
    logLevel: 'error',
    ...rest,
  };
  try {
    if (watch) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    } else {
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
if (watch) console.log('watching…');
else if (failed) process.exit(1);
