// Attention from the explained token: a layers x heads grid (each cell shaded by how concentrated the
// head is, or by how far back it looks), arrow keys to move, Enter or a click to choose a head; then
// the chosen head's most attended tokens with their weights (a click scrolls the editor to one).

import type { ExplanationView, HeadSummary } from '../../../src/protocol';
import { formatNumber, formatProb, spokenToken, visibleToken } from '../../../src/shared/present';
import { h } from '../../dom';
import type { HeadShade } from '../../state/whyState';
import { dropdown } from '../toolkit';

export interface HeadGridEvents {
  chooseHead(layer: number, head: number, from: 'grid'): void;
  setShade(shade: HeadShade): void;
  peek(index: number): void;
}

export const headFocusKey = (hd: { layer: number; head: number }) => `head:L${hd.layer}H${hd.head}`;

function describeHead(hd: HeadSummary): string {
  return `${hd.name}: ${formatProb(hd.maxWeight)} on its most attended token, ${formatNumber(hd.meanDistance, 1)} tokens back on average`;
}

/** Moves focus between cells with the arrow keys, Home and End (roving tabindex). */
function onGridKey(e: KeyboardEvent, grid: HTMLElement): void {
  const cell = (e.target as HTMLElement).closest<HTMLElement>('[role=gridcell]');
  if (!cell) return;
  const rows = [...grid.querySelectorAll<HTMLElement>('[role=row]')].map((r) => [...r.querySelectorAll<HTMLElement>('[role=gridcell]')]).filter((r) => r.length > 0);
  const r = rows.findIndex((row) => row.includes(cell));
  const c = rows[r]!.indexOf(cell);
  const moves: Record<string, [number, number]> = {
    ArrowRight: [r, c + 1],
    ArrowLeft: [r, c - 1],
    ArrowDown: [r + 1, c],
    ArrowUp: [r - 1, c],
    Home: [e.ctrlKey ? 0 : r, 0],
    End: [e.ctrlKey ? rows.length - 1 : r, Number.MAX_SAFE_INTEGER],
  };
  const to = moves[e.key];
  if (!to) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      cell.click();
    }
    return;
  }
  e.preventDefault();
  const row = rows[Math.min(Math.max(to[0], 0), rows.length - 1)]!;
  const next = row[Math.min(Math.max(to[1], 0), row.length - 1)]!;
  for (const el of grid.querySelectorAll<HTMLElement>('[role=gridcell]')) el.tabIndex = el === next ? 0 : -1;
  next.focus();
}

function grid(e: ExplanationView, chosen: { layer: number; head: number } | null, shade: HeadShade, ev: HeadGridEvents): HTMLElement {
  const layers = [...new Set(e.heads.map((hd) => hd.layer))].sort((a, b) => a - b);
  const headCount = Math.max(0, ...e.heads.map((hd) => hd.head + 1));
  const maxDistance = Math.max(1e-9, ...e.heads.map((hd) => hd.meanDistance));
  const focusable = chosen ?? e.heads[0] ?? null;
  const columnHeads = h(
    'div',
    { class: 'head-row', attrs: { role: 'row' } },
    h('span', { class: 'head-corner', attrs: { role: 'columnheader' } }, 'Layer'),
    ...Array.from({ length: headCount }, (_, k) => h('span', { class: 'head-col', attrs: { role: 'columnheader' } }, `H${k}`)),
  );
  const rows = layers.map((layer) =>
    h(
      'div',
      { class: 'head-row', attrs: { role: 'row' } },
      h('span', { class: 'head-layer', attrs: { role: 'rowheader' } }, `L${layer}`),
      ...e.heads
        .filter((hd) => hd.layer === layer)
        .sort((a, b) => a.head - b.head)
        .map((hd) => {
          const selected = chosen?.layer === hd.layer && chosen.head === hd.head;
          const intensity = shade === 'focus' ? hd.maxWeight : hd.meanDistance / maxDistance;
          return h(
            'div',
            {
              class: `head-cell${selected ? ' chosen' : ''}`,
              style: { '--s': intensity.toFixed(3) },
              attrs: {
                role: 'gridcell',
                tabindex: focusable && focusable.layer === hd.layer && focusable.head === hd.head ? 0 : -1,
                'aria-selected': selected ? 'true' : 'false',
                'aria-label': describeHead(hd),
                title: describeHead(hd),
                'data-focus-key': headFocusKey(hd),
              },
              on: { click: () => ev.chooseHead(hd.layer, hd.head, 'grid') },
            },
            shade === 'focus' ? formatProb(hd.maxWeight) : formatNumber(hd.meanDistance, 1),
          );
        }),
    ),
  );
  const el = h('div', { class: 'head-grid', attrs: { role: 'grid', 'aria-labelledby': 'heads-h', 'aria-describedby': 'heads-help' } }, columnHeads, ...rows);
  el.addEventListener('keydown', (k) => onGridKey(k, el));
  return el;
}

function attendedList(e: ExplanationView, hd: HeadSummary, ev: HeadGridEvents): HTMLElement {
  const top = hd.attended[0]?.weight ?? 1;
  return h(
    'div',
    { class: 'attended-block' },
    h('h4', { attrs: { id: 'attended-h' } }, `${hd.name} attends to`),
    h(
      'ol',
      { class: 'attended', attrs: { 'aria-labelledby': 'attended-h' } },
      ...hd.attended.map((a) => {
        const back = e.position - a.index;
        return h(
          'li',
          {},
          h(
            'button',
            {
              class: 'attended-token',
              attrs: { type: 'button', 'data-focus-key': `att:${a.index}`, title: `Show token ${a.index + 1} (${spokenToken(a.text)}) in the editor` },
              on: { click: () => ev.peek(a.index) },
            },
            h('span', { class: 'back num' }, back === 0 ? 'self' : `−${back}`, h('span', { class: 'sr-only' }, back === 0 ? ' (the token itself)' : ' tokens back')),
            h('code', { class: 'tok-text' }, visibleToken(a.text)),
            h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'fill', style: { width: `${Math.max((a.weight / top) * 100, 1).toFixed(1)}%` } })),
            h('span', { class: 'num' }, h('span', { class: 'sr-only' }, 'weight '), formatProb(a.weight)),
          ),
        );
      }),
    ),
  );
}

export function headPanel(e: ExplanationView, chosen: { layer: number; head: number } | null, shade: HeadShade, ev: HeadGridEvents): HTMLElement {
  const hd = chosen ? e.heads.find((x) => x.layer === chosen.layer && x.head === chosen.head) : undefined;
  return h(
    'section',
    { class: 'heads', attrs: { 'aria-labelledby': 'heads-h' } },
    h(
      'div',
      { class: 'heads-head' },
      h('h3', { attrs: { id: 'heads-h' } }, 'Attention heads'),
      dropdown<HeadShade>({
        label: 'Shade by',
        options: [
          { value: 'focus', label: 'weight on one token' },
          { value: 'distance', label: 'distance back' },
        ],
        value: shade,
        onChange: ev.setShade,
      }),
    ),
    h('p', { class: 'aside', attrs: { id: 'heads-help' } }, 'Choose a head to list what it attends to and tint those tokens in the editor. Arrow keys move.'),
    grid(e, chosen, shade, ev),
    hd ? attendedList(e, hd, ev) : null,
  );
}
