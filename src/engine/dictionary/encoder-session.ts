// ONNX Runtime sessions for the per-dictionary encoder graphs and the logit-lens graph.
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { buildEncoderModel, buildLogitLensModel, type DictionarySpec } from './encoder-graph';
import { candidatesPerRow, RANK_CANDIDATES, rankRows } from './feature-ranking';
import { sessionOptions, type SessionTuning } from '../onnx';
import type { FeatureOrder } from '../types';

export interface EncodedRows {
  idx: Int32Array; // [m, per]
  act: Float32Array; // [m, per]
  ev: Float32Array; // [m]
  sqErr?: Float32Array; // [m]
  l0?: Float32Array; // [m]
  featureActs?: Float32Array; // [m, d_sae]
}

export class DictionaryEncoder {
  /** Float32 graph with the dense feature_acts output, made on first request (explanations). */
  private full: Promise<ort.InferenceSession> | null = null;

  private constructor(
    readonly spec: DictionarySpec,
    private readonly session: ort.InferenceSession,
    private readonly tuning: SessionTuning,
  ) {}

  static async create(spec: DictionarySpec, tuning: SessionTuning): Promise<DictionaryEncoder> {
    const bytes = buildEncoderModel(spec, { precision: spec.precision, featureActs: false });
    const session = await ort.InferenceSession.create(bytes, sessionOptions(tuning));
    return new DictionaryEncoder(spec, session, tuning);
  }

  private fullSession(): Promise<ort.InferenceSession> {
    this.full ??= ort.InferenceSession.create(buildEncoderModel(this.spec, { featureActs: true }), sessionOptions(this.tuning));
    return this.full;
  }

  get hookName(): string {
    return this.spec.hookName;
  }

  /** Encodes m rows of hook activations; `per` features per row (capped at d_sae), chosen and ordered as
   *  `opts.order` says (default 'activation': the strongest first; feature-ranking.ts). */
  async encode(rows: Float32Array, m: number, per: number, opts: { stats?: boolean; featureActs?: boolean; order?: FeatureOrder } = {}): Promise<EncodedRows> {
    // Features that can be active at a token: k for TopK, otherwise the strongest RANK_CANDIDATES.
    const active = this.spec.architecture === 'topk' ? this.spec.k ?? 1 : Math.min(this.spec.dSae, Math.max(per, RANK_CANDIDATES));
    const ranking = (opts.order ?? 'activation') === 'unusual' ? this.spec.ranking : undefined;
    const k = Math.max(1, candidatesPerRow(opts.order ?? 'activation', ranking, Math.min(per, this.spec.dSae), active));
    const fetch = ['top_idx', 'top_val', 'explained_variance'];
    if (opts.stats) fetch.push('sq_err', 'l0');
    if (opts.featureActs) fetch.push('feature_acts');
    const session = opts.featureActs ? await this.fullSession() : this.session;
    const out = await session.run(
      {
        x: new ort.Tensor('float32', rows, [m, this.spec.dIn]),
        n_top: new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]),
      },
      fetch,
    );
    const candIdx = featureIds(out.top_idx.data as BigInt64Array);
    const idx = new Int32Array(m * per);
    const act = new Float32Array(m * per);
    const vals = out.top_val.data as Float32Array;
    if (ranking) {
      // The 'unusual' order: choose `per` of all the active features and order them.
      rankRows(candIdx, vals, m, k, per, ranking, idx, act);
    } else {
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < k; j++) {
          idx[r * per + j] = candIdx[r * k + j];
          act[r * per + j] = vals[r * k + j];
        }
      }
    }
    return {
      idx,
      act,
      ev: out.explained_variance.data as Float32Array,
      sqErr: opts.stats ? (out.sq_err.data as Float32Array) : undefined,
      l0: opts.stats ? (out.l0.data as Float32Array) : undefined,
      featureActs: opts.featureActs ? (out.feature_acts.data as Float32Array) : undefined,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
    if (this.full) await (await this.full).release();
  }
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * Feature indices (int64 from TopK, 0 <= i < d_sae < 2^31) as int32. On a little-endian machine each is
 * the low half of its int64, read through an Int32Array view: no BigInt per index (the 'unusual' order
 * reads all k a token, e.g. 32 × 3 dictionaries × every token).
 */
function featureIds(ids: BigInt64Array): Int32Array {
  const out = new Int32Array(ids.length);
  if (LITTLE_ENDIAN) {
    const words = new Int32Array(ids.buffer, ids.byteOffset, ids.length * 2);
    for (let i = 0; i < out.length; i++) out[i] = words[2 * i];
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Number(ids[i]);
  }
  return out;
}

/** W_dec rows -> top/bottom logits through the tied unembedding (W_U = W_E^T). */
export class LogitLens {
  private constructor(private readonly session: ort.InferenceSession, readonly dModel: number) {}

  static async create(embedding: Float32Array, vocab: number, dModel: number, tuning: SessionTuning): Promise<LogitLens> {
    const session = await ort.InferenceSession.create(buildLogitLensModel(embedding, vocab, dModel), sessionOptions(tuning));
    return new LogitLens(session, dModel);
  }

  async top(row: Float32Array, n: number): Promise<{ promoted: [number, number][]; suppressed: [number, number][] }> {
    const out = await this.session.run({
      rows: new ort.Tensor('float32', row, [1, this.dModel]),
      n: new ort.Tensor('int64', BigInt64Array.from([BigInt(n)]), [1]),
    });
    const pair = (v: string, i: string) =>
      Array.from(out[v].data as Float32Array, (val, j) => [Number((out[i].data as BigInt64Array)[j]), val] as [number, number]);
    return { promoted: pair('promoted_val', 'promoted_idx'), suppressed: pair('suppressed_val', 'suppressed_idx') };
  }
}
