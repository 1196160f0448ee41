// A section that opens and closes under the token details ("Why this prediction", "What would the model
// write here?"): its heading is a button that says whether it is open and which body it controls; the
// body is built only while open.

import { h } from '../dom';

export interface DisclosureSpec {
  /** Prefix of the heading's, the body's and the toggle's ids (`${id}-h`, `${id}-body`, `${id}-toggle`). */
  id: string;
  /** The section's own class, added to the shared `disclosure` styling. */
  sectionClass: string;
  title: string;
  open: boolean;
  toggle(open: boolean): void;
}

export function disclosureSection(d: DisclosureSpec, body: () => (Node | string | null)[]): HTMLElement {
  return h(
    'section',
    { class: `disclosure ${d.sectionClass}`, attrs: { 'aria-labelledby': `${d.id}-h` } },
    h(
      'h2',
      { attrs: { id: `${d.id}-h` } },
      h(
        'button',
        {
          class: 'disclosure-toggle',
          attrs: { type: 'button', 'aria-expanded': d.open ? 'true' : 'false', 'aria-controls': d.open ? `${d.id}-body` : null, 'data-focus-key': `${d.id}-toggle` },
          on: { click: () => d.toggle(!d.open) },
        },
        h('span', { class: 'chevron', attrs: { 'aria-hidden': 'true' } }, d.open ? '▾' : '▸'),
        ` ${d.title}`,
      ),
    ),
    d.open ? h('div', { class: 'disclosure-body', attrs: { id: `${d.id}-body` } }, ...body()) : null,
  );
}
