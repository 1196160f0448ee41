// Builds, in JS at load time, one small ONNX graph per SAELens dictionary so that encoding runs inside
// ONNX Runtime (BLAS matmuls, TopK) instead of JS loops.
//
// Graph inputs:  x [n, d_in] float32 (hook activations), n_top int64 [1] (features returned per token;
//                at most d_sae, and at most k for topk dictionaries)
// Graph outputs: top_idx int64 [n, n_top], top_val float32 [n, n_top]  (descending; zeros = not firing)
//                explained_variance float32 [n]   1 - ||x - x̂||² / ||x - mean(x)||², per token, where
//                                                 mean(x) is the mean of that token's d_in components
//                                                 and x̂ the reconstruction in x's own (unscaled) units
//                sq_err float32 [n]               ||x - x̂||² (for corpus-level explained variance)
//                l0 float32 [n]                   number of non-zero features
//                feature_acts float32 [n, d_sae]  all features (fetched only when asked; absent from graphs
//                                                 built with featureActs: false)
//
// Encode (SAELens): x' = x·s (s = norm scaling factor, 1 unless normalize_activations is
// expected_average_only_in), pre = (x' - b_dec·apply_b_dec_to_input) @ W_enc + b_enc;
// standard relu(pre); topk keeps the k largest then relu (scattered into a dense row); jumprelu
// relu(pre)·(pre > threshold). Decode x̂' = f @ W_dec + b_dec, x̂ = x̂' / s.
import { DataType, encodeModel, type NodeSpec, type TensorInit } from '../onnx';
import { int8MatMul } from './quantized-matmul';
import type { FeatureRanking } from './feature-ranking';

export type SaeArchitecture = 'standard' | 'topk' | 'jumprelu';

export interface DictionarySpec {
  hookName: string;
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  /** topk only. */
  k?: number;
  applyBDecToInput: boolean;
  normalizeActivations: 'none' | 'expected_average_only_in';
  /** Multiplies x before encoding when normalizeActivations is expected_average_only_in. */
  scalingFactor?: number;
  W_enc: Float32Array; // [d_in, d_sae]
  W_dec: Float32Array; // [d_sae, d_in]
  b_enc: Float32Array; // [d_sae]
  b_dec: Float32Array; // [d_in]
  threshold?: Float32Array; // [d_sae], jumprelu
  /** The encoder's matrix product: int8 only where the bundle's manifest says the features it selects
   *  agree with float32 (default float32). */
  precision?: EncoderPrecision;
  /** How the 'unusual' order ranks this dictionary's features (feature-ranking.ts); absent: by activation. */
  ranking?: FeatureRanking;
}

export const ENCODER_OUTPUTS = ['top_idx', 'top_val', 'explained_variance', 'sq_err', 'l0', 'feature_acts'] as const;

const scalar = (name: string, v: number): TensorInit => ({ name, dims: [], data: new Float32Array([v]) });
const int64s = (name: string, v: number[]): TensorInit => ({ name, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });

/** How the encoder's matrix product runs: float32, or int8 weights (quantized-matmul.ts). */
export type EncoderPrecision = 'float32' | 'int8';

export interface EncoderGraphOptions {
  /** Default float32. */
  precision?: EncoderPrecision;
  /** Output the dense feature_acts [n, d_sae] (default true). For topk dictionaries it exists only as an
   *  output, and ONNX Runtime computes every node whether fetched or not: leave it out where never read. */
  featureActs?: boolean;
}

