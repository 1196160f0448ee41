// A feature card's example contexts: the top activating ones, and examples sampled across activation
// intervals (SAEDashboard's "activation quantiles"). Each context is the stored tokens around one
// firing (up to 24 before and 4 after it in newer bundles), the firing token marked, whitespace drawn
// as the rest of the product draws it (src/shared/present.ts).

import type { CardContext, CardQuantile } from '../../src/protocol';
import { formatNumber, formatProb, spokenToken, visibleToken } from '../../src/shared/present';
import { h } from '../dom';

/** One list of contexts, strongest activation as stored (the card's order). */
export function contextList(contexts: readonly CardContext[]): HTMLElement {
  return h(
    'ol',
    { class: 'context-list' },
    ...contexts.map((ctx) =>
      h(
        'li',
        { attrs: { 'aria-label': `Activation ${formatNumber(ctx.activation)} on ${spokenToken(ctx.tokens[ctx.index] ?? '')}` } },
        h('span', { class: 'num' }, formatNumber(ctx.activation)),
        h('code', { class: 'context' }, ...ctx.tokens.map((t, i) => (i === ctx.index ? h('mark', {}, visibleToken(t)) : h('span', {}, visibleToken(t))))),
      ),
    ),
  );
}

export function topContexts(contexts: readonly CardContext[]): HTMLElement {
  return h(
    'div',
    { class: 'contexts' },
    h('h3', {}, 'Top activating contexts'),
    contexts.length === 0 ? h('p', { class: 'empty' }, 'No contexts stored.') : contextList(contexts),
  );
}

/** How an interval reads: `3.20–7.10 · 12% of firings`. */
export function intervalTitle(q: Pick<CardQuantile, 'from' | 'to' | 'share'>): string {
  return `${formatNumber(q.from)}–${formatNumber(q.to)} · ${formatProb(q.share)} of firings`;
}

/**
 * Examples across activation intervals, highest interval first (the bundle may store them in either
 * order), closed by default: the top contexts show the strongest firings, these show the typical ones.
 */
export function quantileExamples(quantiles: readonly CardQuantile[]): HTMLElement | null {
  if (quantiles.length === 0) return null;
  const sorted = [...quantiles].sort((a, b) => b.from - a.from);
  return h(
    'details',
    { class: 'quantiles' },
    h('summary', {}, h('h3', { class: 'summary-heading' }, 'Examples across activation intervals')),
    h('p', { class: 'aside' }, 'Firings sampled from each range of activation, with the share of all firings that range holds.'),
    ...sorted.map((q, k) =>
      h(
        'section',
        { class: 'quantile', attrs: { 'aria-labelledby': `quantile-h-${k}` } },
        h('h4', { attrs: { id: `quantile-h-${k}` } }, intervalTitle(q)),
        q.contexts.length === 0 ? h('p', { class: 'empty' }, 'No examples stored for this interval.') : contextList(q.contexts),
      ),
    ),
  );
}
