// Shared by the engine's integration tests: a built worker, a small test bundle, and the real bundle
// when it is there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Builds src/engine/inference/worker.ts to a private file (tests never depend on a stale dist/). */
export async function buildWorker(): Promise<string> {
  const out = path.join(os.tmpdir(), `ai-worker-${process.pid}-${Date.now()}.js`);
  await esbuild.build({
    entryPoints: [path.join(root, 'src/engine/inference/worker.ts')],
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

/** Builds dist-like cli.js + worker.js into a private folder; returns the path of cli.js. */
export async function buildCli(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-cli-'));
  const ortPath = JSON.stringify(require.resolve('onnxruntime-node'));
  for (const [entry, out] of [['src/cli/main.ts', 'cli.js'], ['src/engine/inference/worker.ts', 'worker.js']]) {
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

/** A random GPT-2 bundle (n_ctx 64, d 64, three SAE architectures), built once per machine. */
export function testBundle(opts: { ctx?: number; d?: number } = {}): string {
  const ctx = opts.ctx ?? 64;
  const d = opts.d ?? 64;
  const dir = path.join(os.tmpdir(), `ai-test-bundle-ctx${ctx}-d${d}`);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    const r = spawnSync('/usr/bin/python3', [path.join(root, 'test/integration/inference-make-bundle.py'), dir, '--ctx', String(ctx), '--d', String(d)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`could not build the test bundle: ${r.stderr}`);
  }
  return dir;
}

/** The product's default bundle, when its manifest exists. */
export function realBundle(): string | null {
  const dir = path.join(root, 'media/models/code-gpt2-2l');
  return fs.existsSync(path.join(dir, 'manifest.json')) ? dir : null;
}

export const SAMPLE = fs.readFileSync(path.join(root, 'src/engine/inference/core.ts'), 'utf8');

import type { TokenResult } from '../../src/engine/types';

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
