// The token strip's comparison mode: how a token of the shown version changed against the version the
// document is compared with (Compare with Saved / Git HEAD / Snapshot). Pure: no DOM. A comparison is
// used only for the document and version it was computed for, so an edit never shows a stale one.

import { type AnalysisMessage, type ComparisonMessage, comparisonBinAt } from '../../src/protocol';

/** The comparison for what the panel shows, or null. */
export function currentComparison(c: ComparisonMessage | null, a: AnalysisMessage | null): ComparisonMessage | null {
  return c && a && c.docUri === a.docUri && c.version === a.version ? c : null;
}

/** Strip class and spoken description of token `index` under the comparison; undefined when none applies. */
export function comparedToken(c: ComparisonMessage | null, index: number): { cls: string; said: string } | undefined {
  if (!c) return undefined;
  const bin = comparisonBinAt(c.bins, index);
  if (bin === undefined) return undefined;
  if (bin === 'new') return { cls: 'tok cmp-new', said: `new or changed since ${c.label}` };
  if (bin === 'none') return { cls: 'tok first', said: 'not predicted' };
  if (bin === 0) return { cls: 'tok cmp-0', said: `about as likely as in ${c.label}` };
  const size = ['by under 2 bits', 'by 2 to 5 bits', 'by 5 bits or more'][Math.abs(bin) - 1];
  return { cls: `tok cmp-${bin > 0 ? 'p' : 'm'}${Math.abs(bin)}`, said: `${bin > 0 ? 'more' : 'less'} likely than in ${c.label}, ${size}` };
}
