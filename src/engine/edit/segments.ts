// The model run in segments that start and end at hooks, so an edited activation can be fed in between:
// head (model inputs -> first edited hook), middle segments (hook -> next edited hook) and tail (last
// edited hook -> the model's outputs). Each segment is model.onnx cut by onnx/graph-surgery.ts to the nodes it
// needs, so the segments of one pass together cost one pass. Sessions are built on first use and kept;
// the parsed model.onnx they are cut from is dropped after each pass (it is as large as the model) and read
// again only when a pass needs a segment not built yet.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { cutInputName, ParsedModel, sessionOptions, type SegmentSpec, type SessionTuning } from '../onnx';
import type { WindowKv } from '../inference';
import { attentionAfter } from './scope';

export const STAT_OUTPUTS = ['topk_ids', 'topk_logprobs', 'entropy', 'target_logprob', 'target_rank'] as const;

/** Sessions kept at once (each holds the weights of its own layers). */
const MAX_SESSIONS = 12;

export interface SegmentedPass {
  /** The tail's outputs: STAT_OUTPUTS (and the full log-probabilities when asked). */
  outputs: Record<string, ort.Tensor>;
  /** past + this run, every layer; null when the tail did not run. */
  kv: WindowKv | null;
  modelMs: number;
}

/** Called with a hook's rows (computed with the earlier edits applied); edits them in place and says
 *  whether any value changed. */
export type EditRows = (hook: string, rows: Float32Array) => Promise<boolean>;

export interface PassOptions {
  /** Also output these tensors of the graph (e.g. the full log-probabilities). */
  extraOutputs?: readonly string[];
  /** Run the tail even when no edit changed a value. */
  always?: boolean;
  /** Only the keys/values are wanted (positions whose outputs another window owns): the tail stops at
   *  the last layer's keys/values instead of running the unembedding and the statistics. */
  kvOnly?: boolean;
}

export class SegmentedModel {
  private parsed: ParsedModel | null = null;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(
    private readonly modelPath: string,
    private readonly shape: { nLayers: number; nHeads: number; dHead: number },
    private readonly tuning: SessionTuning,
  ) {}

  private model(): ParsedModel {
    this.parsed ??= new ParsedModel(fs.readFileSync(this.modelPath));
    return this.parsed;
  }

  private logprobs: string | null | undefined;

  /** Name of the [1, n, vocab] log-probabilities inside the graph, or null when the model has none. */
  logprobsName(): string | null {
    if (this.logprobs === undefined) this.logprobs = this.model().firstOutputOf('LogSoftmax');
    return this.logprobs;
  }

  private session(spec: SegmentSpec): Promise<ort.InferenceSession> {
    const key = JSON.stringify(spec);
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    s = ort.InferenceSession.create(this.model().segment(spec), sessionOptions(this.tuning));
    this.sessions.set(key, s);
    while (this.sessions.size > MAX_SESSIONS) {
      const [oldest, old] = this.sessions.entries().next().value!;
      this.sessions.delete(oldest);
      void old.then((o) => o.release()).catch(() => undefined);
    }
    return s;
  }

  /**
   * One pass over `ids` on top of `past` with the hooks in `hooks` (model order) edited by `edit`.
   * Returns the tail's outputs and the KV of every layer. `changed` is false when no edit changed any
   * value: then, unless `always` or `kvOnly`, the tail was not run, `outputs` is empty and `kv` null (the
   * unedited results stand).
   */
  async run(ids: Int32Array, targets: Int32Array, past: WindowKv | null, hooks: readonly string[], edit: EditRows, opts: PassOptions = {}): Promise<SegmentedPass & { changed: boolean }> {
    const { nLayers: L, nHeads: H, dHead: dh } = this.shape;
    const n = ids.length;
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
    const keys: Float32Array[] = new Array(L);
    const values: Float32Array[] = new Array(L);
    let changed = false;
    let modelMs = 0;
    let from: string | null = null;
    let outputs: Record<string, ort.Tensor> = {};
    let ranTail = false;
    for (let k = 0; k <= hooks.length; k++) {
      const to = k < hooks.length ? hooks[k] : null;
      const layers = [...Array(L).keys()].filter((l) => (from === null || attentionAfter(from, l)) && (to === null || !attentionAfter(to, l)));
      if (to === null && !changed && !opts.always && !opts.kvOnly) break;
      const results = to !== null ? [to] : opts.kvOnly ? [] : [...STAT_OUTPUTS, ...(opts.extraOutputs ?? [])];
      const wanted = [...results, ...layers.flatMap((l) => [`present_key_${l}`, `present_value_${l}`])];
      if (!wanted.length) {
        ranTail = true; // nothing after the last edited hook computes keys or values
        break;
      }
      const session = await this.session({ from, outputs: wanted });
      const t0 = performance.now();
      const out = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, feeds[name]])), wanted);
      modelMs += performance.now() - t0;
      for (const l of layers) {
        keys[l] = out[`present_key_${l}`].data as Float32Array;
        values[l] = out[`present_value_${l}`].data as Float32Array;
      }
      if (to === null) {
        outputs = out;
        ranTail = true;
        break;
      }
      const rows = out[to].data as Float32Array;
      if (await edit(to, rows)) changed = true;
      feeds[cutInputName(to)] = new ort.Tensor('float32', rows, out[to].dims);
      from = to;
    }
    this.parsed = null;
    return { outputs, kv: ranTail ? { len: pastLen + n, keys, values } : null, modelMs, changed };
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}
