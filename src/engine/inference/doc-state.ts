// What the worker keeps per document between analyses: the tokens, every position's outputs, and each
// window's KV cache. Positions [0, valid) hold outputs computed for exactly these tokens.
import type { WindowKv } from './model-runner';
import type { TokenSpan } from '../types';

export interface HookArrays {
  idx: Int32Array; // [n, per]
  act: Float32Array; // [n, per]
  ev: Float32Array; // [n]
  sqErr?: Float32Array;
  l0?: Float32Array;
  acts?: Float32Array; // [n, d] raw activations, when asked
}

export class DocState {
  ids: Int32Array = new Int32Array(0);
  starts: Int32Array = new Int32Array(0);
  ends: Int32Array = new Int32Array(0);
  valid = 0;
  sig = '';
  topkIds = new Int32Array(0); // [n, topkMax]
  topkLogprobs = new Float32Array(0);
  entropy = new Float32Array(0); // entropy of the prediction made at each position
  targetLogprob = new Float32Array(0); // position i: log p(ids[i+1])
  targetRank = new Int32Array(0);
  hooks = new Map<string, HookArrays>();
  /** Per window: its KV cache, of which the first `usable` positions match the current tokens. */
  kv = new Map<number, { kv: WindowKv; usable: number }>();
  deliveredId: number | null = null;
  deliveredIds: Int32Array | null = null;
  /** The text last tokenised for this document and its spans: the next edit re-tokenises only from the
   * first change (TextTokenizer.encodeIncremental), not the whole document. */
  lastEncoded: { text: string; tokens: readonly TokenSpan[] } | undefined;

  bytes(): number {
    let b = this.ids.byteLength * 3 + this.topkIds.byteLength * 2 + this.entropy.byteLength * 3;
    for (const h of this.hooks.values()) {
      b += h.idx.byteLength * 2 + h.ev.byteLength * 3 + (h.acts?.byteLength ?? 0);
    }
    for (const { kv } of this.kv.values()) for (const a of [...kv.keys, ...kv.values]) b += a.byteLength;
    // The remembered text (UTF-16) and its span objects (~64 bytes each with their strings).
    if (this.lastEncoded) b += this.lastEncoded.text.length * 2 + this.lastEncoded.tokens.length * 64;
    return b;
  }
}

/** First index where a and b differ; min(a.length, b.length) when one is a prefix of the other. */
export function firstDiff(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function grow<T extends Int32Array | Float32Array>(old: T, keep: number, size: number, make: (n: number) => T): T {
  const out = make(size);
  out.set(old.subarray(0, Math.min(keep, size, old.length)) as never);
  return out;
}

/**
 * Moves a document's state to new tokens, keeping the outputs of positions [0, q) and returning q.
 * Position i's outputs depend on tokens 0..i, and its target log-prob/rank on token i+1 too, so with
 * f = first changed token they stay valid for i < f - 1 (and i < n when the new text is a prefix of the old).
 * KV caches are trimmed to the unchanged tokens of each window.
 */
export function rebase(
  st: DocState,
  ids: Int32Array,
  starts: Int32Array,
  ends: Int32Array,
  sig: string,
  topkMax: number,
  windowStart: (w: number) => number,
): number {
  const n = ids.length;
  const f = firstDiff(st.ids, ids);
  let q = 0;
  if (st.sig === sig) {
    const lastUsable = f === n ? n : f - 1;
    q = Math.max(0, Math.min(st.valid, lastUsable));
  }
  for (const [w, e] of st.kv) {
    const keep = Math.min(e.usable, f - windowStart(w));
    if (keep <= 0) st.kv.delete(w);
    else e.usable = keep;
  }
  st.topkIds = grow(st.topkIds, q * topkMax, n * topkMax, (k) => new Int32Array(k));
  st.topkLogprobs = grow(st.topkLogprobs, q * topkMax, n * topkMax, (k) => new Float32Array(k));
  st.entropy = grow(st.entropy, q, n, (k) => new Float32Array(k));
  st.targetLogprob = grow(st.targetLogprob, q, n, (k) => new Float32Array(k));
  st.targetRank = grow(st.targetRank, q, n, (k) => new Int32Array(k));
  if (st.sig !== sig) st.hooks.clear();
  st.ids = ids;
  st.starts = starts;
  st.ends = ends;
  st.valid = q;
  st.sig = sig;
  return q;
}

export function resizeHook(h: HookArrays | undefined, q: number, n: number, per: number, d: number, opts: { stats: boolean; acts: boolean }): HookArrays {
  const e = h ?? { idx: new Int32Array(0), act: new Float32Array(0), ev: new Float32Array(0) };
  return {
    idx: grow(e.idx, q * per, n * per, (k) => new Int32Array(k)),
    act: grow(e.act, q * per, n * per, (k) => new Float32Array(k)),
    ev: grow(e.ev, q, n, (k) => new Float32Array(k)),
    sqErr: opts.stats ? grow(e.sqErr ?? new Float32Array(0), q, n, (k) => new Float32Array(k)) : undefined,
    l0: opts.stats ? grow(e.l0 ?? new Float32Array(0), q, n, (k) => new Float32Array(k)) : undefined,
    acts: opts.acts ? grow(e.acts ?? new Float32Array(0), q * d, n * d, (k) => new Float32Array(k)) : undefined,
  };
}
