// "Edit this feature" on the feature card: ablate (activation 0), scale (× s) or clamp (= v), over the
// token under the cursor, the selection or the whole document; and a splice of the card's hook (its
// activation replaced by the dictionary's reconstruction, i.e. the error term dropped). The host adds
// the edit; the panel's edit list and effect follow from its answer.

import type { EditScope, FeatureRef } from '../../../src/protocol';
import { h } from '../../dom';
import { parseEditAmount } from '../../../src/shared/editAmount';
import type { EditForm } from '../../state/editState';
import { numberField } from '../numberField';
import { button, dropdown } from '../toolkit';

export interface EditControlEvents {
  setForm(form: EditForm): void;
  addEdit(ref: FeatureRef, form: EditForm): void;
  splice(hook: string, scope: EditScope): void;
}

const OPS: { value: EditForm['op']; label: string }[] = [
  { value: 'ablate', label: 'Ablate (set to 0)' },
  { value: 'scale', label: 'Scale (× s)' },
  { value: 'clamp', label: 'Clamp (set to v)' },
];

const SCOPES: { value: EditScope; label: string }[] = [
  { value: 'token', label: 'The selected token' },
  { value: 'selection', label: 'Selection' },
  { value: 'document', label: 'Whole document' },
];

export function editControls(ref: FeatureRef, form: EditForm, ev: EditControlEvents): HTMLElement {
  const needsAmount = form.op !== 'ablate';
  const amountOk = !needsAmount || parseEditAmount(form.amount) !== null;
  return h(
    'section',
    { class: 'edit-controls', attrs: { 'aria-labelledby': 'edit-controls-h' } },
    h('h3', { attrs: { id: 'edit-controls-h' } }, `Edit feature #${ref.index}`),
    h(
      'div',
      { class: 'edit-form' },
      dropdown({ label: 'Operation', options: OPS, value: form.op, onChange: (op) => ev.setForm({ ...form, op }) }),
      needsAmount
        ? numberField({
            id: 'edit-amount',
            label: form.op === 'scale' ? 'Factor s' : 'Value v',
            value: form.amount,
            valid: (t) => parseEditAmount(t) !== null,
            hint: 'a number, e.g. 2 or -0.5',
            onChange: (amount) => ev.setForm({ ...form, amount }),
          })
        : null,
      dropdown({ label: 'Where', options: SCOPES, value: form.scope, onChange: (scope) => ev.setForm({ ...form, scope }) }),
    ),
    h(
      'div',
      { class: 'edit-actions' },
      button({
        label: 'Apply edit',
        appearance: 'primary',
        disabled: !amountOk,
        ariaLabel: `Apply edit to feature ${ref.index} of ${ref.hook}`,
        onClick: () => ev.addEdit(ref, form),
        props: { attrs: { 'data-focus-key': 'edit-apply' } },
      }),
      button({
        label: 'Splice this hook',
        ariaLabel: `Splice this hook (${ref.hook}): replace its activation by the dictionary's reconstruction (drop the error term)`,
        onClick: () => ev.splice(ref.hook, form.scope),
      }),
    ),
    h('p', { class: 'aside' }, 'An edit changes the hook’s activation by (new − old) × the feature’s decoder direction; the error term and other features stay. Splicing drops the error term, to see how much the dictionary explains.'),
  );
}
