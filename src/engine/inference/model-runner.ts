// One ONNX Runtime session for the bundle's model.onnx (contract in docs/bundle-format.md): runs a
// chunk of a window on top of an optional KV prefix, fetching only the outputs asked for. Chunks whose
// positions only serve as context for later ones (a window's first half, whose outputs the previous
// window owns) run through a second session cut down to the KV outputs: ONNX Runtime computes every node
// of a graph whatever is fetched, and on a small model the unembedding, log-softmax and top-k dominate.
// The main session's model counts the target's rank in float (onnx/count-in-float.ts).
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { countInFloat, ParsedModel, sessionOptions, type SessionTuning } from '../onnx';

/** Largest model.onnx that gets the KV-only session: it holds its own copy of the weights (made on first
 *  use, i.e. for the first document longer than one window), worth it where the head dominates. */
const CONTEXT_SESSION_MAX_BYTES = 256 * 2 ** 20;

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

/** present_key_L / present_value_L for every layer. */
export function kvOutputNames(nLayers: number): string[] {
  const names: string[] = [];
  for (let l = 0; l < nLayers; l++) names.push(`present_key_${l}`, `present_value_${l}`);
  return names;
}

/** model.onnx cut down to its KV outputs (inputs: input_ids and the past KV), or null when the model is
 *  over CONTEXT_SESSION_MAX_BYTES. */
export function contextModelBytes(modelPath: string, nLayers: number): Uint8Array | null {
  if (fs.statSync(modelPath).size > CONTEXT_SESSION_MAX_BYTES) return null;
  return new ParsedModel(fs.readFileSync(modelPath)).segment({ from: null, outputs: kvOutputNames(nLayers) });
}

/** What the analysis session loads: model.onnx with its bool counts summed in float (same outputs, bit for
 *  bit: a count is exact in float), or its path when there is nothing to rewrite. */
export function analysisModel(modelPath: string): string | Uint8Array {
  const r = countInFloat(fs.readFileSync(modelPath));
  return r.rewritten ? r.bytes : modelPath;
}

/** An ONNX Runtime session of a model given as a path or as bytes. */
export function createSession(model: string | Uint8Array, tuning: SessionTuning): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, sessionOptions(tuning)) : ort.InferenceSession.create(model, sessionOptions(tuning));
}

export class ModelRunner {
  private kvOnly: Promise<ort.InferenceSession | null> | null = null;

  private constructor(
    readonly session: ort.InferenceSession,
    readonly nLayers: number,
    readonly nHeads: number,
    readonly dHead: number,
    private readonly modelPath: string,
    private readonly tuning: SessionTuning,
  ) {}

  static async create(modelPath: string, nLayers: number, nHeads: number, dHead: number, tuning: SessionTuning): Promise<ModelRunner> {
    const session = await createSession(analysisModel(modelPath), tuning);
    return new ModelRunner(session, nLayers, nHeads, dHead, modelPath, tuning);
  }

  private kvSession(): Promise<ort.InferenceSession | null> {
    this.kvOnly ??= (async () => {
      const bytes = contextModelBytes(this.modelPath, this.nLayers);
      return bytes && ort.InferenceSession.create(bytes, sessionOptions(this.tuning));
    })();
    return this.kvOnly;
  }

  private feeds(ids: Int32Array, targets: Int32Array | null, past: WindowKv | null): Record<string, ort.Tensor> {
    const n = ids.length;
    const { nLayers: L, nHeads: H, dHead: dh } = this;
    const pastLen = past?.len ?? 0;
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, n]) };
    if (targets) feeds.target_ids = new ort.Tensor('int64', BigInt64Array.from(targets, (v) => BigInt(v)), [1, n]);
    const empty = new Float32Array(0);
    for (let l = 0; l < L; l++) {
      feeds[`past_key_${l}`] = new ort.Tensor('float32', past ? past.keys[l] : empty, [1, H, pastLen, dh]);
      feeds[`past_value_${l}`] = new ort.Tensor('float32', past ? past.values[l] : empty, [1, H, pastLen, dh]);
    }
    return feeds;
  }

  private windowKv(out: ort.InferenceSession.OnnxValueMapType, len: number): WindowKv {
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let l = 0; l < this.nLayers; l++) {
      keys.push(out[`present_key_${l}`].data as Float32Array);
      values.push(out[`present_value_${l}`].data as Float32Array);
    }
    return { len, keys, values };
  }

  /** Runs a chunk only for its KV (past + this chunk): positions whose outputs nobody reads. */
  async runContext(ids: Int32Array, past: WindowKv | null): Promise<WindowKv> {
    const kv = await this.kvSession();
    if (!kv) return (await this.run(ids, new Int32Array(ids.length), past, [])).kv;
    const feeds = this.feeds(ids, null, past);
    const out = await kv.run(Object.fromEntries(kv.inputNames.map((k) => [k, feeds[k]])));
    return this.windowKv(out, (past?.len ?? 0) + ids.length);
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
    const fetch = ['topk_ids', 'topk_logprobs', 'entropy', 'target_logprob', 'target_rank', ...hooks, ...kvOutputNames(this.nLayers)];
    const out = await this.session.run(this.feeds(ids, targets, past), fetch);
    const hookMap = new Map<string, Float32Array>();
    for (const h of hooks) hookMap.set(h, out[h].data as Float32Array);
    return {
      topkIds: out.topk_ids.data as BigInt64Array,
      topkLogprobs: out.topk_logprobs.data as Float32Array,
      entropy: out.entropy.data as Float32Array,
      targetLogprob: out.target_logprob.data as Float32Array,
      targetRank: out.target_rank.data as BigInt64Array,
      hooks: hookMap,
      kv: this.windowKv(out, (past?.len ?? 0) + ids.length),
    };
  }

  async release(): Promise<void> {
    await this.session.release();
    const kv = await this.kvOnly;
    if (kv) await kv.release();
  }
}
