// One dictionary feature, as a feature dashboard shows it: label with its score (or "unclear"), tags,
// figures, activation histogram, top contexts and examples across activation intervals from the bundle
// (firing token highlighted), promoted / suppressed tokens, and where it fires in this document.

import type { AnalysisMessage, CardMessage, FeatureCard, FeatureRef } from '../../src/protocol';
import { formatNumber, shortHook, spokenToken, visibleToken } from '../../src/shared/present';
import { h } from '../dom';
import type { CardView } from '../state/panelState';
import { cardLabel, cardStats, cardTags, labelScore } from './cardFacts';
import { quantileExamples, topContexts } from './cardContexts';
import { button } from './toolkit';

export interface CardEvents {
  close(): void;
  reveal(index: number): void;
  toggleHighlight(ref: FeatureRef, on: boolean): void;
  /** Find Feature in Workspace (absent: no button, e.g. in a test page). */
  findInWorkspace?(ref: FeatureRef): void;
}

const MAX_OCCURRENCES_SHOWN = 50;

/** The feature's term in the prediction the "Why" section explains (its direct logit attribution). */
export interface DirectEffect {
  value: number;
  target: string;
  versus: string | null;
  /** The explained token's index. */
  position: number;
}

export function featureCardView(
  view: CardView,
  highlighted: boolean,
  readOnly: boolean,
  analysis: AnalysisMessage | null,
  ev: CardEvents,
  effect: DirectEffect | null = null,
): HTMLElement {
  const { ref } = view;
  const title = h('h2', { attrs: { id: 'card-title', tabindex: -1, 'data-focus-key': 'card-title' } }, `Feature #${ref.index}`, h('span', { class: 'aside' }, ` ${shortHook(ref.hook)}`));
  const head = h(
    'div',
    { class: 'card-head' },
    title,
    button({ label: 'Close', ariaLabel: 'Close feature card (Escape)', onClick: ev.close, props: { attrs: { 'data-focus-key': 'card-close' } } }),
  );
  let body: (HTMLElement | null)[];
  if (view.state === 'loading') body = [h('p', { class: 'loading', attrs: { role: 'status' } }, 'Loading feature card…')];
  else if (view.state === 'error') body = [h('p', { class: 'card-error', attrs: { role: 'alert' } }, `Card unavailable: ${view.error}`)];
  else body = cardBody(view.message, highlighted, readOnly, analysis, ev, effect);
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'card-title', id: 'feature-card' } }, head, ...body);
}

function cardBody(m: CardMessage, highlighted: boolean, readOnly: boolean, analysis: AnalysisMessage | null, ev: CardEvents, effect: DirectEffect | null): HTMLElement[] {
  const ref = { hook: m.hook, index: m.index };
  const out: HTMLElement[] = [];
  const c = m.card;
  if (c) {
    out.push(cardLabel(m, c));
    const score = labelScore(c);
    const tags = cardTags(c);
    const stats = cardStats(c);
    if (score) out.push(score);
    if (tags) out.push(tags);
    if (stats) out.push(stats);
    if (c.label_method) out.push(h('details', { class: 'label-method' }, h('summary', {}, 'How this label was made'), h('p', {}, c.label_method)));
    if (c.computed) out.push(h('p', { class: 'aside' }, 'Computed from the dictionary at load time: this bundle stores no card for it.'));
    if (c.histogram) out.push(histogram(c.histogram));
    if (c.top_contexts) out.push(topContexts(c.top_contexts));
    const quantiles = quantileExamples(c.quantiles ?? []);
    if (quantiles) out.push(quantiles);
    if (effect) out.push(directEffect(effect));
    out.push(logits(c));
  }
  out.push(occurrences(m, highlighted, readOnly, ref, analysis, ev));
  return out;
}

function directEffect(e: DirectEffect): HTMLElement {
  const label = h('strong', {}, 'Direct effect on this prediction: ');
  if (e.value === 0) return h('p', { class: 'direct-effect' }, label, `none: it does not fire on token ${e.position + 1}.`);
  const sign = e.value > 0 ? '+' : '−';
  return h(
    'p',
    { class: 'direct-effect' },
    label,
    `${sign}${formatNumber(Math.abs(e.value))} on the logit of `,
    h('code', { class: 'tok-text' }, visibleToken(e.target)),
    e.versus !== null ? ' versus ' : null,
    e.versus !== null ? h('code', { class: 'tok-text' }, visibleToken(e.versus)) : null,
    ` (the prediction after token ${e.position + 1}).`,
  );
}

