// How a comparison of two versions reads: the diverging colour bin of a token's change, the hover's
// sentence and the list's labels. Pure (no vscode), shared by the editor's decorations, the hover and
// the "biggest changes" list.
import type { TokenDelta } from '../../engine';
import { formatNumber, natsToBits, visibleToken } from '../../shared/present';

/** Bins of |Δ log-prob| in bits: under 0.5 (not coloured), 0.5-2, 2-5, 5 or more. */
export const DELTA_BIT_BOUNDS = [0.5, 2, 5] as const;

/** -3..3: negative = the token became less likely, positive = more likely, 0 = about the same. */
export type DeltaBin = -3 | -2 | -1 | 0 | 1 | 2 | 3;

export function deltaBin(deltaLogprob: number | null): DeltaBin {
  if (deltaLogprob === null || !Number.isFinite(deltaLogprob)) return 0;
  const bits = Math.abs(natsToBits(deltaLogprob));
  let level = 0;
  for (const b of DELTA_BIT_BOUNDS) if (bits >= b) level++;
  return (Math.sign(deltaLogprob) * level) as DeltaBin;
}

/** Theme colour id of a bin (package.json contributes.colors); undefined for 0. */
export function deltaColorId(bin: DeltaBin): string | undefined {
  if (bin === 0) return undefined;
  return `activationInspector.compare.${bin > 0 ? 'more' : 'less'}${Math.abs(bin)}Background`;
}

export const INSERTED_COLOR_ID = 'activationInspector.compare.insertedBorder';

/** A probability as 0.41, or with one significant digit below 0.01 (0.003). */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '?';
  return p >= 0.01 || p === 0 ? p.toFixed(2) : p.toPrecision(1);
}

/** "was p 0.41, now 0.02 (−4.4 bits)", or why there is no comparison for the token. */
export function deltaSentence(t: TokenDelta): string {
  if (!t.matched) return 'new or changed text: no counterpart in the other version';
  if (t.logprobBefore === null || t.logprobAfter === null) return 'the first token: nothing predicts it in either version';
  const bits = natsToBits(t.deltaLogprob ?? 0);
  const sign = bits > 0 ? '+' : bits < 0 ? '−' : '±';
  return `was p ${formatP(Math.exp(t.logprobBefore))}, now ${formatP(Math.exp(t.logprobAfter))} (${sign}${formatNumber(Math.abs(bits))} bits)`;
}

/** One line per changed feature: "#12 (blocks.0.hook_resid_post) 2.10 → 0.30". */
export function featureChangeLines(t: TokenDelta): string[] {
  return t.featureChanges.map((f) => `#${f.index} (${f.hook}) ${formatNumber(f.before)} → ${formatNumber(f.after)}`);
}

/** The token strip's bins, one character a token (protocol compareMessages.ts): '0'..'6' = bins -3..3,
 *  'n' new or changed text, '-' nothing to compare (the first token). */
export function comparisonBins(tokens: readonly TokenDelta[]): string {
  return tokens.map((t) => (!t.matched ? 'n' : t.deltaLogprob === null ? '-' : String(deltaBin(t.deltaLogprob) + 3))).join('');
}

/** The list's label of a changed token. */
export function changeLabel(t: TokenDelta): string {
  return `${visibleToken(t.text)}  ${deltaSentence(t)}`;
}
