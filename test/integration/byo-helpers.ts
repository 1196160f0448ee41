// Shared by the bring-your-own-model integration tests (byo-*.test.ts): running the Python side
// (/usr/bin/python3 with numpy; torch for conversion), reading its float32 outputs, running a bundle's
// model.onnx, and loading an SAELens folder with the engine's loader.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadSaeFolder } from '../../src/engine/bundle';
import { toSpec } from '../../src/engine/analysis/bundle-source';
import { buildEncoderModel, type DictionarySpec } from '../../src/engine/dictionary';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
export const TRAINING = path.join(ROOT, 'training');

/** Code and prose with quotes, non-ASCII, an emoji and the end-of-text marker inside a line. */
export const SAMPLE_TEXT = [
  'def parse(line: str) -> dict:',
  '    """Split a "key = value" line; it\'s fine if value is empty."""',
  "    key, _, value = line.partition('=')",
  '    return {key.strip(): value.strip()}  # café, naïve, 東京, 🙂',
  '',
  '\tif x<|endoftext|>y != 3.14e-2: print(x)',
].join('\n');

/** Why the Python side cannot run here, or null when it can (`need`: modules it must import). */
export function pythonMissing(need: string[] = ['numpy']): string | null {
  const r = spawnSync(PYTHON, ['-c', need.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message})`;
  return r.status === 0 ? null : `${PYTHON} lacks ${need.join(' / ')}: ${r.stderr.trim().split('\n').pop()}`;
}

/** Runs a training/ script; throws with its stderr on failure. Returns stdout. */
export function py(script: string, args: string[], timeoutMs = 600_000): string {
  return execFileSync(PYTHON, [path.join(TRAINING, script), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a training/ script expecting failure; returns { status, stderr }. */
export function pyFails(script: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(PYTHON, [path.join(TRAINING, script), ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stderr: r.stderr };
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function writeF32(file: string, a: Float32Array) {
  fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

// ------------------------------------------------------------------------------------- model.onnx runs

export interface BundleRun {
  targetLogprob: Float32Array;
  hooks: Record<string, Float32Array>;
  presents: ort.Tensor[];
}

export async function openModel(bundle: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(bundle, 'model.onnx'), { intraOpNumThreads: 2, interOpNumThreads: 1 });
}

/**
 * Runs `ids` (positions past..past+n-1) predicting `targets`, with `past` = presents of an earlier run
 * (or none). Fetches target_logprob, the named hooks and the presents.
 */
export async function runModel(
  session: ort.InferenceSession,
  manifest: { architecture: { n_layers: number; n_heads: number; d_head: number } },
  ids: number[],
  targets: number[],
  hookNames: string[] = [],
  past?: ort.Tensor[],
): Promise<BundleRun> {
  const { n_layers: L, n_heads: H, d_head: dh } = manifest.architecture;
  const n = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
    target_ids: new ort.Tensor('int64', BigInt64Array.from(targets.map(BigInt)), [1, n]),
  };
  const presentNames: string[] = [];
  for (let l = 0; l < L; l++) {
    feeds[`past_key_${l}`] = past?.[2 * l] ?? new ort.Tensor('float32', new Float32Array(0), [1, H, 0, dh]);
    feeds[`past_value_${l}`] = past?.[2 * l + 1] ?? new ort.Tensor('float32', new Float32Array(0), [1, H, 0, dh]);
    presentNames.push(`present_key_${l}`, `present_value_${l}`);
  }
  const out = await session.run(feeds, ['target_logprob', ...hookNames, ...presentNames]);
  const hooks: Record<string, Float32Array> = {};
  for (const h of hookNames) hooks[h] = out[h].data as Float32Array;
  return { targetLogprob: out.target_logprob.data as Float32Array, hooks, presents: presentNames.map((p) => out[p]) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, skip?: Set<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (skip?.has(i)) continue;
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

// --------------------------------------------------------------------------------- SAELens folders

/** An SAELens folder through the engine's own loader (cfg v6/pre-v6, F16 widening, activation_scaler.json)
 *  and its DictionarySpec, exactly as the analysis path builds it. */
export async function loadSpec(folder: string): Promise<DictionarySpec> {
  const d = await loadSaeFolder(folder);
  if (!d.ok) throw new Error(d.error.message);
  return toSpec(d.value);
}

/** The engine's encoder graph run on x [n, d_in]: all feature activations [n, d_sae]. */
export async function engineEncode(spec: DictionarySpec, x: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(buildEncoderModel(spec), { intraOpNumThreads: 2 });
  try {
    const out = await session.run(
      { x: new ort.Tensor('float32', x, [n, spec.dIn]), n_top: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]) },
      ['feature_acts'],
    );
    return out.feature_acts.data as Float32Array;
  } finally {
    await session.release();
  }
}