function histogram({ edges, counts }: NonNullable<FeatureCard['histogram']>): HTMLElement {
  const max = Math.max(...counts, 1);
  const total = counts.reduce((a, b) => a + b, 0);
  const peak = counts.indexOf(Math.max(...counts));
  const summary =
    counts.length > 0
      ? `Histogram of ${total} non-zero activations from ${formatNumber(edges[0]!)} to ${formatNumber(edges[edges.length - 1]!)}; most between ${formatNumber(edges[peak]!)} and ${formatNumber(edges[peak + 1]!)}.`
      : 'No activation histogram.';
  return h(
    'figure',
    { class: 'histogram' },
    h(
      'div',
      { class: 'hist-bars', attrs: { role: 'img', 'aria-label': summary } },
      ...counts.map((n, i) =>
        h('span', {
          class: 'hist-bar',
          style: { height: `${Math.max((n / max) * 100, n > 0 ? 2 : 0).toFixed(1)}%` },
          attrs: { title: `${formatNumber(edges[i]!)}–${formatNumber(edges[i + 1]!)}: ${n}` },
        }),
      ),
    ),
    h('figcaption', {}, counts.length ? `Activation histogram (${formatNumber(edges[0]!)} – ${formatNumber(edges[edges.length - 1]!)})` : summary),
  );
}

/** Promoted and suppressed tokens, with what they measure (the direct path, or through later layers). */
function logits(c: FeatureCard): HTMLElement {
  return h(
    'div',
    { class: 'logits-block' },
    c.logit_note ? h('p', { class: 'aside logit-note' }, c.logit_note) : null,
    h('div', { class: 'logits' }, logitList('Promotes', c.promoted, 'pos'), logitList('Suppresses', c.suppressed, 'neg')),
  );
}

function logitList(title: string, items: FeatureCard['promoted'], cls: string): HTMLElement {
  return h(
    'div',
    { class: `logit-list ${cls}` },
    h('h3', {}, title),
    items.length === 0
      ? h('p', { class: 'empty' }, 'None.')
      : h('ul', {}, ...items.map((t) => h('li', {}, h('code', { class: 'tok-text' }, visibleToken(t.text)), h('span', { class: 'num' }, formatNumber(t.logit))))),
  );
}

/** A few tokens either side of an occurrence, from the analysis window the panel holds. */
function occurrenceContext(index: number, text: string, analysis: AnalysisMessage | null): HTMLElement {
  const at = (i: number) => (analysis ? analysis.tokens[i - analysis.firstIndex] : undefined);
  const around = (from: number, to: number) =>
    Array.from({ length: Math.max(to - from, 0) }, (_, k) => at(from + k)?.text ?? '')
      .join('')
      .replace(/\s+/g, ' ');
  const before = around(index - 4, index).slice(-14);
  const after = around(index + 1, index + 5).slice(0, 14);
  return h('code', { class: 'context' }, h('span', { class: 'ctx-side' }, before), h('mark', {}, visibleToken(text)), h('span', { class: 'ctx-side' }, after));
}

function occurrences(m: CardMessage, highlighted: boolean, readOnly: boolean, ref: FeatureRef, analysis: AnalysisMessage | null, ev: CardEvents): HTMLElement {
  const shown = m.occurrences.slice(0, MAX_OCCURRENCES_SHOWN);
  const header = h(
    'div',
    { class: 'occ-head' },
    h('h3', {}, `In this document: ${m.occurrences.length === 0 ? 'does not fire' : `fires on ${m.occurrences.length} token${m.occurrences.length === 1 ? '' : 's'}`}`),
    readOnly
      ? null
      : button({
          label: highlighted ? 'Clear highlight' : 'Highlight in editor',
          onClick: () => ev.toggleHighlight(ref, !highlighted),
          props: { attrs: { 'data-focus-key': 'card-highlight' } },
        }),
    readOnly || !ev.findInWorkspace
      ? null
      : button({ label: 'Find in workspace', onClick: () => ev.findInWorkspace!(ref), props: { attrs: { 'data-focus-key': 'card-find' } } }),
  );
  const list = h(
    'ul',
    { class: 'occurrences' },
    ...shown.map((o) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            class: 'occurrence',
            attrs: {
              type: 'button',
              'data-focus-key': `occ:${o.index}`,
              title: `Go to token ${o.index + 1} (${spokenToken(o.text)})`,
            },
            on: { click: () => ev.reveal(o.index) },
          },
          occurrenceContext(o.index, o.text, analysis),
          h('span', { class: 'num' }, h('span', { class: 'sr-only' }, 'activation '), formatNumber(o.activation)),
        ),
      ),
    ),
  );
  const more = m.occurrences.length > shown.length ? h('p', { class: 'aside' }, `… and ${m.occurrences.length - shown.length} more`) : null;
  return h('div', { class: 'occ' }, header, shown.length ? list : null, more);
}
