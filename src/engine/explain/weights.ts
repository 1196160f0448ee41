// The weights explain needs, read out of model.onnx by the names training/export_onnx.py gives them
// (`model.` + the Hugging Face GPT-2 parameter name, the same for the default bundle and converted
// checkpoints), including the `<name>__fp16` + Cast convention for weights stored as float16. The
// LayerNorm epsilon comes from the graph's own LayerNormalization node for ln_f. The exporter folds
// identical tensors (e.g. the all-zero biases of an untrained model) into one initializer that Identity
// nodes hand on under the other names, so a name is followed through Identity and Cast nodes.
import fs from 'node:fs';
import { ModelProto, toFloat32 } from '../onnx';

export interface LayerWeights {
  ln1W: Float32Array; // [d]
  ln1B: Float32Array;
  /** The query's share of c_attn (Conv1D layout, in x out; c_attn is q | k | v): [d, d] and bias [d]. */
  qW: Float32Array;
  qB: Float32Array;
  /** c_proj weight [d, d] (rows h*d_head.. are head h's share of W_O) and bias [d]. */
  outW: Float32Array;
  outB: Float32Array;
  /** MLP output projection [d_mlp, d] and bias [d]: read only for layers with a dictionary on
   *  mlp.hook_post (the largest matrix explain would otherwise hold). */
  mlpOutW?: Float32Array;
  mlpOutB?: Float32Array;
}

export interface ExplainWeights {
  wte: Float32Array; // [vocab, d]
  wpe: Float32Array; // [n_ctx, d]
  lnfW: Float32Array;
  lnfB: Float32Array;
  eps: number;
  layers: LayerWeights[];
}

export class CannotExplain extends Error {}

/** What a bundle made before explain existed (or by another exporter) is told. */
export const REEXPORT_HINT =
  're-export the bundle with training/convert_checkpoint.py (Hugging Face GPT-2 checkpoints) or training/build_default_bundle.py, which write the initializer names and outputs explain reads (docs/bundle-format.md)';

const DEFAULT_EPS = 1e-5;

interface TensorMsg {
  name?: string;
  dims: (number | { toNumber(): number })[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
}
interface NodeMsg {
  op_type?: string;
  input?: string[];
  output?: string[];
  attribute?: { name?: string; f?: number }[];
}

export function layerPrefix(l: number): string {
  return `model.h.${l}.`;
}

/** The first d columns of a [d, 3d] row-major matrix. */
function queryColumns(attnW: Float32Array, d: number): Float32Array {
  const out = new Float32Array(d * d);
  for (let i = 0; i < d; i++) out.set(attnW.subarray(i * 3 * d, i * 3 * d + d), i * d);
  return out;
}

/** Reads every weight explain uses (MLP output projections only for `mlpLayers`); throws CannotExplain
 *  naming the first one missing. */
export function readExplainWeights(modelPath: string, nLayers: number, mlpLayers: ReadonlySet<number>): ExplainWeights {
  const msg = ModelProto.decode(fs.readFileSync(modelPath)) as unknown as { graph?: { initializer?: TensorMsg[]; node?: NodeMsg[] } };
  const byName = new Map<string, TensorMsg>();
  for (const t of msg.graph?.initializer ?? []) if (t.name) byName.set(t.name, t);
  const aliasOf = new Map<string, string>();
  for (const n of msg.graph?.node ?? []) {
    if ((n.op_type === 'Identity' || n.op_type === 'Cast') && n.input?.[0] && n.output?.[0]) aliasOf.set(n.output[0], n.input[0]);
  }
  const find = (name: string): TensorMsg | undefined => {
    for (let hops = 0, at: string | undefined = name; at !== undefined && hops < 8; hops++, at = aliasOf.get(at)) {
      const t = byName.get(at);
      if (t) return t;
    }
    return undefined;
  };
  const get = (name: string): Float32Array => {
    const t = find(name);
    const values = t ? toFloat32(t) : null;
    if (!values) throw new CannotExplain(`this bundle cannot explain predictions: model.onnx has no float weight named ${name}; ${REEXPORT_HINT}`);
    return values;
  };
  const wte = get('model.wte.weight');
  const d = get('model.ln_f.weight').length;
  const layers: LayerWeights[] = [];
  for (let l = 0; l < nLayers; l++) {
    const p = layerPrefix(l);
    layers.push({
      ln1W: get(`${p}ln_1.weight`), ln1B: get(`${p}ln_1.bias`),
      qW: queryColumns(get(`${p}attn.c_attn.weight`), d), qB: get(`${p}attn.c_attn.bias`).slice(0, d),
      outW: get(`${p}attn.c_proj.weight`), outB: get(`${p}attn.c_proj.bias`),
      ...(mlpLayers.has(l) ? { mlpOutW: get(`${p}mlp.c_proj.weight`), mlpOutB: get(`${p}mlp.c_proj.bias`) } : {}),
    });
  }
  const lnf = (msg.graph?.node ?? []).find((n) => n.op_type === 'LayerNormalization' && n.input?.[1] === 'model.ln_f.weight');
  const eps = lnf?.attribute?.find((a) => a.name === 'epsilon')?.f;
  return { wte, wpe: get('model.wpe.weight'), lnfW: get('model.ln_f.weight'), lnfB: get('model.ln_f.bias'), eps: eps ?? DEFAULT_EPS, layers };
}
