// Edits as people write them (`HOOK:FEATURE=SPEC[@START-END]`, `HOOK:splice[@START-END]`), parsed and
// checked against the loaded dictionaries. Shared by the command line and the editor, so both refuse the
// same edits with the same sentence.
import type { FeatureEdit, TextRange } from './types';

export const EDIT_SYNTAX = 'HOOK:FEATURE=SPEC[@START-END] (SPEC: 0 ablates, xS scales by S, V clamps to V) or HOOK:splice[@START-END]';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function finiteNumber(s: string): number | null {
  return NUMBER.test(s) ? Number(s) : null;
}

function parseRange(s: string): TextRange | string {
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) return `range "${s}" is not START-END (UTF-16 offsets)`;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return `range "${s}": END must be >= START`;
  return { start, end };
}

/** Parses one edit; the error names what is wrong with it. */
export function parseEdit(text: string): { ok: true; value: FeatureEdit } | { ok: false; message: string } {
  const bad = (why: string) => ({ ok: false as const, message: `bad edit "${text}": ${why} (expected ${EDIT_SYNTAX})` });
  const at = text.lastIndexOf('@');
  const body = at >= 0 ? text.slice(0, at) : text;
  let range: TextRange | undefined;
  if (at >= 0) {
    const r = parseRange(text.slice(at + 1));
    if (typeof r === 'string') return bad(r);
    range = r;
  }
  const colon = body.lastIndexOf(':');
  if (colon <= 0) return bad('no HOOK: before the feature');
  const hook = body.slice(0, colon);
  const rest = body.slice(colon + 1);
  const withRange = <T extends FeatureEdit>(e: T): T => (range ? { ...e, range } : e);
  if (rest === 'splice') return { ok: true, value: withRange({ hook, op: 'splice' }) };
  const eq = rest.indexOf('=');
  if (eq < 0) return bad('no =SPEC after the feature');
  const featureText = rest.slice(0, eq);
  const spec = rest.slice(eq + 1);
  if (!/^\d+$/.test(featureText)) return bad(`feature "${featureText}" is not a whole number`);
  const feature = Number(featureText);
  if (!Number.isSafeInteger(feature)) return bad(`feature "${featureText}" is too large`);
  if (spec.startsWith('x') || spec.startsWith('X')) {
    const factor = finiteNumber(spec.slice(1));
    if (factor === null) return bad(`scale "${spec}" is not x followed by a number`);
    return { ok: true, value: withRange({ hook, feature, op: 'scale', factor }) };
  }
  const value = finiteNumber(spec);
  if (value === null) return bad(`"${spec}" is neither 0, xS nor a number`);
  return { ok: true, value: withRange(value === 0 ? { hook, feature, op: 'ablate' } : { hook, feature, op: 'clamp', value }) };
}

/** The edit written back in the syntax parseEdit reads (for provenance and messages). */
export function formatEdit(e: FeatureEdit): string {
  const range = e.range ? `@${e.range.start}-${e.range.end}` : '';
  if (e.op === 'splice') return `${e.hook}:splice${range}`;
  const spec = e.op === 'ablate' ? '0' : e.op === 'scale' ? `x${e.factor}` : `${e.value}`;
  return `${e.hook}:${e.feature}=${spec}${range}`;
}

export interface EditableDictionary {
  hookName: string;
  dSae: number;
}

/** null when every edit can be applied with these dictionaries to a text of `textLength` UTF-16 units;
 *  otherwise a sentence naming the first edit that cannot. */
export function editProblem(edits: readonly FeatureEdit[], dictionaries: readonly EditableDictionary[], textLength: number): string | null {
  if (!Array.isArray(edits)) return 'edits must be a list';
  if (edits.length > 256) return 'at most 256 edits at once';
  for (const e of edits) {
    const d = dictionaries.find((x) => x.hookName === e?.hook);
    const name = e && typeof e === 'object' && typeof e.hook === 'string' ? formatEdit(e) : JSON.stringify(e);
    if (!d) {
      const have = dictionaries.map((x) => x.hookName).join(', ') || 'none';
      return `edit ${name}: hook ${JSON.stringify(e?.hook)} has no dictionary (hooks with one: ${have})`;
    }
    if (e.op !== 'splice') {
      if (!['ablate', 'scale', 'clamp'].includes(e.op)) return `edit ${name}: unknown operation ${JSON.stringify(e.op)}`;
      if (!(Number.isInteger(e.feature) && e.feature >= 0 && e.feature < d.dSae)) {
        return `edit ${name}: feature ${e.feature} is out of range (${e.hook} has features 0..${d.dSae - 1})`;
      }
      if (e.op === 'scale' && !Number.isFinite(e.factor)) return `edit ${name}: the scale must be a finite number`;
      if (e.op === 'clamp' && !Number.isFinite(e.value)) return `edit ${name}: the value must be a finite number`;
    }
    if (e.range !== undefined) {
      const { start, end } = e.range;
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) return `edit ${name}: range must be whole numbers with 0 <= START <= END`;
      if (end > textLength) return `edit ${name}: range end ${end} is past the end of the text (${textLength})`;
    }
  }
  return null;
}
