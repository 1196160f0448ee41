// One ONNX Runtime session for the bundle's model.onnx (contract in docs/bundle-format.md): runs a
// chunk of a window on top of an optional KV prefix, fetching only the outputs asked for.
import * as ort from 'onnxruntime-node';
import { sessionOptions, type SessionTuning } from '../onnx';

/** KV cache of one window: per layer [H, len, d_head] row-major, for the window's first `len` tokens. */
export interface WindowKv {
  len: number;
  keys: Float32Array[];
  values: Float32Array[];
}

export interface ChunkOutputs {
  topkIds: BigInt64Array; // [n, topk_max]
  topkLogprobs: Float32Array; // [n, topk_max]
  entropy: Float32Array; // [n]
  targetLogprob: Float32Array; // [n]
  targetRank: BigInt64Array; // [n]
  hooks: Map<string, Float32Array>; // [n, d]
  kv: WindowKv; // past + this chunk
}

export class ModelRunner {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly nLayers: number,
    readonly nHeads: number,
    readonly dHead: number,
  ) {}

  static async create(modelPath: string, nLayers: number, nHeads: number, dHead: number, tuning: SessionTuning): Promise<ModelRunner> {
    const session = await ort.InferenceSession.create(modelPath, sessionOptions(tuning));
    return new ModelRunner(session, nLayers, nHeads, dHead);
  }

  hasOutput(name: string): boolean {
    return this.session.outputNames.includes(name);
  }

  /** Keeps the first `len` positions of a KV cache. */
  slice(kv: WindowKv, len: number): WindowKv {
    if (len >= kv.len) return kv;
    const { nHeads: H, dHead: dh } = this;
    const cut = (a: Float32Array) => {
      const out = new Float32Array(H * len * dh);
      for (let h = 0; h < H; h++) out.set(a.subarray(h * kv.len * dh, h * kv.len * dh + len * dh), h * len * dh);
      return out;
    };
    return { len, keys: kv.keys.map(cut), values: kv.values.map(cut) };
  }

  async run(ids: Int32Array, targets: Int32Array, past: WindowKv | null, hooks: string[]): Promise<ChunkOutputs> {
    const n = ids.length;
    const { nLayers: L, nHeads: H, dHead: dh } = this;
    const pastLen = past?.len ?? 0;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, n]),
      target_ids: new ort.Tensor('int64', BigInt64Array.from(targets, (v) => BigInt(v)), [1, n]),
    };
    const empty = new Float32Array(0);
    for (let l = 0; l < L; l++) {
      feeds[`past_key_${l}`] = new ort.Tensor('float32', past ? past.keys[l] : empty, [1, H, pastLen, dh]);
      feeds[`past_value_${l}`] = new ort.Tensor('float32', past ? past.values[l] : empty, [1, H, pastLen, dh]);
    }
    const fetch = ['topk_ids', 'topk_logprobs', 'entropy', 'target_logprob', 'target_rank', ...hooks];
    for (let l = 0; l < L; l++) fetch.push(`present_key_${l}`, `present_value_${l}`);
    const out = await this.session.run(feeds, fetch);
    const hookMap = new Map<string, Float32Array>();
    for (const h of hooks) hookMap.set(h, out[h].data as Float32Array);
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      keys.push(out[`present_key_${l}`].data as Float32Array);
      values.push(out[`present_value_${l}`].data as Float32Array);
    }
    return {
      topkIds: out.topk_ids.data as BigInt64Array,
      topkLogprobs: out.topk_logprobs.data as Float32Array,
      entropy: out.entropy.data as Float32Array,
      targetLogprob: out.target_logprob.data as Float32Array,
      targetRank: out.target_rank.data as BigInt64Array,
      hooks: hookMap,
      kv: { len: pastLen + n, keys, values },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
