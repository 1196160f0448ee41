// "Why this prediction": a disclosure under the selected token's details. While open, the panel asks
// the host to explain the prediction made after the selected token (what it predicts next); it shows
// the target picker, the logit lens, the direct logit attribution and the attention heads, or the
// engine's reason when the bundle cannot explain.

import type { FeatureRef, TopKEntry } from '../../../src/protocol';
import { visibleToken } from '../../../src/shared/present';
import { h } from '../../dom';
import type { PanelState } from '../../state/panelState';
import type { HeadShade } from '../../state/whyState';
import { attributionView } from './attribution';
import { disclosureSection } from '../disclosure';
import { headPanel } from './headGrid';
import { lensTable } from './lensTable';
import { dropdown } from '../toolkit';

export interface WhyEvents {
  toggle(open: boolean): void;
  setTarget(target: number | null): void;
  setVersus(versus: number | null): void;
  setGroup(group: string): void;
  setShade(shade: HeadShade): void;
  chooseHead(layer: number, head: number, from: 'grid' | 'attribution'): void;
  openFeature(ref: FeatureRef): void;
  peek(index: number): void;
}

function tokenChoices(entries: TopKEntry[], none: string) {
  return [{ value: 'none', label: none }, ...entries.map((t) => ({ value: String(t.id), label: visibleToken(t.text) }))];
}

function picker(s: PanelState, ev: WhyEvents): HTMLElement | null {
  const sel = s.selection;
  if (!sel) return null;
  const entries = sel.token.topk.slice(0, s.options.topK);
  const next = sel.nextToken;
  const asId = (v: string) => (v === 'none' ? null : Number(v));
  const known = (id: number | null) => (id === null || entries.some((t) => t.id === id) ? (id === null ? 'none' : String(id)) : 'none');
  return h(
    'div',
    { class: 'why-picker' },
    dropdown({ label: 'Explain the logit of', options: tokenChoices(entries, next ? `the next token: ${visibleToken(next.text)}` : 'the top prediction'), value: known(s.why.target), onChange: (v) => ev.setTarget(asId(v)) }),
    dropdown({ label: 'versus', options: tokenChoices(entries, 'nothing (plain logit)'), value: known(s.why.versus), onChange: (v) => ev.setVersus(asId(v)) }),
  );
}

function body(s: PanelState, ev: WhyEvents): (HTMLElement | null)[] {
  const v = s.why.view;
  const sel = s.selection;
  if (!sel || sel.index !== s.selectedIndex) return [h('p', { class: 'loading' }, 'Waiting for the token details…')];
  if (s.init?.readOnly) return [h('p', { class: 'empty' }, 'A snapshot is shown without running the model: open the document itself to explain a prediction.')];
  const what = h('code', { class: 'tok-text' }, visibleToken(sel.token.text));
  if (v.state === 'error') return [picker(s, ev), h('p', { class: 'section-error', attrs: { role: 'alert' } }, `Cannot explain this prediction: ${v.error}`)];
  if (v.state !== 'ready') return [picker(s, ev), h('p', { class: 'loading', attrs: { role: 'status' } }, 'Explaining what the model predicts after ', what, '…')];
  const e = v.explanation;
  return [
    picker(s, ev),
    h(
      'p',
      { class: 'aside why-intro' },
      'The prediction after ',
      what,
      ` (token ${e.position + 1}), over tokens ${e.windowStart + 1}–${e.position + 1}`,
      e.targetIsNext ? ', of the token that follows.' : '.',
    ),
    lensTable(e),
    attributionView(e, s.why.group, ev),
    headPanel(e, s.why.head, s.why.shade, ev),
  ];
}

export function whySection(s: PanelState, ev: WhyEvents): HTMLElement | null {
  if (!s.analysis || s.selectedIndex === null) return null;
  return disclosureSection({ id: 'why', sectionClass: 'why', title: 'Why this prediction', open: s.why.open, toggle: (o) => ev.toggle(o) }, () => body(s, ev));
}
