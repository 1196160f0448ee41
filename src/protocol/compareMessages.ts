// The panel protocol's message about a comparison of the document with another version (Compare with
// Saved / Git HEAD / Snapshot): the token strip colours each token by how its probability changed.
// Types and the bin code only; compareShapes.ts checks it at run time. No `vscode` import.

/**
 * One character per token of the document version (index = token index): '0'..'6' are the change bins
 * -3..3 of src/editor/compare/present.ts (0.5 / 2 / 5 bits, '3' = about the same), 'n' new or changed text
 * (no counterpart in the other version), '-' no prediction to compare (the first token).
 */
export const COMPARISON_BIN_CODES = '0123456n-';

export interface ComparisonMessage {
  type: 'comparison';
  docUri: string;
  /** The document version the bins hold for: the panel shows them only while it shows this version. */
  version: number;
  /** What the document is compared with ("saved", "git HEAD", "snapshot x.json"); null: no comparison. */
  label: string | null;
  bins: string;
}

/** The bin of a token (-3..3), 'new', 'none', or undefined when the string has no entry for it. */
export function comparisonBinAt(bins: string, index: number): number | 'new' | 'none' | undefined {
  const c = bins[index];
  if (c === undefined) return undefined;
  if (c === 'n') return 'new';
  if (c === '-') return 'none';
  return c.charCodeAt(0) - 48 - 3;
}
