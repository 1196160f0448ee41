// The document's tokens around the selected one, coloured by rank bucket (GLTR) or surprisal.
// A listbox with a roving tabindex: arrow keys move the selection, Enter/Space moves the editor
// cursor to the token, a click does both.

import { type CompactToken, type HeatmapLegend, tokenWindow } from '../../src/protocol';
import { rankBucket } from '../../src/shared/heatmapScale';
import { displayRank, formatProb, natsToBits, spokenToken, surprisalBits, visibleToken } from '../../src/shared/present';
import { h, replaceChildren } from '../dom';
import type { PanelState } from '../state/panelState';
import { editLevelClass, signedBits, tokenDelta } from '../state/editState';
import { comparedToken, currentComparison } from '../state/compareState';

/** Tokens drawn at once; the window only moves when the selection gets near its edge. */
const WINDOW = 240;
const EDGE = 30;

export interface TokenStripEvents {
  /** Selection moved inside the panel (keyboard or click). */
  select(index: number, via: 'key' | 'click'): void;
  /** Move the editor cursor to the token. */
  reveal(index: number): void;
}

export function tokenClass(t: CompactToken, legend: HeatmapLegend): string {
  if (t.rank === null || t.logprob === null) return 'tok first';
  if (legend.mode === 'surprisal') return 'tok surprisal';
  return `tok b${rankBucket(t.rank, legend.rankBounds)}`;
}

export function tokenDescription(t: CompactToken): string {
  if (t.rank === null || t.logprob === null) return `${spokenToken(t.text)}, first token, not predicted`;
  return `${spokenToken(t.text)}, rank ${displayRank(t.rank)}, probability ${formatProb(Math.exp(t.logprob))}`;
}

export class TokenStrip {
  readonly root: HTMLElement;
  private first = 0;
  private end = 0;
  private docKey = '';

  constructor(private readonly events: TokenStripEvents) {
    this.root = h('div', {
      class: 'strip',
      attrs: { role: 'listbox', 'aria-label': 'Tokens around the cursor', 'aria-orientation': 'horizontal', id: 'token-strip' },
      on: { keydown: (e) => this.onKey(e) },
    });
  }

  render(state: PanelState): void {
    const a = state.analysis;
    if (!a || a.tokens.length === 0) {
      replaceChildren(this.root, [h('p', { class: 'empty', attrs: { role: 'presentation' } }, a ? 'The document has no tokens.' : 'No analysis yet.')]);
      this.root.removeAttribute('tabindex');
      return;
    }
    const sel = state.selectedIndex ?? a.cursorIndex ?? a.firstIndex;
    const local = Math.min(Math.max(sel - a.firstIndex, 0), a.tokens.length - 1);
    const key = `${a.docUri}@${a.version}:${a.firstIndex}:${a.tokens.length}`;
    if (key !== this.docKey || local < this.first + EDGE || local >= this.end - EDGE) {
      ({ first: this.first, end: this.end } = tokenWindow(a.tokens.length, local, WINDOW));
      this.docKey = key;
    }
    // Keyboard focus stays in the strip while tokens are redrawn, even while the selected token is
    // outside the window the panel has (the strip itself holds focus until the host sends it).
    const hadFocus = this.root.contains(document.activeElement);
    const nodes: HTMLElement[] = [];
    const selectedLoaded = sel - a.firstIndex === local;
    const comparison = currentComparison(state.comparison, a);
    for (let k = this.first; k < this.end; k++) {
      const t = a.tokens[k]!;
      const index = a.firstIndex + k;
      const selected = selectedLoaded && k === local;
      // With feature edits active (and their effect computed for this text), the strip shows the change.
      const delta = tokenDelta(state.edit, a, index);
      // Else, with a comparison to another version of this text, the strip shows how each token changed.
      const compared = delta === undefined ? comparedToken(comparison, index) : undefined;
      const label =
        delta !== undefined ? `${tokenDescription(t)}; edited: ${delta === null ? 'not predicted' : signedBits(delta)}` : compared ? `${tokenDescription(t)}; ${compared.said}` : tokenDescription(t);
      const span = h(
        'span',
        {
          class: (delta !== undefined ? editLevelClass(delta) : compared ? compared.cls : tokenClass(t, state.legend)) + (selected ? ' selected' : ''),
          attrs: {
            role: 'option',
            id: `tok-${index}`,
            'data-index': index,
            'data-focus-key': selected ? 'strip-selected' : null,
            'aria-selected': selected ? 'true' : 'false',
            'aria-label': label,
            tabindex: selected ? 0 : -1,
            title: label,
          },
          on: {
            click: () => {
              this.events.select(index, 'click');
              this.events.reveal(index);
            },
          },
        },
        visibleToken(t.text),
      );
      if (delta === undefined && !compared && state.legend.mode === 'surprisal' && t.logprob !== null) {
        const s = Math.min(surprisalBits(t.logprob) / natsToBits(state.legend.maxSurprisal), 1);
        span.style.setProperty('--s', s.toFixed(3));
      }
      nodes.push(span);
      // Tokens never wrap inside; the document's own line breaks follow the ↵ they are drawn as.
      for (let n = t.text.split('\n').length - 1; n > 0; n--) nodes.push(h('br', { attrs: { role: 'presentation' } }));
    }
    if (this.first > 0) nodes.unshift(h('span', { class: 'more', attrs: { 'aria-hidden': 'true' } }, '… '));
    if (this.end < a.tokens.length) nodes.push(h('span', { class: 'more', attrs: { 'aria-hidden': 'true' } }, ' …'));
    replaceChildren(this.root, nodes);
    // No selected token drawn (still loading): keep the strip itself reachable by Tab.
    if (!selectedLoaded) this.root.setAttribute('tabindex', '0');
    else this.root.removeAttribute('tabindex');
    if (hadFocus) (this.root.querySelector<HTMLElement>('.selected') ?? this.root).focus();
  }

  /** Scrolls the strip (only the strip, not the page) so the selected token's line is in its middle. */
  scrollToSelected(): void {
    const el = this.root.querySelector<HTMLElement>('.selected');
    if (!el) return;
    const top = el.offsetTop;
    const view = this.root.clientHeight;
    if (top < this.root.scrollTop || top + el.offsetHeight > this.root.scrollTop + view) this.root.scrollTop = Math.max(top - view / 2, 0);
  }

  private current(): number | null {
    const el = this.root.querySelector<HTMLElement>('.selected');
    return el ? Number(el.dataset.index) : null;
  }

  private onKey(e: KeyboardEvent): void {
    const cur = this.current();
    const steps: Record<string, number> = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1, PageUp: -20, PageDown: 20 };
    if (e.key in steps && cur !== null) {
      e.preventDefault();
      const next = Math.max(cur + steps[e.key]!, 0);
      if (next !== cur) this.events.select(next, 'key');
    } else if (e.key === 'Home' || e.key === 'End') {
      // The panel clamps to the document; the host sends the window around the new token.
      e.preventDefault();
      this.events.select(e.key === 'Home' ? 0 : Number.MAX_SAFE_INTEGER, 'key');
    } else if ((e.key === 'Enter' || e.key === ' ') && cur !== null) {
      e.preventDefault();
      this.events.reveal(cur);
    }
  }
}
