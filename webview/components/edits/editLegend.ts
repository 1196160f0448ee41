// The token strip's legend while it shows the edit effect: a diverging scale of the change in each
// token's log-probability under the active edits (the same edges as the editor's edit-effect map).

import { EDIT_DELTA_EDGES_BITS } from '../../../src/shared/heatmapScale';
import { h } from '../../dom';

export function editLegend(): HTMLElement {
  const [, mid, big] = EDIT_DELTA_EDGES_BITS;
  const swatches: [string, string][] = [
    ['edit-dm3', `≤ −${big} bits`],
    ['edit-dm2', `−${mid}…−${big}`],
    ['edit-dm1', `< −${mid}`],
    ['edit-d1', `< +${mid}`],
    ['edit-d2', `+${mid}…+${big}`],
    ['edit-d3', `≥ +${big} bits`],
  ];
  return h(
    'div',
    { class: 'legend', attrs: { role: 'note', 'aria-label': 'Colour legend: change in log-probability under the feature edits (edited minus original, bits)' } },
    h('span', { class: 'legend-title' }, 'Edited: change'),
    ...swatches.map(([cls, text]) => h('span', { class: `swatch tok ${cls}` }, text)),
  );
}
