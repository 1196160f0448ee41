// The active feature edits of the document and what they do: the list (each removable, Clear all),
// the total change in bits over the document, the tokens that changed most (a click reveals one), and
// the selected token's distribution before and after, side by side. Everything here is labelled
// edited; nothing shows until the host's result matches the version and edit list on screen.

import type { EditsMessage } from '../../../src/protocol';
import { displayRank, formatProb, spokenToken, visibleToken } from '../../../src/shared/present';
import { h } from '../../dom';
import { activeEdits, currentEditedSelection, currentEffect, signedBits } from '../../state/editState';
import type { PanelState } from '../../state/panelState';
import { distribution } from '../distribution';
import { button } from '../toolkit';

export interface EditsEvents {
  removeEdit(id: string): void;
  clearEdits(): void;
  /** Select the token and move the editor there. */
  reveal(index: number): void;
}

function editList(e: EditsMessage, ev: EditsEvents): HTMLElement {
  return h(
    'ul',
    { class: 'edit-list', attrs: { 'aria-label': 'Active feature edits' } },
    ...e.edits.map((x) =>
      h(
        'li',
        { class: 'edit-item' },
        h('span', { class: 'edit-label' }, x.label),
        button({ label: 'Remove', ariaLabel: `Remove the edit: ${x.label}`, onClick: () => ev.removeEdit(x.id), props: { attrs: { 'data-focus-key': `edit-remove-${x.id}` } } }),
      ),
    ),
  );
}

function stateLine(e: EditsMessage, effect: ReturnType<typeof currentEffect>): HTMLElement {
  if (effect) {
    const total = effect.totalDeltaBits;
    return h(
      'p',
      { class: 'edit-total', attrs: { role: 'status' } },
      'Total change over the document: ',
      h('strong', {}, signedBits(total, 1)),
      total < 0 ? ' (the text became less likely under the edits)' : ' (the text became more likely under the edits)',
      // The model is causal: nothing before the first edited token can change.
      effect.firstEditedToken > 0 ? `; the first ${effect.firstEditedToken + 1} tokens are unchanged.` : '.',
    );
  }
  if (e.state === 'error') return h('p', { class: 'section-error', attrs: { role: 'alert' } }, `The edits could not be run: ${e.message ?? 'unknown error'}`);
  return h('p', { class: 'loading', attrs: { role: 'status' } }, 'Running the document with the edits…');
}

function changedMost(effect: NonNullable<ReturnType<typeof currentEffect>>, ev: EditsEvents): HTMLElement | null {
  if (effect.changedMost.length === 0) return h('p', { class: 'empty' }, 'No token’s log-probability changed.');
  return h(
    'div',
    { class: 'changed-most' },
    h('h3', { attrs: { id: 'changed-most-h' } }, 'Changed most'),
    h(
      'ol',
      { class: 'changed-list', attrs: { 'aria-labelledby': 'changed-most-h' } },
      ...effect.changedMost.map((c) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              class: `changed-token ${c.deltaBits < 0 ? 'down' : 'up'}`,
              // The visible text is the accessible name (token, change, position); the title says what a click does.
              attrs: { type: 'button', 'data-focus-key': `changed-${c.index}`, title: `${spokenToken(c.text)}: reveal token ${c.index + 1} in the editor` },
              on: { click: () => ev.reveal(c.index) },
            },
            h('code', { class: 'tok-text' }, visibleToken(c.text)),
            h('span', { class: 'num' }, signedBits(c.deltaBits)),
            h('span', { class: 'aside' }, ` token ${c.index + 1}`),
          ),
        ),
      ),
    ),
  );
}

function beforeAfter(s: PanelState): HTMLElement | null {
  const sel = currentEditedSelection(s.edit, s.analysis, s.selectedIndex);
  if (!sel) return null;
  // The token that actually came, marked in both distributions (from the plain selection's details).
  const actual = s.selection && s.selection.index === sel.index ? { id: s.selection.token.id, text: s.selection.token.text } : null;
  const headline =
    sel.logprob !== null && sel.logprobOriginal !== null
      ? h(
          'p',
          { class: 'edit-token-line' },
          'Selected token: p ',
          h('strong', {}, formatProb(Math.exp(sel.logprob))),
          ` edited, ${formatProb(Math.exp(sel.logprobOriginal))} unedited`,
          sel.rank !== null && sel.rankOriginal !== null ? ` · rank ${displayRank(sel.rank)} (was ${displayRank(sel.rankOriginal)})` : '',
          ` · ${signedBits((sel.logprob - sel.logprobOriginal) / Math.LN2)}`,
        )
      : h('p', { class: 'empty' }, 'The first token is not predicted.');
  return h(
    'div',
    { class: 'before-after' },
    headline,
    sel.before && sel.after
      ? h(
          'div',
          { class: 'side-by-side' },
          distribution({ title: 'Before (unedited)', entries: sel.before, limit: s.options.topK, entropy: null, actual, id: 'dist-before' }),
          distribution({ title: 'After (edited)', entries: sel.after, limit: s.options.topK, entropy: null, actual, id: 'dist-after' }),
        )
      : null,
  );
}

export function editsSection(s: PanelState, ev: EditsEvents): HTMLElement | null {
  const e = activeEdits(s.edit, s.analysis);
  if (!e) return null;
  const effect = currentEffect(s.edit, s.analysis);
  return h(
    'section',
    { class: 'edits', attrs: { 'aria-labelledby': 'edits-h' } },
    h('h2', { attrs: { id: 'edits-h' } }, `Edited: ${e.edits.length} feature edit${e.edits.length === 1 ? '' : 's'} active`),
    h('p', { class: 'aside' }, 'The token strip shows the change in each token’s log-probability (red: less likely, blue: more likely); the model’s plain predictions are above.'),
    editList(e, ev),
    button({ label: 'Clear all edits', onClick: () => ev.clearEdits(), props: { attrs: { 'data-focus-key': 'edits-clear' } } }),
    stateLine(e, effect),
    effect ? beforeAfter(s) : null,
    effect ? changedMost(effect, ev) : null,
  );
}
