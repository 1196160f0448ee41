// SAELens dictionary folders (cfg.json + sae_weights.safetensors), v6 and pre-v6 configs, validated:
// config fields, tensor names and shapes against the config and the hook width, finite weights of a
// size float32 activations can hold.
import path from 'node:path';
import type { Result } from '../types';
import { readSafetensors, type TensorF32 } from '../safetensors';
import { parseJsonText, quoted } from '../json-text';
import { fail, ok, readFileResult, sha256Hex } from './files';
import { BUNDLE_LIMITS } from './limits';
import type { Dictionary, SaeArchitecture, SaeConfig, SaeWeights } from './types';

export const SAE_CFG_FILE = 'cfg.json';
export const SAE_WEIGHTS_FILE = 'sae_weights.safetensors';

const ARCHITECTURES: SaeArchitecture[] = ['standard', 'topk', 'jumprelu'];
const NORMALIZATIONS = ['none', 'expected_average_only_in'] as const;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function posInt(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) > 0;
}

/** v6 (`architecture`, `metadata.hook_name`) and pre-v6 (`hook_point`/`hook_name`, `activation_fn_str`,
 *  `activation_fn_kwargs.k`) configs to one shape; a sentence saying what is wrong otherwise. */
export function normalizeSaeConfig(raw: unknown): { ok: true; value: SaeConfig } | { ok: false; message: string } {
  if (!isObject(raw)) return { ok: false, message: 'is not a JSON object' };
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const hook = metadata.hook_name ?? raw.hook_name ?? raw.hook_point;
  if (typeof hook !== 'string' || hook === '') return { ok: false, message: 'names no hook (metadata.hook_name, hook_name or hook_point)' };
  const actFn = raw.activation_fn ?? raw.activation_fn_str;
  const kwargs = isObject(raw.activation_fn_kwargs) ? raw.activation_fn_kwargs : {};
  let arch = raw.architecture ?? (actFn === 'topk' ? 'topk' : 'standard');
  if (arch === 'standard' && actFn === 'topk') arch = 'topk';
  if (typeof arch !== 'string' || !ARCHITECTURES.includes(arch as SaeArchitecture)) {
    return { ok: false, message: `has architecture ${quoted(arch)}; supported: ${ARCHITECTURES.join(', ')}` };
  }
  if (actFn !== undefined && actFn !== 'relu' && actFn !== 'topk' && !(arch === 'jumprelu' && actFn === 'jumprelu')) {
    return { ok: false, message: `has activation function ${quoted(actFn)}; supported: relu, topk` };
  }
  if (!posInt(raw.d_in)) return { ok: false, message: `has d_in ${quoted(raw.d_in)}, not a positive integer` };
  if (!posInt(raw.d_sae)) return { ok: false, message: `has d_sae ${quoted(raw.d_sae)}, not a positive integer` };
  let k: number | undefined;
  if (arch === 'topk') {
    const kRaw = raw.k ?? kwargs.k;
    if (!posInt(kRaw) || kRaw > raw.d_sae) return { ok: false, message: `is a topk dictionary with k ${quoted(kRaw)}; k must be an integer in 1..d_sae (${raw.d_sae})` };
    k = kRaw;
  }
  const applyBDec = raw.apply_b_dec_to_input ?? true;
  if (typeof applyBDec !== 'boolean') return { ok: false, message: `has apply_b_dec_to_input ${quoted(applyBDec)}, not true/false` };
  const norm = raw.normalize_activations ?? 'none';
  if (!NORMALIZATIONS.includes(norm as (typeof NORMALIZATIONS)[number])) {
    return { ok: false, message: `has normalize_activations ${quoted(norm)}; supported: ${NORMALIZATIONS.join(', ')}` };
  }
  return {
    ok: true,
    value: {
      hook_name: hook,
      architecture: arch as SaeArchitecture,
      d_in: raw.d_in,
      d_sae: raw.d_sae,
      k,
      apply_b_dec_to_input: applyBDec,
      normalize_activations: norm as SaeConfig['normalize_activations'],
      dtype: typeof raw.dtype === 'string' ? raw.dtype : 'float32',
      raw,
    },
  };
}

/** Index of the first NaN, infinite or implausibly large value (see BUNDLE_LIMITS.dictionaryWeightAbs), or -1. */
function firstUnusable(a: Float32Array): number {
  const limit = BUNDLE_LIMITS.dictionaryWeightAbs;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]) <= limit)) return i;
  return -1;
}