export function buildEncoderModel(d: DictionarySpec, options: EncoderGraphOptions = {}): Uint8Array {
  const { dIn, dSae } = d;
  const withFeatureActs = options.featureActs ?? true;
  const scale = d.normalizeActivations === 'expected_average_only_in' ? d.scalingFactor ?? 1 : 1;
  const inits: TensorInit[] = [
    { name: 'W_dec', dims: [dSae, dIn], data: d.W_dec },
    { name: 'b_enc', dims: [dSae], data: d.b_enc },
    { name: 'b_dec', dims: [dIn], data: d.b_dec },
    scalar('zero', 0),
    scalar('one', 1),
    int64s('axis1', [1]),
  ];
  const nodes: NodeSpec[] = [];
  let xs = 'x';
  if (scale !== 1) {
    inits.push(scalar('scale', scale));
    nodes.push({ op: 'Mul', inputs: ['x', 'scale'], outputs: ['x_scaled'] });
    xs = 'x_scaled';
  }
  let xin = xs;
  if (d.applyBDecToInput) {
    nodes.push({ op: 'Sub', inputs: [xs, 'b_dec'], outputs: ['x_centered'] });
    xin = 'x_centered';
  }
  if (options.precision === 'int8') {
    const q = int8MatMul(xin, d.W_enc, dIn, dSae, 'b_enc', 'pre');
    inits.push(...q.inits);
    nodes.push(...q.nodes);
  } else {
    inits.push({ name: 'W_enc', dims: [dIn, dSae], data: d.W_enc });
    nodes.push({ op: 'Gemm', inputs: [xin, 'W_enc', 'b_enc'], outputs: ['pre'] });
  }
  if (d.architecture === 'standard') {
    nodes.push({ op: 'Relu', inputs: ['pre'], outputs: ['feature_acts'] });
  } else if (d.architecture === 'jumprelu') {
    if (!d.threshold) throw new Error('jumprelu dictionary without threshold');
    inits.push({ name: 'threshold', dims: [dSae], data: d.threshold });
    nodes.push(
      { op: 'Relu', inputs: ['pre'], outputs: ['pre_relu'] },
      { op: 'Greater', inputs: ['pre', 'threshold'], outputs: ['jump_mask'] },
      { op: 'Where', inputs: ['jump_mask', 'pre_relu', 'zero'], outputs: ['feature_acts'] },
    );
  } else {
    const k = d.k ?? 0;
    if (!(k >= 1 && k <= dSae)) throw new Error(`topk dictionary with k=${d.k}`);
    inits.push(int64s('k_arch', [k]));
    nodes.push(
      { op: 'TopK', inputs: ['pre', 'k_arch'], outputs: ['k_val', 'k_idx'], intAttrs: { axis: 1, largest: 1, sorted: 1 } },
      { op: 'Relu', inputs: ['k_val'], outputs: ['k_val_relu'] },
      // Decode from the k active rows only: x̂' = Σ_j f_j W_dec[idx_j] + b_dec, a [1, k] @ [k, d_in] per
      // row instead of the dense [d_sae] @ [d_sae, d_in] (k ≪ d_sae).
      { op: 'Gather', inputs: ['W_dec', 'k_idx'], outputs: ['dec_rows'], intAttrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['k_val_relu', 'axis1'], outputs: ['k_val_row'] },
      { op: 'MatMul', inputs: ['k_val_row', 'dec_rows'], outputs: ['recon_rows'] },
      { op: 'Squeeze', inputs: ['recon_rows', 'axis1'], outputs: ['recon_nobias'] },
      { op: 'Add', inputs: ['recon_nobias', 'b_dec'], outputs: ['recon_scaled'] },
    );
    if (withFeatureActs) {
      // Dense feature_acts for the output only (a memset and a scatter).
      nodes.push(
        { op: 'Shape', inputs: ['pre'], outputs: ['pre_shape'] },
        { op: 'ConstantOfShape', inputs: ['pre_shape'], outputs: ['dense_zeros'], attrs: { value: { tensor: { name: 'v', dims: [1], data: new Float32Array([0]) } } } },
        { op: 'ScatterElements', inputs: ['dense_zeros', 'k_idx', 'k_val_relu'], outputs: ['feature_acts'], intAttrs: { axis: 1 } },
      );
    }
  }
  if (d.architecture !== 'topk') nodes.push({ op: 'Gemm', inputs: ['feature_acts', 'W_dec', 'b_dec'], outputs: ['recon_scaled'] });
  // Features that fire, and the top-n of them. For topk only the k kept values can be non-zero.
  const active = d.architecture === 'topk' ? 'k_val_relu' : 'feature_acts';
  let recon = 'recon_scaled';
  if (scale !== 1) {
    nodes.push({ op: 'Div', inputs: ['recon_scaled', 'scale'], outputs: ['recon'] });
    recon = 'recon';
  }
  nodes.push(
    { op: 'Sub', inputs: ['x', recon], outputs: ['resid'] },
    { op: 'ReduceSumSquare', inputs: ['resid'], outputs: ['sq_err'], intAttrs: { axes: [1], keepdims: 0 } },
    { op: 'ReduceMean', inputs: ['x'], outputs: ['x_mean'], intAttrs: { axes: [1], keepdims: 1 } },
    { op: 'Sub', inputs: ['x', 'x_mean'], outputs: ['x_dev'] },
    { op: 'ReduceSumSquare', inputs: ['x_dev'], outputs: ['x_var'], intAttrs: { axes: [1], keepdims: 0 } },
    { op: 'Div', inputs: ['sq_err', 'x_var'], outputs: ['unexplained'] },
    { op: 'Sub', inputs: ['one', 'unexplained'], outputs: ['explained_variance'] },
    { op: 'Greater', inputs: [active, 'zero'], outputs: ['firing'] },
    { op: 'Cast', inputs: ['firing'], outputs: ['firing_f'], intAttrs: { to: DataType.FLOAT } },
    { op: 'ReduceSum', inputs: ['firing_f', 'axis1'], outputs: ['l0'], intAttrs: { keepdims: 0 } },
  );
  if (d.architecture === 'topk') {
    nodes.push(
      { op: 'TopK', inputs: ['k_val_relu', 'n_top'], outputs: ['top_val', 'top_pos'], intAttrs: { axis: 1, largest: 1, sorted: 1 } },
      { op: 'GatherElements', inputs: ['k_idx', 'top_pos'], outputs: ['top_idx'], intAttrs: { axis: 1 } },
    );
  } else {
    nodes.push({ op: 'TopK', inputs: ['feature_acts', 'n_top'], outputs: ['top_val', 'top_idx'], intAttrs: { axis: 1, largest: 1, sorted: 1 } });
  }
  return encodeModel({
    name: `sae_${d.hookName}`,
    inputs: [
      { name: 'x', type: DataType.FLOAT, shape: ['n', dIn] },
      { name: 'n_top', type: DataType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'top_idx', type: DataType.INT64, shape: ['n', 'n_top_out'] },
      { name: 'top_val', type: DataType.FLOAT, shape: ['n', 'n_top_out'] },
      { name: 'explained_variance', type: DataType.FLOAT, shape: ['n'] },
      { name: 'sq_err', type: DataType.FLOAT, shape: ['n'] },
      { name: 'l0', type: DataType.FLOAT, shape: ['n'] },
      ...(withFeatureActs ? [{ name: 'feature_acts', type: DataType.FLOAT, shape: ['n', dSae] }] : []),
    ],
    initializers: inits,
    nodes,
  });
}

