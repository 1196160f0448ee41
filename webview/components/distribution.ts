// A top-k next-token distribution as rows of bars, with the token that actually came marked.

import type { TopKEntry } from '../../src/protocol';
import { displayRank, formatBits, formatProb, spokenToken, visibleToken } from '../../src/shared/present';
import { h } from '../dom';

export interface DistributionOptions {
  title: string;
  entries: TopKEntry[];
  limit: number;
  entropy: number | null;
  /** The token that actually followed (marked); null when unknown. */
  actual: { id: number; text: string } | null;
  /** Shown when the actual token is not among the entries. */
  actualOutside?: { rank: number; prob: number } | null;
  id: string;
}

export function distribution(o: DistributionOptions): HTMLElement {
  const shown = o.entries.slice(0, o.limit);
  const top = shown[0]?.prob ?? 1;
  const rows = shown.map((e, i) => {
    const isActual = o.actual !== null && e.id === o.actual.id;
    return h(
      'li',
      {
        class: `dist-row${isActual ? ' actual' : ''}`,
        attrs: { 'aria-label': `${i + 1}. ${spokenToken(e.text)}, ${formatProb(e.prob)}${isActual ? ', the actual token' : ''}` },
      },
      h('code', { class: 'tok-text' }, visibleToken(e.text)),
      h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'fill', style: { width: `${Math.max((e.prob / top) * 100, 1).toFixed(1)}%` } })),
      h('span', { class: 'num' }, formatProb(e.prob)),
      isActual ? h('span', { class: 'mark', attrs: { 'aria-hidden': 'true' } }, '◀ actual') : h('span', { class: 'mark' }),
    );
  });
  const actualShown = o.actual !== null && shown.some((e) => e.id === o.actual!.id);
  const outside =
    o.actual && !actualShown
      ? h(
          'p',
          { class: 'dist-outside' },
          'Actual: ',
          h('code', { class: 'tok-text' }, visibleToken(o.actual.text)),
          o.actualOutside ? ` at rank ${displayRank(o.actualOutside.rank)} (${formatProb(o.actualOutside.prob)}), outside the top ${shown.length}` : ` not in the top ${shown.length}`,
        )
      : null;
  return h(
    'div',
    { class: 'dist' },
    h(
      'h3',
      { attrs: { id: `${o.id}-h` } },
      o.title,
      o.entropy !== null ? h('span', { class: 'aside' }, ` entropy ${formatBits(o.entropy)}`) : null,
    ),
    shown.length > 0
      ? h('ol', { class: 'dist-rows', attrs: { 'aria-labelledby': `${o.id}-h` } }, ...rows)
      : h('p', { class: 'empty' }, 'Nothing predicted here (first token).'),
    outside,
  );
}
