// --edit for the analyze and continue commands: parsing (the engine's edit syntax), checking against the
// loaded dictionaries, and the edited analysis as a table that never reads as the model's plain output.
import { editProblem, formatEdit, parseEdit, tokensChangedMost, type EditedAnalysis, type Engine, type FeatureEdit } from '../engine';
import { formatNumber, formatProb, visibleToken } from '../shared/present';
import { type ArgValues, UsageError } from './args';

export const editOption = { edit: { type: 'string', multiple: true } } as const;

/** The --edit values, parsed; a malformed one is a usage error naming it. */
export function editArgs(values: ArgValues): FeatureEdit[] {
  const raw = values.edit === undefined ? [] : Array.isArray(values.edit) ? values.edit : [String(values.edit)];
  return raw.map((text) => {
    const r = parseEdit(text);
    if (!r.ok) throw new UsageError(`--edit: ${r.message}`);
    return r.value;
  });
}

/** Refuses edits the engine's dictionaries cannot apply (no dictionary at the hook, feature out of range). */
export function checkEdits(engine: Pick<Engine, 'info'>, edits: FeatureEdit[], textLength: number): void {
  const bad = editProblem(edits, engine.info.dictionaries, textLength);
  if (bad) throw new UsageError(`--edit: ${bad}`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + '…' : s + ' '.repeat(n - s.length);
}

/** One line per token: edited and unedited probability, the change in bits, the edited top predictions. */
export function formatEditedTable(r: EditedAnalysis): string {
  const lines = [`EDITED (${r.edits.map(formatEdit).join(', ')}): total change ${formatNumber(r.totalDeltaBits)} bits`];
  lines.push(`${pad('#', 6)}${pad('token', 18)}${pad('p edited', 10)}${pad('p orig', 10)}${pad('Δ bits', 9)}top predictions (edited)`);
  r.tokens.forEach((t, i) => {
    const p = (lp: number | null) => (lp === null ? '-' : formatProb(Math.exp(lp)));
    const delta = t.logprob === null || t.logprobOriginal === null ? '-' : formatNumber((t.logprob - t.logprobOriginal) / Math.LN2);
    const top = t.topk.slice(0, 3).map((e) => `${visibleToken(e.text)} ${formatProb(e.prob)}`).join('  ');
    lines.push(`${pad(String(i), 6)}${pad(visibleToken(t.text), 18)}${pad(p(t.logprob), 10)}${pad(p(t.logprobOriginal), 10)}${pad(delta, 9)}${top}`);
  });
  const most = tokensChangedMost(r, 5).map((c) => `#${c.index} ${visibleToken(r.tokens[c.index].text)} ${formatNumber(c.deltaBits)}`);
  lines.push(`changed most (bits): ${most.length ? most.join(', ') : 'none'}`);
  return lines.join('\n');
}
