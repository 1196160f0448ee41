// manifest.json's architecture and model fields against model.onnx's graph (docs/bundle-format.md,
// "model.onnx contract"): a disagreement found here is a sentence naming the field, at load; found later
// it would be a raw ONNX Runtime error in the middle of an analysis, or a window loop that never ends.
import type { GraphDim, GraphInterface, GraphValue } from '../onnx';
import type { Manifest } from './types';

const REQUIRED_INPUTS = ['input_ids', 'target_ids'];
const REQUIRED_OUTPUTS = ['topk_ids', 'topk_logprobs', 'entropy', 'target_logprob', 'target_rank'];
/** How training/export_onnx.py (after Hugging Face GPT-2) names the learned position table [n_ctx, d_model]… */
const POSITION_TABLE = /(^|[._])wpe([._]|$)|position_embedding|pos_embed/i;
/** …and the token table [d_vocab, d_model]. */
const TOKEN_TABLE = /(^|[._])wte([._]|$)|embed_tokens|token_embedding/i;

/** A fixed dimension that differs from `want` (symbolic and unnamed dimensions agree with anything). */
function differs(dim: GraphDim, want: number): dim is number {
  return typeof dim === 'number' && dim !== want;
}

function layerCount(values: GraphValue[], prefix: string): number {
  const layers = new Set(values.map((v) => new RegExp(`^${prefix}_(\\d+)$`).exec(v.name)?.[1]).filter((x) => x !== undefined));
  return layers.size;
}

/** null when manifest.json and the graph agree; otherwise a sentence naming the manifest field (or, where
 *  the graph breaks the contract whatever the manifest says, the graph's missing input or output). */
export function checkArchitecture(manifest: Manifest, graph: GraphInterface, modelFile: string): string | null {
  const a = manifest.architecture;
  // Windows advance by n_ctx / 2 tokens: a context of 1 would never advance.
  if (a.n_ctx < 2) return `manifest.json architecture.n_ctx is ${a.n_ctx}; a model needs a context of at least 2 tokens`;
  const inputs = new Map(graph.inputs.map((v) => [v.name, v]));
  const outputs = new Map(graph.outputs.map((v) => [v.name, v]));
  for (const name of REQUIRED_INPUTS) if (!inputs.has(name)) return `${modelFile} has no input ${name} (docs/bundle-format.md, model.onnx contract)`;
  for (const name of REQUIRED_OUTPUTS) if (!outputs.has(name)) return `${modelFile} has no output ${name} (docs/bundle-format.md, model.onnx contract)`;

  const graphLayers = layerCount(graph.inputs, 'past_key');
  if (graphLayers !== a.n_layers) return `manifest.json architecture.n_layers is ${a.n_layers} but ${modelFile} takes a KV cache for ${graphLayers} layers (past_key_0…)`;
  for (let layer = 0; layer < a.n_layers; layer++) {
    for (const [names, side] of [[['past_key', 'past_value'], inputs], [['present_key', 'present_value'], outputs]] as const) {
      for (const prefix of names) {
        const v = side.get(`${prefix}_${layer}`);
        if (!v) return `manifest.json architecture.n_layers is ${a.n_layers} but ${modelFile} has no ${prefix}_${layer}`;
        // [1, n_heads, positions, d_head]
        if (differs(v.dims[1], a.n_heads)) return `manifest.json architecture.n_heads is ${a.n_heads} but ${modelFile}'s ${v.name} has ${v.dims[1]} heads`;
        if (differs(v.dims[3], a.d_head)) return `manifest.json architecture.d_head is ${a.d_head} but ${modelFile}'s ${v.name} has d_head ${v.dims[3]}`;
      }
    }
  }

  for (const name of ['topk_ids', 'topk_logprobs']) {
    const k = outputs.get(name)!.dims[2];
    if (differs(k, manifest.model.topk_max)) return `manifest.json model.topk_max is ${manifest.model.topk_max} but ${modelFile}'s ${name} holds ${k} predictions per token`;
  }
  if (manifest.model.topk_max > a.d_vocab) return `manifest.json model.topk_max is ${manifest.model.topk_max}, more than the vocabulary (architecture.d_vocab ${a.d_vocab})`;

  for (const hook of manifest.model.hooks) {
    const v = outputs.get(hook.name);
    if (!v) return `manifest.json model.hooks lists ${hook.name} but ${modelFile} has no output of that name`;
    if (differs(v.dims[v.dims.length - 1], hook.d)) return `manifest.json model.hooks gives ${hook.name} d ${hook.d} but ${modelFile}'s output is ${v.dims[v.dims.length - 1]} wide`;
  }

  // The embedding tables, where the graph names them as GPT-2 exports do (other graphs: the checks above).
  const table = (pattern: RegExp) => graph.initializers.find((t) => pattern.test(t.name) && t.dims.length === 2);
  const tokens = table(TOKEN_TABLE);
  if (tokens && tokens.dims[0] !== a.d_vocab) return `manifest.json architecture.d_vocab is ${a.d_vocab} but ${modelFile}'s token table ${tokens.name} has ${tokens.dims[0]} rows`;
  const positions = table(POSITION_TABLE);
  for (const t of [tokens, positions]) {
    if (t && t.dims[1] !== a.d_model) return `manifest.json architecture.d_model is ${a.d_model} but ${modelFile}'s ${t.name} is ${t.dims[1]} wide`;
  }
  // The graph can hold no more positions than its position table has rows.
  if (positions && a.n_ctx > positions.dims[0]) {
    return `manifest.json architecture.n_ctx is ${a.n_ctx} but ${modelFile}'s position table ${positions.name} has ${positions.dims[0]} rows`;
  }
  return null;
}
