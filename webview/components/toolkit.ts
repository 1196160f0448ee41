// The only file that knows about @vscode/webview-ui-toolkit (archived upstream). Everything else asks
// for "a button", "a dropdown" ... here, so the toolkit can be swapped for another kit or for native
// elements by rewriting this one file.

import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';
import { decorate, type Props } from '../dom';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
  );
}

export interface ButtonOptions {
  label: string;
  /** Accessible name when it differs from the visible label. */
  ariaLabel?: string;
  appearance?: 'primary' | 'secondary' | 'icon';
  disabled?: boolean;
  onClick: () => void;
  props?: Props;
}

export function button(o: ButtonOptions): HTMLElement {
  const el = document.createElement('vscode-button');
  el.textContent = o.label;
  el.setAttribute('appearance', o.appearance ?? 'secondary');
  if (o.ariaLabel) el.setAttribute('aria-label', o.ariaLabel);
  if (o.disabled) el.setAttribute('disabled', '');
  el.addEventListener('click', () => {
    if (!el.hasAttribute('disabled')) o.onClick();
  });
  if (o.props) decorate(el, o.props);
  return el;
}

export interface DropdownOptions<T extends string> {
  label: string;
  options: { value: T; label: string }[];
  value: T;
  disabled?: boolean;
  onChange: (value: T) => void;
  props?: Props;
}

/** A labelled dropdown: returns the wrapper (label + control). */
export function dropdown<T extends string>(o: DropdownOptions<T>): HTMLElement {
  const id = `dd-${o.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const wrapper = document.createElement('div');
  wrapper.className = 'control';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.id = `${id}-label`;
  label.textContent = o.label;
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  el.id = id;
  el.dataset.focusKey = id;
  el.setAttribute('aria-labelledby', label.id);
  el.setAttribute('aria-label', o.label);
  if (o.disabled) el.setAttribute('disabled', '');
  for (const opt of o.options) {
    const option = document.createElement('vscode-option') as HTMLElement & { value: string };
    option.setAttribute('value', opt.value);
    option.textContent = opt.label;
    if (opt.value === o.value) option.setAttribute('selected', '');
    el.append(option);
  }
  el.addEventListener('change', () => {
    if (el.value !== o.value) o.onChange(el.value as T);
  });
  if (o.props) decorate(el, o.props);
  wrapper.append(label, el);
  return wrapper;
}

export function checkbox(o: { label: string; checked: boolean; onChange: (checked: boolean) => void }): HTMLElement {
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.textContent = o.label;
  if (o.checked) el.setAttribute('checked', '');
  el.addEventListener('change', () => o.onChange(el.checked));
  return el;
}

export function badge(text: string, ariaLabel?: string): HTMLElement {
  const el = document.createElement('vscode-badge');
  el.textContent = text;
  if (ariaLabel) el.setAttribute('aria-label', ariaLabel);
  return el;
}

export function progressRing(label: string): HTMLElement {
  const el = document.createElement('vscode-progress-ring');
  el.setAttribute('aria-label', label);
  return el;
}

export function divider(): HTMLElement {
  const el = document.createElement('vscode-divider');
  el.setAttribute('role', 'separator');
  return el;
}
