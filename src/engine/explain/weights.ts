// The weights explain needs, read out of model.onnx by the names training/export_onnx.py gives them
// (`model.` + the Hugging Face GPT-2 parameter name, the same for the default bundle and converted
// checkpoints), with positioned reads of just those tensors (onnx/tensor-reader.ts). Weights stored as
// float16 are `<name>__fp16` initializers that a Cast widens; the exporter also folds identical tensors
// (e.g. the all-zero biases of an untrained model) into one initializer that Identity nodes hand on under
// the other names: a name is followed through Identity and Cast nodes. The LayerNorm epsilon comes from
// the graph's own LayerNormalization node for ln_f.
import { ModelTensors, type StoredTensor } from '../onnx';

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
export async function readExplainWeights(modelPath: string, nLayers: number, mlpLayers: ReadonlySet<number>): Promise<ExplainWeights> {
  let model: ModelTensors;
  try {
    model = await ModelTensors.open(modelPath);
  } catch (e) {
    throw new CannotExplain(`this bundle cannot explain predictions: its model.onnx could not be read (${(e as Error).message})`);
  }
  try {
    const aliasOf = new Map<string, string>();
    for (const n of model.nodes) if ((n.op === 'Identity' || n.op === 'Cast') && n.inputs[0] && n.outputs[0]) aliasOf.set(n.outputs[0], n.inputs[0]);
    const find = (name: string): StoredTensor | undefined => {
      for (let hops = 0, at: string | undefined = name; at !== undefined && hops < 8; hops++, at = aliasOf.get(at)) {
        const t = model.tensors.get(at);
        if (t) return t;
      }
      return undefined;
    };
    const get = async (name: string): Promise<Float32Array> => {
      const t = find(name);
      const values = t ? await model.read(t) : null;
      if (!values) throw new CannotExplain(`this bundle cannot explain predictions: model.onnx has no float weight named ${name}; ${REEXPORT_HINT}`);
      return values;
    };
    const lnfW = await get('model.ln_f.weight');
    const d = lnfW.length;
    const layers: LayerWeights[] = [];
    for (let l = 0; l < nLayers; l++) {
      const p = layerPrefix(l);
      layers.push({
        ln1W: await get(`${p}ln_1.weight`), ln1B: await get(`${p}ln_1.bias`),
        qW: queryColumns(await get(`${p}attn.c_attn.weight`), d), qB: (await get(`${p}attn.c_attn.bias`)).slice(0, d),
        outW: await get(`${p}attn.c_proj.weight`), outB: await get(`${p}attn.c_proj.bias`),
        ...(mlpLayers.has(l) ? { mlpOutW: await get(`${p}mlp.c_proj.weight`), mlpOutB: await get(`${p}mlp.c_proj.bias`) } : {}),
      });
    }
    const lnf = model.nodes.find((n) => n.op === 'LayerNormalization' && n.inputs[1] === 'model.ln_f.weight');
    return {
      wte: await get('model.wte.weight'), wpe: await get('model.wpe.weight'), lnfW, lnfB: await get('model.ln_f.bias'),
      eps: lnf?.floats.epsilon ?? DEFAULT_EPS, layers,
    };
  } finally {
    await model.close();
  }
}