export interface SaeFolderOptions {
  /** Hook width the dictionary must read (d_in). */
  expectedD?: number;
  /** Hook the cfg must name. */
  expectedHook?: string;
  /** How files are named in messages: relative to the bundle for bundle dictionaries (default: absolute). */
  displayDir?: string;
  source?: 'bundle' | 'folder';
  /** sha256 of the weights / cfg files when the caller already verified them (saves hashing twice). */
  knownSha256?: { weights?: string; cfg?: string };
}

/** Reads and validates one SAELens folder. */
export async function readSaeFolder(dir: string, options: SaeFolderOptions = {}): Promise<Result<Dictionary>> {
  const shown = options.displayDir ?? dir;
  const cfgFile = path.posix.join(shown.split(path.sep).join('/'), SAE_CFG_FILE);
  const weightsFile = path.posix.join(shown.split(path.sep).join('/'), SAE_WEIGHTS_FILE);

  const cfgBytes = await readFileResult(path.join(dir, SAE_CFG_FILE), cfgFile, BUNDLE_LIMITS.saeConfigBytes);
  if (!cfgBytes.ok) return cfgBytes;
  const cfgJson = parseJsonText(cfgBytes.value.toString('utf8'));
  if (!cfgJson.ok) return fail('bad-dictionary', cfgFile, `${cfgFile} is ${cfgJson.message}`);
  const norm = normalizeSaeConfig(cfgJson.value);
  if (!norm.ok) return fail('bad-dictionary', cfgFile, `${cfgFile} ${norm.message}`);
  const cfg = norm.value;
  if (options.expectedHook !== undefined && cfg.hook_name !== options.expectedHook) {
    return fail('bad-dictionary', cfgFile, `${cfgFile} names hook ${cfg.hook_name}, but the manifest lists this dictionary for ${options.expectedHook}`);
  }
  if (options.expectedD !== undefined && cfg.d_in !== options.expectedD) {
    return fail('bad-dictionary', cfgFile, `${cfgFile} has d_in ${cfg.d_in}, but hook ${cfg.hook_name} is ${options.expectedD} wide`);
  }

  const wBytes = await readFileResult(path.join(dir, SAE_WEIGHTS_FILE), weightsFile);
  if (!wBytes.ok) return wBytes;
  const tensors = readSafetensors(wBytes.value);
  if (!tensors.ok) return fail('bad-dictionary', weightsFile, `${weightsFile} ${tensors.message}`);
  const t = tensors.value;

  const { d_in, d_sae } = cfg;
  const want: [string, number[]][] = [
    ['W_enc', [d_in, d_sae]],
    ['W_dec', [d_sae, d_in]],
    ['b_enc', [d_sae]],
    ['b_dec', [d_in]],
  ];
  if (cfg.architecture === 'jumprelu') {
    // Older jumprelu folders store log_threshold instead.
    const lt = t.get('log_threshold');
    if (!t.has('threshold') && lt) t.set('threshold', { ...lt, data: lt.data.map(Math.exp) });
    want.push(['threshold', [d_sae]]);
  }
  const got: Record<string, TensorF32> = {};
  for (const [name, shape] of want) {
    const tensor = t.get(name);
    if (!tensor) return fail('bad-tensor-shape', weightsFile, `${weightsFile} has no tensor ${name} (expected shape [${shape.join(', ')}])`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((x, i) => x !== shape[i])) {
      return fail('bad-tensor-shape', weightsFile, `${weightsFile}: ${name} has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}] (d_in ${d_in}, d_sae ${d_sae} from cfg.json)`);
    }
    const bad = firstUnusable(tensor.data);
    if (bad >= 0) {
      return fail('nan-weights', weightsFile, Number.isFinite(tensor.data[bad])
        ? `${weightsFile}: ${name} holds ${tensor.data[bad]} at flat index ${bad}; weights beyond ±${BUNDLE_LIMITS.dictionaryWeightAbs} overflow the activations computed from them`
        : `${weightsFile}: ${name} holds ${tensor.data[bad]} at flat index ${bad}; weights must be finite`);
    }
    got[name] = tensor;
  }
  const weights: SaeWeights = {
    W_enc: got.W_enc.data,
    W_dec: got.W_dec.data,
    b_enc: got.b_enc.data,
    b_dec: got.b_dec.data,
    threshold: got.threshold?.data,
  };
  return ok({
    hookName: cfg.hook_name,
    dir,
    cfg,
    weights,
    sha256: options.knownSha256?.weights ?? sha256Hex(wBytes.value),
    cfgSha256: options.knownSha256?.cfg ?? sha256Hex(cfgBytes.value),
    source: options.source ?? 'folder',
  });
}
