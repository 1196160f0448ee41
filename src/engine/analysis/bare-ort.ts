// The ONNX Runtime work of one full analysis and nothing else, for the benchmark's overhead figure: the
// bundle's model over the same windows and chunks (each chunk on top of the KV the previous one returned,
// fetching the same outputs; context-only chunks through the same KV-only cut of the model), then every dictionary encoder, with the engine's graphs, precision and session
// options, on the owned rows in batches of at most DICTIONARY_BATCH_ROWS. No worker, no tokeniser, no
// caches, no result objects, no copies beyond what ONNX Runtime's API needs. The engine's time over this
// one is what its machinery costs.
import * as ort from 'onnxruntime-node';
import { buildEncoderModel } from '../dictionary';
import { analysisModel, contextModelBytes, createSession, DICTIONARY_BATCH_ROWS, kvOutputNames, planRuns } from '../inference';
import { sessionOptions } from '../onnx';
import type { Result } from '../types';
import { openBundleSource, type BundleSource } from './bundle-source';

export interface BareOrtOptions {
  threads?: number;
  /** Tokens per model session run inside a window (the engine's default is 256). */
  chunkTokens?: number;
  extraDictionaries?: string[];
}

export class BareOrt {
  private constructor(
    private readonly src: BundleSource,
    private readonly model: ort.InferenceSession,
    /** The KV-only cut of model.onnx for context chunks, as the worker uses (null for large models). */
    private readonly context: ort.InferenceSession | null,
    private readonly encoders: { hook: string; dIn: number; session: ort.InferenceSession }[],
    private readonly chunk: number,
  ) {}

  static async open(bundleDir: string, opts: BareOrtOptions = {}): Promise<Result<BareOrt>> {
    const src = await openBundleSource(bundleDir, opts.extraDictionaries ?? [], false);
    if (!src.ok) return src;
    const tuning = sessionOptions({ threads: opts.threads ?? 2 });
    const model = await createSession(analysisModel(src.value.modelPath), { threads: opts.threads ?? 2 });
    const contextBytes = contextModelBytes(src.value.modelPath, src.value.nLayers);
    const context = contextBytes && (await ort.InferenceSession.create(contextBytes, tuning));
    const encoders = [];
    for (const spec of src.value.dictionaries) {
      const session = await ort.InferenceSession.create(buildEncoderModel(spec, { precision: spec.precision, featureActs: false }), tuning);
      encoders.push({ hook: spec.hookName, dIn: spec.dIn, session });
    }
    return { ok: true, value: new BareOrt(src.value, model, context, encoders, opts.chunkTokens ?? 256) };
  }

  /** Runs the analysis's session work for token ids `ids`; returns its milliseconds. */
  async run(ids: Int32Array, featuresPerToken: number): Promise<number> {
    const t0 = performance.now();
    const { nLayers: L, nHeads: H, dHead: dh, nCtx } = this.src;
    const n = ids.length;
    const hooks = this.encoders.map((e) => e.hook);
    const kvNames = kvOutputNames(L);
    const fetch = ['topk_ids', 'topk_logprobs', 'entropy', 'target_logprob', 'target_rank', ...hooks, ...kvNames];
    const pending = new Map<string, Float32Array[]>(hooks.map((h) => [h, []]));
    let pendingRows = 0;
    const nTop = new ort.Tensor('int64', BigInt64Array.from([BigInt(featuresPerToken)]), [1]);
    const flush = async () => {
      for (const e of this.encoders) {
        const parts = pending.get(e.hook)!;
        const rows = new Float32Array(pendingRows * e.dIn);
        parts.reduce((off, p) => (rows.set(p, off), off + p.length), 0);
        parts.length = 0;
        await e.session.run({ x: new ort.Tensor('float32', rows, [pendingRows, e.dIn]), n_top: nTop }, ['top_idx', 'top_val', 'explained_variance']);
      }
      pendingRows = 0;
    };
    for (const w of planRuns(n, nCtx, 0)) {
      let past: ort.Tensor[] = [];
      for (let l = 0; l < L; l++) past.push(new ort.Tensor('float32', new Float32Array(0), [1, H, 0, dh]), new ort.Tensor('float32', new Float32Array(0), [1, H, 0, dh]));
      for (let a = w.start; a < w.end; ) {
        const b = a < w.ownedStart ? Math.min(w.end, a + this.chunk, w.ownedStart) : Math.min(w.end, a + this.chunk);
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.subarray(a, b), (v) => BigInt(v)), [1, b - a]),
        };
        for (let l = 0; l < L; l++) {
          feeds[`past_key_${l}`] = past[2 * l];
          feeds[`past_value_${l}`] = past[2 * l + 1];
        }
        const contextOnly = b <= w.ownedStart && this.context !== null;
        if (!contextOnly) feeds.target_ids = new ort.Tensor('int64', BigInt64Array.from({ length: b - a }, (_, i) => BigInt(a + i + 1 < n ? ids[a + i + 1] : 0)), [1, b - a]);
        const out = contextOnly ? await this.context!.run(feeds) : await this.model.run(feeds, fetch);
        past = kvNames.map((k) => out[k]);
        const from = Math.max(a, w.ownedStart);
        if (from < b) {
          for (const e of this.encoders) pending.get(e.hook)!.push((out[e.hook].data as Float32Array).subarray((from - a) * e.dIn, (b - a) * e.dIn));
          pendingRows += b - from;
        }
        a = b;
      }
      if (pendingRows >= DICTIONARY_BATCH_ROWS) await flush();
    }
    if (pendingRows > 0) await flush();
    return performance.now() - t0;
  }

  async release(): Promise<void> {
    await this.model.release();
    await this.context?.release();
    for (const e of this.encoders) await e.session.release();
  }
}
