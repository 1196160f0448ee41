// The state of the panel's "Why this prediction" section and the pure rules over it: which
// explanation the section wants (selected token, target, versus), whether the one it has is that one,
// how each attribution term is named, and a feature's direct effect for its card. No DOM.

import type { AttributionEntry, ExplanationMessage, ExplanationView } from '../../src/protocol';
import { shortHook } from '../../src/shared/present';

/** Which explanation: the prediction after token `index` of that document version, for a target / versus. */
export interface WhyKey {
  docUri: string;
  version: number;
  index: number;
  /** Token id whose logit is explained; null = the actual next token. */
  target: number | null;
  /** Token id subtracted (logit difference); null = none. */
  versus: number | null;
}

export type WhyView =
  | { state: 'idle' }
  | { state: 'loading'; key: WhyKey; requestId: string }
  | { state: 'ready'; key: WhyKey; requestId: string; explanation: ExplanationView }
  | { state: 'error'; key: WhyKey; error: string; kind: string | null };

/** How the head grid shades its cells: by how far back a head looks, or how concentrated it is. */
export type HeadShade = 'distance' | 'focus';

export interface WhyState {
  /** The section is expanded (only then is anything requested). */
  open: boolean;
  target: number | null;
  versus: number | null;
  /** The head whose attended tokens are listed (and tinted in the editor). */
  head: { layer: number; head: number } | null;
  shade: HeadShade;
  /** The attribution group shown: 'model' or a dictionary hook. */
  group: string;
  view: WhyView;
}

export function initialWhy(): WhyState {
  return { open: false, target: null, versus: null, head: null, shade: 'focus', group: 'model', view: { state: 'idle' } };
}

export function sameKey(a: WhyKey, b: WhyKey): boolean {
  return a.docUri === b.docUri && a.version === b.version && a.index === b.index && a.target === b.target && a.versus === b.versus;
}

/** The explanation the section wants for the selected token, or null when it wants none. */
export function wantedKey(why: WhyState, selection: { docUri: string; version: number; index: number } | null): WhyKey | null {
  if (!why.open || !selection) return null;
  return { docUri: selection.docUri, version: selection.version, index: selection.index, target: why.target, versus: why.versus };
}

/**
 * The section after the selected token changed (another token, document or version): the target,
 * the versus token and the chosen head belonged to the old prediction, so they go.
 */
export function whyForSelection(why: WhyState, selection: { docUri: string; version: number; index: number } | null): WhyState {
  const v = why.view;
  if (v.state === 'idle') return why.head ? { ...why, head: null } : why;
  const k = v.key;
  if (selection && k.docUri === selection.docUri && k.version === selection.version && k.index === selection.index) return why;
  return { ...why, target: null, versus: null, head: null, view: { state: 'idle' } };
}

/** The reply to the request the section is waiting for, applied; anything else leaves it as it is. */
export function whyWithReply(why: WhyState, requestId: string, m: ExplanationMessage): WhyState {
  const v = why.view;
  if (v.state !== 'loading' || v.requestId !== requestId) return why;
  if (m.explanation) return { ...why, view: { state: 'ready', key: v.key, requestId, explanation: m.explanation } };
  return { ...why, view: { state: 'error', key: v.key, error: m.error ?? 'no explanation', kind: m.errorKind } };
}

/** A term's name for people: `L1H0`, `L0 MLP`, `feature #12`, `token embedding` ... */
export function termName(t: Pick<AttributionEntry, 'kind' | 'layer' | 'head' | 'feature' | 'group'>): string {
  switch (t.kind) {
    case 'head':
      return `L${t.layer}H${t.head}`;
    case 'mlp':
      return `L${t.layer} MLP`;
    case 'attn_bias':
      return `L${t.layer} attention bias`;
    case 'mlp_bias':
      return t.layer === null ? 'MLP bias' : `L${t.layer} MLP bias`;
    case 'embed':
      return 'token embedding';
    case 'pos_embed':
      return 'position embedding';
    case 'ln_bias':
      return 'final LayerNorm bias';
    case 'feature':
      return `feature #${t.feature}`;
    case 'sae_bias':
      return 'dictionary bias';
    case 'sae_error':
      return 'reconstruction error';
  }
}

/** A group's name for people: 'model components' or the dictionary's short hook. */
export function groupName(group: string): string {
  return group === 'model' ? 'Model components' : `Features of ${shortHook(group)}`;
}

/** The largest contributions for and against the explained logit, `limit` of each, largest first. */
export function topContributors(e: ExplanationView, group: string, limit: number): { pro: AttributionEntry[]; con: AttributionEntry[] } {
  const terms = e.attribution.filter((t) => t.group === group);
  const pro = terms.filter((t) => t.value > 0).sort((a, b) => b.value - a.value).slice(0, limit);
  const con = terms.filter((t) => t.value < 0).sort((a, b) => a.value - b.value).slice(0, limit);
  return { pro, con };
}

/**
 * A dictionary feature's direct effect on the explained prediction: its term, 0 when it does not fire
 * at this token (or its term was too small to be sent), undefined when the explanation has no group
 * for that dictionary.
 */
export function featureEffect(e: ExplanationView, hook: string, feature: number): number | undefined {
  if (!e.groups.some((g) => g.name === hook)) return undefined;
  return e.attribution.find((t) => t.group === hook && t.kind === 'feature' && t.feature === feature)?.value ?? 0;
}

/** The explanation on screen for the selected token, if it is ready. */
export function readyExplanation(why: WhyState): ExplanationView | null {
  return why.view.state === 'ready' ? why.view.explanation : null;
}
