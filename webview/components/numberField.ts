// A labelled number input (native: the toolkit's text field has no number type). The value is checked
// by whoever reads it; invalid text is marked with aria-invalid and a visible hint.

import { h } from '../dom';

export interface NumberFieldOptions {
  id: string;
  label: string;
  value: string;
  /** Whether the text typed is acceptable (drives aria-invalid and the hint). */
  valid: (text: string) => boolean;
  hint: string;
  onChange: (text: string) => void;
  min?: number;
  max?: number;
  step?: string;
}

export function numberField(o: NumberFieldOptions): HTMLElement {
  const invalid = !o.valid(o.value);
  const input = h('input', {
    class: 'number-input',
    attrs: {
      id: o.id,
      type: 'number',
      value: o.value,
      min: o.min,
      max: o.max,
      step: o.step ?? 'any',
      'aria-invalid': invalid ? 'true' : null,
      'aria-describedby': invalid ? `${o.id}-hint` : null,
      'data-focus-key': o.id,
    },
    on: { change: (e) => o.onChange((e.target as HTMLInputElement).value) },
  });
  return h(
    'div',
    { class: 'control' },
    h('label', { attrs: { for: o.id } }, o.label),
    input,
    invalid ? h('span', { class: 'field-hint', attrs: { id: `${o.id}-hint` } }, o.hint) : null,
  );
}
