// The logit lens of one prediction: a compact table, one row per read-out of the residual stream (the
// embeddings, then after each block), its top tokens left to right, and the explained target's rank
// and probability at each; the target's cells are marked. Wide tables scroll inside their region.

import type { ExplanationView } from '../../../src/protocol';
import { lensMilestoneText, lensStage, lensSummary } from '../../../src/shared/lensSummary';
import { displayRank, formatProb, spokenToken, visibleToken } from '../../../src/shared/present';
import { h } from '../../dom';

/** Columns of top tokens shown (the rest of the top-k is in "Predicts next"). */
const LENS_COLUMNS = 5;

export function lensTable(e: ExplanationView): HTMLElement {
  const blocks = Math.max(e.lens.length - 1, 0);
  const columns = Math.min(LENS_COLUMNS, Math.max(0, ...e.lens.map((l) => l.topk.length)));
  const summary = lensSummary(e.lens, e.target.text);
  const head = h(
    'tr',
    {},
    h('th', { attrs: { scope: 'col' } }, 'Read after'),
    ...Array.from({ length: columns }, (_, k) => h('th', { attrs: { scope: 'col' } }, `#${k + 1}`)),
    h('th', { attrs: { scope: 'col' } }, 'Target'),
  );
  const rows = e.lens.map((l) => {
    const cells = Array.from({ length: columns }, (_, k) => {
      const t = l.topk[k];
      if (!t) return h('td', {});
      const isTarget = t.id === e.target.id;
      return h(
        'td',
        { class: isTarget ? 'target' : undefined, attrs: { title: `${spokenToken(t.text)}: ${formatProb(t.prob)}` } },
        h('code', { class: 'tok-text' }, visibleToken(t.text)),
        h('span', { class: 'num' }, formatProb(t.prob)),
        isTarget ? h('span', { class: 'sr-only' }, ', the explained token') : null,
      );
    });
    return h(
      'tr',
      {},
      h('th', { attrs: { scope: 'row' } }, lensStage(l.afterBlocks, blocks)),
      ...cells,
      h('td', { class: 'lens-target' }, h('span', { class: 'num' }, `${displayRank(l.targetRank)} · ${formatProb(l.targetProb)}`)),
    );
  });
  return h(
    'section',
    { class: 'lens', attrs: { 'aria-labelledby': 'lens-h' } },
    h('h3', { attrs: { id: 'lens-h' } }, 'Logit lens'),
    h('p', { class: 'lens-line' }, h('code', { class: 'tok-text' }, visibleToken(e.target.text)), ` ${lensMilestoneText(summary)}.`),
    h(
      'div',
      { class: 'table-scroll', attrs: { role: 'region', tabindex: 0, 'aria-label': 'Logit lens table' } },
      h(
        'table',
        { class: 'lens-table' },
        h('caption', { class: 'sr-only' }, 'The most likely next tokens read off the residual stream after the embeddings and after each block, with the rank and probability of the explained token'),
        h('thead', {}, head),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}
