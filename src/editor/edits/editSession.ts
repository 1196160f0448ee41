// The active feature edits of each document (ablate / scale / clamp / splice), as plain data. Pure: no
// `vscode`, no engine. Every change of a document's list gives it a new key, and edited results are
// stamped with the key they were computed for, so a result computed for an older list is never shown
// as if it were the current one (editEffects.ts, the panel). Ranges follow the text as it is typed.
import type { FeatureEdit } from '../../engine';
import type { EditScope } from '../../protocol';

export interface ActiveEdit {
  /** Unique for this store's lifetime ("e1", "e2", ...). */
  id: string;
  edit: FeatureEdit;
  /** What the range was picked from (the token under the cursor, the selection, the document). */
  scope: EditScope;
}

/** One change of the document's text: [start, end) of the old text replaced by `newLength` characters. */
export interface TextChange {
  start: number;
  end: number;
  newLength: number;
}

interface DocEdits {
  edits: ActiveEdit[];
  key: string;
}

/** Most edits one document holds at once (the protocol's limit too). */
export const MAX_EDITS_PER_DOCUMENT = 64;

/**
 * Where a range is after a text change: unchanged before it, shifted after it, and stretched over a
 * change inside or across it (so an edit keeps covering the text it was made for, plus what was
 * typed into it).
 */
export function shiftRange(range: { start: number; end: number }, c: TextChange): { start: number; end: number } {
  const delta = c.newLength - (c.end - c.start);
  if (c.start >= range.end && !(c.start === range.end && range.start === range.end)) return range;
  if (c.end <= range.start) return { start: range.start + delta, end: range.end + delta };
  const start = Math.min(range.start, c.start);
  const end = range.end > c.end ? range.end + delta : c.start + c.newLength;
  return { start, end: Math.max(start, end) };
}

export class EditSessions {
  private readonly docs = new Map<string, DocEdits>();
  private counter = 0;
  private readonly listeners = new Set<(docKey: string) => void>();

  /** The document's edits, oldest first (empty when none). */
  list(docKey: string): readonly ActiveEdit[] {
    return this.docs.get(docKey)?.edits ?? [];
  }

  /** The key of the document's current edit list: changes with every change of the list ("" = none). */
  key(docKey: string): string {
    return this.docs.get(docKey)?.key ?? '';
  }

  /** The documents with edits. */
  documents(): string[] {
    return [...this.docs.keys()];
  }

  /** Adds an edit; returns it, or the reason it was not added. */
  add(docKey: string, edit: FeatureEdit, scope: EditScope): ActiveEdit | string {
    const edits = this.list(docKey);
    if (edits.length >= MAX_EDITS_PER_DOCUMENT) return `at most ${MAX_EDITS_PER_DOCUMENT} edits per document`;
    const added: ActiveEdit = { id: `e${++this.counter}`, edit: structuredClone(edit), scope };
    this.set(docKey, [...edits, added]);
    return added;
  }

  remove(docKey: string, id: string): boolean {
    const edits = this.list(docKey);
    const kept = edits.filter((e) => e.id !== id);
    if (kept.length === edits.length) return false;
    this.set(docKey, kept);
    return true;
  }

  /** Removes every edit of the document; false when it had none. */
  clear(docKey: string): boolean {
    if (!this.docs.has(docKey)) return false;
    this.set(docKey, []);
    return true;
  }

  /** The document's text changed: ranges move with it (a new key only when a range moved). */
  textChanged(docKey: string, changes: readonly TextChange[]): void {
    const edits = this.list(docKey);
    if (edits.length === 0 || changes.length === 0) return;
    let moved = false;
    const next = edits.map((e) => {
      if (!e.edit.range) return e;
      // VS Code reports a change's ranges in the old text, later offsets first when several are applied at once.
      const range = [...changes].sort((a, b) => b.start - a.start).reduce(shiftRange, e.edit.range);
      if (range.start === e.edit.range.start && range.end === e.edit.range.end) return e;
      moved = true;
      return { ...e, edit: { ...e.edit, range } };
    });
    if (moved) this.set(docKey, next);
  }

  /** The document was closed: its edits go, without telling listeners (nothing shows it any more). */
  forget(docKey: string): void {
    this.docs.delete(docKey);
  }

  onDidChange(listener: (docKey: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private set(docKey: string, edits: ActiveEdit[]): void {
    if (edits.length === 0) this.docs.delete(docKey);
    else this.docs.set(docKey, { edits, key: `k${++this.counter}` });
    for (const l of this.listeners) l(docKey);
  }
}

/** The engine's edit for a feature (or, with `feature` null, a splice of the hook). */
export function featureEdit(hook: string, feature: number | null, op: FeatureEdit['op'], amount: number | null, range: { start: number; end: number } | undefined): FeatureEdit | string {
  const r = range ? { range: { start: range.start, end: range.end } } : {};
  if (op === 'splice') return { hook, op, ...r };
  if (feature === null) return `${op} needs a feature`;
  if (op === 'ablate') return { hook, feature, op, ...r };
  if (amount === null || !Number.isFinite(amount)) return `${op} needs a finite ${op === 'scale' ? 'factor' : 'value'}`;
  return op === 'scale' ? { hook, feature, op, factor: amount, ...r } : { hook, feature, op, value: amount, ...r };
}

/** One line for people: what the edit does and where. */
export function describeEdit(e: ActiveEdit): string {
  const x = e.edit;
  const where = !x.range ? 'whole document' : `${e.scope === 'token' ? 'token' : 'selection'} at ${x.range.start}–${x.range.end}`;
  if (x.op === 'splice') return `splice ${x.hook} (error term dropped) · ${where}`;
  const what = x.op === 'ablate' ? 'ablate' : x.op === 'scale' ? `scale ×${x.factor}` : `clamp to ${x.value}`;
  return `${what} #${x.feature} · ${x.hook} · ${where}`;
}

/** The amount an edit carries (scale factor, clamp value), null for ablate and splice. */
export function editAmount(x: FeatureEdit): number | null {
  return x.op === 'scale' ? x.factor : x.op === 'clamp' ? x.value : null;
}
