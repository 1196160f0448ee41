// The scale factor or clamp value a person types for a feature edit (the command's input box and the
// panel's card both read it the same way). No `vscode`, no DOM.

/** Largest |amount| accepted; the panel protocol's limit too (src/protocol/editShapes.ts). */
export const EDIT_AMOUNT_MAX = 1e6;

/** The number typed, when it is a plain finite decimal within ±EDIT_AMOUNT_MAX; otherwise null. */
export function parseEditAmount(text: string): number | null {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) && Math.abs(n) <= EDIT_AMOUNT_MAX ? n : null;
}
