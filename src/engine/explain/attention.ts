// One query row of every head, recomputed from the model's own cached keys and values: for the explained
// position p, q = LN1(resid_pre[p]) @ W_Q + b_Q per head, pattern = softmax(q·K / sqrt(d_head)) over
// the window's positions 0..p (the causal mask leaves nothing after p), z = pattern @ V. The head's
// share of the attention output is z @ W_O[rows of that head]. Pure arithmetic in float64.
import type { HeadAttention } from './types';
import type { LayerWeights } from './weights';

export interface HeadRow {
  /** Attention weights over window positions 0..p. */
  pattern: Float64Array;
  /** Pattern-weighted values, [d_head]. */
  z: Float64Array;
}

export interface AttentionShape {
  nHeads: number;
  dHead: number;
  eps: number;
}

export function layerNorm(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, eps: number): Float64Array {
  const d = x.length;
  let mean = 0;
  for (let i = 0; i < d; i++) mean += x[i];
  mean /= d;
  let v = 0;
  for (let i = 0; i < d; i++) v += (x[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(v / d + eps);
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = (x[i] - mean) * inv * w[i] + b[i];
  return out;
}

/**
 * Every head's row at the last cached position. `keys`/`values` are the layer's present_key/value,
 * [H, len, d_head] row-major, covering window positions 0..p (len = p + 1).
 */
export function headRows(residPre: ArrayLike<number>, w: LayerWeights, keys: Float32Array, values: Float32Array, len: number, s: AttentionShape): HeadRow[] {
  const { nHeads: H, dHead: dh } = s;
  const d = H * dh;
  const h1 = layerNorm(residPre, w.ln1W, w.ln1B, s.eps);
  const q = Float64Array.from(w.qB);
  for (let i = 0; i < d; i++) {
    const row = i * d;
    for (let o = 0; o < d; o++) q[o] += h1[i] * w.qW[row + o];
  }
  const scale = 1 / Math.sqrt(dh);
  const rows: HeadRow[] = [];
  for (let h = 0; h < H; h++) {
    const base = h * len * dh;
    const scores = new Float64Array(len);
    let max = -Infinity;
    for (let j = 0; j < len; j++) {
      let acc = 0;
      for (let k = 0; k < dh; k++) acc += q[h * dh + k] * keys[base + j * dh + k];
      scores[j] = acc * scale;
      if (scores[j] > max) max = scores[j];
    }
    let sum = 0;
    for (let j = 0; j < len; j++) sum += scores[j] = Math.exp(scores[j] - max);
    const z = new Float64Array(dh);
    for (let j = 0; j < len; j++) {
      scores[j] /= sum;
      for (let k = 0; k < dh; k++) z[k] += scores[j] * values[base + j * dh + k];
    }
    rows.push({ pattern: scores, z });
  }
  return rows;
}

/** The head's output vector z_h @ W_O[h], [d]. */
export function headResult(z: Float64Array, head: number, outW: Float32Array, d: number): Float64Array {
  const dh = z.length;
  const out = new Float64Array(d);
  for (let k = 0; k < dh; k++) {
    const row = (head * dh + k) * d;
    for (let o = 0; o < d; o++) out[o] += z[k] * outW[row + o];
  }
  return out;
}

/** The public record of one head's row, with the summary the head picker shades by. */
export function headAttention(layer: number, head: number, pattern: Float64Array, windowStart: number): HeadAttention {
  const position = windowStart + pattern.length - 1;
  let meanDistance = 0;
  let entropy = 0;
  let maxWeight = -1;
  let maxToken = position;
  for (let j = 0; j < pattern.length; j++) {
    const w = pattern[j];
    meanDistance += w * (pattern.length - 1 - j);
    if (w > 0) entropy -= w * Math.log(w);
    if (w > maxWeight) {
      maxWeight = w;
      maxToken = windowStart + j;
    }
  }
  return { layer, head, name: `L${layer}H${head}`, weights: Array.from(pattern), meanDistance, entropy, maxWeight, maxToken };
}
