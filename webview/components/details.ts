// The selected token: its figures, what the model expected at its place (the actual token marked),
// what it predicts next, and its features per hook.

import type { FeatureRef } from '../../src/protocol';
import { displayRank, formatBits, formatNumber, formatProb, surprisalBits, visibleToken } from '../../src/shared/present';
import { h } from '../dom';
import { loadedToken, type PanelState } from '../state/panelState';
import { distribution } from './distribution';
import { featureLists } from './features';

export function details(s: PanelState, openCard: (ref: FeatureRef) => void): HTMLElement | null {
  const a = s.analysis;
  if (!a || s.selectedIndex === null) return null;
  const sel = s.selection;
  if (!sel || sel.index !== s.selectedIndex) {
    const t = loadedToken(s, s.selectedIndex);
    return h(
      'section',
      { class: 'details loading', attrs: { 'aria-label': 'Selected token', 'aria-busy': 'true' } },
      h('h2', {}, 'Token ', t ? h('code', { class: 'tok-text' }, visibleToken(t.text)) : `${s.selectedIndex + 1}`),
      h('p', { class: 'loading' }, 'Loading token details…'),
    );
  }
  const t = sel.token;
  const prob = t.logprob === null ? null : Math.exp(t.logprob);
  const hooks = s.options.hook ? [s.options.hook] : (s.init?.model?.hooks ?? a.hooks);
  return h(
    'section',
    { class: 'details', attrs: { 'aria-labelledby': 'details-h' } },
    h(
      'h2',
      { attrs: { id: 'details-h' } },
      'Token ',
      h('code', { class: 'tok-text' }, visibleToken(t.text)),
      h('span', { class: 'aside' }, ` ${(sel.index + 1).toLocaleString('en-US')} of ${a.tokenCount.toLocaleString('en-US')}`),
    ),
    h(
      'dl',
      { class: 'stats' },
      ...(t.rank === null || prob === null
        ? [h('dt', {}, 'Prediction'), h('dd', {}, 'none (first token)')]
        : [
            h('dt', {}, 'Probability'),
            h('dd', {}, formatProb(prob)),
            h('dt', {}, 'Rank'),
            h('dd', {}, displayRank(t.rank)),
            h('dt', {}, 'Surprisal'),
            h('dd', {}, `${formatNumber(surprisalBits(t.logprob!), 1)} bits`),
          ]),
      ...(t.entropy !== null ? [h('dt', {}, 'Entropy'), h('dd', {}, formatBits(t.entropy))] : []),
    ),
    h(
      'div',
      { class: 'dists' },
      distribution({
        id: 'dist-here',
        title: 'Expected here',
        entries: sel.predictedBy ?? [],
        limit: s.options.topK,
        entropy: t.entropy,
        actual: sel.predictedBy ? { id: t.id, text: t.text } : null,
        actualOutside: t.rank !== null && prob !== null ? { rank: t.rank, prob } : null,
      }),
      distribution({
        id: 'dist-next',
        title: 'Predicts next',
        entries: t.topk,
        limit: s.options.topK,
        entropy: t.nextEntropy,
        actual: sel.nextToken,
      }),
    ),
    h('h2', { class: 'features-title' }, 'Features'),
    featureLists({ selection: sel, hooks, limit: s.options.featuresPerToken, highlight: s.highlight, openCard }),
  );
}
