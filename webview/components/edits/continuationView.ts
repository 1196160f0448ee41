// "What would the model write here?": a disclosure under the token details. It asks the host for a
// continuation of N tokens from the editor cursor, greedy or sampled (temperature, seed), and shows it
// without and with the active edits side by side; Insert puts one into the document (the host checks
// that the document is still the version it continues). The document itself is never changed otherwise.

import type { ContinuationView } from '../../../src/protocol';
import { formatProb, spokenToken } from '../../../src/shared/present';
import { h } from '../../dom';
import { activeEdits, CONTINUATION_TOKENS_MAX, type ContinuationForm } from '../../state/editState';
import type { PanelState } from '../../state/panelState';
import { disclosureSection } from '../disclosure';
import { numberField } from '../numberField';
import { button, dropdown } from '../toolkit';

export interface ContinuationEvents {
  toggle(open: boolean): void;
  setForm(form: ContinuationForm): void;
  request(): void;
  insert(which: 'plain' | 'edited'): void;
}

const whole = (min: number, max: number) => (t: string) => /^\d+$/.test(t.trim()) && Number(t) >= min && Number(t) <= max;
const temperatureOk = (t: string) => /^(\d+(\.\d*)?|\.\d+)$/.test(t.trim()) && Number(t) > 0 && Number(t) <= 100;

function form(f: ContinuationForm, ev: ContinuationEvents): HTMLElement {
  return h(
    'div',
    { class: 'continue-form' },
    numberField({
      id: 'continue-tokens',
      label: 'Tokens',
      value: String(f.tokens),
      min: 1,
      max: CONTINUATION_TOKENS_MAX,
      step: '1',
      valid: whole(1, CONTINUATION_TOKENS_MAX),
      hint: `1 to ${CONTINUATION_TOKENS_MAX}`,
      onChange: (t) => whole(1, CONTINUATION_TOKENS_MAX)(t) && ev.setForm({ ...f, tokens: Number(t) }),
    }),
    dropdown({
      label: 'Decoding',
      options: [
        { value: 'greedy', label: 'Greedy (most likely token)' },
        { value: 'sampled', label: 'Sampled' },
      ],
      value: f.mode,
      onChange: (mode) => ev.setForm({ ...f, mode }),
    }),
    f.mode === 'sampled'
      ? numberField({ id: 'continue-temperature', label: 'Temperature', value: String(f.temperature), min: 0, max: 100, step: '0.1', valid: temperatureOk, hint: 'above 0, up to 100', onChange: (t) => temperatureOk(t) && ev.setForm({ ...f, temperature: Number(t) }) })
      : null,
    f.mode === 'sampled'
      ? numberField({ id: 'continue-seed', label: 'Seed', value: String(f.seed), min: 0, step: '1', valid: whole(0, 2 ** 32 - 1), hint: 'a whole number', onChange: (t) => whole(0, 2 ** 32 - 1)(t) && ev.setForm({ ...f, seed: Number(t) }) })
      : null,
    button({ label: 'Continue from the cursor', appearance: 'primary', onClick: () => ev.request(), props: { attrs: { 'data-focus-key': 'continue-run' } } }),
  );
}

function column(title: string, which: 'plain' | 'edited', c: ContinuationView, ev: ContinuationEvents, readOnly: boolean): HTMLElement {
  return h(
    'div',
    { class: `continuation ${which}` },
    h('h3', { attrs: { id: `continuation-${which}-h` } }, title),
    h(
      'pre',
      { class: 'continuation-text', attrs: { 'aria-labelledby': `continuation-${which}-h`, tabindex: 0 } },
      ...c.tokens.map((t) => h('span', { class: 'cont-tok', attrs: { title: `${spokenToken(t.text)}: p ${formatProb(t.prob)}` } }, t.text)),
    ),
    readOnly ? null : button({ label: 'Insert', ariaLabel: `Insert the ${which === 'plain' ? 'unedited' : 'edited'} continuation at the cursor`, onClick: () => ev.insert(which), props: { attrs: { 'data-focus-key': `continue-insert-${which}` } } }),
  );
}

function result(s: PanelState, ev: ContinuationEvents): HTMLElement | null {
  const v = s.edit.view;
  if (v.state === 'idle') return null;
  if (v.state === 'loading') return h('p', { class: 'loading', attrs: { role: 'status' } }, 'Writing…');
  if (v.state === 'error') return h('p', { class: 'section-error', attrs: { role: 'alert' } }, `No continuation: ${v.error}`);
  const m = v.message;
  const stale = !s.analysis || s.analysis.docUri !== m.docUri || s.analysis.version !== m.version;
  const how = m.temperature > 0 ? `sampled at temperature ${m.temperature}, seed ${m.seed}` : 'greedy';
  return h(
    'div',
    { class: 'continuation-result', attrs: { role: 'status' } },
    h('p', { class: 'aside' }, `From offset ${m.offset}, ${how}.`, stale ? ' The document has changed since: ask again to insert.' : ''),
    h(
      'div',
      { class: 'side-by-side' },
      m.plain ? column('Unedited model', 'plain', m.plain, ev, stale) : null,
      m.edited
        ? column(`Edited (${m.editLabels.length} feature edit${m.editLabels.length === 1 ? '' : 's'})`, 'edited', m.edited, ev, stale)
        : h('p', { class: 'aside' }, 'No edits are active: add one from a feature card to compare.'),
    ),
  );
}

export function continuationSection(s: PanelState, ev: ContinuationEvents): HTMLElement | null {
  if (!s.analysis || s.init?.readOnly) return null;
  const edits = activeEdits(s.edit, s.analysis);
  const spec = { id: 'continue', sectionClass: 'continue', title: 'What would the model write here?', open: s.edit.continuation.open, toggle: (o: boolean) => ev.toggle(o) };
  return disclosureSection(spec, () => [
    h('p', { class: 'aside' }, edits ? `Without and with the ${edits.edits.length} active edit${edits.edits.length === 1 ? '' : 's'}, side by side; the document is not changed.` : 'The document is not changed; Insert puts the text in.'),
    form(s.edit.continuation, ev),
    result(s, ev),
  ]);
}
