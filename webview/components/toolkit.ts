// The only module that knows about @vscode/webview-ui-toolkit (archived upstream): its tag names,
// attributes and registration. Everything else asks for "a button", "a dropdown" ... here and styles
// the data-control attribute set below, so the toolkit can be swapped for another kit or for
// native elements by rewriting this file and its sibling toolkitPage.ts (what the kit needs from the
// page's HTML).

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

/**
 * What each wrapper marks its element as (data-control), for styles.css: the panel styles
 * [data-control=...], never the kit's tag names. An attribute, not a class: the kit's elements
 * rewrite their own class attribute.
 */
export type ControlKind = 'button' | 'dropdown' | 'checkbox' | 'badge' | 'spinner' | 'divider';

function mark(el: HTMLElement, kind: ControlKind): void {
  el.dataset.control = kind;
}

/** Defines the kit's elements; once per page (the custom-element registry remembers). */
export function registerToolkit(): void {
  if (customElements.get('vscode-button')) return;
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
  mark(el, 'button');
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
  mark(el, 'dropdown');
  wrapper.append(label, el);
  return wrapper;
}

export function checkbox(o: { label: string; checked: boolean; onChange: (checked: boolean) => void }): HTMLElement {
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  mark(el, 'checkbox');
  el.textContent = o.label;
  if (o.checked) el.setAttribute('checked', '');
  el.addEventListener('change', () => o.onChange(el.checked));
  return el;
}

export function badge(text: string, ariaLabel?: string): HTMLElement {
  const el = document.createElement('vscode-badge');
  mark(el, 'badge');
  el.textContent = text;
  if (ariaLabel) el.setAttribute('aria-label', ariaLabel);
  return el;
}

export function progressRing(label: string): HTMLElement {
  const el = document.createElement('vscode-progress-ring');
  mark(el, 'spinner');
  el.setAttribute('aria-label', label);
  return el;
}

export function divider(): HTMLElement {
  const el = document.createElement('vscode-divider');
  mark(el, 'divider');
  el.setAttribute('role', 'separator');
  return el;
}

/**
 * Whether `target` is inside a dropdown whose list is open (such a dropdown uses Escape itself, to
 * close the list, so the panel must not act on that key).
 */
export function isInOpenDropdown(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('vscode-dropdown[open]') !== null;
}
