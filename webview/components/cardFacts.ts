// The top of a feature card: its label with the label's score (or "unclear" when the score is below
// the bundle's readable threshold), dense / positional tags, and the card's figures. Cards of older
// bundles have no score, no positional flag and no typical activation: those parts are left out.

import type { CardMessage, FeatureCard } from '../../src/protocol';
import { densePercent } from '../../src/shared/featureDensity';
import { formatNumber, formatPositionBand, formatProb, formatScore, isUnclearLabel, labelWithScore, type LabelQuality } from '../../src/shared/present';
import { h } from '../dom';

/** What the card's label score and readability say (the message's `labelReadable` comes from the engine, which knows the threshold). */
export function cardLabelQuality(m: Pick<CardMessage, 'labelReadable'>, c: FeatureCard): LabelQuality {
  return { score: c.label_score, readable: m.labelReadable, density: c.density };
}

/** The label line: the label (readable, or unscored), or `unclear (score 0.21) — best guess: …`. */
export function cardLabel(m: Pick<CardMessage, 'labelReadable'>, c: FeatureCard): HTMLElement {
  const q = cardLabelQuality(m, c);
  if (!isUnclearLabel(q)) return h('p', { class: 'card-label' }, c.label || 'unlabelled');
  return h('p', { class: 'card-label unclear' }, labelWithScore(c.label, q));
}

/** "0.62 F1 on held-out code (covers 81% of its firings; 29% of the places it names fire)": recall and
 *  precision in words, since labels are chosen to cover where the feature fires (recall first); the
 *  figures' names in its title. */
export function labelScore(c: FeatureCard): HTMLElement | null {
  if (c.label_score === undefined || c.density === 0) return null;
  const words = [
    c.label_recall !== undefined ? `covers ${formatProb(c.label_recall)} of its firings` : null,
    c.label_precision !== undefined ? `${formatProb(c.label_precision)} of the places it names fire` : null,
  ].filter((p): p is string => p !== null);
  const names = [c.label_precision !== undefined ? `precision ${formatScore(c.label_precision)}` : null, c.label_recall !== undefined ? `recall ${formatScore(c.label_recall)}` : null].filter(
    (p): p is string => p !== null,
  );
  return h(
    'p',
    { class: 'label-score', attrs: { title: names.length ? `Label score: F1 of the label against the feature on held-out code (${names.join(', ')})` : null } },
    h('strong', {}, 'Label score: '),
    `${formatScore(c.label_score)} F1 on held-out code`,
    words.length ? ` (${words.join('; ')})` : null,
    c.label_kind ? h('span', { class: 'aside' }, ` · label kind: ${c.label_kind}`) : null,
  );
}

/** Dense and positional tags, as in the token's features list. */
export function cardTags(c: FeatureCard): HTMLElement | null {
  const percent = densePercent(c.density);
  const tags: HTMLElement[] = [];
  if (percent !== undefined) tags.push(h('li', { class: 'dense-tag' }, `dense: fires on ${percent}% of tokens`));
  if (c.positional === true) {
    const band = c.position_peak ? `: ${formatPositionBand(c.position_peak)} of the window hold ${formatProb(c.position_peak.share)} of its firings` : '';
    tags.push(h('li', { class: 'positional-tag' }, `positional${band}`));
  }
  return tags.length ? h('ul', { class: 'card-tags', attrs: { 'aria-label': 'Tags' } }, ...tags) : null;
}

function stat(name: string, value: string): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, value)];
}

/** Density (with what it was measured on, for newer bundles) and activations. */
export function cardStats(c: FeatureCard): HTMLElement | null {
  const scored = c.label_score !== undefined || c.typical_activation !== undefined;
  const stats: HTMLElement[] = [];
  if (c.density !== undefined) stats.push(...stat('Density', `fires on ${formatProb(c.density)} of tokens${scored ? ' (held-out text, positions the extension shows)' : ''}`));
  if (c.typical_activation !== undefined) stats.push(...stat('Typical activation', `${formatNumber(c.typical_activation)} (median where it fires)`));
  if (c.max_activation !== undefined) stats.push(...stat('Max activation', formatNumber(c.max_activation)));
  if (c.mean_activation !== undefined) stats.push(...stat('Mean activation', formatNumber(c.mean_activation)));
  return stats.length ? h('dl', { class: 'stats' }, ...stats) : null;
}
