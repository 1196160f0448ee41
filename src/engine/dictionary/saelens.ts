// Reads a SAELens SAE folder as it is (cfg.json + sae_weights.safetensors, v6 and pre-v6 configs) into a
// DictionarySpec. Used for `--sae DIR` and by the worker when a bundle dictionary is given as a folder.
//
// normalize_activations 'expected_average_only_in': SAELens scales inputs by
// s = sqrt(d_in) / E[||x||] during training and normally folds s into the saved weights (then the
// config says 'none'). When a folder still says expected_average_only_in, s is read from cfg.json
// (`norm_scaling_factor` / `scaling_factor` / `activation_norm_scaling_factor`) or from
// `activation_scaler.json` ({"scaling_factor": s}) beside it; when neither is there the worker
// estimates it once at load from the model's own activations on a fixed calibration text.
import fs from 'node:fs';
import path from 'node:path';
import type { DictionarySpec, SaeArchitecture } from './encoder-graph';
import type { Result } from '../types';

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function readSafetensors(buf: Buffer): Map<string, { shape: number[]; data: Float32Array }> {
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, SafetensorsEntry>;
  const base = 8 + headerLen;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = e.data_offsets;
    const bytes = buf.subarray(base + a, base + b);
    const count = e.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(count);
    if (e.dtype === 'F32') {
      new Uint8Array(data.buffer).set(bytes);
    } else if (e.dtype === 'F16') {
      for (let i = 0; i < count; i++) data[i] = f16ToF32(bytes.readUInt16LE(2 * i));
    } else if (e.dtype === 'BF16') {
      const u = new Uint32Array(data.buffer);
      for (let i = 0; i < count; i++) u[i] = bytes.readUInt16LE(2 * i) << 16;
    } else if (e.dtype === 'F64') {
      for (let i = 0; i < count; i++) data[i] = bytes.readDoubleLE(8 * i);
    } else {
      throw new Error(`tensor ${name} has unsupported dtype ${e.dtype}`);
    }
    out.set(name, { shape: e.shape, data });
  }
  return out;
}

export interface SaeConfigNormalized {
  hookName: string;
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  k?: number;
  applyBDecToInput: boolean;
  normalizeActivations: 'none' | 'expected_average_only_in';
  scalingFactor?: number;
}

/** v6 (`architecture`, `metadata.hook_name`) and pre-v6 (`hook_point`/`hook_name`, `activation_fn_str`,
 *  `activation_fn_kwargs.k`) configs to one shape. */
export function normalizeSaeConfig(cfg: Record<string, any>): SaeConfigNormalized {
  const hookName: string = cfg.metadata?.hook_name ?? cfg.hook_name ?? cfg.hook_point;
  if (typeof hookName !== 'string') throw new Error('cfg.json names no hook (metadata.hook_name / hook_name / hook_point)');
  let architecture: string = cfg.architecture ?? 'standard';
  const actFn: string | undefined = cfg.activation_fn ?? cfg.activation_fn_str;
  const k = cfg.k ?? cfg.activation_fn_kwargs?.k;
  if (!cfg.architecture && actFn === 'topk') architecture = 'topk';
  if (architecture === 'standard' && actFn === 'topk') architecture = 'topk';
  if (!['standard', 'topk', 'jumprelu'].includes(architecture)) throw new Error(`unsupported SAE architecture "${architecture}"`);
  const norm = cfg.normalize_activations ?? 'none';
  if (norm !== 'none' && norm !== 'expected_average_only_in') throw new Error(`unsupported normalize_activations "${norm}"`);
  const sf = cfg.norm_scaling_factor ?? cfg.scaling_factor ?? cfg.activation_norm_scaling_factor;
  return {
    hookName,
    architecture: architecture as SaeArchitecture,
    dIn: Number(cfg.d_in),
    dSae: Number(cfg.d_sae),
    k: architecture === 'topk' ? Number(k) : undefined,
    applyBDecToInput: cfg.apply_b_dec_to_input ?? true,
    normalizeActivations: norm,
    scalingFactor: typeof sf === 'number' ? sf : undefined,
  };
}

export function dictionaryFromWeights(cfg: SaeConfigNormalized, tensors: Map<string, { shape: number[]; data: Float32Array }>): DictionarySpec {
  const need = (name: string, shape: number[]) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`sae_weights.safetensors has no ${name}`);
    if (t.shape.join(',') !== shape.join(',')) throw new Error(`${name} has shape [${t.shape}], expected [${shape}]`);
    return t.data;
  };
  const { dIn, dSae } = cfg;
  return {
    ...cfg,
    W_enc: need('W_enc', [dIn, dSae]),
    W_dec: need('W_dec', [dSae, dIn]),
    b_enc: need('b_enc', [dSae]),
    b_dec: need('b_dec', [dIn]),
    threshold: cfg.architecture === 'jumprelu' ? need('threshold', [dSae]) : undefined,
  };
}

export function readSaeFolder(dir: string): Result<DictionarySpec> {
  const cfgPath = path.join(dir, 'cfg.json');
  const wPath = path.join(dir, 'sae_weights.safetensors');
  try {
    if (!fs.existsSync(cfgPath)) return { ok: false, error: { kind: 'missing-file', file: cfgPath, message: `${cfgPath} does not exist` } };
    if (!fs.existsSync(wPath)) return { ok: false, error: { kind: 'missing-file', file: wPath, message: `${wPath} does not exist` } };
    const cfg = normalizeSaeConfig(JSON.parse(fs.readFileSync(cfgPath, 'utf8')));
    const scalerPath = path.join(dir, 'activation_scaler.json');
    if (cfg.scalingFactor === undefined && fs.existsSync(scalerPath)) {
      const s = JSON.parse(fs.readFileSync(scalerPath, 'utf8')).scaling_factor;
      if (typeof s === 'number') cfg.scalingFactor = s;
    }
    return { ok: true, value: dictionaryFromWeights(cfg, readSafetensors(fs.readFileSync(wPath))) };
  } catch (e) {
    return { ok: false, error: { kind: 'bad-dictionary', file: dir, message: `SAE folder ${dir}: ${(e as Error).message}` } };
  }
}
