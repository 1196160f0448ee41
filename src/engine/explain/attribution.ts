// Direct logit attribution (TransformerLens decompose_resid / logit_attrs). The final residual stream x
// is a sum of components; with the final LayerNorm's scale sigma frozen at its value for this position,
//   logit = Σ_c ((c - mean(c)) / sigma ⊙ w_f) · u + b_f · u,   u = W_U[:, target] (- W_U[:, versus]),
// i.e. every component contributes c · v with v = centre(w_f ⊙ u) / sigma. The 'model' group is the
// component decomposition; a dictionary on a residual hook gets a group of its features, its bias and
// its error plus every component after the hook; one on mlp.hook_post gets the model group with that
// MLP replaced by its features, bias and error through W_out plus the MLP's output bias.
import type { AttributionGroup, AttributionKind, AttributionTerm } from './types';
import type { ExplainWeights } from './weights';

export interface LogitDirection {
  /** c · v is a component c's direct contribution. */
  v: Float64Array;
  /** b_f · u: the final LayerNorm's bias term. */
  lnBias: number;
  logit: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>, n = a.length, aOff = 0): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i] * b[i];
  return s;
};

export function logitDirection(xFinal: ArrayLike<number>, w: ExplainWeights, target: number, versus: number | null): LogitDirection {
  const d = xFinal.length;
  const u = new Float64Array(d);
  for (let i = 0; i < d; i++) u[i] = w.wte[target * d + i] - (versus === null ? 0 : w.wte[versus * d + i]);
  let mean = 0;
  for (let i = 0; i < d; i++) mean += xFinal[i];
  mean /= d;
  let variance = 0;
  for (let i = 0; i < d; i++) variance += (xFinal[i] - mean) ** 2;
  const sigma = Math.sqrt(variance / d + w.eps);
  const g = new Float64Array(d);
  let gMean = 0;
  for (let i = 0; i < d; i++) gMean += g[i] = (w.lnfW[i] * u[i]) / sigma;
  gMean /= d;
  for (let i = 0; i < d; i++) g[i] -= gMean;
  const lnBias = dot(w.lnfB, u);
  return { v: g, lnBias, logit: dot(xFinal, g) + lnBias };
}

/** A model component's term and where it sits: stage -1 = embeddings, 2L = attention of block L,
 *  2L + 1 = MLP of block L, Infinity = the final LayerNorm's bias. */
export interface StagedTerm extends AttributionTerm {
  stage: number;
}

export interface ComponentInputs {
  embed: ArrayLike<number>;
  posEmbed: ArrayLike<number>;
  /** Per layer: each head's output vector z_h @ W_O[h], [d]. */
  headOutputs: Float64Array[][];
  /** Per layer: the MLP's output (resid_post - resid_mid at the position), [d]. */
  mlpOutputs: ArrayLike<number>[];
}

export function modelTerms(dir: LogitDirection, c: ComponentInputs, w: ExplainWeights): StagedTerm[] {
  const t = (kind: AttributionKind, stage: number, value: number, extra: Partial<AttributionTerm> = {}): StagedTerm => ({ group: 'model', kind, ...extra, value, stage });
  const out: StagedTerm[] = [t('embed', -1, dot(c.embed, dir.v)), t('pos_embed', -1, dot(c.posEmbed, dir.v))];
  c.headOutputs.forEach((heads, layer) => {
    heads.forEach((r, head) => out.push(t('head', 2 * layer, dot(r, dir.v), { layer, head })));
    out.push(t('attn_bias', 2 * layer, dot(w.layers[layer].outB, dir.v), { layer }));
    out.push(t('mlp', 2 * layer + 1, dot(c.mlpOutputs[layer], dir.v), { layer }));
  });
  out.push(t('ln_bias', Infinity, dir.lnBias));
  return out;
}

/** A dictionary at the explained position. */
export interface DictionaryAtPosition {
  hook: string;
  /** The hook's activation at the position, [d_in]. */
  x: ArrayLike<number>;
  /** All feature activations, [d_sae]. */
  acts: ArrayLike<number>;
  W_dec: Float32Array; // [d_sae, d_in]
  b_dec: Float32Array;
  /** Activations were multiplied by this before encoding (x̂ = (f W_dec + b_dec) / scale). */
  scale: number;
}

const HOOK = /^blocks\.(\d+)\.(hook_resid_pre|hook_resid_mid|hook_resid_post|mlp\.hook_post)$/;

/** Where a dictionary's terms enter: null for hooks explain cannot place (e.g. attention internals). */
export function dictionaryPath(hook: string, dModel: number, dIn: number): { layer: number; kind: string } | null {
  const m = HOOK.exec(hook);
  if (!m) return null;
  const kind = m[2];
  if (kind !== 'mlp.hook_post' && dIn !== dModel) return null;
  return { layer: Number(m[1]), kind };
}

export function dictionaryGroup(dict: DictionaryAtPosition, model: StagedTerm[], dir: LogitDirection, w: ExplainWeights): { terms: AttributionTerm[]; path: 'residual' | 'mlp-out' } | null {
  const d = dir.v.length;
  const at = dictionaryPath(dict.hook, d, dict.b_dec.length);
  if (!at) return null;
  const { layer } = at;
  const mlp = at.kind === 'mlp.hook_post';
  // The direction in the hook's own space: v itself on the residual stream, W_out v on mlp.hook_post.
  let hv: Float64Array = dir.v;
  if (mlp) {
    const W = w.layers[layer].mlpOutW;
    if (!W) return null;
    const dIn = dict.b_dec.length;
    hv = new Float64Array(dIn);
    for (let i = 0; i < dIn; i++) hv[i] = dot(W, dir.v, d, i * d);
  }
  const dIn = hv.length;
  const group = dict.hook;
  const terms: AttributionTerm[] = [];
  let explained = 0;
  for (let i = 0; i < dict.acts.length; i++) {
    const a = dict.acts[i];
    if (a === 0) continue;
    const value = (a / dict.scale) * dot(dict.W_dec, hv, dIn, i * dIn);
    explained += value;
    terms.push({ group, kind: 'feature', hook: dict.hook, feature: i, activation: a, value });
  }
  terms.sort((p, q) => Math.abs(q.value) - Math.abs(p.value));
  const bias = dot(dict.b_dec, hv) / dict.scale;
  terms.push({ group, kind: 'sae_bias', hook: dict.hook, value: bias });
  terms.push({ group, kind: 'sae_error', hook: dict.hook, value: dot(dict.x, hv) - explained - bias });
  if (mlp) terms.push({ group, kind: 'mlp_bias', hook: dict.hook, layer, value: dot(w.layers[layer].mlpOutB!, dir.v) });
  const cut = at.kind === 'hook_resid_pre' ? 2 * layer : at.kind === 'hook_resid_mid' ? 2 * layer + 1 : 2 * layer + 2;
  for (const { stage, ...term } of model) {
    const keep = mlp ? !(term.kind === 'mlp' && term.layer === layer) : stage >= cut;
    if (keep) terms.push({ ...term, group });
  }
  return { terms, path: mlp ? 'mlp-out' : 'residual' };
}

export function groupSums(terms: AttributionTerm[], paths: Map<string, 'residual' | 'mlp-out'>): AttributionGroup[] {
  const sums = new Map<string, number>();
  for (const t of terms) sums.set(t.group, (sums.get(t.group) ?? 0) + t.value);
  return [...sums].map(([name, sum]) => {
    const path = paths.get(name);
    return path ? { name, sum, path } : { name, sum };
  });
}
