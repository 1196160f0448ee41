// The panel's frame: read-only banner, status line, controls, heat-map legend, error and empty states.

import type { HeatmapLegend, PanelSettings } from '../../src/protocol';
import { natsToBits, shortHook } from '../../src/shared/present';
import { h } from '../dom';
import type { PanelState } from '../state/panelState';
import { button, checkbox, dropdown, progressRing } from './toolkit';

export function readOnlyBanner(s: PanelState): HTMLElement | null {
  if (!s.init?.readOnly) return null;
  const snap = s.init.snapshot;
  const when = snap ? new Date(snap.createdAt) : null;
  const date = when && !Number.isNaN(when.getTime()) ? when.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : snap?.createdAt;
  return h(
    'div',
    { class: 'banner readonly', attrs: { role: 'note', 'aria-label': 'Read-only snapshot' } },
    h('strong', {}, 'Read-only snapshot'),
    snap ? ` — ${snap.fileName}, saved ${date}.` : '.',
    snap?.textMatches === false ? h('span', { class: 'warn' }, ' ⚠ The document has changed since: its text no longer matches the snapshot.') : null,
    ' Nothing is re-analysed.',
  );
}

export function errorBanner(s: PanelState): HTMLElement | null {
  if (!s.error) return null;
  return h('div', { class: 'banner error', attrs: { role: 'alert' } }, h('strong', {}, 'Error: '), s.error.message);
}

export function statusLine(s: PanelState): HTMLElement {
  const model = s.init?.model;
  const st = s.status;
  const busy = st && (st.state === 'analysing' || st.state === 'loading-model');
  const pct = st?.progress !== null && st?.progress !== undefined ? ` ${Math.round(st.progress * 100)}%` : '';
  return h(
    'div',
    { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } },
    busy ? progressRing(st.message || 'Working') : null,
    h('span', { class: 'model', attrs: { title: model?.id ?? '' } }, model ? model.name || model.id : s.init ? 'No model' : 'Starting…'),
    s.analysis ? h('span', { class: 'doc' }, ` · ${s.analysis.fileName} · ${s.analysis.tokenCount.toLocaleString('en-US')} tokens`) : null,
    st ? h('span', { class: `state ${st.state}` }, ` · ${st.message}${pct}`) : null,
  );
}

export interface ControlEvents {
  setOptions(o: PanelSettings): void;
  exportSnapshot(includeActivations: boolean): void;
  openSnapshot(): void;
  setIncludeActivations(on: boolean): void;
}

const TOPK_CHOICES = [3, 5, 10, 20, 50];
const FEATURE_CHOICES = [3, 5, 8, 16, 32];

function choices(values: number[], current: number, max: number) {
  const all = [...new Set([...values.filter((v) => v <= max), current])].sort((a, b) => a - b);
  return all.map((v) => ({ value: String(v), label: String(v) }));
}

export function controls(s: PanelState, ev: ControlEvents): HTMLElement {
  const o = s.options;
  const hooks = s.init?.model?.hooks ?? s.analysis?.hooks ?? [];
  const readOnly = s.init?.readOnly ?? false;
  return h(
    'div',
    { class: 'controls', attrs: { role: 'group', 'aria-label': 'Inspector options' } },
    dropdown({
      label: 'Hook',
      value: o.hook ?? '*',
      options: [{ value: '*', label: 'All hooks' }, ...hooks.map((hk) => ({ value: hk, label: shortHook(hk) }))],
      onChange: (v) => ev.setOptions({ ...o, hook: v === '*' ? null : v }),
    }),
    dropdown({
      label: 'Top-k',
      value: String(o.topK),
      options: choices(TOPK_CHOICES, o.topK, s.init?.model?.topkMax ?? 50),
      onChange: (v) => ev.setOptions({ ...o, topK: Number(v) }),
    }),
    dropdown({
      label: 'Features',
      value: String(o.featuresPerToken),
      options: choices(FEATURE_CHOICES, o.featuresPerToken, 64),
      onChange: (v) => ev.setOptions({ ...o, featuresPerToken: Number(v) }),
    }),
    h(
      'div',
      { class: 'control actions' },
      readOnly
        ? null
        : button({ label: 'Export snapshot…', disabled: !s.analysis, onClick: () => ev.exportSnapshot(s.includeActivations) }),
      readOnly ? null : checkbox({ label: 'with activations', checked: s.includeActivations, onChange: ev.setIncludeActivations }),
      button({ label: 'Open snapshot…', onClick: ev.openSnapshot }),
    ),
  );
}

export function legend(l: HeatmapLegend): HTMLElement {
  if (l.mode === 'surprisal') {
    return h(
      'div',
      { class: 'legend', attrs: { role: 'note', 'aria-label': 'Colour legend: surprisal' } },
      h('span', { class: 'legend-title' }, 'Surprisal'),
      h('span', { class: 'swatch tok surprisal', style: { '--s': '0.05' } }, 'low'),
      h('span', { class: 'swatch tok surprisal', style: { '--s': '0.5' } }, 'mid'),
      h('span', { class: 'swatch tok surprisal', style: { '--s': '1' } }, `≥ ${natsToBits(l.maxSurprisal).toFixed(0)} bits`),
    );
  }
  const [a, b, c] = l.rankBounds;
  const labels = [`top ${a}`, `top ${b}`, `top ${c}`, `beyond ${c}`];
  return h(
    'div',
    { class: 'legend', attrs: { role: 'note', 'aria-label': 'Colour legend: rank of the actual token in the prediction' } },
    h('span', { class: 'legend-title' }, 'Rank'),
    ...labels.map((text, i) => h('span', { class: `swatch tok b${i}` }, text)),
  );
}

export function emptyState(s: PanelState): HTMLElement | null {
  if (s.analysis) return null;
  const text = s.cleared ?? (s.init ? 'Open a file to see what the model predicts for each token.' : 'Connecting to the extension…');
  return h('p', { class: 'empty-state' }, text);
}
