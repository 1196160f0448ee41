// The logit lens as a small ONNX graph built at first use: residual-stream rows -> the model's final
// LayerNorm (the same LayerNormalization op and weights as model.onnx) -> the tied unembedding ->
// log-softmax; per row the top-n and the target's log-prob and rank. Runs in ONNX Runtime so no
// [rows, vocab] array reaches JS. Applied to the last block's hook_resid_post it is the model's output.
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, sessionOptions, type SessionTuning } from '../onnx';
import type { ExplainWeights } from './weights';

export function buildLensModel(w: Pick<ExplainWeights, 'wte' | 'lnfW' | 'lnfB' | 'eps'>, vocab: number, dModel: number): Uint8Array {
  return encodeModel({
    name: 'explain_logit_lens',
    inputs: [
      { name: 'rows', type: DataType.FLOAT, shape: ['r', dModel] },
      { name: 'target', type: DataType.INT64, shape: [1] },
      { name: 'n', type: DataType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'top_logprob', type: DataType.FLOAT, shape: ['r', 'k'] },
      { name: 'top_idx', type: DataType.INT64, shape: ['r', 'k'] },
      { name: 'target_logprob', type: DataType.FLOAT, shape: ['r', 1] },
      { name: 'target_rank', type: DataType.FLOAT, shape: ['r'] },
    ],
    initializers: [
      { name: 'W_E', dims: [vocab, dModel], data: w.wte },
      { name: 'ln_w', dims: [dModel], data: w.lnfW },
      { name: 'ln_b', dims: [dModel], data: w.lnfB },
      { name: 'axis1', dims: [1], data: BigInt64Array.from([1n]) },
    ],
    nodes: [
      { op: 'LayerNormalization', inputs: ['rows', 'ln_w', 'ln_b'], outputs: ['normed'], attrs: { epsilon: w.eps }, intAttrs: { axis: -1 } },
      { op: 'Gemm', inputs: ['normed', 'W_E'], outputs: ['logits'], intAttrs: { transB: 1 } },
      { op: 'LogSoftmax', inputs: ['logits'], outputs: ['logp'], intAttrs: { axis: 1 } },
      { op: 'TopK', inputs: ['logp', 'n'], outputs: ['top_logprob', 'top_idx'], intAttrs: { axis: 1, largest: 1, sorted: 1 } },
      { op: 'Gather', inputs: ['logp', 'target'], outputs: ['target_logprob'], intAttrs: { axis: 1 } },
      { op: 'Greater', inputs: ['logp', 'target_logprob'], outputs: ['above'] },
      { op: 'Cast', inputs: ['above'], outputs: ['above_f'], intAttrs: { to: DataType.FLOAT } },
      { op: 'ReduceSum', inputs: ['above_f', 'axis1'], outputs: ['target_rank'], intAttrs: { keepdims: 0 } },
    ],
  });
}

export interface LensRows {
  /** [rows, n] descending. */
  topIds: Int32Array;
  topLogprobs: Float32Array;
  targetLogprob: Float32Array; // [rows]
  targetRank: Int32Array; // [rows]
}

export class LensSession {
  private constructor(private readonly session: ort.InferenceSession, readonly dModel: number) {}

  static async create(w: ExplainWeights, vocab: number, dModel: number, tuning: SessionTuning): Promise<LensSession> {
    const session = await ort.InferenceSession.create(buildLensModel(w, vocab, dModel), sessionOptions(tuning));
    return new LensSession(session, dModel);
  }

  async run(rows: Float32Array, nRows: number, target: number, n: number): Promise<LensRows> {
    const out = await this.session.run({
      rows: new ort.Tensor('float32', rows, [nRows, this.dModel]),
      target: new ort.Tensor('int64', BigInt64Array.from([BigInt(target)]), [1]),
      n: new ort.Tensor('int64', BigInt64Array.from([BigInt(n)]), [1]),
    });
    return {
      topIds: Int32Array.from(out.top_idx.data as BigInt64Array, Number),
      topLogprobs: out.top_logprob.data as Float32Array,
      targetLogprob: out.target_logprob.data as Float32Array,
      targetRank: Int32Array.from(out.target_rank.data as Float32Array),
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
