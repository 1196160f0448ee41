// Per hook: the dictionary features listed on the selected token, in the engine's order (most unusual
// first, dense and positional ones after, or by activation), with activation bars, each label with its
// score (or "unclear"), dense / positional tags, and the reconstruction quality of that hook's
// dictionary at this token. A click (or Enter) opens a card.

import type { FeatureRef, SelectionMessage } from '../../src/protocol';
import { densePercent } from '../../src/shared/featureDensity';
import { formatNumber, labelWithScore, shortHook } from '../../src/shared/present';
import { h } from '../dom';

export interface FeatureListOptions {
  selection: SelectionMessage;
  hooks: string[];
  limit: number;
  highlight: FeatureRef | null;
  openCard: (ref: FeatureRef) => void;
}

export const featureFocusKey = (ref: FeatureRef) => `feat:${ref.hook}:${ref.index}`;

export function featureLists(o: FeatureListOptions): HTMLElement {
  const { token, featureLabels, featureDensities, featurePositional, featureScores, featureReadable } = o.selection;
  const sections = o.hooks
    .filter((hook) => token.features[hook])
    .map((hook, hi) => {
      const hits = token.features[hook]!.slice(0, o.limit);
      const labels = featureLabels[hook] ?? [];
      const densities = featureDensities[hook] ?? [];
      const positional = featurePositional?.[hook] ?? [];
      const scores = featureScores?.[hook] ?? [];
      const readable = featureReadable?.[hook] ?? [];
      const max = Math.max(...hits.map((f) => f.activation), 1e-9);
      const ev = token.reconstruction[hook];
      const headingId = `feat-h-${hi}`;
      const rows = hits.map((f, i) => {
        const ref = { hook, index: f.index };
        const label = labelWithScore(labels[i], { score: scores[i], readable: readable[i], density: densities[i] });
        const percent = densePercent(densities[i]);
        const tags = [percent !== undefined ? `dense: fires on ${percent}% of tokens` : null, positional[i] === true ? 'positional: fires at certain positions of the window' : null].filter((t): t is string => t !== null);
        const lit = o.highlight?.hook === hook && o.highlight.index === f.index;
        return h(
          'li',
          {},
          h(
            'button',
            {
              class: `feature${lit ? ' lit' : ''}`,
              attrs: {
                type: 'button',
                'data-focus-key': featureFocusKey(ref),
                // The accessible name is the visible text (plus hidden words for screen readers).
                title: `Open the card of feature ${f.index}`,
              },
              on: { click: () => o.openCard(ref) },
            },
            h('span', { class: 'feat-index' }, h('span', { class: 'sr-only' }, 'Feature '), `#${f.index}`),
            // Tags come first so the label's ellipsis never hides them.
            h(
              'span',
              { class: 'feat-label', attrs: { title: tags.length ? `${label} (${tags.join('; ')})` : label } },
              percent !== undefined
                ? h('span', { class: 'dense-tag' }, h('span', { attrs: { 'aria-hidden': 'true' } }, `dense ${percent}%`), h('span', { class: 'sr-only' }, `dense, fires on ${percent}% of tokens: `))
                : null,
              positional[i] === true
                ? h('span', { class: 'positional-tag' }, h('span', { attrs: { 'aria-hidden': 'true' } }, 'positional'), h('span', { class: 'sr-only' }, 'positional, fires at certain positions of the window: '))
                : null,
              h('span', { class: 'feat-text' }, label),
            ),
            h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'fill', style: { width: `${Math.max((f.activation / max) * 100, 1).toFixed(1)}%` } })),
            h('span', { class: 'num' }, h('span', { class: 'sr-only' }, 'activation '), formatNumber(f.activation)),
            lit ? h('span', { class: 'sr-only' }, ', highlighted in the editor') : null,
          ),
        );
      });
      return h(
        'section',
        { class: 'hook', attrs: { 'aria-labelledby': headingId } },
        h(
          'h3',
          { attrs: { id: headingId, title: hook } },
          shortHook(hook),
          ev !== undefined ? h('span', { class: 'aside' }, ` reconstruction ${(ev * 100).toFixed(1)}% explained`) : null,
        ),
        hits.length > 0 ? h('ol', { class: 'features', attrs: { 'aria-labelledby': headingId } }, ...rows) : h('p', { class: 'empty' }, 'No feature fires on this token.'),
      );
    });
  return h('div', { class: 'hooks' }, ...(sections.length ? sections : [h('p', { class: 'empty' }, 'No dictionary features for this token.')]));
}
