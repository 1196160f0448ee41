// The token strip's comparison mode: the bins the host sends, how the panel reads them, and that a
// comparison shows only for the document version it was computed for.
import { describe, expect, it } from 'vitest';
import { comparisonBins } from '../../src/editor/compare/present';
import { comparisonBinAt, parseToWebview, type AnalysisMessage, type ComparisonMessage } from '../../src/protocol';
import type { TokenDelta } from '../../src/engine';
import { comparedToken, currentComparison } from '../../webview/state/compareState';
import { initialState, reduce } from '../../webview/state/panelState';

const t = (matched: boolean, delta: number | null): TokenDelta => ({
  start: 0, end: 1, text: 'x', matched, aIndex: matched ? 0 : null, logprobBefore: null, logprobAfter: null, deltaLogprob: delta, featureChanges: [],
});

describe('comparison in the token strip', () => {
  it('codes each token: bins -3..3, new text, nothing to compare', () => {
    const bins = comparisonBins([t(true, null), t(true, 0), t(true, 1 * Math.LN2), t(true, -6 * Math.LN2), t(false, null)]);
    expect(bins).toBe('-340n');
    expect([0, 1, 2, 3, 4, 5].map((i) => comparisonBinAt(bins, i))).toEqual(['none', 0, 1, -3, 'new', undefined]);
    const msg: ComparisonMessage = { type: 'comparison', docUri: 'file:///a', version: 2, label: 'saved', bins };
    expect(parseToWebview(msg).ok).toBe(true);
    expect(parseToWebview({ ...msg, bins: 'x' }).ok).toBe(false);
  });

  it('shows only for the version it names, and says how each token changed', () => {
    const msg: ComparisonMessage = { type: 'comparison', docUri: 'file:///a', version: 2, label: 'saved', bins: '-340n' };
    const state = reduce(initialState(), msg);
    const a = { docUri: 'file:///a', version: 2 } as AnalysisMessage;
    expect(currentComparison(state.comparison, a)).toBe(msg);
    expect(currentComparison(state.comparison, { ...a, version: 3 })).toBeNull();
    const c = currentComparison(state.comparison, a);
    expect(comparedToken(c, 3)).toEqual({ cls: 'tok cmp-m3', said: 'less likely than in saved, by 5 bits or more' });
    expect(comparedToken(c, 4)?.cls).toBe('tok cmp-new');
    expect(comparedToken(c, 1)?.cls).toBe('tok cmp-0');
    expect(comparedToken(c, 9)).toBeUndefined();
    expect(reduce(state, { ...msg, label: null, bins: '' }).comparison).toBeNull();
  });
});
