// The colour legend while the token strip shows a comparison with another version of the document.
import type { ComparisonMessage } from '../../src/protocol';
import { h } from '../dom';

export function compareLegend(c: ComparisonMessage): HTMLElement {
  const swatches: [string, string][] = [
    ['cmp-m3', '≤ −5 bits'],
    ['cmp-m2', '−2…−5'],
    ['cmp-m1', '−0.5…−2'],
    ['cmp-p1', '+0.5…+2'],
    ['cmp-p2', '+2…+5'],
    ['cmp-p3', '≥ +5 bits'],
    ['cmp-new', 'new text'],
  ];
  return h(
    'div',
    { class: 'legend', attrs: { role: 'note', 'aria-label': `Colour legend: change in probability against ${c.label} (bits), and text new since then` } },
    h('span', { class: 'legend-title' }, `Compared with ${c.label}`),
    ...swatches.map(([cls, text]) => h('span', { class: `swatch tok ${cls}` }, text)),
  );
}
