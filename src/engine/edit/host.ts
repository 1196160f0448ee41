// What the edit and continuation runners borrow from the worker's inference core, and their shared
// plumbing: the float32 hook editors (built on first use) and the segmented model.
import type { DictionaryEncoder } from '../dictionary';
import type { AnalyzePayload, ModelRunner, RunOptions, Window, WindowKv, WorkerInit } from '../inference';
import type { TextTokenizer } from '../tokens';
import type { TokenSpan } from '../types';
import { HookEditor } from './deltas';
import type { EditScope } from './scope';
import { SegmentedModel, type EditRows } from './segments';

export interface EditHost {
  readonly init: WorkerInit;
  readonly tokenizer: TextTokenizer;
  readonly model: ModelRunner;
  readonly dicts: ReadonlyMap<string, DictionaryEncoder>;
  analyze(id: number, docKey: string, text: string, opts: RunOptions, delivery: { baseId: number | null } | null, progress: (done: number, total: number) => void): Promise<AnalyzePayload>;
  previousEncoding(docKey: string): { text: string; tokens: readonly TokenSpan[] } | undefined;
  cachedWindowPrefix(docKey: string, ids: Int32Array, w: Window, maxLen: number): WindowKv | null;
}

/** A request the edit runners cannot serve as asked (edits that cover no token, no text before the cursor). */
export class BadEditRequest extends Error {}

export class EditTools {
  readonly segments: SegmentedModel;
  private readonly editors = new Map<string, HookEditor>();
  /** Dictionary time of the current request (encoding the edited rows). */
  dictionaryMs = 0;

  constructor(readonly host: EditHost) {
    const { init } = host;
    this.segments = new SegmentedModel(init.modelPath, { nLayers: init.nLayers, nHeads: init.nHeads, dHead: init.dHead }, { threads: init.threads });
  }

  private editor(hook: string): HookEditor {
    let e = this.editors.get(hook);
    if (!e) {
      const enc = this.host.dicts.get(hook);
      if (!enc) throw new BadEditRequest(`no dictionary for hook ${hook}`);
      e = new HookEditor(enc.spec, { threads: this.host.init.threads });
      this.editors.set(hook, e);
    }
    return e;
  }

  /** Edits the rows of positions [first, first + m) of a hook as `scope` says. */
  rowEditor(scope: EditScope, first: number): EditRows {
    return async (hook, rows) => {
      const d = this.host.dicts.get(hook)!.spec.dIn;
      const r = await this.editor(hook).apply(rows, scope.rowEdits(hook, first, rows.length / d));
      this.dictionaryMs += r.ms;
      return r.changed;
    };
  }

  async release(): Promise<void> {
    await this.segments.release();
    for (const e of this.editors.values()) await e.release();
  }
}

/** Token ids that each position is asked to score: the next token, 0 past the end (ignored). */
export function nextTargets(ids: ArrayLike<number>, from: number, to: number): Int32Array {
  const t = new Int32Array(to - from);
  for (let i = from; i < to; i++) t[i - from] = i + 1 < ids.length ? ids[i + 1] : 0;
  return t;
}
