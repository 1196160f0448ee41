// DOM building without innerHTML: token text is the user's document, so every string goes in through
// textContent / setAttribute, never through HTML parsing.

type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  /** Plain attributes (aria-*, role, data-*, id, tabindex ...). */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  /** Inline style properties set through CSSOM (allowed by the CSP, unlike style="" attributes). */
  style?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  decorate(el, props);
  append(el, children);
  return el;
}

export function decorate(el: HTMLElement, props: Props): void {
  if (props.class) el.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, value] of Object.entries(props.style ?? {})) el.style.setProperty(name, value);
  for (const [name, handler] of Object.entries(props.on ?? {})) el.addEventListener(name, handler as EventListener);
}

export function append(el: HTMLElement, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's children (textContent = '' clears without parsing anything). */
export function replaceChildren(el: HTMLElement, children: Child[]): void {
  el.textContent = '';
  append(el, children);
}
