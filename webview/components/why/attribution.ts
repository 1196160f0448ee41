// Direct logit attribution of one prediction: the explained logit split into what each part of the
// model (or each dictionary feature) adds to it directly, the largest for and against as bars. A
// feature opens its card; a head shows its attention.

import type { AttributionEntry, ExplanationView, FeatureRef } from '../../../src/protocol';
import { formatNumber, spokenToken, visibleToken } from '../../../src/shared/present';
import { h } from '../../dom';
import { groupName, termName, topContributors } from '../../state/whyState';
import { dropdown } from '../toolkit';

export interface AttributionEvents {
  setGroup(group: string): void;
  openFeature(ref: FeatureRef): void;
  chooseHead(layer: number, head: number, from: 'attribution'): void;
}

/** Rows shown for and against. */
const CONTRIBUTORS_SHOWN = 8;

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${formatNumber(Math.abs(x))}`;

export const termFocusKey = (t: AttributionEntry) => `term:${t.group}:${t.kind}:${t.layer}:${t.head}:${t.feature}`;

function row(t: AttributionEntry, scale: number, ev: AttributionEvents): HTMLElement {
  const name = termName(t);
  const content = [
    h('span', { class: 'term-name' }, name, t.kind === 'feature' && t.label ? h('span', { class: 'term-label' }, ` ${t.label}`) : null),
    h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, h('span', { class: `fill ${t.value >= 0 ? 'pro' : 'con'}`, style: { width: `${Math.max((Math.abs(t.value) / scale) * 100, 1).toFixed(1)}%` } })),
    h('span', { class: 'num' }, h('span', { class: 'sr-only' }, 'logit '), signed(t.value)),
  ];
  const action =
    t.kind === 'feature' && t.feature !== null
      ? { title: `Open the card of feature ${t.feature}`, run: () => ev.openFeature({ hook: t.group, index: t.feature! }) }
      : t.kind === 'head' && t.layer !== null && t.head !== null
        ? { title: `Show what ${name} attends to`, run: () => ev.chooseHead(t.layer!, t.head!, 'attribution') }
        : null;
  if (!action) return h('li', { class: 'term' }, ...content);
  return h('li', {}, h('button', { class: 'term', attrs: { type: 'button', title: action.title, 'data-focus-key': termFocusKey(t) }, on: { click: action.run } }, ...content));
}

function column(title: string, id: string, terms: AttributionEntry[], scale: number, ev: AttributionEvents): HTMLElement {
  return h(
    'div',
    { class: 'terms-col' },
    h('h4', { attrs: { id } }, title),
    terms.length ? h('ol', { class: 'terms', attrs: { 'aria-labelledby': id } }, ...terms.map((t) => row(t, scale, ev))) : h('p', { class: 'empty' }, 'None.'),
  );
}

export function attributionView(e: ExplanationView, group: string, ev: AttributionEvents): HTMLElement {
  const shownGroup = e.groups.some((g) => g.name === group) ? group : 'model';
  const g = e.groups.find((x) => x.name === shownGroup);
  const { pro, con } = topContributors(e, shownGroup, CONTRIBUTORS_SHOWN);
  const scale = Math.max(1e-9, ...[...pro, ...con].map((t) => Math.abs(t.value)));
  const what = e.versus
    ? [
        'logit(',
        h('code', { class: 'tok-text' }, visibleToken(e.target.text)),
        ') − logit(',
        h('code', { class: 'tok-text' }, visibleToken(e.versus.text)),
        `) = ${formatNumber(e.logit)}`,
      ]
    : ['Logit of ', h('code', { class: 'tok-text' }, visibleToken(e.target.text)), ` = ${formatNumber(e.logit)}`];
  return h(
    'section',
    { class: 'attribution', attrs: { 'aria-labelledby': 'attr-h' } },
    h(
      'div',
      { class: 'attr-head' },
      h('h3', { attrs: { id: 'attr-h' } }, 'Direct logit attribution'),
      e.groups.length > 1
        ? dropdown({ label: 'Split into', options: e.groups.map((x) => ({ value: x.name, label: groupName(x.name) })), value: shownGroup, onChange: ev.setGroup })
        : null,
    ),
    h('p', { class: 'attr-logit', attrs: { 'aria-label': `${e.versus ? `logit of ${spokenToken(e.target.text)} minus logit of ${spokenToken(e.versus.text)}` : `logit of ${spokenToken(e.target.text)}`}: ${formatNumber(e.logit)}` } }, ...what),
    h('div', { class: 'terms-cols' }, column('For', 'attr-for-h', pro, scale, ev), column('Against', 'attr-against-h', con, scale, ev)),
    g?.omitted ? h('p', { class: 'aside' }, `… and ${g.omitted.count} smaller features (together ${signed(g.omitted.value)}).`) : null,
  );
}
