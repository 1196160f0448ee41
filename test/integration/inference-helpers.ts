// Shared by the engine's integration tests: a built worker, a small test bundle, and the real bundle
// when it is there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Builds src/engine/worker/worker.ts to a private file (tests never depend on a stale dist/). */
export async function buildWorker(): Promise<string> {
  const out = path.join(os.tmpdir(), `ai-worker-${process.pid}-${Date.now()}.js`);
  await esbuild.build({
    entryPoints: [path.join(root, 'src/engine/worker/worker.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['onnxruntime-node'],
    nodePaths: [path.join(root, 'node_modules')],
    logLevel: 'error',
  });
  // The worker resolves onnxruntime-node from its own folder: point it at the repo's node_modules.
  const code = fs.readFileSync(out, 'utf8').replace(/require\("onnxruntime-node"\)/g, `require(${JSON.stringify(require.resolve('onnxruntime-node'))})`);
  fs.writeFileSync(out, code);
  process.on('exit', () => fs.rmSync(out, { force: true }));
  return out;
}

/**
 * A worker that dies the way a worker thread can die on its own when asked to analyse the document
 * `docKey`, and is the real worker otherwise: 'throw' is an uncaught exception (V8 stopping a worker
 * whose heap ran out looks the same from the main thread), 'exit' is code calling process.exit(3).
 * It dies before that request reaches the model, never while ONNX Runtime is running: ending a
 * worker thread under a native run still in flight takes the whole process down later, when the run
 * calls back into the torn-down thread (which is what `worker.terminate()` mid-analysis once did to
 * this test's process).
 */
export function crashingWorker(realWorker: string, docKey: string, how: 'throw' | 'exit'): string {
  const out = `${realWorker.replace(/\.js$/, '')}-crashing-${how}.js`;
  const die = how === 'throw' ? "throw new Error('simulated worker crash')" : 'process.exit(3)';
  fs.writeFileSync(
    out,
    [
      "const { parentPort } = require('node:worker_threads');",
      // Registered before the real worker's listener, so it sees each message first.
      `parentPort.on('message', (m) => { if (m && m.type === 'analyze' && m.docKey === ${JSON.stringify(docKey)}) ${die}; });`,
      `require(${JSON.stringify(realWorker)});`,
      '',
    ].join('\n'),
  );
  process.on('exit', () => fs.rmSync(out, { force: true }));
  return out;
}

/** Builds dist-like cli.js + worker.js into a private folder; returns the path of cli.js. */
export async function buildCli(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-'));
  const ortPath = JSON.stringify(require.resolve('onnxruntime-node'));
  for (const [entry, out] of [['src/cli/main.ts', 'cli.js'], ['src/engine/worker/worker.ts', 'worker.js']]) {
    await esbuild.build({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(dir, out),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['onnxruntime-node'],
      logLevel: 'error',
    });
    const file = path.join(dir, out);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/require\("onnxruntime-node"\)/g, `require(${ortPath})`));
  }
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'cli.js');
}

/**
 * A random GPT-2 bundle (n_ctx 64, d 64, three SAE architectures), built once per machine and per
 * version of what builds it (the folder name hashes the builder script, the bundle writer and the
 * tokenizer, so a change to any of them never meets a stale bundle).
 */
export function testBundle(opts: { ctx?: number; d?: number } = {}): string {
  const ctx = opts.ctx ?? 64;
  const d = opts.d ?? 64;
  const inputs = ['test/integration/inference-make-bundle.py', 'training/bundle_writer.py', 'training/export_onnx.py', 'media/models/code-gpt2-2l/tokenizer.json'];
  const hash = createHash('sha256');
  for (const f of inputs) hash.update(fs.readFileSync(path.join(root, f)));
  const dir = path.join(os.tmpdir(), `ai-test-bundle-ctx${ctx}-d${d}-${hash.digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    // Test files run in parallel and may all want it first: each builds its own copy and renames it
    // into place; a loser's rename fails on the winner's folder and its copy is dropped.
    const mine = `${dir}.${process.pid}`;
    const r = spawnSync('/usr/bin/python3', [path.join(root, 'test/integration/inference-make-bundle.py'), mine, '--ctx', String(ctx), '--d', String(d)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`could not build the test bundle: ${r.stderr}`);
    // The builder also writes sidecars next to the folder (`.state_dict.pt`, `-extra-sae`); they move
    // first, the folder (whose manifest marks the whole as built) last. Every copy is the same (seeded).
    fs.rmSync(`${mine}.saes`, { recursive: true, force: true }); // its SAE staging folder
    for (const suffix of ['.state_dict.pt', '-extra-sae', '']) {
      try {
        fs.renameSync(mine + suffix, dir + suffix);
      } catch {
        fs.rmSync(mine + suffix, { recursive: true, force: true });
      }
    }
  }
  return dir;
}

/** The product's default bundle, when its manifest exists. */
export function realBundle(): string | null {
  const dir = path.join(root, 'media/models/code-gpt2-2l');
  return fs.existsSync(path.join(dir, 'manifest.json')) ? dir : null;
}

export const SAMPLE = fs.readFileSync(path.join(root, 'src/engine/inference/core.ts'), 'utf8');

import type { TokenResult } from '../../src/engine';

/** Largest absolute difference between two analyses' numbers; throws on any structural difference. */
export function compareTokens(a: TokenResult[], b: TokenResult[]): number {
  if (a.length !== b.length) throw new Error(`token counts differ: ${a.length} vs ${b.length}`);
  let max = 0;
  const num = (x: number | null, y: number | null, what: string) => {
    if ((x === null) !== (y === null)) throw new Error(`${what}: ${x} vs ${y}`);
    if (x !== null && y !== null) max = Math.max(max, Math.abs(x - y));
  };
  for (let i = 0; i < a.length; i++) {
    const s = a[i];
    const t = b[i];
    if (s.id !== t.id || s.start !== t.start || s.end !== t.end || s.text !== t.text) throw new Error(`token ${i} differs`);
    num(s.logprob, t.logprob, `logprob ${i}`);
    num(s.entropy, t.entropy, `entropy ${i}`);
    num(s.nextEntropy, t.nextEntropy, `nextEntropy ${i}`);
    for (let j = 0; j < s.topk.length; j++) num(s.topk[j].prob, t.topk[j].prob, `topk ${i}`);
    for (const h of Object.keys(s.features)) {
      num(s.reconstruction[h], t.reconstruction[h], `ev ${i} ${h}`);
      const fa = s.features[h];
      const fb = t.features[h];
      // Compare activations by feature index (near-ties may swap order or drop out at the cut-off).
      const mb = new Map(fb.map((f) => [f.index, f.activation]));
      for (const f of fa) if (mb.has(f.index)) num(f.activation, mb.get(f.index)!, `feature ${i} ${h}`);
      num(fa[0]?.activation ?? 0, fb[0]?.activation ?? 0, `top feature ${i} ${h}`);
    }
  }
  return max;
}