/**
 * The logit-lens graph for features without cards: rows [r, d_model] @ W_U [d_model, vocab], then the
 * `n` largest and `n` smallest logits per row. W_U is the tied embedding transposed; it is given as the
 * embedding [vocab, d_model] and multiplied with transB, so no transposed copy is stored.
 */
export function buildLogitLensModel(embedding: Float32Array, vocab: number, dModel: number): Uint8Array {
  return encodeModel({
    name: 'logit_lens',
    inputs: [
      { name: 'rows', type: DataType.FLOAT, shape: ['r', dModel] },
      { name: 'n', type: DataType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'promoted_val', type: DataType.FLOAT, shape: ['r', 'k'] },
      { name: 'promoted_idx', type: DataType.INT64, shape: ['r', 'k'] },
      { name: 'suppressed_val', type: DataType.FLOAT, shape: ['r', 'k'] },
      { name: 'suppressed_idx', type: DataType.INT64, shape: ['r', 'k'] },
    ],
    initializers: [{ name: 'W_E', dims: [vocab, dModel], data: embedding }],
    nodes: [
      { op: 'Gemm', inputs: ['rows', 'W_E'], outputs: ['logits'], intAttrs: { transB: 1 } },
      { op: 'TopK', inputs: ['logits', 'n'], outputs: ['promoted_val', 'promoted_idx'], intAttrs: { axis: 1, largest: 1, sorted: 1 } },
      { op: 'TopK', inputs: ['logits', 'n'], outputs: ['suppressed_val', 'suppressed_idx'], intAttrs: { axis: 1, largest: 0, sorted: 1 } },
    ],
  });
}
